// spec: CONS-VOTE.1, CONS-COMMIT.1..2, CONS-POWER.1..2 (spec/03-consensus.md)
import { toHex } from "../codec/Bytes.ts"
import { SigningBytes, omitSignature } from "../codec/Hashing.ts"
import type { CryptoService } from "../crypto/Crypto.ts"
import type { CommitCertificate, ProposalHeader, UnsignedVote, Vote } from "../domain/Consensus.ts"
import { type ChainState, type Hex, votingSet } from "./ChainState.ts"
import { type ProtocolError, reject } from "./Errors.ts"

/**
 * CONS-POWER.1..2: each validator's power is its stake (a safe integer, as every ledger amount); sums and
 * the threshold comparisons are exact bigint arithmetic, whatever the total.
 */
export interface PowerTable {
  /** Power per validator key, in the order of the validators' public-key bytes (votingSet's order). */
  readonly power: ReadonlyMap<Hex, number>
  readonly total: bigint
}

export const powerTable = (s: ChainState): PowerTable => {
  // CONS-POWER.4: a function of the (immutable) chain state, computed once per state object: every
  // node that decided a block holds the same post-state, and each built its table from it (issue 12)
  let t = tables.get(s)
  if (t === undefined) {
    const power = new Map<Hex, number>()
    let total = 0n
    for (const v of votingSet(s)) {
      power.set(v.key, v.power)
      total += BigInt(v.power)
    }
    t = { power, total }
    tables.set(s, t)
  }
  return t
}
const tables = new WeakMap<ChainState, PowerTable>()

/** Quorum (CONS-POWER.2): strictly more than 2/3 of the total power: 3 * p > 2 * total, in exact integers. */
export const isQuorum = (p: bigint, total: bigint): boolean => 3n * p > 2n * total
/** Skip threshold (CONS-POWER.3, CONS-ROUNDSKIP.1): strictly more than 1/3 of the total power, exact. */
export const isOneThird = (p: bigint, total: bigint): boolean => 3n * p > total

/**
 * CONS-POWER.5: the two thresholds of a power table as single comparisons: for integers p, T >= 0,
 * 3p > 2T iff p > floor(2T / 3), and 3p > T iff p > floor(T / 3) (isQuorum, isOneThird). Computed once
 * per table: the upon-rules test quorums several times per delivered vote, and each `3n * p` built
 * new bigints (issue 12). test/core/Thresholds.test.ts checks the equivalence.
 */
export interface Thresholds {
  /** A power p is a quorum iff p > quorum. */
  readonly quorum: bigint
  /** A power p is more than one third iff p > oneThird. */
  readonly oneThird: bigint
}
const thresholdMemo = new WeakMap<PowerTable, Thresholds>()
export const thresholds = (t: PowerTable): Thresholds => {
  let x = thresholdMemo.get(t)
  if (x === undefined) {
    x = { quorum: (2n * t.total) / 3n, oneThird: t.total / 3n }
    thresholdMemo.set(t, x)
  }
  return x
}

/**
 * NODE-STEP.9: a signature check of a vote or proposal header is memoized by the identity of the
 * (immutable) object and of the crypto service, like score items (QUAL-SCORE.11): a decoded vote is
 * checked by every node that receives it, and its signing bytes were re-encoded for each.
 */
const verified = new WeakMap<CryptoService, WeakMap<object, boolean>>()
const memoVerify = (crypto: CryptoService, item: object, verify: () => boolean): boolean => {
  let m = verified.get(crypto)
  if (m === undefined) {
    m = new WeakMap()
    verified.set(crypto, m)
  }
  let ok = m.get(item)
  if (ok === undefined) {
    ok = verify()
    m.set(item, ok)
  }
  return ok
}

export const verifyVote = (crypto: CryptoService, v: Vote): boolean =>
  memoVerify(crypto, v, () => crypto.ed25519.verify(v.signature, SigningBytes.vote(omitSignature(v)), v.validator))

export const signVote = (crypto: CryptoService, sk: Uint8Array, v: UnsignedVote): Vote => ({
  ...v,
  signature: crypto.ed25519.sign(SigningBytes.vote(v), sk),
})

export const verifyProposal = (crypto: CryptoService, p: ProposalHeader): boolean =>
  memoVerify(crypto, p, () => crypto.ed25519.verify(p.signature, SigningBytes.proposal(omitSignature(p)), p.proposer))

/**
 * A commit certificate for a block at `s.height + 1`... or, for lastCommit checks, at `s.height` with
 * the power table of the state that decided it. Verifies: every signer is in the power table, no signer
 * twice, each signature is a valid precommit for (chainId, height, round, blockHash), and the signers
 * carry a quorum (CONS-COMMIT.2).
 */
export const verifyCertificate = (
  crypto: CryptoService,
  chainId: string,
  table: PowerTable,
  cert: CommitCertificate,
  expect: { readonly height: number; readonly blockHash: Uint8Array },
): ProtocolError | undefined => {
  if (cert.height !== expect.height) return reject("SYNC_BAD_CERTIFICATE", `height ${cert.height} != ${expect.height}`)
  if (toHex(cert.blockHash) !== toHex(expect.blockHash)) return reject("SYNC_BAD_CERTIFICATE", "block hash mismatch")
  const seen = new Set<Hex>()
  let p = 0n
  for (const cs of cert.signatures) {
    const k = toHex(cs.validator)
    const w = table.power.get(k)
    if (w === undefined) return reject("SYNC_BAD_CERTIFICATE", `unknown validator ${k.slice(0, 8)}`)
    if (seen.has(k)) return reject("SYNC_BAD_CERTIFICATE", `validator ${k.slice(0, 8)} twice`)
    seen.add(k)
    const vote: Vote = {
      chainId,
      type: "precommit",
      height: cert.height,
      round: cert.round,
      blockHash: cert.blockHash,
      validator: cs.validator,
      signature: cs.signature,
    }
    if (!verifyVote(crypto, vote)) return reject("SYNC_BAD_CERTIFICATE", `bad signature of ${k.slice(0, 8)}`)
    p += BigInt(w)
  }
  if (!isQuorum(p, table.total)) return reject("SYNC_BAD_CERTIFICATE", `power ${p} of ${table.total} is not > 2/3`)
  return undefined
}
