// spec: SIM-NET.1..6 (spec/08-simulation.md)
// A deterministic in-process network of N pure nodes: virtual time, seeded delays, drops, duplicates
// and reordering, Byzantine strategies, and a client and worker workload. Same config, same result.
import { Effect, type Either } from "effect"
import { toHex } from "../codec/Bytes.ts"
import { Hashes, SigningBytes } from "../codec/Hashing.ts"
import { Codecs, memoizedMessageDecoder } from "../codec/index.ts"
import { Crypto, type CryptoService } from "../crypto/Crypto.ts"
import { memoizeVerification } from "../crypto/MemoCrypto.ts"
import { validateBlock } from "../core/BlockExecution.ts"
import { type ChainState } from "../core/ChainState.ts"
import type { ProtocolError } from "../core/Errors.ts"
import type { Block } from "../domain/Block.ts"
import { provisionalQuality, type CoreContext, type QualityFn } from "../core/Context.ts"
import { initNode, step, type NodeInput, type NodeOutput } from "../core/Node.ts"
import type { NodeState } from "../core/NodeState.ts"
import type { Params } from "../core/Params.ts"
import type { TaskKind, WorkClaim } from "../domain/Work.ts"
import { adversarialSends, ignoresLock, resolveStrategy, spamMessages, stepIgnoringLock, type Send, type Strategy, type StrategyChoice } from "./Byzantine.ts"
import { Prng } from "./Prng.ts"
import { makeTestnet, type Testnet } from "./Testnet.ts"
import { type Correctness, cheaterKinds, colluderSet, makeSimClaim, makeSimWorkers, simCorrectness, simEvaluator, trueScores, type WorkSpec, type WorkerKind } from "./SimWork.ts"
import { aggregatorFor } from "../quality/Aggregation.ts"
import { quality } from "../quality/Quality.ts"
import { defaultQualityParams, type QualityParams } from "../quality/QualityParams.ts"
import type { Scores } from "../quality/Scoring.ts"
import { ML_CHEATS, type MlCheat, type MlJob, mlWorkshopFactory, nodeBackend } from "./MlCheats.ts"
import type { LinkDelay, StepCost } from "./NetworkModel.ts"

export interface SimConfig {
  readonly nodes: number
  readonly byzantine: number
  readonly strategy: StrategyChoice
  readonly seed: number
  /** Stop when every honest node has finalized this many blocks. */
  readonly blocks: number
  readonly stakes?: ReadonlyArray<number>
  readonly params?: Partial<Params>
  /** One-way message delay, uniform in [min, max] virtual ms (SIM-NET.2). */
  readonly latencyMs?: { readonly min: number; readonly max: number }
  readonly dropRate?: number
  readonly duplicateRate?: number
  /** Transfers submitted per virtual second by the client workload (SIM-NET.4). */
  readonly txRate?: number
  /** Mean virtual ms between work items per node (SIM-NET.5); 0 disables work. */
  readonly workIntervalMs?: number
  /**
   * SIM-DEVICE.4: virtual ms from a node's work item to its next one (the item's GPU time on the node's
   * device, set by the reproduction's model); replaces SIM-NET.5's random interval after the first item.
   */
  readonly workGapMs?: (node: number, claim: WorkClaim) => number
  /** Give up after this much virtual time. */
  readonly maxVirtualMs?: number
  /** Stop as soon as two honest nodes commit different blocks at one height (default true). */
  readonly stopOnDisagreement?: boolean
  /** Share one signature-verification cache among all simulated nodes (SIM-NET.6); default true. */
  readonly sharedVerifyCache?: boolean
  readonly quality?: QualityFn
  /**
   * Fraction of nodes (0..1, rounded to the nearest count, taken from the honest nodes with the
   * lowest indices) whose work is fake (SIM-CHEAT.1): alternately "lazy" (a compromised but certified
   * TEE vouches for an output that was never computed; only an audit catches it) and "forger" (an
   * attestation from an uncertified device key; the attestation check catches it). Default 0.
   */
  readonly cheaters?: number
  /**
   * Require sim-TEE attestations on claims and audit them (VER-AUDIT.4, SIM-CHEAT.2); default true.
   * false: the PR-era core without attestation checks (claims still audited by the sim executor).
   */
  readonly attested?: boolean
  /**
   * Score claims by evaluator committees (QUAL-WIRE.*, SIM-EVAL.*) with these quality parameters
   * (default: defaultQualityParams); false: Q(W) is `quality` at reveal (QUAL-SEAM.2).
   */
  readonly scoring?: QualityParams | false
  /** Fraction of nodes that collude as evaluators (SIM-EVAL.2), default 0. */
  readonly colludingEvaluators?: number
  /**
   * How work is computed and audited: "sim" (the reference executor, VER-AUDIT.11, default) or "ml"
   * (SIM-ML.*: real inference, training and extraction tasks on tfjs wasm / cpu, audited by the
   * verifiers of VER-PORT.*; call initMlExecutor() first). With "ml" every claim is audited
   * (auditPpm = 10^6) unless `params.auditPpm` says otherwise (SIM-ML.4).
   */
  readonly executor?: "sim" | "ml"
  /**
   * Optional link filter: return false to drop the message from `from` to `to` at virtual time `t`
   * (partitions in property tests).
   */
  readonly link?: (t: number, from: number, to: number) => boolean
  readonly onProgress?: (p: { readonly height: number; readonly target: number; readonly virtualMs: number }) => void
  /**
   * Node mutant for trace validation (not a Byzantine strategy: these nodes stay honest and are traced):
   * the listed nodes run the core with the lock test of CONS-RULE.2/3 skipped (Byzantine.stepIgnoringLock).
   */
  readonly ignoreLock?: ReadonlyArray<number>
  /** Every node step, for tracing (issue 3 trace validation). */
  readonly onStep?: (e: { readonly t: number; readonly node: number; readonly input: NodeInput; readonly outputs: ReadonlyArray<NodeOutput>; readonly state: NodeState }) => void
  // --- §8 reproduction hooks (SIM-REGION.*, SIM-CPU.*, spec/19-reproduction.md); unset = the model above ---
  /** SIM-REGION.3: per-message delay (regions, jitter, uplink bandwidth); replaces `latencyMs` when set. */
  readonly network?: LinkDelay
  /**
   * SIM-REGION.5: relay proposals over this peer graph (adjacency lists, NetworkModel.relayGraph) instead
   * of sending them to every node: each honest node forwards a proposal the first time it arrives.
   */
  readonly relay?: ReadonlyArray<ReadonlyArray<number>>
  /** SIM-CPU.2: CPU ms of one node step; the node is busy that long and its outputs leave after it. */
  readonly cpu?: StepCost
  /** Number of client accounts (SIM-NET.4, default 32); more users make the client load open-loop. */
  readonly users?: number
  /**
   * SIM-NET.2: ignore a broadcast's `only` (NODE-ROUTE.1) and send it to every node, as a driver that
   * cannot address validators does (dropping NODE-ROUTE.2/3 re-sends and forwards); reproduces runs recorded before
   * items were routed.
   */
  readonly flood?: boolean
}

