// spec: SIM-METRIC.1..7, SIM-REPRO.1..2 (spec/19-reproduction.md)
// The paper's §8 evaluation as scenarios on the in-process network with the region / bandwidth / CPU
// model (NetworkModel.ts), and the metrics, each a pure function of what a run records.
import { MAX_BLOCK_TXS } from "../domain/Block.ts"
import { toHex } from "../codec/Bytes.ts"
import { Hashes } from "../codec/Hashing.ts"
import { Codecs } from "../codec/index.ts"
import type { CryptoService } from "../crypto/Crypto.ts"
import type { Params } from "../core/Params.ts"
import type { TaskKind, WorkClaim } from "../domain/Work.ts"
import { STRATEGY_CHOICES, type StrategyChoice } from "./Byzantine.ts"
import { byzantineIndices, simulate, simChain, type SimConfig, type SimSummary } from "./InProcessNetwork.ts"
import { AUDIT_FRACTION, CALIBRATED_CPU, type CpuCosts, cpuStepCost, crashLink, crashSet, DEFAULT_NETWORK, deviceOf, type NetworkModelParams, partitionLink, regionNetwork, REGIONS, relayGraph, workSeconds } from "./NetworkModel.ts"
import { cheaterKinds, type WorkerKind } from "./SimWork.ts"

// ------------------------------------------------------------------------------------------------
// Metrics (pure; tested on hand-computed cases in test/drivers/Reproduce.test.ts)

/** SIM-METRIC.0: nearest-rank percentile: the ⌈p/100 · n⌉-th smallest value (p in (0, 100]); null on no data. */
export const percentile = (xs: ReadonlyArray<number>, p: number): number | null => {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * s.length))
  return s[Math.min(rank, s.length) - 1] as number
}

/** What the metrics read of one height: its first honest commit (virtual ms) and contents. */
export interface HeightRecord {
  readonly height: number
  /** Virtual ms of the first honest commit of this height. */
  readonly t: number
  /** Virtual ms when every honest node had committed it (null if some never did). */
  readonly tAll: number | null
  /** Signatures (hex) of the transfers in the block. */
  readonly txs: ReadonlyArray<string>
  readonly reveals: ReadonlyArray<{ readonly workId: string; readonly worker: string; readonly kind: TaskKind; readonly units: number }>
  readonly audits: ReadonlyArray<{ readonly workId: string; readonly auditor: string; readonly verdict: "pass" | "fail" }>
}

/**
 * SIM-METRIC.1: steady-state throughput = transfers in the blocks of heights (w, H] divided by the
 * virtual time between the first honest commits of heights w and H, in transfers per second; w =
 * `warmup` (the first w blocks are excluded), H the last height recorded. null if H ≤ w or no time passed.
 */
export const steadyTps = (heights: ReadonlyArray<HeightRecord>, warmup: number): number | null => {
  const hs = [...heights].sort((a, b) => a.height - b.height)
  const start = hs.find((h) => h.height === warmup)
  const last = hs[hs.length - 1]
  if (last === undefined || last.height <= warmup) return null
  const t0 = warmup === 0 ? 0 : start?.t
  if (t0 === undefined || last.t <= t0) return null
  const txs = hs.filter((h) => h.height > warmup).reduce((a, h) => a + h.txs.length, 0)
  return (txs * 1000) / (last.t - t0)
}

/**
 * SIM-METRIC.2: finality latency of each committed transfer = first honest commit of the block that
 * holds it − its first submission by the client (virtual seconds). Transfers never committed are
 * left out (and counted by the caller).
 */
export const finalityLatencies = (submits: ReadonlyMap<string, number>, heights: ReadonlyArray<HeightRecord>): number[] => {
  const out: number[] = []
  for (const h of heights) for (const tx of h.txs) {
    const s = submits.get(tx)
    if (s !== undefined) out.push((h.t - s) / 1000)
  }
  return out
}

/** SIM-METRIC.3: the compute a run accounts, in device-seconds (GPU seconds of work, CPU seconds of checks). */
export interface ComputeLedger {
  /** Honest claims revealed in finalized blocks: their work on the worker's device. */
  readonly usefulSeconds: number
  /** Audit re-executions reported in finalized blocks (AUDIT_FRACTION of the claim's work, auditor's device). */
  readonly auditSeconds: number
  /** Attestation checks: every validator checks every reveal of every block it commits. */
  readonly attestationSeconds: number
  /** Consensus and ledger crypto: message signatures, transfer validation, BLS certificates. */
  readonly consensusSeconds: number
}

