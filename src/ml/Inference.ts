// spec: VER-INF.1..14 (spec/14-ml-runtime.md); paper §4.3
// Inference tasks, claims and their verification. An inference task is (model spec + measurement,
// batch of inputs); its output is the logits as little-endian float32 bytes. Three verifiers, each
// a pure function of (task, claimed output, seed) executed on the ML runtime:
//   spot checks  - re-execute k of n items chosen by a seeded sampler and compare (VER-INF.6..8);
//   consistency  - the same input, wherever it appears, must give the same output (VER-INF.9);
//   canaries     - known-answer tasks mixed into the stream at secret positions (VER-INF.10..12).
// Outputs are compared under one policy (VER-INF.5): byte equality on the same deterministic
// backend variant, a calibrated tolerance across variants.
import { Data, Effect, Either, Schema } from "effect"
import { toHex } from "../codec/Bytes.ts"
import { DOMAIN, tagged } from "../codec/Canonical.ts"
import { makeCodec } from "../codec/Codec.ts"
import { Hash32, Uint, boundedArray, boundedBytes } from "../domain/Primitives.ts"
import {
  MODEL_LIMITS,
  buildReferenceModel,
  float32ToLe,
  forward,
  inputSize,
  inputTensor,
  leToFloat32,
  makeDataset,
  modelHash,
  paramsToTensors,
  specProblem,
  type ModelSpec,
  type ReferenceModel,
} from "./Models.ts"
import { MlRuntime, type BackendVariant } from "./Runtime.ts"

type Sha256 = (b: Uint8Array) => Uint8Array

// ------------------------------------------------------------------------------------------------
// Parameters (VER-INF.1, VER-INF.5)

export const INFERENCE_TASK_VERSION = 1
/** Most items in one inference task. */
export const MAX_INFERENCE_ITEMS = 1024
/** Largest claimed output, n × classes × 4 bytes. */
export const MAX_OUTPUT_BYTES = 1 << 20
/** Inputs must be finite with |x| ≤ INPUT_BOUND: the domain over which the tolerance is calibrated. */
export const INPUT_BOUND = 4

/** Output comparison policy (VER-INF.5). */
export interface ComparisonPolicy {
  /** Absolute tolerance per logit. */
  readonly tauAbs: number
  /** Relative tolerance per logit (times |reference logit|). */
  readonly tauRel: number
  /** Variants whose results are bit-reproducible, so that the same variant must match byte for byte. */
  readonly exactVariants: ReadonlyArray<string>
}

/**
 * Default policy: τ_abs = τ_rel = 2e-5. Over 60 000 logits per model and input scale, cpu vs
 * wasm-simd differed by at most max|Δ|/(1+|ref|) = 4.5e-7 on the reference input distribution
 * U[-1,1) and 1.4e-6 at the input bound (inputs scaled ×4): τ is ≥ 14× every observed difference
 * (spec/14-ml-runtime.md, table VER-INF.5).
 */
export const DEFAULT_POLICY: ComparisonPolicy = { tauAbs: 2e-5, tauRel: 2e-5, exactVariants: ["cpu", "wasm-simd", "wasm"] }

// ------------------------------------------------------------------------------------------------
// Wire types (VER-INF.1..3)

export const ModelSpecWire = Schema.Struct({
  kind: Schema.Literal("mlp", "conv", "attention"),
  inputShape: boundedArray(Schema.Int.pipe(Schema.between(1, MODEL_LIMITS.maxDim)), 3),
  classes: Schema.Int.pipe(Schema.between(2, MODEL_LIMITS.maxClasses)),
  hidden: Schema.Int.pipe(Schema.between(1, MODEL_LIMITS.maxDim)),
  seed: Schema.Int.pipe(Schema.between(0, 0xffffffff)),
}).annotations({ identifier: "ModelSpec" })

