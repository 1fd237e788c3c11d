// Measures the tolerance metrics of training verification (VER-TRAIN.10, VER-TRAIN.11; paper §4.4
// eq. 4) for honest updates on different backends and precisions and for attacks, derives a
// threshold per precision class (4x the largest honest value, rounded up to two significant digits), and writes
//   bench/out/training-tolerance.json  (summaries, thresholds, detection table, raw relL2 samples)
//   bench/out/training-tolerance.svg   (strip chart of relL2 per case with the threshold lines)
// Run: node bin/run-ts.js bench/ml-training-tolerance.ts [--quick]
// stdout: one JSON line per case summary and per class threshold; stderr: JSON progress lines.
//
// Method. For each reference model, seed (initial parameters and data set) and learning rate, an
// honest fp32 trajectory is trained on the cpu backend. Every `every`-th step i, at θ_i:
//   reference  Δ' = the cpu fp32 verifier's update (what verifyTrainingAudit recomputes);
//   honest     cpu fp32 again (must be exactly 0), wasm fp32 worker vs cpu verifier, cpu worker vs
//              wasm verifier (not conv: tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel),
//              emulated tf32 / bf16 / fp16 workers (θ, inputs and gradients rounded; fp32 master
//              weights) vs the cpu fp32 verifier;
//   attacks    built from the honest cpu fp32 update (see ATTACKS below).
// Metrics include the one-ulp quantization allowance exactly as the verifier computes them.
import { mkdirSync, writeFileSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { sha256 } from "@noble/hashes/sha2.js"
import { buildReferenceModel, REFERENCE_SPECS, splitmix32, type ModelKind } from "../src/ml/Models.ts"
import { withBackend } from "../src/ml/Runtime.ts"
import {
  batchIndices,
  flatDelta,
  gradientOn,
  makeTrainingTask,
  PRECISION_CLASSES,
  sgdUpdate,
  TOLERANCE,
  taskLearningRate,
  trainingTaskId,
  ulpAllowance,
  updateMetrics,
  type ParamSet,
  type PrecisionClass,
  type TolerancePolicy,
  type TrainingTask,
  type UpdateMetrics,
} from "../src/ml/Training.ts"

const METRICS = ["relL2", "cosDist", "maxRelLarge", "linf"] as const
type Metric = (typeof METRICS)[number]

/** Honest cases and the precision class they belong to (a class accepts every finer class). */
const HONEST: Record<string, PrecisionClass | "info"> = {
  "fp32 cpu→cpu": "fp32",
  "fp32 wasm→cpu": "fp32",
  "fp32 cpu→wasm": "fp32",
  "tf32 (emulated)": "tf32",
  "bf16 (emulated)": "bf16",
  "fp16 (emulated)": "fp16",
}
const CLASS_ORDER: ReadonlyArray<PrecisionClass> = PRECISION_CLASSES

const LR_FACTORS = [0.5, 0.9, 0.99, 0.999, 1.001, 1.01, 1.1, 2] as const
const NOISE = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1] as const
const FEW = [1e-3, 1e-2, 1e-1, 1] as const

export interface ToleranceOptions {
  readonly models: ReadonlyArray<ModelKind>
  readonly seeds: ReadonlyArray<number>
  readonly lrs: ReadonlyArray<number>
  readonly steps: number
  readonly every: number
  readonly batchSize: number
  readonly margin: number
}

export const FULL: ToleranceOptions = {
  models: ["mlp", "conv", "attention"],
  seeds: [1, 2, 3],
  lrs: [0.01, 0.1],
  steps: 60,
  every: 3,
  batchSize: 32,
  margin: 4,
}
export const QUICK: ToleranceOptions = { ...FULL, seeds: [1], lrs: [0.05], steps: 12, every: 4 }

interface Sample {
  readonly model: ModelKind
  readonly seed: number
  readonly lr: number
  readonly step: number
  readonly metrics: UpdateMetrics
}

