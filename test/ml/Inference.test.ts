// VER-INF.1..14: inference tasks and claims, spot checks (with measured detection rates),
// consistency, canaries, the comparison policy and the typed errors.
import { sha256 } from "@noble/hashes/sha2.js"
import { Effect, Either, Layer } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import {
  INPUT_BOUND,
  auditedOutputHash,
  buildTaskStream,
  checkCanary,
  checkConsistency,
  checkStreamCanaries,
  compareLogits,
  decodeInferenceClaim,
  decodeInferenceTask,
  detectionProbability,
  drawInputs,
  encodeInferenceClaim,
  encodeInferenceTask,
  inferenceOutputHash,
  inferenceTaskHash,
  makeCanary,
  makeInferenceTask,
  runInference,
  sampleIndices,
  samplesForDetection,
  spotCheck,
  validateInferenceTask,
  type Canary,
  type InferenceClaim,
  type InferenceTask,
  type InferenceVerdict,
} from "../../src/ml/Inference.ts"
import { REFERENCE_SPECS, float32ToLe, leToFloat32, MODEL_KINDS } from "../../src/ml/Models.ts"
import { MlRuntime, MlRuntimeCpu, MlRuntimeWasm } from "../../src/ml/Runtime.ts"

const onWasm = <A>(e: Effect.Effect<A, never, MlRuntime>): Promise<A> =>
  Effect.runPromise(Effect.provide(e, MlRuntimeWasm as Layer.Layer<MlRuntime>).pipe(Effect.orDie))
const onCpu = <A>(e: Effect.Effect<A, never, MlRuntime>): Promise<A> => Effect.runPromise(Effect.provide(e, MlRuntimeCpu))
const seedOf = (s: number) => sha256(new Uint8Array([s >>> 24, s >>> 16, s >>> 8, s]))
const code = (v: InferenceVerdict) => (v.ok ? "ok" : v.code)

const spec = REFERENCE_SPECS.mlp
const task = makeInferenceTask(sha256, spec, drawInputs(spec, 5, 32))

/** A claim whose logits are `f(honest logits)`, with the same backend label. */
const tamper = (claim: InferenceClaim, f: (v: Float32Array) => void): InferenceClaim => {
  const v = leToFloat32(claim.logits)!
  f(v)
  return { backend: claim.backend, logits: float32ToLe(v) }
}

