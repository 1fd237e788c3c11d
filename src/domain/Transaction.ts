// spec: DT-TX.1 (spec/01-data-types.md), LEDGER-TX.* (spec/05-ledger.md)
import { Schema } from "effect"
import { ChainId, PubKey, Signature, Uint } from "./Primitives.ts"

/** Signed transfer of `amount` base units from `from` to `to`; `nonce` must equal the sender's next nonce. */
export const Transfer = Schema.Struct({
  chainId: ChainId,
  from: PubKey,
  to: PubKey,
  amount: Uint,
  fee: Uint,
  nonce: Uint,
  signature: Signature,
}).annotations({ identifier: "Transfer" })
export type Transfer = typeof Transfer.Type

/** The fields a transfer's signature covers (everything but the signature). */
export const UnsignedTransfer = Transfer.pipe(Schema.omit("signature"))
export type UnsignedTransfer = typeof UnsignedTransfer.Type
