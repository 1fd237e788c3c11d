// spec: VER-TRAIN.6, VER-TRAIN.8..12 (spec/15-training-verification.md); conformance/docs/training_verification.md
// Handlers of the "training_verification" suite (conformance/vectors/training_verification/<handler>/):
//   metrics       - no ML: checkpoint, claimed and recomputed end parameters -> the metrics of VER-TRAIN.10
//                   and the verdict of VER-TRAIN.11/12 under the stated thresholds (exact boundaries);
//   update_check  - one audited segment: model spec + seed, data set, batches, lr, checkpoint and claimed
//                   end parameters -> the verifier's fp32 recompute (VER-TRAIN.8, tfjs cpu here), metrics,
//                   verdict. Metrics are floats: `compare` accepts differences within the allowed error
//                   the case states and requires ok, code and violations exactly.
import { Effect } from "effect"
import { MlRuntime, MlRuntimeCpu } from "../../ml/Runtime.ts"
import { inputSize, makeDataset, paramLayout, specProblem, type ModelKind, type ModelSpec } from "../../ml/Models.ts"
import {
  MAX_BATCH,
  MAX_DATASET,
  MAX_LR_NANO,
  MAX_TRAIN_STEPS,
  flatDelta,
  gradientFor,
  policyViolations,
  sgdUpdate,
  ulpAllowance,
  updateMetrics,
  type ParamSet,
  type TolerancePolicy,
  type UpdateMetrics,
} from "../../ml/Training.ts"
import {
  ConformanceInputError,
  arr,
  field,
  genericCases,
  hexField,
  num,
  type CaseResult,
  type HandlerDef,
  type Json,
  type JsonObject,
} from "../Types.ts"

export const SUITE = "training_verification"
export const METRIC_NAMES = ["relL2", "cosDist", "maxRelLarge", "linf"] as const
export type MetricName = (typeof METRIC_NAMES)[number]

/** A metric as JSON: a finite number, or "Infinity" (Δ' = 0 with a nonzero error, VER-TRAIN.10). */
export const metricJson = (x: number): Json => (Number.isFinite(x) ? x : x === Infinity ? "Infinity" : "NaN")
const metricValue = (j: Json | undefined): number =>
  typeof j === "number" ? j : j === "Infinity" ? Infinity : j === "NaN" ? NaN : (() => { throw new ConformanceInputError(`metric ${JSON.stringify(j)} is not a number or "Infinity"`) })()

/** The codes a case can end with; reject = the verifier refuses the input, `ok: false` = a verdict on the worker. */
type RejectCode = "TRAIN_BAD_TASK" | "TRAIN_BAD_SHAPE" | "TRAIN_MALFORMED"
class Rejected extends Error {
  constructor(readonly code: RejectCode, detail: string) {
    super(detail)
  }
}

const obj = (input: Json, name: string): JsonObject => {
  const v = field(input, name)
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new ConformanceInputError(`input field ${name} is not an object`)
  return v as JsonObject
}
const isInt = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x)

/** Thresholds of the case's precision class (VER-TRAIN.11), as the policy file states them. */
export const policyThresholds = (input: Json): TolerancePolicy => {
  const t = obj(obj(input, "policy"), "thresholds")
  const n = (k: string): number => {
    const v = t[k]
    if (typeof v !== "number" || !(v >= 0)) throw new ConformanceInputError(`policy.thresholds.${k} is not a number >= 0`)
    return v
  }
  const q = n("largeQuantile")
  if (q > 1) throw new ConformanceInputError("policy.thresholds.largeQuantile > 1")
  return { relL2: n("relL2"), cosDist: n("cosDist"), maxRelLarge: n("maxRelLarge"), linf: n("linf"), largeQuantile: q }
}

/** Float32 little-endian bytes -> values; `n` the expected count (TRAIN_BAD_SHAPE), finite (TRAIN_MALFORMED). */
export const f32Field = (input: Json, name: string, n: number): Float32Array => {
  const b = hexField(input, name)
  if (b.length !== n * 4) throw new Rejected("TRAIN_BAD_SHAPE", `${name} has ${b.length} bytes, expected ${n * 4}`)
  const out = new Float32Array(n)
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  for (let i = 0; i < n; i++) {
    const v = dv.getFloat32(i * 4, true)
    if (!Number.isFinite(v)) throw new Rejected("TRAIN_MALFORMED", `${name}[${i}] is not finite`)
    out[i] = v
  }
  return out
}
const f32Count = (input: Json, name: string): number => {
  const b = hexField(input, name)
  if (b.length % 4 !== 0 || b.length === 0) throw new Rejected("TRAIN_BAD_SHAPE", `${name} has ${b.length} bytes, not a positive multiple of 4`)
  return b.length / 4
}
const bytesEqualF32 = (a: Float32Array, b: Float32Array): boolean => {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length)
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length)
  return ua.length === ub.length && ua.every((x, i) => x === ub[i])
}

