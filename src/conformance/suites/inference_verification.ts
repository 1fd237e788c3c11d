// spec: VER-INF.2..12 (spec/14-ml-runtime.md), VER-AUDIT.11 (spec/11-compute-verification.md); conformance/docs/inference_verification.md
// Handlers of the "inference_verification" suite (conformance/vectors/inference_verification/<handler>/):
//   spot_check_sample  - the spot-check indices from the audit seed (beacon) and task id (VER-INF.6)
//   canary_placement   - the canary positions in a task stream from the verifier's secret (VER-INF.11)
//   compare_logits     - one item's claimed logits against reference logits under the policy (VER-INF.5)
//   spot_check         - task + claim + beacon + k -> verdict, re-executing on tfjs cpu (VER-INF.8)
//   consistency        - answered tasks -> verdict, no re-execution (VER-INF.9)
//   canary_check       - a canary's known answer + the worker's claim -> verdict (VER-INF.12)
// Verdicts are outputs {ok: true} | {ok: false, code, item}; task/claim errors (INF_DECODE, INF_BAD_TASK,
// INF_MODEL_MISMATCH) and malformed comparison inputs are rejects.
import { sha256 } from "@noble/hashes/sha2.js"
import { Effect, Either } from "effect"
import { leToFloat32 } from "../../ml/Models.ts"
import {
  MAX_INFERENCE_ITEMS,
  checkCanary,
  checkConsistency,
  decodeInferenceClaim,
  decodeInferenceTask,
  exactComparison,
  logitMismatch,
  sampleIndices,
  spotCheck,
  type ComparisonPolicy,
  type InferenceClaim,
  type InferenceTask,
  type InferenceVerdict,
} from "../../ml/Inference.ts"
import { MlRuntimeCpu } from "../../ml/Runtime.ts"
import {
  ConformanceInputError,
  arr,
  field,
  genericCases,
  hexField,
  num,
  str,
  type CaseResult,
  type HandlerDef,
  type Json,
  type JsonObject,
} from "../Types.ts"

export const SUITE = "inference_verification"
const FORMAT_VERSION = "1"

const isInt = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x)
const intIn = (input: Json, name: string, lo: number, hi: number): number => {
  const v = num(input, name)
  if (!isInt(v) || v < lo || v > hi) throw new ConformanceInputError(`input field ${name} is not an integer in [${lo}, ${hi}]`)
  return v
}

/** The comparison policy of a case (VER-INF.5). */
export const policyOf = (input: Json): ComparisonPolicy => {
  const p = field(input, "policy")
  const tauAbs = num(p, "tauAbs")
  const tauRel = num(p, "tauRel")
  if (!(tauAbs >= 0) || !(tauRel >= 0)) throw new ConformanceInputError("policy tolerances must be numbers >= 0")
  const ex = arr(p, "exactVariants")
  if (!ex.every((v) => typeof v === "string")) throw new ConformanceInputError("policy.exactVariants is not a list of strings")
  return { tauAbs, tauRel, exactVariants: ex as string[] }
}

export const verdictJson = (v: InferenceVerdict): Json => (v.ok ? { ok: true } : { ok: false, code: v.code, item: v.item })

class Rejected extends Error {
  constructor(readonly code: string) {
    super(code)
  }
}
const guard = async (f: () => Json | Promise<Json>): Promise<CaseResult> => {
  try {
    return { output: await f() }
  } catch (e) {
    if (e instanceof Rejected) return { reject: e.code }
    throw e
  }
}

const taskOf = (bytes: Uint8Array): InferenceTask => {
  const r = decodeInferenceTask(sha256, bytes)
  if (Either.isLeft(r)) throw new Rejected(r.left.code)
  return r.right
}
const claimOf = (bytes: Uint8Array): InferenceClaim => {
  const r = decodeInferenceClaim(bytes)
  if (Either.isLeft(r)) throw new Rejected(r.left.code)
  return r.right
}
const f32 = (input: Json, name: string): Float32Array => {
  const v = leToFloat32(hexField(input, name))
  if (v === undefined) throw new Rejected("INF_MALFORMED_OUTPUT")
  return v
}

// ------------------------------------------------------------------------------------------------

/** spot_check_sample (VER-INF.6): {seed, taskId, n, k} -> {indices}. */
export const runSample = (input: Json): Promise<CaseResult> =>
  guard(() => {
    const seed = hexField(input, "seed")
    const taskId = hexField(input, "taskId")
    const n = intIn(input, "n", 0, MAX_INFERENCE_ITEMS)
    const k = intIn(input, "k", 0, MAX_INFERENCE_ITEMS)
    return { indices: sampleIndices(sha256, seed, taskId, n, k) }
  })