describe("tasks and claims (VER-INF.1..4)", () => {
  it("round-trip through canonical bytes; ids and output hashes are tagged SHA-256", async () => {
    const bytes = encodeInferenceTask(task)
    const back = decodeInferenceTask(sha256, bytes)
    expect(Either.isRight(back)).toBe(true)
    expect(toHex(encodeInferenceTask(Either.getOrThrow(back)))).toBe(toHex(bytes))
    const claim = await onWasm(runInference(task))
    expect(claim.logits.length).toBe(32 * 10 * 4)
    const c2 = decodeInferenceClaim(encodeInferenceClaim(claim))
    expect(Either.isRight(c2) && toHex(c2.right.logits)).toBe(toHex(claim.logits))
    expect(inferenceTaskHash(sha256, task).length).toBe(32)
    expect(toHex(inferenceOutputHash(sha256, claim.logits))).not.toBe(toHex(sha256(claim.logits)))
  })

  it("invalid tasks are typed errors (INF_DECODE, INF_BAD_TASK, INF_MODEL_MISMATCH)", () => {
    const codeOf = (t: InferenceTask) => {
      const r = validateInferenceTask(sha256, t)
      return Either.isLeft(r) ? r.left.code : "ok"
    }
    const nan = float32ToLe(Float32Array.from({ length: 32 }, () => NaN))
    const big = float32ToLe(Float32Array.from({ length: 32 }, () => INPUT_BOUND * 1.01))
    expect(codeOf({ ...task, version: 2 })).toBe("INF_BAD_TASK")
    expect(codeOf({ ...task, inputs: [] })).toBe("INF_BAD_TASK")
    expect(codeOf({ ...task, inputs: [new Uint8Array(12)] })).toBe("INF_BAD_TASK")
    expect(codeOf({ ...task, inputs: [nan] })).toBe("INF_BAD_TASK")
    expect(codeOf({ ...task, inputs: [big] })).toBe("INF_BAD_TASK")
    expect(codeOf({ ...task, model: { ...task.model, inputShape: [32, 1] } })).toBe("INF_BAD_TASK")
    expect(codeOf({ ...task, model: { ...task.model, seed: 2 } })).toBe("INF_MODEL_MISMATCH")
    expect(codeOf({ ...task, modelHash: new Uint8Array(32) })).toBe("INF_MODEL_MISMATCH")
    const r = decodeInferenceTask(sha256, new Uint8Array([0xa0]))
    expect(Either.isLeft(r) && r.left.code).toBe("INF_DECODE")
  })

  it("decoders never throw on arbitrary bytes (fast-check, 300 runs, seed 43)", () => {
    const valid = encodeInferenceTask(task)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(valid.length - 1), fc.nat(255), (junk, at, b) => {
        const mutated = valid.slice()
        mutated[at] = b
        for (const bytes of [junk, mutated]) {
          const t = decodeInferenceTask(sha256, bytes)
          if (Either.isLeft(t)) expect(t.left._tag).toBe("InferenceError")
          const c = decodeInferenceClaim(bytes)
          if (Either.isLeft(c)) expect(c.left.code).toBe("INF_DECODE")
        }
      }),
      { numRuns: 300, seed: 43 },
    )
  })
})

describe("comparison policy (VER-INF.5)", () => {
  it("exact on the same deterministic variant, tolerant across variants", () => {
    const ref = Float32Array.of(1, -2, 0.5)
    const ulp = Float32Array.of(Math.fround(1 + 2 ** -23), -2, 0.5)
    expect(compareLogits(ref, ref, true)).toBeUndefined()
    expect(compareLogits(ref, ulp, true)).toMatch(/exact/)
    expect(compareLogits(ref, ulp, false)).toBeUndefined()
    expect(compareLogits(ref, Float32Array.of(1 + 1e-4, -2, 0.5), false)).toMatch(/logit 0/)
    expect(compareLogits(ref, Float32Array.of(1, -2), false)).toMatch(/length/)
    // A float16-precision answer (relative error ~5e-4) is outside the tolerance.
    expect(compareLogits(ref, Float32Array.of(1.0005, -2.001, 0.50025), false)).toBeDefined()
  })
})

