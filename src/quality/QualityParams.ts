// spec: QUAL-PARAMS.1..2 (spec/17-quality-incentives.md)
// Parameters of quality assessment and incentives (paper §5, Algorithm 2). Integers only: seats,
// blocks, ppm, base units. The lead merges them into the chain's Params when the pipeline is wired.
import { PPM } from "../domain/Primitives.ts"

export type AggregatorName = "trimmed-mean" | "yuma"

export interface QualityParams {
  /** k: seats drawn per scored claim, with replacement (QUAL-COMMITTEE.2). */
  readonly committeeSeats: number
  /** Blocks of the commit phase (QUAL-SCORE.5). */
  readonly commitBlocks: number
  /** Blocks of the reveal phase (QUAL-SCORE.5). */
  readonly revealBlocks: number
  /** Revealed seats needed for the evaluators' scores to enter Q (QUAL-SCORE.9). */
  readonly minRevealedSeats: number
  /** Which aggregator the chain uses (QUAL-AGG.1). */
  readonly aggregator: AggregatorName
  /** τ: weight trimmed from each end by the trimmed mean, ppm, < 500,000 (QUAL-AGG.2). */
  readonly trimPpm: number
  /** κ: stake support of the Yuma consensus level, ppm (QUAL-AGG.4). */
  readonly yumaKappaPpm: number
  /** w1, w2, w3 of eq. 5, ppm, summing to 1,000,000 (QUAL-Q.1). */
  readonly weightCorrectnessPpm: number
  readonly weightUtilityPpm: number
  readonly weightNoveltyPpm: number
  /** Correctness from verification (QUAL-Q.2 table), ppm. */
  readonly correctnessVerifiedPpm: number
  readonly correctnessCanaryPpm: number
  readonly correctnessUnverifiedPpm: number
  /** Utility used when the scoring round has no quorum (QUAL-Q.3), ppm. */
  readonly noQuorumUtilityPpm: number
  /** Novelty (QUAL-NOVELTY.1..5). */
  readonly noveltyWindow: number
  readonly noveltyShingleBytes: number
  readonly noveltyMaxBytes: number
  readonly noveltyDuplicateDistance: number
  readonly noveltyFullDistance: number
  /** R_e: base units per revealed seat at zero deviation (QUAL-INCENTIVE.1). */
  readonly evaluatorRewardPerSeat: number
  /** α: base units lost per seat at a deviation of 1.0 (10^6 ppm) in one dimension (QUAL-INCENTIVE.1). */
  readonly deviationPenalty: number
  /** Base units slashed per seat whose commitment is not validly revealed in time (QUAL-INCENTIVE.3). */
  readonly unrevealedPenaltyPerSeat: number
  /** Base units slashed per seat of an evaluator that did not commit (QUAL-INCENTIVE.3). */
  readonly absentPenaltyPerSeat: number
  /** Block reward shares, ppm, summing to 1,000,000 (QUAL-REWARD.1). */
  readonly rewardShareWorkersPpm: number
  readonly rewardShareEvaluatorsPpm: number
  readonly rewardShareValidatorsPpm: number
}

export const defaultQualityParams: QualityParams = {
  committeeSeats: 16,
  commitBlocks: 2,
  revealBlocks: 2,
  minRevealedSeats: 9,
  aggregator: "trimmed-mean",
  trimPpm: 250_000,
  yumaKappaPpm: 500_000,
  weightCorrectnessPpm: 400_000,
  weightUtilityPpm: 400_000,
  weightNoveltyPpm: 200_000,
  correctnessVerifiedPpm: 1_000_000,
  correctnessCanaryPpm: 750_000,
  correctnessUnverifiedPpm: 500_000,
  noQuorumUtilityPpm: 0,
  noveltyWindow: 1024,
  noveltyShingleBytes: 8,
  noveltyMaxBytes: 16_384,
  noveltyDuplicateDistance: 8,
  noveltyFullDistance: 20,
  evaluatorRewardPerSeat: 1_000,
  deviationPenalty: 4_000,
  unrevealedPenaltyPerSeat: 12_000,
  absentPenaltyPerSeat: 1_000,
  rewardShareWorkersPpm: 700_000,
  rewardShareEvaluatorsPpm: 200_000,
  rewardShareValidatorsPpm: 100_000,
}

/** QUAL-PARAMS.2: the constraints a chain's quality parameters must satisfy; returns the violations (empty = valid). */
export const validateQualityParams = (p: QualityParams): string[] => {
  const out: string[] = []
  const intIn = (name: keyof QualityParams, lo: number, hi: number) => {
    const v = p[name]
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < lo || v > hi) out.push(`${name} must be an integer in [${lo}, ${hi}]`)
  }
  intIn("committeeSeats", 1, 1024)
  intIn("commitBlocks", 1, 1_000)
  intIn("revealBlocks", 1, 1_000)
  intIn("minRevealedSeats", 1, Math.max(1, p.committeeSeats))
  intIn("trimPpm", 0, PPM / 2 - 1)
  intIn("yumaKappaPpm", 1, PPM)
  for (const k of ["weightCorrectnessPpm", "weightUtilityPpm", "weightNoveltyPpm", "correctnessVerifiedPpm", "correctnessCanaryPpm",
    "correctnessUnverifiedPpm", "noQuorumUtilityPpm", "rewardShareWorkersPpm", "rewardShareEvaluatorsPpm", "rewardShareValidatorsPpm"] as const)
    intIn(k, 0, PPM)
  intIn("noveltyWindow", 0, 1 << 20)
  intIn("noveltyShingleBytes", 1, 1024)
  intIn("noveltyMaxBytes", 1, 1 << 30)
  intIn("noveltyDuplicateDistance", 0, 63)
  intIn("noveltyFullDistance", 1, 64)
  for (const k of ["evaluatorRewardPerSeat", "deviationPenalty", "unrevealedPenaltyPerSeat", "absentPenaltyPerSeat"] as const)
    intIn(k, 0, 1e12)
  if (p.weightCorrectnessPpm + p.weightUtilityPpm + p.weightNoveltyPpm !== PPM) out.push("quality weights must sum to 1,000,000 ppm")
  if (p.rewardShareWorkersPpm + p.rewardShareEvaluatorsPpm + p.rewardShareValidatorsPpm !== PPM)
    out.push("reward shares must sum to 1,000,000 ppm")
  if (p.noveltyDuplicateDistance >= p.noveltyFullDistance) out.push("noveltyDuplicateDistance must be below noveltyFullDistance")
  if (!(p.correctnessVerifiedPpm >= p.correctnessCanaryPpm && p.correctnessCanaryPpm >= p.correctnessUnverifiedPpm))
    out.push("correctness table must be monotone: verified >= canary >= unverified")
  // Withholding a reveal must never beat revealing the worst possible score (QUAL-INCENTIVE.3).
  if (p.unrevealedPenaltyPerSeat < 3 * p.deviationPenalty - p.evaluatorRewardPerSeat)
    out.push("unrevealedPenaltyPerSeat must be >= 3 * deviationPenalty - evaluatorRewardPerSeat")
  return out
}
