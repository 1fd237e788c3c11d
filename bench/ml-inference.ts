// ML inference on the tfjs backends (spec/14-ml-runtime.md, VER-INF.5..8):
//  - "ml-inference": forward cost per item, per reference model and backend (wasm, cpu), with the
//    ratio of cpu to wasm measured in the same process;
//  - "ml-spotcheck": cost of one spot check (k re-executed items) per claim, as a ratio to the
//    claim's full inference cost on the same backend;
//  - "ml-backend-diff": cpu vs wasm logit differences (the calibration of the VER-INF.5 tolerance).
import { sha256 } from "@noble/hashes/sha2.js"
import { Effect } from "effect"
import {
  DEFAULT_POLICY,
  drawInputs,
  encodeInferenceTask,
  inferenceTaskHash,
  makeInferenceTask,
  runInference,
  spotCheck,
  type InferenceTask,
} from "../src/ml/Inference.ts"
import { MODEL_KINDS, REFERENCE_SPECS, buildReferenceModel, forward, inputTensor, paramsToTensors, type ModelKind } from "../src/ml/Models.ts"
import { MlRuntime, MlRuntimeCpu, MlRuntimeWasm, withBackend, type MlRuntimeService } from "../src/ml/Runtime.ts"

const round = (x: number, d = 4) => Number(x.toPrecision(d))

