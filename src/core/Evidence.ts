// spec: LEDGER-SLASH.1..4 (spec/05-ledger.md), CONS-EVIDENCE.1 (spec/03-consensus.md)
// Equivocation evidence: two validly signed, conflicting messages of one validator for one slot.
import { compareBytes, toHex } from "../codec/Bytes.ts"
import { Codecs } from "../codec/index.ts"
import type { CryptoService } from "../crypto/Crypto.ts"
import type { Evidence, ProposalHeader, Vote } from "../domain/Consensus.ts"
import type { ChainState, DraftState } from "./ChainState.ts"
import { type ProtocolError, reject } from "./Errors.ts"
import { slash } from "./Ledger.ts"
import { verifyProposal, verifyVote } from "./Votes.ts"

const sameHash = (a: Uint8Array | null, b: Uint8Array | null) =>
  a === null || b === null ? a === b : toHex(a) === toHex(b)

/** Canonical form (CONS-EVIDENCE.1): `a` is the one whose canonical encoding sorts first. */
export const makeVoteEvidence = (x: Vote, y: Vote): Evidence =>
  compareBytes(Codecs.Vote.encode(x), Codecs.Vote.encode(y)) <= 0
    ? { kind: "duplicate-vote", a: x, b: y }
    : { kind: "duplicate-vote", a: y, b: x }

export const makeProposalEvidence = (x: ProposalHeader, y: ProposalHeader): Evidence =>
  compareBytes(Codecs.ProposalHeader.encode(x), Codecs.ProposalHeader.encode(y)) <= 0
    ? { kind: "duplicate-proposal", a: x, b: y }
    : { kind: "duplicate-proposal", a: y, b: x }

/** The slot an evidence punishes: one punishment per (validator, height, round, kind). */
export const evidenceKey = (e: Evidence): string =>
  e.kind === "duplicate-vote"
    ? `${toHex(e.a.validator)}|${e.a.height}|${e.a.round}|${e.a.type}`
    : `${toHex(e.a.proposer)}|${e.a.height}|${e.a.round}|proposal`

export const offender = (e: Evidence): Uint8Array => (e.kind === "duplicate-vote" ? e.a.validator : e.a.proposer)
export const evidenceHeight = (e: Evidence): number => e.a.height

/** LEDGER-SLASH.2: checks everything about the evidence except whether it was already punished. */
export const checkEvidence = (
  crypto: CryptoService,
  s: ChainState | DraftState,
  e: Evidence,
  currentHeight: number,
): ProtocolError | undefined => {
  if (e.kind === "duplicate-vote") {
    const { a, b } = e
    if (a.chainId !== s.chainId || b.chainId !== s.chainId) return reject("EVIDENCE_INVALID", "chain id")
    if (toHex(a.validator) !== toHex(b.validator) || a.type !== b.type || a.height !== b.height || a.round !== b.round)
      return reject("EVIDENCE_INVALID", "votes are for different slots")
    if (sameHash(a.blockHash, b.blockHash)) return reject("EVIDENCE_INVALID", "votes do not conflict")
    if (compareBytes(Codecs.Vote.encode(a), Codecs.Vote.encode(b)) >= 0) return reject("EVIDENCE_INVALID", "not in canonical order")
    if (!verifyVote(crypto, a) || !verifyVote(crypto, b)) return reject("EVIDENCE_INVALID", "bad signature")
  } else {
    const { a, b } = e
    if (a.chainId !== s.chainId || b.chainId !== s.chainId) return reject("EVIDENCE_INVALID", "chain id")
    if (toHex(a.proposer) !== toHex(b.proposer) || a.height !== b.height || a.round !== b.round)
      return reject("EVIDENCE_INVALID", "proposals are for different slots")
    if (toHex(a.blockHash) === toHex(b.blockHash)) return reject("EVIDENCE_INVALID", "proposals do not conflict")
    if (compareBytes(Codecs.ProposalHeader.encode(a), Codecs.ProposalHeader.encode(b)) >= 0)
      return reject("EVIDENCE_INVALID", "not in canonical order")
    if (!verifyProposal(crypto, a) || !verifyProposal(crypto, b)) return reject("EVIDENCE_INVALID", "bad signature")
  }
  if (!s.validators.has(toHex(offender(e)))) return reject("EVIDENCE_UNKNOWN_VALIDATOR")
  const h = evidenceHeight(e)
  if (h > currentHeight) return reject("EVIDENCE_INVALID", `evidence for future height ${h}`)
  if (currentHeight - h > s.params.evidenceMaxAge) return reject("EVIDENCE_EXPIRED", `height ${h}`)
  return undefined
}

/** LEDGER-SLASH.1..3: apply evidence in a block at `height`: slash once per slot. */
export const applyEvidence = (crypto: CryptoService, d: DraftState, e: Evidence, height: number): ProtocolError | undefined => {
  const err = checkEvidence(crypto, d, e, height)
  if (err) return err
  const key = evidenceKey(e)
  if (d.punished.has(key)) return reject("EVIDENCE_DUPLICATE", key.slice(0, 24))
  d.punished.add(key)
  slash(d, toHex(offender(e)), d.params.slashEquivocationPpm)
  d.totals.evidence += 1
  return undefined
}