/**
 * SIM-METRIC.3: useful-work efficiency = useful / (useful + audit + attestation + consensus);
 * verification overhead = (audit + attestation) / useful. null when nothing useful was done.
 */
export const workShares = (c: ComputeLedger): { readonly efficiency: number | null; readonly overhead: number | null } => {
  const total = c.usefulSeconds + c.auditSeconds + c.attestationSeconds + c.consensusSeconds
  if (c.usefulSeconds <= 0 || total <= 0) return { efficiency: null, overhead: null }
  return { efficiency: c.usefulSeconds / total, overhead: (c.auditSeconds + c.attestationSeconds) / c.usefulSeconds }
}

/** A cheating claim: the height of its reveal and of its detection (null: not detected). */
export interface CheatRecord {
  readonly who: "lazy" | "forger"
  readonly revealHeight: number
  readonly caughtHeight: number | null
}

/**
 * SIM-METRIC.5: detection within k blocks = cheating claims caught at most k heights after their reveal
 * / cheating claims revealed at heights ≤ finalHeight − k (each had k blocks to be caught). null when
 * none is eligible.
 */
export const detectionWithin = (cheats: ReadonlyArray<CheatRecord>, k: number, finalHeight: number): { readonly rate: number | null; readonly eligible: number; readonly caught: number } => {
  const eligible = cheats.filter((c) => c.revealHeight + k <= finalHeight)
  const caught = eligible.filter((c) => c.caughtHeight !== null && c.caughtHeight - c.revealHeight <= k).length
  return { rate: eligible.length === 0 ? null : caught / eligible.length, eligible: eligible.length, caught }
}

/**
 * SIM-METRIC.6: recovery after restoration at `restoreAt` (virtual ms): H = the highest height first
 * committed before restoreAt; `firstCommit` = first honest commit of H + 1 − restoreAt; `allNodes` =
 * the time every honest node (the restored ones included) has committed H + 1 − restoreAt; seconds,
 * null when it never happened. `stalled` = heights first committed in [crashAt, restoreAt).
 */
export const recovery = (
  heights: ReadonlyArray<HeightRecord>,
  crashAt: number,
  restoreAt: number,
): { readonly firstCommit: number | null; readonly allNodes: number | null; readonly committedWhileDown: number } => {
  const before = heights.filter((h) => h.t < restoreAt)
  const H = before.reduce((a, h) => Math.max(a, h.height), 0)
  const next = heights.find((h) => h.height === H + 1)
  return {
    firstCommit: next === undefined ? null : (next.t - restoreAt) / 1000,
    allNodes: next?.tAll == null ? null : (next.tAll - restoreAt) / 1000,
    committedWhileDown: heights.filter((h) => h.t >= crashAt && h.t < restoreAt).length,
  }
}

/** SIM-METRIC.7: safety = every run's honest nodes agreed at every height (SIM-NET.3). */
export const safety = (runs: ReadonlyArray<{ readonly agreement: boolean }>): boolean => runs.length > 0 && runs.every((r) => r.agreement)

// ------------------------------------------------------------------------------------------------
// Observed runs (SIM-REPRO.1)

export interface Observation {
  readonly summary: SimSummary
  readonly heights: ReadonlyArray<HeightRecord>
  readonly submits: ReadonlyMap<string, number>
  readonly cheats: ReadonlyArray<CheatRecord>
  readonly compute: ComputeLedger
  readonly finalHeight: number
}

export interface ModelOptions {
  /** Regions, jitter, bandwidth (default true). */
  readonly regions?: boolean
  /** CPU cost per operation (default true). */
  readonly cpu?: boolean
  /** The operation costs the CPU model charges (default CALIBRATED_CPU, SIM-CPU.1). */
  readonly cpuCosts?: CpuCosts
  /** Work items paced by their GPU time, SIM-DEVICE.4 (default true). */
  readonly device?: boolean
  /** The region model's parameters (default DEFAULT_NETWORK, SIM-REGION.4): probes vary the uplinks. */
  readonly network?: NetworkModelParams
  /** Proposals relayed over a peer graph, SIM-REGION.5 (default true; only with regions). */
  readonly relay?: boolean
}

