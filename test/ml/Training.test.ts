// VER-TRAIN.1..14: training verification (paper §4.4, eq. 4). Honest updates computed on one tfjs
// backend pass a verifier on the other; every attack fails with its code; bad bytes give typed errors.
import { sha256 } from "@noble/hashes/sha2.js"
import { Effect, Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { bytesEqual } from "../../src/codec/Bytes.ts"
import type { WorkClaim } from "../../src/domain/Work.ts"
import { MlRuntimeCpu, withBackend, type BackendName } from "../../src/ml/Runtime.ts"
import {
  auditOpenings,
  auditSegments,
  batchIndices,
  checkTask,
  encodeTranscript,
  flatDelta,
  makeTrainingTask,
  openCheckpoint,
  paramTensors,
  roundBf16,
  roundFp16,
  roundTf32,
  TOLERANCE,
  train,
  TrainingCodecs,
  TrainingError,
  trainingTaskOfClaim,
  trainingTaskSpec,
  ulpAllowance,
  updateMetrics,
  verifyTrainingAudit,
  verifyTrainingAuditEffect,
  verifyTranscript,
  type ParamSet,
  type PrecisionMode,
  type TolerancePolicy,
  type TrainingAuditInput,
  type TrainingRun,
  type TrainingTask,
  type TrainOptions,
} from "../../src/ml/Training.ts"

const STEPS = 6
const mlpTask: TrainingTask = makeTrainingTask(sha256, {
  model: "mlp",
  datasetSeed: 11,
  datasetSize: 256,
  batchSize: 16,
  lrNano: 100_000_000,
  steps: STEPS,
  interval: 1,
  precision: "fp32",
})
const ALL = Array.from({ length: STEPS }, (_, k) => k)

const trainOn = (backend: BackendName, task: TrainingTask, opts: TrainOptions = {}): Promise<TrainingRun> =>
  withBackend(backend, () => train(sha256, task, opts))

const auditInput = (run: TrainingRun, segments: ReadonlyArray<number>, policy?: TolerancePolicy): TrainingAuditInput => ({
  task: run.task,
  outputHash: run.outputHash,
  transcript: encodeTranscript(run),
  segments,
  openings: new Map(auditOpenings(run.task, segments).map((s) => [s, openCheckpoint(run, s)])),
  ...(policy === undefined ? {} : { policy }),
})

const audit = (backend: BackendName, input: TrainingAuditInput) => withBackend(backend, () => verifyTrainingAudit(sha256, input))

const expectCode = (r: Either.Either<unknown, TrainingError>, code: TrainingError["code"]): TrainingError => {
  if (Either.isRight(r)) throw new Error(`expected ${code}, got acceptance`)
  expect(r.left.code, r.left.message).toBe(code)
  return r.left
}

/** θ + f(Δ) where Δ is the honest update prev → next. */
const editDelta = (prev: ParamSet, next: ParamSet, f: (d: Float64Array) => void): ParamSet => {
  const d = flatDelta(prev, next)
  f(d)
  let o = 0
  return { ...prev, values: prev.values.map((v) => Float32Array.from(v, (x) => x + (d[o++] as number))) }
}

/** A cpu training run of the mlp task whose checkpoint θ_3 (segment 2) is replaced by `f`. */
const tampered = (f: NonNullable<TrainOptions["tamper"]>, task = mlpTask) =>
  trainOn("cpu", task, { tamper: (step, prev, next, hist) => (step === 3 ? f(step, prev, next, hist) : next) })

describe("honest updates cross backends (VER-TRAIN.8, VER-TRAIN.11)", () => {
  it("an mlp trained on wasm passes a cpu verifier and one trained on cpu passes a wasm verifier, although their bytes differ", async () => {
    const runW = await trainOn("wasm", mlpTask)
    const runC = await trainOn("cpu", mlpTask)
    // Different kernels, different float32 rounding: the chains differ, so verification must be tolerant.
    expect(bytesEqual(runW.outputHash, runC.outputHash)).toBe(false)
    const w = await audit("cpu", auditInput(runW, ALL))
    const c = await audit("wasm", auditInput(runC, ALL))
    for (const r of [w, c]) {
      if (Either.isLeft(r)) throw r.left
      expect(r.right.checks).toHaveLength(STEPS)
      for (const ch of r.right.checks) expect(ch.metrics.relL2).toBeLessThanOrEqual(TOLERANCE.fp32.relL2)
    }
    // Same backend: the recompute is bit-exact (every metric is 0).
    const same = await audit("cpu", auditInput(runC, ALL))
    if (Either.isLeft(same)) throw same.left
    for (const ch of same.right.checks) expect(ch.metrics).toEqual({ relL2: 0, cosDist: 0, maxRelLarge: 0, linf: 0 })
  })

  it("the attention model too (wasm worker, cpu verifier and back)", async () => {
    const task = makeTrainingTask(sha256, { ...mlpTask, model: "attention", steps: 3 })
    for (const [worker, verifier] of [["wasm", "cpu"], ["cpu", "wasm"]] as const) {
      const run = await trainOn(worker, task)
      const r = await audit(verifier, auditInput(run, [0, 1, 2]))
      if (Either.isLeft(r)) throw r.left
    }
  })

  it("conv cannot be recomputed on wasm (no Conv2DBackpropFilter kernel in tfjs-backend-wasm 4.22): TRAIN_RECOMPUTE_FAILED, no verdict", async () => {
    const task = makeTrainingTask(sha256, { ...mlpTask, model: "conv", steps: 2, batchSize: 8 })
    const run = await trainOn("cpu", task)
    const ok = await audit("cpu", auditInput(run, [0, 1]))
    if (Either.isLeft(ok)) throw ok.left
    expectCode(await audit("wasm", auditInput(run, [1])), "TRAIN_RECOMPUTE_FAILED")
  })

  it("runs through the MlRuntime service (Effect entry point)", async () => {
    const run = await trainOn("wasm", mlpTask)
    const r = await Effect.runPromise(Effect.either(verifyTrainingAuditEffect(sha256, auditInput(run, [4])).pipe(Effect.provide(MlRuntimeCpu))))
    expect(Either.isRight(r)).toBe(true)
  })
})

describe("attacks fail with their code (VER-TRAIN.11, VER-TRAIN.12)", () => {
  it("tampered update: noise of 1e-3·rms(Δ), one sign flip, one coordinate changed", async () => {
    const cases: Array<(d: Float64Array) => void> = [
      (d) => {
        const rms = Math.sqrt(d.reduce((a, x) => a + x * x, 0) / d.length)
        d.forEach((_, j) => (d[j] = (d[j] as number) + 1e-3 * rms * Math.sin(j * 12.9898)))
      },
      (d) => {
        let m = 0
        d.forEach((x, j) => (Math.abs(x) > Math.abs(d[m] as number) ? (m = j) : 0))
        d[m] = -(d[m] as number)
      },
      (d) => {
        d[100] = (d[100] as number) + 0.01 * Math.max(...Array.from(d, Math.abs))
      },
    ]
    for (const f of cases) {
      const run = await tampered((_s, prev, next) => editDelta(prev, next, f))
      const e = expectCode(await audit("cpu", auditInput(run, [2])), "TRAIN_UPDATE_MISMATCH")
      expect(e.step).toBe(2)
      expect(e.violations?.length).toBeGreaterThan(0)
      // the other segments are untouched relative to their own start and still pass
      const rest = await audit("cpu", auditInput(run, [0, 4]))
      expect(Either.isRight(rest)).toBe(true)
    }
  })

  it("wrong learning rate (×0.5, ×2, ×1.01) fails relL2", async () => {
    for (const factor of [0.5, 2, 1.01]) {
      const run = await tampered((_s, prev, next) => editDelta(prev, next, (d) => d.forEach((x, j) => (d[j] = x * factor))))
      const e = expectCode(await audit("cpu", auditInput(run, [2])), "TRAIN_UPDATE_MISMATCH")
      expect(e.violations).toContain("relL2")
    }
  })

  it("skipped step: θ_3 = θ_2 is caught from the transcript alone, a disguised skip by the recompute", async () => {
    const run = await tampered((_s, prev) => prev)
    const t = verifyTranscript(sha256, run.task, run.outputHash, encodeTranscript(run))
    expect(expectCode(t, "TRAIN_SKIPPED_STEP").step).toBe(2)
    expectCode(await audit("cpu", auditInput(run, [0])), "TRAIN_SKIPPED_STEP")
    const disguised = await tampered((_s, prev, next) => editDelta(prev, next, (d) => d.forEach((x, j) => (d[j] = 1e-4 * Math.cos(j)))))
    expectCode(await audit("cpu", auditInput(disguised, [2])), "TRAIN_UPDATE_MISMATCH")
  })

  it("replayed old update: θ_3 = θ_2 + Δ_1 fails the recompute and is named a replay", async () => {
    const run = await tampered((_s, prev, _next, hist) => editDelta(prev, hist[2] as ParamSet, (d) => d.set(flatDelta(hist[1] as ParamSet, hist[2] as ParamSet))))
    const e = expectCode(await audit("cpu", auditInput(run, [2])), "TRAIN_REPLAYED")
    expect(e.violations).toContain("relL2")
  })

  it("replayed checkpoint: θ_4 = θ_2 is caught from the transcript", async () => {
    const run = await trainOn("cpu", mlpTask, { tamper: (step, _p, next, hist) => (step === 4 ? (hist[2] as ParamSet) : next) })
    expectCode(verifyTranscript(sha256, run.task, run.outputHash, encodeTranscript(run)), "TRAIN_REPLAYED")
  })
})

describe("openings and the commitment chain (VER-TRAIN.4, VER-TRAIN.6)", () => {
  it("a wrong opening, a wrong chain, a wrong h_0, a missing or misplaced opening fail with their codes", async () => {
    const run = await trainOn("cpu", mlpTask)
    const base = auditInput(run, [2])
    expect(Either.isRight(await audit("cpu", base))).toBe(true)
    // opening of θ_3 with one value changed
    const p3 = run.checkpoints[3] as ParamSet
    const edited: ParamSet = { ...p3, values: p3.values.map((v, i) => (i === 0 ? Float32Array.from(v, (x, j) => (j === 5 ? x + 1e-3 : x)) : v)) }
    const bad = TrainingCodecs.CheckpointOpening.encode({ step: 3, params: [...paramTensors(edited)] })
    expectCode(await audit("cpu", { ...base, openings: new Map([...base.openings, [3, bad]]) }), "TRAIN_OPENING_MISMATCH")
    // the opening of another step
    expectCode(await audit("cpu", { ...base, openings: new Map([...base.openings, [3, openCheckpoint(run, 4)]]) }), "TRAIN_SKIPPED_STEP")
    // missing opening
    const missing = new Map(base.openings)
    missing.delete(2)
    expectCode(await audit("cpu", { ...base, openings: missing }), "TRAIN_SKIPPED_STEP")
    // outputHash not the chain head; a transcript entry changed; a short transcript
    expectCode(await audit("cpu", { ...base, outputHash: new Uint8Array(32) }), "TRAIN_OPENING_MISMATCH")
    const hs = run.paramsHashes.map((h) => h.slice())
    const h3 = hs[3] as Uint8Array
    h3[0] = (h3[0] as number) ^ 1
    expectCode(await audit("cpu", { ...base, transcript: encodeTranscript({ paramsHashes: hs }) }), "TRAIN_OPENING_MISMATCH")
    expectCode(await audit("cpu", { ...base, transcript: encodeTranscript({ paramsHashes: run.paramsHashes.slice(0, 4) }) }), "TRAIN_SKIPPED_STEP")
    // a worker that starts from other initial parameters than the task's (h_0 differs)
    const moved = await trainOn("cpu", mlpTask, { initial: run.checkpoints[1] as ParamSet })
    expectCode(verifyTranscript(sha256, mlpTask, moved.outputHash, encodeTranscript(moved)), "TRAIN_OPENING_MISMATCH")
    expectCode(await audit("cpu", auditInput(moved, [2])), "TRAIN_OPENING_MISMATCH")
  })

  it("malformed bytes, non-finite values and wrong shapes are typed errors, never exceptions", async () => {
    const run = await trainOn("cpu", mlpTask)
    const base = auditInput(run, [1])
    expectCode(await audit("cpu", { ...base, transcript: new Uint8Array([0xff, 0x00]) }), "TRAIN_MALFORMED")
    expectCode(await audit("cpu", { ...base, openings: new Map([...base.openings, [2, new Uint8Array([1, 2, 3])]]) }), "TRAIN_MALFORMED")
    const p2 = run.checkpoints[2] as ParamSet
    const withNaN: ParamSet = { ...p2, values: p2.values.map((v, i) => (i === 1 ? Float32Array.from(v, (x, j) => (j === 0 ? NaN : x)) : v)) }
    expectCode(
      await audit("cpu", { ...base, openings: new Map([...base.openings, [2, TrainingCodecs.CheckpointOpening.encode({ step: 2, params: [...paramTensors(withNaN)] })]]) }),
      "TRAIN_MALFORMED",
    )
    const dropped = TrainingCodecs.CheckpointOpening.encode({ step: 2, params: [...paramTensors(p2)].slice(1) })
    expectCode(await audit("cpu", { ...base, openings: new Map([...base.openings, [2, dropped]]) }), "TRAIN_BAD_SHAPE")
    const reshaped = [...paramTensors(p2)].map((t, i) => (i === 0 ? { ...t, shape: [...t.shape].reverse() } : t))
    expectCode(await audit("cpu", { ...base, openings: new Map([...base.openings, [2, TrainingCodecs.CheckpointOpening.encode({ step: 2, params: reshaped })]]) }), "TRAIN_BAD_SHAPE")
    expectCode(checkTask({ ...mlpTask, interval: 4 }), "TRAIN_BAD_TASK")
    expectCode(checkTask({ ...mlpTask, batchSize: 0 }), "TRAIN_BAD_TASK")
    expectCode(await audit("cpu", { ...base, task: { ...mlpTask, steps: 0 } }), "TRAIN_BAD_TASK")
  })

  it("arbitrary transcript and opening bytes never throw (150 runs, seed 1404)", async () => {
    const run = await trainOn("cpu", mlpTask)
    const base = auditInput(run, [1])
    await withBackend("cpu", () =>
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
          const r1 = verifyTrainingAudit(sha256, { ...base, transcript: a })
          const r2 = verifyTrainingAudit(sha256, { ...base, openings: new Map([...base.openings, [2, b]]) })
          return Either.isLeft(r1) && Either.isLeft(r2) && r1.left instanceof TrainingError && r2.left instanceof TrainingError
        }),
        { numRuns: 150, seed: 1404 },
      ),
    )
  })
})

