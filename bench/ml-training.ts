// Cost of training verification (VER-TRAIN.7, VER-TRAIN.8; paper §4.4 eq. 4, §8.2 "verification
// overhead"). Per reference model and tfjs backend, in the same process:
//   trainStepMs      one worker SGD step (gradient + binary32 update) plus its checkpoint hash;
//   verifyStepMs     one audited segment (c = 1): opening decode + hash of the openings it needs,
//                    fp32 recompute, metrics; measured by verifyTrainingAudit over s segments / s;
//   overheadRatio    verifyStepMs / trainStepMs (the baseline is the training step, same backend);
//   auditFraction    verification cost of s sampled steps out of T as a fraction of the training
//                    (s·verifyStepMs + transcript check) / (T·trainStepMs), for several (s, T).
// conv runs on cpu only: tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel.
import { sha256 } from "@noble/hashes/sha2.js"
import type { ModelKind } from "../src/ml/Models.ts"
import { withBackend, type BackendName } from "../src/ml/Runtime.ts"
import {
  auditOpenings,
  encodeTranscript,
  makeTrainingTask,
  openCheckpoint,
  train,
  verifyTrainingAudit,
  verifyTranscript,
  type TrainingTask,
} from "../src/ml/Training.ts"

export interface MlTrainingBenchLine {
  readonly bench: "ml-training"
  readonly model: ModelKind
  readonly backend: BackendName
  readonly batchSize: number
  readonly trainStepMs: number
  readonly verifyStepMs: number
  readonly overheadRatio: number
  readonly transcriptCheckMsPerStep: number
  readonly auditFraction: ReadonlyArray<{ readonly s: number; readonly T: number; readonly fraction: number }>
  readonly measuredSteps: number
  readonly measuredSegments: number
}

const PLAN: ReadonlyArray<{ s: number; T: number }> = [
  { s: 10, T: 1_000 },
  { s: 30, T: 1_000 },
  { s: 10, T: 10_000 },
  { s: 30, T: 100_000 },
]

export async function benchMlTraining(emit: (o: object) => void, progress: (s: string) => void, quick: boolean): Promise<void> {
  const steps = quick ? 6 : 24
  const segments = quick ? 3 : 8
  for (const model of ["mlp", "conv", "attention"] as const) {
    for (const backend of ["wasm", "cpu"] as const) {
      if (model === "conv" && backend === "wasm") continue
      progress(`ml-training ${model} on ${backend}`)
      const task: TrainingTask = makeTrainingTask(sha256, {
        model,
        datasetSeed: 5,
        datasetSize: 1024,
        batchSize: 32,
        lrNano: 50_000_000,
        steps,
        interval: 1,
        precision: "fp32",
      })
      // warm-up (kernel set-up, data set generation)
      await withBackend(backend, () => train(sha256, { ...task, steps: 2 }))
      const t0 = performance.now()
      const run = await withBackend(backend, () => train(sha256, task))
      const trainStepMs = (performance.now() - t0) / steps
      const segs = Array.from({ length: segments }, (_, i) => Math.floor(((i + 0.5) * steps) / segments))
      const openings = new Map(auditOpenings(task, segs).map((st) => [st, openCheckpoint(run, st)]))
      const transcript = encodeTranscript(run)
      const t1 = performance.now()
      const r = await withBackend(backend, () =>
        verifyTrainingAudit(sha256, { task, outputHash: run.outputHash, transcript, segments: segs, openings }),
      )
      const auditMs = performance.now() - t1
      if (r._tag === "Left") throw new Error(`honest run rejected in bench: ${r.left.message}`)
      const t2 = performance.now()
      for (let i = 0; i < 5; i++) verifyTranscript(sha256, task, run.outputHash, transcript)
      const transcriptCheckMsPerStep = (performance.now() - t2) / 5 / steps
      const verifyStepMs = (auditMs - transcriptCheckMsPerStep * steps) / segments
      emit({
        bench: "ml-training",
        model,
        backend,
        batchSize: task.batchSize,
        trainStepMs: Number(trainStepMs.toFixed(3)),
        verifyStepMs: Number(verifyStepMs.toFixed(3)),
        overheadRatio: Number((verifyStepMs / trainStepMs).toFixed(3)),
        transcriptCheckMsPerStep: Number(transcriptCheckMsPerStep.toFixed(4)),
        auditFraction: PLAN.map(({ s, T }) => ({
          s,
          T,
          fraction: Number(((s * verifyStepMs + T * transcriptCheckMsPerStep) / (T * trainStepMs)).toPrecision(3)),
        })),
        measuredSteps: steps,
        measuredSegments: segments,
      } satisfies MlTrainingBenchLine)
    }
  }
}
