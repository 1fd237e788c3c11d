// spec: VER-TRAIN.1..14 (spec/15-training-verification.md); paper §4.4 (eq. 4), §7.3
// Training verification. A training task fixes a reference model, a synthetic data set, a batch
// schedule and plain SGD; the worker commits to every c-th checkpoint in a hash chain whose head is
// the claim's outputHash, and keeps the checkpoints to open on demand. The verifier samples segments
// with the beacon, checks the openings against the chain, recomputes the update on its own backend
// and accepts iff the claimed update is within the tolerance policy of the task's precision class.
//
// Everything that runs tfjs is synchronous and runs on the backend that is current when it is
// called; `MlRuntime.run` (src/ml/Runtime.ts) picks the backend for the Effect entry points.
import * as tf from "@tensorflow/tfjs"
import { Data, Effect, Either, Schema } from "effect"
import { bytesEqual, concatBytes, u64be, utf8 } from "../codec/Bytes.ts"
import { MAX_WIRE_BYTES } from "../codec/Canonical.ts"
import { makeCodec } from "../codec/Codec.ts"
import { Hash32, Uint, boundedArray, boundedBytes } from "../domain/Primitives.ts"
import type { TaskSpec, WorkClaim } from "../domain/Work.ts"
import { REFERENCE_SPECS, buildReferenceModel, lossFn, makeDataset, modelHash, type ModelKind, type ModelSpec } from "./Models.ts"
import { MlRuntime } from "./Runtime.ts"
import policyFile from "./training-tolerance-policy.json" with { type: "json" }

export type Sha256 = (data: Uint8Array) => Uint8Array

// ------------------------------------------------------------------------------------------------
// Domain tags (VER-TRAIN.2). Same framing as ENC-HASH.1: len(tag) as 1 byte || ascii(tag) || payload.

export const TRAIN_DOMAIN = {
  task: "POAI/v1/train-task",
  params: "POAI/v1/train-params",
  chain: "POAI/v1/train-chain",
  batch: "POAI/v1/train-batch",
  audit: "POAI/v1/train-audit",
} as const
export type TrainDomainTag = (typeof TRAIN_DOMAIN)[keyof typeof TRAIN_DOMAIN]

const trainTagged = (tag: TrainDomainTag, payload: Uint8Array): Uint8Array => {
  const t = utf8(tag)
  return concatBytes(new Uint8Array([t.length]), t, payload)
}

const u32be = (n: number): Uint8Array => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n >>> 0)
  return out
}

// ------------------------------------------------------------------------------------------------
// Precision emulation (VER-TRAIN.9)

/** Precision classes, finest first (the order of the tolerance policy file, VER-TRAIN.11). */
export const PRECISION_CLASSES = ["fp32", "tf32", "fp16", "bf16"] as const
export type PrecisionClass = (typeof PRECISION_CLASSES)[number]
/** What a worker's arithmetic is emulated as (every precision class). */
export type PrecisionMode = PrecisionClass

/**
 * Round binary32 values to `keep` explicit mantissa bits (8-bit exponent kept), round-to-nearest-even.
 * bf16 keeps 7, tf32 keeps 10. Infinities and NaNs are returned unchanged; overflow rounds to ±Inf.
 */
export const roundMantissa = (a: Float32Array, keep: number): Float32Array => {
  const out = Float32Array.from(a)
  const drop = 23 - keep
  if (drop <= 0) return out
  const u = new Uint32Array(out.buffer)
  const half = 2 ** (drop - 1) - 1
  const mask = (0xffffffff << drop) >>> 0
  for (let i = 0; i < u.length; i++) {
    const b = u[i] as number
    if ((b & 0x7f800000) === 0x7f800000) continue
    u[i] = (b + half + ((b >>> drop) & 1)) & mask
  }
  return out
}

export const roundBf16 = (a: Float32Array): Float32Array => roundMantissa(a, 7)
export const roundTf32 = (a: Float32Array): Float32Array => roundMantissa(a, 10)

const roundHalfEven = (x: number): number => {
  const r = Math.round(x)
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r
}

/** IEEE binary16 rounding (5-bit exponent, 10-bit mantissa, subnormals, overflow to ±Inf), RNE. */
export const roundFp16 = (a: Float32Array): Float32Array => {
  const out = roundMantissa(a, 10)
  for (let i = 0; i < out.length; i++) {
    const x = a[i] as number
    if (!Number.isFinite(x)) continue
    if (Math.abs(x) < 2 ** -14) out[i] = roundHalfEven(x * 2 ** 24) * 2 ** -24
    else if (Math.abs(out[i] as number) > 65504) out[i] = x > 0 ? Infinity : -Infinity
  }
  return out
}

export const roundTo = (mode: PrecisionMode, a: Float32Array): Float32Array =>
  mode === "fp32" ? a : mode === "tf32" ? roundTf32(a) : mode === "bf16" ? roundBf16(a) : roundFp16(a)

// ------------------------------------------------------------------------------------------------
// Tolerance metrics and policy (VER-TRAIN.10, VER-TRAIN.11)

export interface UpdateMetrics {
  /** ‖Δ − Δ'‖₂ / ‖Δ'‖₂ */
  readonly relL2: number
  /** 1 − cos(Δ, Δ') */
  readonly cosDist: number
  /** max |Δ_j − Δ'_j| / |Δ'_j| over the coordinates with |Δ'_j| ≥ the `largeQuantile` quantile of |Δ'| */
  readonly maxRelLarge: number
  /** max_j |Δ_j − Δ'_j| / max_j |Δ'_j| */
  readonly linf: number
}

