// spec: VER-VERDICT.1..6, VER-PORT.1..4 (spec/11-compute-verification.md); VER-INF.* (spec/14), VER-TRAIN.*
// (spec/15), VER-EXT.* (spec/16); paper §4.3, §4.4, §2.3
// The audit verifiers of the protocol: what an assigned auditor runs on a claim, per work kind, and the
// typed verdict it signs (pass / fail, a reason code from a closed set, and the evidence another
// validator needs to re-check it). Pure functions of the claim, the audit seed, the worker's published
// artefacts and (for inference and training) the auditor's ML runtime; nothing here reads or changes
// chain state.
import { Effect, Either } from "effect"
import { concatBytes } from "../codec/Bytes.ts"
import { DOMAIN, tagged } from "../codec/Canonical.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import type { AuditEvidence, AuditMetric, AuditReason, AuditVerdictKind, WorkClaim } from "../domain/Work.ts"
import { MAX_AUDIT_METRICS, MAX_AUDIT_SAMPLES } from "../domain/Work.ts"
import {
  type ExperienceRecord,
  type ExtractionError,
  recordBytes,
  FeatureHasher,
  commitRecords,
  derivePartition,
  leafHash,
  openRecords,
  prepareLogs,
  sampleIndices as extSampleIndices,
  verifyOpening,
} from "../ml/Extraction.ts"
import {
  type AnsweredTask,
  type Canary,
  type ComparisonPolicy,
  DEFAULT_POLICY,
  type InferenceClaim,
  checkCanary,
  checkConsistency,
  claimedLogits,
  decodeInferenceClaim,
  decodeInferenceTask,
  executeModel,
  exactComparison,
  inferenceOutputHash,
  inferenceTaskHash,
  logitMismatch,
  referenceModelHash,
  sampleIndices as infSampleIndices,
  taskInputs,
} from "../ml/Inference.ts"
import { float32ToLe } from "../ml/Models.ts"
import { MlRuntime } from "../ml/Runtime.ts"
import { type NoveltyParams, noveltySketch } from "../quality/Novelty.ts"
import { defaultQualityParams } from "../quality/QualityParams.ts"
import {
  type TolerancePolicy,
  type TrainingError,
  TOLERANCE,
  type TrainingTask,
  auditOpenings,
  paramTensors,
  auditSegments,
  referenceInitialParams,
  checkOpening,
  trainingTaskOfClaim,
  verifyTrainingAudit,
  verifyTranscript,
} from "../ml/Training.ts"

export { type AuditRequest, type AuditVerdict, auditSeed, fail, nano, pass, simAudit, sketchMatches } from "./Verdicts.ts"
import { type AuditRequest, type AuditVerdict, bytesEqual, evidence, fail, metric, pass, sketchMatches } from "./Verdicts.ts"

// ------------------------------------------------------------------------------------------------
// Artefacts (VER-PORT.2)

/**
 * VER-PORT.2: what a worker publishes beside a claim for its auditor (off chain; the chain holds only
 * the hashes that bind them). Inference: the encoded InferenceClaim (logits and the backend variant that
 * produced them). Training: the transcript and an opening service for checkpoints. Extraction: the
 * committed records in index order. A worker that publishes nothing fails its audit (ARTEFACT_UNAVAILABLE).
 */
export type WorkArtefacts =
  | { readonly kind: "inference"; readonly output: Uint8Array }
  | { readonly kind: "training"; readonly transcript: Uint8Array; readonly open: (step: number) => Uint8Array | undefined }
  | { readonly kind: "extraction"; readonly records: ReadonlyArray<ExperienceRecord> }

/**
 * VER-PORT.2: where an auditor finds a claim's artefacts (by work id) and a task's input data (by input
 * hash: the extraction logs, published by whoever posted the task).
 */
export interface ArtefactSource {
  readonly output: (workId: Uint8Array) => WorkArtefacts | undefined
  readonly input: (inputHash: Uint8Array) => Uint8Array | undefined
}

