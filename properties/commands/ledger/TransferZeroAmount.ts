// spec: LEDGER-TX.5 — invalid twin of TransferValid: a zero amount is rejected with TX_ZERO_AMOUNT and
// changes nothing (it would only burn a fee and a nonce).
import fc from "fast-check"
import { type Key, type LedgerModel, type LedgerReal, MIN_FEE, RECIPIENTS, SENDERS, expectMatchesModel, expectRejected, modelAccount, pick, sign } from "./Model.ts"

export class TransferZeroAmount implements fc.Command<LedgerModel, LedgerReal> {
  constructor(
    readonly from: Key,
    readonly to: Key,
  ) {}
  check(m: Readonly<LedgerModel>): boolean {
    return modelAccount(m, this.from) !== undefined
  }
  run(m: LedgerModel, r: LedgerReal): void {
    const a = modelAccount(m, this.from)!
    expectRejected(r, sign(this.from, { to: this.to, amount: 0, fee: MIN_FEE, nonce: a.nonce }), "TX_ZERO_AMOUNT")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `TransferZeroAmount(${this.from.name} -> ${this.to.name})`
  }
}

export const transferZeroAmount = fc
  .record({ from: fc.nat(), to: fc.nat() })
  .map(({ from, to }) => new TransferZeroAmount(pick(SENDERS, from), pick(RECIPIENTS, to)))
