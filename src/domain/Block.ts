// spec: DT-BLOCK.1..3 (spec/01-data-types.md)
import { Schema } from "effect"
import { BeaconEntry } from "./Beacon.ts"
import { CommitCertificate, Evidence } from "./Consensus.ts"
import { ChainId, Hash32, PubKey, Round, Uint, boundedArray } from "./Primitives.ts"
import { Transfer } from "./Transaction.ts"
import { AuditReport, WorkCommitment, WorkReveal } from "./Work.ts"
import { ScoreCommitment, ScoreReveal } from "./Scoring.ts"

export const MAX_BLOCK_TXS = 2000
export const MAX_BLOCK_COMMITMENTS = 512
export const MAX_BLOCK_REVEALS = 512
export const MAX_BLOCK_EVIDENCE = 64
export const MAX_BLOCK_AUDITS = 512
export const MAX_BLOCK_SCORE_ITEMS = 4096

export const BlockHeader = Schema.Struct({
  chainId: ChainId,
  height: Uint,
  round: Round,
  prevHash: Hash32,
  proposer: PubKey,
  /** Hash of the BlockBody (canonical bytes). */
  bodyHash: Hash32,
  /** State root after applying this block (LEDGER-ROOT.1). */
  stateRoot: Hash32,
  beacon: BeaconEntry,
}).annotations({ identifier: "BlockHeader" })
export type BlockHeader = typeof BlockHeader.Type

export const BlockBody = Schema.Struct({
  txs: boundedArray(Transfer, MAX_BLOCK_TXS),
  commitments: boundedArray(WorkCommitment, MAX_BLOCK_COMMITMENTS),
  reveals: boundedArray(WorkReveal, MAX_BLOCK_REVEALS),
  evidence: boundedArray(Evidence, MAX_BLOCK_EVIDENCE),
  /** Audit reports of assigned auditors (VER-AUDIT.5). */
  audits: boundedArray(AuditReport, MAX_BLOCK_AUDITS),
  /** Sealed evaluator scores (QUAL-WIRE.2). */
  scoreCommits: boundedArray(ScoreCommitment, MAX_BLOCK_SCORE_ITEMS),
  scoreReveals: boundedArray(ScoreReveal, MAX_BLOCK_SCORE_ITEMS),
  /** Commit certificate of the previous height (null at height 1). */
  lastCommit: Schema.NullOr(CommitCertificate),
}).annotations({ identifier: "BlockBody" })
export type BlockBody = typeof BlockBody.Type

export const Block = Schema.Struct({
  header: BlockHeader,
  body: BlockBody,
}).annotations({ identifier: "Block" })
export type Block = typeof Block.Type
