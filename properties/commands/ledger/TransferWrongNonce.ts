// spec: LEDGER-TX.3 — invalid twin of TransferValid: a nonce other than the sender's next one (a gap
// ahead, or an already used one) is rejected with TX_BAD_NONCE and changes nothing.
import fc from "fast-check"
import { type Key, type LedgerModel, type LedgerReal, MIN_FEE, RECIPIENTS, SENDERS, expectMatchesModel, expectRejected, modelAccount, pick, sign } from "./Model.ts"

export class TransferWrongNonce implements fc.Command<LedgerModel, LedgerReal> {
  constructor(
    readonly from: Key,
    readonly to: Key,
    readonly delta: number,
  ) {}
  check(m: Readonly<LedgerModel>): boolean {
    const a = modelAccount(m, this.from)
    return a !== undefined && a.balance >= MIN_FEE + 1 && this.delta !== 0 && a.nonce + this.delta >= 0
  }
  run(m: LedgerModel, r: LedgerReal): void {
    const a = modelAccount(m, this.from)!
    expectRejected(r, sign(this.from, { to: this.to, amount: 1, fee: MIN_FEE, nonce: a.nonce + this.delta }), "TX_BAD_NONCE")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `TransferWrongNonce(${this.from.name} -> ${this.to.name}, next ${this.delta >= 0 ? "+" : ""}${this.delta})`
  }
}

export const transferWrongNonce = fc
  .record({ from: fc.nat(), to: fc.nat(), delta: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: 4, max: 1_000_000 })) })
  .map(({ from, to, delta }) => new TransferWrongNonce(pick(SENDERS, from), pick(RECIPIENTS, to), delta))
