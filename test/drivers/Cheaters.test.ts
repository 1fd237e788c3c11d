// SIM-CHEAT.1..3, VER-AUDIT.*: compute verification wired into the network. Honest nodes agree, cheats
// are caught (forgers by the attestation check, lazy workers by audits) and slashed on chain, honest
// workers are never slashed, and the summary's counts add up.
import { describe, expect, it } from "vitest"
import { nodeCryptoService } from "../../src/crypto/NodeCrypto.ts"
import { simulate } from "../../src/drivers/InProcessNetwork.ts"
import { cheaterKinds } from "../../src/drivers/SimWork.ts"

const base = { nodes: 6, byzantine: 0, strategy: "equivocate" as const, blocks: 30, txRate: 10 }

describe("cheating workers in the simulated network (SIM-CHEAT.3)", () => {
  it("with a third of workers cheating: agreement, cheats caught and slashed, counts add up", () => {
    // audit half the claims so that a 30-block run settles several lazy claims both ways
    const s = simulate(nodeCryptoService, { ...base, seed: 3, cheaters: 0.34, params: { auditPpm: 500_000 } })
    expect(s.agreement).toBe(true)
    expect(s.completed).toBe(true)
    expect(s.cheaters).toBe(2)
    expect(s.cheatsCaught + s.cheatsMissed).toBe(s.cheatingClaims)
    expect(s.cheatsCaught).toBeGreaterThan(0)
    expect(s.attestationRejected).toBeGreaterThan(0) // the forger
    expect(s.auditsFailed).toBeGreaterThan(0) // the lazy worker, caught by an audit
    expect(s.cheatsMissed).toBeGreaterThan(0) // ... and not always (p < 1)
    // only cheats are slashed: every slashed claim is a caught cheat and vice versa
    expect(s.slashedClaims).toBe(s.cheatsCaught)
    expect(s.slashedWork).toBeGreaterThan(0)
    expect(s.auditsPassed + s.auditsFailed + s.auditsMissed).toBeLessThanOrEqual(s.audited)
    expect(s.auditsMissed).toBe(0) // every node runs the reference executor and reports in time
  })

  it("without cheaters nothing is slashed and every audit passes", () => {
    const s = simulate(nodeCryptoService, { ...base, seed: 4, params: { auditPpm: 500_000 } })
    expect(s.agreement).toBe(true)
    expect(s.claims).toBeGreaterThan(0)
    expect(s.audited).toBeGreaterThan(0)
    expect(s.auditsPassed).toBeGreaterThan(0)
    expect({ failed: s.auditsFailed, rejected: s.attestationRejected, slashedWork: s.slashedWork, cheating: s.cheatingClaims }).toEqual({
      failed: 0,
      rejected: 0,
      slashedWork: 0,
      cheating: 0,
    })
  })

  it("without attestations every cheater is lazy and only audits catch them", () => {
    const s = simulate(nodeCryptoService, { ...base, blocks: 20, seed: 5, cheaters: 0.34, attested: false, params: { auditPpm: 500_000 } })
    expect(s.agreement).toBe(true)
    expect(s.attestationRejected).toBe(0)
    expect(s.slashedClaims).toBe(s.cheatsCaught)
    expect(s.cheatsCaught + s.cheatsMissed).toBe(s.cheatingClaims)
  })

  it("cheaterKinds: round(f * n) of the honest nodes, lowest first, alternating lazy and forger", () => {
    expect([...cheaterKinds(0.2, 8, [0, 1, 2, 3, 4, 5, 6, 7])]).toEqual([
      [0, "lazy"],
      [1, "forger"],
    ])
    expect([...cheaterKinds(0.5, 4, [0, 1, 2], false)]).toEqual([
      [0, "lazy"],
      [1, "lazy"],
    ])
    expect(cheaterKinds(1, 4, [2, 3]).size).toBe(2)
    expect(cheaterKinds(0, 4, [0, 1, 2, 3]).size).toBe(0)
  })
})
