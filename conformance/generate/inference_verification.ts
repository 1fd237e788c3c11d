// Generator of the "inference_verification" suite: writes <outRoot>/inference_verification/<handler>/*.json
// (deterministic). Each case states what it was built to show; the generator computes the result with the
// implementation and throws when they differ, or when a boundary case is not on its boundary.
// Format: conformance/docs/inference_verification.md.
import { sha256 } from "@noble/hashes/sha2.js"
import { Effect } from "effect"
import { DOMAIN, tagged } from "../../src/codec/Canonical.ts"
import { float32ToLe, splitmix32, type ModelSpec } from "../../src/ml/Models.ts"
import {
  DEFAULT_POLICY,
  INFERENCE_TASK_VERSION,
  drawInputs,
  encodeInferenceClaim,
  encodeInferenceTask,
  executeModel,
  inferenceTaskHash,
  makeInferenceTask,
  sampleIndices,
  type InferenceTask,
} from "../../src/ml/Inference.ts"
import { MlRuntimeCpu, MlRuntimeWasm, backendVariant, withBackend } from "../../src/ml/Runtime.ts"
import { genericFile, hex, type CaseResult, type Json, type JsonObject } from "../../src/conformance/Types.ts"
import { SUITE, runCanaryCheck, runCompare, runConsistency, runPlacement, runSample, runSpotCheck } from "../../src/conformance/suites/inference_verification.ts"
import { writeVector } from "./write.ts"

interface Designed {
  readonly name: string
  readonly description: string
  readonly input: Json
  /** Designed result: an exact output, or a reject code. */
  readonly expect: { readonly output: Json } | { readonly reject: string } | { readonly check: (o: JsonObject) => boolean; readonly what: string }
}

const finish = async (outRoot: string, handler: string, file: string, description: string, spec: string[], designed: ReadonlyArray<Designed>, run: (i: Json) => Promise<CaseResult>) => {
  const cases = []
  for (const d of designed) {
    const r = await run(d.input)
    const e = d.expect
    const ok =
      "reject" in e ? "reject" in r && r.reject === e.reject : "output" in e ? "output" in r && JSON.stringify(r.output) === JSON.stringify(e.output) : "output" in r && e.check(r.output as JsonObject)
    if (!ok) throw new Error(`${SUITE}/${handler}/${file}/${d.name}: designed ${"check" in e ? e.what : JSON.stringify(e)}, got ${JSON.stringify(r)}`)
    cases.push({ name: d.name, description: d.description, input: d.input, result: r })
  }
  writeVector(outRoot, SUITE, handler, `${file}.json`, genericFile(SUITE, handler, description, spec, cases))
}

const policyJson = (p = DEFAULT_POLICY): Json => ({ tauAbs: p.tauAbs, tauRel: p.tauRel, exactVariants: [...p.exactVariants] })
const f32hex = (v: Float32Array): string => hex(float32ToLe(v))
const bytesOf = (seed: number, n: number): Uint8Array => {
  const next = splitmix32(seed)
  return Uint8Array.from({ length: n }, () => next() & 0xff)
}
/** A beacon value stand-in: SHA-256 of a label (any 32 bytes; in the node, beacon_{h+1}, VER-AUDIT.2). */
const beacon = (label: string): Uint8Array => sha256(new TextEncoder().encode(`poai conformance beacon ${label}`))

// ------------------------------------------------------------------------------------------------
// spot_check_sample

