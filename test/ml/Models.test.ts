// ML-MODEL.1..9: seeded reference models, their measurement, forward/loss, synthetic data, and
// cpu/wasm agreement under the comparison policy (VER-INF.5).
import { sha256 } from "@noble/hashes/sha2.js"
import * as tf from "@tensorflow/tfjs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { DEFAULT_POLICY, compareLogits } from "../../src/ml/Inference.ts"
import {
  MODEL_KINDS,
  REFERENCE_SPECS,
  buildReferenceModel,
  float32ToLe,
  forward,
  inputSize,
  inputTensor,
  leToFloat32,
  lossFn,
  makeDataset,
  modelBytes,
  modelHash,
  oneHot,
  paramsToTensors,
  specProblem,
  splitmix32,
  uniformPm1,
  type ModelSpec,
  type ReferenceModel,
} from "../../src/ml/Models.ts"
import { withBackend } from "../../src/ml/Runtime.ts"

const hashHex = (m: ReferenceModel) => toHex(modelHash(m, sha256))

/** Known-answer vectors (spec/14-ml-runtime.md, ML-MODEL.5). */
const REFERENCE_HASHES = {
  mlp: "9c5519ecf651464e26d0bbc99d5dbbd33c0c69174671f992148387a2d39b464e",
  conv: "ee55ebc85a9baaeb3560cd9094826decb327093eb4c97846de6f0d79207e4e19",
  attention: "7477998dc3f697564d920badbad64b2f2cc9f660902b95c0e7ad751eb220c9ff",
} as const