/** An inference task (VER-INF.1): one byte string of float32 LE values per input item. */
export const InferenceTask = Schema.Struct({
  version: Uint,
  model: ModelSpecWire,
  modelHash: Hash32,
  inputs: boundedArray(boundedBytes(4 * MODEL_LIMITS.maxInputSize, "InferenceInput"), MAX_INFERENCE_ITEMS),
}).annotations({ identifier: "InferenceTask" })
export type InferenceTask = typeof InferenceTask.Type

/** A worker's claimed output (VER-INF.2): its backend variant and n × classes float32 LE logits. */
export const InferenceClaim = Schema.Struct({
  backend: Schema.String.pipe(Schema.maxLength(32)),
  logits: boundedBytes(MAX_OUTPUT_BYTES, "InferenceLogits"),
}).annotations({ identifier: "InferenceClaim" })
export type InferenceClaim = typeof InferenceClaim.Type

export const InferenceCodecs = {
  InferenceTask: makeCodec("InferenceTask", InferenceTask),
  InferenceClaim: makeCodec("InferenceClaim", InferenceClaim),
} as const

// ------------------------------------------------------------------------------------------------
// Errors and verdicts (VER-INF.13)

export const INFERENCE_ERROR_CODES = {
  INF_DECODE: "task or claim bytes are not the canonical encoding of the type",
  INF_BAD_TASK: "task decodes but is not a valid inference task (version, spec, item sizes, input values, output size)",
  INF_MODEL_MISMATCH: "task's modelHash is not the measurement of the reference model its spec describes",
  INF_MALFORMED_OUTPUT: "claimed output has the wrong length or a non-finite logit",
  INF_MISMATCH: "a re-executed item's logits differ from the claimed ones beyond the comparison policy",
  INF_INCONSISTENT: "the same input was answered with different outputs",
  INF_CANARY_FAILED: "a known-answer (canary) task was answered wrongly",
} as const
export type InferenceErrorCode = keyof typeof INFERENCE_ERROR_CODES
export type InferenceVerdictCode = "INF_MISMATCH" | "INF_INCONSISTENT" | "INF_CANARY_FAILED" | "INF_MALFORMED_OUTPUT"

export class InferenceError extends Data.TaggedError("InferenceError")<{
  readonly code: InferenceErrorCode
  readonly detail: string
}> {
  override get message(): string {
    return `${this.code}: ${INFERENCE_ERROR_CODES[this.code]}${this.detail ? ` (${this.detail})` : ""}`
  }
}

/** Outcome of a verifier. `item` is the index of the offending item in the task (or stream entry). */
export type InferenceVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: InferenceVerdictCode; readonly detail: string; readonly item: number }

export const VERDICT_OK: InferenceVerdict = { ok: true }
const fail = (code: InferenceVerdictCode, item: number, detail: string): InferenceVerdict => ({ ok: false, code, detail, item })

// ------------------------------------------------------------------------------------------------
// Reference models and measurements (cached; building a model is deterministic)

const specKey = (s: ModelSpec): string => `${s.kind}|${s.inputShape.join("x")}|${s.classes}|${s.hidden}|${s.seed}`
const models = new Map<string, ReferenceModel>()
const hashes = new WeakMap<Sha256, Map<string, Uint8Array>>()

/** The reference model of a (valid) spec, built once per process. */
export const referenceModel = (spec: ModelSpec): ReferenceModel => {
  const key = specKey(spec)
  let m = models.get(key)
  if (m === undefined) {
    m = buildReferenceModel(spec)
    models.set(key, m)
  }
  return m
}

/** modelHash of the reference model of a (valid) spec, cached per hash function. */
export const referenceModelHash = (sha256: Sha256, spec: ModelSpec): Uint8Array => {
  let byFn = hashes.get(sha256)
  if (byFn === undefined) {
    byFn = new Map()
    hashes.set(sha256, byFn)
  }
  const key = specKey(spec)
  let h = byFn.get(key)
  if (h === undefined) {
    h = modelHash(referenceModel(spec), sha256)
    byFn.set(key, h)
  }
  return h
}