export interface TolerancePolicy {
  readonly relL2: number
  readonly cosDist: number
  readonly maxRelLarge: number
  readonly linf: number
  /** The "large coordinates" of maxRelLarge: |Δ'_j| ≥ this quantile of |Δ'| (0.9 = top 10 %). */
  readonly largeQuantile: number
}

/** One unit in the last place of binary32 x (2^-149 for zero and subnormals). */
export const ulp32 = (x: number): number => {
  SCRATCH_F32[0] = x
  const e = ((SCRATCH_U32[0] as number) >>> 23) & 0xff
  return e === 0 ? 2 ** -149 : 2 ** (e - 150)
}
const SCRATCH_F32 = new Float32Array(1)
const SCRATCH_U32 = new Uint32Array(SCRATCH_F32.buffer)

/**
 * Quantization allowance (VER-TRAIN.10): per coordinate, `steps` units in the last place of the
 * larger of the two end parameters. A binary32 parameter cannot record an update more precisely.
 */
export const ulpAllowance = (claimedEnd: ParamSet, recomputedEnd: ParamSet, steps: number): Float64Array => {
  let n = 0
  for (const v of claimedEnd.values) n += v.length
  const out = new Float64Array(n)
  let o = 0
  claimedEnd.values.forEach((a, i) => {
    const b = recomputedEnd.values[i] as Float32Array
    for (let j = 0; j < a.length; j++) out[o++] = steps * ulp32(Math.max(Math.abs(a[j] as number), Math.abs(b[j] as number)))
  })
  return out
}

/**
 * Metrics of a claimed update `claimed` (Δ) against the recomputed one `recomputed` (Δ'), after
 * shrinking each coordinate's error by the quantization allowance `slack` (VER-TRAIN.10): with
 * e_j = sign(Δ_j − Δ'_j)·max(0, |Δ_j − Δ'_j| − slack_j) and Δ̃ = Δ' + e, the metrics compare Δ̃ with Δ'.
 */
export const updateMetrics = (
  claimed: Float64Array,
  recomputed: Float64Array,
  largeQuantile = 0.9,
  slack?: Float64Array,
): UpdateMetrics => {
  const n = recomputed.length
  let ee = 0
  let rr = 0
  let tt = 0
  let maxErr = 0
  let maxRef = 0
  const err = new Float64Array(n)
  const absRef = new Float64Array(n)
  for (let j = 0; j < n; j++) {
    const r = recomputed[j] as number
    const d = (claimed[j] as number) - r
    const s = slack === undefined ? 0 : (slack[j] as number)
    const e = Number.isNaN(d) ? NaN : Math.sign(d) * Math.max(0, Math.abs(d) - s)
    const t = r + e
    err[j] = e
    ee += e * e
    rr += r * r
    tt += t * t
    const ae = Math.abs(e)
    if (!(ae <= maxErr)) maxErr = ae // NaN propagates
    const ar = Math.abs(r)
    absRef[j] = ar
    if (ar > maxRef) maxRef = ar
  }
  const relL2 = rr === 0 ? (ee === 0 ? 0 : Infinity) : Math.sqrt(ee / rr)
  // 1 − cos(Δ̃, Δ') = ½‖Δ̃/‖Δ̃‖ − Δ'/‖Δ'‖‖², stable for tiny angles.
  let cosDist = rr === 0 && tt === 0 ? 0 : rr === 0 || tt === 0 ? 1 : 0
  if (rr > 0 && tt > 0) {
    const nt = Math.sqrt(tt)
    const nr = Math.sqrt(rr)
    let u = 0
    for (let j = 0; j < n; j++) {
      const w = ((recomputed[j] as number) + (err[j] as number)) / nt - (recomputed[j] as number) / nr
      u += w * w
    }
    cosDist = u / 2
  }
  const linf = maxRef === 0 ? (maxErr === 0 ? 0 : Infinity) : maxErr / maxRef
  let maxRelLarge = 0
  if (n > 0) {
    const sorted = Float64Array.from(absRef).sort()
    const q = sorted[Math.min(n - 1, Math.floor(largeQuantile * n))] as number
    for (let j = 0; j < n; j++) {
      const ar = absRef[j] as number
      if (ar < q || ar === 0) continue
      const e = Math.abs(err[j] as number) / ar
      if (!(e <= maxRelLarge)) maxRelLarge = e
    }
  }
  return { relL2, cosDist: Number.isNaN(cosDist) ? Infinity : Math.max(0, cosDist), maxRelLarge, linf }
}

/** The metrics that exceed the policy, in the order relL2, cosDist, maxRelLarge, linf (NaN fails). */
export const policyViolations = (m: UpdateMetrics, p: TolerancePolicy): ReadonlyArray<keyof UpdateMetrics> => {
  const out: Array<keyof UpdateMetrics> = []
  for (const k of ["relL2", "cosDist", "maxRelLarge", "linf"] as const) if (!(m[k] <= p[k])) out.push(k)
  return out
}

/** Where the tolerance policy lives (VER-TRAIN.11): data shared by the verifier and the conformance vectors. */
export const TOLERANCE_POLICY_PATH = "src/ml/training-tolerance-policy.json"

/**
 * Tolerance per precision class (VER-TRAIN.11), read from the policy file `TOLERANCE_POLICY_PATH`:
 * each bound is 4x the largest honest value measured by `bench/ml-training-tolerance.ts` for the class
 * and every finer class, rounded up to two significant digits (the file records the measured maxima).
 * fp16 (emulated) measured exactly the tf32 values (same 10-bit mantissa; every value stays in fp16's
 * normal range on the reference models), so its bounds equal tf32's; see spec/15-training-verification.md.
 */
