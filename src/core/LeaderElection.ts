// spec: LE-DRAW.1, LE-WINDOW.1, LE-FALLBACK.1..2 (spec/04-leader-election.md; paper §3.3 eq. 2)
import { bytesToBigInt, concatBytes, u64be } from "../codec/Bytes.ts"
import { DOMAIN, tagged } from "../codec/Canonical.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import { type ChainState, type Hex, votingSet } from "./ChainState.ts"

export interface Weighted {
  readonly key: Hex
  readonly pubKey: Uint8Array
  /** Exact (LE-DRAW.1): a sum of matured Q over the window may exceed 2^53. */
  readonly weight: bigint
}

/** Sum of matured Q per worker over the window (LE-WINDOW.1), exact in bigint (LE-DRAW.1: no rounding). */
export const windowQ = (s: ChainState): Map<Hex, bigint> => {
  const q = new Map<Hex, bigint>()
  for (const e of s.qWindow) for (const [k, v] of e.perWorker) q.set(k, (q.get(k) ?? 0n) + BigInt(v))
  return q
}

export type WeightSource = "quality" | "stake"

/**
 * Proposer weights for (height, round) (LE-FALLBACK.1..2): validators weighted by their windowed Q for
 * rounds < qualityRounds when total Q > 0; otherwise by stake.
 */
export const proposerWeights = (s: ChainState, round: number): { source: WeightSource; weights: ReadonlyArray<Weighted> } => {
  const set = votingSet(s)
  if (round < s.params.qualityRounds) {
    const q = windowQ(s)
    const weights = set.map((v) => ({ key: v.key, pubKey: v.pubKey, weight: q.get(v.key) ?? 0n }))
    if (weights.some((w) => w.weight > 0n)) return { source: "quality", weights }
  }
  return { source: "stake", weights: set.map((v) => ({ key: v.key, pubKey: v.pubKey, weight: BigInt(v.power) })) }
}

/** The uniform 256-bit draw for (height, round): H(tag, beacon || u64(height) || u64(round)) (LE-DRAW.1). */
export const drawValue = (sha256: Sha256, beacon: Uint8Array, height: number, round: number): bigint =>
  bytesToBigInt(sha256(tagged(DOMAIN.proposerDraw, concatBytes(beacon, u64be(height), u64be(round)))))

/**
 * Weighted pick (LE-DRAW.1): x = draw mod total; the first validator, in public-key order, whose
 * cumulative weight exceeds x. Bias of the modulo reduction is below total/2^256. Undefined when the
 * total weight is zero (CONS-HALT.1: every stake burnt; the chain is halted), never an exception.
 */
export const pickWeighted = (weights: ReadonlyArray<Weighted>, draw: bigint): Weighted | undefined => {
  let total = 0n
  for (const w of weights) total += w.weight
  if (total === 0n) return undefined
  const x = draw % total
  let acc = 0n
  for (const w of weights) {
    acc += w.weight
    if (x < acc) return w
  }
  return undefined // unreachable: x < total = the last cumulative weight
}

/**
 * The proposer of (state.height + 1, round) (CONS-PROPOSER.1, paper eq. 2); undefined iff the voting
 * set has no power (CONS-HALT.1).
 */
export const proposerFor = (sha256: Sha256, s: ChainState, round: number): Weighted | undefined => {
  // memoized per (state object, round) for one hash function: a pure function of both, asked by every
  // node of a simulation (they share decided state objects, SIM-NET.7) for every message of a round
  // (issue 12: the windowed Q was re-summed on each call)
  let m = proposers.get(s)
  if (m === undefined || m.sha256 !== sha256) {
    m = { sha256, byRound: new Map() }
    proposers.set(s, m)
  }
  if (m.byRound.has(round)) return m.byRound.get(round)
  const p = pickWeighted(proposerWeights(s, round).weights, drawValue(sha256, s.beacon, s.height + 1, round))
  m.byRound.set(round, p)
  return p
}
const proposers = new WeakMap<ChainState, { readonly sha256: Sha256; readonly byRound: Map<number, Weighted | undefined> }>()