// ------------------------------------------------------------------------------------------------
// Tasks (VER-INF.1, VER-INF.3)

/** Inputs drawn from the reference input distribution U[-1,1) (makeDataset's x), n items, flat. */
export const drawInputs = (spec: ModelSpec, seed: number, n: number): Float32Array => makeDataset(spec, seed, n).x

/** Build a task for `spec` from flat inputs (n × inputSize values). */
export const makeInferenceTask = (sha256: Sha256, spec: ModelSpec, inputs: Float32Array): InferenceTask => {
  const d = inputSize(spec)
  const items: Uint8Array[] = []
  for (let i = 0; i + d <= inputs.length; i += d) items.push(float32ToLe(inputs.subarray(i, i + d)))
  return {
    version: INFERENCE_TASK_VERSION,
    model: { kind: spec.kind, inputShape: [...spec.inputShape], classes: spec.classes, hidden: spec.hidden, seed: spec.seed },
    modelHash: referenceModelHash(sha256, spec),
    inputs: items,
  }
}

const infFail = (code: InferenceErrorCode, detail: string) => Either.left(new InferenceError({ code, detail }))

/** Semantic validation of a decoded task (VER-INF.3). Never throws. */
export const validateInferenceTask = (sha256: Sha256, task: InferenceTask): Either.Either<InferenceTask, InferenceError> => {
  if (task.version !== INFERENCE_TASK_VERSION) return infFail("INF_BAD_TASK", `unsupported version ${task.version}`)
  const problem = specProblem(task.model)
  if (problem !== undefined) return infFail("INF_BAD_TASK", problem)
  const n = task.inputs.length
  if (n === 0) return infFail("INF_BAD_TASK", "no input items")
  if (n * task.model.classes * 4 > MAX_OUTPUT_BYTES) return infFail("INF_BAD_TASK", "output would exceed MAX_OUTPUT_BYTES")
  const want = inputSize(task.model) * 4
  for (let i = 0; i < n; i++) {
    const item = task.inputs[i] as Uint8Array
    if (item.length !== want) return infFail("INF_BAD_TASK", `item ${i} has ${item.length} bytes, expected ${want}`)
    const v = leToFloat32(item) as Float32Array
    for (let j = 0; j < v.length; j++) {
      const x = v[j] as number
      if (!(Math.abs(x) <= INPUT_BOUND)) return infFail("INF_BAD_TASK", `item ${i} value ${j} is not finite in [-${INPUT_BOUND}, ${INPUT_BOUND}]`)
    }
  }
  const h = referenceModelHash(sha256, task.model)
  if (toHex(h) !== toHex(task.modelHash)) return infFail("INF_MODEL_MISMATCH", `expected ${toHex(h)}`)
  return Either.right(task)
}

export const encodeInferenceTask = (task: InferenceTask): Uint8Array => InferenceCodecs.InferenceTask.encode(task)

/** Decode and validate untrusted task bytes (VER-INF.3). Never throws. */
export const decodeInferenceTask = (sha256: Sha256, bytes: Uint8Array): Either.Either<InferenceTask, InferenceError> => {
  const r = InferenceCodecs.InferenceTask.decode(bytes)
  if (Either.isLeft(r)) return infFail("INF_DECODE", r.left.message)
  return validateInferenceTask(sha256, r.right)
}

export const encodeInferenceClaim = (claim: InferenceClaim): Uint8Array => InferenceCodecs.InferenceClaim.encode(claim)

/** Decode untrusted claim bytes (VER-INF.2); the logits are checked against a task by the verifiers. */
export const decodeInferenceClaim = (bytes: Uint8Array): Either.Either<InferenceClaim, InferenceError> =>
  Either.mapLeft(InferenceCodecs.InferenceClaim.decode(bytes), (e) => new InferenceError({ code: "INF_DECODE", detail: e.message }))