export interface SimSummary {
  readonly nodes: number
  readonly byzantine: number
  readonly strategy: StrategyChoice
  readonly seed: number
  readonly targetBlocks: number
  readonly finalizedHeight: number
  readonly stateRoot: string
  readonly agreement: boolean
  /** Height of the first commit (in virtual time) that contradicted an earlier honest commit of its height, or null. */
  readonly disagreementHeight: number | null
  readonly evidence: number
  readonly slashed: number
  readonly txCommitted: number
  readonly claimsMatured: number
  readonly virtualSeconds: number
  readonly maxRound: number
  readonly messagesDelivered: number
  readonly messagesRejected: number
  /** SIM-NET.8: messagesRejected by reason: the ProtocolError code, or `DECODE:<reason>` for a DecodeError; sums to messagesRejected. */
  readonly rejectedByReason: Readonly<Record<string, number>>
  readonly completed: boolean
  /**
   * SIM-NET.9: when the target was not reached, the height the honest nodes were deciding and who held
   * its voting power: honest (running the core unmodified) vs Byzantine. quorumWithoutByzantine is
   * honestPower > 2/3 of totalPower: false means the chain cannot decide that height without Byzantine
   * votes (CONS-LIVE.1 item 1), e.g. a silent third; true means the stall has another cause. Null when completed.
   */
  readonly stall: { readonly height: number; readonly honestPower: number; readonly byzantinePower: number; readonly totalPower: number; readonly quorumWithoutByzantine: boolean } | null
  /** Work verification (SIM-CHEAT.3), from the reference node's chain at finalizedHeight. */
  readonly claims: number
  readonly audited: number
  readonly auditsPassed: number
  readonly auditsFailed: number
  readonly auditsMissed: number
  /** SIM-NET.8: selected audits still pending at finalizedHeight: audited = passed + failed + missed + pending. */
  readonly auditsPending: number
  readonly attestationRejected: number
  readonly cheaters: number
  /** Cheating claims with a final disposition on chain: caught (attestation or audit) or missed (matured unaudited). */
  readonly cheatingClaims: number
  readonly cheatsCaught: number
  readonly cheatsMissed: number
  /** Cheating claims submitted but not settled by the end of the run (not in cheatingClaims). */
  readonly cheatingUnresolved: number
  /** Claims whose worker was charged auditPenalty (failed audit or failed attestation). */
  readonly slashedClaims: number
  /** Base units burned by work penalties (part of `slashed`). */
  readonly slashedWork: number
  /** SIM-NET.8: slashedWork split by who paid: workers (auditPenalty: failed audit or attestation) and auditors (auditMissPenalty, missed audits). */
  readonly slashedWorkWorkers: number
  readonly slashedWorkAuditors: number
  /** Quality pipeline (SIM-EVAL.4), from the same state. */
  readonly scoring: boolean
  readonly colludingEvaluators: number
  readonly scoringRounds: number
  readonly rewards: { readonly workers: number; readonly evaluators: number; readonly validators: number; readonly auditors: number }
  readonly evaluatorSlashed: number
  readonly qDeviation: QDeviation
  /** SIM-ML.5: claims, audits and detection per work kind (and per cheat class within it). */
  readonly byKind: Readonly<Record<TaskKind, KindStats>>
}

/** SIM-ML.5: detection of one cheat class (or of all cheating claims of a kind). */
export interface DetectionStats {
  /** Cheating claims of this class revealed in finalized blocks. */
  readonly claims: number
  /** Of them, those whose audit report is in a finalized block. */
  readonly audited: number
  /** Of them, those caught: a fail verdict (or, for a forger, a rejected attestation, not an audit). */
  readonly caught: number
  /** caught by audit / audited: the measured probability that one audit detects the cheat; null when none was audited. */
  readonly detectionRate: number | null
  /** Mean over the audited ones of the detection probability the spec derives for that claim (MlJob.derived); null when none. */
  readonly derivedDetectionRate: number | null
}

/** SIM-ML.5: one work kind of a run. */
export interface KindStats {
  /** Claims of this kind revealed in finalized blocks, honest and cheating. */
  readonly claims: number
  /** Of them, those whose audit report (pass or fail) is in a finalized block. */
  readonly audited: number
  /** Cheating claims caught: a fail verdict (or, for a forger, its rejected attestation). */
  readonly caught: number
  /** Cheating claims that matured without being caught. */
  readonly missed: number
  /** Honest claims with a fail verdict (must be 0: VER-PORT.3, no false positives). */
  readonly honestSlashed: number
  /** Cheating claims revealed, and those among them audited. */
  readonly cheatingClaims: number
  readonly cheatingAudited: number
  /** Fail verdicts / cheating claims audited: the measured per-audit detection rate; null when none was audited. */
  readonly detectionRate: number | null
  /** Mean over those audited of the rate the spec derives for each (MlJob.derived); null when none. */
  readonly derivedDetectionRate: number | null
  /** The same per cheat class. */
  readonly classes: Readonly<Record<string, DetectionStats>>
}

/** SIM-EVAL.4: how far on-chain Q is from the Q honest evaluators would have given, and the bound. */
export interface QDeviation {
  /** Claims scored with a quorum, and those among them whose committee held colluder seats. */
  readonly claims: number
  readonly affected: number
  /** Σ q_chain − Σ q_honest over scored claims, and the largest |q_chain − q_honest|. */
  readonly totalQ: number
  readonly honestQ: number
  readonly maxAbs: number
  /** Largest |q_chain − q_honest| as ppm of v(t). */
  readonly maxPpmOfV: number
  /** Claims whose on-chain Q lies outside the QUAL-AGG.5 range [Q(colluders at 0), Q(colluders at 10^6)]. */
  readonly outsideBound: number
}

export const byzantineIndices = (nodes: number, byzantine: number): ReadonlyArray<number> =>
  Array.from({ length: byzantine }, (_, i) => nodes - byzantine + i)

type Event =
  | { readonly kind: "deliver"; readonly to: number; readonly from: number; readonly bytes: Uint8Array; readonly relayed?: true }
  | { readonly kind: "input"; readonly to: number; readonly input: NodeInput }
  | { readonly kind: "client" }
  | { readonly kind: "work"; readonly to: number }
  | { readonly kind: "spam"; readonly from: number }
  /** SIM-CPU.2: node `to` is free again; it takes the next event of its inbox. */
  | { readonly kind: "wake"; readonly to: number }

