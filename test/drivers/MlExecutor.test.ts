// SIM-ML.1..3: `poai run --executor ml`: inference claims carry a real task for the reference MLP,
// honest workers run it on tfjs cpu, auditors re-run it and compare output hashes exactly.
import { Effect, Either } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { nodeCryptoService } from "../../src/crypto/NodeCrypto.ts"
import { simulate } from "../../src/drivers/InProcessNetwork.ts"
import { ML_MODEL, ML_TASK_ITEMS, initMlExecutor, mlExecutor, mlInferenceOutput, mlInferenceTask } from "../../src/drivers/MlWork.ts"
import type { WorkClaim } from "../../src/domain/Work.ts"
import { MAX_TASK_PARAMS_BYTES } from "../../src/domain/Work.ts"
import { decodeInferenceTask, inferenceOutputHash, runInference } from "../../src/ml/Inference.ts"
import { MlRuntimeCpu } from "../../src/ml/Runtime.ts"
import { simExecute } from "../../src/verification/Audit.ts"

const sha = nodeCryptoService.sha256
const claimOf = (seed: number, over: Partial<WorkClaim["task"]> = {}): WorkClaim => {
  const t = mlInferenceTask(sha, seed)
  return {
    task: { kind: "inference", taskId: sha(new Uint8Array([seed])), modelHash: t.modelHash, params: t.params, computeUnits: 10, ...over },
    inputHash: t.inputHash,
    outputHash: new Uint8Array(32),
    attestation: new Uint8Array(0),
    qualityClaims: { correctness: 0, utility: 0, novelty: 0 },
    noveltySketch: new Uint8Array(8),
  }
}

beforeAll(async () => {
  await initMlExecutor()
})

describe("the ML executor (SIM-ML.1..3)", () => {
  it("a task fits the params bound and decodes to ML_TASK_ITEMS inputs of the reference MLP", () => {
    const t = mlInferenceTask(sha, 7)
    expect(t.params.length).toBeLessThanOrEqual(MAX_TASK_PARAMS_BYTES)
    const d = decodeInferenceTask(sha, t.params)
    expect(Either.isRight(d)).toBe(true)
    if (Either.isRight(d)) {
      expect(d.right.inputs.length).toBe(ML_TASK_ITEMS)
      expect(d.right.model).toEqual(ML_MODEL)
    }
  })

  it("re-execution is deterministic and equals an independent run through the MlRuntime service (cpu)", async () => {
    const c = claimOf(11)
    const a = mlInferenceOutput(sha, c)
    expect(a).toBeDefined()
    expect(toHex(mlInferenceOutput(sha, c) as Uint8Array)).toBe(toHex(a as Uint8Array))
    const task = decodeInferenceTask(sha, c.task.params)
    if (Either.isLeft(task)) throw new Error("decode")
    const viaService = await Effect.runPromise(Effect.provide(runInference(task.right), MlRuntimeCpu))
    expect(toHex(inferenceOutputHash(sha, viaService.logits))).toBe(toHex(a as Uint8Array))
    // a different input gives a different output
    expect(toHex(mlInferenceOutput(sha, claimOf(12)) as Uint8Array)).not.toBe(toHex(a as Uint8Array))
  })

  it("a claim whose params, input hash or model hash do not match gets the reference executor's hash", () => {
    const exec = mlExecutor(sha)
    const good = claimOf(13)
    for (const bad of [
      { ...good, inputHash: new Uint8Array(32) },
      { ...good, task: { ...good.task, modelHash: new Uint8Array(32) } },
      { ...good, task: { ...good.task, params: new Uint8Array([1, 2, 3]) } },
      { ...good, task: { ...good.task, kind: "training" as const } },
    ]) {
      expect(mlInferenceOutput(sha, bad)).toBeUndefined()
      expect(toHex(exec(bad))).toBe(toHex(simExecute(sha, bad)))
    }
  })

  it("in a network with every claim audited, real re-execution catches every settled lazy claim and passes every honest one", () => {
    const s = simulate(nodeCryptoService, {
      nodes: 4,
      byzantine: 0,
      strategy: "equivocate",
      seed: 9,
      blocks: 24,
      txRate: 0,
      cheaters: 0.25,
      attested: false, // all cheaters lazy: only the audit can catch them
      executor: "ml",
      params: { auditPpm: 1_000_000 },
    })
    expect(s.agreement).toBe(true)
    expect(s.cheaters).toBe(1)
    expect(s.audited).toBeGreaterThan(0)
    expect(s.auditsPassed).toBeGreaterThan(0)
    expect(s.auditsFailed).toBeGreaterThan(0)
    expect(s.cheatsMissed).toBe(0) // p = 1: nothing settles unaudited
    expect(s.cheatsCaught).toBe(s.cheatingClaims)
    expect(s.auditsFailed).toBe(s.cheatsCaught) // no honest claim failed its re-execution
  })
})
