// spec: ML-MODEL.1..9 (spec/14-ml-runtime.md); paper §2.3, §7.3
// Deterministic reference models. Every weight is drawn from a fully specified integer PRNG
// (splitmix32) and rounded to float32 in plain JavaScript, never with tf.random*, so that every
// backend and every implementation starts from identical bytes. The model's measurement is the
// SHA-256 of its canonical encoding (spec + weights as little-endian float32 bytes).
import * as tf from "@tensorflow/tfjs"
import { canonicalEncode, DOMAIN, tagged } from "../codec/Canonical.ts"

export type ModelKind = "mlp" | "conv" | "attention"
export const MODEL_KINDS: ReadonlyArray<ModelKind> = ["mlp", "conv", "attention"]

export interface ModelSpec {
  readonly kind: ModelKind
  /** Shape of one input item (without the batch axis): mlp [d], conv [H, W, C], attention [seq, d]. */
  readonly inputShape: ReadonlyArray<number>
  readonly classes: number
  /** mlp: hidden units; conv: filters; attention: head width. */
  readonly hidden: number
  /** Weight-initialisation seed, an unsigned 32-bit integer. */
  readonly seed: number
}
export interface Param {
  readonly name: string
  readonly shape: ReadonlyArray<number>
  readonly values: Float32Array
}
export interface ReferenceModel {
  readonly spec: ModelSpec
  readonly params: ReadonlyArray<Param>
}

/** The three reference models (ML-MODEL.2). */
export const REFERENCE_SPECS: Record<ModelKind, ModelSpec> = {
  mlp: { kind: "mlp", inputShape: [32], classes: 10, hidden: 64, seed: 1 },
  conv: { kind: "conv", inputShape: [8, 8, 1], classes: 10, hidden: 8, seed: 2 },
  attention: { kind: "attention", inputShape: [8, 16], classes: 10, hidden: 16, seed: 3 },
}

/** Bounds on a model spec (ML-MODEL.1). */
export const MODEL_LIMITS = { maxDim: 4096, maxClasses: 4096, maxParams: 1 << 22, maxInputSize: 1 << 16 } as const

// ------------------------------------------------------------------------------------------------
// PRNG (ML-MODEL.3)

/** splitmix32: state += 0x9e3779b9; output = mix(state). Returns a generator of uint32 values. */
export const splitmix32 = (seed: number): (() => number) => {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
    return (z ^ (z >>> 15)) >>> 0
  }
}

/** Uniform float32 in [-1, 1) from one uint32: ((u >>> 8) - 2^23) / 2^23, exact in float32. */
export const uniformPm1 = (u: number): number => ((u >>> 8) - 0x800000) / 0x800000

// ------------------------------------------------------------------------------------------------
// Shapes

const prod = (xs: ReadonlyArray<number>): number => xs.reduce((a, b) => a * b, 1)

/** Number of scalars in one input item. */
export const inputSize = (spec: ModelSpec): number => prod(spec.inputShape)

interface ParamShape {
  readonly name: string
  readonly shape: ReadonlyArray<number>
  /** Initialisation scale: values are fround(uniformPm1(u) * scale). */
  readonly scale: number
}

const glorot = (fanIn: number, fanOut: number): number => Math.fround(Math.sqrt(6 / (fanIn + fanOut)))
/** Biases: uniform in [-1/16, 1/16); the product with a power of two is exact. */
const BIAS_SCALE = 0.0625

/** Parameter names, shapes and init scales, in canonical order (ML-MODEL.2). Assumes a valid spec. */
export const paramLayout = (spec: ModelSpec): ReadonlyArray<ParamShape> => {
  const { classes: k, hidden: h } = spec
  switch (spec.kind) {
    case "mlp": {
      const d = spec.inputShape[0] ?? 0
      return [
        { name: "dense1/kernel", shape: [d, h], scale: glorot(d, h) },
        { name: "dense1/bias", shape: [h], scale: BIAS_SCALE },
        { name: "out/kernel", shape: [h, k], scale: glorot(h, k) },
        { name: "out/bias", shape: [k], scale: BIAS_SCALE },
      ]
    }
    case "conv": {
      const [hh = 0, ww = 0, c = 0] = spec.inputShape
      const flat = (hh / 2) * (ww / 2) * h
      return [
        { name: "conv/kernel", shape: [3, 3, c, h], scale: glorot(9 * c, 9 * h) },
        { name: "conv/bias", shape: [h], scale: BIAS_SCALE },
        { name: "out/kernel", shape: [flat, k], scale: glorot(flat, k) },
        { name: "out/bias", shape: [k], scale: BIAS_SCALE },
      ]
    }
    case "attention": {
      const d = spec.inputShape[1] ?? 0
      return [
        { name: "attn/wq", shape: [d, h], scale: glorot(d, h) },
        { name: "attn/wk", shape: [d, h], scale: glorot(d, h) },
        { name: "attn/wv", shape: [d, h], scale: glorot(d, h) },
        { name: "out/kernel", shape: [h, k], scale: glorot(h, k) },
        { name: "out/bias", shape: [k], scale: BIAS_SCALE },
      ]
    }
  }
}

