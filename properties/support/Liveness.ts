// The liveness schedule generator and check (properties/liveness.test.ts states the bound): a hostile network before GST (random
// loss, a partition that heals at GST at the latest), a stable one after it (no loss, delay <= DELTA_MS).
import fc from "fast-check"
import type { Hex } from "../../src/core/ChainState.ts"
import { proposerFor } from "../../src/core/LeaderElection.ts"
import type { SimConfig } from "../../src/drivers/InProcessNetwork.ts"
import { type Observed, type Partition, ctx, cut, lossy, observe, partitionArb, simSeedArb } from "./Network.ts"

/** Δ: the largest one-way delay after GST the bound is stated for. */
export const DELTA_MS = 60
/** Virtual time after GST within which every run must have committed all its blocks. */
export const COMPLETE_WITHIN_MS = 30_000

export interface LivenessSchedule {
  readonly n: number
  readonly f: number
  readonly strategy: "silent" | "spam"
  readonly seed: number
  readonly latencyMs: { readonly min: number; readonly max: number }
  readonly duplicatePermille: number
  readonly gstMs: number
  /** Before GST: per-message loss probability (per mille) and an optional partition that heals at GST. */
  readonly preGstDropPermille: number
  readonly preGstPartition: Partition | null
  readonly linkSeed: number
  readonly blocks: number
  readonly txRate: number
  readonly workIntervalMs: number
}

export const livenessArb: fc.Arbitrary<LivenessSchedule> = fc.integer({ min: 4, max: 7 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    f: fc.oneof({ weight: 3, arbitrary: fc.constant(Math.floor((n - 1) / 3)) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: Math.floor((n - 1) / 3) }) }),
    strategy: fc.constantFrom<"silent" | "spam">("silent", "spam"),
    seed: simSeedArb,
    latencyMs: fc
      .record({ min: fc.integer({ min: 1, max: 30 }), jitter: fc.integer({ min: 0, max: DELTA_MS }) })
      .map(({ min, jitter }) => ({ min, max: Math.min(DELTA_MS, min + jitter) })),
    duplicatePermille: fc.integer({ min: 0, max: 300 }),
    gstMs: fc.integer({ min: 0, max: 2500 }),
    preGstDropPermille: fc.integer({ min: 0, max: 900 }),
    preGstPartition: fc.option(partitionArb(n, 1500, 2500), { nil: null }),
    linkSeed: fc.integer({ min: 0, max: 0x7fffffff }),
    blocks: fc.integer({ min: 3, max: 5 }),
    txRate: fc.integer({ min: 0, max: 20 }),
    workIntervalMs: fc.oneof(fc.constant(0), fc.integer({ min: 150, max: 500 })),
  }),
)

export const livenessConfigOf = (s: LivenessSchedule): SimConfig => {
  const loss = lossy(s.linkSeed, s.preGstDropPermille / 1000)
  return {
    nodes: s.n,
    byzantine: s.f,
    strategy: s.strategy,
    seed: s.seed,
    blocks: s.blocks,
    latencyMs: s.latencyMs,
    dropRate: 0,
    duplicateRate: s.duplicatePermille / 1000,
    txRate: s.txRate,
    workIntervalMs: s.workIntervalMs,
    maxVirtualMs: s.gstMs + COMPLETE_WITHIN_MS,
    // Before GST: partition (healing at GST at the latest) and random loss; from GST on: every link up.
    link: (t, from, to) => t >= s.gstMs || !(cut(s.preGstPartition, t, from, to) || loss()),
  }
}

/** r*(h): the first round of height h whose proposer is honest. */
export const firstHonestRound = (r: Observed, h: number): number => {
  const chain = r.chains.get(h - 1)
  if (chain === undefined) throw new Error(`no chain state after height ${h - 1}`)
  for (let round = 0; round < 1000; round++) if (r.honestKeys.has(proposerFor(ctx.crypto.sha256, chain, round)!.key as Hex)) return round
  throw new Error("no honest proposer in 1000 rounds")
}

/** Heights started after GST (see the header), among those every honest node committed. */
export const heightsStartedAfterGst = (r: Observed, gst: number, top: number): number[] => {
  const out: number[] = []
  for (let h = 2; h <= top; h++) {
    const prevEntries = r.honest.map((i) => r.entries[i]?.get(h - 1))
    const entries = r.honest.map((i) => r.entries[i]?.get(h))
    if (prevEntries.some((t) => t === undefined) || entries.some((t) => t === undefined)) continue
    const allAfterGst = Math.min(...(prevEntries as number[])) >= gst
    const noneLagging = Math.max(...(prevEntries as number[])) <= Math.min(...(entries as number[]))
    if (allAfterGst && noneLagging) out.push(h)
  }
  return out
}

export interface LivenessStats {
  runs: number
  /** Heights started after GST whose commit rounds were checked against r*(h). */
  checked: number
  /** ... of which r*(h) > 0 (the round-0 proposer was Byzantine). */
  laterRounds: number
  maxRStar: number
}

/** Run one schedule; every way it breaks the stated liveness bound (empty = none). */
export const livenessProblems = (s: LivenessSchedule, stats: LivenessStats): string[] => {
  const r = observe(livenessConfigOf(s))
  const problems: string[] = [...r.violations]
  if (!r.summary.completed) problems.push(`not completed: finalized ${r.summary.finalizedHeight} of ${s.blocks} by GST + ${COMPLETE_WITHIN_MS} ms`)
  for (const h of heightsStartedAfterGst(r, s.gstMs, s.blocks)) {
    const bound = firstHonestRound(r, h)
    stats.checked++
    stats.maxRStar = Math.max(stats.maxRStar, bound)
    if (bound > 0) stats.laterRounds++
    for (const i of r.honest) {
      const c = r.commits[i]?.get(h)
      if (c === undefined) problems.push(`node ${i} did not commit height ${h}`)
      else if (c.round > bound) problems.push(`node ${i} committed height ${h} in round ${c.round} > r*(h) = ${bound}`)
    }
  }
  stats.runs++
  return problems
}