export const TOLERANCE: Record<PrecisionClass, TolerancePolicy> = (() => {
  const file = policyFile as { order?: unknown; classes?: Record<string, Record<string, unknown>> }
  if (JSON.stringify(file.order) !== JSON.stringify(PRECISION_CLASSES))
    throw new Error(`${TOLERANCE_POLICY_PATH}: order is not ${PRECISION_CLASSES.join(", ")}`)
  const out = {} as Record<PrecisionClass, TolerancePolicy>
  for (const cls of PRECISION_CLASSES) {
    const c = file.classes?.[cls]
    const n = (k: string): number => {
      const v = c?.[k]
      if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) throw new Error(`${TOLERANCE_POLICY_PATH}: ${cls}.${k} is not a finite number >= 0`)
      return v
    }
    out[cls] = { relL2: n("relL2"), cosDist: n("cosDist"), maxRelLarge: n("maxRelLarge"), linf: n("linf"), largeQuantile: n("largeQuantile") }
  }
  return out
})()

// ------------------------------------------------------------------------------------------------
// Task (VER-TRAIN.1)

export const TRAINING_VERSION = 1
/** Bounds that keep a task, its transcript and its openings within MAX_WIRE_BYTES. */
export const MAX_TRAIN_STEPS = 100_000
export const MAX_BATCH = 4096
export const MAX_DATASET = 1_000_000
export const MAX_LR_NANO = 10_000_000_000 // lr ≤ 10
export const MAX_PARAM_TENSORS = 64

export const ModelKindSchema = Schema.Literal("mlp", "conv", "attention")
export const PrecisionClassSchema = Schema.Literal(...PRECISION_CLASSES)

export const TrainingTask = Schema.Struct({
  version: Schema.Literal(TRAINING_VERSION),
  model: ModelKindSchema,
  initialParamsHash: Hash32,
  datasetSeed: Uint,
  datasetSize: Uint,
  batchSize: Uint,
  lrNano: Uint,
  steps: Uint,
  interval: Uint,
  precision: PrecisionClassSchema,
}).annotations({ identifier: "TrainingTask" })
export type TrainingTask = typeof TrainingTask.Type

export const ParamTensor = Schema.Struct({
  name: Schema.String.pipe(Schema.maxLength(64)),
  shape: boundedArray(Uint, 8),
  data: boundedBytes(MAX_WIRE_BYTES, "ParamData"),
}).annotations({ identifier: "ParamTensor" })
export type ParamTensor = typeof ParamTensor.Type

/** An opening of the checkpoint θ_step (VER-TRAIN.6): float32 little-endian tensors in model order. */
export const CheckpointOpening = Schema.Struct({
  step: Uint,
  params: boundedArray(ParamTensor, MAX_PARAM_TENSORS),
}).annotations({ identifier: "CheckpointOpening" })
export type CheckpointOpening = typeof CheckpointOpening.Type

/** The checkpoint hashes h_0, h_c, h_2c, …, h_T whose chain head is the claim's outputHash (VER-TRAIN.3). */
export const TrainingTranscript = Schema.Struct({
  paramsHashes: boundedArray(Hash32, MAX_TRAIN_STEPS + 1),
}).annotations({ identifier: "TrainingTranscript" })
export type TrainingTranscript = typeof TrainingTranscript.Type

export const TrainingCodecs = {
  TrainingTask: makeCodec("TrainingTask", TrainingTask),
  CheckpointOpening: makeCodec("CheckpointOpening", CheckpointOpening),
  TrainingTranscript: makeCodec("TrainingTranscript", TrainingTranscript),
} as const

// ------------------------------------------------------------------------------------------------
// Errors (VER-TRAIN.13)

export const TRAINING_ERROR_CODES = {
  TRAIN_MALFORMED: "task, transcript or opening is not a valid canonical encoding, or holds non-finite values",
  TRAIN_BAD_TASK: "task parameters are out of range (VER-TRAIN.1)",
  TRAIN_BAD_SHAPE: "an opening's tensors differ in number, name or shape from the task's model",
  TRAIN_OPENING_MISMATCH: "transcript does not chain to outputHash, h_0 is not the task's initial params, or an opening does not hash to its transcript entry",
  TRAIN_SKIPPED_STEP: "transcript has the wrong length, two consecutive checkpoints are equal, or a requested opening is missing or for another step",
  TRAIN_REPLAYED: "a checkpoint repeats an earlier one, or a failing update equals another opened update",
  TRAIN_UPDATE_MISMATCH: "the claimed update is outside the tolerance policy of the recomputed update",
  TRAIN_CLAIM_MISMATCH: "the work claim's kind, params, taskId, modelHash or inputHash do not bind this training task",
  TRAIN_RECOMPUTE_FAILED: "the verifier's backend could not recompute the update (e.g. a missing kernel): no verdict on the worker",
} as const
export type TrainingErrorCode = keyof typeof TRAINING_ERROR_CODES

export class TrainingError extends Data.TaggedError("TrainingError")<{
  readonly code: TrainingErrorCode
  readonly detail: string
  /** The step (start of the segment) the failure concerns, when there is one. */
  readonly step?: number
  /** For TRAIN_UPDATE_MISMATCH / TRAIN_REPLAYED: the failing metrics. */
  readonly metrics?: UpdateMetrics
  readonly violations?: ReadonlyArray<keyof UpdateMetrics>
}> {
  override get message(): string {
    return `${this.code}: ${TRAINING_ERROR_CODES[this.code]}${this.detail ? ` (${this.detail})` : ""}`
  }
}

