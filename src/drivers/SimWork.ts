// spec: SIM-NET.5, SIM-CHEAT.1..3 (spec/08-simulation.md), VER-AUDIT.1/11 (spec/11-compute-verification.md)
// The simulated workers' side of compute verification: a sim-TEE vendor root and one certified device
// per node, claims whose output is the reference executor's (honest) or fabricated (cheaters), and
// the attestation each claim carries.
import { concatBytes, toHex, u64be, utf8 } from "../codec/Bytes.ts"
import type { CryptoService } from "../crypto/Crypto.ts"
import type { TaskKind, WorkClaim } from "../domain/Work.ts"
import { noveltySketch, type NoveltyParams } from "../quality/Novelty.ts"
import { defaultQualityParams } from "../quality/QualityParams.ts"
import type { Scores } from "../quality/Scoring.ts"
import type { AuditPort } from "../core/Context.ts"
import { type AttestationConfig, AttestationCodecs } from "../verification/Attestation.ts"
import { attestationNonce, simExecute } from "../verification/Audit.ts"
import { SimTee, simAdapter, type SimDevice } from "../verification/SimTee.ts"
import { simAudit } from "../verification/Verdicts.ts"

/** How a simulated worker produces its claims (SIM-CHEAT.1). */
export type WorkerKind = "honest" | "lazy" | "forger"

/** The measurement of the approved sim runtime: SHA-256("poai/sim-runtime/v1"). */
export const simRuntimeMeasurement = (crypto: CryptoService): Uint8Array => crypto.sha256(utf8("poai/sim-runtime/v1"))

export interface SimWorkers {
  readonly config: AttestationConfig
  /** Certified device of each node (a lazy worker's is certified too: its TEE is compromised). */
  readonly devices: ReadonlyArray<SimDevice>
  /** A device certified by a root no verifier trusts: what a forger signs with. */
  readonly forgerDevice: SimDevice
  /** How honest work is computed in the reference simulation (VER-AUDIT.11). */
  readonly output: (claim: WorkClaim) => Uint8Array
  /** The verifier port of the auditor on node i (VER-PORT.1): the reference executor's audit by default. */
  readonly verifier: (node: number) => AuditPort
}

const derive = (crypto: CryptoService, label: string, seed: number, i: number) =>
  crypto.sha256(concatBytes(utf8(`poai-testnet/${label}`), u64be(seed >>> 0), u64be(i)))

/** SIM-CHEAT.2: the sim vendor root, the approved-runtime registry and one device per node, from the seed. */
export const makeSimWorkers = (crypto: CryptoService, seed: number, nodes: number, verifier?: (node: number) => AuditPort): SimWorkers => {
  const rootSk = derive(crypto, "sim-root", seed, 0)
  const devices = Array.from({ length: nodes }, (_, i) => SimTee.makeDevice(crypto, rootSk, derive(crypto, "sim-device", seed, i)))
  const forgerDevice = SimTee.makeDevice(crypto, derive(crypto, "forger-root", seed, 0), derive(crypto, "forger-device", seed, 0))
  return {
    config: {
      roots: { sim: [crypto.ed25519.publicKey(rootSk)] },
      approvedMeasurements: new Set([toHex(simRuntimeMeasurement(crypto))]),
      adapters: { sim: simAdapter },
    },
    devices,
    forgerDevice,
    output: (claim) => simExecute(crypto.sha256, claim),
    verifier: verifier ?? (() => (req) => simAudit(crypto.sha256, req)),
  }
}

export interface WorkSpec {
  readonly kind: TaskKind
  readonly taskId: Uint8Array
  readonly inputHash: Uint8Array
  readonly computeUnits: number
  readonly qualityClaims: WorkClaim["qualityClaims"]
  /** Bytes a lazy worker puts where the output hash belongs. */
  readonly fakeOutput: Uint8Array
  /** A real task (SIM-ML.1): its params and model hash; default empty params and SHA-256("model/<kind>"). */
  readonly params?: Uint8Array
  readonly modelHash?: Uint8Array
  /** SIM-ML.2: the output hash the worker computed (or faked) itself; overrides the reference executor. */
  readonly outputHash?: Uint8Array
  /** SIM-ML.2: the novelty bytes of a real job's output (QUAL-NOVELTY.6); default the output hash. */
  readonly noveltyBytes?: Uint8Array
}

/**
 * SIM-CHEAT.1: the claim a worker of `kind` submits for `spec`. Honest: output = the reference
 * executor's (VER-AUDIT.11), attested by its certified device. Lazy: a fabricated output, attested by
 * its certified (compromised) device. Forger: the reference output, attested by an uncertified device.
 * `attested` false: no attestation bytes (a chain that does not check attestations). The novelty sketch
 * (QUAL-NOVELTY.6) is that of the output the worker claims: the reference executor's 32-byte output for
 * honest and forger workers (the sim's output is its hash), the fabricated bytes for a lazy one;
 * `sketchParams` are the chain's scoring parameters (their defaults when it scores nothing).
 */
