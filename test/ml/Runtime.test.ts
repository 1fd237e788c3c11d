// ML-RT.1..8: backend services, switching of the global engine, scoping, selection and fallback.
import * as tf from "@tensorflow/tfjs"
import { Effect, Either, Layer } from "effect"
import { describe, expect, it } from "vitest"
import {
  MlRuntime,
  MlRuntimeCpu,
  MlRuntimeDefault,
  MlRuntimeNative,
  MlRuntimeSelect,
  MlRuntimeWasm,
  backendVariant,
  ensureBackend,
  withBackend,
  type MlRuntimeService,
} from "../../src/ml/Runtime.ts"

const service = <E>(layer: Layer.Layer<MlRuntime, E>): Promise<MlRuntimeService> =>
  Effect.runPromise(Effect.provide(MlRuntime, layer) as Effect.Effect<MlRuntimeService, E>)

describe("ML runtime services (ML-RT.1..3)", () => {
  it("wasm and cpu layers run on their own backend and report it", async () => {
    const wasm = await service(MlRuntimeWasm)
    const cpu = await service(MlRuntimeCpu)
    expect(wasm.backend).toBe("wasm")
    expect(cpu.backend).toBe("cpu")
    expect(await Effect.runPromise(wasm.run(() => tf.getBackend()))).toBe("wasm")
    expect(await Effect.runPromise(cpu.run(() => tf.getBackend()))).toBe("cpu")
    // Interleaved runs switch the one global engine every time (ML-RT.2).
    const seen = await Effect.runPromise(
      Effect.all([wasm.run(() => tf.getBackend()), cpu.run(() => tf.getBackend()), wasm.run(() => tf.getBackend())]),
    )
    expect(seen).toEqual(["wasm", "cpu", "wasm"])
    expect(cpu.available).toContain("wasm")
    expect(cpu.available).toContain("cpu")
    expect(wasm.variant).toBe(backendVariant("wasm"))
    expect(["wasm", "wasm-simd"]).toContain(wasm.variant)
    expect(cpu.variant).toBe("cpu")
  })

  it("run disposes every tensor f allocates, also when f throws (ML-RT.2)", async () => {
    const cpu = await service(MlRuntimeCpu)
    const before = tf.memory().numTensors
    const v = await Effect.runPromise(cpu.run(() => Array.from(tf.add(tf.ones([4]), tf.ones([4])).dataSync())))
    expect(v).toEqual([2, 2, 2, 2])
    expect(tf.memory().numTensors).toBe(before)
    const r = await Effect.runPromise(
      Effect.either(
        Effect.try(() =>
          Effect.runSync(
            cpu.run(() => {
              tf.ones([8])
              throw new Error("boom")
            }),
          ),
        ),
      ),
    )
    expect(Either.isLeft(r)).toBe(true)
    expect(tf.memory().numTensors).toBe(before)
  })

  it("the same computation gives the same bytes on every run of a backend (ML-RT.7)", async () => {
    const x = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i))
    for (const b of ["cpu", "wasm"] as const) {
      const run = () => withBackend(b, () => tf.matMul(tf.tensor2d(x, [8, 8]), tf.tensor2d(x, [8, 8])).dataSync().slice())
      const [a, c] = [await run(), await run()]
      expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(true)
    }
  })
})

describe("native backend and default selection (ML-RT.4..5)", () => {
  it("the native layer fails with ML_BACKEND_UNAVAILABLE when tfjs-node is not installed", async () => {
    const r = await Effect.runPromise(Effect.either(ensureBackend("tensorflow")))
    // This repository does not depend on tfjs-node; if a machine has it, the layer must work instead.
    if (Either.isLeft(r)) {
      expect(r.left._tag).toBe("MlRuntimeError")
      expect(r.left.code).toBe("ML_BACKEND_UNAVAILABLE")
      const l = await Effect.runPromise(Effect.either(Effect.provide(MlRuntime, MlRuntimeNative)))
      expect(Either.isLeft(l) && l.left.code).toBe("ML_BACKEND_UNAVAILABLE")
    } else {
      expect((await service(MlRuntimeNative)).backend).toBe("tensorflow")
    }
  })

  it("webgpu is unavailable in Node without its package: typed error, not a throw", async () => {
    const r = await Effect.runPromise(Effect.either(ensureBackend("webgpu")))
    expect(Either.isLeft(r) && r.left.code).toMatch(/^ML_BACKEND_(UNAVAILABLE|INIT_FAILED)$/)
    await expect(withBackend("webgpu", () => 1)).rejects.toMatchObject({ _tag: "MlRuntimeError" })
  })

  it("the default layer picks native, else wasm, else cpu, and says why", async () => {
    const svc = await service(MlRuntimeDefault)
    const native = Either.isRight(await Effect.runPromise(Effect.either(ensureBackend("tensorflow"))))
    expect(svc.backend).toBe(native ? "tensorflow" : "wasm")
    if (!native) expect(svc.describe).toMatch(/skipped tensorflow: ML_BACKEND_UNAVAILABLE/)
    expect(await Effect.runPromise(svc.run(() => tf.getBackend()))).toBe(svc.backend)
  })
})

describe("fallback (ML-RT.5)", () => {
  it("falls back to cpu when every preferred backend is unavailable", async () => {
    // webgpu needs a GPU adapter and its package; neither exists under Node here.
    const svc = await service(MlRuntimeSelect(["webgpu"]))
    expect(svc.backend).toBe("cpu")
    expect(svc.describe).toMatch(/^cpu; skipped webgpu: ML_BACKEND_/)
  })
})
