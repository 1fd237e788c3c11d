/**
 * The seam between a node process's persistence (Store, WAL, double-sign guard, recovery: NODE-STORE.*,
 * NODE-WAL.*) and its transport (libp2p, timers, HTTP API: NODE-P2P.*, NODE-API.*).
 *
 * A NodeHost owns the node's pure state and its store. The transport feeds it inputs one at a time
 * (never concurrently: it queues them) and transmits only what `handle` returns, after the promise
 * resolves: everything the node signed is durable before it leaves the process.
 */
import type { Block } from "../../domain/Block.ts"
import type { CommitCertificate } from "../../domain/Consensus.ts"
import type { CoreContext } from "../../core/Context.ts"
import type { Genesis } from "../../core/Genesis.ts"
import type { NodeInput, NodeOutput } from "../../core/Node.ts"
import type { NodeKeys, NodeState } from "../../core/NodeState.ts"

export interface CommittedBlock {
  readonly block: Block
  readonly cert: CommitCertificate
}

export interface NodeHost {
  /** The node's current state (read-only view for the API and metrics). */
  readonly state: () => NodeState
  /**
   * Recover from the store (committed blocks, then the WAL of the current height) or start fresh, then
   * deliver the `start` input. Returns the outputs to act on (timers to arm, messages to transmit).
   */
  readonly start: () => Promise<ReadonlyArray<NodeOutput>>
  /** Log the input durably, step, persist commits and own signatures, and return the outputs safe to act on. */
  readonly handle: (input: NodeInput) => Promise<ReadonlyArray<NodeOutput>>
  /** Committed block at a height, from the store. */
  readonly block: (height: number) => Promise<CommittedBlock | undefined>
  /** Own signatures the guard refused to release (must stay 0 for an honest node; counted for metrics). */
  readonly refusedSignatures: () => number
  /** NODE-RECOVER.7: what the last `start` recovered from (undefined before it). */
  readonly recovery?: () => RecoveryInfo | undefined
  readonly close: () => Promise<void>
}

export interface HostOptions {
  readonly ctx: CoreContext
  readonly genesis: Genesis
  readonly keys: NodeKeys
  /** Directory of the node's database (created when missing). */
  readonly dbPath: string
  /** NODE-STORE.8: write a state snapshot every this many committed heights (default 16; 0: never). */
  readonly snapshotInterval?: number
}

/** NODE-RECOVER.7: where the last recovery started: the snapshot height used (0: genesis) and the snapshots it had to skip. */
export interface RecoveryInfo {
  readonly from: number
  readonly skipped: ReadonlyArray<{ readonly height: number; readonly code: string; readonly detail: string }>
}
