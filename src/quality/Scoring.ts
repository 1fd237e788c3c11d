// spec: QUAL-SCORE.1..10, NoScoreAfterSeeing (spec/17-quality-incentives.md; paper Algorithm 2 steps 2-3)
// Sealed scoring: commitments, reveals, their canonical bytes, and the pure per-claim state machine
// ScoringRound (commit phase, reveal phase, finalize). A rejected message never changes the round.
import { Data, Either } from "effect"
import { bytesEqual, concatBytes, toHex } from "../codec/Bytes.ts"
import { DOMAIN, canonicalEncode, tagged } from "../codec/Canonical.ts"
import { makeCodec } from "../codec/Codec.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import type { CryptoService } from "../crypto/Crypto.ts"
import { PPM } from "../domain/Primitives.ts"
import {
  ScoreCommitment,
  ScoreReveal,
  ScoreVector,
  UnsignedScoreCommitment,
  UnsignedScoreReveal,
} from "../domain/Scoring.ts"
import type { Committee, Hex } from "./Committee.ts"
import type { QualityParams } from "./QualityParams.ts"

export type Scores = ScoreVector
export const DIMENSIONS = ["correctness", "utility", "novelty"] as const

export const ScoringCodecs = {
  ScoreVector: makeCodec("ScoreVector", ScoreVector),
  ScoreCommitment: makeCodec("ScoreCommitment", ScoreCommitment),
  UnsignedScoreCommitment: makeCodec("UnsignedScoreCommitment", UnsignedScoreCommitment),
  ScoreReveal: makeCodec("ScoreReveal", ScoreReveal),
  UnsignedScoreReveal: makeCodec("UnsignedScoreReveal", UnsignedScoreReveal),
} as const

// ------------------------------------------------------------------------------------------------
// Errors (QUAL-SCORE.10)

export const SCORING_ERROR_CODES = {
  SCORE_MALFORMED: "bytes or value are not a valid canonical ScoreCommitment / ScoreReveal",
  SCORE_BAD_CHAIN: "chainId is not this chain's",
  SCORE_WRONG_CLAIM: "claimId is not the claim this round scores",
  SCORE_NOT_ON_COMMITTEE: "the evaluator holds no seat on this claim's committee",
  SCORE_BAD_SIGNATURE: "the signature does not verify under the evaluator key",
  SCORE_ROUND_NOT_OPEN: "commitment before the round's first height",
  SCORE_COMMIT_CLOSED: "commitment after the commit deadline",
  SCORE_DUPLICATE_COMMIT: "the evaluator already has a commitment in this round",
  SCORE_REVEAL_TOO_EARLY: "reveal at or before the commit deadline (NoScoreAfterSeeing)",
  SCORE_LATE_REVEAL: "reveal after the reveal deadline",
  SCORE_NO_COMMIT: "reveal by an evaluator that has no commitment in this round",
  SCORE_DUPLICATE_REVEAL: "the evaluator already revealed in this round",
  SCORE_OUT_OF_RANGE: "a score is above 1,000,000 ppm",
  SCORE_REVEAL_MISMATCH: "the revealed scores and salt do not open the evaluator's commitment",
  SCORE_ROUND_OPEN: "finalize before the reveal deadline has passed",
} as const
export type ScoringErrorCode = keyof typeof SCORING_ERROR_CODES

export class ScoringError extends Data.TaggedError("ScoringError")<{ readonly code: ScoringErrorCode; readonly detail: string }> {
  /** ERR-PROTOCOL.2: a typed rejection captures no stack trace (mempool checks reject many score items). */
  constructor(args: { readonly code: ScoringErrorCode; readonly detail: string }) {
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      super(args)
    } finally {
      Error.stackTraceLimit = limit
    }
  }

  override get message(): string {
    return `${this.code}: ${SCORING_ERROR_CODES[this.code]}${this.detail ? ` (${this.detail})` : ""}`
  }
}

const fail = (code: ScoringErrorCode, detail = ""): Either.Either<never, ScoringError> => Either.left(new ScoringError({ code, detail }))

// ------------------------------------------------------------------------------------------------
// Bytes (QUAL-SCORE.1..3)

/**
 * QUAL-SCORE.2: commitment = H(tagged("POAI/v1/score-commitment", cbor(scores) || salt || evaluator || claimId)).
 * cbor(scores) is self-delimiting; salt, evaluator and claimId are 32 bytes each.
 */
