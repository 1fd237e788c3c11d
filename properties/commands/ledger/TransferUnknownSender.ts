// spec: LEDGER-TX.3 — invalid twin of TransferValid: a validly signed transfer from a key that has no
// account is rejected with TX_UNKNOWN_SENDER and creates no account.
import fc from "fast-check"
import { type Key, type LedgerModel, type LedgerReal, MIN_FEE, OUTSIDER, RECIPIENTS, expectMatchesModel, expectRejected, modelAccount, pick, sign } from "./Model.ts"

export class TransferUnknownSender implements fc.Command<LedgerModel, LedgerReal> {
  constructor(
    readonly to: Key,
    readonly nonce: number,
  ) {}
  check(m: Readonly<LedgerModel>): boolean {
    return modelAccount(m, OUTSIDER) === undefined
  }
  run(m: LedgerModel, r: LedgerReal): void {
    expectRejected(r, sign(OUTSIDER, { to: this.to, amount: 1, fee: MIN_FEE, nonce: this.nonce }), "TX_UNKNOWN_SENDER")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `TransferUnknownSender(outsider -> ${this.to.name}, nonce ${this.nonce})`
  }
}

export const transferUnknownSender = fc
  .record({ to: fc.nat(), nonce: fc.nat({ max: 3 }) })
  .map(({ to, nonce }) => new TransferUnknownSender(pick(RECIPIENTS, to), nonce))
