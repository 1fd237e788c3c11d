// spec: CONF-SUITE.1..4 (conformance/docs/state_transition.md); LEDGER-SNAPSHOT.1..4, LEDGER-TX.1..6,
// LEDGER-BLOCK.1..2, LEDGER-REWARD.1..2, LEDGER-SLASH.1..4 (spec/05), WORK-CR.1..7 (spec/06),
// VER-AUDIT.2..10 (spec/11), QUAL-SCORE.6..7, QUAL-WIRE.1..6 (spec/17), CONS-VALID.1..3 (spec/03)
// Handlers of the "state_transition" suite (conformance/vectors/state_transition/<handler>/):
// ledger transitions (this file: canonical pre-state snapshot + one operation -> post-state snapshot
// and root, or the reject code, after ethereum/consensus-spec-tests' operations and sanity tests) and
// the quality/economics functions (state_transition_quality.ts). Every `run` decodes the pre-state
// snapshot and the operation's canonical bytes and applies the implementation's own functions.
import { Either } from "effect"
import { toHex } from "../../codec/Bytes.ts"
import type { Codec, DecodeError } from "../../codec/Codec.ts"
import { Codecs } from "../../codec/index.ts"
import { applyAuditReport, decideAudits, expireAudits } from "../../core/Audits.ts"
import { validateBlock } from "../../core/BlockExecution.ts"
import { type ChainState, type DraftState, type Hex, cloneState, stateRoot } from "../../core/ChainState.ts"
import { type CoreContext, provisionalQuality } from "../../core/Context.ts"
import type { ProtocolError } from "../../core/Errors.ts"
import { applyEvidence } from "../../core/Evidence.ts"
import { applyTransfer, distributeReward } from "../../core/Ledger.ts"
import { applyScoreCommitItem, applyScoreRevealItem, finalizeRounds, openRounds, payBlockReward } from "../../core/QualityRounds.ts"
import { decodeSnapshotHex, encodeSnapshot } from "../../core/Snapshot.ts"
import { applyCommitment, applyReveal, matureClaims } from "../../core/WorkClaims.ts"
import { nodeCryptoService } from "../../crypto/NodeCrypto.ts"
import { type QualityParams, defaultQualityParams, validateQualityParams } from "../../quality/QualityParams.ts"
import {
  ConformanceInputError,
  arr,
  field,
  genericCases,
  hex,
  hexField,
  str,
  type CaseResult,
  type HandlerDef,
  type Json,
  type JsonObject,
} from "../Types.ts"
import { handlers as quality } from "./state_transition_quality.ts"

export const LEDGER_SUITE = "state_transition"
export const LEDGER_FORMAT_VERSION = "1"

const crypto = nodeCryptoService
const sha256 = crypto.sha256

// ------------------------------------------------------------------------------------------------
// Input helpers

/** The pre-state: a canonical snapshot (LEDGER-SNAPSHOT.1). Vectors only carry valid ones. */
const preState = (input: Json): ChainState => {
  const s = decodeSnapshotHex(str(input, "pre"))
  if (Either.isLeft(s)) throw new ConformanceInputError(`input field pre is not a state snapshot: ${s.left.message}`)
  return s.right
}

/** Reject code of operation bytes that do not decode (ERR-DECODE): DECODE_OVERSIZED, DECODE_MALFORMED, DECODE_NON_CANONICAL, DECODE_SCHEMA. */
export const decodeRejectCode = (e: DecodeError): string => `DECODE_${e.reason.toUpperCase().replace("-", "_")}`

/** Decode an operation's canonical bytes, or the reject its decoding answers. */
const operation = <A>(input: Json, name: string, codec: Codec<A>): Either.Either<A, CaseResult> =>
  Either.mapLeft(codec.decode(hexField(input, name)), (e) => ({ reject: decodeRejectCode(e) }))

const key32 = (v: Json, what: string): Hex => {
  if (typeof v !== "string" || !/^[0-9a-f]{64}$/.test(v)) throw new ConformanceInputError(`${what} is not 32 bytes of lowercase hex`)
  return v
}
const safeUint = (v: Json, what: string): number => {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new ConformanceInputError(`${what} is not an unsigned safe integer`)
  return v
}