/** VER-PORT.3: the auditor-side parameters of the per-kind checks (not consensus-critical; see spec/11). */
export interface AuditPolicy {
  /** Inference items re-executed per audit (VER-INF.6), k. */
  readonly inferenceSamples: number
  /** Training segments recomputed per audit (VER-TRAIN.7), s. */
  readonly trainingSegments: number
  /** Extraction draws per audit (VER-EXT.13), k (with replacement). */
  readonly extractionDraws: number
  readonly comparison: ComparisonPolicy
  /** Tolerance per precision class (spec/15; default the policy data of src/ml/training-tolerance-policy.json). */
  readonly tolerance?: (precision: keyof typeof TOLERANCE) => TolerancePolicy
  /** The chain's sketch parameters (QUAL-NOVELTY.6; consensus-critical: the genesis's, default defaultQualityParams). */
  readonly sketch: Pick<NoveltyParams, "noveltyShingleBytes" | "noveltyMaxBytes">
}

export const DEFAULT_AUDIT_POLICY: AuditPolicy = {
  inferenceSamples: 2,
  trainingSegments: 2,
  extractionDraws: 2,
  comparison: DEFAULT_POLICY,
  sketch: defaultQualityParams,
}

// ------------------------------------------------------------------------------------------------
// Inference (VER-INF.6..12)

export interface InferenceAuditInput {
  /** The canary whose task this is, if the auditor planted it (VER-INF.10..12). */
  readonly canary?: Canary
  /** Answers of the same worker this auditor has seen before, for the consistency check (VER-INF.9). */
  readonly earlier: ReadonlyArray<AnsweredTask>
}

/** The hash an auditor reports for one recomputed item: SHA-256 of its float32 little-endian logits. */
const rowHash = (sha256: Sha256, row: Float32Array): Uint8Array => sha256(float32ToLe(row))

/**
 * VER-INF audit of an inference claim, in this order: the claim binds an inference task (TASK_MALFORMED);
 * the artefact exists, decodes and hashes to outputHash (ARTEFACT_UNAVAILABLE, OUTPUT_MISMATCH); output
 * shape (INF_MALFORMED_OUTPUT); a planted canary's known answer (INF_CANARY_FAILED); consistency with the
 * answers seen before (INF_INCONSISTENT); then k beacon-sampled items re-executed on the auditor's runtime
 * and compared exactly on the same deterministic variant, within τ across variants (INF_MISMATCH).
 */
