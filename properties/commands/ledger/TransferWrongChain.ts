// spec: LEDGER-TX.1 — invalid twin of TransferValid: a transfer signed for another chain id (a replay
// across chains) is rejected with TX_BAD_CHAIN and changes nothing.
import fc from "fast-check"
import { CHAIN_ID, type Key, type LedgerModel, type LedgerReal, MIN_FEE, RECIPIENTS, SENDERS, expectMatchesModel, expectRejected, modelAccount, pick, sign } from "./Model.ts"

export class TransferWrongChain implements fc.Command<LedgerModel, LedgerReal> {
  constructor(
    readonly from: Key,
    readonly to: Key,
    readonly chainId: string,
  ) {}
  check(m: Readonly<LedgerModel>): boolean {
    const a = modelAccount(m, this.from)
    return a !== undefined && a.balance >= MIN_FEE + 1 && this.chainId !== CHAIN_ID
  }
  run(m: LedgerModel, r: LedgerReal): void {
    const a = modelAccount(m, this.from)!
    expectRejected(r, sign(this.from, { to: this.to, amount: 1, fee: MIN_FEE, nonce: a.nonce, chainId: this.chainId }), "TX_BAD_CHAIN")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `TransferWrongChain(${this.from.name} -> ${this.to.name}, chain ${this.chainId})`
  }
}

export const transferWrongChain = fc
  .record({ from: fc.nat(), to: fc.nat(), chainId: fc.stringMatching(/^[a-z0-9-]{1,32}$/) })
  .map(({ from, to, chainId }) => new TransferWrongChain(pick(SENDERS, from), pick(RECIPIENTS, to), chainId))
