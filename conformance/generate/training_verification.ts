// Generator of the "training_verification" suite: writes <outRoot>/training_verification/<handler>/*.json
// (deterministic). Every case states what it was built to show (accepted, or rejected with a code); the
// generator computes the result with the implementation and throws when the two differ, when a metric
// sits within the allowed error of its threshold (the verdict would not be robust), or when a second
// verifier (tfjs wasm) disagrees beyond the allowed error. Format: conformance/docs/training_verification.md.
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { buildReferenceModel, splitmix32, uniformPm1, type ModelSpec } from "../../src/ml/Models.ts"
import { backendVariant, withBackend } from "../../src/ml/Runtime.ts"
import { TOLERANCE_POLICY_PATH, type PrecisionClass, type ParamSet, type TolerancePolicy } from "../../src/ml/Training.ts"
import { genericFile, hex, type CaseResult, type Json, type JsonObject } from "../../src/conformance/Types.ts"
import {
  METRIC_NAMES,
  SUITE,
  compareOutcome,
  flatParams,
  metricWithin,
  outcomeJson,
  recomputeSegment,
  runMetrics,
  runUpdateCheck,
  segmentVerdict,
  splitParams,
  type MetricName,
} from "../../src/conformance/suites/training_verification.ts"
import { writeVector } from "./write.ts"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const TFJS = "tfjs 4.22.0"

// ------------------------------------------------------------------------------------------------
// The policy file, cited by path and SHA-256

interface PolicyClass extends TolerancePolicy {
  readonly honestMax: Record<MetricName, number>
}
const policyBytes = fs.readFileSync(path.join(ROOT, TOLERANCE_POLICY_PATH))
const POLICY = JSON.parse(policyBytes.toString("utf8")) as { order: PrecisionClass[]; classes: Record<PrecisionClass, PolicyClass> }
const POLICY_SHA256 = createHash("sha256").update(policyBytes).digest("hex")

const thresholds = (cls: PrecisionClass): TolerancePolicy => {
  const c = POLICY.classes[cls]
  return { relL2: c.relL2, cosDist: c.cosDist, maxRelLarge: c.maxRelLarge, linf: c.linf, largeQuantile: c.largeQuantile }
}
const policyJson = (cls: PrecisionClass): Json => ({
  path: TOLERANCE_POLICY_PATH,
  sha256: POLICY_SHA256,
  class: cls,
  thresholds: thresholds(cls) as unknown as Json,
})

const roundUp2 = (x: number): number => {
  const e = Math.floor(Math.log10(x)) - 1
  return Math.ceil(x / 10 ** e) * 10 ** e
}
/**
 * Allowed metric error of update_check: δ = the largest disagreement of two honest fp32 backends the
 * policy's measurement saw (honestMax of fp32: wasm worker vs cpu verifier and back), rounded up to two
 * digits. cosDist takes relL2's δ as a bound on the angle between two verifiers' Δ'
 * (|Δ cosDist| ≤ sin θ·δ + δ²/2 ≤ δ·√(2·cosDist) + δ²/2).
 */
const h = POLICY.classes.fp32.honestMax
export const UPDATE_ALLOWED: Record<MetricName, number> = {
  relL2: roundUp2(h.relL2),
  cosDist: roundUp2(h.relL2),
  maxRelLarge: roundUp2(h.maxRelLarge),
  linf: roundUp2(h.linf),
}
/** Allowed metric error of `metrics` (float64 arithmetic only; summation order may differ). */
export const METRICS_ALLOWED: Record<MetricName, number> = { relL2: 1e-12, cosDist: 1e-12, maxRelLarge: 1e-12, linf: 1e-12 }

const CLASSES: ReadonlyArray<PrecisionClass> = ["fp32", "tf32", "fp16", "bf16"]

// ------------------------------------------------------------------------------------------------
// Helpers

const f32hex = (v: Float32Array): string => {
  const out = new Uint8Array(v.length * 4)
  const dv = new DataView(out.buffer)
  for (let i = 0; i < v.length; i++) dv.setFloat32(i * 4, v[i] as number, true)
  return hex(out)
}

interface Designed {
  readonly name: string
  readonly description: string
  readonly input: Json
  /** What the case was built to show. */
  readonly expect: { readonly ok: true } | { readonly ok: false; readonly code: string } | { readonly reject: string }
}

const checkDesigned = (where: string, d: Designed, r: CaseResult): void => {
  const e = d.expect
  if ("reject" in e) {
    if (!("reject" in r) || r.reject !== e.reject) throw new Error(`${where}/${d.name}: designed reject ${e.reject}, got ${JSON.stringify(r)}`)
    return
  }
  if ("reject" in r) throw new Error(`${where}/${d.name}: designed ${JSON.stringify(e)}, got reject ${r.reject}`)
  const o = r.output as JsonObject
  if (o["ok"] !== e.ok || (!e.ok && o["code"] !== e.code))
    throw new Error(`${where}/${d.name}: designed ${JSON.stringify(e)}, got ${JSON.stringify(o)}`)
}

/**
 * The verdict must not depend on a metric's allowed error: an accepted case has every metric below its
 * bound by more than the allowed error, a TRAIN_UPDATE_MISMATCH at least one metric above by more.
 */
