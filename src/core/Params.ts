// spec: PARAMS (spec/00-parameters.md; each row cites its chapter)
// Protocol parameters. Values are integers in base units, blocks, rounds, ppm or virtual ms.

export interface Params {
  /** Base units minted per block and split among workers whose claims mature in it (LEDGER-REWARD.1). */
  readonly blockReward: number
  /** Minimum fee of a transfer, base units (LEDGER-TX.5). */
  readonly minFee: number
  /** Number of finalized blocks whose matured Q counts for leader election (LE-WINDOW.1). */
  readonly qWindow: number
  /** Rounds 0..qualityRounds-1 of a height draw the proposer by Q; later rounds by stake (LE-FALLBACK.2). */
  readonly qualityRounds: number
  /** A reveal must be included at most this many blocks after its commitment (WORK-CR.3). */
  readonly revealWindow: number
  /** Fraction of stake burned for proven equivocation, ppm (LEDGER-SLASH.2). */
  readonly slashEquivocationPpm: number
  /** Evidence older than this many blocks is rejected (LEDGER-SLASH.3). */
  readonly evidenceMaxAge: number
  readonly maxTxsPerBlock: number
  readonly maxCommitmentsPerBlock: number
  readonly maxRevealsPerBlock: number
  readonly maxEvidencePerBlock: number
  /** Virtual-time timeouts (CONS-TIMEOUT.1): timeout(r) = base + r * delta, in ms. */
  readonly timeoutProposeMs: number
  readonly timeoutPrevoteMs: number
  readonly timeoutPrecommitMs: number
  readonly timeoutDeltaMs: number
  /** Commit wait: after deciding height h a node starts round 0 of h + 1 this long later (CONS-COMMITWAIT.1; CometBFT's timeout_commit), ms. */
  readonly timeoutCommitMs: number
  /** Interval of the gossip tick that re-sends a node's messages of the current round (NODE-RETRANSMIT.1), ms. */
  readonly gossipIntervalMs: number
  /** Max mempool entries of each kind a node keeps (NODE-MEMPOOL.1). */
  readonly mempoolLimit: number
  /** Votes and proposals more than this many rounds ahead of the current round are dropped (CONS-ROUND.2). */
  readonly maxRoundAhead: number
  /** Max messages for height+1 a node buffers (NODE-BUFFER.1). */
  readonly futureBufferLimit: number
  /** Probability that a revealed claim is audited, ppm (VER-AUDIT.2; p of Theorem 4.1). */
  readonly auditPpm: number
  /** Blocks after selection within which the auditor's report is accepted (VER-AUDIT.5/9). */
  readonly auditWindow: number
  /** P of Theorem 4.1: base units charged to a worker whose claim fails its attestation or audit (VER-AUDIT.4/6). */
  readonly auditPenalty: number
  /** Base units minted to the auditor for each report settled (VER-AUDIT.7). */
  readonly auditReward: number
  /** Base units charged to an auditor that misses its due height (VER-AUDIT.9). */
  readonly auditMissPenalty: number
  readonly maxAuditsPerBlock: number
}

export const defaultParams: Params = {
  blockReward: 1_000_000,
  minFee: 1,
  qWindow: 32,
  qualityRounds: 2,
  revealWindow: 8,
  slashEquivocationPpm: 50_000,
  evidenceMaxAge: 100,
  maxTxsPerBlock: 500,
  maxCommitmentsPerBlock: 128,
  maxRevealsPerBlock: 128,
  maxEvidencePerBlock: 16,
  timeoutProposeMs: 300,
  timeoutPrevoteMs: 200,
  timeoutPrecommitMs: 200,
  timeoutDeltaMs: 100,
  timeoutCommitMs: 100,
  gossipIntervalMs: 1000,
  mempoolLimit: 5000,
  futureBufferLimit: 4096,
  maxRoundAhead: 64,
  auditPpm: 100_000,
  auditWindow: 4,
  auditPenalty: 10_000_000,
  auditReward: 10_000,
  auditMissPenalty: 50_000,
  maxAuditsPerBlock: 128,
}