/** SIM-REPRO.1: run `cfg` with the §8 model and record what the metrics need. */
export const observe = (crypto: CryptoService, cfg: SimConfig, opts: ModelOptions = {}): Observation => {
  const byz = new Set(byzantineIndices(cfg.nodes, cfg.byzantine))
  const honest = Array.from({ length: cfg.nodes }, (_, i) => i).filter((i) => !byz.has(i))
  const { net } = simChain(crypto, cfg)
  const nodeOf = new Map(net.keys.map((k, i) => [k.pubHex, i] as const))
  const cheaters: ReadonlyMap<number, WorkerKind> = cheaterKinds(cfg.cheaters ?? 0, cfg.nodes, honest, cfg.attested ?? true)
  const tally = { consensusUs: 0, attestationUs: 0 }
  const heights = new Map<number, { t: number; count: number; tAll: number | null; rec: Omit<HeightRecord, "t" | "tAll"> }>()
  const submits = new Map<string, number>()
  const prevStep = cfg.onStep
  const observed: SimConfig = {
    ...cfg,
    ...(opts.regions ?? true ? { network: regionNetwork(opts.network ?? DEFAULT_NETWORK) } : {}),
    ...((opts.regions ?? true) && (opts.relay ?? true) ? { relay: relayGraph(cfg.nodes, cfg.seed) } : {}),
    ...(opts.cpu ?? true ? { cpu: cpuStepCost(opts.cpuCosts ?? CALIBRATED_CPU, tally) } : {}),
    // SIM-DEVICE.4: one GPU per worker: its next item comes when this one's work is done
    ...(opts.device ?? true ? { workGapMs: (node: number, claim: WorkClaim) => 1000 * workSeconds(claim.task.kind, deviceOf(node), claim.task.computeUnits) } : {}),
    onStep: (e) => {
      prevStep?.(e)
      if (byz.has(e.node)) return
      if (e.input.type === "client-tx") {
        const tx = Codecs.Transfer.decode(e.input.bytes)
        if (tx._tag === "Right") {
          const k = toHex(tx.right.signature)
          if (!submits.has(k)) submits.set(k, e.t)
        }
      }
      for (const o of e.outputs) {
        if (o.type !== "commit") continue
        const seen = heights.get(o.height)
        if (seen !== undefined) {
          seen.count++
          if (seen.count === honest.length) seen.tAll = e.t
          continue
        }
        const body = e.state.blocks.get(o.height)?.block.body
        heights.set(o.height, {
          t: e.t,
          count: 1,
          tAll: honest.length === 1 ? e.t : null,
          rec: {
            height: o.height,
            txs: (body?.txs ?? []).map((t) => toHex(t.signature)),
            reveals: (body?.reveals ?? []).map((r) => ({
              workId: toHex(Hashes.workId(crypto.sha256, r.claim)),
              worker: toHex(r.worker),
              kind: r.claim.task.kind,
              units: r.claim.task.computeUnits,
            })),
            audits: (body?.audits ?? []).map((a) => ({ workId: toHex(a.workId), auditor: toHex(a.auditor), verdict: a.verdict })),
          },
        })
      }
    },
  }
  const summary = simulate(crypto, observed)
  const all: HeightRecord[] = [...heights.values()].map((h) => ({ ...h.rec, t: h.t, tAll: h.tAll })).sort((a, b) => a.height - b.height)
  const finalHeight = all.length === 0 ? 0 : (all[all.length - 1] as HeightRecord).height
  // SIM-METRIC.3 / .5: claims and audits of the committed blocks
  const claims = new Map<string, { revealHeight: number; kind: TaskKind; units: number; who: WorkerKind | "honest"; worker: number }>()
  for (const h of all)
    for (const r of h.reveals) {
      const worker = nodeOf.get(r.worker) ?? -1
      claims.set(r.workId, { revealHeight: h.height, kind: r.kind, units: r.units, who: cheaters.get(worker) ?? "honest", worker })
    }
  let useful = 0
  let audit = 0
  const failAt = new Map<string, number>()
  for (const c of claims.values()) if (c.who === "honest") useful += workSeconds(c.kind, deviceOf(c.worker), c.units)
  for (const h of all)
    for (const a of h.audits) {
      const c = claims.get(a.workId)
      if (c === undefined) continue
      audit += AUDIT_FRACTION[c.kind] * workSeconds(c.kind, deviceOf(nodeOf.get(a.auditor) ?? 0), c.units)
      if (a.verdict === "fail" && !failAt.has(a.workId)) failAt.set(a.workId, h.height)
    }
  const cheats: CheatRecord[] = [...claims.entries()]
    .filter(([, c]) => c.who !== "honest")
    .map(([id, c]) => ({ who: c.who === "forger" ? ("forger" as const) : ("lazy" as const), revealHeight: c.revealHeight, caughtHeight: c.who === "forger" ? c.revealHeight : (failAt.get(id) ?? null) }))
  return {
    summary,
    heights: all,
    submits,
    cheats,
    compute: { usefulSeconds: useful, auditSeconds: audit, attestationSeconds: tally.attestationUs / 1e6, consensusSeconds: tally.consensusUs / 1e6 },
    finalHeight,
  }
}