const checkRobust = (where: string, d: Designed, r: CaseResult, policy: TolerancePolicy, allowed: Record<MetricName, number>): void => {
  if ("reject" in r) return
  const o = r.output as JsonObject
  const m = o["metrics"] as JsonObject
  const v = (k: MetricName) => (m[k] === "Infinity" ? Infinity : (m[k] as number))
  const clearlyBelow = (k: MetricName) => v(k) <= policy[k] && !metricWithin(k, v(k), policy[k], allowed[k])
  const clearlyAbove = (k: MetricName) => v(k) > policy[k] && (!Number.isFinite(v(k)) || !metricWithin(k, v(k), policy[k], allowed[k]))
  if (o["ok"] === true && !METRIC_NAMES.every(clearlyBelow))
    throw new Error(`${where}/${d.name}: accepted, but not every metric is below its bound by more than the allowed error: ${JSON.stringify(m)}`)
  if (o["code"] === "TRAIN_UPDATE_MISMATCH" && !METRIC_NAMES.some(clearlyAbove))
    throw new Error(`${where}/${d.name}: rejected, but no metric is above its bound by more than the allowed error: ${JSON.stringify(m)}`)
}

const finish = async (
  outRoot: string,
  handler: "metrics" | "update_check",
  file: string,
  description: string,
  spec: ReadonlyArray<string>,
  designed: ReadonlyArray<Designed>,
  run: (input: Json) => Promise<CaseResult>,
  allowed: Record<MetricName, number>,
  policyOf: (d: Designed) => TolerancePolicy | undefined,
  second?: (d: Designed) => Promise<CaseResult | undefined>,
): Promise<void> => {
  const where = `${SUITE}/${handler}/${file}`
  const cases = []
  for (const d of designed) {
    const r = await run(d.input)
    checkDesigned(where, d, r)
    const p = policyOf(d)
    if (p !== undefined) checkRobust(where, d, r, p, allowed)
    if (second !== undefined) {
      const r2 = await second(d)
      if (r2 !== undefined) {
        const diff = compareOutcome(r, r2, d.input)
        if (diff !== undefined) throw new Error(`${where}/${d.name}: the wasm verifier disagrees: ${diff}`)
      }
    }
    cases.push({ name: d.name, description: d.description, input: d.input, result: r })
  }
  writeVector(outRoot, SUITE, handler, `${file}.json`, genericFile(SUITE, handler, description, spec, cases))
}

/** Smallest (above) or largest (below) scale s in [0, hi] with metric(s) > target (resp. ≤ target), by bisection. */
const bisect = (metric: (s: number) => number, target: number, side: "above" | "below"): number => {
  let lo = 0
  let hi = 1e-9
  while (!(metric(hi) > target)) {
    hi *= 2
    if (hi > 1e6) throw new Error("bisect: target not reached")
  }
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2
    if (metric(mid) > target) hi = mid
    else lo = mid
  }
  return side === "above" ? hi : lo
}

/** The boundary of a monotone predicate on s ≥ 0: `above` = the smallest s found with p(s) (returned when true), else the largest s with !p(s). */
const bisectPredicate = (p: (s: number) => boolean, returnTrueSide: boolean): number => {
  let lo = 0
  let hi = 1e-9
  while (!p(hi)) {
    hi *= 2
    if (hi > 1e6) throw new Error("bisectPredicate: never true")
  }
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2
    if (p(mid)) hi = mid
    else lo = mid
  }
  return returnTrueSide ? hi : lo
}

/** Deterministic uniform values in [-1, 1) (ML-MODEL.3's splitmix32 + uniformPm1). */
const uniforms = (seed: number, n: number): Float64Array => {
  const next = splitmix32(seed)
  return Float64Array.from({ length: n }, () => uniformPm1(next()))
}
const rms = (v: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2
  return Math.sqrt(s / v.length)
}

// ------------------------------------------------------------------------------------------------
// metrics: synthetic vectors, exact boundaries per class and metric

const N_SYN = 256

/** θ small (|θ| < 0.02), Δ' up to 0.1 with varied magnitudes: errors at the fp32 thresholds exceed the ulp allowance. */
const synthetic = (seed: number, spikes = 0) => {
  const u = uniforms(seed, 3 * N_SYN)
  const before = Float32Array.from({ length: N_SYN }, (_, j) => 0.02 * (u[j] as number))
  // `spikes` coordinates 30x larger: max|Δ'| and ‖Δ'‖ far above the large set's smallest member
  const step = Float64Array.from({ length: N_SYN }, (_, j) => (j < spikes ? 30 : 1) * 0.1 * (u[N_SYN + j] as number) * (0.2 + Math.abs(u[2 * N_SYN + j] as number)))
  const recomputed = Float32Array.from(before, (b, j) => b + (step[j] as number))
  const delta = Float64Array.from(recomputed, (r, j) => r - (before[j] as number))
  return { before, recomputed, delta }
}

const metricsInput = (cls: PrecisionClass, c: number, before: Float32Array, claimed: Float32Array, recomputed: Float32Array, previous?: Float32Array): Json => ({
  policy: policyJson(cls),
  interval: c,
  checkpoint: f32hex(before),
  claimed: f32hex(claimed),
  recomputed: f32hex(recomputed),
  ...(previous !== undefined ? { previous: f32hex(previous) } : {}),
  allowedError: METRICS_ALLOWED as unknown as Json,
})

const syncOutcome = (cls: PrecisionClass, c: number, before: Float32Array, claimed: Float32Array, recomputed: Float32Array) => {
  const one = (v: Float32Array): ParamSet => ({ names: ["theta"], shapes: [[v.length]], values: [v] })
  return segmentVerdict(one(before), one(claimed), one(recomputed), undefined, c, thresholds(cls))
}