describe("spot checks (VER-INF.6..8)", () => {
  it("an honest worker passes on every worker/verifier backend pair", async () => {
    const byCpu = await onCpu(runInference(task))
    const byWasm = await onWasm(runInference(task))
    expect(byCpu.backend).toBe("cpu")
    for (const claim of [byCpu, byWasm]) {
      for (const s of [1, 2, 3]) {
        expect(code(await onWasm(spotCheck(sha256, task, claim, seedOf(s), 8)))).toBe("ok")
        expect(code(await onCpu(spotCheck(sha256, task, claim, seedOf(s), 8)))).toBe("ok")
      }
    }
    // All three reference models, cross-backend, every item checked.
    for (const kind of MODEL_KINDS) {
      const t = makeInferenceTask(sha256, REFERENCE_SPECS[kind], drawInputs(REFERENCE_SPECS[kind], 8, 16))
      expect(code(await onWasm(spotCheck(sha256, t, await onCpu(runInference(t)), seedOf(0), 16)))).toBe("ok")
    }
  })

  it("one changed ulp is caught on the same variant and tolerated across variants", async () => {
    const claim = await onWasm(runInference(task))
    const bad = tamper(claim, (v) => {
      for (let i = 0; i < v.length; i++) v[i] = Math.fround(v[i]! * (1 + 2 ** -22))
    })
    const v = await onWasm(spotCheck(sha256, task, bad, seedOf(1), 2))
    expect(code(v)).toBe("INF_MISMATCH")
    expect(code(await onCpu(spotCheck(sha256, task, bad, seedOf(1), 2)))).toBe("ok")
    // Claiming another (non-deterministic) variant does not buy more than the tolerance.
    const relabelled = { ...tamper(claim, (x) => x.fill(0.5)), backend: "tensorflow" }
    expect(code(await onWasm(spotCheck(sha256, task, relabelled, seedOf(1), 1)))).toBe("INF_MISMATCH")
  })

  it("lazy (zeros, random) and copying workers are caught by any spot check", async () => {
    const honest = await onWasm(runInference(task))
    let r = 1
    const lazy = [
      tamper(honest, (v) => v.fill(0)),
      tamper(honest, (v) => v.forEach((_, i) => (v[i] = ((r = (r * 48271) % 2147483647) / 2147483647) * 4 - 2))),
      // answers item i with the output of item i+1 (mod n): every item carries a real but wrong output
      tamper(honest, (v) => {
        const copy = Float32Array.from(v)
        v.set(copy.subarray(10), 0)
        v.set(copy.subarray(0, 10), copy.length - 10)
      }),
    ]
    for (const claim of lazy)
      for (let s = 0; s < 12; s++) {
        const v = await onWasm(spotCheck(sha256, task, claim, seedOf(s), 1))
        expect(code(v)).toBe("INF_MISMATCH")
        // The auditor's report then differs from the claim's output hash (VER-INF.14).
        expect(toHex(auditedOutputHash(sha256, claim, v))).not.toBe(toHex(inferenceOutputHash(sha256, claim.logits)))
      }
    expect(toHex(auditedOutputHash(sha256, honest, { ok: true }))).toBe(toHex(inferenceOutputHash(sha256, honest.logits)))
  })

  it("the sample is uniform: each index is included with frequency k/n (2000 samples)", () => {
    const n = 16
    const k = 4
    const counts = new Array<number>(n).fill(0)
    const id = inferenceTaskHash(sha256, task)
    for (let s = 0; s < 2000; s++) {
      const idx = sampleIndices(sha256, seedOf(s), id, n, k)
      expect(new Set(idx).size).toBe(k)
      for (const i of idx) counts[i]!++
    }
    const mean = (2000 * k) / n
    const sd = Math.sqrt(2000 * (k / n) * (1 - k / n))
    for (const c of counts) expect(Math.abs(c - mean)).toBeLessThan(4.5 * sd)
    expect(sampleIndices(sha256, seedOf(1), id, 3, 10).sort()).toEqual([0, 1, 2])
    expect(sampleIndices(sha256, seedOf(1), id, 16, 4)).toEqual(sampleIndices(sha256, seedOf(1), id, 16, 4))
  })

  it("a worker failing a fraction f of items is caught at rate 1-C(n-m,k)/C(n,k) (400 seeds per case)", async () => {
    const honest = await onWasm(runInference(task))
    const n = 32
    const rows: string[] = []
    for (const [m, k, offset] of [[4, 4, 0], [8, 2, 10_000], [2, 8, 20_000]] as const) {
      // The cheater picks its m bad items itself, independently of the audit seed.
      const bad = new Set(sampleIndices(sha256, seedOf(9999), new Uint8Array(0), n, m))
      const claim = tamper(honest, (v) => bad.forEach((i) => v.fill(0, i * 10, i * 10 + 10)))
      let caught = 0
      const runs = 400
      for (let s = 0; s < runs; s++) {
        const v = await onWasm(spotCheck(sha256, task, claim, seedOf(offset + s), k))
        if (!v.ok) {
          expect(v.code).toBe("INF_MISMATCH")
          expect(bad.has(v.item)).toBe(true)
          caught++
        }
      }
      const p = detectionProbability(n, m, k)
      const sd = Math.sqrt((p * (1 - p)) / runs)
      rows.push(`f=${m / n} k=${k}: measured ${(caught / runs).toFixed(3)}, exact ${p.toFixed(3)}, 1-(1-f)^k ${(1 - (1 - m / n) ** k).toFixed(3)}`)
      expect(Math.abs(caught / runs - p)).toBeLessThan(4 * sd)
    }
    console.info(rows.join("\n"))
  })

  it("detection probability formula and sample sizing (VER-INF.7)", () => {
    expect(detectionProbability(32, 4, 4)).toBeCloseTo(1 - (28 * 27 * 26 * 25) / (32 * 31 * 30 * 29), 12)
    expect(detectionProbability(10, 0, 5)).toBe(0)
    expect(detectionProbability(10, 1, 10)).toBe(1)
    expect(detectionProbability(1000, 100, 20)).toBeGreaterThanOrEqual(1 - 0.9 ** 20)
    expect(samplesForDetection(0.1, 0.99)).toBe(44)
    expect(samplesForDetection(1, 0.99)).toBe(1)
  })

  it("malformed outputs are INF_MALFORMED_OUTPUT for every verifier", async () => {
    const honest = await onWasm(runInference(task))
    const short: InferenceClaim = { backend: honest.backend, logits: honest.logits.subarray(0, honest.logits.length - 1) }
    const nan = tamper(honest, (v) => (v[25] = NaN))
    const canary: Canary = { task, expected: leToFloat32(honest.logits)!, variant: "wasm-simd" }
    for (const claim of [short, nan]) {
      const verdicts = [
        await onWasm(spotCheck(sha256, task, claim, seedOf(1), 4)),
        checkConsistency([{ task, claim }]),
        checkCanary(canary, claim),
      ]
      for (const v of verdicts) expect(code(v)).toBe("INF_MALFORMED_OUTPUT")
    }
    const v = checkCanary(canary, nan)
    expect(!v.ok && v.item).toBe(2)
  })
})

