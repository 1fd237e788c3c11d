// QUAL-AGG.1..7: weighted trimmed mean and Yuma-style clipped mean behind one interface; collusion bounds.
import { describe, expect, it } from "vitest"
import { Prng } from "../../src/drivers/Prng.ts"
import {
  aggregatorFor,
  collusionRange1D,
  trimmedMean1D,
  trimmedMeanAggregator,
  trimmedMeanHonestQuantileBound,
  yumaAggregator,
  yumaClippedMean1D,
  yumaLevel1D,
  type Point,
  type WeightedScores,
} from "../../src/quality/Aggregation.ts"
import { flat, scores } from "./helpers.ts"

const pts = (...xs: Array<[number, number]>): Point[] => xs.map(([score, weight]) => ({ score, weight: BigInt(weight) }))

describe("weighted trimmed mean (QUAL-AGG.2)", () => {
  it("removes τ·W from each end: [0, 100, 200, 1000] with τ = 0.25 -> mean(100, 200) = 150", () => {
    expect(trimmedMean1D(pts([1000, 1], [0, 1], [200, 1], [100, 1]), 250_000)).toBe(150)
  })

  it("splits a boundary seat: [0, 300, 900], τ = 0.2 keeps 0.4·0 + 1·300 + 0.4·900 over 1.8 = 366.67 -> 367", () => {
    expect(trimmedMean1D(pts([0, 1], [300, 1], [900, 1]), 200_000)).toBe(367)
  })

  it("τ = 0 is the weighted mean, rounded half up", () => {
    expect(trimmedMean1D(pts([1, 1], [2, 1]), 0)).toBe(2) // 1.5
    expect(trimmedMean1D(pts([10, 3], [20, 1]), 0)).toBe(13) // 12.5
    expect(trimmedMean1D(pts([10, 1], [20, 2]), 0)).toBe(17) // 16.67
  })

  it("a weight-w entry equals w entries of weight 1 (seat counts are votes)", () => {
    const rng = new Prng(17)
    for (let i = 0; i < 200; i++) {
      const n = rng.range(1, 6)
      const xs = Array.from({ length: n }, () => ({ score: rng.range(0, 1_000_000), weight: BigInt(rng.range(1, 5)) }))
      const unit = xs.flatMap((x) => Array.from({ length: Number(x.weight) }, () => ({ score: x.score, weight: 1n })))
      const tau = rng.range(0, 499_999)
      expect(trimmedMean1D(xs, tau)).toBe(trimmedMean1D(unit, tau))
      expect(yumaClippedMean1D(xs, 500_000)).toBe(yumaClippedMean1D(unit, 500_000))
    }
  })

  it("rejects empty input, non-positive weights, scores outside [0, 10^6] and τ ≥ 0.5 (RangeError)", () => {
    expect(() => trimmedMean1D([], 0)).toThrow(RangeError)
    expect(() => trimmedMean1D(pts([1, 0]), 0)).toThrow(RangeError)
    expect(() => trimmedMean1D(pts([1_000_001, 1]), 0)).toThrow(RangeError)
    expect(() => trimmedMean1D(pts([1, 1]), 500_000)).toThrow(RangeError)
    expect(() => trimmedMeanAggregator(-1)).toThrow(RangeError)
  })
})

describe("Yuma-style clipped mean (QUAL-AGG.4)", () => {
  it("level = largest score supported by ≥ κ of the weight; scores above it are clipped, then the weighted mean", () => {
    const xs = pts([100, 1], [200, 1], [900, 1])
    expect(yumaLevel1D(xs, 500_000)).toBe(200) // 900 has 1/3 support, 200 has 2/3
    expect(yumaClippedMean1D(xs, 500_000)).toBe(167) // (100 + 200 + 200) / 3
    expect(yumaLevel1D(xs, 300_000)).toBe(900)
    expect(yumaLevel1D(xs, 1_000_000)).toBe(100)
  })

  it("ties count together toward the support", () => {
    expect(yumaLevel1D(pts([500, 1], [500, 1], [0, 2]), 500_000)).toBe(500)
    expect(yumaLevel1D(pts([500, 1], [500, 1], [0, 2]), 500_001)).toBe(0)
  })

  it("clips only from above: a low outlier is not clipped", () => {
    expect(yumaClippedMean1D(pts([0, 1], [600, 1], [600, 1], [600, 1]), 500_000)).toBe(450)
    expect(trimmedMean1D(pts([0, 1], [600, 1], [600, 1], [600, 1]), 250_000)).toBe(600)
  })
})

