// spec: Validity (CONS-SAFETY.2), CONS-VALID.1, LEDGER-TX.1..6, WORK-CR.1..6 — an independent reference
// model of what a committed block may carry, used by the safety property next to validateBlock.
//
// It restates the item rules from the spec in the simplest form (running maps, no drafts, no shared code
// with src/core/Ledger.ts or src/core/WorkClaims.ts; only the hash and signing preimages of
// src/codec/Hashing.ts are reused, because those ARE the wire definition). A block an honest node
// commits must pass both validateBlock and this model: "carries only claims that passed the claim
// checks" and only transfers that passed the transfer checks.
import { bytesEqual, toHex } from "../../src/codec/Bytes.ts"
import { Hashes, SigningBytes, omitSignature } from "../../src/codec/Hashing.ts"
import type { ChainState, Hex } from "../../src/core/ChainState.ts"
import type { CoreContext } from "../../src/core/Context.ts"
import type { Block } from "../../src/domain/Block.ts"
import type { Evidence } from "../../src/domain/Consensus.ts"

interface ModelAccount {
  balance: number
  nonce: number
}
interface ModelClaim {
  readonly commitHeight: number
  readonly commitIndex: number
  readonly matured: boolean
}

const sameNullable = (a: Uint8Array | null, b: Uint8Array | null) => (a === null || b === null ? a === b : bytesEqual(a, b))

/** LEDGER-SLASH.2 in its plainest form: two validly signed, conflicting messages of one signer for one slot. */
const evidenceViolation = (ctx: CoreContext, s: ChainState, e: Evidence): string | undefined => {
  const ed = ctx.crypto.ed25519
  if (e.kind === "duplicate-vote") {
    const { a, b } = e
    if (!bytesEqual(a.validator, b.validator) || a.type !== b.type || a.height !== b.height || a.round !== b.round)
      return "evidence: votes for different slots"
    if (sameNullable(a.blockHash, b.blockHash)) return "evidence: votes do not conflict"
    if (!ed.verify(a.signature, SigningBytes.vote(omitSignature(a)), a.validator)) return "evidence: bad signature a"
    if (!ed.verify(b.signature, SigningBytes.vote(omitSignature(b)), b.validator)) return "evidence: bad signature b"
    if (!s.validators.has(toHex(a.validator))) return "evidence: not a validator"
  } else {
    const { a, b } = e
    if (!bytesEqual(a.proposer, b.proposer) || a.height !== b.height || a.round !== b.round) return "evidence: proposals for different slots"
    if (bytesEqual(a.blockHash, b.blockHash)) return "evidence: proposals do not conflict"
    if (!ed.verify(a.signature, SigningBytes.proposal(omitSignature(a)), a.proposer)) return "evidence: bad signature a"
    if (!ed.verify(b.signature, SigningBytes.proposal(omitSignature(b)), b.proposer)) return "evidence: bad signature b"
    if (!s.validators.has(toHex(a.proposer))) return "evidence: not a validator"
  }
  return undefined
}

/**
 * Every rule the reference model finds broken by the items of `block` applied to `prev` (the parent
 * state of the committing node). Empty = the block carries only valid transfers, commitments, reveals
 * and evidence.
 */