/** `scoring`: null (Q(W) = v(t), QUAL-SEAM.2) or the chain's QualityParams (LEDGER-GENESIS.3). */
export const scoringField = (input: Json): QualityParams | null => {
  const v = field(input, "scoring")
  if (v === null) return null
  if (typeof v !== "object" || Array.isArray(v)) throw new ConformanceInputError("input field scoring is not null or an object")
  const o = v as JsonObject
  const names = Object.keys(defaultQualityParams)
  for (const k of Object.keys(o)) if (!names.includes(k)) throw new ConformanceInputError(`input field scoring has unknown field ${k}`)
  const p = Object.fromEntries(
    names.map((k) => {
      const x = o[k]
      if (k === "aggregator") {
        if (x !== "trimmed-mean" && x !== "yuma") throw new ConformanceInputError("scoring.aggregator is not trimmed-mean or yuma")
        return [k, x]
      }
      return [k, safeUint(x ?? null, `scoring.${k}`)]
    }),
  ) as unknown as QualityParams
  const errs = validateQualityParams(p)
  if (errs.length > 0) throw new ConformanceInputError(`input field scoring: ${errs[0]}`)
  return p
}

/** The context of a transition: this implementation's crypto, Q(W) = v(t) or committee scoring, no attestation (v1). */
const contextFor = (scoring: QualityParams | null): CoreContext => ({
  crypto,
  quality: provisionalQuality,
  ...(scoring !== null ? { scoring } : {}),
})

/** The output every ledger handler shares: post-state snapshot and its root (LEDGER-SNAPSHOT.2). */
const postOf = (d: ChainState | DraftState): JsonObject => ({ post: hex(encodeSnapshot(d)), root: hex(stateRoot(sha256, d)) })

const rejectOf = (e: ProtocolError): CaseResult => ({ reject: e.code })

/** Pairs [key, value] sorted by key. */
const pairs = <V>(m: ReadonlyMap<Hex, V>, f: (v: V) => Json): Json => [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, v]) => [k, f(v)])

const def = (handler: string, description: string, spec: ReadonlyArray<string>, run: (input: Json) => CaseResult): HandlerDef => ({
  suite: LEDGER_SUITE,
  handler,
  description,
  spec,
  formatVersion: LEDGER_FORMAT_VERSION,
  cases: genericCases,
  run,
})

// ------------------------------------------------------------------------------------------------
// Handlers

/** LEDGER-TX.1..6: one transfer in the next block, fees to `proposer`. */
export const runTransfer = (input: Json): CaseResult => {
  const s = preState(input)
  const proposer = key32(field(input, "proposer"), "input field proposer")
  const tx = operation(input, "tx", Codecs.Transfer)
  if (Either.isLeft(tx)) return tx.left
  const d = cloneState(s)
  const r = applyTransfer(contextFor(null), d, tx.right, proposer)
  return Either.isLeft(r) ? rejectOf(r.left) : { output: postOf(d) }
}

/** WORK-CR.1: one work commitment at position `index` of block pre.height + 1. */
export const runWorkCommit = (input: Json): CaseResult => {
  const s = preState(input)
  const index = safeUint(field(input, "index"), "input field index")
  const c = operation(input, "commitment", Codecs.WorkCommitment)
  if (Either.isLeft(c)) return c.left
  const d = cloneState(s)
  const e = applyCommitment(contextFor(null), d, c.right, s.height + 1, index)
  return e ? rejectOf(e) : { output: postOf(d) }
}

/** WORK-CR.2..6: one reveal in block pre.height + 1 (Q fixed at reveal, or scored later when `scoring`). */
export const runWorkReveal = (input: Json): CaseResult => {
  const s = preState(input)
  const scoring = scoringField(input)
  const r = operation(input, "reveal", Codecs.WorkReveal)
  if (Either.isLeft(r)) return r.left
  const d = cloneState(s)
  const e = applyReveal(contextFor(scoring), d, r.right, s.height + 1)
  return e ? rejectOf(e) : { output: postOf(d) }
}

/**
 * LEDGER-BLOCK.1 steps 4c..6 of block h = pre.height + 1 with beacon value `beacon`: audit selection
 * (VER-AUDIT.2/3), scoring rounds opened (QUAL-WIRE.1), missed audits (VER-AUDIT.9), rounds finalized
 * (QUAL-WIRE.3/4), claims matured and expired commitments pruned (WORK-CR.7), the Q window (LE-WINDOW.1).
 */
export const runWorkExpiry = (input: Json): CaseResult => {
  const s = preState(input)
  const scoring = scoringField(input)
  const beacon = hexField(input, "beacon")
  if (beacon.length !== 32) throw new ConformanceInputError("input field beacon is not 32 bytes")
  const h = s.height + 1
  const d = cloneState(s)
  decideAudits(sha256, d, beacon, h)
  if (scoring) openRounds(sha256, scoring, d, beacon, h, false)
  expireAudits(d, h)
  const credits = scoring ? finalizeRounds(scoring, d, h, false) : new Map<Hex, bigint>()
  const matured = matureClaims(d, h)
  d.qWindow.push({ height: h, perWorker: matured })
  while (d.qWindow.length > d.params.qWindow) d.qWindow.shift()
  return { output: { ...postOf(d), matured: pairs(matured, (q) => q), credits: pairs(credits, (c) => c.toString()) } }
}

