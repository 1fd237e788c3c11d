// spec: SIM-ML.1..6 (spec/08-simulation.md), VER-PORT.1..4 (spec/11-compute-verification.md), ML-RT.* (spec/14)
// Real ML work in the simulated network (`poai run --executor ml`): tasks of all three kinds on the
// reference models (inference and training of the reference MLP, experience extraction of synthetic
// interaction logs), computed by honest workers on their node's backend (wasm or cpu, alternating by
// node), or faked by cheaters of each class; the artefacts the workers publish; and the verifier port
// each auditor judges claims with (src/verification/Verifiers.ts) on its own backend. tfjs is reached
// only through MlRuntime services (ML-RT.*).
import { Effect } from "effect"
import { concatBytes, toHex } from "../codec/Bytes.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import type { AuditPort } from "../core/Context.ts"
import type { TaskKind } from "../domain/Work.ts"
import { type ExperienceRecord, type LogEntry, ExtractionCodecs, commitRecords, extractRecords, extractionInputHash, recordBytes } from "../ml/Extraction.ts"
import {
  type AnsweredTask,
  type Canary,
  type InferenceTask,
  detectionProbability as infDetection,
  drawInputs,
  encodeInferenceClaim,
  encodeInferenceTask,
  inferenceOutputHash,
  inferenceTaskHash,
  makeInferenceTask,
  referenceModelHash,
  runInference,
} from "../ml/Inference.ts"
import { REFERENCE_SPECS, float32ToLe, leToFloat32 } from "../ml/Models.ts"
import { type BackendName, type MlRuntimeService, MlRuntime, MlRuntimeCpu, MlRuntimeWasm } from "../ml/Runtime.ts"
import {
  type ParamSet,
  type TrainingRun,
  type TrainingTask,
  chainHead,
  encodeTranscript,
  makeTrainingTask,
  openCheckpoint,
  paramTensors,
  paramsHash,
  referenceInitialParams,
  train,
  trainSegment,
  trainingTaskId,
  trainingTaskSpec,
} from "../ml/Training.ts"
import {
  type ArtefactSource,
  type AuditPolicy,
  type WorkArtefacts,
  DEFAULT_AUDIT_POLICY,
  auditExtraction,
  auditInference,
  auditTraining,
} from "../verification/Verifiers.ts"
import type { Prng } from "./Prng.ts"

/** SIM-ML.1: items per inference task (the encoded task stays under MAX_TASK_PARAMS_BYTES). */
export const ML_TASK_ITEMS = 8
/** SIM-ML.1: the reference model every inference and training task runs. */
export const ML_MODEL = REFERENCE_SPECS.mlp
/** SIM-ML.1: inference inputs come from a pool of this many items, so items repeat across tasks (VER-INF.9). */
export const ML_INPUT_POOL = 48
/** SIM-ML.1: fraction of inference tasks that are canaries planted by the task issuer (VER-INF.10). */
export const ML_CANARY_RATE = 0.1
/** SIM-ML.1: items of a lazy inference answer that are random (the rest are computed): f = 2/8. */
export const ML_LAZY_ITEMS = 2
/** SIM-ML.1: the training tasks: mlp, 256 examples, batch 16, lr 0.05, 8 steps, checkpoint every 2 (K = 4). */
export const ML_TRAINING = { datasetSize: 256, batchSize: 16, lrNano: 50_000_000, steps: 8, interval: 2 } as const
/** SIM-ML.1: sessions per extraction log, and records a fabricating worker fakes. */
export const ML_SESSIONS = 6
export const ML_FABRICATED = 2

export { ML_CHEATS, type MlCheat, nodeBackend } from "./MlCheats.ts"
import { type MlCheat, nodeBackend, registerMlWorkshop } from "./MlCheats.ts"

export type { MlJob } from "./MlCheats.ts"
import type { MlJob } from "./MlCheats.ts"

let services: { readonly wasm: MlRuntimeService; readonly cpu: MlRuntimeService } | undefined