describe("seeded initialisation (ML-MODEL.3)", () => {
  it("splitmix32 and uniformPm1 match the specified vectors", () => {
    const g = splitmix32(0)
    expect([g(), g(), g(), g()]).toEqual([0x64625032, 0xd9c0799c, 0xaf362e10, 0x7fa88912])
    expect(uniformPm1(0)).toBe(-1)
    expect(uniformPm1(0xffffffff)).toBe(1 - 2 ** -23)
    expect(uniformPm1(0x80000000)).toBe(0)
    for (const u of [0x12345678, 0xdeadbeef, 0x00000100]) expect(Math.fround(uniformPm1(u))).toBe(uniformPm1(u))
  })

  it("the reference models have the pinned measurements and parameter counts", () => {
    const counts = { mlp: 2762, conv: 1370, attention: 938 }
    for (const kind of MODEL_KINDS) {
      const m = buildReferenceModel(REFERENCE_SPECS[kind])
      expect(hashHex(m)).toBe(REFERENCE_HASHES[kind])
      expect(m.params.reduce((a, p) => a + p.values.length, 0)).toBe(counts[kind])
      for (const p of m.params) expect(p.values.length).toBe(p.shape.reduce((a, b) => a * b, 1))
    }
    expect(Array.from(buildReferenceModel(REFERENCE_SPECS.mlp).params[0]!.values.slice(0, 2))).toEqual([
      Math.fround(-0.06606224179267883),
      Math.fround(-0.20919346809387207),
    ])
  })

  it("same spec gives the same bytes; another seed gives another hash", () => {
    for (const kind of MODEL_KINDS) {
      const spec = REFERENCE_SPECS[kind]
      const a = buildReferenceModel(spec)
      const b = buildReferenceModel({ ...spec })
      expect(toHex(modelBytes(a))).toBe(toHex(modelBytes(b)))
      const seen = new Set([hashHex(a)])
      for (const seed of [0, spec.seed + 1, 0xffffffff]) seen.add(hashHex(buildReferenceModel({ ...spec, seed })))
      expect(seen.size).toBe(4)
    }
  })

  it("flipping any single weight bit changes the hash (fast-check, 60 runs, seed 14)", () => {
    const models = MODEL_KINDS.map((k) => buildReferenceModel(REFERENCE_SPECS[k]))
    const original = models.map(hashHex)
    fc.assert(
      fc.property(fc.nat(2), fc.nat(), fc.nat(), fc.nat(31), (mi, pi, vi, bit) => {
        const m = models[mi]!
        const params = m.params.map((p) => ({ ...p, values: Float32Array.from(p.values) }))
        const p = params[pi % params.length]!
        const u32 = new Uint32Array(p.values.buffer)
        u32[vi % u32.length] = (u32[vi % u32.length]! ^ (1 << bit)) >>> 0
        expect(hashHex({ spec: m.spec, params })).not.toBe(original[mi])
      }),
      { numRuns: 60, seed: 14 },
    )
  })

  it("the hash covers the spec fields, not only the weights", () => {
    const m = buildReferenceModel(REFERENCE_SPECS.mlp)
    expect(hashHex({ ...m, spec: { ...m.spec, seed: 99 } })).not.toBe(hashHex(m))
    expect(hashHex({ ...m, spec: { ...m.spec, kind: "conv" } })).not.toBe(hashHex(m))
  })

  it("weights are float32 little-endian in the encoding (ML-MODEL.4)", () => {
    const v = Float32Array.of(1, -2.5, 3.1415927)
    const le = float32ToLe(v)
    expect(toHex(le.subarray(0, 4))).toBe("0000803f")
    expect(Array.from(leToFloat32(le)!)).toEqual(Array.from(v))
    expect(leToFloat32(new Uint8Array(5))).toBeUndefined()
  })

  it("specProblem rejects invalid specs and accepts the reference ones (ML-MODEL.1)", () => {
    for (const kind of MODEL_KINDS) expect(specProblem(REFERENCE_SPECS[kind])).toBeUndefined()
    const bad: ModelSpec[] = [
      { ...REFERENCE_SPECS.mlp, inputShape: [4, 4] },
      { ...REFERENCE_SPECS.conv, inputShape: [7, 8, 1] },
      { ...REFERENCE_SPECS.mlp, classes: 1 },
      { ...REFERENCE_SPECS.mlp, hidden: 0 },
      { ...REFERENCE_SPECS.mlp, seed: -1 },
      { ...REFERENCE_SPECS.mlp, seed: 1.5 },
      { ...REFERENCE_SPECS.mlp, kind: "rnn" as never },
      { ...REFERENCE_SPECS.mlp, inputShape: [4096], hidden: 4096 },
    ]
    for (const s of bad) expect(specProblem(s)).toBeTypeOf("string")
    expect(() => buildReferenceModel(bad[0]!)).toThrow(/invalid model spec/)
  })
})