export const makeSimClaim = (
  crypto: CryptoService,
  chainId: string,
  workers: SimWorkers,
  node: number,
  worker: Uint8Array,
  kind: WorkerKind,
  spec: WorkSpec,
  attested: boolean,
  sketchParams: Pick<NoveltyParams, "noveltyShingleBytes" | "noveltyMaxBytes"> = defaultQualityParams,
): WorkClaim => {
  const modelHash = spec.modelHash ?? crypto.sha256(utf8(`model/${spec.kind}`))
  const base: WorkClaim = {
    task: { kind: spec.kind, taskId: spec.taskId, modelHash, params: spec.params ?? new Uint8Array(0), computeUnits: spec.computeUnits },
    inputHash: spec.inputHash,
    outputHash: new Uint8Array(32),
    attestation: new Uint8Array(0),
    qualityClaims: spec.qualityClaims,
    noveltySketch: new Uint8Array(8),
  }
  const outputHash = spec.outputHash ?? (kind === "lazy" ? spec.fakeOutput : workers.output(base))
  // QUAL-NOVELTY.6: the sketch of the claim's novelty bytes (a real job's per kind, SIM-ML.1; else the output hash's 32 bytes)
  const claim = { ...base, outputHash, noveltySketch: noveltySketch(crypto.sha256, spec.noveltyBytes ?? outputHash, sketchParams) }
  if (!attested) return claim
  const device = kind === "forger" ? workers.forgerDevice : (workers.devices[node] as SimDevice)
  const att = SimTee.attest(crypto, device, {
    measurement: simRuntimeMeasurement(crypto),
    codeHash: modelHash,
    inputHash: claim.inputHash,
    outputHash,
    taskId: claim.task.taskId,
    worker,
    nonce: attestationNonce(crypto.sha256, chainId, claim.task.taskId, worker),
  })
  return { ...claim, attestation: AttestationCodecs.UnifiedAttestation.encode(att) }
}

/**
 * SIM-CHEAT.1: which nodes cheat and how: round(fraction * n) of the given honest nodes, lowest first,
 * alternating lazy / forger (all lazy when the chain checks no attestations: forging would be moot).
 */
export const cheaterKinds = (fraction: number, nodes: number, honest: ReadonlyArray<number>, attested = true): Map<number, WorkerKind> => {
  const count = Math.min(honest.length, Math.round(fraction * nodes))
  const out = new Map<number, WorkerKind>()
  honest.slice(0, count).forEach((i, j) => out.set(i, attested && j % 2 === 1 ? "forger" : "lazy"))
  return out
}

// ------------------------------------------------------------------------------------------------
// Evaluators (SIM-EVAL.1..3)

/**
 * SIM-EVAL.1: whether a simulated claim's output is correct: in the reference simulation, iff it is the
 * reference executor's (VER-AUDIT.11); with real ML work, iff its worker computed it honestly (the
 * workload's ground truth, SIM-ML.2).
 */
export type Correctness = (claim: WorkClaim) => boolean
export const simCorrectness =
  (crypto: CryptoService): Correctness =>
  (claim) =>
    toHex(claim.outputHash) === toHex(simExecute(crypto.sha256, claim))

/**
 * SIM-EVAL.1: the true quality of a simulated claim, what an honest evaluator reports: correctness
 * 10^6 if the output is correct (Correctness), else 0; utility and novelty fixed functions of the
 * task id (utility in [200,000, 1,000,000], novelty in [500,000, 1,000,000]).
 */
export const trueScores = (crypto: CryptoService, claim: WorkClaim, isCorrect: Correctness = simCorrectness(crypto)): Scores => {
  const h = crypto.sha256(concatBytes(utf8("poai-sim/true-quality"), claim.task.taskId))
  const u32 = (i: number) => ((h[i] as number) << 24) | ((h[i + 1] as number) << 16) | ((h[i + 2] as number) << 8) | (h[i + 3] as number)
  const correct = isCorrect(claim)
  return {
    correctness: correct ? 1_000_000 : 0,
    utility: 200_000 + ((u32(0) >>> 0) % 800_001),
    novelty: 500_000 + ((u32(4) >>> 0) % 500_001),
  }
}

/**
 * SIM-EVAL.2: colluding evaluators: round(fraction * n) honest-in-consensus nodes, taken from the
 * highest indices (cheating workers come from the lowest). They score their own group's claims
 * 10^6 in every dimension and everyone else's truthfully.
 */
export const colluderSet = (fraction: number, nodes: number, honest: ReadonlyArray<number>): Set<number> => {
  const count = Math.min(honest.length, Math.round(fraction * nodes))
  return new Set(honest.slice(honest.length - count))
}

/** SIM-EVAL.3: the evaluator function of one node. */
export const simEvaluator = (crypto: CryptoService, colluding: boolean, group: ReadonlySet<string>, isCorrect?: Correctness) =>
  (claim: WorkClaim, worker: string): Scores =>
    colluding && group.has(worker)
      ? { correctness: 1_000_000, utility: 1_000_000, novelty: 1_000_000 }
      : isCorrect === undefined
        ? trueScores(crypto, claim)
        : memoTrueScores(crypto, claim, isCorrect)

/**
 * The true scores of a claim object, once per correctness function: every evaluator of a round scores
 * it twice (commit, reveal), and the nodes of a simulation share its claim objects and `isCorrect`
 * (issue 12). Keyed without the crypto service: every layer's SHA-256 gives the same bytes (CRYPTO-1).
 */
const trueMemo = new WeakMap<Correctness, WeakMap<WorkClaim, Scores>>()
const memoTrueScores = (crypto: CryptoService, claim: WorkClaim, isCorrect: Correctness): Scores => {
  let seen = trueMemo.get(isCorrect)
  if (seen === undefined) trueMemo.set(isCorrect, (seen = new WeakMap()))
  let v = seen.get(claim)
  if (v === undefined) {
    v = Object.freeze(trueScores(crypto, claim, isCorrect))
    seen.set(claim, v)
  }
  return v
}