const gauss = (next: () => number): number => {
  const u = ((next() >>> 0) + 1) / 4294967297
  const v = (next() >>> 0) / 4294967296
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/** θ + Δ in binary32, for a flat Δ. */
const applyDelta = (theta: ParamSet, d: Float64Array): ParamSet => {
  let o = 0
  return { ...theta, values: theta.values.map((v) => Float32Array.from(v, (x) => x + (d[o++] as number))) }
}

/** Round up to two significant digits. */
const roundUp2 = (x: number): number => {
  if (!(x > 0)) return 0
  const e = Math.floor(Math.log10(x)) - 1
  const m = Math.ceil(Number((x / 10 ** e).toPrecision(12)))
  return Number((m * 10 ** e).toPrecision(2))
}

const violates = (m: UpdateMetrics, p: TolerancePolicy): Metric[] => METRICS.filter((k) => !(m[k] <= p[k]))

export interface ToleranceResult {
  readonly options: ToleranceOptions
  readonly samples: Record<string, Sample[]>
  readonly thresholds: Record<PrecisionClass, TolerancePolicy>
  readonly honestMax: Record<PrecisionClass, Record<Metric, number>>
}

export const measureTolerance = async (
  opts: ToleranceOptions,
  progress: (o: object) => void,
): Promise<ToleranceResult> => {
  const samples: Record<string, Sample[]> = {}
  const add = (name: string, s: Sample) => (samples[name] ??= []).push(s)
  for (const model of opts.models) {
    for (const seed of opts.seeds) {
      for (const lr of opts.lrs) {
        const t0 = performance.now()
        const spec = { ...REFERENCE_SPECS[model], seed }
        const m = buildReferenceModel(spec)
        const initial: ParamSet = {
          names: m.params.map((p) => p.name),
          shapes: m.params.map((p) => [...p.shape]),
          values: m.params.map((p) => Float32Array.from(p.values)),
        }
        const task: TrainingTask = makeTrainingTask(sha256, {
          model,
          datasetSeed: 1000 + seed,
          datasetSize: 1024,
          batchSize: opts.batchSize,
          lrNano: Math.round(lr * 1e9),
          steps: opts.steps,
          interval: 1,
          precision: "fp32",
        })
        const taskId = trainingTaskId(sha256, task)
        const lr32 = taskLearningRate(task)
        const rng = splitmix32(seed * 7919 + Math.round(lr * 1e6))
        let theta = initial
        let prevDelta: Float64Array | undefined
        for (let i = 0; i < opts.steps; i++) {
          const idx = batchIndices(sha256, taskId, task, i)
          const g = await withBackend("cpu", () => gradientOn(task, theta, idx, "fp32"))
          const ref = sgdUpdate(theta, g, lr32)
          const dRef = flatDelta(theta, ref)
          if (i % opts.every === opts.every - 1) {
            const ctx = { model, seed, lr, step: i }
            const measure = (name: string, claimedEnd: ParamSet, verifierEnd: ParamSet = ref) => {
              const dv = verifierEnd === ref ? dRef : flatDelta(theta, verifierEnd)
              add(name, { ...ctx, metrics: updateMetrics(flatDelta(theta, claimedEnd), dv, 0.9, ulpAllowance(claimedEnd, verifierEnd, 1)) })
            }
            // honest
            measure("fp32 cpu→cpu", sgdUpdate(theta, await withBackend("cpu", () => gradientOn(task, theta, idx, "fp32")), lr32))
            if (model !== "conv") {
              const wasmEnd = sgdUpdate(theta, await withBackend("wasm", () => gradientOn(task, theta, idx, "fp32")), lr32)
              measure("fp32 wasm→cpu", wasmEnd)
              measure("fp32 cpu→wasm", ref, wasmEnd)
            }
            for (const [mode, name] of [["tf32", "tf32 (emulated)"], ["bf16", "bf16 (emulated)"], ["fp16", "fp16 (emulated)"]] as const)
              measure(name, sgdUpdate(theta, await withBackend("cpu", () => gradientOn(task, theta, idx, mode)), lr32))
            // attacks: wrong learning rate
            for (const f of LR_FACTORS) measure(`lr×${f}`, sgdUpdate(theta, g, Math.fround(lr32 * f)))
            // attacks: Gaussian noise of relative size σ (per coordinate, relative to rms(Δ'))
            const rms = Math.sqrt(dRef.reduce((a, x) => a + x * x, 0) / dRef.length)
            for (const s of NOISE) measure(`noise σ=${s}`, applyDelta(ref, Float64Array.from(dRef, () => s * rms * gauss(rng))))
            // attacks: sign flips
            const order = Array.from(dRef.keys()).sort((a, b) => Math.abs(dRef[b] as number) - Math.abs(dRef[a] as number))
            const flip = (which: ReadonlyArray<number>) => {
              const d = Float64Array.from(dRef)
              for (const j of which) d[j] = -(d[j] as number)
              return applyDelta(theta, d)
            }
            measure("sign flip: largest coord", flip([order[0] as number]))
            const pick = (frac: number) => Array.from(dRef.keys()).filter(() => (rng() >>> 0) / 4294967296 < frac)
            measure("sign flip: 1% coords", flip(pick(0.01)))
            measure("sign flip: 10% coords", flip(pick(0.1)))
            // attacks: a few coordinates changed by δ·max|Δ'|
            const maxAbs = Math.abs(dRef[order[0] as number] as number)
            for (const count of [1, 10]) {
              for (const delta of FEW) {
                const d = new Float64Array(dRef.length)
                for (let c = 0; c < count; c++) d[(rng() >>> 0) % d.length] = (rng() & 1 ? 1 : -1) * delta * maxAbs
                measure(`${count} coord${count > 1 ? "s" : ""} +${delta}·max|Δ'|`, applyDelta(ref, d))
              }
            }
            // attacks: skipped step (θ_{i+1} = θ_i; the transcript check catches it first) and a
            // disguised skip (θ_i plus noise of 1e-3·rms(Δ'))
            measure("skipped step (Δ = 0)", theta)
            measure("skipped + noise", applyDelta(theta, Float64Array.from(dRef, () => 1e-3 * rms * gauss(rng))))
            // attacks: replayed previous update; stale batch (gradient on batch i-1); half batch
            if (prevDelta !== undefined) measure("replayed previous Δ", applyDelta(theta, prevDelta))
            if (i > 0) {
              const old = batchIndices(sha256, taskId, task, i - 1)
              measure("replayed batch i-1", sgdUpdate(theta, await withBackend("cpu", () => gradientOn(task, theta, old, "fp32")), lr32))
            }
            // attacks: partial batch (the worker drops examples to save compute)
            for (const drop of [1, 4, 16]) {
              const part = idx.subarray(0, idx.length - drop)
              measure(`batch minus ${drop}/${idx.length}`, sgdUpdate(theta, await withBackend("cpu", () => gradientOn(task, theta, part, "fp32")), lr32))
            }
          }
          prevDelta = dRef
          theta = ref
        }
        progress({ bench: "ml-training-tolerance", progress: "trajectory", model, seed, lr, steps: opts.steps, ms: Math.round(performance.now() - t0) })
      }
    }
  }
  // thresholds: each class accepts its own honest cases and those of finer classes
  const honestMax = {} as Record<PrecisionClass, Record<Metric, number>>
  const thresholds = {} as Record<PrecisionClass, TolerancePolicy>
  CLASS_ORDER.forEach((cls, ci) => {
    const mx = { relL2: 0, cosDist: 0, maxRelLarge: 0, linf: 0 }
    for (const [name, c] of Object.entries(HONEST)) {
      if (c === "info" || CLASS_ORDER.indexOf(c) > ci) continue
      for (const s of samples[name] ?? []) for (const k of METRICS) mx[k] = Math.max(mx[k], s.metrics[k])
    }
    honestMax[cls] = mx
    thresholds[cls] = {
      relL2: roundUp2(opts.margin * mx.relL2),
      cosDist: roundUp2(opts.margin * mx.cosDist),
      maxRelLarge: roundUp2(opts.margin * mx.maxRelLarge),
      linf: roundUp2(opts.margin * mx.linf),
      largeQuantile: 0.9,
    }
  })
  return { options: opts, samples, thresholds, honestMax }
}

// ------------------------------------------------------------------------------------------------
// Summaries

const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number)
}