// ------------------------------------------------------------------------------------------------
// The plan (SIM-REPRO.2)

export interface ReproPlan {
  readonly mode: "quick" | "full"
  readonly nodes: number
  readonly seed: number
  /** Baseline: blocks and offered load (transfers / virtual s). */
  readonly blocks: number
  readonly txRate: number
  readonly warmup: number
  /** Offered loads of the throughput sweep. */
  readonly loads: ReadonlyArray<number>
  readonly loadBlocks: number
  /** Audit probabilities (ppm) of the detection sweep, with a cheater fraction. */
  readonly auditPpms: ReadonlyArray<number>
  readonly cheaters: number
  readonly detectionBlocks: number
  /** Crash: fraction, crash time and downtime (virtual ms), total virtual time. */
  readonly crashFraction: number
  readonly crashAtMs: number
  readonly downMs: number
  readonly crashRunMs: number
  /** Safety: nodes, Byzantine count (30 % of the power), strategies, blocks. */
  readonly byzNodes: number
  readonly byzantine: number
  readonly strategies: ReadonlyArray<StrategyChoice>
  readonly byzBlocks: number
  readonly scoring: boolean
  /** Finality bound for "sustained" in the load sweep (virtual s, p99). */
  readonly finalityBoundS: number
  /** Genesis parameters of every run of the plan (SIM-REPRO.4: the full plan's WAN timeouts). */
  readonly params?: Partial<Params>
}

export const QUICK_PLAN: ReproPlan = {
  mode: "quick",
  nodes: 16,
  seed: 1,
  blocks: 12,
  txRate: 100,
  warmup: 2,
  loads: [50, 200, 400],
  loadBlocks: 8,
  auditPpms: [100_000, 500_000, 1_000_000],
  cheaters: 0.25,
  detectionBlocks: 10,
  crashFraction: 0.4,
  crashAtMs: 3_000,
  downMs: 5_000,
  crashRunMs: 16_000,
  byzNodes: 10,
  byzantine: 3,
  strategies: ["mixed"],
  byzBlocks: 8,
  scoring: false,
  finalityBoundS: 10,
}

export const FULL_PLAN: ReproPlan = {
  mode: "full",
  nodes: 100,
  seed: 1,
  blocks: 40,
  txRate: 847,
  warmup: 5,
  loads: [200, 400, 847, 1200],
  loadBlocks: 20,
  auditPpms: [100_000, 250_000, 500_000, 750_000, 1_000_000],
  cheaters: 0.2,
  detectionBlocks: 30,
  crashFraction: 0.4,
  crashAtMs: 10_000,
  downMs: 20_000,
  crashRunMs: 60_000,
  byzNodes: 100,
  byzantine: 30,
  strategies: STRATEGY_CHOICES,
  byzBlocks: 20,
  scoring: true,
  finalityBoundS: 10,
  // SIM-REPRO.4: CometBFT's production defaults (propose 3 s, prevote and precommit 1 s, +0.5 s a round),
  // and the largest block the schema allows (MAX_BLOCK_TXS), so that the load sweep measures the chain
  // rather than the devnet's 500-transfer default
  params: { timeoutProposeMs: 3000, timeoutPrevoteMs: 1000, timeoutPrecommitMs: 1000, timeoutDeltaMs: 500, maxTxsPerBlock: MAX_BLOCK_TXS },
}

