// spec: DT-WORK.1..4 (spec/01-data-types.md), WORK-CR.* (spec/06-work-claims.md); paper §3.2 eq. 1, §6.3
import { Schema } from "effect"
import { ChainId, Hash32, NoveltySketch, Ppm, PubKey, Salt, Signature, Uint, boundedBytes } from "./Primitives.ts"

export const TaskKind = Schema.Literal("inference", "training", "extraction")
export type TaskKind = typeof TaskKind.Type

/** Upper bound on an opaque attestation blob (real formats arrive with issue 4). */
export const MAX_ATTESTATION_BYTES = 16 * 1024
export const MAX_TASK_PARAMS_BYTES = 4 * 1024

/** Task specification t: what was to be computed, on which model, worth how many compute units v(t). */
export const TaskSpec = Schema.Struct({
  kind: TaskKind,
  taskId: Hash32,
  modelHash: Hash32,
  params: boundedBytes(MAX_TASK_PARAMS_BYTES, "TaskParams"),
  computeUnits: Uint.pipe(Schema.between(1, 1_000_000_000)),
}).annotations({ identifier: "TaskSpec" })
export type TaskSpec = typeof TaskSpec.Type

/** The worker's self-declared quality claims, in ppm (paper eq. 1 `quality_claims`). */
export const QualityClaims = Schema.Struct({
  correctness: Ppm,
  utility: Ppm,
  novelty: Ppm,
}).annotations({ identifier: "QualityClaims" })
export type QualityClaims = typeof QualityClaims.Type

/**
 * Work claim W = (t, input_hash, output_hash, attestation, quality_claims) — paper eq. 1 — plus the
 * novelty sketch of the output (QUAL-NOVELTY.6): committed with the claim, trusted until audited.
 */
export const WorkClaim = Schema.Struct({
  task: TaskSpec,
  inputHash: Hash32,
  outputHash: Hash32,
  attestation: boundedBytes(MAX_ATTESTATION_BYTES, "Attestation"),
  qualityClaims: QualityClaims,
  noveltySketch: NoveltySketch,
}).annotations({ identifier: "WorkClaim" })
export type WorkClaim = typeof WorkClaim.Type

/**
 * Signed work commitment: `commitment = H(claim || worker || salt)` (WORK-CR.1). The chain learns
 * nothing about the claim until the reveal.
 */
export const WorkCommitment = Schema.Struct({
  chainId: ChainId,
  worker: PubKey,
  commitment: Hash32,
  signature: Signature,
}).annotations({ identifier: "WorkCommitment" })
export type WorkCommitment = typeof WorkCommitment.Type
export const UnsignedWorkCommitment = WorkCommitment.pipe(Schema.omit("signature"))
export type UnsignedWorkCommitment = typeof UnsignedWorkCommitment.Type

/** Signed reveal of a previously committed claim (WORK-CR.2). */
export const WorkReveal = Schema.Struct({
  chainId: ChainId,
  worker: PubKey,
  claim: WorkClaim,
  salt: Salt,
  signature: Signature,
}).annotations({ identifier: "WorkReveal" })
export type WorkReveal = typeof WorkReveal.Type
export const UnsignedWorkReveal = WorkReveal.pipe(Schema.omit("signature"))
export type UnsignedWorkReveal = typeof UnsignedWorkReveal.Type

/**
 * Signed audit report (VER-AUDIT.5, spec/11-compute-verification.md): the assigned auditor's
 * re-executed output hash for an audited claim. The verdict is not a field: the chain compares
 * `outputHash` with the claim's, so an auditor states what it computed, not what it concludes.
 */
export const AuditReport = Schema.Struct({
  chainId: ChainId,
  auditor: PubKey,
  workId: Hash32,
  outputHash: Hash32,
  signature: Signature,
}).annotations({ identifier: "AuditReport" })
export type AuditReport = typeof AuditReport.Type
export const UnsignedAuditReport = AuditReport.pipe(Schema.omit("signature"))
export type UnsignedAuditReport = typeof UnsignedAuditReport.Type