/** Task id = input hash = SHA-256(tagged("POAI/v1/inf-task", canonical task bytes)) (VER-INF.4). */
export const inferenceTaskHash = (sha256: Sha256, task: InferenceTask): Uint8Array =>
  sha256(tagged(DOMAIN.infTask, encodeInferenceTask(task)))

/** Output hash = SHA-256(tagged("POAI/v1/inf-output", logits bytes)) (VER-INF.4). */
export const inferenceOutputHash = (sha256: Sha256, logits: Uint8Array): Uint8Array => sha256(tagged(DOMAIN.infOutput, logits))

/** The task's inputs for items `idx` (all when omitted), flat float32. */
export const taskInputs = (task: InferenceTask, idx?: ReadonlyArray<number>): Float32Array => {
  const d = inputSize(task.model)
  const which = idx ?? task.inputs.map((_, i) => i)
  const out = new Float32Array(which.length * d)
  which.forEach((i, k) => out.set(leToFloat32(task.inputs[i] as Uint8Array) as Float32Array, k * d))
  return out
}

// ------------------------------------------------------------------------------------------------
// Execution (VER-INF.2)

/** Logits [n × classes] of the reference model of `spec` on flat inputs, on the runtime's backend. */
export const executeModel = (spec: ModelSpec, inputs: Float32Array): Effect.Effect<Float32Array, never, MlRuntime> =>
  Effect.flatMap(MlRuntime, (rt) => {
    const model = referenceModel(spec)
    return rt.run(() => Float32Array.from(forward(spec, paramsToTensors(model), inputTensor(spec, inputs)).dataSync() as Float32Array))
  })

/** The honest worker: run the whole task and claim the result with the runtime's variant. */
export const runInference = (task: InferenceTask): Effect.Effect<InferenceClaim, never, MlRuntime> =>
  Effect.flatMap(MlRuntime, (rt) =>
    Effect.map(executeModel(task.model, taskInputs(task)), (logits) => ({ backend: rt.variant, logits: float32ToLe(logits) })),
  )

// ------------------------------------------------------------------------------------------------
// Comparison (VER-INF.5)

/** Output shape check (VER-INF.2): n × classes finite float32 values, or INF_MALFORMED_OUTPUT. */
export const claimedLogits = (task: InferenceTask, claim: InferenceClaim): Either.Either<Float32Array, InferenceVerdict> => {
  const want = task.inputs.length * task.model.classes * 4
  if (!(claim.logits instanceof Uint8Array) || claim.logits.length !== want)
    return Either.left(fail("INF_MALFORMED_OUTPUT", -1, `logits have ${claim.logits?.length} bytes, expected ${want}`))
  const v = leToFloat32(claim.logits) as Float32Array
  for (let i = 0; i < v.length; i++)
    if (!Number.isFinite(v[i] as number))
      return Either.left(fail("INF_MALFORMED_OUTPUT", Math.floor(i / task.model.classes), `logit ${i} is not finite`))
  return Either.right(v)
}

const argmax = (v: Float32Array): number => {
  let best = 0
  for (let i = 1; i < v.length; i++) if ((v[i] as number) > (v[best] as number)) best = i
  return best
}

/** Where and why one item's logits fail VER-INF.5: the first failing logit (−1 for a length difference) and the rule. */
export interface LogitMismatch {
  readonly logit: number
  readonly rule: "length" | "exact" | "tolerance" | "argmax"
  readonly detail: string
}

/**
 * The first failure of VER-INF.5 for one item, or undefined when the claimed logits agree with the
 * reference ones. `exact` when both were produced by the same deterministic variant.
 */
