// spec: ERR-* (spec/07-errors.md). Every rejection in the protocol is a ProtocolError value with a
// code from this catalogue; a rejected input never changes a node's state.
import { Data } from "effect"
import type { ScoringErrorCode } from "../quality/Scoring.ts"

export const ERROR_CODES = {
  // transactions (LEDGER-TX.*)
  TX_BAD_CHAIN: "transfer names another chain id",
  TX_BAD_SIGNATURE: "transfer signature does not verify under `from`",
  TX_UNKNOWN_SENDER: "sender has no account",
  TX_BAD_NONCE: "nonce is not the sender's next nonce (replay or gap)",
  TX_INSUFFICIENT_FUNDS: "balance below amount + fee",
  TX_FEE_TOO_LOW: "fee below minFee",
  TX_ZERO_AMOUNT: "amount is zero",
  TX_DUPLICATE: "transfer already in the mempool",
  // work claims (WORK-CR.*)
  WORK_BAD_CHAIN: "work message names another chain id",
  WORK_BAD_SIGNATURE: "work message signature does not verify under `worker`",
  WORK_DUPLICATE_COMMITMENT: "(worker, commitment) already registered",
  WORK_NOT_COMMITTED: "reveal has no (worker, commitment) registration finalized in an earlier block",
  WORK_REVEAL_EXPIRED: "reveal arrives after revealWindow blocks",
  WORK_ALREADY_REVEALED: "commitment already revealed",
  WORK_ALREADY_CLAIMED: "the same work is claimed under an earlier commitment",
  WORK_INVALID_CLAIM: "claim fails verification",
  AUDIT_BAD_CHAIN: "audit report names another chain id",
  AUDIT_BAD_SIGNATURE: "audit report signature does not verify under `auditor`",
  AUDIT_NOT_PENDING: "no claim with this work id awaits an audit",
  AUDIT_WRONG_AUDITOR: "the report's auditor is not the one assigned to the claim",
  AUDIT_EXPIRED: "the report arrives after the claim's audit due height",
  AUDIT_DUPLICATE: "a report for this claim is already in the mempool",
  AUDIT_MALFORMED: "the report's verdict and reason disagree (a pass names a reason, or a fail names none)",
  SCORE_INVALID: "a score commitment or reveal fails its scoring round (detail: the SCORE_* code of spec/17)",
  SCORE_DUPLICATE: "the same evaluator's commitment or reveal for this claim is already in the mempool",
  // evidence (LEDGER-SLASH.*)
  EVIDENCE_INVALID: "evidence is not two conflicting, validly signed messages of one validator",
  EVIDENCE_UNKNOWN_VALIDATOR: "evidence names a key that is not a validator",
  EVIDENCE_DUPLICATE: "this equivocation was already punished",
  EVIDENCE_EXPIRED: "evidence is older than the evidence window",
  // consensus messages (CONS-*)
  MSG_BAD_CHAIN: "message names another chain id",
  MSG_WRONG_HEIGHT: "message is for a height this node is not deciding",
  MSG_UNKNOWN_VALIDATOR: "signer is not in the validator set of that height",
  MSG_BAD_SIGNATURE: "signature does not verify",
  MSG_WRONG_PROPOSER: "proposal signed by a key that is not the proposer of (height, round)",
  MSG_DUPLICATE: "identical message already processed",
  MSG_CONFLICTING: "second, different message of the same signer for the same slot (kept as evidence)",
  MSG_MISMATCH: "proposal header does not match the block it carries",
  MSG_ROUND_TOO_FAR: "round is more than maxRoundAhead beyond the current round",
  MSG_UNEXPECTED: "message type not accepted from this source",
  MSG_BUFFER_FULL: "future-height buffer is full",
  MSG_MEMPOOL_FULL: "mempool is full",
  // blocks (DT-BLOCK.*, CONS-VALID.*)
  BLOCK_BAD_HEADER: "header fields do not extend the local chain",
  BLOCK_WRONG_PROPOSER: "header proposer is not the proposer of (height, round)",
  BLOCK_BAD_BEACON: "beacon entry invalid",
  BLOCK_BAD_BODY_HASH: "bodyHash does not match the body",
  BLOCK_BAD_LAST_COMMIT: "lastCommit is not a valid certificate for the previous block",
  BLOCK_BAD_TX: "a transfer in the block is invalid",
  BLOCK_BAD_WORK: "a commitment or reveal in the block is invalid",
  BLOCK_BAD_EVIDENCE: "evidence in the block is invalid",
  BLOCK_BAD_AUDIT: "an audit report in the block is invalid",
  BLOCK_BAD_SCORE: "a score commitment or reveal in the block is invalid",
  BLOCK_BAD_STATE_ROOT: "stateRoot does not match the state after applying the block",
  BLOCK_TOO_LARGE: "block exceeds a per-block limit",
  // genesis (LEDGER-GENESIS.4)
  GENESIS_MISMATCH: "this node cannot run this genesis: it is invalid, or the node's settings differ from it",
  // halt (CONS-HALT.1)
  CHAIN_HALTED: "the voting set of this height has no power (every stake was burnt): no block can be decided",
  // sync
  SYNC_BAD_CERTIFICATE: "commit certificate does not carry > 2/3 valid precommits for the block",
  SYNC_NOT_FOUND: "requested height is not stored",
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export class ProtocolError extends Data.TaggedError("ProtocolError")<{
  readonly code: ErrorCode
  readonly detail: string
  /** For SCORE_INVALID: the SCORE_* code of spec/17 the item failed with (QUAL-WIRE.2), typed, never read back from `detail`. */
  readonly scoring?: ScoringErrorCode
}> {
  /**
   * ERR-PROTOCOL.2: a rejection is a value, not a crash: no stack trace is captured (a simulated network
   * rejects tens of thousands of duplicate and wrong-height messages; capturing a stack for each cost
   * 4 % of its CPU). The error stays a typed ProtocolError (instanceof, _tag, code, detail).
   */
  constructor(args: { readonly code: ErrorCode; readonly detail: string; readonly scoring?: ScoringErrorCode }) {
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      super(args)
    } finally {
      Error.stackTraceLimit = limit
    }
  }

  override get message(): string {
    return `${this.code}: ${ERROR_CODES[this.code]}${this.detail ? ` (${this.detail})` : ""}`
  }
}

export const reject = (code: ErrorCode, detail = ""): ProtocolError => new ProtocolError({ code, detail })