export const auditInference = (
  sha256: Sha256,
  req: AuditRequest,
  art: WorkArtefacts | undefined,
  policy: AuditPolicy,
  input: InferenceAuditInput,
): Effect.Effect<{ readonly verdict: AuditVerdict; readonly answered?: AnsweredTask }, never, MlRuntime> =>
  Effect.gen(function* () {
    const claim = req.claim
    const t = decodeInferenceTask(sha256, claim.task.params)
    if (Either.isLeft(t)) return { verdict: fail("TASK_MALFORMED") }
    const task = t.right
    const taskId = inferenceTaskHash(sha256, task)
    if (claim.task.kind !== "inference" || !bytesEqual(taskId, claim.inputHash) || !bytesEqual(referenceModelHash(sha256, task.model), claim.task.modelHash))
      return { verdict: fail("TASK_MALFORMED") }
    if (art === undefined || art.kind !== "inference") return { verdict: fail("ARTEFACT_UNAVAILABLE") }
    const ic = decodeInferenceClaim(art.output)
    if (Either.isLeft(ic)) return { verdict: fail("ARTEFACT_UNAVAILABLE") }
    const out: InferenceClaim = ic.right
    if (!bytesEqual(inferenceOutputHash(sha256, out.logits), claim.outputHash)) return { verdict: fail("OUTPUT_MISMATCH") }
    // QUAL-NOVELTY.7: the novelty bytes of an inference claim are its logits
    if (!sketchMatches(sha256, claim, out.logits, policy)) return { verdict: fail("NOVELTY_SKETCH_MISMATCH") }
    const claimed = claimedLogits(task, out)
    if (Either.isLeft(claimed)) {
      const v = claimed.left
      return { verdict: fail("INF_MALFORMED_OUTPUT", evidence([], [], v.ok ? -1 : v.item, [])) }
    }
    const answered: AnsweredTask = { task, claim: out }
    if (input.canary !== undefined) {
      const v = checkCanary(input.canary, out, policy.comparison)
      if (!v.ok) return { verdict: fail("INF_CANARY_FAILED", evidence([], [], v.item, [])), answered }
    }
    const cons = checkConsistency([...input.earlier, answered], policy.comparison)
    if (!cons.ok) {
      const before = input.earlier.reduce((a, e) => a + e.task.inputs.length, 0)
      return { verdict: fail("INF_INCONSISTENT", evidence([], [], cons.item - before, [])), answered }
    }
    const rt = yield* MlRuntime
    const idx = infSampleIndices(sha256, req.seed, taskId, task.inputs.length, policy.inferenceSamples)
    const c = task.model.classes
    const ref = idx.length === 0 ? new Float32Array(0) : yield* executeModel(task.model, taskInputs(task, idx))
    const exact = exactComparison(out.backend, rt.variant, policy.comparison)
    const recomputed = idx.map((_, s) => rowHash(sha256, ref.subarray(s * c, (s + 1) * c)))
    let maxAbs = 0
    for (let s = 0; s < idx.length; s++) {
      const i = idx[s] as number
      const r = ref.subarray(s * c, (s + 1) * c)
      const w = claimed.right.subarray(i * c, (i + 1) * c)
      for (let j = 0; j < c; j++) maxAbs = Math.max(maxAbs, Math.abs((w[j] as number) - (r[j] as number)))
      if (logitMismatch(r, w, exact, policy.comparison) !== undefined)
        return {
          verdict: fail("INF_MISMATCH", evidence(idx, recomputed, i, [metric("maxAbsDiff", maxAbs, exact ? 0 : policy.comparison.tauAbs)])),
          answered,
        }
    }
    return { verdict: pass(evidence(idx, recomputed, -1, [metric("maxAbsDiff", maxAbs, exact ? 0 : policy.comparison.tauAbs)])), answered }
  })

// ------------------------------------------------------------------------------------------------
// Training (VER-TRAIN.4..14)

const TRAIN_REASON: Readonly<Record<TrainingError["code"], Exclude<AuditReason, "NONE"> | undefined>> = {
  TRAIN_MALFORMED: "TRAIN_MALFORMED",
  TRAIN_BAD_TASK: "TASK_MALFORMED",
  TRAIN_BAD_SHAPE: "TRAIN_BAD_SHAPE",
  TRAIN_OPENING_MISMATCH: "TRAIN_OPENING_MISMATCH",
  TRAIN_SKIPPED_STEP: "TRAIN_SKIPPED_STEP",
  TRAIN_REPLAYED: "TRAIN_REPLAYED",
  TRAIN_UPDATE_MISMATCH: "TRAIN_UPDATE_MISMATCH",
  TRAIN_CLAIM_MISMATCH: "TASK_MALFORMED",
  // not a verdict on the worker (VER-TRAIN.13): the auditor cannot judge and does not report
  TRAIN_RECOMPUTE_FAILED: undefined,
}

/** The training audit cannot be judged on this auditor's backend (VER-TRAIN.13): no report is made. */
export interface CannotJudge {
  readonly _tag: "CannotJudge"
  readonly detail: string
}

const METRIC_NAMES = ["relL2", "cosDist", "maxRelLarge", "linf"] as const