export const blockItemViolations = (ctx: CoreContext, prev: ChainState, block: Block): string[] => {
  const out: string[] = []
  const ed = ctx.crypto.ed25519
  const sha = ctx.crypto.sha256
  const h = block.header.height
  const p = prev.params
  const body = block.body

  for (const e of body.evidence) {
    const v = evidenceViolation(ctx, prev, e)
    if (v) out.push(`height ${h}: ${v}`)
  }

  // LEDGER-TX.1..6: running balances and nonces.
  const accounts = new Map<Hex, ModelAccount>()
  const acct = (k: Hex): ModelAccount | undefined => {
    let a = accounts.get(k)
    if (a === undefined) {
      const x = prev.accounts.get(k)
      if (x === undefined) return undefined
      a = { balance: x.balance, nonce: x.nonce }
      accounts.set(k, a)
    }
    return a
  }
  const proposer = toHex(block.header.proposer)
  body.txs.forEach((tx, i) => {
    const where = `height ${h} tx ${i}`
    if (tx.chainId !== prev.chainId) out.push(`${where}: chain id`)
    if (tx.amount < 1) out.push(`${where}: zero amount`)
    if (tx.fee < p.minFee) out.push(`${where}: fee below minFee`)
    if (!ed.verify(tx.signature, SigningBytes.transfer(omitSignature(tx)), tx.from)) out.push(`${where}: bad signature`)
    const from = acct(toHex(tx.from))
    if (from === undefined) return void out.push(`${where}: unknown sender`)
    if (tx.nonce !== from.nonce) out.push(`${where}: nonce ${tx.nonce}, expected ${from.nonce}`)
    if (from.balance < tx.amount + tx.fee) out.push(`${where}: insufficient funds`)
    from.balance -= tx.amount + tx.fee
    from.nonce += 1
    const toK = toHex(tx.to)
    const to = acct(toK) ?? { balance: 0, nonce: 0 }
    to.balance += tx.amount
    accounts.set(toK, to)
    const fees = acct(proposer) ?? { balance: 0, nonce: 0 }
    fees.balance += tx.fee
    accounts.set(proposer, fees)
  })

  // WORK-CR.1: commitments are signed by their worker, and the pair (worker, commitment value) is new
  // (the same value under another key is another registration). Records are found by their fields, not
  // by the implementation's map keys.
  const pair = (worker: Hex, commitment: Hex) => `${worker}/${commitment}`
  const recordOf = new Map([...prev.commitments.values()].map((r) => [pair(r.worker, r.commitment), r] as const))
  const registered = new Set<string>(recordOf.keys())
  body.commitments.forEach((c, i) => {
    const where = `height ${h} commitment ${i}`
    if (c.chainId !== prev.chainId) out.push(`${where}: chain id`)
    if (!ed.verify(c.signature, SigningBytes.workCommitment(omitSignature(c)), c.worker)) out.push(`${where}: bad signature`)
    const k = pair(toHex(c.worker), toHex(c.commitment))
    if (registered.has(k)) out.push(`${where}: duplicate commitment`)
    registered.add(k)
  })

  // WORK-CR.2..6: a reveal opens the revealer's own registration (worker, H(claim || worker || salt)),
  // finalized in an earlier block, within the reveal window, once; its work id is not held by an earlier
  // (or matured) commitment.
  const revealed = new Set<string>()
  const holders = new Map<Hex, ModelClaim>()
  const holder = (id: Hex): ModelClaim | undefined => holders.get(id) ?? prev.claims.get(id)
  body.reveals.forEach((r, i) => {
    const where = `height ${h} reveal ${i}`
    if (r.chainId !== prev.chainId) out.push(`${where}: chain id`)
    if (!ed.verify(r.signature, SigningBytes.workReveal(omitSignature(r)), r.worker)) out.push(`${where}: bad signature`)
    if (r.claim.task.computeUnits < 1) out.push(`${where}: invalid claim`)
    const k = pair(toHex(r.worker), toHex(Hashes.workCommitment(sha, r.claim, r.worker, r.salt)))
    const rec = recordOf.get(k) // commitments of this block have height h: never revealable here
    if (rec === undefined) return void out.push(`${where}: not committed by this worker in an earlier block`)
    if (h - rec.height > p.revealWindow) out.push(`${where}: reveal window closed`)
    if (rec.revealed || revealed.has(k)) out.push(`${where}: already revealed`)
    revealed.add(k)
    const id = toHex(Hashes.workId(sha, r.claim))
    const cur = holder(id)
    if (cur !== undefined) {
      const earlier = rec.height < cur.commitHeight || (rec.height === cur.commitHeight && rec.index < cur.commitIndex)
      if (cur.matured || !earlier) out.push(`${where}: work already claimed under an earlier commitment`)
    }
    holders.set(id, { commitHeight: rec.height, commitIndex: rec.index, matured: false })
  })
  return out
}