const fail = (
  code: TrainingErrorCode,
  detail = "",
  extra: { step?: number; metrics?: UpdateMetrics; violations?: ReadonlyArray<keyof UpdateMetrics> } = {},
): Either.Either<never, TrainingError> => Either.left(new TrainingError({ code, detail, ...extra }))

// ------------------------------------------------------------------------------------------------
// Task helpers

/** The model architecture of a task: the reference spec of its kind (VER-TRAIN.1). */
export const taskModelSpec = (task: TrainingTask): ModelSpec => REFERENCE_SPECS[task.model as ModelKind]

/** lr as the binary32 value every implementation uses (VER-TRAIN.1): fround(lrNano / 10^9). */
export const taskLearningRate = (task: TrainingTask): number => Math.fround(task.lrNano / 1e9)

/** Range checks of VER-TRAIN.1 (after schema decoding). */
export const checkTask = (task: TrainingTask): Either.Either<TrainingTask, TrainingError> => {
  const bad = (d: string) => fail("TRAIN_BAD_TASK", d)
  if (task.steps < 1 || task.steps > MAX_TRAIN_STEPS) return bad(`steps ${task.steps} not in [1, ${MAX_TRAIN_STEPS}]`)
  if (task.interval < 1 || task.steps % task.interval !== 0) return bad(`interval ${task.interval} does not divide steps ${task.steps}`)
  if (task.batchSize < 1 || task.batchSize > MAX_BATCH) return bad(`batchSize ${task.batchSize} not in [1, ${MAX_BATCH}]`)
  if (task.datasetSize < 1 || task.datasetSize > MAX_DATASET) return bad(`datasetSize ${task.datasetSize} not in [1, ${MAX_DATASET}]`)
  if (task.lrNano < 1 || task.lrNano > MAX_LR_NANO) return bad(`lrNano ${task.lrNano} not in [1, ${MAX_LR_NANO}]`)
  if (task.datasetSeed > 0xffffffff) return bad(`datasetSeed ${task.datasetSeed} exceeds 2^32 - 1`)
  return Either.right(task)
}

/** taskId = SHA-256(tagged("POAI/v1/train-task", cbor(task))) (VER-TRAIN.2). */
export const trainingTaskId = (sha256: Sha256, task: TrainingTask): Uint8Array =>
  sha256(trainTagged(TRAIN_DOMAIN.task, TrainingCodecs.TrainingTask.encode(task)))

// ------------------------------------------------------------------------------------------------
// Parameters and their hash (VER-TRAIN.3)

/** Parameters as float32 arrays in model order, with their names and shapes. */
export interface ParamSet {
  readonly names: ReadonlyArray<string>
  readonly shapes: ReadonlyArray<ReadonlyArray<number>>
  readonly values: ReadonlyArray<Float32Array>
}

const f32ToBytes = (a: Float32Array): Uint8Array => {
  const out = new Uint8Array(a.length * 4)
  const dv = new DataView(out.buffer)
  for (let i = 0; i < a.length; i++) dv.setFloat32(i * 4, a[i] as number, true)
  return out
}

const bytesToF32 = (b: Uint8Array): Float32Array => {
  const out = new Float32Array(b.length / 4)
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true)
  return out
}

export const paramTensors = (p: ParamSet): ReadonlyArray<ParamTensor> =>
  p.values.map((v, i) => ({ name: p.names[i] as string, shape: [...(p.shapes[i] as ReadonlyArray<number>)], data: f32ToBytes(v) }))

/** h(θ) = SHA-256(tagged("POAI/v1/train-params", cbor([{name, shape, data}, …]))) (VER-TRAIN.3). */
const paramsListCodec = makeCodec("ParamTensorList", boundedArray(ParamTensor, MAX_PARAM_TENSORS))

export const paramsHash = (sha256: Sha256, p: ParamSet): Uint8Array =>
  sha256(trainTagged(TRAIN_DOMAIN.params, paramsListCodec.encode([...paramTensors(p)])))

/** The initial parameters of a task's reference model, θ_0 (seeded by the reference spec). */
export const referenceInitialParams = (kind: ModelKind): ParamSet => {
  const m = buildReferenceModel(REFERENCE_SPECS[kind])
  return {
    names: m.params.map((p) => p.name),
    shapes: m.params.map((p) => [...p.shape]),
    values: m.params.map((p) => Float32Array.from(p.values)),
  }
}

/** A task for a reference model starting from its reference initial parameters. */
export const makeTrainingTask = (
  sha256: Sha256,
  t: Omit<TrainingTask, "version" | "initialParamsHash">,
): TrainingTask => ({ version: TRAINING_VERSION, ...t, initialParamsHash: paramsHash(sha256, referenceInitialParams(t.model as ModelKind)) })

// ------------------------------------------------------------------------------------------------
// Work-claim binding (VER-TRAIN.14)

/** The TaskSpec of a training task (DT-WORK.1): kind "training", params = cbor(task). */
export const trainingTaskSpec = (sha256: Sha256, task: TrainingTask, computeUnits: number): TaskSpec => ({
  kind: "training",
  taskId: trainingTaskId(sha256, task),
  modelHash: modelHash(buildReferenceModel(taskModelSpec(task)), sha256),
  params: TrainingCodecs.TrainingTask.encode(task),
  computeUnits,
})

