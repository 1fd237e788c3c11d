// spec: SIM-ML.1..3 (spec/08-simulation.md), VER-AUDIT.11 (spec/11-compute-verification.md), VER-INF.1 (spec/14-ml-runtime.md)
// Real ML work in the simulated network (`poai run --executor ml`): inference claims carry a real
// inference task for the reference MLP; workers and auditors run it on the tfjs cpu backend, and an
// audit compares output hashes exactly (same backend variant, VER-INF comparison policy). Training and
// extraction claims keep the reference executor of VER-AUDIT.11.
import { Either } from "effect"
import type { Sha256 } from "../codec/Hashing.ts"
import type { Executor } from "../core/Context.ts"
import type { WorkClaim } from "../domain/Work.ts"
import {
  decodeInferenceTask,
  drawInputs,
  encodeInferenceTask,
  inferenceOutputHash,
  inferenceTaskHash,
  makeInferenceTask,
  referenceModel,
  referenceModelHash,
  taskInputs,
} from "../ml/Inference.ts"
import { REFERENCE_SPECS, float32ToLe, forward, inputTensor, paramsToTensors } from "../ml/Models.ts"
import { ensureBackend, initialisedBackends, runOn, withBackend } from "../ml/Runtime.ts"
import { simExecute } from "../verification/Audit.ts"
import { Effect } from "effect"

/** SIM-ML.1: items per simulated inference task (the encoded task stays under MAX_TASK_PARAMS_BYTES). */
export const ML_TASK_ITEMS = 8

/** SIM-ML.1: the reference model every simulated inference task runs. */
export const ML_MODEL = REFERENCE_SPECS.mlp

/** Initialise the tfjs cpu backend (once per process); `--executor ml` needs it before the run. */
export const initMlExecutor = async (): Promise<void> => {
  await Effect.runPromise(Effect.orDie(ensureBackend("cpu")))
  // make cpu the engine's current backend once, asynchronously; later switches to it are synchronous
  await withBackend("cpu", () => undefined)
}

export const mlExecutorReady = (): boolean => initialisedBackends().includes("cpu")

/**
 * SIM-ML.1: the task fields of an inference claim: `params` = the canonical InferenceTask of
 * ML_TASK_ITEMS inputs drawn from `seed` (VER-INF.1), `inputHash` = its task hash, `modelHash` = the
 * reference model's hash (ML-MODEL.*).
 */
export const mlInferenceTask = (sha256: Sha256, seed: number): { params: Uint8Array; inputHash: Uint8Array; modelHash: Uint8Array } => {
  const task = makeInferenceTask(sha256, ML_MODEL, drawInputs(ML_MODEL, seed, ML_TASK_ITEMS))
  return { params: encodeInferenceTask(task), inputHash: inferenceTaskHash(sha256, task), modelHash: referenceModelHash(sha256, ML_MODEL) }
}

/**
 * SIM-ML.2: run an inference claim's task on the cpu backend and return the output hash of its logits
 * (VER-INF.*), or undefined when the claim is not an inference task of this form (its params do not
 * decode, or its input or model hash do not match them).
 */
export const mlInferenceOutput = (sha256: Sha256, claim: WorkClaim): Uint8Array | undefined => {
  if (claim.task.kind !== "inference") return undefined
  const t = decodeInferenceTask(sha256, claim.task.params)
  if (Either.isLeft(t)) return undefined
  const task = t.right
  const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])
  if (!eq(inferenceTaskHash(sha256, task), claim.inputHash) || !eq(referenceModelHash(sha256, task.model), claim.task.modelHash)) return undefined
  const model = referenceModel(task.model)
  const logits = runOn("cpu", () => Float32Array.from(forward(task.model, paramsToTensors(model), inputTensor(task.model, taskInputs(task))).dataSync()))
  return inferenceOutputHash(sha256, float32ToLe(logits))
}

/**
 * SIM-ML.3: the executor of `--executor ml`: real inference for inference claims whose params carry
 * a task (SIM-ML.2); the reference executor (VER-AUDIT.11) for everything else. A claim that names an
 * inference task it does not match gets the reference executor's hash, which never equals a forged one.
 */
export const mlExecutor =
  (sha256: Sha256): Executor =>
  (claim) =>
    mlInferenceOutput(sha256, claim) ?? simExecute(sha256, claim)
