// QUAL-INCENTIVE.1..6: per-seat R_e − α·Σ dev², bond-capped slashes, penalties for missing reveals.
import { describe, expect, it } from "vitest"
import { trimmedMeanAggregator, yumaAggregator } from "../../src/quality/Aggregation.ts"
import { seatUtility, settleRound, settlementValue, squaredDeviation } from "../../src/quality/Incentives.ts"
import { defaultQualityParams as P } from "../../src/quality/QualityParams.ts"
import type { ScoringOutcome } from "../../src/quality/Scoring.ts"
import { Prng } from "../../src/drivers/Prng.ts"
import { flat, scores } from "./helpers.ts"

const agg = trimmedMeanAggregator(P.trimPpm)
const outcome = (revealed: ScoringOutcome["revealed"], faults: ScoringOutcome["faults"] = []): ScoringOutcome => {
  const revealedSeats = revealed.reduce((a, r) => a + r.seats, 0)
  return { claimId: "00", revealed, faults, revealedSeats, totalSeats: revealedSeats + faults.reduce((a, f) => a + f.seats, 0), quorum: true }
}
const big = () => 10n ** 12n

describe("seat utility (QUAL-INCENTIVE.1)", () => {
  it("u = R_e − floor(α · Σ_d dev_d² / 10^12)", () => {
    expect(seatUtility(flat(0), P)).toBe(1000n)
    expect(seatUtility(scores(500_000, 0, 0), P)).toBe(0n) // 1000 − 4000·0.25
    expect(seatUtility(scores(100_000, 100_000, 0), P)).toBe(920n) // 1000 − 4000·0.02
    expect(seatUtility(flat(1_000_000), P)).toBe(-11_000n) // 1000 − 4000·3
    expect(squaredDeviation(scores(1, 2, 3))).toBe(14n)
  })

  it("is maximal at zero deviation and non-increasing in each |dev|", () => {
    const rng = new Prng(8)
    for (let i = 0; i < 500; i++) {
      const d = scores(rng.range(0, 1e6), rng.range(0, 1e6), rng.range(0, 1e6))
      expect(seatUtility(d, P) <= seatUtility(flat(0), P)).toBe(true)
      expect(seatUtility({ ...d, utility: Math.min(1e6, d.utility + rng.range(0, 1000)) }, P) <= seatUtility(d, P)).toBe(true)
    }
  })
})

describe("settlement (QUAL-INCENTIVE.2..4)", () => {
  it("credits positive utility per seat, slashes negative utility up to the bond", () => {
    const out = outcome([
      { evaluator: "a", seats: 3, scores: flat(600_000) },
      { evaluator: "b", seats: 2, scores: flat(600_000) },
      { evaluator: "c", seats: 1, scores: flat(0) }, // far outlier: −11,000 + 4000·3·(0.4)²... computed below
    ])
    const { aggregate, settlements } = settleRound(out, agg, () => big(), P)
    expect(aggregate!.consensus).toEqual(flat(600_000))
    const by = new Map(settlements.map((s) => [s.evaluator, s]))
    expect(by.get("a")).toEqual({ evaluator: "a", seats: 3, kind: "revealed", credit: 3000n, slash: 0n })
    expect(by.get("b")!.credit).toBe(2000n)
    // c: dev 0.6 in every dimension: 1000 − 4000·3·0.36 = −3320 per seat
    expect(by.get("c")).toEqual({ evaluator: "c", seats: 1, kind: "revealed", credit: 0n, slash: 3320n })
    const capped = settleRound(out, agg, (e) => (e === "c" ? 1000n : big()), P).settlements.find((s) => s.evaluator === "c")!
    expect(capped.slash).toBe(1000n)
  })

  it("no-reveal and no-commit seats pay their per-seat penalties, capped by the bond; nobody revealed: no consensus", () => {
    const out = outcome([], [
      { evaluator: "x", seats: 2, fault: "no-reveal" },
      { evaluator: "y", seats: 3, fault: "no-commit" },
    ])
    const r = settleRound(out, agg, (e) => (e === "x" ? 5000n : big()), P)
    expect(r.aggregate).toBeUndefined()
    expect(r.settlements).toEqual([
      { evaluator: "x", seats: 2, kind: "no-reveal", credit: 0n, slash: 5000n }, // 24,000 capped at 5,000
      { evaluator: "y", seats: 3, kind: "no-commit", credit: 0n, slash: 3000n },
    ])
    expect(settleRound(out, agg, () => -5n, P).settlements.every((s) => s.slash === 0n)).toBe(true) // an empty bond pays nothing
  })

  it("withholding never pays: for every deviation, revealing is worth at least not revealing (QUAL-INCENTIVE.3)", () => {
    const rng = new Prng(9)
    for (let i = 0; i < 300; i++) {
      const seats = rng.range(1, 5)
      const others = flat(rng.range(0, 1e6))
      const mine = scores(rng.range(0, 1e6), rng.range(0, 1e6), rng.range(0, 1e6))
      const bond = BigInt(rng.range(0, 100_000))
      const revealed = settleRound(outcome([{ evaluator: "o", seats: 20, scores: others }, { evaluator: "m", seats, scores: mine }]), agg, () => bond, P)
      const withheld = settleRound(outcome([{ evaluator: "o", seats: 20, scores: others }], [{ evaluator: "m", seats, fault: "no-reveal" }]), agg, () => bond, P)
      const v = (r: typeof revealed) => settlementValue(r.settlements.find((s) => s.evaluator === "m")!)
      expect(v(revealed) >= v(withheld)).toBe(true)
    }
  })

  it("the settlement is additive in seats: an evaluator split into identities with the same report earns the same", () => {
    for (const aggregator of [agg, yumaAggregator(P.yumaKappaPpm)]) {
      const rest = [{ evaluator: "h1", seats: 5, scores: flat(700_000) }, { evaluator: "h2", seats: 4, scores: flat(650_000) }]
      const whole = settleRound(outcome([...rest, { evaluator: "s", seats: 3, scores: flat(200_000) }]), aggregator, () => big(), P)
      const split = settleRound(
        outcome([...rest, { evaluator: "s1", seats: 1, scores: flat(200_000) }, { evaluator: "s2", seats: 2, scores: flat(200_000) }]),
        aggregator,
        () => big(),
        P,
      )
      const val = (r: typeof whole, ks: string[]) => r.settlements.filter((s) => ks.includes(s.evaluator)).reduce((a, s) => a + settlementValue(s), 0n)
      expect(val(split, ["s1", "s2"])).toBe(val(whole, ["s"]))
      expect(val(split, ["h1", "h2"])).toBe(val(whole, ["h1", "h2"]))
    }
  })
})
