// spec: NODE-STATE.1 (spec/03-consensus.md §Node). The complete state of one node; treated as immutable.
import type { Block } from "../domain/Block.ts"
import type { CommitCertificate, Evidence, ProposalHeader, Vote } from "../domain/Consensus.ts"
import type { Message } from "../domain/Message.ts"
import type { Transfer } from "../domain/Transaction.ts"
import type { AuditReport, WorkClaim, WorkCommitment, WorkReveal } from "../domain/Work.ts"
import type { ScoreCommitment, ScoreReveal } from "../domain/Scoring.ts"
import type { BeaconEntry } from "../domain/Beacon.ts"
import type { ChainState, Hex } from "./ChainState.ts"
import type { Genesis } from "./Genesis.ts"
import type { PowerTable } from "./Votes.ts"

/** "newHeight": the commit wait after a decision, before round 0 of the next height (CONS-COMMITWAIT.1). */
export type Step = "newHeight" | "propose" | "prevote" | "precommit"

export interface NodeKeys {
  /** Ed25519 secret key (32-byte seed). */
  readonly secretKey: Uint8Array
  readonly pubKey: Uint8Array
  readonly pubHex: Hex
  /** Seed of the BLS key (CRYPTO-3). */
  readonly blsSecret: Uint8Array
}

/** A block and its hash (the consensus value). */
export interface BlockRef {
  readonly block: Block
  readonly blockHash: Hex
}

export type VoteBook = ReadonlyMap<number, ReadonlyMap<Hex, ReadonlyArray<Vote>>>

/** CONS-VOTE.2: bound on distinct values kept per (validator, round, type). */
export const MAX_VALUES_PER_SLOT = 4

/** NODE-RETRANSMIT.9: while a height is quiet, own pooled items are re-sent at most every 32 gossip ticks. */
export const ITEM_BACKOFF_MAX_TICKS = 32

/** NODE-MEMPOOL.5: at most this many of a node's own work commitments wait in its mempool for a block. */
export const MAX_OWN_PENDING_COMMITMENTS = 16

export interface ProposalRecord extends BlockRef {
  readonly header: ProposalHeader
}

export type Validity = { readonly ok: true; readonly state: ChainState } | { readonly ok: false; readonly code: string }

export interface ConsensusState {
  readonly height: number
  readonly round: number
  readonly step: Step
  readonly lockedValue: BlockRef | null
  readonly lockedRound: number
  readonly validValue: BlockRef | null
  readonly validRound: number
  /** First proposal from the proposer of each round. */
  readonly proposals: ReadonlyMap<number, ProposalRecord>
  /**
   * Votes by round and validator. Like the messages of Tendermint's Algorithm 1, votes are counted per
   * value: an equivocating validator's votes for different values each count toward their own value
   * (at most MAX_VALUES_PER_SLOT values are kept per validator and slot). CONS-VOTE.2.
   */
  readonly prevotes: VoteBook
  readonly precommits: VoteBook
  /**
   * Highest round each validator has sent an authenticated proposal or vote for at this height,
   * including rounds beyond maxRoundAhead that are not stored (CONS-ROUNDSKIP.1).
   */
  readonly roundHints: ReadonlyMap<Hex, number>
  /** "for the first time" guards of the algorithm, e.g. "lock:3", "tprevote:3". */
  readonly once: ReadonlySet<string>
  /** Validation result per block hash (CONS-VALID.1 is evaluated once per block). */
  readonly validity: ReadonlyMap<Hex, Validity>
  /** Voting power of this height. */
  readonly table: PowerTable
}

export interface PendingWork {
  readonly claim: WorkClaim
  readonly salt: Uint8Array
  readonly commitment: Hex
  readonly revealed: boolean
}

export interface Mempool {
  readonly txs: ReadonlyMap<Hex, Transfer>
  /** By registry key worker || commitment (WORK-CR.1, NODE-MEMPOOL.1). */
  readonly commitments: ReadonlyMap<Hex, WorkCommitment>
  /** By the registry key of the commitment each reveal opens (NODE-MEMPOOL.1). */
  readonly reveals: ReadonlyMap<Hex, WorkReveal>
  readonly evidence: ReadonlyMap<Hex, Evidence>
  /** Audit reports by work id (VER-AUDIT.5, NODE-AUDIT.1). */
  readonly audits: ReadonlyMap<Hex, AuditReport>
  /** Score commitments and reveals by evaluator || claim id (NODE-SCORE.2). */
  readonly scoreCommits: ReadonlyMap<Hex, ScoreCommitment>
  readonly scoreReveals: ReadonlyMap<Hex, ScoreReveal>
}

export interface NodeState {
  readonly keys: NodeKeys
  readonly genesis: Genesis
  readonly started: boolean
  readonly chain: ChainState
  readonly cons: ConsensusState
  readonly mempool: Mempool
  /** Messages for height + 1 received early (NODE-BUFFER.1). */
  readonly future: ReadonlyArray<Message>
  /** Committed blocks and their certificates, for catch-up of peers (NODE-SYNC.1). */
  readonly blocks: ReadonlyMap<number, { readonly block: Block; readonly cert: CommitCertificate }>
  /** Certificate of chain.height, to be placed in the next block. */
  readonly lastCommit: CommitCertificate | null
  /** This node's own work claims, by commitment (WORK-CR.8). */
  readonly work: ReadonlyMap<Hex, PendingWork>
  /** The node's beacon entry for the height it is deciding, computed once. */
  readonly beacon: BeaconEntry | null
  /** Evidence keys already produced or seen, to report each equivocation once. */
  readonly evidenceSeen: ReadonlySet<string>
  /** Height for which a sync request is outstanding (NODE-SYNC.2), -1 if none. */
  readonly syncRequested: number
  /** A peer seen sending messages for a later height (NODE-SYNC.2), -1 if none. */
  readonly aheadPeer: number
  /**
   * NODE-RETRANSMIT.9: consecutive gossip ticks of this height at which the node had seen nothing new
   * of its height (same round, same votes and proposals as at the tick before); own pooled items are
   * re-sent only at exponentially spaced quiet ticks. Scheduling, not protocol state: left out of
   * nodeDigest, reset when a height is decided.
   */
  readonly gossipQuiet: number
  /** NODE-RETRANSMIT.9: what the node had seen of its height at the last gossip tick ("" before the first). */
  readonly gossipMark: string
  /**
   * NODE-RETRANSMIT.11: the gossip ticks each own pooled item (commitment, reveal, audit report, score
   * commitment, score reveal; keyed by a kind letter and its mempool id) has been waiting. Scheduling,
   * not protocol state: left out of nodeDigest; an item leaves it with the first tick after it left the pool.
   */
  readonly itemAges: ReadonlyMap<string, number>
  /**
   * NODE-AUDIT.1: the claims of finalized reveals whose audit is not settled yet (undecided or
   * pending) or whose scoring round is not finalized, by work id: what this node re-executes if the
   * beacon makes it the auditor, and scores if it sits on the claim's committee (NODE-SCORE.1).
   */
  /**
   * Ids of transfers this node's own client submitted, re-gossiped until included or dropped
   * (NODE-RETRANSMIT.1), with the gossip ticks since submission (NODE-RETRANSMIT.10; scheduling: only
   * the ids are in `nodeDigest`).
   */
  readonly clientTxs: ReadonlyMap<Hex, number>
  readonly auditable: ReadonlyMap<Hex, WorkClaim>
}
