// spec: LEDGER-TX.4 — invalid twin of TransferValid: amount + fee above the sender's balance (correct
// nonce, valid signature) is rejected with TX_INSUFFICIENT_FUNDS and changes nothing.
import fc from "fast-check"
import { type Key, type LedgerModel, type LedgerReal, MIN_FEE, RECIPIENTS, SENDERS, expectMatchesModel, expectRejected, modelAccount, pick, sign } from "./Model.ts"

export class TransferInsufficient implements fc.Command<LedgerModel, LedgerReal> {
  constructor(
    readonly from: Key,
    readonly to: Key,
    readonly excess: number,
  ) {}
  check(m: Readonly<LedgerModel>): boolean {
    return modelAccount(m, this.from) !== undefined
  }
  run(m: LedgerModel, r: LedgerReal): void {
    const a = modelAccount(m, this.from)!
    // balance + 1 + excess - fee > balance - fee: exactly one unit short at excess = 0.
    const amount = Math.max(1, a.balance - MIN_FEE + 1 + this.excess)
    expectRejected(r, sign(this.from, { to: this.to, amount, fee: MIN_FEE, nonce: a.nonce }), "TX_INSUFFICIENT_FUNDS")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `TransferInsufficient(${this.from.name} -> ${this.to.name}, balance + 1 + ${this.excess})`
  }
}

export const transferInsufficient = fc
  .record({ from: fc.nat(), to: fc.nat(), excess: fc.oneof(fc.constant(0), fc.nat({ max: 1_000_000 })) })
  .map(({ from, to, excess }) => new TransferInsufficient(pick(SENDERS, from), pick(RECIPIENTS, to), excess))
