// Codecs for every wire type (spec/02-encoding.md).
import { BeaconEntry, BeaconInput } from "../domain/Beacon.ts"
import { Block, BlockBody, BlockHeader } from "../domain/Block.ts"
import {
  CommitCertificate,
  Evidence,
  Precommit,
  Prevote,
  ProposalHeader,
  UnsignedProposalHeader,
  UnsignedVote,
  Vote,
} from "../domain/Consensus.ts"
import { Message } from "../domain/Message.ts"
import { Transfer, UnsignedTransfer } from "../domain/Transaction.ts"
import {
  AuditReport,
  TaskSpec,
  UnsignedAuditReport,
  UnsignedWorkCommitment,
  UnsignedWorkReveal,
  WorkClaim,
  WorkCommitment,
  WorkReveal,
} from "../domain/Work.ts"
import { ScoreCommitment, ScoreReveal, UnsignedScoreCommitment, UnsignedScoreReveal } from "../domain/Scoring.ts"
import { makeCodec } from "./Codec.ts"

export const Codecs = {
  Transfer: makeCodec("Transfer", Transfer),
  UnsignedTransfer: makeCodec("UnsignedTransfer", UnsignedTransfer),
  TaskSpec: makeCodec("TaskSpec", TaskSpec),
  WorkClaim: makeCodec("WorkClaim", WorkClaim),
  WorkCommitment: makeCodec("WorkCommitment", WorkCommitment),
  UnsignedWorkCommitment: makeCodec("UnsignedWorkCommitment", UnsignedWorkCommitment),
  WorkReveal: makeCodec("WorkReveal", WorkReveal),
  UnsignedWorkReveal: makeCodec("UnsignedWorkReveal", UnsignedWorkReveal),
  AuditReport: makeCodec("AuditReport", AuditReport),
  UnsignedAuditReport: makeCodec("UnsignedAuditReport", UnsignedAuditReport),
  ScoreCommitment: makeCodec("ScoreCommitment", ScoreCommitment),
  UnsignedScoreCommitment: makeCodec("UnsignedScoreCommitment", UnsignedScoreCommitment),
  ScoreReveal: makeCodec("ScoreReveal", ScoreReveal),
  UnsignedScoreReveal: makeCodec("UnsignedScoreReveal", UnsignedScoreReveal),
  ProposalHeader: makeCodec("ProposalHeader", ProposalHeader),
  UnsignedProposalHeader: makeCodec("UnsignedProposalHeader", UnsignedProposalHeader),
  Vote: makeCodec("Vote", Vote),
  Prevote: makeCodec("Prevote", Prevote),
  Precommit: makeCodec("Precommit", Precommit),
  UnsignedVote: makeCodec("UnsignedVote", UnsignedVote),
  BlockHeader: makeCodec("BlockHeader", BlockHeader),
  BlockBody: makeCodec("BlockBody", BlockBody),
  Block: makeCodec("Block", Block),
  CommitCertificate: makeCodec("CommitCertificate", CommitCertificate),
  BeaconEntry: makeCodec("BeaconEntry", BeaconEntry),
  BeaconInput: makeCodec("BeaconInput", BeaconInput),
  Evidence: makeCodec("Evidence", Evidence),
  Message: makeCodec("Message", Message),
} as const
export type CodecName = keyof typeof Codecs

/**
 * NODE-STEP.6, SIM-NET.7: a Message decoder memoized by the identity of the byte array, for drivers
 * that hand one array to several steps (a simulated broadcast to N nodes; a gossiped message checked by
 * the transport, then stepped). Sound because bytes in flight are never written to, so an array's
 * identity names its content; returns exactly what Codecs.Message.decode returns.
 */
export const memoizedMessageDecoder = (): ((bytes: Uint8Array) => ReturnType<typeof Codecs.Message.decode>) => {
  const decoded = new WeakMap<Uint8Array, ReturnType<typeof Codecs.Message.decode>>()
  return (bytes) => {
    let r = decoded.get(bytes)
    if (r === undefined) {
      r = Codecs.Message.decode(bytes)
      decoded.set(bytes, r)
    }
    return r
  }
}

export { DecodeError, makeCodec, type Codec } from "./Codec.ts"