/** Error directions that move one metric first: relL2 (spread), cosDist (orthogonal to Δ'), maxRelLarge, linf (one coordinate). */
const direction = (metric: MetricName, delta: Float64Array, seed: number, q: number): Float64Array => {
  const n = delta.length
  const u = uniforms(seed, n)
  const absD = Float64Array.from(delta, Math.abs)
  const sorted = Float64Array.from(absD).sort()
  const qv = sorted[Math.min(n - 1, Math.floor(q * n))] as number
  switch (metric) {
    case "relL2":
      // along Δ' (a scaled update): relL2 grows, the angle stays 0
      return Float64Array.from(delta)
    case "cosDist": {
      // orthogonal to Δ': cosDist ≈ relL2² / 2 reaches its bound while relL2 is below its own
      let dot = 0
      let dd = 0
      for (let j = 0; j < n; j++) {
        dot += (u[j] as number) * (delta[j] as number)
        dd += (delta[j] as number) ** 2
      }
      return Float64Array.from(u, (x, j) => x - (dot / dd) * (delta[j] as number))
    }
    case "maxRelLarge": {
      // the smallest coordinate of the large set, moved relative to itself
      let jj = -1
      for (let j = 0; j < n; j++) if ((absD[j] as number) >= qv && (jj < 0 || (absD[j] as number) < (absD[jj] as number))) jj = j
      const out = new Float64Array(n)
      out[jj] = delta[jj] as number
      return out
    }
    case "linf": {
      // a small coordinate (outside the large set) moved by a fraction of max|Δ'|
      let jj = -1
      for (let j = 0; j < n; j++) if ((absD[j] as number) < qv && (jj < 0 || (absD[j] as number) > (absD[jj] as number))) jj = j
      const mx = sorted[n - 1] as number
      const out = new Float64Array(n)
      out[jj] = mx
      return out
    }
  }
}

const metricsDesigned = (cls: PrecisionClass): Designed[] => {
  const t = thresholds(cls)
  const out: Designed[] = []
  METRIC_NAMES.forEach((metric, mi) => {
    const { before, recomputed, delta } = synthetic(100 + mi, metric === "maxRelLarge" ? 2 : 0)
    const dir = direction(metric, delta, 200 + mi, t.largeQuantile)
    const claimedAt = (s: number) => Float32Array.from(recomputed, (r, j) => r + s * (dir[j] as number))
    const value = (s: number) => syncOutcome(cls, 1, before, claimedAt(s), recomputed).metrics[metric]
    for (const side of ["below", "above"] as const) {
      const s = bisect(value, t[metric], side)
      const claimed = claimedAt(s)
      const m = syncOutcome(cls, 1, before, claimed, recomputed)
      const v = m.metrics[metric]
      const rel = (v - t[metric]) / t[metric]
      if (side === "below" ? !(v <= t[metric] && rel > -5e-2) : !(v > t[metric] && rel < 5e-2))
        throw new Error(`metrics/${cls}: ${metric} ${side}: ${v} is not just ${side} ${t[metric]}`)
      // only the targeted metric may cross its bound
      const others = m.violations.filter((k) => k !== metric)
      if (others.length > 0) throw new Error(`metrics/${cls}: ${metric} ${side} also violates ${others.join(", ")}`)
      out.push({
        name: `${metric}-just-${side === "below" ? "inside" : "outside"}`,
        description: `${metric} = ${v.toPrecision(10)}, ${side === "below" ? "at or below" : "above"} the ${cls} bound ${t[metric]} by ${(Math.abs(rel) * 100).toPrecision(2)} %; every other metric within its bound`,
        input: metricsInput(cls, 1, before, claimed, recomputed),
        expect: side === "below" ? { ok: true } : { ok: false, code: "TRAIN_UPDATE_MISMATCH" },
      })
    }
  })
  return out
}

/** Cases of the allowance, the degenerate metrics and the skip / replay naming (class fp32). */
const metricsSpecial = (): Designed[] => {
  const cls: PrecisionClass = "fp32"
  const { before, recomputed } = synthetic(300)
  const out: Designed[] = []
  const ulpMoved = (v: Float32Array, k: number, j: number): Float32Array => {
    // move coordinate j by k units in the last place, away from zero
    const w = Float32Array.from(v)
    const u = new Uint32Array(w.buffer)
    u[j] = (u[j] as number) + k
    return w
  }
  const j = 17
  for (const c of [1, 3]) {
    out.push({
      name: `allowance-c${c}-exactly-${c}-ulp`,
      description: `one coordinate of the claimed end ${c} ulp(s) from the recomputed one, interval c = ${c}: inside the c-ulp allowance, every metric 0`,
      input: metricsInput(cls, c, before, ulpMoved(recomputed, c, j), recomputed),
      expect: { ok: true },
    })
    out.push({
      name: `allowance-c${c}-${c + 1}-ulp`,
      description: `one coordinate ${c + 1} ulps away with c = ${c}: one ulp beyond the allowance, so the metrics are no longer 0 (relL2, cosDist, linf > 0), still far inside the bounds`,
      input: metricsInput(cls, c, before, ulpMoved(recomputed, c + 1, j), recomputed),
      expect: { ok: true },
    })
    out.push({
      name: `allowance-c${c}-${c + 1000}-ulp`,
      description: `one coordinate ${c + 1000} ulps away with c = ${c}: rejected (linf)`,
      input: metricsInput(cls, c, before, ulpMoved(recomputed, c + 1000, j), recomputed),
      expect: { ok: false, code: "TRAIN_UPDATE_MISMATCH" },
    })
  }
  out.push({
    name: "zero-recomputed-update-skipped",
    description: "Δ' = 0 and the claimed end equals the checkpoint: every metric 0, but a bit-identical checkpoint is a skipped step (VER-TRAIN.12 (1))",
    input: metricsInput(cls, 1, before, before, before),
    expect: { ok: false, code: "TRAIN_SKIPPED_STEP" },
  })
  out.push({
    name: "zero-recomputed-update-nonzero-claim",
    description: "Δ' = 0 with a nonzero claimed update: relL2 = linf = Infinity, cosDist = 1 (VER-TRAIN.10 degenerate cases)",
    input: metricsInput(cls, 1, before, recomputed, before),
    expect: { ok: false, code: "TRAIN_UPDATE_MISMATCH" },
  })
  out.push({
    name: "skipped-step",
    description: "the claimed end equals the checkpoint (Δ = 0): relL2 = 1, TRAIN_SKIPPED_STEP",
    input: metricsInput(cls, 1, before, before, recomputed),
    expect: { ok: false, code: "TRAIN_SKIPPED_STEP" },
  })
  // replay: previous checkpoint p, checkpoint b = p + Δ_prev; claimed = b + Δ_prev
  const prevStep = synthetic(301)
  const previous = Float32Array.from(before, (b, i) => b - (prevStep.delta[i] as number))
  const prevDelta = Float64Array.from(before, (b, i) => b - (previous[i] as number))
  const replayed = Float32Array.from(before, (b, i) => b + (prevDelta[i] as number))
  out.push({
    name: "replayed-previous-update",
    description: "the claimed update repeats the previous segment's update (previous checkpoint given): outside the policy and within it of the previous update, TRAIN_REPLAYED (VER-TRAIN.12 (3))",
    input: metricsInput(cls, 1, before, replayed, recomputed, previous),
    expect: { ok: false, code: "TRAIN_REPLAYED" },
  })
  out.push({
    name: "replayed-previous-update-not-opened",
    description: "the same replayed update without the previous checkpoint: the verifier cannot name it, TRAIN_UPDATE_MISMATCH",
    input: metricsInput(cls, 1, before, replayed, recomputed),
    expect: { ok: false, code: "TRAIN_UPDATE_MISMATCH" },
  })
  out.push({
    name: "rewound-to-previous",
    description: "the claimed end equals the previous checkpoint (training rewound): TRAIN_REPLAYED (VER-TRAIN.12 (2))",
    input: metricsInput(cls, 1, before, previous, recomputed, previous),
    expect: { ok: false, code: "TRAIN_REPLAYED" },
  })
  out.push({
    name: "honest-with-previous",
    description: "claimed = recomputed with the previous checkpoint given: accepted, every metric 0",
    input: metricsInput(cls, 1, before, recomputed, recomputed, previous),
    expect: { ok: true },
  })
  return out
}

