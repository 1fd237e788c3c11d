// spec: NET-MSG.1 (spec/01-data-types.md)
// The network envelope: everything a node receives from a peer is one of these, as canonical CBOR.
import { Schema } from "effect"
import { Block } from "./Block.ts"
import { CommitCertificate, Evidence, ProposalHeader, Vote } from "./Consensus.ts"
import { Uint } from "./Primitives.ts"
import { Transfer } from "./Transaction.ts"
import { AuditReport, WorkCommitment, WorkReveal } from "./Work.ts"
import { ScoreCommitment, ScoreReveal } from "./Scoring.ts"

export const ProposalMsg = Schema.Struct({
  type: Schema.Literal("proposal"),
  proposal: ProposalHeader,
  block: Block,
})
export const VoteMsg = Schema.Struct({ type: Schema.Literal("vote"), vote: Vote })
export const TxMsg = Schema.Struct({ type: Schema.Literal("tx"), tx: Transfer })
export const CommitmentMsg = Schema.Struct({ type: Schema.Literal("commitment"), commitment: WorkCommitment })
export const RevealMsg = Schema.Struct({ type: Schema.Literal("reveal"), reveal: WorkReveal })
export const ScoreCommitMsg = Schema.Struct({ type: Schema.Literal("score-commit"), commitment: ScoreCommitment })
export const ScoreRevealMsg = Schema.Struct({ type: Schema.Literal("score-reveal"), reveal: ScoreReveal })
export const AuditMsg = Schema.Struct({ type: Schema.Literal("audit"), audit: AuditReport })
export const EvidenceMsg = Schema.Struct({ type: Schema.Literal("evidence"), evidence: Evidence })
/** Ask a peer for the committed block at `height` (catch-up). */
export const SyncRequestMsg = Schema.Struct({ type: Schema.Literal("sync-request"), height: Uint })
/** A committed block with the certificate that commits it. */
export const SyncResponseMsg = Schema.Struct({
  type: Schema.Literal("sync-response"),
  block: Block,
  commit: CommitCertificate,
})

export const Message = Schema.Union(
  ProposalMsg,
  VoteMsg,
  TxMsg,
  CommitmentMsg,
  RevealMsg,
  EvidenceMsg,
  AuditMsg,
  ScoreCommitMsg,
  ScoreRevealMsg,
  SyncRequestMsg,
  SyncResponseMsg,
).annotations({ identifier: "Message" })
export type Message = typeof Message.Type