const sampleDesigned = (): Designed[] => {
  const out: Designed[] = []
  const add = (name: string, description: string, seed: Uint8Array, taskId: Uint8Array, n: number, k: number) => {
    const idx = sampleIndices(sha256, seed, taskId, n, k)
    // designed: k clamped to n, distinct, in [0, n)
    const kk = Math.max(0, Math.min(k, n))
    if (idx.length !== kk || new Set(idx).size !== kk || idx.some((i) => i < 0 || i >= n)) throw new Error(`sample ${name}: not ${kk} distinct indices of [0, ${n})`)
    out.push({ name, description, input: { seed: hex(seed), taskId: hex(taskId), n, k }, expect: { output: { indices: idx } } })
  }
  const tid = sha256(new TextEncoder().encode("task"))
  add("n32-k4", "n = 32 items, k = 4 samples", beacon("h=10"), tid, 32, 4)
  add("n32-k4-next-beacon", "the same task under the next beacon: another sample", beacon("h=11"), tid, 32, 4)
  add("n32-k4-other-task", "the same beacon, another task id", beacon("h=10"), sha256(new TextEncoder().encode("task 2")), 32, 4)
  add("n1-k1", "one item: the sample is [0]", beacon("h=1"), tid, 1, 1)
  add("n2-k2", "two items, both sampled (a permutation of [0, 1])", beacon("h=2"), tid, 2, 2)
  add("n16-k16", "k = n: a full permutation", beacon("h=3"), tid, 16, 16)
  add("n16-k20-clamped", "k > n is clamped to n", beacon("h=3"), tid, 16, 20)
  add("n16-k0", "k = 0: empty sample", beacon("h=4"), tid, 16, 0)
  add("n0-k4", "n = 0: empty sample", beacon("h=4"), tid, 0, 4)
  add("n1024-k44", "n = MAX_INFERENCE_ITEMS = 1024, k = 44 (99 % detection of f = 0.1, VER-INF.7)", beacon("h=5"), tid, 1024, 44)
  add("n1000-k8-modulo", "n = 1000: r_j mod (n − j) with n − j not a power of two", beacon("h=6"), tid, 1000, 8)
  add("empty-seed", "an empty seed (any byte string is a seed)", new Uint8Array(0), tid, 32, 4)
  add("long-seed", "a 64-byte seed", bytesOf(9, 64), tid, 32, 4)
  // the first draw by hand: r_0 = uint64be(SHA-256(tagged(inf-sample, seed || taskId || 00000000))[0..8]), index r_0 mod n
  const s = beacon("h=7")
  const h = sha256(tagged(DOMAIN.infSample, new Uint8Array([...s, ...tid, 0, 0, 0, 0])))
  const r0 = new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0, false)
  const first = Number(r0 % 97n)
  add("n97-k1-first-draw", `k = 1: the single index is r_0 mod 97 = ${first} (r_0 = ${r0})`, s, tid, 97, 1)
  if ((out[out.length - 1]!.expect as { output: { indices: number[] } }).output.indices[0] !== first) throw new Error("first draw")
  return out
}

// ------------------------------------------------------------------------------------------------
// canary_placement

const placementDesigned = (): Designed[] => {
  const out: Designed[] = []
  const add = (name: string, description: string, secret: Uint8Array, real: number, canaries: number) => {
    const positions = sampleIndices(sha256, secret, new TextEncoder().encode("canary"), real + canaries, canaries)
    out.push({
      name,
      description,
      input: { secret: hex(secret), real, canaries },
      expect: {
        check: (o) => JSON.stringify(o["positions"]) === JSON.stringify(positions) && (o["stream"] as Json[]).length === real + canaries,
        what: `positions ${JSON.stringify(positions)}`,
      },
    })
  }
  add("real8-canary2", "8 real tasks, 2 canaries", bytesOf(1, 32), 8, 2)
  add("real8-canary2-other-secret", "another secret: other positions", bytesOf(2, 32), 8, 2)
  add("real30-canary10", "30 real tasks, 10 canaries", bytesOf(3, 32), 30, 10)
  add("real0-canary3", "only canaries", bytesOf(4, 32), 0, 3)
  add("real5-canary0", "no canary: the real tasks in order", bytesOf(5, 32), 5, 0)
  add("real1-canary1", "one of each", bytesOf(6, 32), 1, 1)
  return out
}

// ------------------------------------------------------------------------------------------------
// compare_logits

const nextUp = (x: number): number => {
  const f = Float32Array.of(x)
  const u = new Uint32Array(f.buffer)
  if (x === 0) u[0] = Object.is(x, -0) ? 0x80000001 : 1
  else u[0] = (u[0] as number) + (x > 0 ? 1 : -1)
  // for negative x, "up" toward +Infinity decreases the magnitude
  return f[0] as number
}