/** One tensor holding flat values (the `metrics` handler has no model). */
const flatSet = (v: Float32Array): ParamSet => ({ names: ["theta"], shapes: [[v.length]], values: [v] })

/** A model's flat parameters as its tensors in paramLayout order (VER-TRAIN.3). */
export const splitParams = (spec: ModelSpec, flat: Float32Array): ParamSet => {
  const layout = paramLayout(spec)
  let o = 0
  const values = layout.map((p) => {
    const size = p.shape.reduce((a, b) => a * b, 1)
    const v = flat.slice(o, o + size)
    o += size
    return v
  })
  return { names: layout.map((p) => p.name), shapes: layout.map((p) => [...p.shape]), values }
}
export const paramCount = (spec: ModelSpec): number => paramLayout(spec).reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0)
export const flatParams = (p: ParamSet): Float32Array => {
  const out = new Float32Array(p.values.reduce((a, v) => a + v.length, 0))
  let o = 0
  for (const v of p.values) {
    out.set(v, o)
    o += v.length
  }
  return out
}

export interface SegmentOutcome {
  readonly ok: boolean
  readonly code?: "TRAIN_SKIPPED_STEP" | "TRAIN_REPLAYED" | "TRAIN_UPDATE_MISMATCH"
  readonly metrics: UpdateMetrics
  readonly violations: ReadonlyArray<MetricName>
}

/**
 * The verdict on one segment of c steps (VER-TRAIN.8, VER-TRAIN.10..12), given the recomputed end
 * θ'. The metrics compare Δ = claimed − before with Δ' = recomputed − before under the allowance of
 * c ulps; then, in order: claimed = before (bit-identical) is TRAIN_SKIPPED_STEP (VER-TRAIN.12 (1));
 * claimed = previous is TRAIN_REPLAYED (12 (2)); a violation is TRAIN_REPLAYED when Δ is within the
 * policy of the previous update before − previous (12 (3)), else TRAIN_UPDATE_MISMATCH.
 */
export const segmentVerdict = (
  before: ParamSet,
  claimed: ParamSet,
  recomputed: ParamSet,
  previous: ParamSet | undefined,
  c: number,
  policy: TolerancePolicy,
): SegmentOutcome => {
  const delta = flatDelta(before, claimed)
  const slack = ulpAllowance(claimed, recomputed, c)
  const metrics = updateMetrics(delta, flatDelta(before, recomputed), policy.largeQuantile, slack)
  const violations = policyViolations(metrics, policy)
  const same = (a: ParamSet, b: ParamSet) => a.values.every((v, i) => bytesEqualF32(v, b.values[i] as Float32Array))
  if (same(claimed, before)) return { ok: false, code: "TRAIN_SKIPPED_STEP", metrics, violations }
  if (previous !== undefined && same(claimed, previous)) return { ok: false, code: "TRAIN_REPLAYED", metrics, violations }
  if (violations.length === 0) return { ok: true, metrics, violations }
  if (previous !== undefined) {
    const mr = updateMetrics(delta, flatDelta(previous, before), policy.largeQuantile, slack)
    if (policyViolations(mr, policy).length === 0) return { ok: false, code: "TRAIN_REPLAYED", metrics, violations }
  }
  return { ok: false, code: "TRAIN_UPDATE_MISMATCH", metrics, violations }
}

export const outcomeJson = (o: SegmentOutcome): Json => ({
  ok: o.ok,
  ...(o.code !== undefined ? { code: o.code } : {}),
  metrics: Object.fromEntries(METRIC_NAMES.map((k) => [k, metricJson(o.metrics[k])])),
  violations: [...o.violations],
})

const guard = async (f: () => CaseResult | Promise<CaseResult>): Promise<CaseResult> => {
  try {
    return await f()
  } catch (e) {
    if (e instanceof Rejected) return { reject: e.code }
    throw e
  }
}

// ------------------------------------------------------------------------------------------------
// metrics

/** `metrics` (VER-TRAIN.10..12, no ML): {policy, interval, checkpoint, claimed, recomputed, previous?}. */
export const runMetrics = (input: Json): Promise<CaseResult> =>
  guard(() => {
    const policy = policyThresholds(input)
    const c = num(input, "interval")
    if (!isInt(c) || c < 1 || c > MAX_TRAIN_STEPS) throw new Rejected("TRAIN_BAD_TASK", `interval ${c} not in [1, ${MAX_TRAIN_STEPS}]`)
    const n = f32Count(input, "checkpoint")
    const before = flatSet(f32Field(input, "checkpoint", n))
    const claimed = flatSet(f32Field(input, "claimed", n))
    const recomputed = flatSet(f32Field(input, "recomputed", n))
    const previous = (input as JsonObject)["previous"] === undefined ? undefined : flatSet(f32Field(input, "previous", n))
    return { output: outcomeJson(segmentVerdict(before, claimed, recomputed, previous, c, policy)) }
  })

