// VER-AUDIT.1..12: attestation at reveal, audit selection and assignment, reports and their errors,
// settlement, missed audits, maturity, and the block-level path through buildBlock/validateBlock.
import { describe, expect, it } from "vitest"
import { fromHex, toHex } from "../../src/codec/Bytes.ts"
import { SigningBytes } from "../../src/codec/Hashing.ts"
import { applyAuditReport, auditCandidates, decideAudits, expireAudits, penalize } from "../../src/core/Audits.ts"
import { accountOf, cloneState } from "../../src/core/ChainState.ts"
import { matureClaims } from "../../src/core/WorkClaims.ts"
import type { AuditReport } from "../../src/domain/Work.ts"
import { PPM } from "../../src/domain/Primitives.ts"
import { assignAuditor, attestationNonce, auditDraw, isAuditSelected } from "../../src/verification/Audit.ts"
import { auditorReport, beaconOf, prepareClaim, runTrial } from "../fixtures/audit.ts"
import { keysOf, sha, testCrypto } from "../fixtures/core.ts"

const P = 500_000
const R = 100_000
const params = { auditPpm: 250_000, auditPenalty: P, blockReward: R, auditReward: 1_000, auditMissPenalty: 7_000, auditWindow: 3 }

/** The first trial index whose beacon selects (or does not select) the claim. */
const findBeacon = (workId: string, ppm: number, selected: boolean): Uint8Array => {
  for (let t = 0; t < 10_000; t++) {
    const b = beaconOf(7, t)
    if (isAuditSelected(sha, b, fromHex(workId), ppm) === selected) return b
  }
  throw new Error("no beacon found")
}

describe("VER-AUDIT.2 selection", () => {
  it("is exactly u * 10^6 < ppm * 2^64 on the first 8 bytes of the tagged hash", () => {
    const w = sha(new Uint8Array([1]))
    for (let t = 0; t < 200; t++) {
      const b = beaconOf(1, t)
      const u = auditDraw(sha, b, w)
      expect(u < 1n << 64n).toBe(true)
      for (const ppm of [0, 1, 100_000, 999_999, PPM]) expect(isAuditSelected(sha, b, w, ppm)).toBe(u * 1_000_000n < BigInt(ppm) * (1n << 64n))
    }
    // p = 0 never selects, p = 1 always does
    expect(isAuditSelected(sha, beaconOf(1, 0), w, 0)).toBe(false)
    expect(isAuditSelected(sha, beaconOf(1, 0), w, PPM)).toBe(true)
  })

  it("selects a fraction p of claims (10,000 draws, p = 0.1: within 5 sigma)", () => {
    let k = 0
    const n = 10_000
    for (let i = 0; i < n; i++) if (isAuditSelected(sha, beaconOf(2, i), sha(new Uint8Array([i & 255, i >> 8])), 100_000)) k++
    const sigma = Math.sqrt(n * 0.1 * 0.9)
    expect(Math.abs(k - n * 0.1)).toBeLessThan(5 * sigma)
  })
})

describe("VER-AUDIT.3 assignment", () => {
  it("never assigns the worker, and follows stake among the others", () => {
    const run = prepareClaim(params, "honest")
    const s = run.afterReveal
    const counts = new Map<string, number>()
    for (let t = 0; t < 3000; t++) {
      const a = assignAuditor(sha, auditCandidates(s), beaconOf(3, t), fromHex(run.workId), run.worker)
      expect(a).toBeDefined()
      expect(a).not.toBe(run.worker)
      counts.set(a as string, (counts.get(a as string) ?? 0) + 1)
    }
    expect(counts.size).toBe(3) // the three equal-stake validators other than the worker
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(5 * Math.sqrt(3000 * (1 / 3) * (2 / 3)))
  })

  it("returns undefined when no other validator has stake", () => {
    const run = prepareClaim(params, "honest")
    const d = cloneState(run.afterReveal)
    for (const k of d.validators.keys()) if (k !== run.worker) d.accounts.set(k, { ...accountOf(d, k), stake: 0 })
    expect(assignAuditor(sha, auditCandidates(d), beaconOf(3, 0), fromHex(run.workId), run.worker)).toBeUndefined()
    decideAudits(sha, d, findBeacon(run.workId, params.auditPpm, true), 3)
    expect(d.claims.get(run.workId)?.audit).toBe("skipped") // selected but nobody can audit
  })
})