/** SIM-REPRO.2: users for an open-loop load: enough that each has at most one transfer in flight for 8 s. */
export const usersFor = (txRate: number): number => Math.max(32, Math.ceil(txRate * 8))

/** The base SimConfig of the plan (regions and CPU are added by `observe`). */
export const baseConfig = (plan: ReproPlan, over: Partial<SimConfig>): SimConfig => ({
  nodes: plan.nodes,
  byzantine: 0,
  strategy: "equivocate",
  seed: plan.seed,
  blocks: plan.blocks,
  txRate: plan.txRate,
  users: usersFor(over.txRate ?? plan.txRate),
  scoring: plan.scoring ? undefined : false,
  maxVirtualMs: 600_000,
  ...over,
  ...(plan.params !== undefined || over.params !== undefined ? { params: { ...plan.params, ...over.params } } : {}),
} as SimConfig)

export interface Progress {
  readonly scenario: string
  readonly index: number
  readonly total: number
  readonly height: number
  readonly target: number
}

export interface ReproResult {
  readonly plan: ReproPlan
  readonly baseline: {
    readonly tps: number | null
    readonly finality: { readonly p50: number | null; readonly p90: number | null; readonly p99: number | null; readonly samples: number; readonly uncommitted: number }
    readonly finalitySamples: ReadonlyArray<number>
    readonly compute: ComputeLedger
    readonly efficiency: number | null
    readonly overhead: number | null
    readonly blockIntervalS: number | null
    readonly summary: SimSummary
  }
  /**
   * SIM-METRIC.1: `sustained` holds for the load run and, at the baseline's rate, for the baseline too;
   * `baselineFailed` is set when the load run held and the (longer) baseline at the same rate did not.
   */
  readonly loads: ReadonlyArray<{ readonly offered: number; readonly tps: number | null; readonly p99: number | null; readonly sustained: boolean; readonly baselineFailed?: true }>
  readonly highestSustained: number | null
  readonly detection: ReadonlyArray<{ readonly auditPpm: number; readonly k1: number | null; readonly k2: number | null; readonly eligible: number; readonly lazyK2: number | null; readonly forgerK2: number | null }>
  readonly crash: {
    readonly nodes: number
    readonly crashAtMs: number
    readonly restoreAtMs: number
    readonly firstCommit: number | null
    readonly allNodes: number | null
    readonly committedWhileDown: number
    readonly timeline: ReadonlyArray<{ readonly t: number; readonly height: number }>
  }
  /** SIM-FAULT.2: heights committed by the majority side while one region was cut off, and the time all nodes had the next height after healing. */
  readonly partition: { readonly region: string; readonly fromMs: number; readonly untilMs: number; readonly committedWhilePartitioned: number; readonly allNodesAfterHeal: number | null; readonly agreement: boolean }
  readonly safety: { readonly ok: boolean; readonly runs: ReadonlyArray<{ readonly strategy: StrategyChoice; readonly agreement: boolean; readonly finalizedHeight: number; readonly completed: boolean }> }
}

/** SIM-REPRO.2: one scenario of a plan: plain data, so that it can be sent to a worker thread. */
export type Scenario =
  | { readonly kind: "baseline"; readonly name: string }
  | { readonly kind: "load"; readonly name: string; readonly offered: number }
  | { readonly kind: "detection"; readonly name: string; readonly auditPpm: number }
  | { readonly kind: "crash"; readonly name: string }
  | { readonly kind: "partition"; readonly name: string }
  | { readonly kind: "byzantine"; readonly name: string; readonly strategy: StrategyChoice }

/** SIM-REPRO.2: the plan's scenarios, in report order. */
export const scenarios = (plan: ReproPlan): ReadonlyArray<Scenario> => [
  { kind: "baseline", name: "baseline" },
  ...plan.loads.map((offered) => ({ kind: "load" as const, name: `load ${offered}/s`, offered })),
  ...plan.auditPpms.map((auditPpm) => ({ kind: "detection" as const, name: `detection p=${auditPpm / 1e6}`, auditPpm })),
  { kind: "crash", name: `crash ${Math.round(plan.crashFraction * 100)}%` },
  { kind: "partition", name: `partition ${REGIONS[0]}` },
  ...plan.strategies.map((strategy) => ({ kind: "byzantine" as const, name: `byzantine ${strategy}`, strategy })),
]

