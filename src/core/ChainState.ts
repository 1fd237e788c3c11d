// spec: LEDGER-STATE.1, LEDGER-ROOT.1 (spec/05-ledger.md)
// The replicated state after a finalized block, and its root. Values are treated as immutable:
// block application works on a draft copy (cloneState) and returns a new state.
import { DOMAIN, canonicalEncode, tagged } from "../codec/Canonical.ts"
import { PreEncoded } from "../codec/FastCbor.ts"
import { compareBytes, fromHex, toHex } from "../codec/Bytes.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import type { Genesis } from "./Genesis.ts"
import { genesisHash } from "./Genesis.ts"
import type { Params } from "./Params.ts"
import type { ScoringRound } from "../quality/Scoring.ts"
import { sketchBytes } from "../quality/Novelty.ts"

export type Hex = string

/** An open scoring round and the work id of the claim it scores (QUAL-WIRE.1). */
export interface OpenRound {
  readonly workId: Hex
  readonly round: ScoringRound
}

export interface Account {
  readonly balance: number
  readonly stake: number
  readonly nonce: number
}

export interface ValidatorInfo {
  readonly pubKey: Uint8Array
  readonly blsPubKey: Uint8Array
}

/**
 * A registered work commitment (WORK-CR.1), keyed by worker || commitment (hex). `index` is its position
 * among the block's commitments.
 */
export interface CommitmentRecord {
  readonly worker: Hex
  readonly commitment: Hex
  readonly height: number
  readonly index: number
  readonly revealed: boolean
}

/**
 * Audit status of a revealed claim (VER-AUDIT.2..9): undecided until the block after its reveal;
 * then skipped (not selected), or pending until a report (passed; a failed claim is deleted) or its
 * due height (missed). Only skipped, passed and missed claims mature.
 */
export type AuditStatus = "undecided" | "skipped" | "pending" | "passed" | "missed"
export const AUDIT_STATUS_CODE: Readonly<Record<AuditStatus, number>> = { undecided: 0, skipped: 1, pending: 2, passed: 3, missed: 4 }

/** A revealed claim that holds the work id (WORK-CR.4/5); it matures at `maturesAt`. */
export interface ClaimRecord {
  readonly worker: Hex
  readonly commitment: Hex
  readonly commitHeight: number
  readonly commitIndex: number
  readonly revealHeight: number
  readonly maturesAt: number
  readonly q: number
  readonly matured: boolean
  /** The claimed output hash: what the worker's published artefacts must hash to (VER-PORT.2/3). */
  readonly outputHash: Hex
  readonly audit: AuditStatus
  /** Assigned auditor ("" until selected) and the last height its report is accepted (0 until selected). */
  readonly auditor: Hex
  readonly auditDue: number
  /** v(t) of the claim's task, for Q at scoring (QUAL-WIRE.4). */
  readonly computeUnits: number
  /** QUAL-WIRE.1: "none" when the chain scores no claims (Q fixed at reveal), else unopened, open, scored. */
  readonly scoring: ScoringStatus
  /** The evaluators' consensus scores when the round reached quorum (QUAL-WIRE.4), else null. */
  readonly consensus: { readonly correctness: number; readonly utility: number; readonly novelty: number } | null
  /** The claim's novelty sketch, 8 bytes as hex (QUAL-NOVELTY.6). */
  readonly noveltySketch: Hex
  /** n of the claim, ppm, fixed at its reveal against the novelty window (QUAL-NOVELTY.8); 10^6 without scoring. */
  readonly noveltyPpm: number
}

export type ScoringStatus = "none" | "unopened" | "open" | "scored"
export const SCORING_STATUS_CODE: Readonly<Record<ScoringStatus, number>> = { none: 0, unopened: 1, open: 2, scored: 3 }

/** Matured Q per worker for one finalized block (LE-WINDOW.1). */
export interface QEntry {
  readonly height: number
  readonly perWorker: ReadonlyMap<Hex, number>
}