describe("the Aggregator interface (QUAL-AGG.1, .3)", () => {
  const seats: WeightedScores[] = [
    { evaluator: "a", weight: 2, scores: scores(800_000, 600_000, 400_000) },
    { evaluator: "b", weight: 1, scores: scores(700_000, 600_000, 500_000) },
    { evaluator: "c", weight: 1, scores: scores(100_000, 1_000_000, 0) },
  ]

  it("aggregates each dimension independently and reports |s_i − s̄| per evaluator and dimension", () => {
    const r = trimmedMeanAggregator(250_000).aggregate(seats)
    // correctness [100k w1, 700k w1, 800k w2], trim 1 each end: 700k, 800k -> 750k
    expect(r.consensus).toEqual(scores(750_000, 600_000, 400_000))
    expect(r.deviations).toEqual([
      { evaluator: "a", weight: 2, deviation: scores(50_000, 0, 0) },
      { evaluator: "b", weight: 1, deviation: scores(50_000, 0, 100_000) },
      { evaluator: "c", weight: 1, deviation: scores(650_000, 400_000, 400_000) },
    ])
  })

  it("both aggregators run on the same inputs; aggregatorFor picks the chain's", () => {
    const y = yumaAggregator(500_000).aggregate(seats).consensus
    // correctness levels: 800k support 2/4 >= 0.5 -> clip nothing above 800k: mean (1.6M + 0.7M + 0.1M)/4 = 600k
    expect(y.correctness).toBe(600_000)
    expect(aggregatorFor({ aggregator: "yuma", trimPpm: 0, yumaKappaPpm: 500_000 }).name).toBe("yuma(500000)")
    expect(aggregatorFor({ aggregator: "trimmed-mean", trimPpm: 250_000, yumaKappaPpm: 0 }).name).toBe("trimmed-mean(250000)")
    expect(() => trimmedMeanAggregator(0).aggregate([{ evaluator: "x", weight: 0, scores: flat(1) }])).toThrow(RangeError)
  })
})

describe("collusion (QUAL-AGG.5..7)", () => {
  // 12 honest seats scoring around 600k, colluders with 2 of 15 seats (13 % < τ = 25 %)
  const honest = pts([550_000, 1], [560_000, 2], [580_000, 1], [600_000, 3], [610_000, 1], [620_000, 2], [650_000, 1], [700_000, 1])
  const B = 2n

  it("both aggregators are monotone in every score, so colluders at 0 / 10^6 give the exact range", () => {
    const rng = new Prng(5)
    for (let i = 0; i < 300; i++) {
      const xs = Array.from({ length: rng.range(1, 7) }, () => ({ score: rng.range(0, 1_000_000), weight: BigInt(rng.range(1, 4)) }))
      const j = rng.int(xs.length)
      const up = xs.map((x, k) => (k === j ? { ...x, score: Math.min(1_000_000, x.score + rng.range(0, 300_000)) } : x))
      expect(trimmedMean1D(up, 250_000)).toBeGreaterThanOrEqual(trimmedMean1D(xs, 250_000))
      expect(yumaClippedMean1D(up, 500_000)).toBeGreaterThanOrEqual(yumaClippedMean1D(xs, 500_000))
    }
  })

  it("trimmed mean: with colluder weight below the trim the consensus stays within the honest quantile bound [ℓ, u]", () => {
    const f = (p: ReadonlyArray<Point>) => trimmedMean1D(p, 250_000)
    const range = collusionRange1D(f, honest, B)
    const bound = trimmedMeanHonestQuantileBound(honest, B, 250_000)!
    expect(bound).toEqual({ lo: 560_000, hi: 650_000 })
    expect(range.lo).toBeGreaterThanOrEqual(bound.lo)
    expect(range.hi).toBeLessThanOrEqual(bound.hi)
    const honestOnly = f(honest)
    expect(honestOnly).toBeGreaterThanOrEqual(bound.lo)
    expect(honestOnly).toBeLessThanOrEqual(bound.hi)
  })

  it("Yuma clips the upward push but not the downward one; the trimmed mean resists both", () => {
    const tm = (p: ReadonlyArray<Point>) => trimmedMean1D(p, 250_000)
    const yu = (p: ReadonlyArray<Point>) => yumaClippedMean1D(p, 500_000)
    const rt = collusionRange1D(tm, honest, B)
    const ry = collusionRange1D(yu, honest, B)
    const h = tm(honest)
    const hy = yu(honest)
    expect(h - rt.lo).toBeLessThan(25_000)
    expect(rt.hi - h).toBeLessThan(25_000)
    expect(ry.hi - hy).toBeLessThan(25_000) // clipped to the level (≈ the weighted median)
    expect(hy - ry.lo).toBeGreaterThan(70_000) // ≈ B/W · honest mean = 2/15 · 600k
  })

  it("no closed-form bound when the colluders outweigh the trim", () => {
    expect(trimmedMeanHonestQuantileBound(honest, 5n, 250_000)).toBeUndefined() // 5/17 ≥ 25 %
  })
})