/** Median of per-iteration times (ms) after a warm-up, at least `minIter` iterations and `minMs`. */
const timeMs = (fn: () => unknown, minIter: number, minMs: number): { ms: number; iterations: number } => {
  for (let i = 0; i < 3; i++) fn()
  const times: number[] = []
  const start = performance.now()
  while (times.length < minIter || performance.now() - start < minMs) {
    const t0 = performance.now()
    fn()
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  return { ms: times[Math.floor(times.length / 2)] as number, iterations: times.length }
}

const runWith = <A>(svc: MlRuntimeService, e: Effect.Effect<A, never, MlRuntime>): A => Effect.runSync(Effect.provideService(e, MlRuntime, svc))

export interface BackendDiff {
  readonly model: ModelKind
  readonly inputScale: number
  readonly logits: number
  readonly maxAbs: number
  /** max |Δ| / |ref| over logits with |ref| ≥ 1. */
  readonly maxRelAtLeast1: number
  /** max |Δ| / (1 + |ref|): the τ needed when τ_abs = τ_rel. */
  readonly maxNormalised: number
  readonly argmaxFlips: number
  readonly exactFraction: number
  /** DEFAULT_POLICY.tauAbs / maxNormalised. */
  readonly margin: number
}

/** cpu vs wasm logits on `items` inputs × `modelSeeds` weight seeds of one reference model. */
export const measureBackendDifference = async (kind: ModelKind, inputScale: number, items: number, modelSeeds: number): Promise<BackendDiff> => {
  let maxAbs = 0
  let maxRel = 0
  let maxNorm = 0
  let flips = 0
  let exact = 0
  let total = 0
  for (let ms = 0; ms < modelSeeds; ms++) {
    const spec = { ...REFERENCE_SPECS[kind], seed: REFERENCE_SPECS[kind].seed + 1000 * ms }
    const m = buildReferenceModel(spec)
    const x = drawInputs(spec, 100 + ms, items).map((v) => v * inputScale)
    const run = (b: "cpu" | "wasm") => withBackend(b, () => forward(spec, paramsToTensors(m), inputTensor(spec, x)).dataSync().slice())
    const c = await run("cpu")
    const w = await run("wasm")
    const k = spec.classes
    for (let i = 0; i < items; i++) {
      let a1 = 0
      let a2 = 0
      for (let j = 0; j < k; j++) {
        const r = c[i * k + j] as number
        const d = Math.abs(r - (w[i * k + j] as number))
        total++
        if (d === 0) exact++
        maxAbs = Math.max(maxAbs, d)
        if (Math.abs(r) >= 1) maxRel = Math.max(maxRel, d / Math.abs(r))
        maxNorm = Math.max(maxNorm, d / (1 + Math.abs(r)))
        if ((c[i * k + j] as number) > (c[i * k + a1] as number)) a1 = j
        if ((w[i * k + j] as number) > (w[i * k + a2] as number)) a2 = j
      }
      if (a1 !== a2) flips++
    }
  }
  return {
    model: kind,
    inputScale,
    logits: total,
    maxAbs,
    maxRelAtLeast1: maxRel,
    maxNormalised: maxNorm,
    argmaxFlips: flips,
    exactFraction: round(exact / total, 3),
    margin: round(DEFAULT_POLICY.tauAbs / maxNorm, 3),
  }
}

export async function benchMlInference(emit: (o: object) => void, progress: (s: string) => void, quick: boolean): Promise<void> {
  const services = {
    wasm: await Effect.runPromise(Effect.provide(MlRuntime, MlRuntimeWasm)),
    cpu: await Effect.runPromise(Effect.provide(MlRuntime, MlRuntimeCpu)),
  }
  emit({ bench: "ml-runtime", wasm: services.wasm.describe, cpu: services.cpu.describe })
  const budget = quick ? { minIter: 5, minMs: 200 } : { minIter: 20, minMs: 1000 }
  for (const n of quick ? [32] : [128, 1024])
  for (const kind of MODEL_KINDS) {
    const spec = REFERENCE_SPECS[kind]
    const task: InferenceTask = makeInferenceTask(sha256, spec, drawInputs(spec, 1, n))
    const perItem: Record<string, number> = {}
    const hash = timeMs(() => inferenceTaskHash(sha256, task), budget.minIter, budget.minMs / 4)
    emit({ bench: "ml-task-hash", model: kind, batch: n, taskBytes: encodeInferenceTask(task).length, ms: round(hash.ms) })
    for (const b of ["wasm", "cpu"] as const) {
      progress(`ml-inference ${kind} on ${b}`)
      const svc = services[b]
      const full = timeMs(() => runWith(svc, runInference(task)), budget.minIter, budget.minMs)
      perItem[b] = full.ms / n
      emit({
        bench: "ml-inference",
        model: kind,
        backend: svc.variant,
        batch: n,
        msPerBatch: round(full.ms),
        msPerItem: round(full.ms / n),
        itemsPerSec: round((1000 * n) / full.ms),
        ratioToWasm: round(perItem[b] / (perItem.wasm as number), 3),
        iterations: full.iterations,
      })
      const claim = runWith(svc, runInference(task))
      const taskId = inferenceTaskHash(sha256, task)
      for (const k of [1, 4, 16]) {
        let s = 0
        const seed = new Uint8Array(32)
        const check = timeMs(
          () => {
            seed[0] = s++ & 0xff
            const v = runWith(svc, spotCheck(sha256, task, claim, seed, k, { taskId }))
            if (!v.ok) throw new Error(`honest claim failed a spot check: ${v.detail}`)
          },
          budget.minIter,
          budget.minMs,
        )
        // The verifier knows the task id from the claim; hashing the task is reported separately.
        emit({
          bench: "ml-spotcheck",
          model: kind,
          backend: svc.variant,
          batch: n,
          k,
          msPerCheck: round(check.ms),
          ratioToFullInference: round(check.ms / full.ms, 3),
          iterations: check.iterations,
        })
      }
    }
  }
  const items = quick ? 300 : 1500
  const seeds = quick ? 1 : 4
  for (const kind of MODEL_KINDS)
    for (const scale of [1, 4]) {
      progress(`ml-backend-diff ${kind} ×${scale}`)
      emit({ bench: "ml-backend-diff", ...(await measureBackendDifference(kind, scale, items, seeds)), tau: DEFAULT_POLICY.tauAbs })
    }
}