/**
 * Read the training task of a work claim and check that the claim binds it (VER-TRAIN.14): kind
 * "training", params decode to a valid task, taskId = trainingTaskId, modelHash = the reference
 * model's measurement (ML-MODEL.5), inputHash = the task's initialParamsHash. Never throws.
 */
export const trainingTaskOfClaim = (sha256: Sha256, claim: WorkClaim): Either.Either<TrainingTask, TrainingError> => {
  if (claim.task.kind !== "training") return fail("TRAIN_CLAIM_MISMATCH", `task kind is ${claim.task.kind}`)
  const dec = TrainingCodecs.TrainingTask.decode(claim.task.params)
  if (Either.isLeft(dec)) return fail("TRAIN_MALFORMED", dec.left.message)
  const ok = checkTask(dec.right)
  if (Either.isLeft(ok)) return Either.left(ok.left)
  const task = dec.right
  const expected = trainingTaskSpec(sha256, task, claim.task.computeUnits)
  if (!bytesEqual(expected.taskId, claim.task.taskId)) return fail("TRAIN_CLAIM_MISMATCH", "taskId is not trainingTaskId(params)")
  if (!bytesEqual(expected.modelHash, claim.task.modelHash)) return fail("TRAIN_CLAIM_MISMATCH", "modelHash is not the reference model's measurement")
  if (!bytesEqual(task.initialParamsHash, claim.inputHash)) return fail("TRAIN_CLAIM_MISMATCH", "inputHash is not the task's initialParamsHash")
  return Either.right(task)
}

// ------------------------------------------------------------------------------------------------
// Checkpoint chain (VER-TRAIN.4)

/**
 * C_0 = H(tagged("POAI/v1/train-chain", taskId || u64(0) || h_0)),
 * C_k = H(tagged("POAI/v1/train-chain", C_{k-1} || u64(k·c) || h_{k·c})); outputHash = C_{T/c}.
 */
export const chainHead = (sha256: Sha256, taskId: Uint8Array, interval: number, hashes: ReadonlyArray<Uint8Array>): Uint8Array => {
  let c: Uint8Array = taskId
  hashes.forEach((h, k) => {
    c = sha256(trainTagged(TRAIN_DOMAIN.chain, concatBytes(c, u64be(k * interval), h)))
  })
  return c
}

// ------------------------------------------------------------------------------------------------
// Batch schedule (VER-TRAIN.5) and audit sampler (VER-TRAIN.7)

/** Unbiased draws in [0, n) from the SHA-256 stream H(tag || seed || u32 counter), 4 bytes at a time. */
const drawStream = (sha256: Sha256, tag: TrainDomainTag, seed: Uint8Array) => {
  let ctr = 0
  let block: Uint8Array = new Uint8Array(0)
  let off = 32
  const nextU32 = (): number => {
    if (off >= 32) {
      block = sha256(trainTagged(tag, concatBytes(seed, u32be(ctr++))))
      off = 0
    }
    const v = new DataView(block.buffer, block.byteOffset).getUint32(off)
    off += 4
    return v
  }
  return (n: number): number => {
    const limit = 2 ** 32 - (2 ** 32 % n)
    for (;;) {
      const v = nextU32()
      if (v < limit) return v % n
    }
  }
}

/** Example indices of batch i (VER-TRAIN.5): batchSize draws with replacement from [0, datasetSize). */
export const batchIndices = (sha256: Sha256, taskId: Uint8Array, task: TrainingTask, step: number): Int32Array => {
  const draw = drawStream(sha256, TRAIN_DOMAIN.batch, concatBytes(taskId, u64be(step)))
  const out = new Int32Array(task.batchSize)
  for (let j = 0; j < out.length; j++) out[j] = draw(task.datasetSize)
  return out
}

/**
 * Audit sample (VER-TRAIN.7): min(s, K) distinct segment indices k ∈ [0, K), K = steps / interval,
 * drawn from H("POAI/v1/train-audit" || beacon || taskId || u32 counter), ascending.
 */
export const auditSegments = (sha256: Sha256, beacon: Uint8Array, taskId: Uint8Array, task: TrainingTask, s: number): number[] => {
  const K = task.steps / task.interval
  if (s >= K) return Array.from({ length: K }, (_, k) => k)
  const draw = drawStream(sha256, TRAIN_DOMAIN.audit, concatBytes(beacon, taskId))
  const picked = new Set<number>()
  while (picked.size < s) picked.add(draw(K))
  return [...picked].sort((a, b) => a - b)
}

/** Checkpoint steps the worker must open for the sampled segments (VER-TRAIN.7): k·c, (k+1)·c and (k−1)·c. */
export const auditOpenings = (task: TrainingTask, segments: ReadonlyArray<number>): number[] => {
  const steps = new Set<number>()
  for (const k of segments) {
    if (k > 0) steps.add((k - 1) * task.interval)
    steps.add(k * task.interval)
    steps.add((k + 1) * task.interval)
  }
  return [...steps].sort((a, b) => a - b)
}

// ------------------------------------------------------------------------------------------------
// The SGD step (VER-TRAIN.6)

interface Dataset {
  readonly x: Float32Array
  readonly y: Int32Array
  readonly rowSize: number
}

const datasetCache = new Map<string, Dataset>()
const taskDataset = (task: TrainingTask): Dataset => {
  const key = `${task.model}/${task.datasetSeed}/${task.datasetSize}`
  let d = datasetCache.get(key)
  if (d === undefined) {
    const spec = taskModelSpec(task)
    const { x, y } = makeDataset(spec, task.datasetSeed, task.datasetSize)
    d = { x, y, rowSize: x.length / task.datasetSize }
    if (datasetCache.size > 8) datasetCache.clear()
    datasetCache.set(key, d)
  }
  return d
}

