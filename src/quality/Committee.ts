// spec: QUAL-COMMITTEE.1..7 (spec/17-quality-incentives.md; paper Algorithm 2 step 1, §6.2)
// The evaluator committee of a scored claim: k seats, each an independent stake-weighted draw from
// a beacon-derived seed, WITH replacement, over the stakers other than the claim's worker. An
// evaluator may hold several seats and votes with its seat count. Exact integer arithmetic.
import { Data, Either } from "effect"
import { bytesToBigInt, compareBytes, concatBytes, toHex, u64be } from "../codec/Bytes.ts"
import { DOMAIN, tagged } from "../codec/Canonical.ts"
import type { Sha256 } from "../codec/Hashing.ts"

export type Hex = string

/** A staker that may be drawn: its key (lowercase hex of pubKey), public key and stake (base units). */
export interface Candidate {
  readonly key: Hex
  readonly pubKey: Uint8Array
  readonly stake: number
}

export interface CommitteeMember {
  readonly evaluator: Hex
  readonly pubKey: Uint8Array
  /** Seats held (≥ 1): the evaluator's vote weight (QUAL-COMMITTEE.5). */
  readonly seats: number
}

export interface Committee {
  readonly claimId: Hex
  /** seats[j] is the evaluator drawn for seat j, j = 0..k-1 (QUAL-COMMITTEE.2). */
  readonly seats: ReadonlyArray<Hex>
  /** The distinct evaluators with their seat counts, in public-key order. */
  readonly members: ReadonlyArray<CommitteeMember>
  /** Total stake of the eligible candidates the seats were drawn from (QUAL-COMMITTEE.3). */
  readonly eligibleStake: bigint
}

export const COMMITTEE_ERROR_CODES = {
  COMMITTEE_EMPTY: "no eligible candidate: every staker is the worker or has zero stake",
  COMMITTEE_BAD_INPUT: "seat count, beacon, claim id or a stake is out of range",
} as const
export type CommitteeErrorCode = keyof typeof COMMITTEE_ERROR_CODES

export class CommitteeError extends Data.TaggedError("CommitteeError")<{ readonly code: CommitteeErrorCode; readonly detail: string }> {
  override get message(): string {
    return `${this.code}: ${COMMITTEE_ERROR_CODES[this.code]}${this.detail ? ` (${this.detail})` : ""}`
  }
}

/**
 * QUAL-COMMITTEE.1: the 256-bit draw of seat j:
 *   OS2IP(H(tagged("POAI/v1/committee-seat", beacon || claimId || u64(j)))).
 */
export const seatDraw = (sha256: Sha256, beacon: Uint8Array, claimId: Uint8Array, j: number): bigint =>
  bytesToBigInt(sha256(tagged(DOMAIN.committeeSeat, concatBytes(beacon, claimId, u64be(j)))))

/**
 * QUAL-COMMITTEE.3: the eligible candidates: positive stake, not the worker, sorted by public-key bytes.
 * Duplicate keys are merged (stakes added), so the list is a function of the stake table only.
 */
export const eligibleCandidates = (candidates: ReadonlyArray<Candidate>, worker: Hex | undefined): Candidate[] => {
  const merged = new Map<Hex, Candidate>()
  for (const c of candidates) {
    if (c.key === worker || c.stake <= 0) continue
    const prev = merged.get(c.key)
    merged.set(c.key, prev === undefined ? c : { ...prev, stake: prev.stake + c.stake })
  }
  return [...merged.values()].sort((a, b) => compareBytes(a.pubKey, b.pubKey))
}

/** Cumulative stakes of a sorted list (exact). */
const cumulative = (list: ReadonlyArray<Candidate>): bigint[] => {
  const cum: bigint[] = []
  let acc = 0n
  for (const c of list) cum.push((acc += BigInt(c.stake)))
  return cum
}

/** The first index whose cumulative stake exceeds x (binary search; same result as LE-DRAW.1's linear scan). */
const pickIndex = (cum: ReadonlyArray<bigint>, x: bigint): number => {
  let lo = 0
  let hi = cum.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((cum[mid] as bigint) > x) hi = mid
    else lo = mid + 1
  }
  return lo
}

export interface CommitteeInput {
  /** The seed beacon (QUAL-COMMITTEE.4: beacon_{h+1} for a claim revealed in block h), 32 bytes. */
  readonly beacon: Uint8Array
  /** The scored claim's id (its work commitment value, QUAL-COMMITTEE.4), 32 bytes. */
  readonly claimId: Uint8Array
  /** Stakers (validators with their stake). */
  readonly candidates: ReadonlyArray<Candidate>
  /** The claim's worker: never drawn for its own claim (QUAL-COMMITTEE.3). */
  readonly worker: Hex | undefined
  /** k (QualityParams.committeeSeats). */
  readonly seats: number
}

/**
 * QUAL-COMMITTEE.2: draw the k seats. Seat j goes to the eligible candidate i, in public-key order,
 * with cum_{i-1} <= x_j < cum_i, x_j = seatDraw(j) mod eligibleStake. Never throws.
 */
