// spec: SIM-ML.2, SIM-ML.3 (spec/08-simulation.md), CLI-BUILD.2
// What the simulator needs of the real-ML workload without loading tfjs: the cheat classes, the backend
// of each node, and the workshop factory that src/drivers/MlWork.ts registers when its runtimes are
// initialised (initMlExecutor). `poai run` with the reference executor never loads tfjs.
import type { Sha256 } from "../codec/Hashing.ts"
import type { AuditPort } from "../core/Context.ts"
import type { TaskKind } from "../domain/Work.ts"
import type { SketchPolicy } from "../verification/Verdicts.ts"
import type { BackendName } from "../ml/Runtime.ts"
import type { WorkArtefacts } from "../verification/Verifiers.ts"
import type { Prng } from "./Prng.ts"

/** SIM-ML.2: the cheat classes, per kind. */
export const ML_CHEATS = {
  inference: ["lazy-inference"],
  training: ["skipped-step", "tampered-step", "wrong-lr"],
  extraction: ["fabricated-records", "missing-records"],
} as const satisfies Record<TaskKind, ReadonlyArray<string>>
export type MlCheat = (typeof ML_CHEATS)[TaskKind][number]

/** SIM-ML.3: honest workers and auditors of node i run on wasm (even i) or cpu (odd i). */
export const nodeBackend = (node: number): "wasm" | "cpu" => (node % 2 === 0 ? "wasm" : "cpu")

/** A job's task fields, output hash and how it was made (SIM-ML.2). */
export interface MlJob {
  readonly kind: TaskKind
  readonly taskId: Uint8Array
  readonly modelHash: Uint8Array
  readonly params: Uint8Array
  readonly inputHash: Uint8Array
  readonly outputHash: Uint8Array
  readonly artefacts: WorkArtefacts
  /** The output's novelty bytes (QUAL-NOVELTY.6), sketched into the claim's noveltySketch. */
  readonly noveltyBytes: Uint8Array
  readonly cheat: MlCheat | "honest"
  readonly backend: BackendName
  /**
   * SIM-ML.5: the probability that one audit of this claim detects the cheat, derived from the spec's
   * sampling (1 − C(n−m, k)/C(n, k) for inference spot checks, 1 for a canary; b/K of s = 1 segment
   * for one tampered checkpoint; 1 − (1 − m/n)^k for extraction draws; 1 where a whole-claim check
   * catches it); 0 for honest work.
   */
  readonly derived: number
}

/** The part of MlWorkshop the simulator drives (SIM-ML.1..6). */
export interface MlWorkshopPort {
  readonly make: (kind: TaskKind, cheat: MlCheat | "honest", backend: "wasm" | "cpu", rng: Prng) => MlJob
  readonly publish: (workId: Uint8Array, job: MlJob) => void
  readonly verifierFor: (node: number) => AuditPort
}

export type MlWorkshopFactory = (sha256: Sha256, seed: number, sketch: SketchPolicy["sketch"]) => MlWorkshopPort

let factory: MlWorkshopFactory | undefined

/** Called by initMlExecutor once the wasm and cpu runtimes are ready. */
export const registerMlWorkshop = (f: MlWorkshopFactory): void => {
  factory = f
}

/** The registered factory; undefined until initMlExecutor() has run. */
export const mlWorkshopFactory = (): MlWorkshopFactory | undefined => factory