/** The float32 farthest from r on side `dir` with |c − r| ≤ τabs + τrel|r| (double arithmetic), and the next one beyond. */
const boundary = (r: number, dir: 1 | -1): { inside: number; outside: number } => {
  const tol = DEFAULT_POLICY.tauAbs + DEFAULT_POLICY.tauRel * Math.abs(r)
  let c = Math.fround(r + dir * tol)
  const within = (x: number) => Math.abs(x - r) <= tol
  const step = (x: number) => (dir === 1 ? nextUp(x) : -nextUp(-x))
  const back = (x: number) => (dir === 1 ? -nextUp(-x) : nextUp(x))
  while (!within(c)) c = back(c)
  while (within(step(c))) c = step(c)
  return { inside: c, outside: step(c) }
}

const compareDesigned = (): Designed[] => {
  const out: Designed[] = []
  const ref = Float32Array.of(2.5, -1.25, 0.375, 7.0)
  const base = (claimed: Float32Array, cv = "wasm-simd", vv = "cpu", reference = ref): Json => ({
    policy: policyJson(),
    claimedVariant: cv,
    verifierVariant: vv,
    reference: f32hex(reference),
    claimed: f32hex(claimed),
  })
  const withAt = (i: number, v: number, r = ref) => {
    const c = Float32Array.from(r)
    c[i] = v
    return c
  }
  out.push({ name: "equal-cross-variant", description: "identical logits, wasm-simd claim vs cpu verifier (tolerance)", input: base(ref), expect: { output: { match: true, exact: false } } })
  for (const [i, dir] of [[0, 1], [1, -1], [3, 1], [2, -1]] as const) {
    const { inside, outside } = boundary(ref[i] as number, dir)
    const tol = DEFAULT_POLICY.tauAbs + DEFAULT_POLICY.tauRel * Math.abs(ref[i] as number)
    out.push({
      name: `tau-just-inside-logit${i}-${dir > 0 ? "up" : "down"}`,
      description: `logit ${i}: r = ${ref[i]}, c = ${inside}: |c − r| = ${Math.abs(inside - (ref[i] as number))} ≤ τ_abs + τ_rel·|r| = ${tol}, the farthest float32 inside`,
      input: base(withAt(i, inside)),
      expect: { output: { match: true, exact: false } },
    })
    out.push({
      name: `tau-just-outside-logit${i}-${dir > 0 ? "up" : "down"}`,
      description: `logit ${i}: c = ${outside}, the next float32: |c − r| = ${Math.abs(outside - (ref[i] as number))} > ${tol}`,
      input: base(withAt(i, outside)),
      expect: { output: { match: false, exact: false, logit: i, rule: "tolerance" } },
    })
  }
  // the bound met exactly (|c − r| ≤ τ passes): policies chosen so that τ_abs + τ_rel·|r| equals |c − r| in double arithmetic
  {
    const r2 = Float32Array.of(2, -1, 0.5, 0.25)
    const c2 = withAt(0, Math.fround(2 + 3e-5), r2)
    const d = Math.abs((c2[0] as number) - 2)
    const prev = (x: number) => {
      const f = Float64Array.of(x)
      const u = new BigUint64Array(f.buffer)
      u[0] = (u[0] as bigint) - 1n
      return f[0] as number
    }
    const exactCase = (name: string, description: string, tauAbs: number, tauRel: number, expect: Json) =>
      out.push({ name, description, input: { ...(base(c2, "wasm-simd", "cpu", r2) as JsonObject), policy: { tauAbs, tauRel, exactVariants: [...DEFAULT_POLICY.exactVariants] } }, expect: { output: expect } })
    exactCase("tau-abs-equal-bound", `|c − r| = ${d} and τ_abs set to exactly that, τ_rel = 0: accepted (≤)`, d, 0, { match: true, exact: false })
    exactCase("tau-abs-one-double-below", `τ_abs one double below |c − r|: rejected`, prev(d), 0, { match: false, exact: false, logit: 0, rule: "tolerance" })
    exactCase("tau-rel-equal-bound", `r = 2, τ_abs = 0, τ_rel = |c − r| / 2 (exact): τ_rel·|r| = |c − r|, accepted`, 0, d / 2, { match: true, exact: false })
    exactCase("tau-rel-one-double-below", `τ_rel one double below |c − r| / 2: rejected`, 0, prev(d / 2), { match: false, exact: false, logit: 0, rule: "tolerance" })
  }
  // near zero the absolute part dominates
  const zref = Float32Array.of(0, 1e-3, -3, 0.5)
  const z = boundary(0, 1)
  out.push({ name: "tau-just-inside-at-zero", description: `r = 0: c = ${z.inside} ≤ τ_abs = 2e-5`, input: base(withAt(0, z.inside, zref), "wasm-simd", "cpu", zref), expect: { output: { match: true, exact: false } } })
  out.push({ name: "tau-just-outside-at-zero", description: `r = 0: c = ${z.outside} > τ_abs`, input: base(withAt(0, z.outside, zref), "wasm-simd", "cpu", zref), expect: { output: { match: false, exact: false, logit: 0, rule: "tolerance" } } })
  // the first failing logit is reported
  const two = withAt(3, boundary(7, 1).outside, withAt(1, boundary(-1.25, -1).outside))
  out.push({ name: "two-logits-outside-first-reported", description: "logits 1 and 3 outside: logit 1 is reported", input: base(two), expect: { output: { match: false, exact: false, logit: 1, rule: "tolerance" } } })
  // argmax changes within a near tie: accepted (the argmax rule is implied by the per-logit bound)
  const tie = Float32Array.of(1.0, 1.00001, -2, 0)
  const tieClaim = Float32Array.of(1.00001, 1.0, -2, 0)
  out.push({ name: "argmax-swap-inside-near-tie", description: "the top two logits 1e-5 apart swap: within τ per logit, accepted although the argmax differs", input: base(tieClaim, "wasm-simd", "cpu", tie), expect: { output: { match: true, exact: false } } })
  // exact comparison
  out.push({ name: "exact-equal", description: "cpu claim, cpu verifier: bit-identical logits match", input: base(ref, "cpu", "cpu"), expect: { output: { match: true, exact: true } } })
  out.push({ name: "exact-one-ulp", description: "cpu claim, cpu verifier: logit 2 one ulp off fails the exact comparison (it would pass τ)", input: base(withAt(2, nextUp(0.375)), "cpu", "cpu"), expect: { output: { match: false, exact: true, logit: 2, rule: "exact" } } })
  out.push({ name: "exact-negative-zero", description: "cpu/cpu: −0 claimed for +0 differs byte for byte", input: base(withAt(0, -0, zref), "cpu", "cpu", zref), expect: { output: { match: false, exact: true, logit: 0, rule: "exact" } } })
  out.push({ name: "same-variant-not-exact", description: "tensorflow claim, tensorflow verifier: not in exactVariants, so the tolerance applies and a one-ulp difference passes", input: base(withAt(2, nextUp(0.375)), "tensorflow", "tensorflow"), expect: { output: { match: true, exact: false } } })
  out.push({ name: "wasm-simd-both-exact", description: "wasm-simd claim, wasm-simd verifier: exact", input: base(withAt(2, nextUp(0.375)), "wasm-simd", "wasm-simd"), expect: { output: { match: false, exact: true, logit: 2, rule: "exact" } } })
  const half = Float32Array.from(ref, (r) => Math.fround(r + 1e-3))
  out.push({ name: "fp16-scale-error", description: "every logit 1e-3 off (the size of a float16 answer's error): outside τ", input: base(half), expect: { output: { match: false, exact: false, logit: 0, rule: "tolerance" } } })
  out.push({ name: "length-mismatch", description: "3 claimed logits for 4 reference logits", input: base(ref.subarray(0, 3)), expect: { reject: "INF_MALFORMED_OUTPUT" } })
  out.push({ name: "not-float32", description: "claimed logits of 15 bytes", input: { ...(base(ref) as JsonObject), claimed: f32hex(ref).slice(2) }, expect: { reject: "INF_MALFORMED_OUTPUT" } })
  return out
}