describe("work-claim binding (VER-TRAIN.14)", () => {
  it("a claim binds the task through kind, params, taskId, modelHash and inputHash", () => {
    const claim: WorkClaim = {
      task: trainingTaskSpec(sha256, mlpTask, 1000),
      inputHash: mlpTask.initialParamsHash,
      outputHash: new Uint8Array(32),
      attestation: new Uint8Array(0),
      qualityClaims: { correctness: 0, utility: 0, novelty: 0 },
      noveltySketch: new Uint8Array(8),
    }
    const ok = trainingTaskOfClaim(sha256, claim)
    if (Either.isLeft(ok)) throw ok.left
    expect(ok.right).toEqual(mlpTask)
    expectCode(trainingTaskOfClaim(sha256, { ...claim, task: { ...claim.task, kind: "inference" } }), "TRAIN_CLAIM_MISMATCH")
    expectCode(trainingTaskOfClaim(sha256, { ...claim, task: { ...claim.task, taskId: new Uint8Array(32) } }), "TRAIN_CLAIM_MISMATCH")
    expectCode(trainingTaskOfClaim(sha256, { ...claim, task: { ...claim.task, modelHash: new Uint8Array(32) } }), "TRAIN_CLAIM_MISMATCH")
    expectCode(trainingTaskOfClaim(sha256, { ...claim, inputHash: new Uint8Array(32) }), "TRAIN_CLAIM_MISMATCH")
    expectCode(trainingTaskOfClaim(sha256, { ...claim, task: { ...claim.task, params: new Uint8Array([0xa0]) } }), "TRAIN_MALFORMED")
  })
})

