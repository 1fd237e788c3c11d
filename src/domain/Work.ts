// spec: DT-WORK.1..4 (spec/01-data-types.md), WORK-CR.* (spec/06-work-claims.md); paper §3.2 eq. 1, §6.3
import { Schema } from "effect"
import { ChainId, Hash32, NoveltySketch, Ppm, PubKey, Salt, Signature, Uint, boundedArray, boundedBytes } from "./Primitives.ts"

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
 * VER-VERDICT.2 (spec/11-compute-verification.md): why an audit failed, a closed set; "NONE" on a pass.
 * The per-kind codes are the verifiers' own (VER-INF.*, VER-TRAIN.*, VER-EXT.*); the first four are the
 * port's: the reference executor's output differs, the worker's artefacts are not available, the claim
 * does not bind a task of its kind, the novelty sketch is not the output's.
 */
export const AUDIT_REASONS = [
  "NONE",
  "OUTPUT_MISMATCH",
  "ARTEFACT_UNAVAILABLE",
  "TASK_MALFORMED",
  "NOVELTY_SKETCH_MISMATCH",
  "INF_MALFORMED_OUTPUT",
  "INF_MISMATCH",
  "INF_INCONSISTENT",
  "INF_CANARY_FAILED",
  "TRAIN_MALFORMED",
  "TRAIN_BAD_SHAPE",
  "TRAIN_OPENING_MISMATCH",
  "TRAIN_SKIPPED_STEP",
  "TRAIN_REPLAYED",
  "TRAIN_UPDATE_MISMATCH",
  "EXT_MALFORMED",
  "EXT_TOO_LARGE",
  "EXT_INPUT_MISMATCH",
  "EXT_BAD_PROOF",
  "EXT_MISSING_PARTITION",
  "EXT_EXTRA_RECORD",
  "EXT_WRONG_SAMPLE",
  "EXT_RECORD_MISMATCH",
] as const
export const AuditReason = Schema.Literal(...AUDIT_REASONS)
export type AuditReason = typeof AuditReason.Type

/** VER-VERDICT.1: a pass or a fail; there is no third value (an auditor that cannot judge does not report). */
export const AuditVerdictKind = Schema.Literal("pass", "fail")
export type AuditVerdictKind = typeof AuditVerdictKind.Type

/** Bounds of the evidence an audit report carries (VER-VERDICT.3). */
export const MAX_AUDIT_SAMPLES = 256
export const MAX_AUDIT_METRICS = 16

/**
 * VER-VERDICT.3: one measured quantity of an audit and the threshold it was judged by, both as integers
 * in units of 10^-9 (a float metric m is round(m · 10^9), saturated at ±(2^53 − 1)).
 */
export const AuditMetric = Schema.Struct({
  name: Schema.String.pipe(Schema.pattern(/^[a-zA-Z0-9_.]{1,32}$/)),
  valueNano: Schema.Int.pipe(Schema.between(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)),
  thresholdNano: Schema.Int.pipe(Schema.between(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)),
}).annotations({ identifier: "AuditMetric" })
export type AuditMetric = typeof AuditMetric.Type

/**
 * VER-VERDICT.3: what another validator needs to re-check a verdict: the sampled item indices (in the
 * kind's sampling order), one recomputed hash per sampled item (the auditor's own result for it), the
 * item the verdict names (-1 for none), and the metrics with their thresholds.
 */
export const AuditEvidence = Schema.Struct({
  sampled: boundedArray(Uint, MAX_AUDIT_SAMPLES),
  recomputed: boundedArray(Hash32, MAX_AUDIT_SAMPLES),
  item: Schema.Int.pipe(Schema.between(-1, Number.MAX_SAFE_INTEGER)),
  metrics: boundedArray(AuditMetric, MAX_AUDIT_METRICS),
}).annotations({ identifier: "AuditEvidence" })
export type AuditEvidence = typeof AuditEvidence.Type

/**
 * Signed audit report (VER-AUDIT.5, VER-VERDICT.1..4, spec/11-compute-verification.md): the assigned
 * auditor's typed verdict on an audited claim, the reason code of a fail and the evidence it judged by.
 */
export const AuditReport = Schema.Struct({
  chainId: ChainId,
  auditor: PubKey,
  workId: Hash32,
  verdict: AuditVerdictKind,
  reason: AuditReason,
  evidence: AuditEvidence,
  signature: Signature,
}).annotations({ identifier: "AuditReport" })
export type AuditReport = typeof AuditReport.Type
export const UnsignedAuditReport = AuditReport.pipe(Schema.omit("signature"))
export type UnsignedAuditReport = typeof UnsignedAuditReport.Type