/** An event addressed to one node's step (what a busy node holds in its inbox, SIM-CPU.2). */
type NodeEvent = Extract<Event, { kind: "deliver" | "input" | "work" }>
const deliverEvent = (to: number, from: number, bytes: Uint8Array, relayed?: true): Event =>
  relayed === true ? { kind: "deliver", to, from, bytes, relayed } : { kind: "deliver", to, from, bytes }

/** SIM-CPU.2: a busy node's waiting events, first in first out (an array with a moving head, O(1) both ends). */
class Inbox {
  private xs: NodeEvent[] = []
  private head = 0
  get size() {
    return this.xs.length - this.head
  }
  push(e: NodeEvent) {
    this.xs.push(e)
  }
  shift(): NodeEvent | undefined {
    if (this.head >= this.xs.length) return undefined
    const e = this.xs[this.head] as NodeEvent
    this.head++
    if (this.head > 1024 && this.head * 2 > this.xs.length) {
      this.xs = this.xs.slice(this.head)
      this.head = 0
    }
    return e
  }
}

interface Scheduled {
  readonly t: number
  readonly seq: number
  readonly ev: Event
}

/**
 * Binary min-heap on (t, seq): ties broken by insertion order, so the schedule is deterministic.
 * SIM-NET.1 (virtual time): the keys live in typed arrays beside the events (no object per entry, and a comparison
 * reads no event): at N = 100 the heap holds tens of thousands of deliveries, and comparing through
 * entry objects was 1-2 % of the simulator's CPU (issue 12).
 */
class Queue {
  private ts = new Float64Array(1024)
  private seqs = new Float64Array(1024)
  private evs: Array<Event | undefined> = new Array<Event | undefined>(1024).fill(undefined)
  private n = 0
  private seq = 0
  get size() {
    return this.n
  }
  private grow() {
    const cap = this.ts.length * 2
    const ts = new Float64Array(cap)
    ts.set(this.ts)
    const seqs = new Float64Array(cap)
    seqs.set(this.seqs)
    this.ts = ts
    this.seqs = seqs
    for (let k = this.evs.length; k < cap; k++) this.evs.push(undefined)
  }
  push(t: number, ev: Event) {
    if (this.n === this.ts.length) this.grow()
    const ts = this.ts
    const seqs = this.seqs
    const evs = this.evs
    const sq = this.seq++
    let i = this.n++
    while (i > 0) {
      const p = (i - 1) >> 1
      const tp = ts[p] as number
      if (tp < t || (tp === t && (seqs[p] as number) < sq)) break
      ts[i] = tp
      seqs[i] = seqs[p] as number
      evs[i] = evs[p]
      i = p
    }
    ts[i] = t
    seqs[i] = sq
    evs[i] = ev
  }
  pop(): Scheduled | undefined {
    if (this.n === 0) return undefined
    const ts = this.ts
    const seqs = this.seqs
    const evs = this.evs
    const top: Scheduled = { t: ts[0] as number, seq: seqs[0] as number, ev: evs[0] as Event }
    const n = --this.n
    const t = ts[n] as number
    const sq = seqs[n] as number
    const ev = evs[n]
    evs[n] = undefined
    if (n === 0) return top
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      let m = l
      const r = l + 1
      if (r < n) {
        const tl = ts[l] as number
        const tr = ts[r] as number
        if (tr < tl || (tr === tl && (seqs[r] as number) < (seqs[l] as number))) m = r
      }
      const tm = ts[m] as number
      if (t < tm || (t === tm && sq < (seqs[m] as number))) break
      ts[i] = tm
      seqs[i] = seqs[m] as number
      evs[i] = evs[m]
      i = m
    }
    ts[i] = t
    seqs[i] = sq
    evs[i] = ev
    return top
  }
}

/** Default stake of each simulated validator (SIM-NET.1). */
export const SIM_STAKE = 1_000_000

const WORK_KINDS: ReadonlyArray<readonly [TaskKind, number]> = [
  ["inference", 0.7],
  ["training", 0.2],
  ["extraction", 0.1],
]

/**
 * SIM-NET.1, SIM-CHEAT.2: the consensus context of a simulated chain (attestation configuration,
 * quality parameters, reference executor) and its test network (equal stakes of SIM_STAKE unless
 * given). Observers that re-validate blocks (properties/) use the same pair.
 */
export const simChain = (crypto: CryptoService, cfg: SimConfig): { readonly ctx: CoreContext; readonly net: Testnet } => {
  const attested = cfg.attested ?? true
  const workers = simWorkers(crypto, cfg)
  const scoring = cfg.scoring === false ? undefined : (cfg.scoring ?? defaultQualityParams)
  const ctx: CoreContext = {
    crypto,
    quality: cfg.quality ?? provisionalQuality,
    ...(attested ? { attestation: workers.config } : {}),
    ...(scoring !== undefined ? { scoring } : {}),
    // with real ML work each node gets its own verifier (simulate); observers audit nothing
    ...(cfg.executor === "ml" ? {} : { verifier: workers.verifier(0) }),
  }
  // SIM-ML.4: with real ML work every claim is audited unless the caller sets auditPpm
  const params = cfg.executor === "ml" ? { auditPpm: 1_000_000, ...cfg.params } : cfg.params
  const net = makeTestnet(ctx, {
    nodes: cfg.nodes,
    seed: cfg.seed,
    // SIM-NET.1: equal stakes of 10^6 by default, on the scale of the work and scoring penalties
    stakes: cfg.stakes ?? Array.from({ length: cfg.nodes }, () => SIM_STAKE),
    ...(params ? { params } : {}),
    ...(cfg.users !== undefined ? { users: cfg.users } : {}),
  })
  return { ctx, net }
}

/** SIM-CHEAT.2: the workers' devices and the reference verifier of a simulated chain. */
const simWorkers = (crypto: CryptoService, cfg: SimConfig) => {
  if (cfg.executor === "ml" && mlWorkshopFactory() === undefined) throw new Error("executor 'ml' needs initMlExecutor() (tfjs wasm and cpu backends) before the run")
  return makeSimWorkers(crypto, cfg.seed, cfg.nodes)
}

