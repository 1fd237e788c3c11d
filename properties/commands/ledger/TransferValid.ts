// spec: LEDGER-TX.1..6 — a valid transfer: debit amount + fee and bump the nonce of the sender, credit
// the amount to the recipient and the fee to the block proposer (fee sink), count one transaction.
import fc from "fast-check"
import { Either } from "effect"
import { expect } from "vitest"
import { applyTransfer } from "../../../src/core/Ledger.ts"
import { FEE_SINK, type LedgerModel, type LedgerReal, MIN_FEE, RECIPIENTS, SENDERS, type Key, ctx, expectMatchesModel, modelAccount, pick, sign } from "./Model.ts"

export class TransferValid implements fc.Command<LedgerModel, LedgerReal> {
  constructor(
    readonly from: Key,
    readonly to: Key,
    readonly amountSeed: number,
    readonly feeExtra: number,
  ) {}
  check(m: Readonly<LedgerModel>): boolean {
    const a = modelAccount(m, this.from)
    return a !== undefined && a.balance >= MIN_FEE + this.feeExtra + 1
  }
  run(m: LedgerModel, r: LedgerReal): void {
    const a = modelAccount(m, this.from)!
    const fee = MIN_FEE + this.feeExtra
    const amount = 1 + (this.amountSeed % (a.balance - fee))
    const tx = sign(this.from, { to: this.to, amount, fee, nonce: a.nonce })
    const res = applyTransfer(ctx, r.d, tx, FEE_SINK.hex)
    expect(Either.isRight(res) ? "accepted" : res.left.code).toBe("accepted")
    // Model: the same three moves, in the same order (sender, recipient, fee sink may coincide).
    a.balance -= amount + fee
    a.nonce += 1
    const to = m.accounts.get(this.to.hex) ?? { balance: 0, stake: 0, nonce: 0 }
    to.balance += amount
    m.accounts.set(this.to.hex, to)
    const sink = m.accounts.get(FEE_SINK.hex)!
    sink.balance += fee
    m.totals.txs += 1
    m.applied.push(tx)
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `TransferValid(${this.from.name} -> ${this.to.name}, amountSeed=${this.amountSeed}, fee=${MIN_FEE}+${this.feeExtra})`
  }
}

export const transferValid = fc
  .record({ from: fc.nat(), to: fc.nat(), amountSeed: fc.nat(), feeExtra: fc.integer({ min: 0, max: 5 }) })
  .map(({ from, to, amountSeed, feeExtra }) => new TransferValid(pick(SENDERS, from), pick(RECIPIENTS, to), amountSeed, feeExtra))
