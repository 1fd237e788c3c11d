// spec: VER-AUDIT.2, VER-AUDIT.12, VER-ECON.1..3 (spec/11-compute-verification.md)
// Properties of random audits against the real reveal / selection / report / maturity / reward code
// (test/fixtures/audit.ts):
//  1. Theorem 4.1 and its correction: the measured expected value of a lazy claim and of an honest one
//     match VER-ECON.1, and where the formulas' margin exceeds the sampling error the measured
//     comparison agrees with paperConditionHolds (EV_c < 0) and correctedConditionHolds (EV_c < EV_h).
//  2. Sybil neutrality of selection: moving claims between identities (one worker vs. several) changes
//     no claim's audit decision, for every beacon; and the per-claim selection frequency is p.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { fromHex, toHex } from "../src/codec/Bytes.ts"
import { Hashes } from "../src/codec/Hashing.ts"
import { decideAudits } from "../src/core/Audits.ts"
import { cloneState, type ClaimRecord, type DraftState } from "../src/core/ChainState.ts"
import { PPM } from "../src/domain/Primitives.ts"
import { cheatingEvScaled, correctedConditionHolds, honestEvScaled, paperConditionHolds } from "../src/verification/Economics.ts"
import { beaconOf, prepareClaim, runTrial } from "../test/fixtures/audit.ts"
import { genesisOf, sha, testnet, workClaim } from "../test/fixtures/core.ts"
import { propertyRuns, propertySeed } from "./config.ts"

const TRIALS = 400

describe("Theorem 4.1 against the real audit and slashing code (VER-AUDIT.12, VER-ECON.1..3)", () => {
  it("measured EV of lazy and honest claims matches (1-p)R - pP and R; the measured comparisons agree with both conditions", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: PPM }),
        fc.integer({ min: 1, max: 200_000 }),
        fc.integer({ min: 0, max: 900_000 }),
        fc.integer({ min: 0, max: 400_000 }),
        fc.nat(),
        (pPpm, R, P, C, seed) => {
          const params = { auditPpm: pPpm, blockReward: R, auditPenalty: P }
          const lazy = prepareClaim(params, "lazy", true, `lazy-${seed}`)
          const honest = prepareClaim(params, "honest", true, `honest-${seed}`)
          let lazySum = 0
          let honestSum = 0
          let selected = 0
          for (let t = 0; t < TRIALS; t++) {
            const b = beaconOf(seed, t)
            const l = runTrial(lazy, b)
            const h = runTrial(honest, b)
            // exact per-trial accounting of the real code
            expect(l.workerDelta).toBe(l.selected ? -P : R)
            expect(h.workerDelta).toBe(R)
            if (l.selected) selected++
            lazySum += l.workerDelta
            honestSum += h.workerDelta - C // EV_h = R - C: the cost is paid off chain
          }
          const p = pPpm / PPM
          // selection frequency: binomial, 5 sigma (+1 for the degenerate p = 0 or 1)
          expect(Math.abs(selected - TRIALS * p)).toBeLessThanOrEqual(5 * Math.sqrt(TRIALS * p * (1 - p)) + 1)
          const terms = { pPpm, reward: R, penalty: P, cost: C }
          const evC = Number(cheatingEvScaled(terms)) / PPM
          const evH = Number(honestEvScaled(terms)) / PPM
          const mC = lazySum / TRIALS
          const mH = honestSum / TRIALS
          const se = (5 * Math.sqrt(p * (1 - p)) * (R + P)) / Math.sqrt(TRIALS) + 1e-9
          expect(Math.abs(mC - evC)).toBeLessThanOrEqual(se)
          expect(mH).toBe(evH)
          // where the formula is decided by more than the sampling error, the measurement agrees
          if (Math.abs(evC) > se) expect(mC < 0).toBe(paperConditionHolds(terms))
          if (Math.abs(evC - evH) > se) expect(mC < mH).toBe(correctedConditionHolds(terms))
        },
      ),
      { numRuns: propertyRuns(12), seed: propertySeed(4_2024_11) },
    )
  })

  it("counterexample to the paper's condition being sufficient, on the real code: p = 0.1, P = 10R, C = 2R", () => {
    const R = 50_000
    const P = 10 * R
    const C = 2 * R
    const terms = { pPpm: 100_000, reward: R, penalty: P, cost: C }
    expect(paperConditionHolds(terms)).toBe(true)
    expect(correctedConditionHolds(terms)).toBe(false)
    const lazy = prepareClaim({ auditPpm: 100_000, blockReward: R, auditPenalty: P }, "lazy", true, "cx")
    let sum = 0
    const n = 2000
    for (let t = 0; t < n; t++) sum += runTrial(lazy, beaconOf(99, t)).workerDelta
    const mC = sum / n
    // EV_c = 0.9R - 1.0R = -0.1R < 0 (paper: "deterred") but EV_h = R - 2R = -R < EV_c: cheating pays
    expect(mC).toBeLessThan(0)
    expect(mC).toBeGreaterThan(R - C)
  })
})