export const scoreCommitmentValue = (sha256: Sha256, scores: Scores, salt: Uint8Array, evaluator: Uint8Array, claimId: Uint8Array): Uint8Array =>
  sha256(tagged(DOMAIN.scoreCommitment, concatBytes(canonicalEncode(scores), salt, evaluator, claimId)))

/** QUAL-SCORE.4: an evaluator's salt for a claim, secret because it hashes the evaluator's secret key. */
export const scoreSalt = (sha256: Sha256, secretKey: Uint8Array, claimId: Uint8Array): Uint8Array =>
  sha256(tagged(DOMAIN.scoreSalt, concatBytes(secretKey, claimId)))

/** QUAL-SCORE.1: signing bytes of a ScoreCommitment. */
export const scoreCommitSigningBytes = (u: UnsignedScoreCommitment): Uint8Array =>
  tagged(DOMAIN.scoreCommitMsg, ScoringCodecs.UnsignedScoreCommitment.encode(u))

/** QUAL-SCORE.1: signing bytes of a ScoreReveal. */
export const scoreRevealSigningBytes = (u: UnsignedScoreReveal): Uint8Array =>
  tagged(DOMAIN.scoreReveal, ScoringCodecs.UnsignedScoreReveal.encode(u))

export interface SealInput {
  readonly chainId: string
  readonly secretKey: Uint8Array
  readonly claimId: Uint8Array
  readonly scores: Scores
  /** Defaults to scoreSalt(secretKey, claimId) (QUAL-SCORE.4). */
  readonly salt?: Uint8Array
}

const sealParts = (crypto: CryptoService, i: SealInput) => {
  const evaluator = crypto.ed25519.publicKey(i.secretKey)
  const salt = i.salt ?? scoreSalt(crypto.sha256, i.secretKey, i.claimId)
  return { evaluator, salt }
}

/**
 * QUAL-SCORE.12: an evaluator's signed commitment alone (what the commit phase publishes). Equal to
 * `sealScores(crypto, i).commitment` (Ed25519 signing is deterministic), without signing the reveal.
 */
export const sealScoreCommitment = (crypto: CryptoService, i: SealInput): ScoreCommitment => {
  const { evaluator, salt } = sealParts(crypto, i)
  const uc: UnsignedScoreCommitment = {
    chainId: i.chainId,
    evaluator,
    claimId: i.claimId,
    commitment: scoreCommitmentValue(crypto.sha256, i.scores, salt, evaluator, i.claimId),
  }
  const bytes = scoreCommitSigningBytes(uc)
  const c: ScoreCommitment = { ...uc, signature: crypto.ed25519.sign(bytes, i.secretKey) }
  // QUAL-SCORE.11: the new item's signature check, on the bytes just signed (not encoded again when
  // the evaluator's own pool is re-checked, NODE-SCORE.2)
  signatureOk(crypto, c, () => crypto.ed25519.verify(c.signature, bytes, c.evaluator))
  return c
}

/** QUAL-SCORE.12: the signed reveal alone (what the reveal phase publishes); equal to `sealScores(crypto, i).reveal`. */
export const sealScoreReveal = (crypto: CryptoService, i: SealInput): ScoreReveal => {
  const { evaluator, salt } = sealParts(crypto, i)
  const ur: UnsignedScoreReveal = { chainId: i.chainId, evaluator, claimId: i.claimId, scores: i.scores, salt }
  const bytes = scoreRevealSigningBytes(ur)
  const r: ScoreReveal = { ...ur, signature: crypto.ed25519.sign(bytes, i.secretKey) }
  // QUAL-SCORE.11: as for the commitment
  signatureOk(crypto, r, () => crypto.ed25519.verify(r.signature, bytes, r.evaluator))
  return r
}

/** An evaluator's signed commitment and the matching signed reveal (to be published only after the commit phase). */
export const sealScores = (crypto: CryptoService, i: SealInput): { readonly commitment: ScoreCommitment; readonly reveal: ScoreReveal } => ({
  commitment: sealScoreCommitment(crypto, i),
  reveal: sealScoreReveal(crypto, i),
})