describe("precision classes (VER-TRAIN.9, VER-TRAIN.11)", () => {
  const withClass = (precision: TrainingTask["precision"]) => makeTrainingTask(sha256, { ...mlpTask, precision })
  const cases: Array<[PrecisionMode, TrainingTask["precision"]]> = [
    ["tf32", "tf32"],
    ["bf16", "bf16"],
  ]
  for (const [mode, cls] of cases) {
    it(`an emulated ${mode} worker passes under the ${cls} policy and fails under the fp32 policy`, async () => {
      const run = await trainOn("wasm", withClass(cls), { mode })
      const ok = await audit("cpu", auditInput(run, ALL))
      if (Either.isLeft(ok)) throw ok.left
      const e = expectCode(await audit("cpu", auditInput(run, ALL, TOLERANCE.fp32)), "TRAIN_UPDATE_MISMATCH")
      expect(e.step).toBe(0) // already the first sampled segment
    })
  }

  it("bf16 / tf32 / fp16 rounding is round-to-nearest-even with the right overflow", () => {
    const f = (xs: number[]) => Float32Array.from(xs)
    // bf16 keeps 7 mantissa bits: 1 + 2^-8 is a tie (to even: 1), 1 + 3·2^-8 a tie (to 1 + 2^-6)
    expect([...roundBf16(f([1 + 2 ** -8, 1 + 3 * 2 ** -8, -(1 + 2 ** -7), 3.4028234663852886e38, NaN]))]).toEqual([
      1,
      1 + 2 ** -6,
      -(1 + 2 ** -7),
      Infinity,
      NaN,
    ])
    expect([...roundTf32(f([1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -10 + 2 ** -12]))]).toEqual([1, 1 + 2 ** -9, 1 + 2 ** -10])
    expect([...roundFp16(f([65519, 65520, 2 ** -25, 3 * 2 ** -25, 1 + 2 ** -11, -1e-8]))]).toEqual([65504, Infinity, 0, 2 ** -23, 1, -0])
  })
})