describe("consistency (VER-INF.9)", () => {
  it("the same input must get the same answer within and across tasks", async () => {
    const x = drawInputs(spec, 5, 32)
    const d = 32
    // Task B repeats items 3 and 7 of task A and contains item 3 twice.
    const xb = new Float32Array(4 * d)
    xb.set(x.subarray(3 * d, 4 * d), 0)
    xb.set(drawInputs(spec, 6, 1), d)
    xb.set(x.subarray(7 * d, 8 * d), 2 * d)
    xb.set(x.subarray(3 * d, 4 * d), 3 * d)
    const b = makeInferenceTask(sha256, spec, xb)
    const a1 = await onWasm(runInference(task))
    const b1 = await onWasm(runInference(b))
    const bCpu = await onCpu(runInference(b))
    expect(code(checkConsistency([{ task, claim: a1 }, { task: b, claim: b1 }]))).toBe("ok")
    expect(code(checkConsistency([{ task, claim: a1 }, { task: b, claim: bCpu }]))).toBe("ok")
    // A worker answering one repeated item differently.
    const v = checkConsistency([{ task, claim: a1 }, { task: b, claim: tamper(b1, (z) => (z[30] = z[30]! + 0.25)) }])
    expect(code(v)).toBe("INF_INCONSISTENT")
    expect(!v.ok && v.item).toBe(32 + 3)
    // A worker that produces random outputs (no caching) fails on the in-task repeat too.
    let r = 7
    const random = tamper(b1, (z) => z.forEach((_, i) => (z[i] = ((r = (r * 48271) % 2147483647) / 2147483647) * 2 - 1)))
    expect(code(checkConsistency([{ task: b, claim: random }]))).toBe("INF_INCONSISTENT")
  })
})

