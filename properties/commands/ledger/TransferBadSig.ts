// spec: LEDGER-TX.2 — invalid twin of TransferValid: an otherwise valid transfer whose signature does not
// verify under `from` (one bit flipped, or signed by another key) is rejected with TX_BAD_SIGNATURE and
// changes nothing.
import fc from "fast-check"
import { SigningBytes, omitSignature } from "../../../src/codec/Hashing.ts"
import { type Key, type LedgerModel, type LedgerReal, MIN_FEE, RECIPIENTS, SENDERS, ctx, expectMatchesModel, expectRejected, modelAccount, pick, sign } from "./Model.ts"

export class TransferBadSig implements fc.Command<LedgerModel, LedgerReal> {
  constructor(
    readonly from: Key,
    readonly to: Key,
    readonly how: { readonly flipBit: number } | { readonly signer: Key },
  ) {}
  check(m: Readonly<LedgerModel>): boolean {
    const a = modelAccount(m, this.from)
    return a !== undefined && a.balance >= MIN_FEE + 1 && ("flipBit" in this.how || this.how.signer.hex !== this.from.hex)
  }
  run(m: LedgerModel, r: LedgerReal): void {
    const a = modelAccount(m, this.from)!
    const good = sign(this.from, { to: this.to, amount: 1, fee: MIN_FEE, nonce: a.nonce })
    let signature: Uint8Array
    if ("flipBit" in this.how) {
      signature = new Uint8Array(good.signature)
      const bit = this.how.flipBit % 512
      signature[bit >> 3] = (signature[bit >> 3] as number) ^ (1 << (bit & 7))
    } else signature = ctx.crypto.ed25519.sign(SigningBytes.transfer(omitSignature(good)), this.how.signer.secretKey)
    expectRejected(r, { ...good, signature }, "TX_BAD_SIGNATURE")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `TransferBadSig(${this.from.name} -> ${this.to.name}, ${"flipBit" in this.how ? `bit ${this.how.flipBit % 512}` : `signed by ${this.how.signer.name}`})`
  }
}

export const transferBadSig = fc
  .record({
    from: fc.nat(),
    to: fc.nat(),
    how: fc.oneof(fc.record({ flipBit: fc.nat() }), fc.nat().map((i) => ({ signer: pick(SENDERS, i) }))),
  })
  .map(({ from, to, how }) => new TransferBadSig(pick(SENDERS, from), pick(RECIPIENTS, to), how))