describe("sampling, schedule and metrics (VER-TRAIN.5, VER-TRAIN.7, VER-TRAIN.10)", () => {
  it("audit segments are distinct, in range, ascending and depend on the beacon; batches are deterministic", () => {
    const task = makeTrainingTask(sha256, { ...mlpTask, steps: 1000, interval: 10 })
    const id = new Uint8Array(32).fill(7)
    const a = auditSegments(sha256, new Uint8Array(32).fill(1), id, task, 20)
    const b = auditSegments(sha256, new Uint8Array(32).fill(2), id, task, 20)
    expect(a).toHaveLength(20)
    expect(new Set(a).size).toBe(20)
    expect(a.every((k, i) => k >= 0 && k < 100 && (i === 0 || k > (a[i - 1] as number)))).toBe(true)
    expect(a).toEqual(auditSegments(sha256, new Uint8Array(32).fill(1), id, task, 20))
    expect(a).not.toEqual(b)
    expect(auditSegments(sha256, id, id, task, 500)).toEqual(Array.from({ length: 100 }, (_, k) => k))
    expect(auditOpenings(task, [0, 5])).toEqual([0, 10, 40, 50, 60])
    const i1 = batchIndices(sha256, id, task, 3)
    expect(i1).toEqual(batchIndices(sha256, id, task, 3))
    expect(i1).not.toEqual(batchIndices(sha256, id, task, 4))
    expect(i1.every((v) => v >= 0 && v < task.datasetSize)).toBe(true)
  })

  it("metrics: identical updates give 0, a scaled update gives relL2 = |k − 1| with no angle, the ulp allowance absorbs one-ulp differences", () => {
    const d = Float64Array.from({ length: 1000 }, (_, j) => Math.sin(j + 1) * 1e-3)
    expect(updateMetrics(d, d)).toEqual({ relL2: 0, cosDist: 0, maxRelLarge: 0, linf: 0 })
    const m = updateMetrics(Float64Array.from(d, (x) => 1.1 * x), d)
    expect(m.relL2).toBeCloseTo(0.1, 12)
    expect(m.linf).toBeCloseTo(0.1, 12)
    expect(m.maxRelLarge).toBeCloseTo(0.1, 12)
    expect(m.cosDist).toBeLessThan(1e-15)
    const theta: ParamSet = { names: ["w"], shapes: [[3]], values: [Float32Array.from([0.5, -2, 1e-3])] }
    const a: ParamSet = { ...theta, values: [Float32Array.from([0.5 + 2 ** -10, -2 - 2 ** -9, 1e-3 + 1e-6])] }
    const bvals = Float32Array.from(a.values[0] as Float32Array)
    bvals[0] = Math.fround((bvals[0] as number) + 2 ** -24) // one ulp of ~0.5
    const b: ParamSet = { ...theta, values: [bvals] }
    const dA = flatDelta(theta, a)
    const dB = flatDelta(theta, b)
    expect(updateMetrics(dB, dA).relL2).toBeGreaterThan(0)
    expect(updateMetrics(dB, dA, 0.9, ulpAllowance(b, a, 1))).toEqual({ relL2: 0, cosDist: 0, maxRelLarge: 0, linf: 0 })
  })
})