/** Decode untrusted bytes (SCORE_MALFORMED on any failure). Never throws. */
export const decodeScoreCommitment = (bytes: Uint8Array): Either.Either<ScoreCommitment, ScoringError> =>
  Either.mapLeft(ScoringCodecs.ScoreCommitment.decode(bytes), (e) => new ScoringError({ code: "SCORE_MALFORMED", detail: e.message }))

/** Decode untrusted bytes (SCORE_MALFORMED on any failure). Never throws. */
export const decodeScoreReveal = (bytes: Uint8Array): Either.Either<ScoreReveal, ScoringError> =>
  Either.mapLeft(ScoringCodecs.ScoreReveal.decode(bytes), (e) => new ScoringError({ code: "SCORE_MALFORMED", detail: e.message }))

/**
 * QUAL-SCORE.11: the checks that depend on an item value alone (its schema, its signature) are
 * memoized by the identity of the item object: a node re-checks every pooled score item at every
 * height (NODE-SCORE.2) and every node checks the same decoded item, and these values are immutable.
 */
// The memo keeps the verdict with the item itself, not the schema's validated copy: every later memo
// (ids, signature, opening) is then keyed by one object per item, and no copy of every score item
// stays alive beside it (the issue 12 heap profile: 38 MB of copies at N = 100 after 30 blocks).
const schemaMemo = new WeakMap<object, Either.Either<ScoreCommitment | ScoreReveal, ScoringError>>()
const sigMemo = new WeakMap<CryptoService, WeakMap<object, boolean>>()
const memoSchema = <T extends ScoreCommitment | ScoreReveal>(m: T, check: (m: T) => Either.Either<unknown, ScoringError>): Either.Either<T, ScoringError> => {
  const hit = schemaMemo.get(m) as Either.Either<T, ScoringError> | undefined
  if (hit !== undefined) return hit
  const c = check(m)
  const r: Either.Either<T, ScoringError> = Either.isRight(c) ? Either.right(m) : Either.left(c.left)
  schemaMemo.set(m, r)
  return r
}
const signatureOk = (crypto: CryptoService, item: object, verify: () => boolean): boolean => {
  let m = sigMemo.get(crypto)
  if (m === undefined) {
    m = new WeakMap()
    sigMemo.set(crypto, m)
  }
  let ok = m.get(item)
  if (ok === undefined) {
    ok = verify()
    m.set(item, ok)
  }
  return ok
}

/**
 * QUAL-SCORE.11: the commitment value a reveal opens (scoreCommitmentValue of its scores, salt,
 * evaluator and claim id), memoized by the identity of the reveal object and of the hash function.
 */
const openingMemo = new WeakMap<Sha256, WeakMap<object, Uint8Array>>()
const openingOf = (sha256: Sha256, r: ScoreReveal): Uint8Array => {
  let m = openingMemo.get(sha256)
  if (m === undefined) {
    m = new WeakMap()
    openingMemo.set(sha256, m)
  }
  let v = m.get(r)
  if (v === undefined) {
    v = scoreCommitmentValue(sha256, r.scores, r.salt, r.evaluator, r.claimId)
    m.set(r, v)
  }
  return v
}

const asCommitment = (m: ScoreCommitment | Uint8Array): Either.Either<ScoreCommitment, ScoringError> =>
  m instanceof Uint8Array
    ? decodeScoreCommitment(m)
    : memoSchema(m, (x) => Either.mapLeft(ScoringCodecs.ScoreCommitment.validate(x), (e) => new ScoringError({ code: "SCORE_MALFORMED", detail: e.message })))

const asReveal = (m: ScoreReveal | Uint8Array): Either.Either<ScoreReveal, ScoringError> =>
  m instanceof Uint8Array
    ? decodeScoreReveal(m)
    : memoSchema(m, (x) => Either.mapLeft(ScoringCodecs.ScoreReveal.validate(x), (e) => new ScoringError({ code: "SCORE_MALFORMED", detail: e.message })))

/** True iff every score is in [0, 1,000,000] ppm. */
export const scoresInRange = (s: Scores): boolean => DIMENSIONS.every((d) => s[d] <= PPM)

// ------------------------------------------------------------------------------------------------
// The scoring round (QUAL-SCORE.5..9)

export interface ScoringSchedule {
  /** First height at which a commitment is accepted. */
  readonly openHeight: number
  /** Last height at which a commitment is accepted; reveals only after it. */
  readonly commitDeadline: number
  /** Last height at which a reveal is accepted. */
  readonly revealDeadline: number
}