export const logitMismatch = (
  ref: Float32Array,
  claimed: Float32Array,
  exact: boolean,
  policy: ComparisonPolicy = DEFAULT_POLICY,
): LogitMismatch | undefined => {
  if (ref.length !== claimed.length) return { logit: -1, rule: "length", detail: `length ${claimed.length} != ${ref.length}` }
  if (exact) {
    for (let c = 0; c < ref.length; c++)
      if (!Object.is(ref[c], claimed[c])) return { logit: c, rule: "exact", detail: `logit ${c}: ${claimed[c]} != ${ref[c]} (exact comparison)` }
    return undefined
  }
  let tolSum = 0
  for (let c = 0; c < ref.length; c++) {
    const r = ref[c] as number
    const d = Math.abs((claimed[c] as number) - r)
    const tol = policy.tauAbs + policy.tauRel * Math.abs(r)
    if (!(d <= tol)) return { logit: c, rule: "tolerance", detail: `logit ${c}: |${claimed[c]} - ${r}| = ${d} > ${tol}` }
    tolSum = Math.max(tolSum, tol)
  }
  // Implied by the per-logit bound, checked explicitly: the argmax may differ only inside a near tie.
  const a = argmax(ref)
  const b = argmax(claimed)
  if (a !== b && (ref[a] as number) - (ref[b] as number) > 2 * tolSum) return { logit: b, rule: "argmax", detail: `argmax ${b} != ${a} outside a near tie` }
  return undefined
}

/**
 * Compare one item's claimed logits with reference logits (VER-INF.5). Returns undefined when they
 * agree, else a description. `exact` when both were produced by the same deterministic variant.
 */
export const compareLogits = (
  ref: Float32Array,
  claimed: Float32Array,
  exact: boolean,
  policy: ComparisonPolicy = DEFAULT_POLICY,
): string | undefined => logitMismatch(ref, claimed, exact, policy)?.detail

/** Whether a claim made on `claimed` must match a verifier on `verifier` byte for byte. */
export const exactComparison = (claimed: string, verifier: string, policy: ComparisonPolicy = DEFAULT_POLICY): boolean =>
  claimed === verifier && policy.exactVariants.includes(verifier)

// ------------------------------------------------------------------------------------------------
// Spot checks (VER-INF.6..8)

/**
 * The spot-check sample (VER-INF.6): k distinct indices of [0, n) by a partial Fisher–Yates shuffle.
 * Draw j is r_j = uint64be(SHA-256(tagged("POAI/v1/inf-sample", seed || taskId || uint32be(j)))[0..8]);
 * swap a[j] with a[j + (r_j mod (n − j))]; the sample is a[0..k) (k clamped to n).
 */
export const sampleIndices = (sha256: Sha256, seed: Uint8Array, taskId: Uint8Array, n: number, k: number): number[] => {
  const kk = Math.max(0, Math.min(k, n))
  const a = Array.from({ length: n }, (_, i) => i)
  const pre = new Uint8Array(seed.length + taskId.length + 4)
  pre.set(seed, 0)
  pre.set(taskId, seed.length)
  const dv = new DataView(pre.buffer)
  for (let j = 0; j < kk; j++) {
    dv.setUint32(seed.length + taskId.length, j, false)
    const h = sha256(tagged(DOMAIN.infSample, pre))
    const r = new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0, false)
    const s = j + Number(r % BigInt(n - j))
    const t = a[j] as number
    a[j] = a[s] as number
    a[s] = t
  }
  return a.slice(0, kk)
}

/**
 * Exact probability that k distinct samples of n items hit at least one of m bad items (VER-INF.7):
 * 1 − C(n−m, k)/C(n, k) = 1 − Π_{i<k} (n−m−i)/(n−i); ≈ 1 − (1−f)^k with f = m/n.
 */
export const detectionProbability = (n: number, m: number, k: number): number => {
  const kk = Math.min(k, n)
  let miss = 1
  for (let i = 0; i < kk; i++) miss *= Math.max(0, n - m - i) / (n - i)
  return 1 - miss
}

/** Smallest k with 1 − (1−f)^k ≥ target (with-replacement bound; the exact k is never larger). */
export const samplesForDetection = (f: number, target: number): number =>
  f >= 1 ? 1 : f <= 0 ? Infinity : Math.ceil(Math.log(1 - target) / Math.log(1 - f))

