// spec: QUAL-Q.1..5 (spec/17-quality-incentives.md; paper §5.1 eq. 5, DESIGN.md)
// Q(W) = v(t) × (w1·correctness + w2·utility + w3·novelty), in exact integer arithmetic: scores and
// weights in ppm, v(t) the task's declared compute units, one rounding (floor) at the end.
import { PPM } from "../domain/Primitives.ts"
import type { QualityParams } from "./QualityParams.ts"
import type { Scores } from "./Scoring.ts"

/** Outcome of the attestation check of a claim (VER-ATT.*): verified, no attestation required/given, or failed. */
export type AttestationFact = "verified" | "absent" | "failed"
/** Outcome of the random audit (VER-AUDIT.*): passed, not audited (not selected, or the auditor missed), failed. */
export type AuditFact = "passed" | "not-audited" | "failed"
/** Outcome of canary / boundary tests with known answers (paper §4.3 item 3). */
export type CanaryFact = "passed" | "not-run" | "failed"

export interface VerificationFacts {
  readonly attestation: AttestationFact
  readonly audit: AuditFact
  readonly canary: CanaryFact
}

/**
 * QUAL-Q.2: correctness from verification, ppm (first matching row):
 *   any check failed                       -> 0
 *   attestation verified or audit passed   -> correctnessVerifiedPpm
 *   canary passed                          -> correctnessCanaryPpm
 *   otherwise (nothing checked)            -> correctnessUnverifiedPpm
 */
export const correctnessFromVerification = (
  f: VerificationFacts,
  p: Pick<QualityParams, "correctnessVerifiedPpm" | "correctnessCanaryPpm" | "correctnessUnverifiedPpm">,
): number => {
  if (f.attestation === "failed" || f.audit === "failed" || f.canary === "failed") return 0
  if (f.attestation === "verified" || f.audit === "passed") return p.correctnessVerifiedPpm
  if (f.canary === "passed") return p.correctnessCanaryPpm
  return p.correctnessUnverifiedPpm
}

export interface QualityInputs {
  /** v(t): the task's declared compute units (DT-WORK.1), 1 .. 10^9. */
  readonly computeUnits: number
  readonly verification: VerificationFacts
  /** Novelty from the output's sketch (QUAL-NOVELTY.3), ppm. */
  readonly noveltyPpm: number
  /** The evaluators' consensus scores (QUAL-AGG.1) when the round reached quorum, else undefined. */
  readonly evaluators: Scores | undefined
}

/**
 * QUAL-Q.3: the three scores of eq. 5. Objective signals cap the evaluators: evaluators can lower
 * correctness and novelty below what verification and the sketch give, never raise them.
 *   correctness = min(correctnessFromVerification, s̄.correctness)     (verification alone without quorum)
 *   utility     = s̄.utility                                           (noQuorumUtilityPpm without quorum)
 *   novelty     = min(noveltyPpm, s̄.novelty)                          (noveltyPpm alone without quorum)
 */
export const qualityScores = (i: QualityInputs, p: QualityParams): Scores => {
  const cv = correctnessFromVerification(i.verification, p)
  const ev = i.evaluators
  return {
    correctness: ev === undefined ? cv : Math.min(cv, ev.correctness),
    utility: ev === undefined ? p.noQuorumUtilityPpm : ev.utility,
    novelty: ev === undefined ? i.noveltyPpm : Math.min(i.noveltyPpm, ev.novelty),
  }
}

/**
 * QUAL-Q.1: Q = floor(v · (w1·c + w2·u + w3·n) / 10^12), exact (big integers). With the weights summing
 * to 10^6 and scores ≤ 10^6, 0 ≤ Q ≤ v.
 */
export const qualityValue = (
  computeUnits: number,
  s: Scores,
  p: Pick<QualityParams, "weightCorrectnessPpm" | "weightUtilityPpm" | "weightNoveltyPpm">,
): number => {
  if (!Number.isSafeInteger(computeUnits) || computeUnits < 0) throw new RangeError("computeUnits must be a non-negative safe integer")
  for (const v of [s.correctness, s.utility, s.novelty])
    if (!Number.isSafeInteger(v) || v < 0 || v > PPM) throw new RangeError(`score ${v} outside [0, ${PPM}]`)
  const mix =
    BigInt(p.weightCorrectnessPpm) * BigInt(s.correctness) + BigInt(p.weightUtilityPpm) * BigInt(s.utility) + BigInt(p.weightNoveltyPpm) * BigInt(s.novelty)
  return Number((BigInt(computeUnits) * mix) / (BigInt(PPM) * BigInt(PPM)))
}

/** QUAL-Q.1..3: scores and Q of a claim. */
export const quality = (i: QualityInputs, p: QualityParams): { readonly scores: Scores; readonly q: number } => {
  const scores = qualityScores(i, p)
  return { scores, q: qualityValue(i.computeUnits, scores, p) }
}

/**
 * QUAL-Q.4: the largest change of Q a change of the consensus scores by at most Δ_d per dimension can
 * cause: floor(v · Σ_d w_d·Δ_d / 10^12) + 1 (the +1 covers the floor of the two Q values). The
 * caps of QUAL-Q.3 are 1-Lipschitz, so the bound also holds after them.
 */
export const qualityChangeBound = (
  computeUnits: number,
  delta: Scores,
  p: Pick<QualityParams, "weightCorrectnessPpm" | "weightUtilityPpm" | "weightNoveltyPpm">,
): number => {
  const mix =
    BigInt(p.weightCorrectnessPpm) * BigInt(delta.correctness) + BigInt(p.weightUtilityPpm) * BigInt(delta.utility) + BigInt(p.weightNoveltyPpm) * BigInt(delta.novelty)
  return Number((BigInt(computeUnits) * mix) / (BigInt(PPM) * BigInt(PPM))) + 1
}