// ------------------------------------------------------------------------------------------------
// update_check

/** The model spec of a case (ML-MODEL.1); an invalid spec is TRAIN_BAD_TASK. */
export const modelSpecOf = (input: Json): ModelSpec => {
  const m = obj(input, "model")
  const shape = m["inputShape"]
  const spec = {
    kind: m["kind"] as ModelKind,
    inputShape: Array.isArray(shape) ? (shape as number[]) : [],
    classes: m["classes"] as number,
    hidden: m["hidden"] as number,
    seed: m["seed"] as number,
  }
  const p = specProblem(spec)
  if (p !== undefined) throw new Rejected("TRAIN_BAD_TASK", `model: ${p}`)
  return spec
}

/** VER-TRAIN.6 replayed c times from θ on the given batches of makeDataset(spec, seed, size), fp32, current backend. */
export const recomputeSegment = (
  spec: ModelSpec,
  dataset: { readonly seed: number; readonly size: number },
  batches: ReadonlyArray<ReadonlyArray<number>>,
  lr: number,
  theta: ParamSet,
  mode: "fp32" | "tf32" | "fp16" | "bf16" = "fp32",
): ParamSet => {
  const { x, y } = makeDataset(spec, dataset.seed, dataset.size)
  const d = inputSize(spec)
  let t = theta
  for (const idx of batches) {
    const bx = new Float32Array(idx.length * d)
    const by = new Float32Array(idx.length * spec.classes)
    idx.forEach((r, j) => {
      bx.set(x.subarray(r * d, (r + 1) * d), j * d)
      by[j * spec.classes + (y[r] as number)] = 1
    })
    t = sgdUpdate(t, gradientFor(spec, t, bx, by, mode), lr)
  }
  return t
}

/** Task-like inputs of update_check, range-checked as VER-TRAIN.1 does (TRAIN_BAD_TASK). */
export const segmentTask = (input: Json) => {
  const spec = modelSpecOf(input)
  const ds = obj(input, "dataset")
  const seed = ds["seed"]
  const size = ds["size"]
  if (!isInt(seed) || seed < 0 || seed > 0xffffffff) throw new Rejected("TRAIN_BAD_TASK", "dataset.seed is not a uint32")
  if (!isInt(size) || size < 1 || size > MAX_DATASET) throw new Rejected("TRAIN_BAD_TASK", `dataset.size not in [1, ${MAX_DATASET}]`)
  const lrNano = num(input, "lrNano")
  if (!isInt(lrNano) || lrNano < 1 || lrNano > MAX_LR_NANO) throw new Rejected("TRAIN_BAD_TASK", `lrNano not in [1, ${MAX_LR_NANO}]`)
  const batches = arr(input, "batches").map((b, i) => {
    if (!Array.isArray(b)) throw new ConformanceInputError(`batches[${i}] is not an array`)
    if (b.length < 1 || b.length > MAX_BATCH) throw new Rejected("TRAIN_BAD_TASK", `batch ${i} has ${b.length} examples, not in [1, ${MAX_BATCH}]`)
    for (const r of b) if (!isInt(r) || r < 0 || r >= size) throw new Rejected("TRAIN_BAD_TASK", `batch ${i}: index ${JSON.stringify(r)} not in [0, ${size})`)
    return b as number[]
  })
  if (batches.length < 1 || batches.length > MAX_TRAIN_STEPS) throw new Rejected("TRAIN_BAD_TASK", `${batches.length} batches (the interval c) not in [1, ${MAX_TRAIN_STEPS}]`)
  return { spec, dataset: { seed, size }, lrNano, lr: Math.fround(lrNano / 1e9), batches }
}

/**
 * `update_check` (VER-TRAIN.8..12): recompute the segment in fp32 on tfjs cpu from the checkpoint and
 * judge the claimed end parameters.
 */
export const runUpdateCheck = (input: Json): Promise<CaseResult> =>
  guard(async () => {
    const policy = policyThresholds(input)
    const t = segmentTask(input)
    const n = paramCount(t.spec)
    const before = splitParams(t.spec, f32Field(input, "checkpoint", n))
    const claimed = splitParams(t.spec, f32Field(input, "claimed", n))
    const previous = (input as JsonObject)["previous"] === undefined ? undefined : splitParams(t.spec, f32Field(input, "previous", n))
    // ML-RT.*: tfjs is reached through the MlRuntime service only (the cpu variant the vectors name)
    const recomputed = await Effect.runPromise(
      Effect.provide(Effect.flatMap(MlRuntime, (rt) => rt.run(() => recomputeSegment(t.spec, t.dataset, t.batches, t.lr, before))), MlRuntimeCpu),
    )
    return { output: outcomeJson(segmentVerdict(before, claimed, recomputed, previous, t.batches.length, policy)) }
  })