/** The next double below x > 0. */
const prevDouble = (x: number): number => {
  const f = Float64Array.of(x)
  const u = new BigUint64Array(f.buffer)
  u[0] = (u[0] as bigint) - 1n
  return f[0] as number
}

/**
 * Bounds met exactly (VER-TRAIN.11: a metric passes iff metric ≤ bound): the fp32 "just outside" claims,
 * judged with the fp32 thresholds except that the targeted metric's bound is set to the metric's own
 * value (accepted) or to the next double below it (rejected). The thresholds deliberately differ from
 * the policy file (`policy.modified`); these cases need the metric computed exactly as specified.
 */
const metricsAtBound = (): Designed[] => {
  const out: Designed[] = []
  const fp32 = metricsDesigned("fp32").filter((d) => d.name.endsWith("-just-outside"))
  for (const d of fp32) {
    const metric = d.name.replace("-just-outside", "") as MetricName
    const input = d.input as JsonObject
    const hexTo = (k: string) => {
      const b = Buffer.from(input[k] as string, "hex")
      return Float32Array.from({ length: b.length / 4 }, (_, i) => b.readFloatLE(i * 4))
    }
    const m = syncOutcome("fp32", 1, hexTo("checkpoint"), hexTo("claimed"), hexTo("recomputed")).metrics[metric]
    for (const [side, bound] of [["at", m], ["below", prevDouble(m)]] as const) {
      const policy = { ...(input["policy"] as JsonObject), modified: true, thresholds: { ...thresholds("fp32"), [metric]: bound } }
      out.push({
        name: `${metric}-bound-${side === "at" ? "equal" : "one-double-below"}`,
        description:
          side === "at"
            ? `${metric} = ${m} and its bound set to exactly that value: accepted (metric ≤ bound)`
            : `the same claim with the ${metric} bound one double below the metric (${bound}): rejected`,
        input: { ...input, policy },
        expect: side === "at" ? { ok: true } : { ok: false, code: "TRAIN_UPDATE_MISMATCH" },
      })
    }
  }
  return out
}

const metricsInvalid = (): Designed[] => {
  const { before, recomputed } = synthetic(400)
  const base = metricsInput("fp32", 1, before, recomputed, recomputed) as JsonObject
  const nan = Float32Array.from(recomputed)
  nan[3] = NaN
  const inf = Float32Array.from(before)
  inf[0] = Infinity
  return [
    { name: "claimed-short", description: "claimed end one value shorter than the checkpoint", input: { ...base, claimed: f32hex(recomputed.subarray(1)) }, expect: { reject: "TRAIN_BAD_SHAPE" } },
    { name: "recomputed-long", description: "recomputed end one value longer", input: { ...base, recomputed: f32hex(Float32Array.of(...recomputed, 0)) }, expect: { reject: "TRAIN_BAD_SHAPE" } },
    { name: "checkpoint-not-float32", description: "checkpoint of 1022 bytes (not a multiple of 4)", input: { ...base, checkpoint: (base["checkpoint"] as string).slice(4) }, expect: { reject: "TRAIN_BAD_SHAPE" } },
    { name: "claimed-nan", description: "a NaN in the claimed end", input: { ...base, claimed: f32hex(nan) }, expect: { reject: "TRAIN_MALFORMED" } },
    { name: "checkpoint-infinity", description: "+Infinity in the checkpoint", input: { ...base, checkpoint: f32hex(inf) }, expect: { reject: "TRAIN_MALFORMED" } },
    { name: "interval-zero", description: "interval c = 0", input: { ...base, interval: 0 }, expect: { reject: "TRAIN_BAD_TASK" } },
    { name: "valid-control", description: "the unmodified input: accepted (metrics 0)", input: base, expect: { ok: true } },
  ]
}