/**
 * VER-TRAIN audit of a training claim: the claim binds a training task (VER-TRAIN.14); the artefact has
 * a transcript; s segments drawn from the audit seed (auditSegments with the seed as beacon) are opened
 * by the worker and recomputed on the auditor's runtime, judged by the tolerance policy of the task's
 * precision class (spec/15). Evidence: the sampled segments, the paramsHash of every recomputed segment
 * end, and the failing segment's metrics beside the policy's thresholds.
 */
export const auditTraining = (
  sha256: Sha256,
  req: AuditRequest,
  art: WorkArtefacts | undefined,
  policy: AuditPolicy,
): Effect.Effect<AuditVerdict | CannotJudge, never, MlRuntime> =>
  Effect.gen(function* () {
    const t = trainingTaskOfClaim(sha256, req.claim)
    if (Either.isLeft(t)) return fail("TASK_MALFORMED") // the claim does not bind a valid training task (VER-TRAIN.14)
    const task = t.right
    if (art === undefined || art.kind !== "training") return fail("ARTEFACT_UNAVAILABLE")
    const taskIdBytes = req.claim.task.taskId
    const segments = auditSegments(sha256, req.seed, taskIdBytes, task, policy.trainingSegments)
    const openings = new Map<number, Uint8Array>()
    for (const step of auditOpenings(task, segments)) {
      const o = art.open(step)
      if (o !== undefined) openings.set(step, o)
    }
    const tol = (policy.tolerance ?? ((p) => TOLERANCE[p]))(task.precision)
    const rt = yield* MlRuntime
    const r = yield* rt.run(() => verifyTrainingAudit(sha256, { task, outputHash: req.claim.outputHash, transcript: art.transcript, segments, openings, policy: tol }))
    if (Either.isLeft(r)) {
      const e = r.left
      const reason = TRAIN_REASON[e.code]
      if (reason === undefined) return { _tag: "CannotJudge", detail: e.message } satisfies CannotJudge
      const m = e.metrics
      const metrics = m === undefined ? [] : METRIC_NAMES.map((k) => metric(k, m[k], tol[k]))
      const item = e.step === undefined ? -1 : Math.floor(e.step / task.interval)
      return fail(reason, evidence(segments, [], item, metrics))
    }
    const worst = METRIC_NAMES.map((k) => metric(k, Math.max(0, ...r.right.checks.map((c) => c.metrics[k])), tol[k]))
    const ev = evidence(segments, r.right.checks.map((c) => c.recomputed), -1, worst)
    // QUAL-NOVELTY.7: the novelty bytes of a training claim are θ_T's tensor data; θ_T is opened and
    // checked against the transcript's last entry (VER-TRAIN.6) like any other opening
    const theta = finalParamBytes(sha256, task, req.claim.outputHash, art)
    if (theta === undefined) return fail("TRAIN_OPENING_MISMATCH", { ...ev, item: task.steps / task.interval })
    return sketchMatches(sha256, req.claim, theta, policy) ? pass(ev) : fail("NOVELTY_SKETCH_MISMATCH", ev)
  })

// ------------------------------------------------------------------------------------------------
// Extraction (VER-EXT.13..17)

const EXT_REASON: Readonly<Record<ExtractionError["code"], Exclude<AuditReason, "NONE">>> = {
  EXT_MALFORMED: "EXT_MALFORMED",
  EXT_TOO_LARGE: "EXT_TOO_LARGE",
  EXT_BAD_PARAMS: "TASK_MALFORMED",
  EXT_INPUT_MISMATCH: "EXT_INPUT_MISMATCH",
  EXT_BAD_PROOF: "EXT_BAD_PROOF",
  EXT_MISSING_PARTITION: "EXT_MISSING_PARTITION",
  EXT_EXTRA_RECORD: "EXT_EXTRA_RECORD",
  EXT_WRONG_SAMPLE: "EXT_WRONG_SAMPLE",
  EXT_RECORD_MISMATCH: "EXT_RECORD_MISMATCH",
}