// ------------------------------------------------------------------------------------------------
// Tasks and claims for spot_check, consistency and canary_check

const SPEC: ModelSpec = { kind: "mlp", inputShape: [8], classes: 4, hidden: 8, seed: 201 }
const SPEC2: ModelSpec = { kind: "attention", inputShape: [2, 4], classes: 3, hidden: 4, seed: 202 }
const N = 16

/** Logits computed on `backend` (executeModel on the engine's current backend after the switch). */
const execOn = async (backend: "cpu" | "wasm", spec: ModelSpec, inputs: Float32Array): Promise<Float32Array> => {
  if (backend === "cpu") return Effect.runPromise(executeModel(spec, inputs).pipe(Effect.provide(MlRuntimeCpu)))
  return Effect.runPromise(executeModel(spec, inputs).pipe(Effect.provide(MlRuntimeWasm), Effect.orDie))
}

const claimHex = (backend: string, logits: Float32Array): string => hex(encodeInferenceClaim({ backend, logits: float32ToLe(logits) }))
const taskHex = (t: InferenceTask): string => hex(encodeInferenceTask(t))

const spotDesigned = async (): Promise<Designed[]> => {
  const out: Designed[] = []
  const inputs = drawInputs(SPEC, 301, N)
  const task = makeInferenceTask(sha256, SPEC, inputs)
  const taskId = inferenceTaskHash(sha256, task)
  const cpu = await execOn("cpu", SPEC, inputs)
  const wasm = await execOn("wasm", SPEC, inputs)
  const wasmVariant = await withBackend("wasm", () => backendVariant("wasm"))
  const seed = beacon("h=20")
  const K = 4
  const sample = sampleIndices(sha256, seed, taskId, N, K)
  const notSampled = Array.from({ length: N }, (_, i) => i).find((i) => !sample.includes(i)) as number
  const base = (claim: string, k = K, s = seed, t = taskHex(task)): Json => ({ task: t, claim, seed: hex(s), k, verifierVariant: "cpu", policy: policyJson() })
  const ok = { output: { ok: true } }
  const mismatch = (item: number) => ({ output: { ok: false, code: "INF_MISMATCH", item } })
  const c = SPEC.classes
  const edit = (l: Float32Array, item: number, f: (x: number) => number) => {
    const o = Float32Array.from(l)
    for (let j = item * c; j < (item + 1) * c; j++) o[j] = Math.fround(f(o[j] as number))
    return o
  }
  out.push({ name: "honest-cpu-exact", description: `honest claim computed on tfjs cpu (variant cpu), verifier cpu: exact comparison of the sampled items ${JSON.stringify(sample)}`, input: base(claimHex("cpu", cpu)), expect: ok })
  out.push({ name: "honest-wasm-tolerance", description: `honest claim computed on tfjs wasm (variant ${wasmVariant}), verifier cpu: within τ`, input: base(claimHex(wasmVariant, wasm)), expect: ok })
  out.push({ name: "wasm-logits-labelled-cpu", description: "the wasm logits claimed as variant cpu: the exact comparison fails on the first sampled item whose bytes differ", input: base(claimHex("cpu", wasm)), expect: { check: (o) => o["ok"] === false && o["code"] === "INF_MISMATCH", what: "INF_MISMATCH" } })
  out.push({ name: "one-wrong-item-sampled", description: `item ${sample[1]} (sampled second) answered with logits + 0.1: INF_MISMATCH on it`, input: base(claimHex(wasmVariant, edit(wasm, sample[1] as number, (x) => x + 0.1))), expect: mismatch(sample[1] as number) })
  out.push({ name: "one-wrong-item-not-sampled", description: `item ${notSampled} wrong but not sampled: accepted (detection is probabilistic, VER-INF.7)`, input: base(claimHex(wasmVariant, edit(wasm, notSampled, (x) => x + 0.1))), expect: ok })
  out.push({ name: "all-zero-logits", description: "every logit 0: INF_MISMATCH on the first sampled item", input: base(claimHex(wasmVariant, new Float32Array(N * c))), expect: mismatch(sample[0] as number) })
  const shifted = new Float32Array(N * c)
  shifted.set(wasm.subarray(c), 0)
  shifted.set(wasm.subarray(0, c), (N - 1) * c)
  out.push({ name: "answers-of-other-inputs", description: "item i answered with item i+1's logits (rotated): INF_MISMATCH on the first sampled item", input: base(claimHex(wasmVariant, shifted)), expect: mismatch(sample[0] as number) })
  const fp16 = Float32Array.from(wasm, (x) => Math.fround(Number(x.toPrecision(3))))
  out.push({ name: "reduced-precision-answer", description: "logits rounded to 3 significant digits (coarser than float16): outside τ", input: base(claimHex(wasmVariant, fp16)), expect: { check: (o) => o["ok"] === false && o["code"] === "INF_MISMATCH", what: "INF_MISMATCH" } })
  out.push({ name: "perturbed-half-tau", description: "every logit of the wasm answer moved by 0.5·τ_abs (1e-5): accepted", input: base(claimHex(wasmVariant, Float32Array.from(wasm, (x) => x + 1e-5))), expect: ok })
  out.push({ name: "perturbed-three-tau", description: "one sampled item's logits moved by 3·(τ_abs + τ_rel·|r|): INF_MISMATCH", input: base(claimHex(wasmVariant, edit(wasm, sample[2] as number, (x) => x + 3 * (2e-5 + 2e-5 * Math.abs(x))))), expect: mismatch(sample[2] as number) })
  out.push({ name: "k0-accepts-anything", description: "k = 0: nothing sampled, a wrong answer passes", input: base(claimHex(wasmVariant, new Float32Array(N * c)), 0), expect: ok })
  out.push({ name: "k-all-items", description: `k = ${N}: every item re-executed, item ${notSampled} wrong is found`, input: base(claimHex(wasmVariant, edit(wasm, notSampled, (x) => x + 0.1)), N), expect: mismatch(notSampled) })
  out.push({ name: "short-output", description: "one logit missing: INF_MALFORMED_OUTPUT, item −1", input: base(claimHex(wasmVariant, wasm.subarray(1))), expect: { output: { ok: false, code: "INF_MALFORMED_OUTPUT", item: -1 } } })
  const nan = Float32Array.from(wasm)
  nan[5 * c + 1] = NaN
  out.push({ name: "nan-logit", description: "a NaN in item 5: INF_MALFORMED_OUTPUT, item 5 (before sampling)", input: base(claimHex(wasmVariant, nan)), expect: { output: { ok: false, code: "INF_MALFORMED_OUTPUT", item: 5 } } })
  // task errors
  const badHash = { ...task, modelHash: sha256(new Uint8Array([1])) }
  out.push({ name: "model-hash-mismatch", description: "modelHash is not the spec's reference model measurement", input: base(claimHex("cpu", cpu), K, seed, taskHex(badHash)), expect: { reject: "INF_MODEL_MISMATCH" } })
  const big = Float32Array.from(inputs)
  big[3] = 5
  const badInput = makeInferenceTask(sha256, SPEC, big)
  out.push({ name: "input-beyond-bound", description: "an input value 5 > INPUT_BOUND = 4", input: base(claimHex("cpu", cpu), K, seed, taskHex(badInput)), expect: { reject: "INF_BAD_TASK" } })
  out.push({ name: "task-version-2", description: "task version 2", input: base(claimHex("cpu", cpu), K, seed, taskHex({ ...task, version: INFERENCE_TASK_VERSION + 1 })), expect: { reject: "INF_BAD_TASK" } })
  out.push({ name: "task-trailing-byte", description: "task bytes with one trailing byte", input: base(claimHex("cpu", cpu), K, seed, `${taskHex(task)}00`), expect: { reject: "INF_DECODE" } })
  out.push({ name: "claim-not-cbor", description: "claim bytes that are no canonical InferenceClaim", input: base("a0", K), expect: { reject: "INF_DECODE" } })
  return out
}