/**
 * QUAL-SCORE.5: the schedule of a claim revealed in block h. The committee is drawn from beacon_{h+1}
 * (QUAL-COMMITTEE.4), so commitments are accepted in blocks h+2 .. h+1+commitBlocks and reveals in
 * blocks h+2+commitBlocks .. h+1+commitBlocks+revealBlocks.
 */
export const scoringSchedule = (revealHeight: number, p: Pick<QualityParams, "commitBlocks" | "revealBlocks">): ScoringSchedule => ({
  openHeight: revealHeight + 2,
  commitDeadline: revealHeight + 1 + p.commitBlocks,
  revealDeadline: revealHeight + 1 + p.commitBlocks + p.revealBlocks,
})

export interface CommitRecord {
  readonly commitment: Uint8Array
  readonly height: number
}
export interface RevealRecord {
  readonly scores: Scores
  readonly height: number
}

export interface ScoringRound {
  readonly chainId: string
  readonly claimId: Hex
  /** Seats per evaluator (key = lowercase hex of the public key). */
  readonly seats: ReadonlyMap<Hex, number>
  readonly schedule: ScoringSchedule
  readonly commits: ReadonlyMap<Hex, CommitRecord>
  readonly reveals: ReadonlyMap<Hex, RevealRecord>
}

/** Open the round of a claim with its committee (QUAL-SCORE.5). */
export const openScoringRound = (chainId: string, committee: Committee, schedule: ScoringSchedule): ScoringRound => {
  if (!(schedule.openHeight <= schedule.commitDeadline && schedule.commitDeadline < schedule.revealDeadline))
    throw new RangeError("openScoringRound: need openHeight <= commitDeadline < revealDeadline")
  return {
    chainId,
    claimId: committee.claimId,
    seats: new Map(committee.members.map((m) => [m.evaluator, m.seats])),
    schedule,
    commits: new Map(),
    reveals: new Map(),
  }
}

/**
 * QUAL-SCORE.13: an item's claim id and evaluator in hex, and its pool key evaluator || claim id
 * (NODE-SCORE.2), memoized per (immutable) item object (one string object each, so its hash is
 * computed once).
 */
const hexIds = new WeakMap<object, { readonly claim: Hex; readonly who: Hex; readonly key: Hex }>()
export const idsOf = (m: ScoreCommitment | ScoreReveal): { readonly claim: Hex; readonly who: Hex; readonly key: Hex } => {
  let ids = hexIds.get(m)
  if (ids === undefined) {
    const claim = toHex(m.claimId)
    const who = toHex(m.evaluator)
    ids = { claim, who, key: toHex(concatBytes(m.evaluator, m.claimId)) }
    hexIds.set(m, ids)
  }
  return ids
}

/**
 * QUAL-SCORE.13: the first failing check of QUAL-SCORE.6 after the schema (SCORE_BAD_CHAIN ..
 * SCORE_DUPLICATE_COMMIT) of a schema-valid commitment, or undefined. Allocates nothing; the
 * error's detail is built only when an error is returned (commitDetail).
 */
const commitVerdict = (crypto: CryptoService, round: ScoringRound, c: ScoreCommitment, height: number): ScoringErrorCode | undefined => {
  if (c.chainId !== round.chainId) return "SCORE_BAD_CHAIN"
  const { claim, who } = idsOf(c)
  if (claim !== round.claimId) return "SCORE_WRONG_CLAIM"
  if (!round.seats.has(who)) return "SCORE_NOT_ON_COMMITTEE"
  // QUAL-SCORE.11: memoized per item object
  if (!signatureOk(crypto, c, () => { const { signature, ...unsigned } = c; return crypto.ed25519.verify(signature, scoreCommitSigningBytes(unsigned), c.evaluator) }))
    return "SCORE_BAD_SIGNATURE"
  if (height < round.schedule.openHeight) return "SCORE_ROUND_NOT_OPEN"
  if (height > round.schedule.commitDeadline) return "SCORE_COMMIT_CLOSED"
  if (round.commits.has(who)) return "SCORE_DUPLICATE_COMMIT"
  return undefined
}