const batchData = (task: TrainingTask, idx: Int32Array): { x: Float32Array; yOneHot: Float32Array } => {
  const d = taskDataset(task)
  const classes = taskModelSpec(task).classes
  const x = new Float32Array(idx.length * d.rowSize)
  const y = new Float32Array(idx.length * classes)
  idx.forEach((r, j) => {
    x.set(d.x.subarray(r * d.rowSize, (r + 1) * d.rowSize), j * d.rowSize)
    y[j * classes + (d.y[r] as number)] = 1
  })
  return { x, yOneHot: y }
}

/**
 * Gradient of the task loss at θ on the examples `idx`, computed on the current tfjs backend. `mode`
 * emulates a worker's reduced precision: θ, the inputs and the gradient are rounded to it (VER-TRAIN.9).
 */
export const gradientOn = (task: TrainingTask, theta: ParamSet, idx: Int32Array, mode: PrecisionMode = "fp32"): Float32Array[] => {
  const { x, yOneHot } = batchData(task, idx)
  return gradientFor(taskModelSpec(task), theta, x, yOneHot, mode)
}

/**
 * Gradient of the loss of the model `spec` at θ on flat inputs x (n items) and one-hot labels, on the
 * current tfjs backend, with the precision emulation of `mode` (VER-TRAIN.6, VER-TRAIN.9).
 */
export const gradientFor = (spec: ModelSpec, theta: ParamSet, x: Float32Array, yOneHot: Float32Array, mode: PrecisionMode = "fp32"): Float32Array[] => {
  const n = yOneHot.length / spec.classes
  const grads = tf.tidy(() => {
    const ps = theta.values.map((v, i) => tf.tensor(roundTo(mode, v), [...(theta.shapes[i] as ReadonlyArray<number>)], "float32"))
    const xt = tf.tensor(roundTo(mode, x), [n, ...spec.inputShape], "float32")
    const yt = tf.tensor2d(yOneHot, [n, spec.classes], "float32")
    const g = tf.grads((...args: tf.Tensor[]) => lossFn(spec, args, xt, yt))(ps)
    return g.map((t) => Float32Array.from(t.dataSync() as Float32Array))
  })
  return grads.map((g) => roundTo(mode, g))
}

/** Gradient of the task loss at θ on batch `step` (VER-TRAIN.5, VER-TRAIN.6). */
export const gradient = (
  sha256: Sha256,
  taskId: Uint8Array,
  task: TrainingTask,
  theta: ParamSet,
  step: number,
  mode: PrecisionMode = "fp32",
): Float32Array[] => gradientOn(task, theta, batchIndices(sha256, taskId, task, step), mode)

/** θ' = θ − lr·g in binary32: θ'_j = fround(θ_j − fround(lr · g_j)) (VER-TRAIN.6). */
export const sgdUpdate = (theta: ParamSet, grads: ReadonlyArray<Float32Array>, lr: number): ParamSet => ({
  names: theta.names,
  shapes: theta.shapes,
  values: theta.values.map((v, i) => {
    const g = grads[i] as Float32Array
    const out = new Float32Array(v.length)
    for (let j = 0; j < v.length; j++) out[j] = (v[j] as number) - Math.fround(lr * (g[j] as number))
    return out
  }),
})

/** Replay `interval` SGD steps from θ_{k·c} (VER-TRAIN.8). */
export const trainSegment = (
  sha256: Sha256,
  taskId: Uint8Array,
  task: TrainingTask,
  theta: ParamSet,
  firstStep: number,
  mode: PrecisionMode = "fp32",
  count = task.interval,
): ParamSet => {
  const lr = taskLearningRate(task)
  let t = theta
  for (let i = firstStep; i < firstStep + count; i++) t = sgdUpdate(t, gradient(sha256, taskId, task, t, i, mode), lr)
  return t
}

/** Δ = after − before over all tensors, in float64 (exact for binary32 inputs). */
export const flatDelta = (before: ParamSet, after: ParamSet): Float64Array => {
  let n = 0
  for (const v of before.values) n += v.length
  const out = new Float64Array(n)
  let o = 0
  before.values.forEach((b, i) => {
    const a = after.values[i] as Float32Array
    for (let j = 0; j < b.length; j++) out[o++] = (a[j] as number) - (b[j] as number)
  })
  return out
}

// ------------------------------------------------------------------------------------------------
// Worker (VER-TRAIN.4, VER-TRAIN.6)

export interface TrainingRun {
  readonly task: TrainingTask
  readonly taskId: Uint8Array
  /** h_0, h_c, …, h_T */
  readonly paramsHashes: ReadonlyArray<Uint8Array>
  /** θ_0, θ_c, …, θ_T (kept to open on demand) */
  readonly checkpoints: ReadonlyArray<ParamSet>
  /** The claim's outputHash: the chain head C_{T/c}. */
  readonly outputHash: Uint8Array
}

export interface TrainOptions {
  /** Precision the worker computes in (default fp32). */
  readonly mode?: PrecisionMode
  /** θ_0 (default: the reference model's initial parameters). */
  readonly initial?: ParamSet
  /** Test/bench hook: replaces the checkpoint at step `step` (a multiple of c) after it is computed. */
  readonly tamper?: (step: number, prev: ParamSet, next: ParamSet, history: ReadonlyArray<ParamSet>) => ParamSet
}