const consistencyDesigned = async (): Promise<Designed[]> => {
  const out: Designed[] = []
  const inputs = drawInputs(SPEC, 401, 6)
  const d = 8
  const c = SPEC.classes
  // task A: items 0..5; task B: items 3, 3, 4 (repeats within and across tasks)
  const tA = makeInferenceTask(sha256, SPEC, inputs)
  const bIn = new Float32Array(3 * d)
  bIn.set(inputs.subarray(3 * d, 4 * d), 0)
  bIn.set(inputs.subarray(3 * d, 4 * d), d)
  bIn.set(inputs.subarray(4 * d, 5 * d), 2 * d)
  const tB = makeInferenceTask(sha256, SPEC, bIn)
  const aCpu = await execOn("cpu", SPEC, inputs)
  const aWasm = await execOn("wasm", SPEC, inputs)
  const wasmVariant = await withBackend("wasm", () => backendVariant("wasm"))
  const bOf = (a: Float32Array) => {
    const o = new Float32Array(3 * c)
    o.set(a.subarray(3 * c, 4 * c), 0)
    o.set(a.subarray(3 * c, 4 * c), c)
    o.set(a.subarray(4 * c, 5 * c), 2 * c)
    return o
  }
  const entry = (t: InferenceTask, backend: string, l: Float32Array): Json => ({ task: taskHex(t), claim: claimHex(backend, l) })
  const base = (entries: Json[]): Json => ({ entries, policy: policyJson() })
  const ok = { output: { ok: true } }
  out.push({ name: "consistent-same-variant", description: "task A and task B (repeating A's items 3 and 4, item 3 twice) answered on cpu: identical repeats", input: base([entry(tA, "cpu", aCpu), entry(tB, "cpu", bOf(aCpu))]), expect: ok })
  out.push({ name: "consistent-across-variants", description: "A on cpu, B on wasm: repeats within τ", input: base([entry(tA, "cpu", aCpu), entry(tB, wasmVariant, bOf(aWasm))]), expect: ok })
  const b1 = bOf(aCpu)
  b1[c + 2] = nextUp(b1[c + 2] as number)
  out.push({ name: "same-variant-one-ulp", description: "both cpu, B's second copy of item 3 one ulp off in logit 2: INF_INCONSISTENT at flat position 6 + 1 = 7", input: base([entry(tA, "cpu", aCpu), entry(tB, "cpu", b1)]), expect: { output: { ok: false, code: "INF_INCONSISTENT", item: 7 } } })
  const b2 = bOf(aWasm)
  b2[2 * c] = (b2[2 * c] as number) + 0.01
  out.push({ name: "cross-variant-beyond-tau", description: "B on wasm with item 4's logit 0 off by 0.01: INF_INCONSISTENT at flat position 6 + 2 = 8", input: base([entry(tA, "cpu", aCpu), entry(tB, wasmVariant, b2)]), expect: { output: { ok: false, code: "INF_INCONSISTENT", item: 8 } } })
  const b3 = bOf(aCpu)
  b3[c] = (b3[c] as number) + 1
  out.push({ name: "within-one-task", description: "task B alone, its two copies of item 3 differ: INF_INCONSISTENT at item 1", input: base([entry(tB, "cpu", b3)]), expect: { output: { ok: false, code: "INF_INCONSISTENT", item: 1 } } })
  // the same input bytes under another model are not compared
  const specOther: ModelSpec = { ...SPEC, seed: 299 }
  const tOther = makeInferenceTask(sha256, specOther, inputs)
  out.push({ name: "other-model-not-compared", description: "the same inputs under another model (another modelHash): different logits are not an inconsistency", input: base([entry(tA, "cpu", aCpu), entry(tOther, "cpu", new Float32Array(6 * c))]), expect: ok })
  out.push({ name: "malformed-entry", description: "entry 1's claim is one logit short: INF_MALFORMED_OUTPUT at flat position 6 + 0", input: base([entry(tA, "cpu", aCpu), entry(tB, "cpu", bOf(aCpu).subarray(1))]), expect: { output: { ok: false, code: "INF_MALFORMED_OUTPUT", item: 6 } } })
  out.push({ name: "no-entries", description: "nothing answered: consistent", input: base([]), expect: ok })
  out.push({ name: "bad-task-bytes", description: "an entry whose task bytes do not decode", input: base([{ task: "00", claim: claimHex("cpu", aCpu) }]), expect: { reject: "INF_DECODE" } })
  // an attention model too (2 models in one list)
  const in2 = drawInputs(SPEC2, 402, 3)
  const t2 = makeInferenceTask(sha256, SPEC2, in2)
  const l2 = await execOn("cpu", SPEC2, in2)
  out.push({ name: "two-models", description: "tasks of two models (mlp, attention), each consistent", input: base([entry(tA, "cpu", aCpu), entry(t2, "cpu", l2), entry(tB, "cpu", bOf(aCpu)), entry(t2, "cpu", l2)]), expect: ok })
  return out
}