// ------------------------------------------------------------------------------------------------
// update_check: tiny models trained on tfjs cpu / wasm and emulated precisions

const MODELS: Record<"mlp" | "attention" | "conv", ModelSpec> = {
  mlp: { kind: "mlp", inputShape: [8], classes: 4, hidden: 16, seed: 101 },
  attention: { kind: "attention", inputShape: [4, 8], classes: 4, hidden: 8, seed: 102 },
  conv: { kind: "conv", inputShape: [4, 4, 1], classes: 4, hidden: 4, seed: 103 },
}
const DATASET = { seed: 7, size: 64 }
const BATCH = 16
/** Batch of step i: 16 draws of splitmix32(1000 + i) mod 64 (any indices are valid input; these are arbitrary). */
const batchOf = (i: number): number[] => {
  const next = splitmix32(1000 + i)
  return Array.from({ length: BATCH }, () => next() % DATASET.size)
}
/** The audited segment starts at step 3: θ_2 (previous), θ_3 (checkpoint) from 3 honest fp32 cpu steps. */
const FIRST = 3
const LR = { "0.1": 100_000_000, "0.01": 10_000_000, "0.05": 50_000_000 } as const

const initial = (spec: ModelSpec): ParamSet => {
  const m = buildReferenceModel(spec)
  return { names: m.params.map((p) => p.name), shapes: m.params.map((p) => [...p.shape]), values: m.params.map((p) => Float32Array.from(p.values)) }
}

interface State {
  readonly spec: ModelSpec
  readonly lrNano: number
  readonly previous: ParamSet
  readonly checkpoint: ParamSet
}
const stateCache = new Map<string, State>()
const stateOf = async (kind: keyof typeof MODELS, lrNano: number): Promise<State> => {
  const key = `${kind}/${lrNano}`
  const hit = stateCache.get(key)
  if (hit !== undefined) return hit
  const spec = MODELS[kind]
  const lr = Math.fround(lrNano / 1e9)
  const previous = await withBackend("cpu", () => recomputeSegment(spec, DATASET, [batchOf(0), batchOf(1)], lr, initial(spec)))
  const checkpoint = await withBackend("cpu", () => recomputeSegment(spec, DATASET, [batchOf(2)], lr, previous))
  const s = { spec, lrNano, previous, checkpoint }
  stateCache.set(key, s)
  return s
}

type Producer = { readonly device: string; readonly backend: string; readonly variant: string; readonly precision: string; readonly how: string }
const VERIFIER = { device: "cpu (x86-64, Node 20)", backend: `${TFJS} cpu`, precision: "fp32" }

const updateInput = (
  cls: PrecisionClass,
  st: State,
  batches: ReadonlyArray<ReadonlyArray<number>>,
  claimed: ParamSet,
  producedBy: Producer,
  withPrevious: boolean,
): Json => ({
  policy: policyJson(cls),
  model: { kind: st.spec.kind, inputShape: [...st.spec.inputShape], classes: st.spec.classes, hidden: st.spec.hidden, seed: st.spec.seed },
  dataset: DATASET,
  batches: batches.map((b) => [...b]),
  lrNano: st.lrNano,
  checkpoint: f32hex(flatParams(st.checkpoint)),
  claimed: f32hex(flatParams(claimed)),
  ...(withPrevious ? { previous: f32hex(flatParams(st.previous)) } : {}),
  producedBy: producedBy as unknown as Json,
  verifier: VERIFIER,
  allowedError: UPDATE_ALLOWED as unknown as Json,
})

const mapFlat = (spec: ModelSpec, p: ParamSet, f: (x: number, j: number) => number): ParamSet =>
  splitParams(spec, Float32Array.from(flatParams(p), f))

const cpuWorker = (precision: string, how: string): Producer => ({ device: "cpu (x86-64, Node 20)", backend: `${TFJS} cpu`, variant: "cpu", precision, how })

const EMULATION: Record<Exclude<PrecisionClass, "fp32">, string> = {
  tf32: "tf32 emulated: θ, inputs and gradient rounded to 10 mantissa bits (8-bit exponent), RNE; fp32 master weights and update (VER-TRAIN.9)",
  fp16: "fp16 emulated: θ, inputs and gradient rounded to IEEE binary16 (5-bit exponent, 10 mantissa bits, subnormals), RNE; fp32 master weights and update (VER-TRAIN.9)",
  bf16: "bf16 emulated: θ, inputs and gradient rounded to 7 mantissa bits (8-bit exponent), RNE; fp32 master weights and update (VER-TRAIN.9)",
}

/** The wasm verifier's result (second opinion), for models wasm can differentiate (not conv). */
const wasmVerifier = async (d: Designed): Promise<CaseResult | undefined> => {
  const input = d.input as JsonObject
  if ("reject" in d.expect) return undefined
  const model = input["model"] as JsonObject
  if (model["kind"] === "conv") return undefined
  const spec = MODELS[model["kind"] as "mlp" | "attention"]
  const n = flatParams(initial(spec)).length
  const fromHex = (s: string): Float32Array => {
    const b = Buffer.from(s, "hex")
    const out = new Float32Array(n)
    for (let i = 0; i < n; i++) out[i] = b.readFloatLE(i * 4)
    return out
  }
  const before = splitParams(spec, fromHex(input["checkpoint"] as string))
  const claimed = splitParams(spec, fromHex(input["claimed"] as string))
  const previous = input["previous"] === undefined ? undefined : splitParams(spec, fromHex(input["previous"] as string))
  const batches = input["batches"] as number[][]
  const lr = Math.fround((input["lrNano"] as number) / 1e9)
  const t = (input["policy"] as JsonObject)["thresholds"] as unknown as TolerancePolicy
  const recomputed = await withBackend("wasm", () => recomputeSegment(spec, DATASET, batches, lr, before))
  return { output: outcomeJson(segmentVerdict(before, claimed, recomputed, previous, batches.length, t)) }
}