/** Train the task on the current backend and commit to its checkpoints. */
export const train = (sha256: Sha256, task: TrainingTask, opts: TrainOptions = {}): TrainingRun => {
  const taskId = trainingTaskId(sha256, task)
  const mode = opts.mode ?? "fp32"
  const checkpoints: ParamSet[] = [opts.initial ?? referenceInitialParams(task.model as ModelKind)]
  for (let k = 0; k < task.steps / task.interval; k++) {
    const prev = checkpoints[k] as ParamSet
    let next = trainSegment(sha256, taskId, task, prev, k * task.interval, mode)
    if (opts.tamper) next = opts.tamper((k + 1) * task.interval, prev, next, checkpoints)
    checkpoints.push(next)
  }
  const paramsHashes = checkpoints.map((p) => paramsHash(sha256, p))
  return { task, taskId, paramsHashes, checkpoints, outputHash: chainHead(sha256, taskId, task.interval, paramsHashes) }
}

export const encodeTranscript = (run: Pick<TrainingRun, "paramsHashes">): Uint8Array =>
  TrainingCodecs.TrainingTranscript.encode({ paramsHashes: [...run.paramsHashes] })

/** The worker's opening of checkpoint θ_step (a multiple of c). */
export const openCheckpoint = (run: TrainingRun, step: number): Uint8Array => {
  const p = run.checkpoints[step / run.task.interval]
  if (p === undefined) throw new RangeError(`no checkpoint at step ${step}`)
  return TrainingCodecs.CheckpointOpening.encode({ step, params: [...paramTensors(p)] })
}

// ------------------------------------------------------------------------------------------------
// Verification (VER-TRAIN.4..12)

/**
 * Transcript check (VER-TRAIN.4, VER-TRAIN.12), no ML: decode, length T/c + 1, h_0 = task's initial
 * params, chain head = outputHash, no two consecutive equal checkpoints (skipped step), no
 * checkpoint equal to an earlier one (replayed). Never throws.
 */
export const verifyTranscript = (
  sha256: Sha256,
  task: TrainingTask,
  outputHash: Uint8Array,
  transcriptBytes: Uint8Array,
): Either.Either<ReadonlyArray<Uint8Array>, TrainingError> => {
  const tk = checkTask(task)
  if (Either.isLeft(tk)) return Either.left(tk.left)
  const dec = TrainingCodecs.TrainingTranscript.decode(transcriptBytes)
  if (Either.isLeft(dec)) return fail("TRAIN_MALFORMED", dec.left.message)
  const hs = dec.right.paramsHashes
  const K = task.steps / task.interval
  if (hs.length !== K + 1) return fail("TRAIN_SKIPPED_STEP", `transcript has ${hs.length} checkpoints, expected ${K + 1}`)
  if (!bytesEqual(hs[0] as Uint8Array, task.initialParamsHash))
    return fail("TRAIN_OPENING_MISMATCH", "h_0 is not the task's initial parameters hash", { step: 0 })
  if (!bytesEqual(chainHead(sha256, trainingTaskId(sha256, task), task.interval, hs), outputHash))
    return fail("TRAIN_OPENING_MISMATCH", "checkpoint chain does not end at outputHash")
  const seen = new Map<string, number>()
  for (let k = 0; k < hs.length; k++) {
    const key = Buffer.from(hs[k] as Uint8Array).toString("hex")
    const prev = seen.get(key)
    if (prev !== undefined) {
      const step = k * task.interval
      return prev === k - 1
        ? fail("TRAIN_SKIPPED_STEP", `θ_${step} equals θ_${prev * task.interval}`, { step: prev * task.interval })
        : fail("TRAIN_REPLAYED", `θ_${step} equals the earlier θ_${prev * task.interval}`, { step: (k - 1) * task.interval })
    }
    seen.set(key, k)
  }
  return Either.right(hs)
}

/** Decode an opening and check it against the model shapes and the transcript (VER-TRAIN.6). Never throws. */
export const checkOpening = (
  sha256: Sha256,
  task: TrainingTask,
  hashes: ReadonlyArray<Uint8Array>,
  step: number,
  bytes: Uint8Array | undefined,
  reference: ParamSet,
): Either.Either<ParamSet, TrainingError> => {
  if (bytes === undefined) return fail("TRAIN_SKIPPED_STEP", `no opening for θ_${step}`, { step })
  const dec = TrainingCodecs.CheckpointOpening.decode(bytes)
  if (Either.isLeft(dec)) return fail("TRAIN_MALFORMED", dec.left.message, { step })
  const o = dec.right
  if (o.step !== step) return fail("TRAIN_SKIPPED_STEP", `opening is for step ${o.step}, requested ${step}`, { step })
  if (o.params.length !== reference.names.length)
    return fail("TRAIN_BAD_SHAPE", `${o.params.length} tensors, model has ${reference.names.length}`, { step })
  const values: Float32Array[] = []
  for (let i = 0; i < o.params.length; i++) {
    const t = o.params[i] as ParamTensor
    const shape = reference.shapes[i] as ReadonlyArray<number>
    const size = shape.reduce((a, b) => a * b, 1)
    if (t.name !== reference.names[i] || t.shape.length !== shape.length || t.shape.some((d, j) => d !== shape[j]) || t.data.length !== size * 4)
      return fail("TRAIN_BAD_SHAPE", `tensor ${i} is ${t.name}${JSON.stringify(t.shape)} with ${t.data.length} bytes, model has ${reference.names[i]}${JSON.stringify(shape)}`, { step })
    const v = bytesToF32(t.data)
    for (let j = 0; j < v.length; j++)
      if (!Number.isFinite(v[j])) return fail("TRAIN_MALFORMED", `non-finite value in tensor ${t.name}`, { step })
    values.push(v)
  }
  const p: ParamSet = { names: reference.names, shapes: reference.shapes, values }
  const h = hashes[step / task.interval]
  if (h === undefined || !bytesEqual(paramsHash(sha256, p), h))
    return fail("TRAIN_OPENING_MISMATCH", `opening of θ_${step} does not hash to its transcript entry`, { step })
  return Either.right(p)
}