export interface CaseSummary {
  readonly case: string
  readonly kind: "honest" | "attack"
  readonly n: number
  readonly stats: Record<Metric, { min: number; p50: number; p99: number; max: number }>
  /** Per policy (committed TOLERANCE and measured thresholds): fraction rejected and the metrics that caught them. */
  readonly rejected: Record<string, { rate: number; by: Record<Metric, number> }>
}

export const summarize = (r: ToleranceResult): CaseSummary[] =>
  Object.entries(r.samples).map(([name, ss]) => {
    const stats = {} as CaseSummary["stats"]
    for (const k of METRICS) {
      const xs = ss.map((s) => s.metrics[k])
      stats[k] = { min: quantile(xs, 0), p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: quantile(xs, 1) }
    }
    const rejected: CaseSummary["rejected"] = {}
    for (const cls of CLASS_ORDER) {
      for (const [label, policy] of [[`committed ${cls}`, TOLERANCE[cls]], [`measured ${cls}`, r.thresholds[cls]]] as const) {
        const by = { relL2: 0, cosDist: 0, maxRelLarge: 0, linf: 0 }
        let n = 0
        for (const s of ss) {
          const v = violates(s.metrics, policy)
          if (v.length > 0) n++
          for (const k of v) by[k]++
        }
        rejected[label] = { rate: ss.length === 0 ? 0 : n / ss.length, by }
      }
    }
    return { case: name, kind: name in HONEST ? "honest" : "attack", n: ss.length, stats, rejected }
  })

