// spec: LEDGER-REWARD.1..2 — the block reward R is minted and split among the workers whose claims
// matured, worker i getting floor(R * Q_i / Q_total); the rounding dust (all of R when nothing matured)
// goes to the proposer. Only balances move; totals.minted grows by exactly R.
import fc from "fast-check"
import { distributeReward } from "../../../src/core/Ledger.ts"
import type { Hex } from "../../../src/core/ChainState.ts"
import { BLOCK_REWARD, FEE_SINK, type Key, type LedgerModel, type LedgerReal, RECIPIENTS, expectMatchesModel, pick } from "./Model.ts"

export class DistributeReward implements fc.Command<LedgerModel, LedgerReal> {
  constructor(
    readonly matured: ReadonlyArray<readonly [Key, number]>,
    readonly proposer: Key,
  ) {}
  check(): boolean {
    return true
  }
  run(m: LedgerModel, r: LedgerReal): void {
    const q = new Map<Hex, number>()
    for (const [k, x] of this.matured) q.set(k.hex, (q.get(k.hex) ?? 0) + x)
    distributeReward(r.d, q, this.proposer.hex)
    let total = 0
    for (const x of q.values()) total += x
    let paid = 0
    const credit = (k: Hex, amount: number) => {
      if (amount === 0) return
      const a = m.accounts.get(k) ?? { balance: 0, stake: 0, nonce: 0 }
      a.balance += amount
      m.accounts.set(k, a)
    }
    if (total > 0)
      for (const [k, x] of q) {
        const share = Number((BigInt(BLOCK_REWARD) * BigInt(x)) / BigInt(total))
        credit(k, share)
        paid += share
      }
    credit(this.proposer.hex, BLOCK_REWARD - paid)
    m.totals.minted += BLOCK_REWARD
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `DistributeReward(${this.matured.map(([k, x]) => `${k.name}:${x}`).join(", ") || "nothing matured"}; proposer ${this.proposer.name})`
  }
}

export const distributeRewardCmd = fc
  .record({
    matured: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 1_000_000 })), { maxLength: 4 }),
    proposer: fc.nat(),
  })
  .map(({ matured, proposer }) => new DistributeReward(matured.map(([k, x]) => [pick(RECIPIENTS, k), x] as const), pick(RECIPIENTS, proposer)))