/** SIM-ML.3: initialise the wasm and cpu runtimes (once per process); `--executor ml` needs them. */
export const initMlExecutor = async (): Promise<void> => {
  if (services !== undefined) return
  const wasm = await Effect.runPromise(Effect.provide(MlRuntime, MlRuntimeWasm))
  const cpu = await Effect.runPromise(Effect.provide(MlRuntime, MlRuntimeCpu))
  services = { wasm, cpu }
  // CLI-BUILD.2: the simulator reaches the workshop through this registration, not a static import
  registerMlWorkshop((sha256, seed, sketch) => new MlWorkshop(sha256, seed, { ...DEFAULT_AUDIT_POLICY, sketch }))
}

export const mlExecutorReady = (): boolean => services !== undefined

const runtime = (b: "wasm" | "cpu"): MlRuntimeService => {
  if (services === undefined) throw new Error("executor 'ml' needs initMlExecutor() before the run")
  return services[b]
}

/** Run an Effect that needs MlRuntime on a backend, synchronously (every MlRuntime.run is synchronous). */
const onBackend = <A>(b: "wasm" | "cpu", eff: Effect.Effect<A, never, MlRuntime>): A => Effect.runSync(Effect.provideService(eff, MlRuntime, runtime(b)))

const WORDS = ["plan", "tool", "error", "retry", "search", "answer", "cache", "model", "query", "result", "fix", "test", "user", "deploy", "log", "trace"]

/**
 * SIM-ML.1..6: the ML workload of one simulated chain: makes jobs, holds what the workers published
 * (the artefact store, keyed by work id; the extraction logs, keyed by input hash) and the canaries the
 * task issuer planted, and gives each auditor its verifier port.
 */
export class MlWorkshop implements ArtefactSource {
  private readonly outputs = new Map<string, WorkArtefacts>()
  private readonly inputs = new Map<string, Uint8Array>()
  private readonly canaries = new Map<string, Canary>()
  private readonly pool: Float32Array

  constructor(
    private readonly sha256: Sha256,
    seed: number,
    readonly policy: AuditPolicy = DEFAULT_AUDIT_POLICY,
  ) {
    if (services === undefined) throw new Error("executor 'ml' needs initMlExecutor() before the run")
    this.pool = drawInputs(ML_MODEL, seed >>> 0, ML_INPUT_POOL)
  }

  output = (workId: Uint8Array): WorkArtefacts | undefined => this.outputs.get(toHex(workId))
  input = (inputHash: Uint8Array): Uint8Array | undefined => this.inputs.get(toHex(inputHash))

  /** Record what the worker of a claim with this work id published (VER-PORT.2). */
  publish(workId: Uint8Array, job: MlJob): void {
    this.outputs.set(toHex(workId), job.artefacts)
  }

  /** SIM-ML.2: a job of `kind` computed on `backend`, honestly or with `cheat`. */
  make(kind: TaskKind, cheat: MlCheat | "honest", backend: "wasm" | "cpu", rng: Prng): MlJob {
    if (kind === "inference") return this.inference(cheat, backend, rng)
    if (kind === "training") return this.training(cheat, backend, rng)
    return this.extraction(cheat, backend, rng)
  }

