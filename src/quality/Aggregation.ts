// spec: QUAL-AGG.1..7 (spec/17-quality-incentives.md; paper Algorithm 2 step 4)
// Aggregation of the revealed scores of one claim into consensus scores, per quality dimension:
// the seat-weighted trimmed mean (the protocol's default) and a Yuma-style stake-weighted clipped
// mean (Bittensor's Yuma Consensus, adapted), behind one interface. Exact integer arithmetic.
import { PPM } from "../domain/Primitives.ts"
import type { Hex } from "./Committee.ts"
import { DIMENSIONS, type Scores } from "./Scoring.ts"
import type { QualityParams } from "./QualityParams.ts"

/** One evaluator's revealed scores and its vote weight (seat count, or stake). */
export interface WeightedScores {
  readonly evaluator: Hex
  /** Positive safe integer. */
  readonly weight: number
  readonly scores: Scores
}

export interface AggregateResult {
  /** s̄ per dimension, ppm. */
  readonly consensus: Scores
  /** |s_i,d − s̄_d| per evaluator and dimension, ppm, in input order. */
  readonly deviations: ReadonlyArray<{ readonly evaluator: Hex; readonly weight: number; readonly deviation: Scores }>
}

/** QUAL-AGG.1: an aggregator maps a non-empty list of weighted score vectors to consensus scores. */
export interface Aggregator {
  readonly name: string
  readonly aggregate: (seats: ReadonlyArray<WeightedScores>) => AggregateResult
}

/** One (score, weight) pair of one dimension. */
export interface Point {
  readonly score: number
  readonly weight: bigint
}

const P = BigInt(PPM)

/** Round-half-up of num/den for num ≥ 0, den > 0. */
const roundDiv = (num: bigint, den: bigint): number => Number((2n * num + den) / (2n * den))

const checkPoints = (points: ReadonlyArray<Point>): bigint => {
  if (points.length === 0) throw new RangeError("aggregate: no scores")
  let W = 0n
  for (const p of points) {
    if (!Number.isSafeInteger(p.score) || p.score < 0 || p.score > PPM) throw new RangeError(`aggregate: score ${p.score} outside [0, ${PPM}]`)
    if (p.weight <= 0n) throw new RangeError("aggregate: weights must be positive")
    W += p.weight
  }
  return W
}

const ascending = (points: ReadonlyArray<Point>): Point[] => [...points].sort((a, b) => a.score - b.score)

/**
 * QUAL-AGG.2: weighted trimmed mean of one dimension. With W = Σ weight and τ = trimPpm / 10^6, the
 * lowest τ·W and the highest τ·W of weight are removed (a seat straddling a cut is split) and the
 * mean of the rest is rounded half up. Exact: weights are scaled by 10^6, so the cut τ·W·10^6 = trimPpm·W
 * is an integer.
 */
export const trimmedMean1D = (points: ReadonlyArray<Point>, trimPpm: number): number => {
  if (!Number.isSafeInteger(trimPpm) || trimPpm < 0 || trimPpm >= PPM / 2) throw new RangeError("trimPpm must be in [0, 500000)")
  const W = checkPoints(points) * P
  const T = BigInt(trimPpm) * (W / P)
  const lo = T
  const hi = W - T
  let acc = 0n
  let num = 0n
  for (const p of ascending(points)) {
    const a = acc
    const b = (acc += p.weight * P)
    const kept = (b < hi ? b : hi) - (a > lo ? a : lo)
    if (kept > 0n) num += kept * BigInt(p.score)
  }
  return roundDiv(num, hi - lo)
}

/**
 * QUAL-AGG.4: the Yuma consensus level of one dimension: the largest score c such that the weight of
 * the scores ≥ c is at least κ·W (Bittensor's W̄_j = argmax_w {Σ_i S_i·[W_ij ≥ w] ≥ κ}).
 */
export const yumaLevel1D = (points: ReadonlyArray<Point>, kappaPpm: number): number => {
  if (!Number.isSafeInteger(kappaPpm) || kappaPpm < 0 || kappaPpm > PPM) throw new RangeError("kappaPpm must be in [0, 1000000]")
  const W = checkPoints(points)
  const desc = ascending(points).reverse()
  let support = 0n
  for (let i = 0; i < desc.length; i++) {
    const p = desc[i] as Point
    support += p.weight
    const next = desc[i + 1]
    if (next !== undefined && next.score === p.score) continue // count every tie of this score first
    if (support * P >= BigInt(kappaPpm) * W) return p.score
  }
  return (desc[desc.length - 1] as Point).score
}