/** Honest, attack and limit cases of one scenario (precision class + where the claimed update was produced). */
const updateDesigned = async (scenario: "fp32-same-backend" | "fp32-cross-backend" | Exclude<PrecisionClass, "fp32">): Promise<Designed[]> => {
  const cls: PrecisionClass = scenario.startsWith("fp32") ? "fp32" : (scenario as PrecisionClass)
  const t = thresholds(cls)
  const out: Designed[] = []
  const wasmVariant = await withBackend("wasm", () => backendVariant("wasm"))
  const producer = async (spec: ModelSpec, batches: number[][], lr: number, before: ParamSet): Promise<[ParamSet, Producer]> => {
    if (scenario === "fp32-cross-backend")
      return [
        await withBackend("wasm", () => recomputeSegment(spec, DATASET, batches, lr, before)),
        { device: "cpu (x86-64, Node 20)", backend: `${TFJS} wasm (XNNPACK)`, variant: wasmVariant, precision: "fp32", how: "honest worker" },
      ]
    if (scenario === "fp32-same-backend") return [await withBackend("cpu", () => recomputeSegment(spec, DATASET, batches, lr, before)), cpuWorker("fp32", "honest worker")]
    return [await withBackend("cpu", () => recomputeSegment(spec, DATASET, batches, lr, before, cls)), cpuWorker(EMULATION[cls as Exclude<PrecisionClass, "fp32">], "honest worker")]
  }

  // honest cases
  const honest: Array<[keyof typeof MODELS, keyof typeof LR, number]> =
    scenario === "fp32-cross-backend"
      ? [["mlp", "0.1", 1], ["mlp", "0.01", 1], ["attention", "0.1", 1], ["attention", "0.05", 2]]
      : [["mlp", "0.1", 1], ["mlp", "0.01", 1], ["attention", "0.1", 1], ["conv", "0.1", 1], ["mlp", "0.05", 2]]
  for (const [kind, lrKey, c] of honest) {
    const st = await stateOf(kind, LR[lrKey])
    const batches = Array.from({ length: c }, (_, i) => batchOf(FIRST + i))
    const [claimed, by] = await producer(st.spec, batches, Math.fround(st.lrNano / 1e9), st.checkpoint)
    out.push({
      name: `honest-${kind}-lr${lrKey}${c > 1 ? `-c${c}` : ""}`,
      description: `honest ${scenario} worker, ${kind} (${flatParams(st.checkpoint).length} parameters), lr ${lrKey}, ${c} step(s); the verifier recomputes in fp32 on tfjs cpu`,
      input: updateInput(cls, st, batches, claimed, by, false),
      expect: { ok: true },
    })
  }

  // attacks, on mlp at lr 0.1 from the same checkpoint; Δ' = the verifier's fp32 cpu update
  const st = await stateOf("mlp", LR["0.1"])
  const spec = st.spec
  const batches = [batchOf(FIRST)]
  const lr = Math.fround(st.lrNano / 1e9)
  const ref = await withBackend("cpu", () => recomputeSegment(spec, DATASET, batches, lr, st.checkpoint))
  const before = flatParams(st.checkpoint)
  const refFlat = flatParams(ref)
  const refDelta = Float64Array.from(refFlat, (r, j) => r - (before[j] as number))
  const attack = (how: string): Producer => cpuWorker("fp32", `attack: ${how}`)
  const push = (name: string, description: string, claimed: ParamSet, how: string, expect: Designed["expect"], previous = false) =>
    out.push({ name, description, input: updateInput(cls, st, batches, claimed, attack(how), previous), expect })
  const rejectAll = { ok: false as const, code: "TRAIN_UPDATE_MISMATCH" }

  // tampered: the largest coordinate of the update flipped in sign
  let jmax = 0
  refDelta.forEach((d, j) => {
    if (Math.abs(d) > Math.abs(refDelta[jmax] as number)) jmax = j
  })
  push("tampered-largest-coordinate-sign", "the largest coordinate of the honest update flipped in sign", mapFlat(spec, ref, (x, j) => (j === jmax ? (before[j] as number) - (refDelta[j] as number) : x)), "honest update with its largest coordinate's sign flipped", rejectAll)
  // tampered: 8 coordinates moved by max|Δ'|
  const mx = Math.abs(refDelta[jmax] as number)
  push("tampered-8-coordinates", "8 coordinates (every 25th) moved by max|Δ'|", mapFlat(spec, ref, (x, j) => (j % 25 === 0 && j < 200 ? x + mx : x)), "8 coordinates moved by max|Δ'|", rejectAll)
  // skipped step
  push("skipped-step", "the claimed end equals the checkpoint (no update): TRAIN_SKIPPED_STEP", st.checkpoint, "no step taken (θ_{k+1} = θ_k)", { ok: false, code: "TRAIN_SKIPPED_STEP" })
  // disguised skip
  const u = uniforms(77, before.length)
  push("disguised-skip", "checkpoint plus noise of 10^-3·rms(Δ') (a skipped step disguised as an update)", mapFlat(spec, st.checkpoint, (x, j) => x + 1e-3 * rms(refDelta) * (u[j] as number)), "θ_k plus small noise", rejectAll)
  // wrong lr
  const wrongLr = async (factor: number) => withBackend("cpu", () => recomputeSegment(spec, DATASET, batches, Math.fround(lr * factor), st.checkpoint))
  push("wrong-lr-x2", "the step taken with twice the task's learning rate", await wrongLr(2), "SGD with lr × 2", rejectAll)
  push("wrong-lr-x0.5", "the step taken with half the task's learning rate", await wrongLr(0.5), "SGD with lr × 0.5", rejectAll)
  push(
    "wrong-lr-x1.001",
    cls === "fp32" ? "learning rate off by 0.1 %: rejected in fp32 (relL2 ≈ 10^-3)" : `learning rate off by 0.1 %: accepted under ${cls} (relL2 ≈ 10^-3, far below the bound: a documented detection limit, spec/15)`,
    await wrongLr(1.001),
    "SGD with lr × 1.001",
    cls === "fp32" ? rejectAll : { ok: true },
  )
  // scaled update
  push("scaled-update-x1.5", "the honest update scaled by 1.5", mapFlat(spec, ref, (_x, j) => (before[j] as number) + 1.5 * (refDelta[j] as number)), "honest update × 1.5", rejectAll)
  // replayed previous update (previous checkpoint opened) and rewound
  const prevFlat = flatParams(st.previous)
  const replayed = mapFlat(spec, ref, (_x, j) => (before[j] as number) + ((before[j] as number) - (prevFlat[j] as number)))
  push("replayed-previous-update", "θ_k plus the previous segment's update θ_k − θ_{k−1}, with θ_{k−1} opened: TRAIN_REPLAYED", replayed, "previous update applied again", { ok: false, code: "TRAIN_REPLAYED" }, true)
  push("replayed-previous-update-not-opened", "the same replay without θ_{k−1}: rejected, not named", replayed, "previous update applied again", rejectAll)
  push("rewound-to-previous", "the claimed end equals θ_{k−1} (training rewound), θ_{k−1} opened: TRAIN_REPLAYED", st.previous, "θ_{k+1} = θ_{k−1}", { ok: false, code: "TRAIN_REPLAYED" }, true)
  // partial batch
  const partial = await withBackend("cpu", () => recomputeSegment(spec, DATASET, [batches[0]!.slice(0, 12)], lr, st.checkpoint))
  push("partial-batch-12-of-16", "gradient on 12 of the 16 examples (a quarter of the work skipped)", partial, "gradient on the first 12 examples of the batch", rejectAll)

  // noise just outside / inside the band where the verdict is robust: additive uniform noise s·u_j·rms(Δ').
  // "outside": the smallest s at which some metric exceeds its bound by more than its allowed error;
  // "inside": the largest s at which every metric is below its bound by more than its allowed error.
  const verdictAt = (s: number) => {
    const claimed = mapFlat(spec, ref, (x, j) => x + s * rms(refDelta) * (u[j] as number))
    return { claimed, o: segmentVerdict(st.checkpoint, claimed, ref, undefined, 1, t) }
  }
  const robustAbove = (s: number) => {
    const m = verdictAt(s).o.metrics
    return METRIC_NAMES.some((k) => m[k] > t[k] && !metricWithin(k, m[k], t[k], UPDATE_ALLOWED[k]))
  }
  const robustBelow = (s: number) => {
    const m = verdictAt(s).o.metrics
    return METRIC_NAMES.every((k) => m[k] <= t[k] && !metricWithin(k, m[k], t[k], UPDATE_ALLOWED[k]))
  }
  for (const side of ["above", "below"] as const) {
    const s = side === "above" ? bisectPredicate(robustAbove, true) : bisectPredicate((x) => !robustBelow(x), false)
    const { claimed, o } = verdictAt(s)
    const ratio = (k: MetricName) => `${k} ${o.metrics[k].toPrecision(3)} (bound ${t[k]})`
    const binding = [...METRIC_NAMES].sort((a, b) => o.metrics[b] / t[b] - o.metrics[a] / t[a])[0] as MetricName
    push(
      `noise-just-${side === "above" ? "outside" : "inside"}`,
      `honest update plus uniform noise, scaled to the ${side === "above" ? "smallest" : "largest"} size whose verdict is ${side === "above" ? "reject" : "accept"} for every verifier within the allowed error: ${ratio(binding)}, ${METRIC_NAMES.filter((k) => k !== binding).map(ratio).join(", ")}`,
      claimed,
      `honest update plus noise just ${side === "above" ? "outside" : "inside"} the ${cls} policy`,
      side === "above" ? rejectAll : { ok: true },
    )
  }
  if (scenario === "fp32-same-backend") {
    push(
      "tampered-1-ulp",
      "one coordinate of the honest end parameters moved by one ulp: inside the quantization allowance (VER-TRAIN.10), every metric 0 — below what any verifier can detect",
      mapFlat(spec, ref, (x, j) => (j === 5 ? new Float32Array(new Uint32Array([new Uint32Array(Float32Array.of(x).buffer)[0]! + 1]).buffer)[0]! : x)),
      "one coordinate moved by 1 ulp",
      { ok: true },
    )
  }
  return out
}