describe("VER-AUDIT.4 attestation at reveal", () => {
  it("an honest and a lazy claim pass the attestation check; a forger's is charged P and records no claim", () => {
    const honest = prepareClaim(params, "honest")
    expect(honest.afterReveal.claims.get(honest.workId)?.audit).toBe("undecided")
    expect(honest.afterReveal.totals.attestationRejected).toBe(0)
    const lazy = prepareClaim(params, "lazy")
    expect(lazy.afterReveal.claims.has(lazy.workId)).toBe(true)
    const forger = prepareClaim(params, "forger")
    expect(forger.afterReveal.claims.has(forger.workId)).toBe(false)
    expect(forger.afterReveal.totals.attestationRejected).toBe(1)
    expect(forger.afterReveal.totals.claims).toBe(1)
    expect(forger.afterReveal.totals.slashedWork).toBe(P)
    const before = accountOf(honest.afterReveal, forger.worker)
    const after = accountOf(forger.afterReveal, forger.worker)
    expect(before.balance + before.stake - (after.balance + after.stake)).toBe(P)
  })

  it("without attestation configuration a forger's claim is recorded (core without step 2)", () => {
    const forger = prepareClaim(params, "forger", false)
    expect(forger.afterReveal.claims.has(forger.workId)).toBe(true)
  })

  it("VER-AUDIT.1: the nonce binds chain, task and worker", () => {
    const t = new Uint8Array(32).fill(1)
    const w = new Uint8Array(32).fill(2)
    const n = toHex(attestationNonce(sha, "poai-sim", t, w))
    expect(toHex(attestationNonce(sha, "other", t, w))).not.toBe(n)
    expect(toHex(attestationNonce(sha, "poai-sim", w, t))).not.toBe(n)
    expect(toHex(attestationNonce(sha, "poai-sim", t, w))).toBe(n)
  })
})

describe("VER-AUDIT.5..9 reports and settlement", () => {
  const selectedState = (kind: "honest" | "lazy") => {
    const run = prepareClaim(params, kind)
    const d = cloneState(run.afterReveal)
    decideAudits(sha, d, findBeacon(run.workId, params.auditPpm, true), 3)
    return { run, d }
  }

  it("an honest claim's audit passes and pays the auditor; the claim then matures", () => {
    const { run, d } = selectedState("honest")
    const c = d.claims.get(run.workId)!
    expect(c).toMatchObject({ audit: "pending", auditDue: 3 + params.auditWindow })
    expect(d.totals.audited).toBe(1)
    const auditorBefore = accountOf(d, c.auditor).balance
    expect(matureClaims(d, 100).size).toBe(0) // pending: does not mature
    expect(applyAuditReport(testCrypto, d, auditorReport(run, d)!, 4)).toBe("passed")
    expect(accountOf(d, c.auditor).balance - auditorBefore).toBe(params.auditReward)
    expect(d.claims.get(run.workId)?.audit).toBe("passed")
    expect(matureClaims(d, 100).get(run.worker)).toBe(10)
  })

  it("a lazy claim's audit fails: claim deleted, worker charged P, auditor paid", () => {
    const { run, d } = selectedState("lazy")
    const c = d.claims.get(run.workId)!
    const w0 = accountOf(d, run.worker)
    const a0 = accountOf(d, c.auditor).balance
    expect(applyAuditReport(testCrypto, d, auditorReport(run, d)!, 4)).toBe("failed")
    expect(d.claims.has(run.workId)).toBe(false)
    const w1 = accountOf(d, run.worker)
    expect(w0.balance + w0.stake - (w1.balance + w1.stake)).toBe(P)
    expect(accountOf(d, c.auditor).balance - a0).toBe(params.auditReward)
    expect(d.totals).toMatchObject({ auditsFailed: 1, slashedWork: P })
  })

  it("rejects each malformed, misdirected, late, replayed or badly signed report with its code and changes nothing", () => {
    const { run, d } = selectedState("honest")
    const good = auditorReport(run, d)!
    const c = d.claims.get(run.workId)!
    const other = [...d.validators.keys()].find((k) => k !== c.auditor && k !== run.worker) as string
    const sign = (u: Omit<AuditReport, "signature">, signer: string): AuditReport => ({
      ...u,
      signature: testCrypto.ed25519.sign(SigningBytes.auditReport(u), keysOf(run.net, signer).secretKey),
    })
    const { signature: _s, ...u } = good
    const cases: Array<[AuditReport, number, string]> = [
      [{ ...good, chainId: "other-chain" }, 4, "AUDIT_BAD_CHAIN"],
      [{ ...good, signature: new Uint8Array(64) }, 4, "AUDIT_BAD_SIGNATURE"],
      [{ ...good, verdict: "fail", reason: "OUTPUT_MISMATCH" }, 4, "AUDIT_BAD_SIGNATURE"], // verdict flipped after signing
      [{ ...good, evidence: { ...good.evidence, sampled: [1] } }, 4, "AUDIT_BAD_SIGNATURE"], // evidence changed after signing
      [sign({ ...u, verdict: "fail" }, c.auditor), 4, "AUDIT_MALFORMED"], // a fail naming no reason (VER-VERDICT.4)
      [sign({ ...u, reason: "INF_MISMATCH" }, c.auditor), 4, "AUDIT_MALFORMED"], // a pass naming a reason
      [sign({ ...u, auditor: fromHex(other) }, other), 4, "AUDIT_WRONG_AUDITOR"],
      [sign({ ...u, workId: new Uint8Array(32).fill(9) }, c.auditor), 4, "AUDIT_NOT_PENDING"],
      [good, 3 + params.auditWindow + 1, "AUDIT_EXPIRED"],
    ]
    for (const [r, h, code] of cases) {
      const before = JSON.stringify([...d.claims.entries()]) + JSON.stringify([...d.accounts.entries()]) + JSON.stringify(d.totals)
      const res = applyAuditReport(testCrypto, d, r, h)
      expect(typeof res === "string" ? res : res.code).toBe(code)
      expect(JSON.stringify([...d.claims.entries()]) + JSON.stringify([...d.accounts.entries()]) + JSON.stringify(d.totals)).toBe(before)
    }
    expect(applyAuditReport(testCrypto, d, good, 4)).toBe("passed")
    // replay of the same report: the claim is no longer pending
    const replay = applyAuditReport(testCrypto, d, good, 5)
    expect(typeof replay === "string" ? replay : replay.code).toBe("AUDIT_NOT_PENDING")
  })

  it("VER-AUDIT.9: no report by the due height: missed, auditor charged, the claim matures unaudited", () => {
    const { run, d } = selectedState("lazy")
    const c = d.claims.get(run.workId)!
    const a0 = accountOf(d, c.auditor)
    expireAudits(d, c.auditDue - 1)
    expect(d.claims.get(run.workId)?.audit).toBe("pending")
    expireAudits(d, c.auditDue)
    expect(d.claims.get(run.workId)?.audit).toBe("missed")
    const a1 = accountOf(d, c.auditor)
    expect(a0.balance + a0.stake - (a1.balance + a1.stake)).toBe(params.auditMissPenalty)
    expect(d.totals.auditsMissed).toBe(1)
    expect(matureClaims(d, 100).get(run.worker)).toBe(10)
  })

  it("VER-AUDIT.8: penalties take balance first, then stake, and never more than both", () => {
    const run = prepareClaim(params, "honest")
    const d = cloneState(run.afterReveal)
    const a = accountOf(d, run.worker)
    expect(penalize(d, run.worker, a.balance + 10)).toBe(a.balance + 10)
    expect(accountOf(d, run.worker)).toMatchObject({ balance: 0, stake: a.stake - 10 })
    expect(penalize(d, run.worker, 10 ** 12)).toBe(a.stake - 10)
    expect(accountOf(d, run.worker)).toMatchObject({ balance: 0, stake: 0 })
    expect(penalize(d, run.worker, 5)).toBe(0)
  })
})