/** canary_placement (VER-INF.11): {secret, real, canaries} -> {positions, stream}. */
export const runPlacement = (input: Json): Promise<CaseResult> =>
  guard(() => {
    const secret = hexField(input, "secret")
    const real = intIn(input, "real", 0, 1 << 16)
    const canaries = intIn(input, "canaries", 0, 1 << 16)
    const total = real + canaries
    // VER-INF.11: the positions sampleIndices(secret, "canary", T, #canaries), canary j at positions[j]
    const positions = sampleIndices(sha256, secret, new TextEncoder().encode("canary"), total, canaries)
    const at = new Map(positions.map((p, j) => [p, j]))
    let r = 0
    const stream: Json[] = []
    for (let p = 0; p < total; p++) {
      const j = at.get(p)
      stream.push(j !== undefined ? { canary: j } : { real: r++ })
    }
    return { positions, stream }
  })

/** compare_logits (VER-INF.5): {policy, claimedVariant, verifierVariant, reference, claimed} -> {match} | {match: false, logit, rule}. */
export const runCompare = (input: Json): Promise<CaseResult> =>
  guard(() => {
    const policy = policyOf(input)
    const ref = f32(input, "reference")
    const claimed = f32(input, "claimed")
    if (ref.length === 0 || ref.length !== claimed.length) throw new Rejected("INF_MALFORMED_OUTPUT")
    const exact = exactComparison(str(input, "claimedVariant"), str(input, "verifierVariant"), policy)
    const m = logitMismatch(ref, claimed, exact, policy)
    return m === undefined ? { match: true, exact } : { match: false, exact, logit: m.logit, rule: m.rule }
  })

/** spot_check (VER-INF.8): {task, claim, seed, k, verifierVariant: "cpu", policy} -> verdict; re-executes on tfjs cpu. */
export const runSpotCheck = (input: Json): Promise<CaseResult> =>
  guard(async () => {
    const policy = policyOf(input)
    if (str(input, "verifierVariant") !== "cpu") throw new ConformanceInputError("this reference verifier runs on variant cpu only")
    const task = taskOf(hexField(input, "task"))
    const claim = claimOf(hexField(input, "claim"))
    const seed = hexField(input, "seed")
    const k = intIn(input, "k", 0, MAX_INFERENCE_ITEMS)
    const v = await Effect.runPromise(spotCheck(sha256, task, claim, seed, k, { policy }).pipe(Effect.provide(MlRuntimeCpu)))
    return verdictJson(v)
  })

/** consistency (VER-INF.9): {entries: [{task, claim}], policy} -> verdict. */
export const runConsistency = (input: Json): Promise<CaseResult> =>
  guard(() => {
    const policy = policyOf(input)
    const entries = arr(input, "entries").map((e) => ({ task: taskOf(hexField(e, "task")), claim: claimOf(hexField(e, "claim")) }))
    return verdictJson(checkConsistency(entries, policy))
  })

/** canary_check (VER-INF.12): {task, expected, variant, claim, policy} -> verdict; no re-execution. */
export const runCanaryCheck = (input: Json): Promise<CaseResult> =>
  guard(() => {
    const policy = policyOf(input)
    const task = taskOf(hexField(input, "task"))
    const expected = f32(input, "expected")
    if (expected.length !== task.inputs.length * task.model.classes) throw new ConformanceInputError("expected logits do not fit the task")
    const claim = claimOf(hexField(input, "claim"))
    return verdictJson(checkCanary({ task, expected, variant: str(input, "variant") as "cpu" }, claim, policy))
  })

const h = (handler: string, description: string, spec: string[], run: (i: Json) => Promise<CaseResult>): HandlerDef => ({
  suite: SUITE,
  handler,
  description,
  spec,
  formatVersion: FORMAT_VERSION,
  cases: (file) => genericCases(file),
  run,
})

export const handlers: ReadonlyArray<HandlerDef> = [
  h("spot_check_sample", "Spot-check indices: partial Fisher-Yates over [0, n) driven by SHA-256(tagged(inf-sample, seed || taskId || u32be(j)))", ["VER-INF.6"], runSample),
  h("canary_placement", "Canary positions in a stream of real + canary tasks, from the verifier's secret seed", ["VER-INF.11"], runPlacement),
  h("compare_logits", "One item's claimed logits against reference logits: exact for the same deterministic variant, else |c - r| <= tauAbs + tauRel*|r| per logit", ["VER-INF.5"], runCompare),
  h("spot_check", "Spot check of an inference claim: shape check, k beacon-sampled items re-executed (tfjs cpu) and compared", ["VER-INF.2", "VER-INF.3", "VER-INF.5", "VER-INF.6", "VER-INF.8", "VER-INF.13"], runSpotCheck),
  h("consistency", "Consistency of answered tasks: the same (modelHash, input item) must get the same logits under the policy", ["VER-INF.5", "VER-INF.9"], runConsistency),
  h("canary_check", "A canary's precomputed answer against the worker's claim", ["VER-INF.5", "VER-INF.12"], runCanaryCheck),
]