describe("forward, loss and data (ML-MODEL.6..8)", () => {
  it("forward gives [batch, classes] logits for every kind and batch size", async () => {
    for (const kind of MODEL_KINDS) {
      const spec = REFERENCE_SPECS[kind]
      const m = buildReferenceModel(spec)
      for (const n of [1, 5]) {
        const shape = await withBackend("wasm", () => forward(spec, paramsToTensors(m), inputTensor(spec, makeDataset(spec, 1, n).x)).shape)
        expect(shape).toEqual([n, spec.classes])
      }
    }
  })

  it("lossFn is the mean softmax cross-entropy", async () => {
    const spec = REFERENCE_SPECS.attention
    const m = buildReferenceModel(spec)
    const { x, y } = makeDataset(spec, 3, 6)
    const [loss, logits] = await withBackend("cpu", () => {
      const p = paramsToTensors(m)
      return [lossFn(spec, p, inputTensor(spec, x), oneHot(spec, y)).dataSync()[0]!, forward(spec, p, inputTensor(spec, x)).dataSync().slice()] as const
    })
    let want = 0
    for (let i = 0; i < 6; i++) {
      const row = Array.from(logits.subarray(i * 10, i * 10 + 10))
      const mx = Math.max(...row)
      const lse = mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0))
      want += (lse - row[y[i]!]!) / 6
    }
    expect(Math.abs(loss - want)).toBeLessThan(1e-5)
  })

  it("the synthetic data is deterministic, prefix-stable, in range and learnable", async () => {
    for (const kind of MODEL_KINDS) {
      const spec = REFERENCE_SPECS[kind]
      const a = makeDataset(spec, 9, 200)
      const b = makeDataset(spec, 9, 50)
      expect(a.x.length).toBe(200 * inputSize(spec))
      expect(Array.from(a.y.subarray(0, 50))).toEqual(Array.from(b.y))
      expect(toHex(float32ToLe(a.x.subarray(0, b.x.length)))).toBe(toHex(float32ToLe(b.x)))
      expect(a.x.every((v) => v >= -1 && v < 1)).toBe(true)
      expect(new Set(a.y).size).toBe(spec.classes)
      expect(toHex(float32ToLe(makeDataset(spec, 10, 50).x))).not.toBe(toHex(float32ToLe(b.x)))
    }
    // 40 steps of plain gradient descent on the MLP reduce the loss.
    const spec = REFERENCE_SPECS.mlp
    const { x, y } = makeDataset(spec, 4, 256)
    const [l0, l1] = await withBackend("wasm", () => {
      const vars = paramsToTensors(buildReferenceModel(spec)).map((t) => tf.variable(t))
      const X = inputTensor(spec, x)
      const Y = oneHot(spec, y)
      const f = () => lossFn(spec, vars, X, Y)
      const first = f().dataSync()[0]!
      const opt = tf.train.sgd(0.5)
      for (let s = 0; s < 40; s++) opt.minimize(f, false, vars)
      const last = f().dataSync()[0]!
      vars.forEach((v) => v.dispose())
      opt.dispose()
      return [first, last]
    })
    expect(l1).toBeLessThan(l0 * 0.8)
  })
})

describe("backend determinism (ML-RT.7, VER-INF.5)", () => {
  it("an item's logits do not depend on the batch it is computed in (cpu and wasm)", async () => {
    for (const kind of MODEL_KINDS) {
      const spec = REFERENCE_SPECS[kind]
      const m = buildReferenceModel(spec)
      const d = inputSize(spec)
      const { x } = makeDataset(spec, 21, 40)
      for (const b of ["cpu", "wasm"] as const) {
        const diffs = await withBackend(b, () => {
          const p = paramsToTensors(m)
          const full = forward(spec, p, inputTensor(spec, x)).dataSync()
          let n = 0
          for (const [lo, len] of [[0, 1], [3, 4], [7, 13], [39, 1]] as const) {
            const part = forward(spec, p, inputTensor(spec, x.subarray(lo * d, (lo + len) * d))).dataSync()
            for (let i = 0; i < part.length; i++) if (!Object.is(part[i], full[lo * 10 + i])) n++
          }
          return n
        })
        expect(diffs, `${kind} on ${b}`).toBe(0)
      }
    }
  })

  it("cpu and wasm agree within the default policy (300 items per model, input scales 1 and 4)", async () => {
    for (const kind of MODEL_KINDS) {
      const spec = REFERENCE_SPECS[kind]
      const m = buildReferenceModel(spec)
      for (const scale of [1, 4]) {
        const x = makeDataset(spec, 77, 300).x.map((v) => v * scale)
        const run = (b: "cpu" | "wasm") => withBackend(b, () => forward(spec, paramsToTensors(m), inputTensor(spec, x)).dataSync().slice() as Float32Array)
        const [c, w] = [await run("cpu"), await run("wasm")]
        let worst = 0
        for (let i = 0; i < 300; i++) {
          const r = c.subarray(i * 10, i * 10 + 10)
          const v = w.subarray(i * 10, i * 10 + 10)
          expect(compareLogits(r, v, false)).toBeUndefined()
          for (let j = 0; j < 10; j++) worst = Math.max(worst, Math.abs(r[j]! - v[j]!) / (1 + Math.abs(r[j]!)))
        }
        // The policy keeps a 10x margin over what these inputs produce (VER-INF.5).
        expect(worst * 10).toBeLessThanOrEqual(DEFAULT_POLICY.tauAbs)
      }
    }
  })
})