  private inference(cheat: MlCheat | "honest", backend: "wasm" | "cpu", rng: Prng): MlJob {
    const d = ML_MODEL.inputShape.reduce((a, b) => a * b, 1)
    const inputs = new Float32Array(ML_TASK_ITEMS * d)
    for (let i = 0; i < ML_TASK_ITEMS; i++) {
      const j = rng.int(ML_INPUT_POOL)
      inputs.set(this.pool.subarray(j * d, (j + 1) * d), i * d)
    }
    const sha = this.sha256
    const task: InferenceTask = makeInferenceTask(sha, ML_MODEL, inputs)
    const taskId = inferenceTaskHash(sha, task)
    const canary = rng.chance(ML_CANARY_RATE)
    if (canary && !this.canaries.has(toHex(taskId))) {
      // VER-INF.10: the issuer computed the answer on its own runtime (wasm) before posting the task
      const expected = onBackend("wasm", Effect.map(runInference(task), (c) => leToFloat32(c.logits) ?? new Float32Array(0)))
      this.canaries.set(toHex(taskId), { task, expected, variant: runtime("wasm").variant })
    }
    let answer = onBackend(backend, runInference(task))
    let derived = 0
    if (cheat === "lazy-inference") {
      // SIM-ML.2: ML_LAZY_ITEMS items answered with random logits, the rest computed
      const v = leToFloat32(answer.logits) ?? new Float32Array(0)
      const c = ML_MODEL.classes
      const fake = new Set<number>()
      while (fake.size < ML_LAZY_ITEMS) fake.add(rng.int(ML_TASK_ITEMS))
      for (const i of fake) for (let j = 0; j < c; j++) v[i * c + j] = (rng.next() - 0.5) * 8
      answer = { backend: answer.backend, logits: float32ToLe(v) }
      derived = this.canaries.has(toHex(taskId)) ? 1 : infDetection(ML_TASK_ITEMS, ML_LAZY_ITEMS, this.policy.inferenceSamples)
    }
    return {
      kind: "inference",
      taskId,
      modelHash: referenceModelHash(sha, ML_MODEL),
      params: encodeInferenceTask(task),
      inputHash: taskId,
      outputHash: inferenceOutputHash(sha, answer.logits),
      artefacts: { kind: "inference", output: encodeInferenceClaim(answer) },
      noveltyBytes: answer.logits,
      cheat,
      backend,
      derived,
    }
  }

  private training(cheat: MlCheat | "honest", backend: "wasm" | "cpu", rng: Prng): MlJob {
    const sha = this.sha256
    const task: TrainingTask = makeTrainingTask(sha, { model: "mlp", datasetSeed: rng.int(1_000_000), precision: "fp32", ...ML_TRAINING })
    const K = task.steps / task.interval
    const s = Math.min(this.policy.trainingSegments, K)
    let derived = 0
    let run: TrainingRun
    const rt = runtime(backend)
    if (cheat === "wrong-lr") {
      // SIM-ML.2: the task's batches with twice its learning rate, claimed as the task: every segment is off
      const taskId = trainingTaskId(sha, task)
      const wrong = { ...task, lrNano: task.lrNano * 2 }
      const checkpoints: ParamSet[] = [referenceInitialParams("mlp")]
      onBackend(backend, rt.run(() => {
        for (let k = 0; k < K; k++) checkpoints.push(trainSegment(sha, taskId, wrong, checkpoints[k] as ParamSet, k * task.interval, "fp32"))
      }))
      const paramsHashes = checkpoints.map((p) => paramsHash(sha, p))
      run = { task, taskId, paramsHashes, checkpoints, outputHash: chainHead(sha, taskId, task.interval, paramsHashes) }
      derived = 1
    } else if (cheat === "skipped-step" || cheat === "tampered-step") {
      const at = (1 + rng.int(K)) * task.interval // the checkpoint step faked, in c..T
      const tamper = (step: number, prev: ParamSet, next: ParamSet): ParamSet => {
        if (step !== at) return next
        if (cheat === "skipped-step") return prev // θ_at = θ_{at−c}: the segment was not computed
        return { ...next, values: next.values.map((v) => v.map((x, j) => (j % 7 === 0 ? x + 0.05 : x))) }
      }
      run = onBackend(backend, rt.run(() => train(sha, task, { tamper })))
      // a skipped step is caught by the transcript check whatever is sampled; a tampered checkpoint
      // makes only the segment that ends at it wrong (the next one starts from the tampered θ and is
      // computed from it honestly): detected iff that segment is among the s sampled, s/K
      derived = cheat === "skipped-step" ? 1 : 1 - comb(K - 1, s) / comb(K, s)
    } else run = onBackend(backend, rt.run(() => train(sha, task)))
    const spec = trainingTaskSpec(sha, task, 1)
    return {
      kind: "training",
      taskId: spec.taskId,
      modelHash: spec.modelHash,
      params: spec.params,
      inputHash: task.initialParamsHash,
      outputHash: run.outputHash,
      noveltyBytes: concatBytes(...paramTensors(run.checkpoints[run.checkpoints.length - 1] as ParamSet).map((t) => t.data)),
      artefacts: { kind: "training", transcript: encodeTranscript(run), open: (step) => (Number.isInteger(step) && step >= 0 && step <= task.steps && step % task.interval === 0 ? openCheckpoint(run, step) : undefined) },
      cheat,
      backend,
      derived,
    }
  }