export interface ChainState {
  readonly chainId: string
  readonly params: Params
  /** Height of the last finalized block (0 = genesis). */
  readonly height: number
  /** Hash of the last finalized block header (genesis hash at height 0). */
  readonly lastBlockHash: Uint8Array
  /** beacon_h of the last finalized block (LE-BEACON.1). */
  readonly beacon: Uint8Array
  readonly accounts: ReadonlyMap<Hex, Account>
  /** Validator keys; voting power is the account's stake (CONS-POWER.1). */
  readonly validators: ReadonlyMap<Hex, ValidatorInfo>
  readonly commitments: ReadonlyMap<Hex, CommitmentRecord>
  /** work id -> claim holding it. */
  readonly claims: ReadonlyMap<Hex, ClaimRecord>
  /** Last qWindow entries of matured Q, oldest first. */
  readonly qWindow: ReadonlyArray<QEntry>
  /** Voting power at the last finalized height: verifies that block's certificate (CONS-COMMIT.3). */
  readonly lastPower: ReadonlyMap<Hex, number>
  /** Equivocations already punished: key = validator|height|round|kind. */
  readonly punished: ReadonlySet<string>
  /** Cumulative counters (part of the state root). */
  readonly totals: {
    readonly txs: number
    readonly evidence: number
    readonly maturedClaims: number
    readonly minted: number
    readonly slashed: number
    /** Reveals accepted, attestation failures among them, and audit outcomes (VER-AUDIT.10). */
    readonly claims: number
    readonly attestationRejected: number
    readonly audited: number
    readonly auditsPassed: number
    readonly auditsFailed: number
    readonly auditsMissed: number
    /** Part of `slashed` charged by VER-AUDIT.4/6/9 penalties. */
    readonly slashedWork: number
    /** Quality pipeline (QUAL-WIRE.*): items applied, rounds finalized, evaluator stake slashed, rewards per role. */
    readonly scoreCommits: number
    readonly scoreReveals: number
    readonly roundsFinalized: number
    readonly roundsCancelled: number
    readonly slashedScoring: number
    readonly rewardWorkers: number
    readonly rewardEvaluators: number
    readonly rewardValidators: number
  }
  /** Open scoring rounds by claim id (the claim's commitment value), QUAL-WIRE.1. */
  readonly scoring: ReadonlyMap<Hex, OpenRound>
  /** QUAL-NOVELTY.8: the novelty window, the sketches of the last noveltyWindow admitted claims, oldest first. */
  readonly novelty: ReadonlyArray<bigint>
}

export type Totals = ChainState["totals"]
export const zeroTotals: Totals = {
  txs: 0,
  evidence: 0,
  maturedClaims: 0,
  minted: 0,
  slashed: 0,
  claims: 0,
  attestationRejected: 0,
  audited: 0,
  auditsPassed: 0,
  auditsFailed: 0,
  auditsMissed: 0,
  slashedWork: 0,
  scoreCommits: 0,
  scoreReveals: 0,
  roundsFinalized: 0,
  roundsCancelled: 0,
  slashedScoring: 0,
  rewardWorkers: 0,
  rewardEvaluators: 0,
  rewardValidators: 0,
}

export const genesisState = (sha256: Sha256, g: Genesis): ChainState => {
  const accounts = new Map<Hex, Account>()
  for (const a of g.accounts) {
    const k = toHex(a.pubKey)
    const prev = accounts.get(k)
    accounts.set(k, { balance: (prev?.balance ?? 0) + a.balance, stake: prev?.stake ?? 0, nonce: 0 })
  }
  const validators = new Map<Hex, ValidatorInfo>()
  for (const v of g.validators) {
    const k = toHex(v.pubKey)
    const prev = accounts.get(k)
    accounts.set(k, { balance: prev?.balance ?? 0, stake: (prev?.stake ?? 0) + v.stake, nonce: 0 })
    validators.set(k, { pubKey: v.pubKey, blsPubKey: v.blsPubKey })
  }
  const gh = genesisHash(sha256, g)
  return {
    chainId: g.chainId,
    params: g.params,
    height: 0,
    lastBlockHash: gh,
    beacon: gh,
    accounts,
    validators,
    commitments: new Map(),
    claims: new Map(),
    qWindow: [],
    lastPower: new Map(),
    punished: new Set(),
    totals: zeroTotals,
    scoring: new Map(),
    novelty: [],
  }
}