/** QUAL-AGG.4: Yuma-style consensus: each score clipped to the κ-level, then the weighted mean (rounded half up). */
export const yumaClippedMean1D = (points: ReadonlyArray<Point>, kappaPpm: number): number => {
  const W = checkPoints(points)
  const level = yumaLevel1D(points, kappaPpm)
  let num = 0n
  for (const p of points) num += p.weight * BigInt(Math.min(p.score, level))
  return roundDiv(num, W)
}

const perDimension = (name: string, f: (points: ReadonlyArray<Point>) => number): Aggregator => ({
  name,
  aggregate: (seats) => {
    for (const s of seats) if (!Number.isSafeInteger(s.weight) || s.weight <= 0) throw new RangeError("aggregate: weights must be positive safe integers")
    const consensus = {} as { -readonly [K in keyof Scores]: number }
    for (const d of DIMENSIONS) consensus[d] = f(seats.map((s) => ({ score: s.scores[d], weight: BigInt(s.weight) })))
    return {
      consensus,
      deviations: seats.map((s) => ({
        evaluator: s.evaluator,
        weight: s.weight,
        deviation: {
          correctness: Math.abs(s.scores.correctness - consensus.correctness),
          utility: Math.abs(s.scores.utility - consensus.utility),
          novelty: Math.abs(s.scores.novelty - consensus.novelty),
        },
      })),
    }
  },
})

/** QUAL-AGG.2: the seat-weighted trimmed mean, per dimension. */
export const trimmedMeanAggregator = (trimPpm: number): Aggregator => {
  if (!Number.isSafeInteger(trimPpm) || trimPpm < 0 || trimPpm >= PPM / 2) throw new RangeError("trimPpm must be in [0, 500000)")
  return perDimension(`trimmed-mean(${trimPpm})`, (pts) => trimmedMean1D(pts, trimPpm))
}

/** QUAL-AGG.4: the Yuma-style stake-weighted clipped mean, per dimension. */
export const yumaAggregator = (kappaPpm: number): Aggregator => {
  if (!Number.isSafeInteger(kappaPpm) || kappaPpm < 0 || kappaPpm > PPM) throw new RangeError("kappaPpm must be in [0, 1000000]")
  return perDimension(`yuma(${kappaPpm})`, (pts) => yumaClippedMean1D(pts, kappaPpm))
}

/** The chain's aggregator (QUAL-AGG.1). */
export const aggregatorFor = (p: Pick<QualityParams, "aggregator" | "trimPpm" | "yumaKappaPpm">): Aggregator =>
  p.aggregator === "yuma" ? yumaAggregator(p.yumaKappaPpm) : trimmedMeanAggregator(p.trimPpm)

// ------------------------------------------------------------------------------------------------
// Collusion bounds (QUAL-AGG.5..7)

export interface Interval {
  readonly lo: number
  readonly hi: number
}

/**
 * QUAL-AGG.5: the exact range of consensus values colluders of total weight `colluderWeight` can
 * produce in one dimension, whatever they report: both aggregators are monotone in every score, so
 * the extremes are all colluders at 0 and all colluders at 10^6.
 */
export const collusionRange1D = (f: (points: ReadonlyArray<Point>) => number, honest: ReadonlyArray<Point>, colluderWeight: bigint): Interval => {
  if (colluderWeight <= 0n) {
    const v = f(honest)
    return { lo: v, hi: v }
  }
  return { lo: f([...honest, { score: 0, weight: colluderWeight }]), hi: f([...honest, { score: PPM, weight: colluderWeight }]) }
}

/**
 * QUAL-AGG.6: closed-form bound for the trimmed mean when the colluders' weight B is below the trim
 * (B·10^6 < trimPpm·W, W the total weight including colluders): every kept score, and therefore the
 * consensus with or without colluders, lies in [ℓ, u], where ℓ is the honest score at honest-weight
 * position P = trimPpm·W − 10^6·B (scaled by 10^6) from the bottom and u the one at P from the top.
 * Returns undefined when B·10^6 ≥ trimPpm·W (the colluders can outweigh the trim).
 */
export const trimmedMeanHonestQuantileBound = (honest: ReadonlyArray<Point>, colluderWeight: bigint, trimPpm: number): Interval | undefined => {
  const H = checkPoints(honest)
  const W = H + colluderWeight
  const pos = BigInt(trimPpm) * W - P * colluderWeight
  if (pos <= 0n) return undefined
  const at = (sorted: ReadonlyArray<Point>): number => {
    let acc = 0n
    for (const p of sorted) {
      acc += p.weight * P
      if (acc >= pos) return p.score
    }
    return (sorted[sorted.length - 1] as Point).score
  }
  const asc = ascending(honest)
  return { lo: at(asc), hi: at([...asc].reverse()) }
}
