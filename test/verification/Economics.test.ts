// VER-ECON.1..4: Theorem 4.1 as stated in the paper and as corrected in the errata.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  cheatingEvScaled,
  correctedConditionHolds,
  honestEvScaled,
  minAuditPpm,
  paperConditionHolds,
  type AuditTerms,
} from "../../src/verification/Economics.ts"

const R = 1_000_000
const terms = (pPpm: number, reward: number, penalty: number, cost: number): AuditTerms => ({ pPpm, reward, penalty, cost })
const arbTerms = fc.record({
  pPpm: fc.integer({ min: 0, max: 1_000_000 }),
  reward: fc.integer({ min: 0, max: 1e12 }),
  penalty: fc.integer({ min: 0, max: 1e13 }),
  cost: fc.integer({ min: 0, max: 1e12 }),
})

describe("Theorem 4.1 (paper §4.2) and its correction", () => {
  it("reproduces the paper's example: P = 10R, p = 0.1 gives cheating EV = 0.9R - 1.0R = -0.1R", () => {
    const t = terms(100_000, R, 10 * R, 0)
    expect(cheatingEvScaled(t)).toBe(-100_000n * BigInt(R)) // -0.1R, scaled by 10^6
    expect(paperConditionHolds(t)).toBe(true)
    expect(correctedConditionHolds(t)).toBe(true)
  })

  it("the paper's condition is not sufficient when the saved cost exceeds the reward (R < C)", () => {
    // p = 0.1, P = 10R, C = 2R: cheating EV = -0.1R < 0, but honest EV = R - 2R = -R is worse still.
    const t = terms(100_000, R, 10 * R, 2 * R)
    expect(paperConditionHolds(t)).toBe(true)
    expect(correctedConditionHolds(t)).toBe(false)
    expect(cheatingEvScaled(t) > honestEvScaled(t)).toBe(true)
  })

  it("the paper's condition is not necessary either: cheating can have positive EV and still lose to honest work", () => {
    // p = 0.2, P = 0, C = 0.1R: cheating EV = 0.8R > 0, honest EV = 0.9R.
    const t = terms(200_000, R, 0, R / 10)
    expect(paperConditionHolds(t)).toBe(false)
    expect(correctedConditionHolds(t)).toBe(true)
  })

  it("corrected condition <=> cheating EV < honest EV (exact, 2000 random terms, seed 4101)", () => {
    fc.assert(
      fc.property(arbTerms, (t) => correctedConditionHolds(t) === cheatingEvScaled(t) < honestEvScaled(t)),
      { numRuns: 2000, seed: 4101 },
    )
  })

  it("when R >= C the paper's condition implies the corrected one (DESIGN.md errata), seed 4102", () => {
    fc.assert(
      fc.property(arbTerms, (t) => {
        fc.pre(t.reward >= t.cost)
        return !paperConditionHolds(t) || correctedConditionHolds(t)
      }),
      { numRuns: 2000, seed: 4102 },
    )
  })

  it("minAuditPpm is the exact threshold: deterrent at it, not one ppm below (seed 4103)", () => {
    fc.assert(
      fc.property(arbTerms, (t) => {
        const m = minAuditPpm(t)
        if (m === null) return !correctedConditionHolds({ ...t, pPpm: 1_000_000 })
        return correctedConditionHolds({ ...t, pPpm: m }) && (m === 0 || !correctedConditionHolds({ ...t, pPpm: m - 1 }))
      }),
      { numRuns: 2000, seed: 4103 },
    )
    expect(minAuditPpm({ reward: R, penalty: 10 * R, cost: R })).toBe(90_910) // C/(R+P) = 1/11 = 0.0909...
    expect(minAuditPpm({ reward: 1, penalty: 0, cost: 1 })).toBe(null)
  })

  it("rejects out-of-range terms with a RangeError", () => {
    expect(() => paperConditionHolds(terms(1_000_001, 1, 1, 1))).toThrow(RangeError)
    expect(() => correctedConditionHolds(terms(1, -1, 1, 1))).toThrow(RangeError)
    expect(() => honestEvScaled(terms(1, 1, 1, 0.5))).toThrow(RangeError)
  })
})