const commitDetail = (code: ScoringErrorCode, round: ScoringRound, c: ScoreCommitment, height: number): string => {
  switch (code) {
    case "SCORE_BAD_CHAIN":
      return c.chainId
    case "SCORE_WRONG_CLAIM":
      return idsOf(c).claim
    case "SCORE_ROUND_NOT_OPEN":
      return `height ${height} < ${round.schedule.openHeight}`
    case "SCORE_COMMIT_CLOSED":
      return `height ${height} > ${round.schedule.commitDeadline}`
    default:
      return idsOf(c).who
  }
}

/**
 * QUAL-SCORE.13: whether applyScoreCommitment would accept `msg` (the same checks, in the same order),
 * without building the new round or an error.
 */
export const scoreCommitmentAcceptable = (crypto: CryptoService, round: ScoringRound, msg: ScoreCommitment, height: number): boolean =>
  Either.isRight(asCommitment(msg)) && commitVerdict(crypto, round, msg, height) === undefined

/**
 * QUAL-SCORE.6: accept a commitment included in block `height`, or return the first failing check in
 * this order: SCORE_MALFORMED, SCORE_BAD_CHAIN, SCORE_WRONG_CLAIM, SCORE_NOT_ON_COMMITTEE,
 * SCORE_BAD_SIGNATURE, SCORE_ROUND_NOT_OPEN, SCORE_COMMIT_CLOSED, SCORE_DUPLICATE_COMMIT.
 */
export const applyScoreCommitment = (
  crypto: CryptoService,
  round: ScoringRound,
  msg: ScoreCommitment | Uint8Array,
  height: number,
): Either.Either<ScoringRound, ScoringError> => {
  const d = asCommitment(msg)
  if (Either.isLeft(d)) return Either.left(d.left)
  const c = d.right
  const code = commitVerdict(crypto, round, c, height)
  if (code !== undefined) return fail(code, commitDetail(code, round, c, height))
  const commits = new Map(round.commits)
  commits.set(idsOf(c).who, { commitment: c.commitment, height })
  return Either.right({ ...round, commits })
}

/** QUAL-SCORE.13: the checks of QUAL-SCORE.7 after the schema, like commitVerdict. */
const revealVerdict = (crypto: CryptoService, round: ScoringRound, r: ScoreReveal, height: number): ScoringErrorCode | undefined => {
  if (r.chainId !== round.chainId) return "SCORE_BAD_CHAIN"
  const { claim, who } = idsOf(r)
  if (claim !== round.claimId) return "SCORE_WRONG_CLAIM"
  if (!round.seats.has(who)) return "SCORE_NOT_ON_COMMITTEE"
  // QUAL-SCORE.11: memoized per item object
  if (!signatureOk(crypto, r, () => { const { signature, ...unsigned } = r; return crypto.ed25519.verify(signature, scoreRevealSigningBytes(unsigned), r.evaluator) }))
    return "SCORE_BAD_SIGNATURE"
  if (height <= round.schedule.commitDeadline) return "SCORE_REVEAL_TOO_EARLY"
  if (height > round.schedule.revealDeadline) return "SCORE_LATE_REVEAL"
  const committed = round.commits.get(who)
  if (committed === undefined) return "SCORE_NO_COMMIT"
  if (round.reveals.has(who)) return "SCORE_DUPLICATE_REVEAL"
  if (!scoresInRange(r.scores)) return "SCORE_OUT_OF_RANGE"
  // QUAL-SCORE.11: memoized per reveal object
  if (!bytesEqual(openingOf(crypto.sha256, r), committed.commitment)) return "SCORE_REVEAL_MISMATCH"
  return undefined
}

const revealDetail = (code: ScoringErrorCode, round: ScoringRound, r: ScoreReveal, height: number): string => {
  switch (code) {
    case "SCORE_BAD_CHAIN":
      return r.chainId
    case "SCORE_WRONG_CLAIM":
      return idsOf(r).claim
    case "SCORE_REVEAL_TOO_EARLY":
      return `height ${height} <= ${round.schedule.commitDeadline}`
    case "SCORE_LATE_REVEAL":
      return `height ${height} > ${round.schedule.revealDeadline}`
    case "SCORE_OUT_OF_RANGE":
      return JSON.stringify(r.scores)
    default:
      return idsOf(r).who
  }
}

