// spec: LEDGER-TX.3 — invalid twin of TransferValid: replaying an already applied transfer (same bytes,
// valid signature) is rejected with TX_BAD_NONCE and changes nothing.
import fc from "fast-check"
import type { Transfer } from "../../../src/domain/Transaction.ts"
import { type LedgerModel, type LedgerReal, expectMatchesModel, expectRejected } from "./Model.ts"

export class TransferReplay implements fc.Command<LedgerModel, LedgerReal> {
  constructor(readonly which: number) {}
  check(m: Readonly<LedgerModel>): boolean {
    return m.applied.length > 0
  }
  run(m: LedgerModel, r: LedgerReal): void {
    const tx = m.applied[this.which % m.applied.length] as Transfer
    expectRejected(r, tx, "TX_BAD_NONCE")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `TransferReplay(#${this.which})`
  }
}

export const transferReplay = fc.nat().map((i) => new TransferReplay(i))