const canaryDesigned = async (): Promise<Designed[]> => {
  const out: Designed[] = []
  const inputs = drawInputs(SPEC, 501, 8)
  const task = makeInferenceTask(sha256, SPEC, inputs)
  const expected = await execOn("cpu", SPEC, inputs)
  const wasm = await execOn("wasm", SPEC, inputs)
  const wasmVariant = await withBackend("wasm", () => backendVariant("wasm"))
  const c = SPEC.classes
  const base = (claim: string, variant = "cpu"): Json => ({ task: taskHex(task), expected: f32hex(expected), variant, claim, policy: policyJson() })
  const ok = { output: { ok: true } }
  out.push({ name: "answered-on-cpu", description: "canary precomputed on cpu, answered on cpu: exact match", input: base(claimHex("cpu", expected)), expect: ok })
  out.push({ name: "answered-on-wasm", description: `answered on wasm (${wasmVariant}): within τ`, input: base(claimHex(wasmVariant, wasm)), expect: ok })
  const w = Float32Array.from(expected)
  w[5 * c + 3] = (w[5 * c + 3] as number) + 0.05
  out.push({ name: "one-item-wrong", description: "item 5 wrong: INF_CANARY_FAILED, item 5 (every canary item is checked)", input: base(claimHex("cpu", w)), expect: { output: { ok: false, code: "INF_CANARY_FAILED", item: 5 } } })
  const u = Float32Array.from(expected)
  u[0] = nextUp(u[0] as number)
  out.push({ name: "one-ulp-same-variant", description: "cpu answer one ulp off in item 0: exact comparison fails", input: base(claimHex("cpu", u)), expect: { output: { ok: false, code: "INF_CANARY_FAILED", item: 0 } } })
  out.push({ name: "one-ulp-other-variant", description: "the same answer labelled wasm-simd: tolerance, accepted", input: base(claimHex(wasmVariant, u)), expect: ok })
  out.push({ name: "canary-made-on-wasm", description: "canary precomputed on wasm, cpu answer: tolerance, accepted", input: base(claimHex("cpu", expected), wasmVariant), expect: ok })
  out.push({ name: "skipped-zeros", description: "the worker skipped the task and returned zeros: item 0 fails", input: base(claimHex("cpu", new Float32Array(8 * c))), expect: { output: { ok: false, code: "INF_CANARY_FAILED", item: 0 } } })
  out.push({ name: "short-answer", description: "one logit short: INF_MALFORMED_OUTPUT, item −1", input: base(claimHex("cpu", expected.subarray(1))), expect: { output: { ok: false, code: "INF_MALFORMED_OUTPUT", item: -1 } } })
  out.push({ name: "bad-claim-bytes", description: "claim bytes that do not decode", input: base("ff"), expect: { reject: "INF_DECODE" } })
  return out
}