/** A mutable working copy used while applying one block. */
export interface DraftState {
  chainId: string
  params: Params
  height: number
  lastBlockHash: Uint8Array
  beacon: Uint8Array
  accounts: Map<Hex, Account>
  validators: Map<Hex, ValidatorInfo>
  commitments: Map<Hex, CommitmentRecord>
  claims: Map<Hex, ClaimRecord>
  qWindow: Array<QEntry>
  lastPower: ReadonlyMap<Hex, number>
  punished: Set<string>
  totals: { -readonly [K in keyof Totals]: Totals[K] }
  scoring: Map<Hex, OpenRound>
  novelty: ReadonlyArray<bigint>
}

export const cloneState = (s: ChainState): DraftState => ({
  chainId: s.chainId,
  params: s.params,
  height: s.height,
  lastBlockHash: s.lastBlockHash,
  beacon: s.beacon,
  accounts: new Map(s.accounts),
  validators: new Map(s.validators),
  commitments: new Map(s.commitments),
  claims: new Map(s.claims),
  qWindow: [...s.qWindow],
  lastPower: s.lastPower,
  punished: new Set(s.punished),
  totals: { ...s.totals },
  scoring: new Map(s.scoring),
  novelty: s.novelty,
})

export const accountOf = (s: { readonly accounts: ReadonlyMap<Hex, Account> }, k: Hex): Account =>
  s.accounts.get(k) ?? { balance: 0, stake: 0, nonce: 0 }

/** Validators with positive stake, sorted by public key: the voting set of the next height (CONS-POWER.1). */
export const votingSet = (s: ChainState): ReadonlyArray<{ readonly key: Hex; readonly pubKey: Uint8Array; readonly power: number }> => {
  const out: Array<{ key: Hex; pubKey: Uint8Array; power: number }> = []
  for (const [key, v] of s.validators) {
    const stake = accountOf(s, key).stake
    if (stake > 0) out.push({ key, pubKey: v.pubKey, power: stake })
  }
  out.sort((a, b) => compareBytes(a.pubKey, b.pubKey))
  return out
}

const sortedEntries = <V>(m: ReadonlyMap<Hex, V>): Array<[Hex, V]> => [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))

/**
 * State root (LEDGER-ROOT.1): SHA-256 over the tagged canonical CBOR of the state in a fixed,
 * sorted array form. Specified field by field in spec/05-ledger.md. `lastBlockHash` is not part of it
 * (the header that carries the root is what that hash covers; the header chain binds it through prevHash).
 * LEDGER-ROOT.2: the same bytes as `canonicalEncode(stateRootForm(s))`, with each row of the account,
 * validator, commitment, claim and scoring tables encoded once per record object (rows are immutable
 * records; a changed row is a new object), so a block re-encodes only the rows it changed.
 */
export const stateRoot = (sha256: Sha256, s: ChainState | DraftState): Uint8Array =>
  sha256(tagged(DOMAIN.stateRoot, canonicalEncode(formWith(s, encodedRow))))

/**
 * The 13-element array whose canonical CBOR the state root hashes (LEDGER-ROOT.1); also the `state`
 * field of a state snapshot (LEDGER-SNAPSHOT.1, src/core/Snapshot.ts).
 */
export const stateRootForm = (s: ChainState | DraftState): ReadonlyArray<unknown> => formWith(s, plainRow)

/** One table row of the form: built plainly, or its memoized encoding (LEDGER-ROOT.2). */
type RowOf = <R extends object>(key: Hex, rec: R, build: (key: Hex, rec: R) => ReadonlyArray<unknown>) => unknown
const plainRow: RowOf = (key, rec, build) => build(key, rec)