// ------------------------------------------------------------------------------------------------
// SVG (hand-written): one row per case, log10(relL2) on x, dots coloured by model, threshold lines

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

export const renderSvg = (r: ToleranceResult, policies: Record<PrecisionClass, TolerancePolicy>): string => {
  const names = Object.keys(r.samples)
  const rowH = 16
  const left = 230
  const width = 980
  const plotW = width - left - 20
  const top = 50
  const height = top + names.length * rowH + 66
  const lo = -10
  const hi = 1
  const x = (v: number) => {
    const l = v <= 0 ? lo : Math.max(lo, Math.min(hi, Math.log10(v)))
    return left + ((l - lo) / (hi - lo)) * plotW
  }
  const colour: Record<string, string> = { mlp: "#1f77b4", conv: "#2ca02c", attention: "#d62728" }
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`)
  out.push(`<rect width="100%" height="100%" fill="white"/>`)
  out.push(`<text x="${left}" y="18" font-size="14">Training verification: relL2 = ‖Δ−Δ'‖/‖Δ'‖ per case (cpu fp32 verifier, one-ulp allowance)</text>`)
  out.push(`<text x="${left}" y="34" fill="#555">dots: mlp (blue, upper lane), conv (green), attention (red, lower lane), one per model and pixel; x = log10(relL2), 0 at the left edge; orange lines: relL2 thresholds</text>`)
  for (let e = lo; e <= hi; e++) {
    const xx = x(10 ** e)
    out.push(`<line x1="${xx}" y1="${top - 4}" x2="${xx}" y2="${top + names.length * rowH}" stroke="#eee"/>`)
    out.push(`<text x="${xx}" y="${top + names.length * rowH + 14}" text-anchor="middle">1e${e}</text>`)
  }
  const lane: Record<string, number> = { mlp: -4, conv: 0, attention: 4 }
  names.forEach((name, i) => {
    const y = top + i * rowH + rowH / 2
    const honest = name in HONEST
    out.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end" fill="${honest ? "#000" : "#8a2be2"}">${esc(name)}</text>`)
    if (i > 0 && honest !== ((names[i - 1] as string) in HONEST))
      out.push(`<line x1="10" y1="${top + i * rowH}" x2="${width - 10}" y2="${top + i * rowH}" stroke="#999" stroke-dasharray="2,2"/>`)
    // one dot per (model, pixel column): the plot stays small whatever the number of samples
    const seen = new Set<string>()
    for (const s of r.samples[name] ?? []) {
      const cx = Math.round(x(s.metrics.relL2))
      const key = `${s.model}/${cx}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push(`<circle cx="${cx}" cy="${y + (lane[s.model] ?? 0)}" r="1.8" fill="${colour[s.model] ?? "#000"}" fill-opacity="0.6"/>`)
    }
  })
  const dash: Record<PrecisionClass, string> = { fp32: "6,2", tf32: "3,3", fp16: "4,1", bf16: "1,2" }
  CLASS_ORDER.forEach((cls, ci) => {
    const xx = x(policies[cls].relL2)
    out.push(`<line x1="${xx}" y1="${top - 8}" x2="${xx}" y2="${top + names.length * rowH}" stroke="#ff7f0e" stroke-width="1.5" stroke-dasharray="${dash[cls]}"/>`)
    out.push(`<text x="${xx}" y="${top + names.length * rowH + 28 + 12 * ci}" text-anchor="${ci === 0 ? "middle" : ci === 1 ? "end" : "start"}" fill="#ff7f0e">${cls} ${policies[cls].relL2}</text>`)
  })
  out.push(`</svg>`)
  return out.join("\n")
}