const isDim = (n: unknown, max: number): n is number => typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= max

/** Why `spec` is not a valid model spec, or undefined when it is (ML-MODEL.1). Never throws. */
export const specProblem = (spec: ModelSpec): string | undefined => {
  if (!MODEL_KINDS.includes(spec.kind)) return `unknown model kind ${JSON.stringify(spec.kind)}`
  if (!Number.isInteger(spec.seed) || spec.seed < 0 || spec.seed > 0xffffffff) return "seed is not a uint32"
  if (!isDim(spec.classes, MODEL_LIMITS.maxClasses) || spec.classes < 2) return "classes not in [2, maxClasses]"
  if (!isDim(spec.hidden, MODEL_LIMITS.maxDim)) return "hidden not in [1, maxDim]"
  const rank = { mlp: 1, conv: 3, attention: 2 }[spec.kind]
  if (spec.inputShape.length !== rank) return `inputShape of a ${spec.kind} model has rank ${rank}`
  if (!spec.inputShape.every((n) => isDim(n, MODEL_LIMITS.maxDim))) return "inputShape dimension not in [1, maxDim]"
  if (inputSize(spec) > MODEL_LIMITS.maxInputSize) return "input item larger than maxInputSize"
  if (spec.kind === "conv" && ((spec.inputShape[0] ?? 1) % 2 !== 0 || (spec.inputShape[1] ?? 1) % 2 !== 0))
    return "conv input height and width must be even (2x2 pooling)"
  const total = paramLayout(spec).reduce((a, p) => a + prod(p.shape), 0)
  if (total > MODEL_LIMITS.maxParams) return `${total} parameters exceed maxParams`
  return undefined
}

// ------------------------------------------------------------------------------------------------
// Construction (ML-MODEL.3)

/**
 * Build the reference model of `spec`: one splitmix32 stream seeded with `spec.seed` fills the
 * parameters in paramLayout order, each in row-major order, value = fround(uniformPm1(u) * scale).
 * Throws on an invalid spec (a programming error; untrusted specs go through specProblem first).
 */
export const buildReferenceModel = (spec: ModelSpec): ReferenceModel => {
  const problem = specProblem(spec)
  if (problem !== undefined) throw new Error(`invalid model spec: ${problem}`)
  const next = splitmix32(spec.seed)
  const params = paramLayout(spec).map(({ name, shape, scale }) => {
    const values = new Float32Array(prod(shape))
    for (let i = 0; i < values.length; i++) values[i] = uniformPm1(next()) * scale
    return { name, shape: [...shape], values }
  })
  return { spec: { ...spec, inputShape: [...spec.inputShape] }, params }
}

// ------------------------------------------------------------------------------------------------
// Measurement (ML-MODEL.4..5)

/** Float32 values as little-endian bytes (ML-MODEL.4). */
export const float32ToLe = (values: Float32Array): Uint8Array => {
  const out = new Uint8Array(values.length * 4)
  const dv = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i] as number, true)
  return out
}

/** Little-endian bytes as float32 values, or undefined when the length is not a multiple of 4. */
export const leToFloat32 = (bytes: Uint8Array): Float32Array | undefined => {
  if (bytes.length % 4 !== 0) return undefined
  const out = new Float32Array(bytes.length / 4)
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true)
  return out
}

/** The canonical CBOR value of a model spec (integers and strings only). */
export const specValue = (spec: ModelSpec) => ({
  kind: spec.kind,
  inputShape: [...spec.inputShape],
  classes: spec.classes,
  hidden: spec.hidden,
  seed: spec.seed,
})

/** Canonical bytes of a model (ML-MODEL.4). */
export const modelBytes = (model: ReferenceModel): Uint8Array =>
  canonicalEncode({
    ...specValue(model.spec),
    params: model.params.map((p) => ({ name: p.name, shape: [...p.shape], values: float32ToLe(p.values) })),
  })

/** Model measurement = SHA-256(tagged("POAI/v1/model", modelBytes)) (ML-MODEL.5), 32 bytes. */
export const modelHash = (model: ReferenceModel, sha256: (b: Uint8Array) => Uint8Array): Uint8Array =>
  sha256(tagged(DOMAIN.model, modelBytes(model)))