type Baseline = ReproResult["baseline"]
type Load = ReproResult["loads"][number]

/** SIM-METRIC.1: one run offered `rate` held it: ≥ 90 % of it committed (steady state) and p99 finality within the bound. */
const sustains = (plan: ReproPlan, rate: number, tps: number | null, p99: number | null): boolean =>
  tps !== null && tps >= 0.9 * rate && p99 !== null && p99 <= plan.finalityBoundS
type Detection = ReproResult["detection"][number]
type Crash = ReproResult["crash"] & { readonly agreement: boolean }
type Partition = ReproResult["partition"]
type ByzRun = ReproResult["safety"]["runs"][number]

/** What one scenario contributes to the result (plain data). */
export type Outcome =
  | { readonly kind: "baseline"; readonly value: Baseline }
  | { readonly kind: "load"; readonly value: Load }
  | { readonly kind: "detection"; readonly value: Detection }
  | { readonly kind: "crash"; readonly value: Crash }
  | { readonly kind: "partition"; readonly value: Partition }
  | { readonly kind: "byzantine"; readonly value: ByzRun }

/** SIM-REPRO.2: run one scenario of the plan (deterministic for the plan's seed) and reduce it to its outcome. */
export const runScenario = (crypto: CryptoService, plan: ReproPlan, sc: Scenario, onHeight?: (height: number, target: number) => void): Outcome => {
  const run = (cfg: SimConfig): Observation => observe(crypto, { ...cfg, onProgress: (p) => onHeight?.(p.height, p.target) })
  const restoreAt = plan.crashAtMs + plan.downMs
  switch (sc.kind) {
    case "baseline": {
      const base = run(baseConfig(plan, {}))
      const lat = finalityLatencies(base.submits, base.heights)
      const shares = workShares(base.compute)
      const hs = base.heights
      const blockIntervalS = hs.length > plan.warmup + 1 ? ((hs[hs.length - 1] as HeightRecord).t - (hs[plan.warmup] as HeightRecord).t) / 1000 / (hs.length - 1 - plan.warmup) : null
      return {
        kind: "baseline",
        value: {
          tps: steadyTps(base.heights, plan.warmup),
          finality: { p50: percentile(lat, 50), p90: percentile(lat, 90), p99: percentile(lat, 99), samples: lat.length, uncommitted: base.submits.size - lat.length },
          finalitySamples: lat,
          compute: base.compute,
          efficiency: shares.efficiency,
          overhead: shares.overhead,
          blockIntervalS,
          summary: base.summary,
        },
      }
    }
    case "load": {
      const o = run(baseConfig(plan, { txRate: sc.offered, blocks: plan.loadBlocks }))
      const tps = steadyTps(o.heights, plan.warmup)
      const p99 = percentile(finalityLatencies(o.submits, o.heights), 99)
      return { kind: "load", value: { offered: sc.offered, tps, p99, sustained: sustains(plan, sc.offered, tps, p99) } }
    }
    case "detection": {
      const o = run(baseConfig(plan, { cheaters: plan.cheaters, params: { auditPpm: sc.auditPpm }, blocks: plan.detectionBlocks, txRate: 20, users: 32 }))
      const k2 = detectionWithin(o.cheats, 2, o.finalHeight)
      return {
        kind: "detection",
        value: {
          auditPpm: sc.auditPpm,
          k1: detectionWithin(o.cheats, 1, o.finalHeight).rate,
          k2: k2.rate,
          eligible: k2.eligible,
          lazyK2: detectionWithin(o.cheats.filter((c) => c.who === "lazy"), 2, o.finalHeight).rate,
          forgerK2: detectionWithin(o.cheats.filter((c) => c.who === "forger"), 2, o.finalHeight).rate,
        },
      }
    }
    case "crash": {
      const down = crashSet(plan.nodes, plan.crashFraction)
      const c = run(baseConfig(plan, { blocks: 100_000, maxVirtualMs: plan.crashRunMs, link: crashLink(down, plan.crashAtMs, restoreAt), txRate: 20, users: 32 }))
      const rec = recovery(c.heights, plan.crashAtMs, restoreAt)
      return {
        kind: "crash",
        value: {
          nodes: down.length,
          crashAtMs: plan.crashAtMs,
          restoreAtMs: restoreAt,
          firstCommit: rec.firstCommit,
          allNodes: rec.allNodes,
          committedWhileDown: rec.committedWhileDown,
          timeline: c.heights.map((h) => ({ t: h.t, height: h.height })),
          agreement: c.summary.agreement,
        },
      }
    }
    case "partition": {
      // SIM-FAULT.2: region 0 cut off from the others over the crash window (the others hold 80 % of the power)
      const pt = run(baseConfig(plan, { blocks: 100_000, maxVirtualMs: plan.crashRunMs, link: partitionLink([0], [1, 2, 3, 4], plan.crashAtMs, restoreAt), txRate: 20, users: 32 }))
      const prec = recovery(pt.heights, plan.crashAtMs, restoreAt)
      return { kind: "partition", value: { region: REGIONS[0], fromMs: plan.crashAtMs, untilMs: restoreAt, committedWhilePartitioned: prec.committedWhileDown, allNodesAfterHeal: prec.allNodes, agreement: pt.summary.agreement } }
    }
    case "byzantine": {
      const o = run(baseConfig(plan, { nodes: plan.byzNodes, byzantine: plan.byzantine, strategy: sc.strategy, blocks: plan.byzBlocks, txRate: 20, users: 32 }))
      return { kind: "byzantine", value: { strategy: sc.strategy, agreement: o.summary.agreement, finalizedHeight: o.summary.finalizedHeight, completed: o.summary.completed } }
    }
  }
}

