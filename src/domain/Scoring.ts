// spec: QUAL-SCORE.1..3 (spec/17-quality-incentives.md); paper Algorithm 2 steps 2-3
// Wire types of sealed quality scoring: an evaluator commits to its scores of a claim, then reveals them.
import { Schema } from "effect"
import { ChainId, Hash32, PubKey, Salt, Signature, Uint } from "./Primitives.ts"

/**
 * An evaluator's scores of one claim, one per quality dimension of eq. 5, in ppm. On the wire each is
 * any unsigned integer, so that a score above 1,000,000 is reported as SCORE_OUT_OF_RANGE (QUAL-SCORE.8)
 * instead of a decode failure; only scores in [0, 1,000,000] are ever accepted.
 */
export const ScoreVector = Schema.Struct({
  correctness: Uint,
  utility: Uint,
  novelty: Uint,
}).annotations({ identifier: "ScoreVector" })
export type ScoreVector = typeof ScoreVector.Type

/** Sealed score (QUAL-SCORE.2): commitment = H(tagged(score-commitment, cbor(scores) || salt || evaluator || claimId)). */
export const ScoreCommitment = Schema.Struct({
  chainId: ChainId,
  evaluator: PubKey,
  claimId: Hash32,
  commitment: Hash32,
  signature: Signature,
}).annotations({ identifier: "ScoreCommitment" })
export type ScoreCommitment = typeof ScoreCommitment.Type
export const UnsignedScoreCommitment = ScoreCommitment.pipe(Schema.omit("signature"))
export type UnsignedScoreCommitment = typeof UnsignedScoreCommitment.Type

/** Opening of a sealed score (QUAL-SCORE.3). */
export const ScoreReveal = Schema.Struct({
  chainId: ChainId,
  evaluator: PubKey,
  claimId: Hash32,
  scores: ScoreVector,
  salt: Salt,
  signature: Signature,
}).annotations({ identifier: "ScoreReveal" })
export type ScoreReveal = typeof ScoreReveal.Type
export const UnsignedScoreReveal = ScoreReveal.pipe(Schema.omit("signature"))
export type UnsignedScoreReveal = typeof UnsignedScoreReveal.Type