export const drawCommittee = (sha256: Sha256, input: CommitteeInput): Either.Either<Committee, CommitteeError> => {
  const { beacon, claimId, seats: k } = input
  if (!Number.isSafeInteger(k) || k < 1 || k > 1024) return Either.left(new CommitteeError({ code: "COMMITTEE_BAD_INPUT", detail: `k = ${k}` }))
  if (!(beacon instanceof Uint8Array) || beacon.length !== 32 || !(claimId instanceof Uint8Array) || claimId.length !== 32)
    return Either.left(new CommitteeError({ code: "COMMITTEE_BAD_INPUT", detail: "beacon and claim id must be 32 bytes" }))
  if (input.candidates.some((c) => !Number.isSafeInteger(c.stake)))
    return Either.left(new CommitteeError({ code: "COMMITTEE_BAD_INPUT", detail: "stakes must be safe integers" }))
  const list = eligibleCandidates(input.candidates, input.worker)
  const cum = cumulative(list)
  const total = cum.length === 0 ? 0n : (cum[cum.length - 1] as bigint)
  if (total === 0n) return Either.left(new CommitteeError({ code: "COMMITTEE_EMPTY", detail: `${input.candidates.length} candidates` }))
  const seatList: Hex[] = []
  const counts = new Map<number, number>()
  for (let j = 0; j < k; j++) {
    const i = pickIndex(cum, seatDraw(sha256, beacon, claimId, j) % total)
    seatList.push((list[i] as Candidate).key)
    counts.set(i, (counts.get(i) ?? 0) + 1)
  }
  const members = [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([i, seats]) => ({ evaluator: (list[i] as Candidate).key, pubKey: (list[i] as Candidate).pubKey, seats }))
  return Either.right({ claimId: toHex(claimId), seats: seatList, members, eligibleStake: total })
}

// ------------------------------------------------------------------------------------------------
// Analysis (QUAL-COMMITTEE.6..7): exact seat probabilities, and the rejected alternative.

export interface Rational {
  readonly num: bigint
  readonly den: bigint
}

const TWO_256 = 1n << 256n

/**
 * QUAL-COMMITTEE.6: the exact probability that one seat goes to one of the candidates in `group`
 * (keys), with a uniform 256-bit draw: (number of x in [0, 2^256) whose residue mod T falls in the
 * group's intervals) / 2^256. Each interval [a, a+w) holds w·floor(2^256/T) + |[a, a+w) ∩ [0, 2^256 mod T)| draws.
 */
export const exactSeatProbability = (eligible: ReadonlyArray<Candidate>, group: ReadonlySet<Hex>): Rational => {
  const T = eligible.reduce((a, c) => a + BigInt(c.stake), 0n)
  if (T === 0n) return { num: 0n, den: 1n }
  const q = TWO_256 / T
  const r = TWO_256 % T
  let a = 0n
  let count = 0n
  for (const c of eligible) {
    const w = BigInt(c.stake)
    if (group.has(c.key)) {
      const hi = a + w < r ? a + w : r
      count += w * q + (hi > a ? hi - a : 0n)
    }
    a += w
  }
  return { num: count, den: TWO_256 }
}

/** QUAL-COMMITTEE.6: the ideal per-seat probability stake(group) / T, exactly. */
export const idealSeatProbability = (eligible: ReadonlyArray<Candidate>, group: ReadonlySet<Hex>): Rational => {
  let T = 0n
  let g = 0n
  for (const c of eligible) {
    T += BigInt(c.stake)
    if (group.has(c.key)) g += BigInt(c.stake)
  }
  return { num: g, den: T === 0n ? 1n : T }
}

/**
 * QUAL-COMMITTEE.7 (analysis only; the protocol does NOT use it): expected number of seats, and the
 * probability of holding at least one, of the identities in `group` when k DISTINCT identities are
 * drawn one after another, each with probability proportional to stake among those not yet drawn.
 * Exact enumeration over the drawn sets (floats; n ≤ 24).
 */
export const withoutReplacementSeats = (
  stakes: ReadonlyArray<number>,
  k: number,
  group: ReadonlySet<number>,
): { readonly expectedSeats: number; readonly pAtLeastOne: number } => {
  const n = stakes.length
  if (n > 24) throw new RangeError("withoutReplacementSeats: at most 24 identities")
  const memo = new Map<number, [number, number]>()
  // returns [expected group seats still to come, probability that none of the group is drawn from here]
  const go = (drawn: number, left: number): [number, number] => {
    if (left === 0) return [0, 1]
    const key = drawn * 64 + left
    const hit = memo.get(key)
    if (hit !== undefined) return hit
    let rest = 0
    for (let i = 0; i < n; i++) if ((drawn & (1 << i)) === 0) rest += stakes[i] as number
    if (rest === 0) return [0, 1]
    let e = 0
    let none = 0
    for (let i = 0; i < n; i++) {
      if ((drawn & (1 << i)) !== 0 || (stakes[i] as number) === 0) continue
      const p = (stakes[i] as number) / rest
      const [eRest, noneRest] = go(drawn | (1 << i), left - 1)
      e += p * ((group.has(i) ? 1 : 0) + eRest)
      if (!group.has(i)) none += p * noneRest
    }
    const out: [number, number] = [e, none]
    memo.set(key, out)
    return out
  }
  const [expectedSeats, none] = go(0, Math.min(k, stakes.filter((s) => s > 0).length))
  return { expectedSeats, pAtLeastOne: 1 - none }
}