/** VER-AUDIT.5..8: one audit report in block pre.height + 1: passed (auditor paid) or failed (worker charged, claim voided). */
export const runAudit = (input: Json): CaseResult => {
  const s = preState(input)
  const a = operation(input, "report", Codecs.AuditReport)
  if (Either.isLeft(a)) return a.left
  const d = cloneState(s)
  const r = applyAuditReport(crypto, d, a.right, s.height + 1)
  return typeof r === "string" ? { output: { ...postOf(d), outcome: r } } : rejectOf(r)
}

/** LEDGER-SLASH.1..4: one equivocation evidence in block pre.height + 1. */
export const runEvidence = (input: Json): CaseResult => {
  const s = preState(input)
  const e = operation(input, "evidence", Codecs.Evidence)
  if (Either.isLeft(e)) return e.left
  const d = cloneState(s)
  const err = applyEvidence(crypto, d, e.right, s.height + 1)
  return err ? rejectOf(err) : { output: postOf(d) }
}

/** The SCORE_* code of spec/17 a scoring item failed with (the block-level code is SCORE_INVALID, QUAL-WIRE.2). */
const scoreRejectOf = (e: ProtocolError): CaseResult => ({ reject: e.scoring ?? e.code })

/** QUAL-SCORE.6, QUAL-WIRE.2: one score commitment in block pre.height + 1. */
export const runScoreCommit = (input: Json): CaseResult => {
  const s = preState(input)
  const c = operation(input, "commitment", Codecs.ScoreCommitment)
  if (Either.isLeft(c)) return c.left
  const d = cloneState(s)
  const e = applyScoreCommitItem(crypto, d, c.right, s.height + 1)
  return e ? scoreRejectOf(e) : { output: postOf(d) }
}

/** QUAL-SCORE.7, QUAL-WIRE.2: one score reveal in block pre.height + 1. */
export const runScoreReveal = (input: Json): CaseResult => {
  const s = preState(input)
  const r = operation(input, "reveal", Codecs.ScoreReveal)
  if (Either.isLeft(r)) return r.left
  const d = cloneState(s)
  const e = applyScoreRevealItem(crypto, d, r.right, s.height + 1)
  return e ? scoreRejectOf(e) : { output: postOf(d) }
}

/**
 * LEDGER-REWARD.1..2 (no scoring) or QUAL-WIRE.5 (scoring): step 7 of LEDGER-BLOCK.1 with the block's
 * matured Q per worker, evaluator credits, lastCommit signers (null: no lastCommit) and proposer.
 */
export const runRewards = (input: Json): CaseResult => {
  const s = preState(input)
  const scoring = scoringField(input)
  const proposer = key32(field(input, "proposer"), "input field proposer")
  const matured = new Map<Hex, number>()
  for (const [i, e] of arr(input, "matured").entries()) {
    if (!Array.isArray(e) || e.length !== 2) throw new ConformanceInputError(`matured[${i}] is not a pair`)
    const k = key32(e[0] as Json, `matured[${i}][0]`)
    if (matured.has(k)) throw new ConformanceInputError(`matured[${i}] repeats a worker`)
    matured.set(k, safeUint(e[1] as Json, `matured[${i}][1]`))
  }
  const credits = new Map<Hex, bigint>()
  for (const [i, e] of arr(input, "credits").entries()) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[1] !== "string" || !/^(0|[1-9][0-9]*)$/.test(e[1]))
      throw new ConformanceInputError(`credits[${i}] is not [key, decimal]`)
    const k = key32(e[0] as Json, `credits[${i}][0]`)
    if (credits.has(k)) throw new ConformanceInputError(`credits[${i}] repeats an evaluator`)
    credits.set(k, BigInt(e[1]))
  }
  const sv = field(input, "signers")
  let signers: Array<Hex> | undefined
  if (sv !== null) {
    if (!Array.isArray(sv)) throw new ConformanceInputError("input field signers is not null or an array")
    signers = sv.map((x, i) => key32(x as Json, `signers[${i}]`))
  }
  if (scoring === null && (credits.size > 0 || signers !== undefined))
    throw new ConformanceInputError("credits and signers are only meaningful with scoring (QUAL-WIRE.5)")
  const d = cloneState(s)
  if (scoring) payBlockReward(scoring, d, matured, credits, signers, proposer)
  else distributeReward(d, matured, proposer)
  return { output: postOf(d) }
}