export interface SegmentCheck {
  readonly step: number
  readonly metrics: UpdateMetrics
  /** paramsHash of the verifier's recomputed θ'_{(k+1)c} (the evidence of an audit report, VER-VERDICT.3). */
  readonly recomputed: Uint8Array
}

export interface TrainingAuditReport {
  readonly segments: ReadonlyArray<number>
  readonly checks: ReadonlyArray<SegmentCheck>
}

export interface TrainingAuditInput {
  readonly task: TrainingTask
  /** The claim's outputHash. */
  readonly outputHash: Uint8Array
  readonly transcript: Uint8Array
  /** Sampled segment indices (auditSegments). */
  readonly segments: ReadonlyArray<number>
  /** The worker's openings, by step; must include every step of auditOpenings(task, segments). */
  readonly openings: ReadonlyMap<number, Uint8Array>
  /** Defaults to TOLERANCE[task.precision]. */
  readonly policy?: TolerancePolicy
}

/**
 * Audit a training claim (VER-TRAIN.4..12, eq. 4) on the current tfjs backend: transcript, openings,
 * then for each sampled segment k (ascending) recompute θ'_{(k+1)c} from θ_{kc} in fp32 and compare
 * Δ = θ_{(k+1)c} − θ_{kc} with Δ' = θ'_{(k+1)c} − θ_{kc}. The first failure is returned. Never throws
 * on worker-supplied bytes.
 */
export const verifyTrainingAudit = (sha256: Sha256, input: TrainingAuditInput): Either.Either<TrainingAuditReport, TrainingError> => {
  const { task } = input
  const hs = verifyTranscript(sha256, task, input.outputHash, input.transcript)
  if (Either.isLeft(hs)) return Either.left(hs.left)
  const hashes = hs.right
  const K = task.steps / task.interval
  const segments = [...new Set(input.segments)].filter((k) => Number.isInteger(k) && k >= 0 && k < K).sort((a, b) => a - b)
  const reference = referenceInitialParams(task.model as ModelKind)
  const opened = new Map<number, ParamSet>()
  for (const step of auditOpenings(task, segments)) {
    const p = checkOpening(sha256, task, hashes, step, input.openings.get(step), reference)
    if (Either.isLeft(p)) return Either.left(p.left)
    opened.set(step, p.right)
  }
  const policy = input.policy ?? TOLERANCE[task.precision]
  const taskId = trainingTaskId(sha256, task)
  const c = task.interval
  const delta = (k: number): Float64Array | undefined => {
    const a = opened.get(k * c)
    const b = opened.get((k + 1) * c)
    return a && b ? flatDelta(a, b) : undefined
  }
  const checks: SegmentCheck[] = []
  for (const k of segments) {
    const before = opened.get(k * c) as ParamSet
    const after = opened.get((k + 1) * c) as ParamSet
    const claimed = delta(k) as Float64Array
    let end: ParamSet
    try {
      end = trainSegment(sha256, taskId, task, before, k * c, "fp32")
    } catch (e) {
      // Not a verdict on the worker: this verifier's backend cannot run the recompute (VER-TRAIN.13).
      return fail("TRAIN_RECOMPUTE_FAILED", e instanceof Error ? e.message.split("\n")[0] ?? "" : String(e), { step: k * c })
    }
    const recomputed = flatDelta(before, end)
    const slack = ulpAllowance(after, end, c)
    const m = updateMetrics(claimed, recomputed, policy.largeQuantile, slack)
    const v = policyViolations(m, policy)
    if (v.length > 0) {
      // VER-TRAIN.12: a failing update that matches another opened update is named a replay.
      for (const j of [k - 1, ...segments.filter((s) => s !== k)]) {
        const other = j >= 0 ? delta(j) : undefined
        if (other === undefined) continue
        const mr = updateMetrics(claimed, other, policy.largeQuantile, slack)
        if (policyViolations(mr, policy).length === 0)
          return fail("TRAIN_REPLAYED", `update of segment ${k} equals the update of segment ${j}; ${fmtViolations(m, v)}`, {
            step: k * c,
            metrics: m,
            violations: v,
          })
      }
      return fail("TRAIN_UPDATE_MISMATCH", `segment ${k} (steps ${k * c}..${(k + 1) * c}): ${fmtViolations(m, v)}`, {
        step: k * c,
        metrics: m,
        violations: v,
      })
    }
    checks.push({ step: k * c, metrics: m, recomputed: paramsHash(sha256, end) })
  }
  return Either.right({ segments, checks })
}

const fmtViolations = (m: UpdateMetrics, v: ReadonlyArray<keyof UpdateMetrics>): string =>
  v.map((k) => `${k}=${m[k].toExponential(3)}`).join(", ")

/** verifyTrainingAudit on the MlRuntime's backend. */
export const verifyTrainingAuditEffect = (
  sha256: Sha256,
  input: TrainingAuditInput,
): Effect.Effect<TrainingAuditReport, TrainingError, MlRuntime> =>
  Effect.gen(function* () {
    const rt = yield* MlRuntime
    const r = yield* rt.run(() => verifyTrainingAudit(sha256, input))
    return yield* r
  })