export const generate = async (outRoot: string): Promise<void> => {
  await finish(outRoot, "spot_check_sample", "sample", "Spot-check indices from the audit seed (the beacon value beacon_{h+1}) and the task id", ["VER-INF.6", "VER-INF.7"], sampleDesigned(), runSample)
  await finish(outRoot, "canary_placement", "placement", "Canary positions from the verifier's secret seed; the real tasks keep their order", ["VER-INF.11"], placementDesigned(), runPlacement)
  await finish(outRoot, "compare_logits", "compare", "Cross-variant tolerance at its float32 boundary (just inside / just outside), exact comparison of same deterministic variants", ["VER-INF.5"], compareDesigned(), runCompare)
  await finish(outRoot, "spot_check", "mlp", `Spot checks of a ${N}-item task of a tiny mlp (8-8-4): claims computed on tfjs cpu and tfjs wasm, attacks, task errors; the verifier re-executes on tfjs cpu`, ["VER-INF.2", "VER-INF.3", "VER-INF.5", "VER-INF.6", "VER-INF.8", "VER-INF.13"], await spotDesigned(), runSpotCheck)
  await finish(outRoot, "consistency", "consistency", "Consistency over answered tasks (repeats within and across tasks, across variants, other models)", ["VER-INF.5", "VER-INF.9"], await consistencyDesigned(), runConsistency)
  await finish(outRoot, "canary_check", "canary", "A canary's precomputed answer against the worker's claim", ["VER-INF.5", "VER-INF.12"], await canaryDesigned(), runCanaryCheck)
}