describe("VER-AUDIT.12: one claim through the whole path", () => {
  it("lazy: R when skipped, -P when audited; honest: R either way", () => {
    const lazy = prepareClaim(params, "lazy")
    expect(runTrial(lazy, findBeacon(lazy.workId, params.auditPpm, false))).toMatchObject({ outcome: "skipped", workerDelta: R })
    expect(runTrial(lazy, findBeacon(lazy.workId, params.auditPpm, true))).toMatchObject({ outcome: "failed", workerDelta: -P })
    const honest = prepareClaim(params, "honest")
    expect(runTrial(honest, findBeacon(honest.workId, params.auditPpm, false))).toMatchObject({ outcome: "skipped", workerDelta: R })
    expect(runTrial(honest, findBeacon(honest.workId, params.auditPpm, true))).toMatchObject({ outcome: "passed", workerDelta: R })
    const forger = prepareClaim(params, "forger")
    expect(runTrial(forger, findBeacon(forger.workId, params.auditPpm, false))).toMatchObject({ outcome: "rejected", workerDelta: -P })
  })
})

describe("decideAudits", () => {
  it("decides only claims revealed before the block, once", () => {
    const run = prepareClaim(params, "honest")
    const d = cloneState(run.afterReveal)
    decideAudits(sha, d, findBeacon(run.workId, params.auditPpm, true), 2) // same block as the reveal
    expect(d.claims.get(run.workId)?.audit).toBe("undecided")
    decideAudits(sha, d, findBeacon(run.workId, params.auditPpm, false), 3)
    expect(d.claims.get(run.workId)?.audit).toBe("skipped")
    decideAudits(sha, d, findBeacon(run.workId, params.auditPpm, true), 4)
    expect(d.claims.get(run.workId)?.audit).toBe("skipped")
  })
})