export interface SpotCheckOptions {
  readonly policy?: ComparisonPolicy
  /** inferenceTaskHash(task), when the caller already has it (saves hashing the whole task). */
  readonly taskId?: Uint8Array
}

/**
 * Spot check (VER-INF.8): validate the claimed output's shape, re-execute the k sampled items on the
 * runtime and compare each under the policy. `seed` is the beacon-derived audit seed, unknown to the
 * worker when it committed to the claim. The task must be valid (validateInferenceTask).
 */
export const spotCheck = (
  sha256: Sha256,
  task: InferenceTask,
  claim: InferenceClaim,
  seed: Uint8Array,
  k: number,
  options: SpotCheckOptions = {},
): Effect.Effect<InferenceVerdict, never, MlRuntime> =>
  Effect.gen(function* () {
    const policy = options.policy ?? DEFAULT_POLICY
    const claimed = claimedLogits(task, claim)
    if (Either.isLeft(claimed)) return claimed.left
    const rt = yield* MlRuntime
    const taskId = options.taskId ?? inferenceTaskHash(sha256, task)
    const idx = sampleIndices(sha256, seed, taskId, task.inputs.length, k)
    if (idx.length === 0) return VERDICT_OK
    const ref = yield* executeModel(task.model, taskInputs(task, idx))
    const c = task.model.classes
    const exact = exactComparison(claim.backend, rt.variant, policy)
    for (let s = 0; s < idx.length; s++) {
      const i = idx[s] as number
      const why = compareLogits(ref.subarray(s * c, (s + 1) * c), claimed.right.subarray(i * c, (i + 1) * c), exact, policy)
      if (why !== undefined) return fail("INF_MISMATCH", i, `item ${i} (${claim.backend} vs ${rt.variant}): ${why}`)
    }
    return VERDICT_OK
  })

/**
 * The output hash an auditor reports (VER-INF.14): the claim's when the verdict is ok, otherwise the
 * output hash of the empty byte string, which no valid claim has.
 */
export const auditedOutputHash = (sha256: Sha256, claim: InferenceClaim, verdict: InferenceVerdict): Uint8Array =>
  inferenceOutputHash(sha256, verdict.ok ? claim.logits : new Uint8Array(0))

// ------------------------------------------------------------------------------------------------
// Consistency (VER-INF.9)

export interface AnsweredTask {
  readonly task: InferenceTask
  readonly claim: InferenceClaim
}

/**
 * Consistency (VER-INF.9): every occurrence of the same (modelHash, input item bytes) among the
 * answered tasks must carry the same logits as its first occurrence under the policy (exact when
 * both claims name the same deterministic variant). No re-execution. `item` in a failure is the
 * flat position Σ_{e<entry} n_e + i of the later occurrence.
 */
export const checkConsistency = (entries: ReadonlyArray<AnsweredTask>, policy: ComparisonPolicy = DEFAULT_POLICY): InferenceVerdict => {
  const first = new Map<string, { logits: Float32Array; backend: string; where: string }>()
  let base = 0
  for (let e = 0; e < entries.length; e++) {
    const { task, claim } = entries[e] as AnsweredTask
    const claimed = claimedLogits(task, claim)
    if (Either.isLeft(claimed)) {
      const v = claimed.left as Extract<InferenceVerdict, { ok: false }>
      return { ...v, item: base + Math.max(0, v.item), detail: `entry ${e}: ${v.detail}` }
    }
    const c = task.model.classes
    const mh = toHex(task.modelHash)
    for (let i = 0; i < task.inputs.length; i++) {
      const key = `${mh}:${toHex(task.inputs[i] as Uint8Array)}`
      const logits = claimed.right.subarray(i * c, (i + 1) * c)
      const prev = first.get(key)
      if (prev === undefined) {
        first.set(key, { logits, backend: claim.backend, where: `entry ${e} item ${i}` })
        continue
      }
      const why = compareLogits(prev.logits, logits, exactComparison(claim.backend, prev.backend, policy), policy)
      if (why !== undefined) return fail("INF_INCONSISTENT", base + i, `entry ${e} item ${i} vs ${prev.where}: ${why}`)
    }
    base += task.inputs.length
  }
  return VERDICT_OK
}

