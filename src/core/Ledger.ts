// spec: LEDGER-TX.1..6, LEDGER-REWARD.1..2, LEDGER-SLASH.1..3 (spec/05-ledger.md)
import { Either } from "effect"
import { toHex } from "../codec/Bytes.ts"
import { SigningBytes, omitSignature } from "../codec/Hashing.ts"
import type { Transfer } from "../domain/Transaction.ts"
import { type Account, type ChainState, type DraftState, type Hex, accountOf } from "./ChainState.ts"
import type { CoreContext } from "./Context.ts"
import { type ProtocolError, reject } from "./Errors.ts"
import { PPM } from "../domain/Primitives.ts"
import { itemMemo } from "./ItemMemo.ts"

/** NODE-STEP.10: a transfer's signature check, memoized per transfer object and crypto service. */
const txSignature = itemMemo<boolean>()

type Readable = ChainState | DraftState

/** Stateless checks of a transfer: chain id, amount, fee, signature (LEDGER-TX.1..2). */
export const checkTransferStateless = (ctx: CoreContext, s: Readable, tx: Transfer): ProtocolError | undefined => {
  if (tx.chainId !== s.chainId) return reject("TX_BAD_CHAIN", tx.chainId)
  if (tx.amount === 0) return reject("TX_ZERO_AMOUNT")
  if (tx.fee < s.params.minFee) return reject("TX_FEE_TOO_LOW", `fee ${tx.fee} < ${s.params.minFee}`)
  if (!txSignature(ctx.crypto, tx, () => ctx.crypto.ed25519.verify(tx.signature, SigningBytes.transfer(omitSignature(tx)), tx.from)))
    return reject("TX_BAD_SIGNATURE")
  return undefined
}

/** Stateful checks against the sender's account (LEDGER-TX.3..4). `nonce` must be exactly the next one. */
export const checkTransferStateful = (s: Readable, tx: Transfer): ProtocolError | undefined => {
  const from = s.accounts.get(toHex(tx.from))
  if (from === undefined) return reject("TX_UNKNOWN_SENDER")
  if (tx.nonce !== from.nonce) return reject("TX_BAD_NONCE", `expected ${from.nonce}, got ${tx.nonce}`)
  if (from.balance < tx.amount + tx.fee)
    return reject("TX_INSUFFICIENT_FUNDS", `balance ${from.balance} < ${tx.amount + tx.fee}`)
  return undefined
}

/**
 * Apply a transfer to a draft (LEDGER-TX.6): debit amount+fee, credit amount, bump nonce, fee to
 * `feeSink` (the block proposer). Returns the error and leaves the draft untouched on failure.
 */
export const applyTransfer = (
  ctx: CoreContext,
  d: DraftState,
  tx: Transfer,
  feeSink: Hex,
  verifySignature = true,
): Either.Either<void, ProtocolError> => {
  const e1 = verifySignature ? checkTransferStateless(ctx, d, tx) : undefined
  if (e1) return Either.left(e1)
  const e2 = checkTransferStateful(d, tx)
  if (e2) return Either.left(e2)
  const fromK = toHex(tx.from)
  const toK = toHex(tx.to)
  const from = accountOf(d, fromK)
  d.accounts.set(fromK, { ...from, balance: from.balance - tx.amount - tx.fee, nonce: from.nonce + 1 })
  const to = accountOf(d, toK)
  d.accounts.set(toK, { ...to, balance: to.balance + tx.amount })
  credit(d, feeSink, tx.fee)
  d.totals.txs += 1
  return Either.right(undefined)
}

export const credit = (d: DraftState, k: Hex, amount: number): void => {
  if (amount === 0) return
  const a: Account = accountOf(d, k)
  d.accounts.set(k, { ...a, balance: a.balance + amount })
}

/**
 * Slashing entry point (LEDGER-SLASH.1): burn `ppm` of the validator's stake. Returns the amount burned.
 * Later issues (audits, evaluator penalties) call this with their own reasons.
 */
export const slash = (d: DraftState, validator: Hex, ppm: number): number => {
  const a = accountOf(d, validator)
  // LEDGER-SLASH.1: exact integer floor(stake * ppm / PPM). The product exceeds 2^53 for stakes above
  // ~9e9 units, where float arithmetic rounds and can burn one unit more than the exact value.
  const amount = Number((BigInt(a.stake) * BigInt(ppm)) / BigInt(PPM))
  const burned = amount === 0 && a.stake > 0 && ppm > 0 ? 1 : amount
  d.accounts.set(validator, { ...a, stake: a.stake - burned })
  d.totals.slashed += burned
  return burned
}

/**
 * Block reward (LEDGER-REWARD.1..2): `blockReward` is split among the workers whose claims matured in
 * this block, in proportion to their Q: worker i gets floor(R * Q_i / Q_total); the rounding dust and
 * the whole reward when no claim matured go to the proposer.
 */
export const distributeReward = (d: DraftState, matured: ReadonlyMap<Hex, number>, proposer: Hex): void => {
  const R = d.params.blockReward
  let total = 0
  for (const q of matured.values()) total += q
  let paid = 0
  if (total > 0) {
    for (const [worker, q] of [...matured.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const share = Number((BigInt(R) * BigInt(q)) / BigInt(total))
      credit(d, worker, share)
      paid += share
    }
  }
  credit(d, proposer, R - paid)
  d.totals.minted += R
}