/** LEDGER-ROOT.2: per row builder, the encoding of each record object's row, with the key it was built under. */
const rowMemos = new Map<unknown, WeakMap<object, { readonly key: Hex; readonly bytes: PreEncoded }>>()
const encodedRow: RowOf = (key, rec, build) => {
  let memo = rowMemos.get(build)
  if (memo === undefined) rowMemos.set(build, (memo = new WeakMap()))
  const m = memo.get(rec)
  if (m !== undefined && m.key === key) return m.bytes
  const bytes = new PreEncoded(canonicalEncode(build(key, rec)))
  memo.set(rec, { key, bytes })
  return bytes
}

const accountRow = (k: Hex, a: Account): ReadonlyArray<unknown> => [fromHex(k), a.balance, a.stake, a.nonce]
const validatorRow = (_: Hex, v: ValidatorInfo): ReadonlyArray<unknown> => [v.pubKey, v.blsPubKey]
const commitmentRow = (_: Hex, c: CommitmentRecord): ReadonlyArray<unknown> => [fromHex(c.commitment), fromHex(c.worker), c.height, c.index, c.revealed]
const claimRow = (k: Hex, c: ClaimRecord): ReadonlyArray<unknown> => [
  fromHex(k),
  fromHex(c.worker),
  fromHex(c.commitment),
  c.commitHeight,
  c.commitIndex,
  c.revealHeight,
  c.maturesAt,
  c.q,
  c.matured,
  fromHex(c.outputHash),
  AUDIT_STATUS_CODE[c.audit],
  fromHex(c.auditor),
  c.auditDue,
  c.computeUnits,
  SCORING_STATUS_CODE[c.scoring],
  c.consensus === null ? null : [c.consensus.correctness, c.consensus.utility, c.consensus.novelty],
  fromHex(c.noveltySketch),
  c.noveltyPpm,
]
const scoringRow = (k: Hex, o: OpenRound): ReadonlyArray<unknown> => [
  fromHex(k),
  fromHex(o.workId),
  [o.round.schedule.openHeight, o.round.schedule.commitDeadline, o.round.schedule.revealDeadline],
  sortedEntries(o.round.seats).map(([e, n]) => [fromHex(e), n]),
  sortedEntries(o.round.commits).map(([e, c]) => [fromHex(e), c.commitment, c.height]),
  sortedEntries(o.round.reveals).map(([e, r]) => [fromHex(e), r.scores.correctness, r.scores.utility, r.scores.novelty, r.height]),
]

const formWith = (s: ChainState | DraftState, row: RowOf): ReadonlyArray<unknown> => [
  s.chainId,
  s.height,
  s.beacon,
  sortedEntries(s.accounts).map(([k, a]) => row(k, a, accountRow)),
  sortedEntries(s.validators).map(([k, v]) => row(k, v, validatorRow)),
  sortedEntries(s.commitments).map(([k, c]) => row(k, c, commitmentRow)),
  sortedEntries(s.claims).map(([k, c]) => row(k, c, claimRow)),
  s.qWindow.map((e) => [e.height, sortedEntries(e.perWorker).map(([k, q]) => [fromHex(k), q])]),
  sortedEntries(s.lastPower).map(([k, p]) => [fromHex(k), p]),
  [...s.punished].sort(),
  [
    s.totals.txs,
    s.totals.evidence,
    s.totals.maturedClaims,
    s.totals.minted,
    s.totals.slashed,
    s.totals.claims,
    s.totals.attestationRejected,
    s.totals.audited,
    s.totals.auditsPassed,
    s.totals.auditsFailed,
    s.totals.auditsMissed,
    s.totals.slashedWork,
    s.totals.scoreCommits,
    s.totals.scoreReveals,
    s.totals.roundsFinalized,
    s.totals.roundsCancelled,
    s.totals.slashedScoring,
    s.totals.rewardWorkers,
    s.totals.rewardEvaluators,
    s.totals.rewardValidators,
  ],
  sortedEntries(s.scoring).map(([k, o]) => row(k, o, scoringRow)),
  s.novelty.map(sketchBytes), // QUAL-NOVELTY.8, oldest first
]