/**
 * VER-EXT audit of an extraction claim: the logs (published under the claim's inputHash) hash to it
 * (EXT_INPUT_MISMATCH); the published records commit to outputHash (the Merkle root of VER-EXT.11, which
 * binds the record count: EXT_BAD_PROOF); coverage, one record per session (EXT_MISSING_PARTITION,
 * EXT_EXTRA_RECORD); k draws from the audit seed re-derived from their sessions alone
 * (EXT_RECORD_MISMATCH). Evidence: the sampled indices, the leaf hash of each re-derived record, the
 * record count beside the session count. No ML runtime is needed.
 */
export const auditExtraction = (sha256: Sha256, req: AuditRequest, src: ArtefactSource, policy: AuditPolicy): AuditVerdict => {
  if (req.claim.task.kind !== "extraction") return fail("TASK_MALFORMED")
  const logs = src.input(req.claim.inputHash)
  if (logs === undefined) return fail("ARTEFACT_UNAVAILABLE")
  const prepared = prepareLogs(sha256, logs, req.claim.inputHash)
  if (Either.isLeft(prepared)) return fail(EXT_REASON[prepared.left.code])
  const art = src.output(req.workId)
  if (art === undefined || art.kind !== "extraction" || art.records.length === 0) return fail("ARTEFACT_UNAVAILABLE")
  // the openings carry inclusion proofs against the claim's outputHash: verifyOpening's step 5 fails
  // EXT_BAD_PROOF when the published records do not commit to it
  const committed = commitRecords(sha256, art.records)
  const sessions = prepared.right.partitions.length
  const n = art.records.length
  const counts = [metric("recordCount", n, sessions)]
  const k = Math.max(1, Math.min(policy.extractionDraws, 256))
  const sample = extSampleIndices(sha256, req.seed, n, k)
  const hasher = new FeatureHasher(sha256)
  const rederived = (i: number): Uint8Array | undefined => {
    const p = prepared.right.partitions[i]
    return p === undefined ? undefined : leafHash(sha256, derivePartition(hasher, prepared.right.input, p).record)
  }
  const recomputed = sample.flatMap((i) => {
    const h = rederived(i)
    return h === undefined ? [] : [h]
  })
  const v = verifyOpening(sha256, prepared.right, req.claim.outputHash, { seed: req.seed, k }, openRecords(committed, sample))
  if (Either.isLeft(v)) {
    const e = v.left
    const item = e.code === "EXT_RECORD_MISMATCH" ? (sample.find((i) => !bytesEqual(rederived(i) ?? new Uint8Array(0), leafHash(sha256, art.records[i] as ExperienceRecord))) ?? -1) : -1
    return fail(EXT_REASON[e.code], evidence(sample, recomputed, item, counts))
  }
  // QUAL-NOVELTY.7: the novelty bytes of an extraction claim are its records' canonical bytes in index order
  const novelty = concatBytes(...art.records.map(recordBytes))
  return sketchMatches(sha256, req.claim, novelty, policy) ? pass(evidence(sample, recomputed, -1, counts)) : fail("NOVELTY_SKETCH_MISMATCH", evidence(sample, recomputed, -1, counts))
}

/**
 * QUAL-NOVELTY.6 (training): θ_T's tensor data, float32 LE, concatenated in parameter order, from the
 * worker's opening of step T checked against the transcript (VER-TRAIN.4/6); undefined when it fails.
 */
export const finalParamBytes = (
  sha256: Sha256,
  task: TrainingTask,
  outputHash: Uint8Array,
  art: Extract<WorkArtefacts, { kind: "training" }>,
): Uint8Array | undefined => {
  const hs = verifyTranscript(sha256, task, outputHash, art.transcript)
  if (Either.isLeft(hs)) return undefined
  const opened = checkOpening(sha256, task, hs.right, task.steps, art.open(task.steps), referenceInitialParams(task.model as "mlp" | "conv" | "attention"))
  return Either.isLeft(opened) ? undefined : concatBytes(...paramTensors(opened.right).map((t) => t.data))
}