  private extraction(cheat: MlCheat | "honest", backend: "wasm" | "cpu", rng: Prng): MlJob {
    const sha = this.sha256
    const entries: LogEntry[] = []
    const roles = ["user", "assistant", "tool"] as const
    const outcomes = ["success", "failure", "none"] as const
    for (let s = 0; s < ML_SESSIONS; s++) {
      const session = new Uint8Array([s + 1, ...rng.bytes(7)])
      const len = 2 + rng.int(3)
      for (let e = 0; e < len; e++) {
        const text = Array.from({ length: 3 + rng.int(6) }, () => WORDS[rng.int(WORDS.length)]).join(" ")
        entries.push({ session, role: roles[e % 3] as LogEntry["role"], text, outcome: outcomes[rng.int(3)] as LogEntry["outcome"] })
      }
    }
    const logs = ExtractionCodecs.ExtractionInput.encode({ entries })
    const inputHash = extractionInputHash(sha, logs)
    this.inputs.set(toHex(inputHash), logs)
    let records: ExperienceRecord[] = extractRecords(sha, { entries })
    const n = records.length
    let derived = 0
    if (cheat === "fabricated-records") {
      // SIM-ML.2: ML_FABRICATED records not derived from their sessions (their token counts invented)
      const fake = new Set<number>()
      while (fake.size < Math.min(ML_FABRICATED, n)) fake.add(rng.int(n))
      records = records.map((r, i) => (fake.has(i) ? { ...r, tokens: r.tokens + 1 + rng.int(50) } : r))
      const k = this.policy.extractionDraws
      derived = 1 - ((n - fake.size) / n) ** k
    } else if (cheat === "missing-records") {
      // SIM-ML.2: one session's record left out; coverage (VER-EXT) catches it whatever is sampled
      const drop = rng.int(n)
      records = records.filter((_, i) => i !== drop)
      derived = 1
    }
    const ext = commitRecords(sha, records)
    return {
      kind: "extraction",
      taskId: rng.bytes(32),
      modelHash: sha(new TextEncoder().encode("poai/extraction-pipeline/v1")),
      params: new Uint8Array(0),
      inputHash,
      outputHash: ext.outputHash,
      artefacts: { kind: "extraction", records },
      noveltyBytes: concatBytes(...records.map(recordBytes)),
      cheat,
      backend,
      derived,
    }
  }

  /**
   * SIM-ML.3, VER-PORT.1: the verifier port of the auditor on `node`: the per-kind audits of
   * src/verification/Verifiers.ts on the node's backend, with the canaries the issuer planted and the
   * answers this auditor has seen (consistency, VER-INF.9; the last 64 tasks).
   */
  verifierFor(node: number): AuditPort {
    const backend = nodeBackend(node)
    const seen = new Map<string, AnsweredTask[]>() // per worker (VER-INF.9)
    const sha = this.sha256
    return (req) => {
      const art = this.output(req.workId)
      switch (req.claim.task.kind) {
        case "inference": {
          const canary = this.canaries.get(toHex(req.claim.inputHash))
          const earlier = seen.get(req.worker) ?? []
          const r = onBackend(backend, auditInference(sha, req, art, this.policy, { earlier, ...(canary ? { canary } : {}) }))
          if (r.answered !== undefined && r.verdict.verdict === "pass") {
            seen.set(req.worker, [...earlier.slice(-63), r.answered])
          }
          return r.verdict
        }
        case "training": {
          const r = onBackend(backend, auditTraining(sha, req, art, this.policy))
          return "_tag" in r ? undefined : r
        }
        case "extraction":
          return auditExtraction(sha, req, this, this.policy)
      }
    }
  }
}

const comb = (n: number, k: number): number => {
  if (k < 0 || k > n) return 0
  let r = 1
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1)
  return r
}