// ------------------------------------------------------------------------------------------------
// Computation (ML-MODEL.6..7)

/** Parameters as tensors, in paramLayout order (allocated on the engine's current backend). */
export const paramsToTensors = (m: ReferenceModel): tf.Tensor[] => m.params.map((p) => tf.tensor(p.values, [...p.shape], "float32"))

const at = (params: ReadonlyArray<tf.Tensor>, i: number): tf.Tensor => {
  const p = params[i]
  if (p === undefined) throw new Error(`missing parameter #${i}`)
  return p
}

/** Logits [batch, classes] for input x [batch, ...inputShape] (ML-MODEL.6). */
export const forward = (spec: ModelSpec, params: ReadonlyArray<tf.Tensor>, x: tf.Tensor): tf.Tensor =>
  tf.tidy(() => {
    switch (spec.kind) {
      case "mlp": {
        const h = tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, at(params, 0) as tf.Tensor2D), at(params, 1)))
        return tf.add(tf.matMul(h as tf.Tensor2D, at(params, 2) as tf.Tensor2D), at(params, 3))
      }
      case "conv": {
        const c = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, at(params, 0) as tf.Tensor4D, 1, "same"), at(params, 1)))
        const p = tf.maxPool(c as tf.Tensor4D, 2, 2, "valid")
        const flat = tf.reshape(p, [x.shape[0] ?? -1, -1]) as tf.Tensor2D
        return tf.add(tf.matMul(flat, at(params, 2) as tf.Tensor2D), at(params, 3))
      }
      case "attention": {
        const [seq = 0, d = 0] = spec.inputShape
        const b = x.shape[0] ?? 0
        const x2 = tf.reshape(x, [b * seq, d]) as tf.Tensor2D
        const proj = (w: tf.Tensor) => tf.reshape(tf.matMul(x2, w as tf.Tensor2D), [b, seq, spec.hidden]) as tf.Tensor3D
        const q = proj(at(params, 0))
        const k = proj(at(params, 1))
        const v = proj(at(params, 2))
        const scores = tf.mul(tf.matMul(q, k, false, true), tf.scalar(1 / Math.sqrt(spec.hidden)))
        const att = tf.matMul(tf.softmax(scores), v) // [b, seq, hidden]
        const pooled = tf.mean(att, 1) as tf.Tensor2D // [b, hidden]
        return tf.add(tf.matMul(pooled, at(params, 3) as tf.Tensor2D), at(params, 4))
      }
    }
  })

/** Mean softmax cross-entropy of the logits against one-hot labels (ML-MODEL.7). */
export const lossFn = (spec: ModelSpec, params: ReadonlyArray<tf.Tensor>, x: tf.Tensor, yOneHot: tf.Tensor): tf.Scalar =>
  tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(yOneHot, tf.logSoftmax(forward(spec, params, x))), -1))) as tf.Scalar)

// ------------------------------------------------------------------------------------------------
// Data (ML-MODEL.8)

/**
 * Deterministic synthetic classification data: one splitmix32 stream seeded with `seed` draws a
 * teacher matrix T [inputSize, classes] then n items, each inputSize values uniformPm1 (float32);
 * label = argmax_c Σ_j x_j·T[j,c], summed in float64 in index order, lowest c on ties. Pure JS, so
 * identical on every backend; a prefix of a longer data set equals the shorter one.
 */
export const makeDataset = (spec: ModelSpec, seed: number, n: number): { readonly x: Float32Array; readonly y: Int32Array } => {
  const d = inputSize(spec)
  const k = spec.classes
  const next = splitmix32(seed)
  const teacher = new Float64Array(d * k)
  for (let i = 0; i < teacher.length; i++) teacher[i] = uniformPm1(next())
  const x = new Float32Array(n * d)
  const y = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = uniformPm1(next())
    let best = 0
    let bestScore = -Infinity
    for (let c = 0; c < k; c++) {
      let s = 0
      for (let j = 0; j < d; j++) s += (x[i * d + j] as number) * (teacher[j * k + c] as number)
      if (s > bestScore) {
        bestScore = s
        best = c
      }
    }
    y[i] = best
  }
  return { x, y }
}

/** Input tensor [n, ...inputShape] for n items of flat data. */
export const inputTensor = (spec: ModelSpec, x: Float32Array): tf.Tensor =>
  tf.tensor(x, [x.length / inputSize(spec), ...spec.inputShape], "float32")

/** One-hot labels [n, classes]. */
export const oneHot = (spec: ModelSpec, y: Int32Array): tf.Tensor => tf.oneHot(tf.tensor1d(y, "int32"), spec.classes)