// ------------------------------------------------------------------------------------------------
// Main

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  const quick = process.argv.includes("--quick")
  const opts = quick ? QUICK : FULL
  const err = (o: object) => process.stderr.write(`${JSON.stringify(o)}\n`)
  const t0 = performance.now()
  err({ bench: "ml-training-tolerance", progress: "start", options: opts })
  const r = await measureTolerance(opts, err)
  const summary = summarize(r)
  for (const s of summary) process.stdout.write(`${JSON.stringify({ bench: "ml-training-tolerance", ...s })}\n`)
  for (const cls of CLASS_ORDER)
    process.stdout.write(
      `${JSON.stringify({ bench: "ml-training-tolerance", class: cls, honestMax: r.honestMax[cls], measuredThreshold: r.thresholds[cls], committed: TOLERANCE[cls] })}\n`,
    )
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "out")
  mkdirSync(dir, { recursive: true })
  // raw relL2 per case and model, in measurement order (seed, lr, step), 3 significant digits
  const relL2Samples = Object.fromEntries(
    Object.entries(r.samples).map(([k, ss]) => [
      k,
      Object.fromEntries(opts.models.map((m) => [m, ss.filter((s) => s.model === m).map((s) => Number(s.metrics.relL2.toPrecision(3)))])),
    ]),
  )
  writeFileSync(
    path.join(dir, "training-tolerance.json"),
    `${JSON.stringify(
      {
        generated: new Date().toISOString(),
        node: process.version,
        options: opts,
        seconds: Math.round((performance.now() - t0) / 1000),
        honestMax: r.honestMax,
        measuredThresholds: r.thresholds,
        committedThresholds: TOLERANCE,
        summary,
        relL2Samples,
      },
      (_k, v: unknown) => (typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v),
    )}\n`,
  )
  writeFileSync(path.join(dir, "training-tolerance.svg"), renderSvg(r, TOLERANCE))
  err({ bench: "ml-training-tolerance", progress: "done", seconds: Math.round((performance.now() - t0) / 1000), out: dir })
}