const updateInvalid = async (): Promise<Designed[]> => {
  const st = await stateOf("mlp", LR["0.1"])
  const batches = [batchOf(FIRST)]
  const claimed = await withBackend("cpu", () => recomputeSegment(st.spec, DATASET, batches, Math.fround(st.lrNano / 1e9), st.checkpoint))
  const base = updateInput("fp32", st, batches, claimed, cpuWorker("fp32", "honest worker"), false) as JsonObject
  const flat = flatParams(claimed)
  const nan = Float32Array.from(flat)
  nan[0] = NaN
  const model = base["model"] as JsonObject
  return [
    { name: "valid-control", description: "the unmodified honest input: accepted", input: base, expect: { ok: true } },
    { name: "claimed-short", description: "claimed end parameters one value short of the model's 212", input: { ...base, claimed: f32hex(flat.subarray(1)) }, expect: { reject: "TRAIN_BAD_SHAPE" } },
    { name: "checkpoint-for-another-model", description: "checkpoint of 213 values for a 212-parameter model", input: { ...base, checkpoint: f32hex(Float32Array.of(...flatParams(st.checkpoint), 0)) }, expect: { reject: "TRAIN_BAD_SHAPE" } },
    { name: "claimed-nan", description: "a NaN in the claimed end parameters", input: { ...base, claimed: f32hex(nan) }, expect: { reject: "TRAIN_MALFORMED" } },
    { name: "model-bad-spec", description: "mlp with 0 hidden units (ML-MODEL.1)", input: { ...base, model: { ...model, hidden: 0 } }, expect: { reject: "TRAIN_BAD_TASK" } },
    { name: "model-one-class", description: "mlp with 1 class (ML-MODEL.1 needs ≥ 2)", input: { ...base, model: { ...model, classes: 1 } }, expect: { reject: "TRAIN_BAD_TASK" } },
    { name: "lr-zero", description: "lrNano = 0 (VER-TRAIN.1)", input: { ...base, lrNano: 0 }, expect: { reject: "TRAIN_BAD_TASK" } },
    { name: "lr-too-large", description: "lrNano = 10^10 + 1 (> MAX_LR_NANO)", input: { ...base, lrNano: 10_000_000_001 }, expect: { reject: "TRAIN_BAD_TASK" } },
    { name: "batch-index-out-of-range", description: "a batch index equal to the data set size", input: { ...base, batches: [[...batches[0]!.slice(1), DATASET.size]] }, expect: { reject: "TRAIN_BAD_TASK" } },
    { name: "batch-empty", description: "an empty batch", input: { ...base, batches: [[]] }, expect: { reject: "TRAIN_BAD_TASK" } },
    { name: "no-batches", description: "no batch at all (interval c = 0)", input: { ...base, batches: [] }, expect: { reject: "TRAIN_BAD_TASK" } },
    { name: "dataset-empty", description: "data set of size 0", input: { ...base, dataset: { seed: 7, size: 0 } }, expect: { reject: "TRAIN_BAD_TASK" } },
  ]
}