// ------------------------------------------------------------------------------------------------
// Comparison with the allowed error (both handlers)

/**
 * Allowed difference of a reported metric `a` from the expected `e` (conformance/docs/training_verification.md):
 * relL2, maxRelLarge, linf: |a − e| ≤ δ·(1 + |e|); cosDist: |a − e| ≤ δ·√(2|e|) + δ²/2. δ per metric is the
 * case's `allowedError`; "Infinity" must be matched exactly. `ok` and `code` must be equal; `violations`
 * too, except for a metric whose expected value is within its allowed error of its bound.
 */
export const metricWithin = (metric: MetricName, expected: number, actual: number, delta: number): boolean => {
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return Object.is(expected, actual)
  const bound = metric === "cosDist" ? delta * Math.sqrt(2 * Math.abs(expected)) + (delta * delta) / 2 : delta * (1 + Math.abs(expected))
  return Math.abs(actual - expected) <= bound
}

export const compareOutcome = (expected: CaseResult, actual: CaseResult, input: Json): string | undefined => {
  if ("reject" in expected || "reject" in actual) {
    const e = "reject" in expected ? `reject ${expected.reject}` : "an output"
    const a = "reject" in actual ? `reject ${actual.reject}` : "an output"
    return JSON.stringify(expected) === JSON.stringify(actual) ? undefined : `expected ${e}, got ${a}`
  }
  const eo = expected.output as JsonObject
  const ao = actual.output as JsonObject | null
  if (ao === null || typeof ao !== "object" || Array.isArray(ao)) return "output is not an object"
  if (ao["ok"] !== eo["ok"]) return `ok: expected ${String(eo["ok"])}, got ${String(ao["ok"])}`
  if (ao["code"] !== eo["code"]) return `code: expected ${String(eo["code"])}, got ${String(ao["code"])}`
  const allowed = obj(input, "allowedError")
  const t = policyThresholds(input)
  const em = eo["metrics"] as JsonObject
  const am = ao["metrics"] as JsonObject | undefined
  if (am === undefined || am === null || typeof am !== "object") return "output has no metrics"
  const ev = eo["violations"] as ReadonlyArray<Json>
  const av = ao["violations"]
  if (!Array.isArray(av) || av.some((k) => !METRIC_NAMES.includes(k as MetricName))) return `violations: ${JSON.stringify(av)} is not a list of metric names`
  for (const k of METRIC_NAMES) {
    const d = allowed[k]
    if (typeof d !== "number") throw new ConformanceInputError(`allowedError.${k} is not a number`)
    let a: number
    try {
      a = metricValue(am[k])
    } catch {
      return `metrics.${k}: ${JSON.stringify(am[k])} is not a number`
    }
    const e = metricValue(em[k])
    if (!metricWithin(k, e, a, d)) return `metrics.${k}: expected ${e} (allowed error δ = ${d}), got ${a}`
    // A metric within its allowed error of the bound may be reported on either side of it.
    if (ev.includes(k) !== av.includes(k) && !metricWithin(k, e, t[k], d))
      return `violations: expected ${JSON.stringify(ev)}, got ${JSON.stringify(av)} (${k} = ${e} is not within the allowed error of its bound ${t[k]})`
  }
  return undefined
}

const FORMAT_VERSION = "1"

export const handlers: ReadonlyArray<HandlerDef> = [
  {
    suite: SUITE,
    handler: "metrics",
    description:
      "Metrics of a claimed update against a given recomputed one (relL2, cosDist, maxRelLarge, linf after the c-ulp allowance) and the verdict under the stated thresholds: no ML, exact boundaries",
    spec: ["VER-TRAIN.10", "VER-TRAIN.11", "VER-TRAIN.12"],
    formatVersion: FORMAT_VERSION,
    cases: (file) => genericCases(file),
    run: runMetrics,
    compare: compareOutcome,
  },
  {
    suite: SUITE,
    handler: "update_check",
    description:
      "One audited segment: the verifier recomputes the SGD steps from the checkpoint in fp32 and judges the claimed end parameters by the tolerance policy of the precision class",
    spec: ["VER-TRAIN.6", "VER-TRAIN.8", "VER-TRAIN.9", "VER-TRAIN.10", "VER-TRAIN.11", "VER-TRAIN.12"],
    formatVersion: FORMAT_VERSION,
    cases: (file) => genericCases(file),
    run: runUpdateCheck,
    compare: compareOutcome,
  },
]