/** QUAL-SCORE.13: whether applyScoreReveal would accept `msg`, without building the new round or an error. */
export const scoreRevealAcceptable = (crypto: CryptoService, round: ScoringRound, msg: ScoreReveal, height: number): boolean =>
  Either.isRight(asReveal(msg)) && revealVerdict(crypto, round, msg, height) === undefined

/**
 * QUAL-SCORE.7: accept a reveal included in block `height`, or return the first failing check in
 * this order: SCORE_MALFORMED, SCORE_BAD_CHAIN, SCORE_WRONG_CLAIM, SCORE_NOT_ON_COMMITTEE,
 * SCORE_BAD_SIGNATURE, SCORE_REVEAL_TOO_EARLY, SCORE_LATE_REVEAL, SCORE_NO_COMMIT,
 * SCORE_DUPLICATE_REVEAL, SCORE_OUT_OF_RANGE, SCORE_REVEAL_MISMATCH.
 */
export const applyScoreReveal = (
  crypto: CryptoService,
  round: ScoringRound,
  msg: ScoreReveal | Uint8Array,
  height: number,
): Either.Either<ScoringRound, ScoringError> => {
  const d = asReveal(msg)
  if (Either.isLeft(d)) return Either.left(d.left)
  const r = d.right
  const code = revealVerdict(crypto, round, r, height)
  if (code !== undefined) return fail(code, revealDetail(code, round, r, height))
  const reveals = new Map(round.reveals)
  reveals.set(idsOf(r).who, { scores: { correctness: r.scores.correctness, utility: r.scores.utility, novelty: r.scores.novelty }, height })
  return Either.right({ ...round, reveals })
}

export type SeatFault = "no-commit" | "no-reveal"

export interface ScoringOutcome {
  readonly claimId: Hex
  /** Evaluators whose reveal was accepted, with their seats, in key order. */
  readonly revealed: ReadonlyArray<{ readonly evaluator: Hex; readonly seats: number; readonly scores: Scores }>
  /** Evaluators penalized (QUAL-INCENTIVE.3): no commitment, or a commitment never validly revealed. */
  readonly faults: ReadonlyArray<{ readonly evaluator: Hex; readonly seats: number; readonly fault: SeatFault }>
  readonly revealedSeats: number
  readonly totalSeats: number
  /** revealedSeats >= minRevealedSeats (QUAL-SCORE.9). */
  readonly quorum: boolean
}

/**
 * QUAL-SCORE.8..9: the outcome of a round, available once `height` > revealDeadline. A mismatched,
 * out-of-range, early or late reveal was rejected and left no trace, so its evaluator is, like one
 * that never revealed, a "no-reveal" fault.
 */
export const finalizeScoring = (round: ScoringRound, height: number, minRevealedSeats: number): Either.Either<ScoringOutcome, ScoringError> => {
  if (height <= round.schedule.revealDeadline) return fail("SCORE_ROUND_OPEN", `height ${height} <= ${round.schedule.revealDeadline}`)
  const keys = [...round.seats.keys()].sort()
  const revealed: Array<{ evaluator: Hex; seats: number; scores: Scores }> = []
  const faults: Array<{ evaluator: Hex; seats: number; fault: SeatFault }> = []
  let revealedSeats = 0
  let totalSeats = 0
  for (const k of keys) {
    const seats = round.seats.get(k) as number
    totalSeats += seats
    const r = round.reveals.get(k)
    if (r !== undefined) {
      revealed.push({ evaluator: k, seats, scores: r.scores })
      revealedSeats += seats
    } else faults.push({ evaluator: k, seats, fault: round.commits.has(k) ? "no-reveal" : "no-commit" })
  }
  return Either.right({ claimId: round.claimId, revealed, faults, revealedSeats, totalSeats, quorum: revealedSeats >= minRevealedSeats })
}

/**
 * NoScoreAfterSeeing (QUAL-SCORE.6/7): every accepted commitment is in a block strictly before every
 * accepted reveal. Holds for every round built by applyScoreCommitment / applyScoreReveal.
 */
export const noScoreAfterSeeing = (round: ScoringRound): boolean => {
  let lastCommit = -Infinity
  for (const c of round.commits.values()) lastCommit = Math.max(lastCommit, c.height)
  for (const r of round.reveals.values()) if (r.height <= lastCommit || r.height <= round.schedule.commitDeadline) return false
  return true
}