// ------------------------------------------------------------------------------------------------
// Sybil neutrality of audit selection (VER-AUDIT.2)

const pendingOrSkipped = (d: DraftState) => new Map([...d.claims.entries()].map(([k, c]) => [k, c.audit]))

/** A draft holding `n` undecided claims revealed at height 2, the i-th owned by owners[i]. */
const baseNet = testnet({ nodes: 8, seed: 5 })
const baseState = genesisOf(baseNet)
const draftWithClaims = (owners: ReadonlyArray<string>, pPpm: number, label: number): DraftState => {
  const d = cloneState(baseState)
  d.params = { ...d.params, auditPpm: pPpm }
  owners.forEach((owner, i) => {
    const claim = workClaim(`sybil-${label}-${i}`, 10)
    const rec: ClaimRecord = {
      worker: owner,
      commitment: toHex(sha(new Uint8Array([i]))),
      commitHeight: 1,
      commitIndex: i,
      revealHeight: 2,
      maturesAt: 10,
      q: 10,
      matured: false,
      outputHash: toHex(claim.outputHash),
      audit: "undecided",
      auditor: "",
      auditDue: 0,
      computeUnits: 10,
      scoring: "none",
      consensus: null,
      noveltySketch: toHex(claim.noveltySketch),
      noveltyPpm: 1_000_000,
    }
    d.claims.set(toHex(Hashes.workId(sha, claim)), rec)
  })
  return d
}

describe("audit selection is Sybil-neutral (VER-AUDIT.2)", () => {
  it("splitting one worker's claims across identities changes no claim's selection, for every beacon", () => {
    const ids = baseNet.keys.map((k) => k.pubHex)
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 0, max: PPM }),
        fc.array(fc.nat(7), { minLength: 24, maxLength: 24 }),
        fc.nat(),
        (n, pPpm, split, seed) => {
          const single = draftWithClaims(Array.from({ length: n }, () => ids[0] as string), pPpm, seed)
          const sybil = draftWithClaims(Array.from({ length: n }, (_, i) => ids[split[i] as number] as string), pPpm, seed)
          const beacon = beaconOf(seed, 0)
          decideAudits(sha, single, beacon, 3)
          decideAudits(sha, sybil, beacon, 3)
          const a = pendingOrSkipped(single)
          const b = pendingOrSkipped(sybil)
          // a selected claim is "pending" (an auditor exists: 7 other staked validators), else "skipped"
          expect([...b.entries()]).toEqual([...a.entries()])
        },
      ),
      { numRuns: propertyRuns(300), seed: propertySeed(20241125) },
    )
  })

  it("each claim is selected with frequency p whoever holds it (2,000 beacons per claim, 5 sigma)", () => {
    const owners = [0, 0, 0, 1, 2, 3].map((i) => (baseNet.keys[i] as (typeof baseNet.keys)[number]).pubHex)
    const pPpm = 150_000
    const n = 2000
    const counts = new Map<string, number>()
    for (let t = 0; t < n; t++) {
      const d = draftWithClaims(owners, pPpm, 7)
      decideAudits(sha, d, beaconOf(8, t), 3)
      for (const [k, c] of d.claims) if (c.audit === "pending") counts.set(k, (counts.get(k) ?? 0) + 1)
    }
    const p = pPpm / PPM
    expect(counts.size).toBe(owners.length)
    for (const c of counts.values()) expect(Math.abs(c - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)))
    expect(fromHex([...counts.keys()][0] as string).length).toBe(32)
  })
})