/** CONS-VALID.1..3, LEDGER-BLOCK.1..2: a whole block proposed for pre.height + 1. */
export const runBlock = (input: Json): CaseResult => {
  const s = preState(input)
  const scoring = scoringField(input)
  const b = operation(input, "block", Codecs.Block)
  if (Either.isLeft(b)) return b.left
  const r = validateBlock(contextFor(scoring), s, b.right)
  return Either.isLeft(r) ? rejectOf(r.left) : { output: postOf(r.right) }
}

/** LEDGER-SNAPSHOT.1..3: decode a snapshot; its root, or the SNAPSHOT_* code. */
export const runSnapshot = (input: Json): CaseResult => {
  const s = decodeSnapshotHex(str(input, "snapshot"))
  if (Either.isLeft(s)) return { reject: s.left.code }
  return { output: { root: hex(stateRoot(sha256, s.right)), height: s.right.height, chainId: s.right.chainId } }
}

const ledger: ReadonlyArray<HandlerDef> = [
  def("snapshot", "Canonical state snapshot -> its state root, or the SNAPSHOT_* code of its decoding", ["LEDGER-SNAPSHOT.1", "LEDGER-SNAPSHOT.2", "LEDGER-SNAPSHOT.3", "LEDGER-ROOT.1"], runSnapshot),
  def("transfer", "Pre-state + one transfer (fees to the proposer) -> post-state and root, or the TX_* code", ["LEDGER-TX.1", "LEDGER-TX.2", "LEDGER-TX.3", "LEDGER-TX.4", "LEDGER-TX.5", "LEDGER-TX.6", "LEDGER-SNAPSHOT.4"], runTransfer),
  def("work_commit", "Pre-state + one work commitment at a block position -> post-state and root, or the WORK_* code", ["WORK-CR.1", "LEDGER-SNAPSHOT.4"], runWorkCommit),
  def("work_reveal", "Pre-state + one work reveal -> post-state and root, or the WORK_* code", ["WORK-CR.2", "WORK-CR.3", "WORK-CR.4", "WORK-CR.5", "WORK-CR.6", "QUAL-WIRE.1", "LEDGER-SNAPSHOT.4"], runWorkReveal),
  def("work_expiry", "Pre-state + the next block's beacon value -> the end-of-block work steps (audit selection, missed audits, scoring rounds, maturity, commitment expiry, Q window)", ["LEDGER-BLOCK.1", "WORK-CR.7", "VER-AUDIT.2", "VER-AUDIT.3", "VER-AUDIT.9", "VER-AUDIT.10", "QUAL-WIRE.1", "QUAL-WIRE.3", "QUAL-WIRE.4", "LE-WINDOW.1", "LEDGER-SNAPSHOT.4"], runWorkExpiry),
  def("audit", "Pre-state + one audit report -> post-state, root and outcome (passed, or failed: worker charged), or the AUDIT_* code", ["VER-AUDIT.5", "VER-AUDIT.6", "VER-AUDIT.7", "VER-AUDIT.8", "LEDGER-SNAPSHOT.4"], runAudit),
  def("evidence", "Pre-state + one equivocation evidence -> post-state (offender slashed) and root, or the EVIDENCE_* code", ["LEDGER-SLASH.1", "LEDGER-SLASH.2", "LEDGER-SLASH.3", "LEDGER-SLASH.4", "CONS-EVIDENCE.1", "LEDGER-SNAPSHOT.4"], runEvidence),
  def("score_commit", "Pre-state + one score commitment -> post-state and root, or the SCORE_* code", ["QUAL-SCORE.6", "QUAL-WIRE.2", "LEDGER-SNAPSHOT.4"], runScoreCommit),
  def("score_reveal", "Pre-state + one score reveal -> post-state and root, or the SCORE_* code", ["QUAL-SCORE.7", "QUAL-WIRE.2", "LEDGER-SNAPSHOT.4"], runScoreReveal),
  def("rewards", "Pre-state + matured Q, evaluator credits, lastCommit signers, proposer -> post-state after the block reward", ["LEDGER-REWARD.1", "LEDGER-REWARD.2", "QUAL-WIRE.5", "LEDGER-SNAPSHOT.4"], runRewards),
  def("block", "Pre-state + a whole block -> post-state and root, or the BLOCK_* code", ["CONS-VALID.1", "CONS-VALID.2", "CONS-VALID.3", "LEDGER-BLOCK.1", "LEDGER-BLOCK.2", "LEDGER-ROOT.1", "LEDGER-SNAPSHOT.4"], runBlock),
]

export const ledgerHandlers = ledger
export const handlers: ReadonlyArray<HandlerDef> = [...ledger, ...quality]

/** For generators: the snapshot hex of a state. */
export const snapshotHex = (s: ChainState | DraftState): string => toHex(encodeSnapshot(s))
