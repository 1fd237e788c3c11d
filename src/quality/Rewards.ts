// spec: QUAL-REWARD.1..5, SybilNeutral (spec/17-quality-incentives.md; paper §3.3, §6.2 Prop. 6.2)
// The block reward split between workers (in proportion to matured Q), evaluators (their settlement
// credits) and validators (in proportion to stake), by ppm shares; exact integer arithmetic with one
// deterministic remainder rule: every floor's dust, and every pool nobody can take, goes to `remainderTo`.
import { PPM } from "../domain/Primitives.ts"
import type { Hex } from "./Committee.ts"
import type { QualityParams } from "./QualityParams.ts"

export type RewardShares = Pick<QualityParams, "rewardShareWorkersPpm" | "rewardShareEvaluatorsPpm" | "rewardShareValidatorsPpm">

type Amount = bigint | number

export interface RewardInputs {
  /** Base units minted this block. */
  readonly reward: Amount
  /** Matured Q per worker (LEDGER-REWARD.1). */
  readonly workers: ReadonlyMap<Hex, Amount>
  /** Evaluator credits of the settlements applied this block (QUAL-INCENTIVE.2), base units. */
  readonly evaluators: ReadonlyMap<Hex, Amount>
  /** Stake of the validators rewarded this block (QUAL-REWARD.3). */
  readonly validators: ReadonlyMap<Hex, Amount>
  /** Who receives the remainder (the block's proposer, as LEDGER-REWARD.2). */
  readonly remainderTo: Hex
}

export type Role = "workers" | "evaluators" | "validators"
export const ROLES: ReadonlyArray<Role> = ["workers", "evaluators", "validators"]

export interface RewardSplit {
  /** Total per key over all roles, the remainder included. Σ payouts = reward exactly. */
  readonly payouts: ReadonlyMap<Hex, bigint>
  readonly pools: Readonly<Record<Role, bigint>>
  readonly byRole: Readonly<Record<Role, ReadonlyMap<Hex, bigint>>>
  /** Pool-size dust + per-pool dust + unused pools. */
  readonly remainder: bigint
}

const big = (x: Amount, what: string): bigint => {
  if (typeof x === "number" && !Number.isSafeInteger(x)) throw new RangeError(`${what} must be a safe integer`)
  const b = BigInt(x)
  if (b < 0n) throw new RangeError(`${what} must be non-negative`)
  return b
}

const sortedPositive = (m: ReadonlyMap<Hex, Amount>, what: string): Array<[Hex, bigint]> =>
  [...m.entries()]
    .map(([k, v]): [Hex, bigint] => [k, big(v, what)])
    .filter(([, v]) => v > 0n)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))

/**
 * QUAL-REWARD.2: share(k) = floor(pool · weight_k / Σ weight), in ascending key order; returns the
 * shares and the amount paid (pool − paid is the dust, less than the number of recipients).
 */
export const proportionalSplit = (pool: bigint, weights: ReadonlyMap<Hex, Amount>): { readonly shares: Map<Hex, bigint>; readonly paid: bigint } => {
  const list = sortedPositive(weights, "weight")
  const total = list.reduce((a, [, w]) => a + w, 0n)
  const shares = new Map<Hex, bigint>()
  let paid = 0n
  if (total === 0n || pool <= 0n) return { shares, paid }
  for (const [k, w] of list) {
    const s = (pool * w) / total
    if (s > 0n) shares.set(k, s)
    paid += s
  }
  return { shares, paid }
}

/**
 * QUAL-REWARD.2: evaluators are paid their credits in full when the pool covers them all; otherwise
 * the pool is split in proportion to the credits (proportionalSplit).
 */
export const creditSplit = (pool: bigint, credits: ReadonlyMap<Hex, Amount>): { readonly shares: Map<Hex, bigint>; readonly paid: bigint } => {
  const list = sortedPositive(credits, "credit")
  const total = list.reduce((a, [, w]) => a + w, 0n)
  if (total > pool) return proportionalSplit(pool, credits)
  return { shares: new Map(list), paid: total }
}

/**
 * QUAL-REWARD.1..4: pool_r = floor(R · share_r / 10^6) for each role r; workers by matured Q and
 * validators by stake (proportionalSplit), evaluators by credit (creditSplit); the remainder
 * R − Σ paid goes to `remainderTo`.
 */
export const splitBlockReward = (i: RewardInputs, p: RewardShares): RewardSplit => {
  const R = big(i.reward, "reward")
  const share: Record<Role, number> = {
    workers: p.rewardShareWorkersPpm,
    evaluators: p.rewardShareEvaluatorsPpm,
    validators: p.rewardShareValidatorsPpm,
  }
  if (share.workers + share.evaluators + share.validators !== PPM) throw new RangeError("reward shares must sum to 1,000,000 ppm")
  const pools = {} as Record<Role, bigint>
  const byRole = {} as Record<Role, ReadonlyMap<Hex, bigint>>
  const payouts = new Map<Hex, bigint>()
  let paidAll = 0n
  for (const r of ROLES) {
    pools[r] = (R * BigInt(share[r])) / BigInt(PPM)
    const { shares, paid } = r === "evaluators" ? creditSplit(pools[r], i.evaluators) : proportionalSplit(pools[r], i[r])
    byRole[r] = shares
    paidAll += paid
    for (const [k, v] of shares) payouts.set(k, (payouts.get(k) ?? 0n) + v)
  }
  const remainder = R - paidAll
  if (remainder > 0n) payouts.set(i.remainderTo, (payouts.get(i.remainderTo) ?? 0n) + remainder)
  return { payouts, pools, byRole, remainder }
}