describe("canaries (VER-INF.10..12)", () => {
  const secret = seedOf(424242)
  const realTasks = [11, 12, 13, 14, 15, 16].map((s) => makeInferenceTask(sha256, spec, drawInputs(spec, s, 8)))

  it("canaries sit at secret-seeded positions; real tasks keep their order", async () => {
    const canaries = await onWasm(Effect.all([101, 102, 103].map((s) => makeCanary(sha256, spec, drawInputs(spec, s, 8)))))
    const a = buildTaskStream(sha256, realTasks, canaries, secret)
    const b = buildTaskStream(sha256, realTasks, canaries, secret)
    const c = buildTaskStream(sha256, realTasks, canaries, seedOf(1))
    expect(a.stream.length).toBe(9)
    expect([...a.canaryAt.keys()]).toEqual([...b.canaryAt.keys()])
    const positions = (s: typeof a) => [...s.canaryAt.keys()].sort().join(",")
    const others = [1, 2, 3, 4, 5, 6].map((i) => positions(buildTaskStream(sha256, realTasks, canaries, seedOf(i))))
    expect(new Set([positions(a), positions(c), ...others]).size).toBeGreaterThan(1)
    expect(a.stream.filter((_, i) => !a.canaryAt.has(i))).toEqual(realTasks)
  })

  it("a canary task is indistinguishable from a real one in its encoding", async () => {
    const canary = await onWasm(makeCanary(sha256, spec, drawInputs(spec, 201, 8)))
    const realBytes = encodeInferenceTask(realTasks[0]!)
    const canaryBytes = encodeInferenceTask(canary.task)
    expect(canaryBytes.length).toBe(realBytes.length)
    // Same structure: identical bytes once the input items are blanked out.
    const blank = (t: InferenceTask) => toHex(encodeInferenceTask({ ...t, inputs: t.inputs.map((i) => new Uint8Array(i.length)) }))
    expect(blank(canary.task)).toBe(blank(realTasks[0]!))
    // Same input distribution (same generator): moments agree.
    const stats = (xs: Float32Array) => {
      const mean = xs.reduce((a, v) => a + v, 0) / xs.length
      return [mean, xs.reduce((a, v) => a + (v - mean) ** 2, 0) / xs.length]
    }
    const [m1, v1] = stats(drawInputs(spec, 301, 400))
    const [m2, v2] = stats(leToFloat32(Uint8Array.from(canary.task.inputs.flatMap((i) => Array.from(i))))!)
    expect(Math.abs(m1! - m2!)).toBeLessThan(0.05)
    expect(Math.abs(v1! - v2!)).toBeLessThan(0.05)
  })

  it("honest workers pass every canary; a worker skipping work on a fraction of tasks fails them", async () => {
    const canaries = await onWasm(Effect.all([101, 102, 103].map((s) => makeCanary(sha256, spec, drawInputs(spec, s, 8)))))
    const { stream, canaryAt } = buildTaskStream(sha256, realTasks, canaries, secret)
    const honest = await onCpu(Effect.all(stream.map(runInference)))
    expect(code(checkStreamCanaries(canaryAt, honest))).toBe("ok")
    // A worker that zeroes its answers on stream entries it chooses to skip.
    for (let skip = 0; skip < stream.length; skip++) {
      const claims = honest.map((c, i) => (i === skip ? tamper(c, (v) => v.fill(0)) : c))
      const v = checkStreamCanaries(canaryAt, claims)
      expect(code(v)).toBe(canaryAt.has(skip) ? "INF_CANARY_FAILED" : "ok")
      if (!v.ok) expect(v.item).toBe(skip)
    }
    // Missing answers count as failed canaries.
    const missing = [...canaryAt.keys()].some((p) => p >= 2)
    expect(code(checkStreamCanaries(canaryAt, honest.slice(0, 2)))).toBe(missing ? "INF_CANARY_FAILED" : "ok")
  })
})
