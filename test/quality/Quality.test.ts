// QUAL-Q.1..5, QUAL-PARAMS.1..2: Q(W) = v(t) × (w1·c + w2·u + w3·n) in exact integers.
import { describe, expect, it } from "vitest"
import {
  correctnessFromVerification,
  quality,
  qualityChangeBound,
  qualityScores,
  qualityValue,
  type VerificationFacts,
} from "../../src/quality/Quality.ts"
import { defaultQualityParams as P, validateQualityParams } from "../../src/quality/QualityParams.ts"
import { Prng } from "../../src/drivers/Prng.ts"
import { flat, scores } from "./helpers.ts"

const facts = (attestation: VerificationFacts["attestation"], audit: VerificationFacts["audit"], canary: VerificationFacts["canary"]): VerificationFacts => ({
  attestation,
  audit,
  canary,
})

describe("correctness from verification (QUAL-Q.2)", () => {
  it("follows the table, first matching row", () => {
    const c = (f: VerificationFacts) => correctnessFromVerification(f, P)
    expect(c(facts("verified", "not-audited", "not-run"))).toBe(1_000_000)
    expect(c(facts("absent", "passed", "not-run"))).toBe(1_000_000)
    expect(c(facts("absent", "not-audited", "passed"))).toBe(750_000)
    expect(c(facts("absent", "not-audited", "not-run"))).toBe(500_000)
    // any failure is 0, whatever else passed
    expect(c(facts("failed", "passed", "passed"))).toBe(0)
    expect(c(facts("verified", "failed", "passed"))).toBe(0)
    expect(c(facts("verified", "passed", "failed"))).toBe(0)
  })
})

describe("Q(W) (QUAL-Q.1, .3)", () => {
  it("Q = floor(v · (w1·c + w2·u + w3·n) / 10^12)", () => {
    // 0.4·0.9 + 0.4·0.5 + 0.2·0.25 = 0.61; v = 1000 -> 610
    expect(qualityValue(1000, scores(900_000, 500_000, 250_000), P)).toBe(610)
    expect(qualityValue(7, scores(900_000, 500_000, 250_000), P)).toBe(4) // 4.27
    expect(qualityValue(1_000_000_000, flat(1_000_000), P)).toBe(1_000_000_000) // quality factor 1: Q = v (QUAL-SEAM.2)
    expect(qualityValue(1_000_000_000, flat(0), P)).toBe(0)
  })

  it("is exact for the largest inputs (no float rounding): v = 10^9, odd scores", () => {
    const s = scores(999_999, 333_333, 777_777)
    const exact = (10n ** 9n * (400_000n * 999_999n + 400_000n * 333_333n + 200_000n * 777_777n)) / 10n ** 12n
    expect(qualityValue(1_000_000_000, s, P)).toBe(Number(exact))
  })

  it("0 ≤ Q ≤ v, monotone in every score", () => {
    const rng = new Prng(3)
    for (let i = 0; i < 500; i++) {
      const v = rng.range(1, 1_000_000_000)
      const s = scores(rng.range(0, 1e6), rng.range(0, 1e6), rng.range(0, 1e6))
      const q = qualityValue(v, s, P)
      expect(q >= 0 && q <= v).toBe(true)
      expect(qualityValue(v, { ...s, utility: Math.min(1e6, s.utility + 1000) }, P)).toBeGreaterThanOrEqual(q)
    }
  })

  it("objective signals cap evaluators; without quorum: verification, noQuorumUtility, sketch", () => {
    const base = { computeUnits: 100, verification: facts("absent", "not-audited", "passed"), noveltyPpm: 400_000 }
    expect(qualityScores({ ...base, evaluators: flat(900_000) }, P)).toEqual(scores(750_000, 900_000, 400_000))
    expect(qualityScores({ ...base, evaluators: flat(100_000) }, P)).toEqual(scores(100_000, 100_000, 100_000))
    expect(qualityScores({ ...base, evaluators: undefined }, P)).toEqual(scores(750_000, 0, 400_000))
    expect(quality({ ...base, evaluators: flat(900_000) }, P).q).toBe(74) // 100 · (0.4·0.75 + 0.4·0.9 + 0.2·0.4)
  })

  it("QUAL-Q.4: a change of at most Δ_d per consensus score moves Q by at most the bound", () => {
    const rng = new Prng(4)
    for (let i = 0; i < 500; i++) {
      const v = rng.range(1, 1_000_000)
      const a = scores(rng.range(0, 1e6), rng.range(0, 1e6), rng.range(0, 1e6))
      const b = scores(rng.range(0, 1e6), rng.range(0, 1e6), rng.range(0, 1e6))
      const delta = scores(Math.abs(a.correctness - b.correctness), Math.abs(a.utility - b.utility), Math.abs(a.novelty - b.novelty))
      const inp = { computeUnits: v, verification: facts("verified", "not-audited", "not-run"), noveltyPpm: rng.range(0, 1e6) }
      const qa = quality({ ...inp, evaluators: a }, P).q
      const qb = quality({ ...inp, evaluators: b }, P).q
      expect(Math.abs(qa - qb)).toBeLessThanOrEqual(qualityChangeBound(v, delta, P))
    }
  })

  it("rejects scores outside [0, 10^6] and non-integer compute units", () => {
    expect(() => qualityValue(1, flat(1_000_001), P)).toThrow(RangeError)
    expect(() => qualityValue(1.5, flat(1), P)).toThrow(RangeError)
  })
})

describe("parameters (QUAL-PARAMS.1..2)", () => {
  it("the defaults are valid", () => expect(validateQualityParams(P)).toEqual([]))

  it("each constraint is reported", () => {
    expect(validateQualityParams({ ...P, weightNoveltyPpm: 200_001 })).toContain("quality weights must sum to 1,000,000 ppm")
    expect(validateQualityParams({ ...P, rewardShareWorkersPpm: 0 })).toContain("reward shares must sum to 1,000,000 ppm")
    expect(validateQualityParams({ ...P, trimPpm: 500_000 }).join()).toMatch(/trimPpm/)
    expect(validateQualityParams({ ...P, minRevealedSeats: 17 }).join()).toMatch(/minRevealedSeats/)
    expect(validateQualityParams({ ...P, noveltyDuplicateDistance: 20 }).join()).toMatch(/noveltyDuplicateDistance/)
    expect(validateQualityParams({ ...P, correctnessCanaryPpm: 400_000 }).join()).toMatch(/monotone/)
    expect(validateQualityParams({ ...P, unrevealedPenaltyPerSeat: 10_999 }).join()).toMatch(/unrevealedPenaltyPerSeat/)
    expect(validateQualityParams({ ...P, unrevealedPenaltyPerSeat: 11_000 })).toEqual([])
  })
})