// ------------------------------------------------------------------------------------------------

export const generate = async (outRoot: string): Promise<void> => {
  const SPEC_M = ["VER-TRAIN.10", "VER-TRAIN.11", "VER-TRAIN.12"]
  const SPEC_U = ["VER-TRAIN.6", "VER-TRAIN.8", "VER-TRAIN.9", "VER-TRAIN.10", "VER-TRAIN.11", "VER-TRAIN.12"]
  const policyOfInput = (d: Designed): TolerancePolicy | undefined => {
    if ("reject" in d.expect) return undefined
    const p = (d.input as JsonObject)["policy"] as JsonObject
    return thresholds(p["class"] as PrecisionClass)
  }
  for (const cls of CLASSES)
    await finish(
      outRoot,
      "metrics",
      cls,
      `Metrics at the ${cls} bounds of ${TOLERANCE_POLICY_PATH}: for each metric a claimed end just inside and one just outside its bound (synthetic 256-value vectors, interval 1); no ML`,
      SPEC_M,
      metricsDesigned(cls),
      runMetrics,
      METRICS_ALLOWED,
      policyOfInput,
    )
  await finish(outRoot, "metrics", "allowance-and-naming", "The c-ulp quantization allowance, the degenerate metrics (Δ' = 0) and the naming of skipped and replayed updates (VER-TRAIN.12), class fp32; no ML", SPEC_M, metricsSpecial(), runMetrics, METRICS_ALLOWED, policyOfInput)
  await finish(outRoot, "metrics", "at-bound", "A metric exactly equal to its bound passes, one double above fails (thresholds modified per case, marked policy.modified; exact float64 arithmetic required)", SPEC_M, metricsAtBound(), runMetrics, METRICS_ALLOWED, () => undefined)
  await finish(outRoot, "metrics", "invalid", "Inputs the verifier refuses before computing metrics (shape, non-finite values, interval)", SPEC_M, metricsInvalid(), runMetrics, METRICS_ALLOWED, () => undefined)

  const scenarios = [
    ["fp32-same-backend", "fp32, claimed update produced on tfjs cpu, the verifier's own backend: honest metrics are exactly 0"],
    ["fp32-cross-backend", "fp32, claimed update produced on tfjs wasm (XNNPACK), verified on tfjs cpu"],
    ["tf32", "tf32, claimed update produced on tfjs cpu with tf32 emulated in software"],
    ["fp16", "fp16, claimed update produced on tfjs cpu with fp16 emulated in software"],
    ["bf16", "bf16, claimed update produced on tfjs cpu with bf16 emulated in software"],
  ] as const
  for (const [scenario, what] of scenarios)
    await finish(
      outRoot,
      "update_check",
      scenario,
      `${what}. Honest cases (mlp, attention, conv; tiny models of 108-228 parameters), attacks (tampered, skipped, wrong lr, scaled, replayed, rewound, partial batch, noise just outside the bound) and limits. No GPU was available: GPU-produced claims are future work.`,
      SPEC_U,
      await updateDesigned(scenario),
      runUpdateCheck,
      UPDATE_ALLOWED,
      policyOfInput,
      wasmVerifier,
    )
  await finish(outRoot, "update_check", "invalid", "Inputs the verifier refuses before recomputing (model spec, learning rate, data set, batches, shapes, non-finite values)", SPEC_U, await updateInvalid(), runUpdateCheck, UPDATE_ALLOWED, () => undefined)
}
