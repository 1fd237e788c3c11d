// spec: LEDGER-TX.5 — invalid twin of TransferValid: a fee below minFee is rejected with TX_FEE_TOO_LOW
// and changes nothing.
import fc from "fast-check"
import { type Key, type LedgerModel, type LedgerReal, MIN_FEE, RECIPIENTS, SENDERS, expectMatchesModel, expectRejected, modelAccount, pick, sign } from "./Model.ts"

export class TransferFeeTooLow implements fc.Command<LedgerModel, LedgerReal> {
  constructor(
    readonly from: Key,
    readonly to: Key,
    readonly fee: number,
  ) {}
  check(m: Readonly<LedgerModel>): boolean {
    return modelAccount(m, this.from) !== undefined
  }
  run(m: LedgerModel, r: LedgerReal): void {
    const a = modelAccount(m, this.from)!
    expectRejected(r, sign(this.from, { to: this.to, amount: 1, fee: this.fee, nonce: a.nonce }), "TX_FEE_TOO_LOW")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `TransferFeeTooLow(${this.from.name} -> ${this.to.name}, fee ${this.fee})`
  }
}

export const transferFeeTooLow = fc
  .record({ from: fc.nat(), to: fc.nat(), fee: fc.integer({ min: 0, max: MIN_FEE - 1 }) })
  .map(({ from, to, fee }) => new TransferFeeTooLow(pick(SENDERS, from), pick(RECIPIENTS, to), fee))
