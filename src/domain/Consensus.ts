// spec: DT-CONS.1..5 (spec/01-data-types.md), CONS-* (spec/03-consensus.md)
import { Schema } from "effect"
import { ChainId, Hash32, PubKey, Round, RoundOrNone, Signature, Uint, boundedArray } from "./Primitives.ts"

export const VoteType = Schema.Literal("prevote", "precommit")
export type VoteType = typeof VoteType.Type

/** A prevote or precommit; `blockHash: null` is a vote for nil. */
export const Vote = Schema.Struct({
  chainId: ChainId,
  type: VoteType,
  height: Uint,
  round: Round,
  blockHash: Schema.NullOr(Hash32),
  validator: PubKey,
  signature: Signature,
}).annotations({ identifier: "Vote" })
export type Vote = typeof Vote.Type
export const UnsignedVote = Vote.pipe(Schema.omit("signature"))
export type UnsignedVote = typeof UnsignedVote.Type

/** Prevote: a Vote whose type is "prevote". */
export const Prevote = Vote.pipe(Schema.filter((v) => v.type === "prevote" || "expected a prevote"))
/** Precommit: a Vote whose type is "precommit". */
export const Precommit = Vote.pipe(Schema.filter((v) => v.type === "precommit" || "expected a precommit"))

/** What a proposer signs: the block is bound by its header hash. */
export const ProposalHeader = Schema.Struct({
  chainId: ChainId,
  height: Uint,
  round: Round,
  validRound: RoundOrNone,
  blockHash: Hash32,
  proposer: PubKey,
  signature: Signature,
}).annotations({ identifier: "ProposalHeader" })
export type ProposalHeader = typeof ProposalHeader.Type
export const UnsignedProposalHeader = ProposalHeader.pipe(Schema.omit("signature"))
export type UnsignedProposalHeader = typeof UnsignedProposalHeader.Type

export const MAX_VALIDATORS = 1024

/** One precommit inside a commit certificate (the rest of the vote is implied by the certificate). */
export const CommitSig = Schema.Struct({
  validator: PubKey,
  signature: Signature,
}).annotations({ identifier: "CommitSig" })
export type CommitSig = typeof CommitSig.Type

/** Commit certificate: precommits for `blockHash` at (height, round) carrying > 2/3 of the power (CONS-COMMIT.2). */
export const CommitCertificate = Schema.Struct({
  height: Uint,
  round: Round,
  blockHash: Hash32,
  signatures: boundedArray(CommitSig, MAX_VALIDATORS),
}).annotations({ identifier: "CommitCertificate" })
export type CommitCertificate = typeof CommitCertificate.Type

/** Equivocation evidence: two votes of one validator for the same (height, round, type), different values. */
export const DuplicateVoteEvidence = Schema.Struct({
  kind: Schema.Literal("duplicate-vote"),
  a: Vote,
  b: Vote,
}).annotations({ identifier: "DuplicateVoteEvidence" })

/** Equivocation evidence: two proposals of one proposer for the same (height, round), different blocks. */
export const DuplicateProposalEvidence = Schema.Struct({
  kind: Schema.Literal("duplicate-proposal"),
  a: ProposalHeader,
  b: ProposalHeader,
}).annotations({ identifier: "DuplicateProposalEvidence" })

export const Evidence = Schema.Union(DuplicateVoteEvidence, DuplicateProposalEvidence).annotations({
  identifier: "Evidence",
})
export type Evidence = typeof Evidence.Type