// ------------------------------------------------------------------------------------------------
// Canaries (VER-INF.10..12)

/** A known-answer task: the verifier precomputed `expected` on its own runtime variant. */
export interface Canary {
  readonly task: InferenceTask
  readonly expected: Float32Array
  readonly variant: BackendVariant
}

/**
 * Make a canary (VER-INF.10) from inputs drawn from the same distribution as real tasks, with the
 * answer computed now by the verifier on its runtime.
 */
export const makeCanary = (sha256: Sha256, spec: ModelSpec, inputs: Float32Array): Effect.Effect<Canary, never, MlRuntime> =>
  Effect.gen(function* () {
    const rt = yield* MlRuntime
    const task = makeInferenceTask(sha256, spec, inputs)
    const expected = yield* executeModel(spec, inputs)
    return { task, expected, variant: rt.variant }
  })

/**
 * Mix canaries into a stream of real tasks (VER-INF.11): with T = real + canaries, the canaries take
 * the positions sampleIndices(secret, "canary", T, #canaries) in order, the real tasks keep their
 * order in the remaining positions. `secret` is the verifier's private seed, never the beacon.
 */
export const buildTaskStream = (
  sha256: Sha256,
  real: ReadonlyArray<InferenceTask>,
  canaries: ReadonlyArray<Canary>,
  secret: Uint8Array,
): { readonly stream: ReadonlyArray<InferenceTask>; readonly canaryAt: ReadonlyMap<number, Canary> } => {
  const total = real.length + canaries.length
  const positions = sampleIndices(sha256, secret, new TextEncoder().encode("canary"), total, canaries.length)
  const canaryAt = new Map<number, Canary>()
  positions.forEach((p, j) => canaryAt.set(p, canaries[j] as Canary))
  const stream: InferenceTask[] = []
  let r = 0
  for (let p = 0; p < total; p++) {
    const c = canaryAt.get(p)
    stream.push(c !== undefined ? c.task : (real[r++] as InferenceTask))
  }
  return { stream, canaryAt }
}

/** Check a worker's answer to a canary (VER-INF.12). No re-execution: the answer is known. */
export const checkCanary = (canary: Canary, claim: InferenceClaim, policy: ComparisonPolicy = DEFAULT_POLICY): InferenceVerdict => {
  const claimed = claimedLogits(canary.task, claim)
  if (Either.isLeft(claimed)) return claimed.left
  const c = canary.task.model.classes
  const exact = exactComparison(claim.backend, canary.variant, policy)
  for (let i = 0; i < canary.task.inputs.length; i++) {
    const why = compareLogits(canary.expected.subarray(i * c, (i + 1) * c), claimed.right.subarray(i * c, (i + 1) * c), exact, policy)
    if (why !== undefined) return fail("INF_CANARY_FAILED", i, `canary item ${i}: ${why}`)
  }
  return VERDICT_OK
}

/** Check the answers to a whole stream: canaries by their known answers (VER-INF.12). */
export const checkStreamCanaries = (
  canaryAt: ReadonlyMap<number, Canary>,
  claims: ReadonlyArray<InferenceClaim>,
  policy: ComparisonPolicy = DEFAULT_POLICY,
): InferenceVerdict => {
  for (const [p, canary] of [...canaryAt.entries()].sort((a, b) => a[0] - b[0])) {
    const claim = claims[p]
    if (claim === undefined) return fail("INF_CANARY_FAILED", p, `no answer for stream entry ${p}`)
    const v = checkCanary(canary, claim, policy)
    if (!v.ok) return { ...v, item: p, detail: `stream entry ${p}: ${v.detail}` }
  }
  return VERDICT_OK
}