/** SIM-NET.1: run the network until every honest node finalized `blocks` blocks (or time runs out). */
export const simulate = (crypto: CryptoService, cfg: SimConfig): SimSummary => {
  const shared = cfg.sharedVerifyCache ?? true
  const attested = cfg.attested ?? true
  const workers = simWorkers(crypto, cfg)
  const coreCrypto = shared ? memoizeVerification(crypto) : crypto
  const { ctx, net } = simChain(coreCrypto, cfg)
  const scoring = ctx.scoring
  const rng = new Prng(cfg.seed)
  const netRng = rng.fork("network")
  const clientRng = rng.fork("client")
  const workRng = rng.fork("work")
  const advRng = rng.fork("adversary")
  const n = cfg.nodes
  const byz = new Map<number, Strategy>()
  byzantineIndices(n, cfg.byzantine).forEach((i, j) => byz.set(i, resolveStrategy(cfg.strategy, j)))
  const honest = Array.from({ length: n }, (_, i) => i).filter((i) => !byz.has(i))
  // QUAL-NOVELTY.6: auditors check sketches with the chain's sketch parameters
  const mlFactory = cfg.executor === "ml" ? mlWorkshopFactory() : undefined
  const ml = mlFactory?.(crypto.sha256, cfg.seed, ctx.scoring ?? defaultQualityParams)
  // SIM-ML.2: with real ML work every cheater fakes its work (its cheat class drawn per claim); forgers
  // (SIM-CHEAT.1) are exercised by the reference simulation
  const cheaters = cheaterKinds(cfg.cheaters ?? 0, n, honest, attested && ml === undefined)
  const colluders = colluderSet(cfg.colludingEvaluators ?? 0, n, honest)
  const group = new Set([...colluders].map((i) => (net.keys[i] as (typeof net.keys)[number]).pubHex))
  /** SIM-EVAL.3: each node scores with its own evaluator function (colluders favour their group). */
  /** Ground truth of the cheating claims submitted (SIM-CHEAT.3): work id -> how it cheats. */
  const cheats = new Map<string, WorkerKind>()
  /** SIM-ML.5: every ML job submitted, by work id (kind, cheat class, derived detection probability). */
  const jobs = new Map<string, MlJob>()
  const isCorrect: Correctness = ml === undefined ? simCorrectness(crypto) : (claim) => !cheats.has(toHex(Hashes.workId(crypto.sha256, claim)))
  // SIM-NET.7: a broadcast's bytes are one Uint8Array shared by all its deliveries; decode it once.
  // Bytes in flight are never written to, so the array's identity names its content.
  const decodeMessage = memoizedMessageDecoder()
  // SIM-NET.7: a block is executed once per (parent state, block): the parent is named by its height
  // and last block hash (every node runs the one genesis and the same deterministic execution, and the
  // hash chain commits to the whole history, so states that share them are equal), the block by the
  // identity of its decoded object (a broadcast is decoded once, above; a different body is a
  // different object even under the same header). Validity never reads a node's verifier or evaluator,
  // so the chain's context serves all nodes. Entries more than 8 heights old are dropped.
  const validated = new Map<string, WeakMap<Block, ReturnType<typeof validateBlock>>>()
  let validatedTop = 0
  const validateShared = <S extends object>(state: S, block: Block): Either.Either<S, ProtocolError> => {
    const chain = state as unknown as ChainState // NODE-STEP.7: the node passes its ChainState
    const key = `${chain.height}/${toHex(chain.lastBlockHash)}`
    let byBlock = validated.get(key)
    if (byBlock === undefined) {
      byBlock = new WeakMap()
      validated.set(key, byBlock)
    }
    let r = byBlock.get(block)
    if (r === undefined) {
      r = validateBlock(ctx, chain, block)
      byBlock.set(block, r)
    }
    if (chain.height > validatedTop) {
      // a node more than 8 heights behind simply validates again (a miss is only slower)
      validatedTop = chain.height
      for (const k of [...validated.keys()]) if (Number(k.split("/")[0]) < validatedTop - 8) validated.delete(k)
    }
    return r as unknown as Either.Either<S, ProtocolError>
  }
  const ctxs: CoreContext[] = Array.from({ length: n }, (_, i) => ({
    ...ctx,
    decodeMessage,
    validateBlock: validateShared,
    ...(ml !== undefined ? { verifier: ml.verifierFor(i) } : {}),
    ...(scoring !== undefined ? { evaluator: simEvaluator(crypto, colluders.has(i), group, isCorrect) } : {}),
  }))
  /** SIM-ML.2: each cheater's next cheat class per kind (round robin, so every class occurs). */
  const nextCheat = new Map<string, number>()
  const lat = cfg.latencyMs ?? { min: 10, max: 60 }
  const drop = cfg.dropRate ?? 0
  const dup = cfg.duplicateRate ?? 0
  const maxT = cfg.maxVirtualMs ?? 600_000
  const txRate = cfg.txRate ?? 40
  // SIM-ML.4: real ML work comes twice as often, so that each cheat class is audited several times per run
  const workInterval = cfg.workIntervalMs ?? (cfg.executor === "ml" ? 250 : 500)

  let states: NodeState[] = net.keys.map((k) => initNode(ctx, net.genesis, k))
  const q = new Queue()
  const commits: Array<Map<number, string>> = states.map(() => new Map())
  const heightOf = states.map(() => 0)
  // SIM-NET.8: what the summary reads of each height's state (the first honest node's to commit it), and
  // that state in full only for the heights the summary can still end at (from the lowest honest height
  // on): keeping every height's state in full held O(height) copies of the claim and commitment maps and
  // made the major collections of a 100-block run at N = 100 grow to seconds (issue 12)
  const factsAt = new Map<number, HeightFacts>()
  const chainAt = new Map<number, ChainState>()
  const firstCommit = new Map<number, string>()
  let disagreedAt = -1
  let disagreedHeight = -1
  let maxRound = 0
  let delivered = 0
  let rejected = 0
  const rejectedBy = new Map<string, number>()
  let now = 0
  let doneAt = -1
  let lastReported = 0
  let lastSeen: Uint8Array | undefined
  const board = new Map<string, Uint8Array[]>()
  // SIM-CPU.2: each node is busy until busy[i]; a step's outputs leave `cpuMs` after it starts
  const busy: number[] = states.map(() => 0)
  let cpuMs = 0

  const sendTo = (from: number, to: number, bytes: Uint8Array, relayed?: true) => {
    if (to === from) return
    if (cfg.link !== undefined && !cfg.link(now, from, to)) return
    if (netRng.chance(drop)) return
    // SIM-CPU.2: a step's sends leave when its processing ends (cpuMs = 0 without a CPU model)
    const at = now + cpuMs
    const net = cfg.network
    if (net !== undefined) {
      // SIM-REGION.3
      q.push(at + net.delayMs(at, from, to, bytes.length, netRng), deliverEvent(to, from, bytes, relayed))
      if (netRng.chance(dup)) q.push(at + net.delayMs(at, from, to, bytes.length, netRng), deliverEvent(to, from, bytes, relayed))
      return
    }
    q.push(at + netRng.range(lat.min, lat.max), deliverEvent(to, from, bytes, relayed))
    if (netRng.chance(dup)) q.push(at + netRng.range(lat.min, lat.max * 2), deliverEvent(to, from, bytes, relayed))
  }
  // SIM-REGION.5: which nodes' gossip layers have seen each relayed message (by its bytes' identity)
  const relaySeen = new WeakMap<Uint8Array, Uint8Array>()
  /** SIM-REGION.5: node `at` has a relayed message for the first time: mark it and forward it to its peers but `from`. */
  const relayFirst = (at: number, from: number, bytes: Uint8Array): boolean => {
    let seen = relaySeen.get(bytes)
    if (seen === undefined) {
      seen = new Uint8Array(n)
      relaySeen.set(bytes, seen)
    }
    if (seen[at] === 1) return false
    seen[at] = 1
    // only honest nodes relay: a Byzantine one withholds (the worst case for dissemination)
    if (!byz.has(at)) for (const to of (cfg.relay as ReadonlyArray<ReadonlyArray<number>>)[at] ?? []) if (to !== from) sendTo(at, to, bytes, true)
    return true
  }
  const dispatch = (from: number, sends: ReadonlyArray<Send>) => {
    for (const s of sends) for (const to of s.to) sendTo(from, to, s.bytes)
  }

  const all = Array.from({ length: n }, (_, k) => k)
  const indexOfKey = new Map<string, number>(net.keys.map((k, i) => [k.pubHex, i]))
  const runStep = (i: number, input: NodeInput) => {
    const strategy = byz.get(i)
    if (strategy === "silent") return
    const lockless = (strategy !== undefined && ignoresLock(strategy)) || (cfg.ignoreLock?.includes(i) ?? false)
    const [next, outs] = (lockless ? stepIgnoringLock : step)(ctxs[i] as CoreContext, states[i] as NodeState, input)
    states[i] = next
    cfg.onStep?.({ t: now, node: i, input, outputs: outs, state: next })
    // SIM-CPU.2: processing time of this step (0 without a CPU model)
    cpuMs = cfg.cpu !== undefined ? cfg.cpu(i, input, outs, next) : 0
    busy[i] = now + cpuMs
    for (const o of outs) {
      if (o.type === "timer") q.push(now + cpuMs + o.delayMs, { kind: "input", to: i, input: { type: "timeout", kind: o.kind, height: o.height, round: o.round } })
      else if (o.type === "rejected") {
        rejected++
        // SIM-NET.8: by reason
        const why = o.error._tag === "ProtocolError" ? o.error.code : `DECODE:${o.error.reason}`
        rejectedBy.set(why, (rejectedBy.get(why) ?? 0) + 1)
      }
      else if (o.type === "commit") onCommit(i, o)
    }
    if (strategy === undefined) {
      for (const o of outs) {
        if (o.type === "broadcast") {
          if (cfg.relay !== undefined && o.message.type === "proposal") relayFirst(i, i, o.bytes)
          // NODE-ROUTE.1: a message for named validators goes to their nodes alone
          else if (o.only !== undefined && cfg.flood !== true) for (const k of o.only) { const to = indexOfKey.get(k); if (to !== undefined) sendTo(i, to, o.bytes) }
          // NODE-ROUTE.2/3: flooding, a re-send or forward to newly routed proposers is dropped (the first send reached everyone)
          else if (o.resend !== true) for (const to of all) sendTo(i, to, o.bytes)
        }
        else if (o.type === "send") sendTo(i, o.to, o.bytes)
      }
    } else {
      dispatch(i, adversarialSends(strategy, { ctx, rng: advRng, self: i, n, board, honest }, next, outs))
    }
    maxRound = Math.max(maxRound, next.cons.round)
    cpuMs = 0
  }

  const onCommit = (i: number, o: Extract<NodeOutput, { type: "commit" }>) => {
    if (byz.has(i)) return
    commits[i]?.set(o.height, o.blockHash)
    heightOf[i] = o.height
    const first = firstCommit.get(o.height)
    if (first === undefined) firstCommit.set(o.height, o.blockHash)
    else if (first !== o.blockHash && disagreedAt < 0) {
      disagreedAt = now
      disagreedHeight = o.height
    }
    if (!factsAt.has(o.height)) {
      const c = (states[i] as NodeState).chain
      factsAt.set(o.height, { totals: c.totals, auditMissPenalty: c.params.auditMissPenalty, scoring: c.scoring })
      chainAt.set(o.height, c)
    }
    const minH = Math.min(...honest.map((k) => heightOf[k] as number))
    // heights only grow, so the summary's height (the lowest honest height, at most cfg.blocks) is >= minH
    for (const h of chainAt.keys()) if (h < Math.min(minH, cfg.blocks)) chainAt.delete(h)
    if (minH > lastReported) {
      lastReported = minH
      cfg.onProgress?.({ height: Math.min(minH, cfg.blocks), target: cfg.blocks, virtualMs: now })
    }
    if (minH >= cfg.blocks && doneAt < 0) doneAt = now
  }

  // Client workload (SIM-NET.4): each user has at most one transfer in flight, resubmitted if stale.
  const pending = new Map<number, { nonce: number; bytes: Uint8Array; at: number }>()
  const nonces = net.users.map(() => 0)
  const clientTick = () => {
    const ref = states[honest[0] as number] as NodeState
    const budget = Math.max(1, Math.round(txRate / 10))
    let sent = 0
    for (let u = 0; u < net.users.length && sent < budget; u++) {
      const user = net.users[(u + clientRng.int(net.users.length)) % net.users.length]
      if (user === undefined) continue
      const ui = net.users.indexOf(user)
      const onChain = ref.chain.accounts.get(toHex(user.pubKey))?.nonce ?? 0
      const p = pending.get(ui)
      if (p !== undefined && onChain <= p.nonce) {
        if (now - p.at > 5_000) {
          q.push(now, { kind: "input", to: clientRng.pick(honest), input: { type: "client-tx", bytes: p.bytes } })
          pending.set(ui, { ...p, at: now })
        }
        continue
      }
      nonces[ui] = onChain
      const to = clientRng.pick(net.users)
      const unsigned = {
        chainId: net.genesis.chainId,
        from: user.pubKey,
        to: to.pubKey,
        amount: clientRng.range(1, 1000),
        fee: net.genesis.params.minFee,
        nonce: onChain,
      }
      const tx = { ...unsigned, signature: ctx.crypto.ed25519.sign(SigningBytes.transfer(unsigned), user.secretKey) }
      const bytes = Codecs.Transfer.encode(tx)
      pending.set(ui, { nonce: onChain, bytes, at: now })
      q.push(now, { kind: "input", to: clientRng.pick(honest), input: { type: "client-tx", bytes } })
      sent++
    }
  }

  // Worker workload (SIM-NET.5): the paper's §8.1 mix, inference 70%, training 20%, extraction 10%.
  const workItem = (to: number): WorkClaim => {
    let x = workRng.next()
    let kind: TaskKind = "inference"
    for (const [k, p] of WORK_KINDS) {
      if (x < p) {
        kind = k
        break
      }
      x -= p
    }
    const base: WorkSpec = {
      kind,
      taskId: workRng.bytes(32),
      computeUnits: workRng.range(1, 100),
      inputHash: workRng.bytes(32),
      fakeOutput: workRng.bytes(32),
      qualityClaims: { correctness: workRng.range(0, 1_000_000), utility: workRng.range(0, 1_000_000), novelty: workRng.range(0, 1_000_000) },
    }
    const who = cheaters.get(to) ?? "honest"
    // SIM-ML.1/2: with real ML work the claim carries a real task of its kind, computed or faked
    let job: MlJob | undefined
    if (ml !== undefined) {
      let cheat: MlCheat | "honest" = "honest"
      if (who !== "honest") {
        const classes: ReadonlyArray<MlCheat> = ML_CHEATS[kind]
        const key = `${to}/${kind}`
        const j = nextCheat.get(key) ?? 0
        nextCheat.set(key, j + 1)
        cheat = classes[j % classes.length] as MlCheat
      }
      job = ml.make(kind, cheat, nodeBackend(to), workRng)
    }
    const spec: WorkSpec =
      job === undefined
        ? base
        : { ...base, taskId: job.taskId, params: job.params, modelHash: job.modelHash, inputHash: job.inputHash, outputHash: job.outputHash, noveltyBytes: job.noveltyBytes }
    const keys = net.keys[to] as (typeof net.keys)[number]
    const claim = makeSimClaim(crypto, net.genesis.chainId, workers, to, keys.pubKey, who, spec, attested, ctx.scoring ?? defaultQualityParams)
    const workId = Hashes.workId(crypto.sha256, claim)
    if (job !== undefined && ml !== undefined) {
      ml.publish(workId, job)
      jobs.set(toHex(workId), job)
    }
    if (who !== "honest") cheats.set(toHex(workId), who)
    return claim
  }

  for (let i = 0; i < n; i++) {
    q.push(0, { kind: "input", to: i, input: { type: "start" } })
    if (workInterval > 0) q.push(workRng.range(1, workInterval * 2), { kind: "work", to: i })
    if (byz.get(i) === "spam") q.push(25, { kind: "spam", from: i })
  }
  if (txRate > 0) q.push(100, { kind: "client" })

  // SIM-CPU.2: each busy node's waiting events in arrival order, and one wake event in the queue at
  // busy[i] while its inbox is not empty (re-queueing every waiting event at every step of a busy node
  // cost O(backlog²) heap operations: N = 100 at 847 transfers/s did not finish its first block)
  const inbox: Inbox[] = states.map(() => new Inbox())
  const runEvent = (ev: NodeEvent) => {
    switch (ev.kind) {
      case "deliver":
        delivered++
        if (netRng.chance(0.01)) lastSeen = ev.bytes
        runStep(ev.to, { type: "receive", from: ev.from, bytes: ev.bytes })
        break
      case "input":
        runStep(ev.to, ev.input)
        break
      case "work": {
        const claim = workItem(ev.to)
        runStep(ev.to, { type: "work", claim })
        q.push(now + (cfg.workGapMs !== undefined ? cfg.workGapMs(ev.to, claim) : workRng.range(1, workInterval * 2)), { kind: "work", to: ev.to })
        break
      }
    }
  }
  const defer = (ev: NodeEvent) => {
    const box = inbox[ev.to] as Inbox
    if (box.size === 0) q.push(busy[ev.to] as number, { kind: "wake", to: ev.to })
    box.push(ev)
  }

  const stopped = () => doneAt >= 0 || (disagreedAt >= 0 && (cfg.stopOnDisagreement ?? true))
  while (q.size > 0) {
    const next = q.pop() as Scheduled
    now = next.t
    if (now > maxT || stopped()) break
    const ev = next.ev
    // SIM-REGION.5: the gossip layer forwards a relayed message on arrival and drops later copies
    if (ev.kind === "deliver" && ev.relayed === true && !relayFirst(ev.to, ev.from, ev.bytes)) continue
    switch (ev.kind) {
      case "deliver":
      case "input":
      case "work":
        // SIM-CPU.2: an event for a busy node waits in its inbox until the node is free
        if (cfg.cpu !== undefined && (busy[ev.to] as number) > now) defer(ev)
        else runEvent(ev)
        break
      case "wake": {
        const box = inbox[ev.to] as Inbox
        // the node's free events run now, in arrival order, until a step makes it busy again
        while (box.size > 0 && (busy[ev.to] as number) <= now && !stopped()) runEvent(box.shift() as NodeEvent)
        if (box.size > 0) q.push(busy[ev.to] as number, { kind: "wake", to: ev.to })
        break
      }
      case "client":
        clientTick()
        q.push(now + 100, { kind: "client" })
        break
      case "spam":
        dispatch(ev.from, spamMessages({ ctx, rng: advRng, self: ev.from, n, board, honest }, states[ev.from] as NodeState, lastSeen))
        q.push(now + 50, { kind: "spam", from: ev.from })
        break
    }
  }

  // SIM-NET.3: agreement = every honest node committed the same block at every height they share.
  const finalizedHeight = Math.min(cfg.blocks, ...honest.map((k) => heightOf[k] as number))
  let agreement = true
  const maxH = Math.max(...honest.map((k) => heightOf[k] as number))
  for (let h = 1; h <= maxH; h++) {
    let v: string | undefined
    for (const k of honest) {
      const x = commits[k]?.get(h)
      if (x === undefined) continue
      if (v === undefined) v = x
      else if (v !== x) agreement = false
    }
  }
  const final = chainAt.get(finalizedHeight)
  const ref = states[honest[0] as number] as NodeState
  // The reference node's finalized blocks, decoded once from their stored bytes (NODE-SYNC.1) for the
  // three summaries below (decoding them in each was 2.4 % of a 100-node run's CPU).
  const finalized = finalizedBlocks(ref, finalizedHeight)
  const rootAt = finalized[finalizedHeight - 1]?.header.stateRoot
  const fate = cheatDispositions(crypto, finalized, final, cheats)
  const qDeviation = scoring === undefined ? NO_DEVIATION : measureDeviation(crypto, scoring, attested, finalized, final, factsAt, group, isCorrect)
  const byKind = kindBreakdown(crypto, finalized, final, cheats, jobs)
  return {
    nodes: n,
    byzantine: cfg.byzantine,
    strategy: cfg.strategy,
    seed: cfg.seed,
    targetBlocks: cfg.blocks,
    finalizedHeight,
    stateRoot: rootAt !== undefined ? toHex(rootAt) : "",
    agreement,
    disagreementHeight: disagreedHeight >= 0 ? disagreedHeight : null,
    evidence: final?.totals.evidence ?? 0,
    slashed: final?.totals.slashed ?? 0,
    txCommitted: final?.totals.txs ?? 0,
    claimsMatured: final?.totals.maturedClaims ?? 0,
    virtualSeconds: Math.round((doneAt >= 0 ? doneAt : now)) / 1000,
    maxRound,
    messagesDelivered: delivered,
    messagesRejected: rejected,
    rejectedByReason: Object.fromEntries([...rejectedBy.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
    completed: doneAt >= 0,
    stall: doneAt >= 0 ? null : stallOf(states, honest, net.keys.map((k) => k.pubHex)),
    claims: final?.totals.claims ?? 0,
    audited: final?.totals.audited ?? 0,
    auditsPassed: final?.totals.auditsPassed ?? 0,
    auditsFailed: final?.totals.auditsFailed ?? 0,
    auditsMissed: final?.totals.auditsMissed ?? 0,
    auditsPending: final === undefined ? 0 : [...final.claims.values()].filter((c) => c.audit === "pending").length,
    attestationRejected: final?.totals.attestationRejected ?? 0,
    cheaters: cheaters.size,
    cheatingClaims: fate.caught + fate.missed,
    cheatsCaught: fate.caught,
    cheatsMissed: fate.missed,
    cheatingUnresolved: cheats.size - fate.caught - fate.missed,
    slashedClaims: (final?.totals.auditsFailed ?? 0) + (final?.totals.attestationRejected ?? 0),
    slashedWork: final?.totals.slashedWork ?? 0,
    ...workPenaltySplit(factsAt, finalizedHeight),
    scoring: scoring !== undefined,
    colludingEvaluators: colluders.size,
    scoringRounds: final?.totals.roundsFinalized ?? 0,
    rewards: {
      workers: final?.totals.rewardWorkers ?? 0,
      evaluators: final?.totals.rewardEvaluators ?? 0,
      validators: final?.totals.rewardValidators ?? 0,
      auditors: ((final?.totals.auditsPassed ?? 0) + (final?.totals.auditsFailed ?? 0)) * (final?.params.auditReward ?? 0),
    },
    evaluatorSlashed: final?.totals.slashedScoring ?? 0,
    qDeviation,
    byKind,
  }
}

/** SIM-NET.9: the voting power of the height the lowest honest node is deciding, split honest / Byzantine. */
const stallOf = (states: ReadonlyArray<NodeState>, honest: ReadonlyArray<number>, keys: ReadonlyArray<string>): SimSummary["stall"] => {
  const first = honest.map((i) => states[i] as NodeState).sort((a, b) => a.cons.height - b.cons.height)[0]
  if (first === undefined) return null
  const table = first.cons.table
  const honestKeys = new Set(honest.map((i) => keys[i]))
  let honestPower = 0
  let byzantinePower = 0
  for (const [k, p] of table.power) if (honestKeys.has(k)) honestPower += p
    else byzantinePower += p
  const totalPower = Number(table.total)
  return { height: first.cons.height, honestPower, byzantinePower, totalPower, quorumWithoutByzantine: 3 * honestPower > 2 * totalPower }
}

/**
 * SIM-NET.8: totals.slashedWork split by who paid. Per block h (states of the first honest node at h - 1
 * and h): the units burned in h go to auditors when h only missed audits, to workers when h only failed
 * audits or attestations; a block with both gives the auditors min(burned, missed x auditMissPenalty)
 * (an auditor pays at most that, VER-AUDIT.9) and the workers the rest. The two parts sum to slashedWork.
 */
/** SIM-NET.8: the parts of a height's state the summary reads after the run. */
interface HeightFacts {
  readonly totals: ChainState["totals"]
  readonly auditMissPenalty: number
  readonly scoring: ChainState["scoring"]
}

const workPenaltySplit = (factsAt: ReadonlyMap<number, HeightFacts>, height: number): { slashedWorkWorkers: number; slashedWorkAuditors: number } => {
  let workers = 0
  let auditors = 0
  let prev: ChainState["totals"] | undefined
  for (let h = 1; h <= height; h++) {
    const t = factsAt.get(h)?.totals
    if (t === undefined) continue
    const burned = t.slashedWork - (prev?.slashedWork ?? 0)
    const missed = t.auditsMissed - (prev?.auditsMissed ?? 0)
    const missPenalty = factsAt.get(h)?.auditMissPenalty ?? 0
    const toAuditors = Math.min(burned, missed * missPenalty)
    auditors += toAuditors
    workers += burned - toAuditors
    prev = t
  }
  return { slashedWorkWorkers: workers, slashedWorkAuditors: auditors }
}

const NO_DEVIATION: QDeviation = { claims: 0, affected: 0, totalQ: 0, honestQ: 0, maxAbs: 0, maxPpmOfV: 0, outsideBound: 0 }

/**
 * SIM-EVAL.4: for every claim scored with a quorum by `height`, compare its on-chain Q with the Q of
 * the same claim had every evaluator reported the truth (SIM-EVAL.1), and check it lies in the range
 * QUAL-AGG.5 allows: the committee's honest seats at the truth, its colluder seats anywhere in
 * [0, 10^6] (the aggregators are monotone, so the extremes are all-0 and all-10^6), pushed through
 * QUAL-Q.3 with the claim's verification facts. The committee is read from the round opened in block
 * revealHeight + 1.
 */
const measureDeviation = (
  crypto: CryptoService,
  p: QualityParams,
  attested: boolean,
  finalized: ReadonlyArray<Block | undefined>,
  final: ChainState | undefined,
  factsAt: ReadonlyMap<number, HeightFacts>,
  group: ReadonlySet<string>,
  isCorrect: Correctness,
): QDeviation => {
  if (final === undefined) return NO_DEVIATION
  const claimsById = new Map<string, WorkClaim>()
  for (const b of finalized)
    for (const r of b?.body.reveals ?? []) claimsById.set(toHex(Hashes.workId(crypto.sha256, r.claim)), r.claim)
  const agg = aggregatorFor(p)
  let claims = 0
  let affected = 0
  let totalQ = 0
  let honestQ = 0
  let maxAbs = 0
  let maxPpmOfV = 0
  let outsideBound = 0
  for (const [id, c] of final.claims) {
    if (c.scoring !== "scored" || c.consensus === null) continue
    const claim = claimsById.get(id)
    const round = factsAt.get(c.revealHeight + 1)?.scoring.get(c.commitment)?.round
    if (claim === undefined || round === undefined) continue
    claims++
    const truth = trueScores(crypto, claim, isCorrect)
    const verification = { attestation: attested ? ("verified" as const) : ("absent" as const), audit: c.audit === "passed" ? ("passed" as const) : ("not-audited" as const), canary: "not-run" as const }
    const qOf = (s: Scores) => quality({ computeUnits: c.computeUnits, verification, noveltyPpm: c.noveltyPpm, evaluators: s }, p).q
    const honestSeats = [...round.seats.entries()].filter(([e]) => !group.has(e))
    const colluderSeats = [...round.seats.entries()].filter(([e]) => group.has(e)).reduce((a, [, k]) => a + k, 0)
    const qh = qOf(truth) // every seat at the truth: both aggregators return it exactly
    totalQ += c.q
    honestQ += qh
    const dev = Math.abs(c.q - qh)
    maxAbs = Math.max(maxAbs, dev)
    maxPpmOfV = Math.max(maxPpmOfV, Math.floor((dev * 1_000_000) / c.computeUnits))
    if (colluderSeats > 0 && group.has(c.worker)) affected++
    const at = (x: number): Scores => {
      const pts = [...honestSeats.map(([e, k]) => ({ evaluator: e, weight: k, scores: truth }))]
      if (colluderSeats > 0) pts.push({ evaluator: "colluders", weight: colluderSeats, scores: { correctness: x, utility: x, novelty: x } })
      return agg.aggregate(pts).consensus
    }
    const lo = qOf(at(0))
    const hi = qOf(at(1_000_000))
    if (c.q < Math.min(lo, hi) || c.q > Math.max(lo, hi)) outsideBound++
  }
  return { claims, affected, totalQ, honestQ, maxAbs, maxPpmOfV, outsideBound }
}

/** Blocks 1..height of a node's chain, decoded once (undefined where the node has none). */
const finalizedBlocks = (node: NodeState, height: number): Array<Block | undefined> => {
  const out: Array<Block | undefined> = []
  for (let h = 1; h <= height; h++) out.push(node.blocks.get(h)?.block)
  return out
}

/**
 * SIM-CHEAT.3: the fate of each cheating claim in the reference node's finalized blocks. Caught:
 * its reveal is in a block and its attestation fails there (forger), or an audit report in a block
 * contradicts its output (lazy). Missed: it matured in `final` without having been caught. Anything
 * else (not yet revealed, audit pending, not yet mature) is unresolved.
 */
const cheatDispositions = (
  crypto: CryptoService,
  finalized: ReadonlyArray<Block | undefined>,
  final: ChainState | undefined,
  cheats: ReadonlyMap<string, WorkerKind>,
): { readonly caught: number; readonly missed: number } => {
  const caught = new Set<string>()
  for (const b of finalized) {
    if (b === undefined) continue
    for (const r of b.body.reveals) {
      const id = toHex(Hashes.workId(crypto.sha256, r.claim))
      if (cheats.get(id) === "forger") caught.add(id)
    }
    for (const a of b.body.audits) {
      const id = toHex(a.workId)
      // VER-VERDICT.1: a fail verdict on a lazy claim caught it
      if (cheats.get(id) === "lazy" && a.verdict === "fail") caught.add(id)
    }
  }
  let missed = 0
  for (const [id] of cheats) if (!caught.has(id) && final?.claims.get(id)?.matured === true) missed++
  return { caught: caught.size, missed }
}

/**
 * SIM-ML.5: per kind and per cheat class, from the reference node's finalized blocks:
 * reveals, audit verdicts, catches, misses and honest claims failed, with the measured per-audit
 * detection rate beside the mean derived one. Reference-simulation cheats: "lazy" (derived 1: the
 * recomputed hash differs) and "forger" (caught by the attestation check, never audited).
 */
const kindBreakdown = (
  crypto: CryptoService,
  finalized: ReadonlyArray<Block | undefined>,
  final: ChainState | undefined,
  cheats: ReadonlyMap<string, WorkerKind>,
  jobs: ReadonlyMap<string, MlJob>,
): Record<TaskKind, KindStats> => {
  const kindOf = new Map<string, TaskKind>()
  const verdict = new Map<string, "pass" | "fail">()
  for (const b of finalized) {
    if (b === undefined) continue
    for (const r of b.body.reveals) kindOf.set(toHex(Hashes.workId(crypto.sha256, r.claim)), r.claim.task.kind)
    for (const a of b.body.audits) verdict.set(toHex(a.workId), a.verdict)
  }
  type Acc = { claims: number; audited: number; caught: number; derivedSum: number; caughtByAudit: number }
  const acc = (): Acc => ({ claims: 0, audited: 0, caught: 0, derivedSum: 0, caughtByAudit: 0 })
  const done = (a: Acc): DetectionStats => ({
    claims: a.claims,
    audited: a.audited,
    caught: a.caught,
    detectionRate: a.audited > 0 ? a.caughtByAudit / a.audited : null,
    derivedDetectionRate: a.audited > 0 ? a.derivedSum / a.audited : null,
  })
  const out = {} as Record<TaskKind, KindStats>
  for (const kind of ["inference", "training", "extraction"] as const) {
    const all = acc()
    const classes = new Map<string, Acc>()
    let revealed = 0
    let auditedAll = 0
    let missed = 0
    let honestSlashed = 0
    for (const [id, k] of kindOf) {
      if (k !== kind) continue
      revealed++
      const v = verdict.get(id)
      if (v !== undefined) auditedAll++
      const who = cheats.get(id)
      if (who === undefined) {
        if (v === "fail") honestSlashed++
        continue
      }
      const job = jobs.get(id)
      const cls = job !== undefined ? job.cheat : who
      const derived = job !== undefined ? job.derived : 1
      const c = classes.get(cls) ?? acc()
      classes.set(cls, c)
      for (const a of [all, c]) {
        a.claims++
        if (who === "forger") a.caught++
        if (v !== undefined) {
          a.audited++
          a.derivedSum += derived
          if (v === "fail") {
            a.caught++
            a.caughtByAudit++
          }
        }
      }
      if (who !== "forger" && v !== "fail" && final?.claims.get(id)?.matured === true) missed++
    }
    const d = done(all)
    out[kind] = {
      claims: revealed,
      audited: auditedAll,
      caught: d.caught,
      missed,
      honestSlashed,
      cheatingClaims: d.claims,
      cheatingAudited: d.audited,
      detectionRate: d.detectionRate,
      derivedDetectionRate: d.derivedDetectionRate,
      classes: Object.fromEntries([...classes.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, a]) => [k, done(a)])),
    }
  }
  return out
}

/** The driver as an Effect: takes the Crypto service from the environment (SIM-NET.1). */
export const simulateEffect = (cfg: SimConfig) => Effect.map(Crypto, (crypto) => simulate(crypto, cfg))