/** SIM-REPRO.2: the result from the outcomes of every scenario (in any order: they are put in plan order). */
export const assemble = (plan: ReproPlan, outcomes: ReadonlyArray<Outcome>): ReproResult => {
  let baseline: Baseline | undefined
  let crash: Crash | undefined
  let partition: Partition | undefined
  const loadsAll: Load[] = []
  const detAll: Detection[] = []
  const runsAll: ByzRun[] = []
  for (const o of outcomes)
    switch (o.kind) {
      case "baseline":
        baseline = o.value
        break
      case "crash":
        crash = o.value
        break
      case "partition":
        partition = o.value
        break
      case "load":
        loadsAll.push(o.value)
        break
      case "detection":
        detAll.push(o.value)
        break
      case "byzantine":
        runsAll.push(o.value)
        break
    }
  if (baseline === undefined || crash === undefined || partition === undefined) throw new Error("reproduce: a scenario outcome is missing")
  // SIM-METRIC.1: a rate is sustained only if every run offered it held; the baseline runs the plan's
  // rate for longer than a load run, and a chain that falls behind slowly passes the shorter run
  const baselineHeld = sustains(plan, plan.txRate, baseline.tps, baseline.finality.p99)
  const loads = plan.loads
    .map((x) => loadsAll.find((l) => l.offered === x))
    .filter((l): l is Load => l !== undefined)
    .map((l): Load => (l.offered === plan.txRate && l.sustained && !baselineHeld ? { ...l, sustained: false, baselineFailed: true } : l))
  const detection = plan.auditPpms.map((x) => detAll.find((d) => d.auditPpm === x)).filter((d): d is Detection => d !== undefined)
  const runs = plan.strategies.map((x) => runsAll.find((b) => b.strategy === x)).filter((b): b is ByzRun => b !== undefined)
  const sustained = loads.filter((l) => l.sustained).map((l) => l.offered)
  const { agreement: crashAgreement, ...crashValue } = crash
  return {
    plan,
    baseline,
    loads,
    highestSustained: sustained.length === 0 ? null : Math.max(...sustained),
    detection,
    crash: crashValue,
    partition,
    safety: { ok: safety(runs) && partition.agreement && crashAgreement, runs },
  }
}

/** SIM-REPRO.2: every scenario of the plan, one after the other in this thread. */
export const reproduce = (crypto: CryptoService, plan: ReproPlan, onProgress?: (p: Progress) => void): ReproResult => {
  const all = scenarios(plan)
  const outcomes = all.map((sc, i) => {
    onProgress?.({ scenario: sc.name, index: i + 1, total: all.length, height: 0, target: 0 })
    return runScenario(crypto, plan, sc, (height, target) => onProgress?.({ scenario: sc.name, index: i + 1, total: all.length, height, target }))
  })
  return assemble(plan, outcomes)
}
