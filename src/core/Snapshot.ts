// spec: LEDGER-SNAPSHOT.1..4 (spec/05-ledger.md)
// The canonical state snapshot: one byte string per ChainState, decodable back to the state, whose
// `state` field is the preimage of the state root (LEDGER-ROOT.1). Conformance vectors of the
// state_transition suite carry pre- and post-states in this form. Decoding never throws: malformed,
// non-canonical or ill-typed bytes answer a SnapshotError with a SNAPSHOT_* code.
import { Data, Either } from "effect"
import { bytesEqual, fromHex, toHex } from "../codec/Bytes.ts"
import { canonicalDecode, canonicalEncode } from "../codec/Canonical.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import { PPM } from "../domain/Primitives.ts"
import { NOVELTY_SKETCH_BYTES, sketchFingerprint } from "../quality/Novelty.ts"
import type { CommitRecord, RevealRecord } from "../quality/Scoring.ts"
import {
  AUDIT_STATUS_CODE,
  type Account,
  type AuditStatus,
  type ChainState,
  type ClaimRecord,
  type CommitmentRecord,
  type DraftState,
  type Hex,
  type OpenRound,
  type QEntry,
  SCORING_STATUS_CODE,
  type ScoringStatus,
  type Totals,
  type ValidatorInfo,
  stateRoot,
  stateRootForm,
} from "./ChainState.ts"
import { type Params, defaultParams } from "./Params.ts"

/** LEDGER-SNAPSHOT.1: the version every snapshot of this form carries. */
export const SNAPSHOT_VERSION = 1

/** The Params field names, in the order of Params (the map is canonical CBOR, so order is immaterial). */
export const PARAM_NAMES: ReadonlyArray<keyof Params> = Object.keys(defaultParams) as Array<keyof Params>

/** Totals in the order of the state root's totals array (LEDGER-ROOT.1). */
export const TOTAL_NAMES: ReadonlyArray<keyof Totals> = [
  "txs",
  "evidence",
  "maturedClaims",
  "minted",
  "slashed",
  "claims",
  "attestationRejected",
  "audited",
  "auditsPassed",
  "auditsFailed",
  "auditsMissed",
  "slashedWork",
  "scoreCommits",
  "scoreReveals",
  "roundsFinalized",
  "roundsCancelled",
  "slashedScoring",
  "rewardWorkers",
  "rewardEvaluators",
  "rewardValidators",
]

export const SNAPSHOT_ERROR_CODES = {
  SNAPSHOT_MALFORMED: "not one well-formed CBOR item of the poai data model, or over MAX_WIRE_BYTES (ENC-CBOR.2..4)",
  SNAPSHOT_NON_CANONICAL: "not the canonical encoding: CBOR not deterministic, or entries not strictly in key order (duplicates)",
  SNAPSHOT_VERSION: "unknown snapshot version",
  SNAPSHOT_SCHEMA: "canonical CBOR that is not a snapshot: missing or extra field, wrong type, length or range",
} as const
export type SnapshotErrorCode = keyof typeof SNAPSHOT_ERROR_CODES

/** LEDGER-SNAPSHOT.3: why bytes are not a state snapshot. */
export class SnapshotError extends Data.TaggedError("SnapshotError")<{ readonly code: SnapshotErrorCode; readonly detail: string }> {
  override get message(): string {
    return `${this.code}: ${SNAPSHOT_ERROR_CODES[this.code]}${this.detail ? ` (${this.detail})` : ""}`
  }
}

/**
 * LEDGER-SNAPSHOT.1: canonical CBOR of the map
 *   { "state": stateRootForm(S), "params": S.params, "version": 1, "lastBlockHash": S.lastBlockHash }.
 */
export const encodeSnapshot = (s: ChainState | DraftState): Uint8Array =>
  canonicalEncode({ version: SNAPSHOT_VERSION, params: paramsForm(s.params), lastBlockHash: s.lastBlockHash, state: stateRootForm(s) })

const paramsForm = (p: Params): Record<string, number> => Object.fromEntries(PARAM_NAMES.map((k) => [k, p[k]]))

/**
 * LEDGER-SNAPSHOT.2: the root of a snapshot is the state root of the state it encodes (LEDGER-ROOT.1):
 * SHA-256(tagged("POAI/v1/state-root", bytes of the `state` field)), the field's bytes being exactly
 * the canonical CBOR the root hashes.
 */
export const snapshotRoot = (sha256: Sha256, s: ChainState | DraftState): Uint8Array => stateRoot(sha256, s)

// ------------------------------------------------------------------------------------------------
// Decoding (LEDGER-SNAPSHOT.3)

/** Thrown inside the decoder only; converted to a SnapshotError at its boundary. */
class Bad extends Error {
  constructor(
    readonly code: SnapshotErrorCode,
    detail: string,
  ) {
    super(detail)
  }
}
const bad = (path: string, what: string): never => {
  throw new Bad("SNAPSHOT_SCHEMA", `${path}: ${what}`)
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array)
const uint = (v: unknown, path: string): number =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : bad(path, "expected an unsigned integer")
const ppm = (v: unknown, path: string): number => (uint(v, path) <= PPM ? (v as number) : bad(path, "above 1,000,000 ppm"))
const bool = (v: unknown, path: string): boolean => (typeof v === "boolean" ? v : bad(path, "expected a boolean"))
const text = (v: unknown, path: string): string => (typeof v === "string" ? v : bad(path, "expected a text string"))
const bytes = (v: unknown, path: string, len?: number): Uint8Array => {
  if (!(v instanceof Uint8Array)) return bad(path, "expected a byte string")
  if (len !== undefined && v.length !== len) return bad(path, `expected ${len} bytes, got ${v.length}`)
  return v
}
const tuple = (v: unknown, path: string, n: number): ReadonlyArray<unknown> => {
  if (!Array.isArray(v)) return bad(path, "expected an array")
  if (v.length !== n) return bad(path, `expected ${n} elements, got ${v.length}`)
  return v
}
const list = (v: unknown, path: string): ReadonlyArray<unknown> => (Array.isArray(v) ? v : bad(path, "expected an array"))
const keysExactly = (o: Record<string, unknown>, names: ReadonlyArray<string>, path: string): void => {
  for (const k of names) if (!(k in o)) bad(path, `missing field ${k}`)
  for (const k of Object.keys(o)) if (!names.includes(k)) bad(path, `unexpected field ${k}`)
}

const AUDIT_BY_CODE = Object.fromEntries(Object.entries(AUDIT_STATUS_CODE).map(([k, v]) => [v, k])) as Record<number, AuditStatus>
const SCORING_BY_CODE = Object.fromEntries(Object.entries(SCORING_STATUS_CODE).map(([k, v]) => [v, k])) as Record<number, ScoringStatus>
const CHAIN_ID = /^[a-z0-9-]{1,32}$/

const decodeState = (st: unknown, params: Params, lastBlockHash: Uint8Array): ChainState => {
  const s = tuple(st, "state", 13)
  const chainId = text(s[0], "state.chainId")
  if (!CHAIN_ID.test(chainId)) bad("state.chainId", "does not match ^[a-z0-9-]{1,32}$")
  const height = uint(s[1], "state.height")
  const beacon = bytes(s[2], "state.beacon", 32)

  const accounts = new Map<Hex, Account>()
  for (const [i, e] of list(s[3], "state.accounts").entries()) {
    const p = `state.accounts[${i}]`
    const t = tuple(e, p, 4)
    accounts.set(toHex(bytes(t[0], `${p}.key`, 32)), { balance: uint(t[1], `${p}.balance`), stake: uint(t[2], `${p}.stake`), nonce: uint(t[3], `${p}.nonce`) })
  }
  const validators = new Map<Hex, ValidatorInfo>()
  for (const [i, e] of list(s[4], "state.validators").entries()) {
    const p = `state.validators[${i}]`
    const t = tuple(e, p, 2)
    const pubKey = bytes(t[0], `${p}.pubKey`, 32)
    validators.set(toHex(pubKey), { pubKey, blsPubKey: bytes(t[1], `${p}.blsPubKey`, 48) })
  }
  const commitments = new Map<Hex, CommitmentRecord>()
  for (const [i, e] of list(s[5], "state.commitments").entries()) {
    const p = `state.commitments[${i}]`
    const t = tuple(e, p, 5)
    const commitment = toHex(bytes(t[0], `${p}.commitment`, 32))
    const worker = toHex(bytes(t[1], `${p}.worker`, 32))
    commitments.set(worker + commitment, {
      worker,
      commitment,
      height: uint(t[2], `${p}.height`),
      index: uint(t[3], `${p}.index`),
      revealed: bool(t[4], `${p}.revealed`),
    })
  }
  const claims = new Map<Hex, ClaimRecord>()
  for (const [i, e] of list(s[6], "state.claims").entries()) {
    const p = `state.claims[${i}]`
    const t = tuple(e, p, 18)
    const auditCode = uint(t[10], `${p}.auditCode`)
    const audit = AUDIT_BY_CODE[auditCode] ?? bad(`${p}.auditCode`, `unknown audit status ${auditCode}`)
    const auditor = bytes(t[11], `${p}.auditor`)
    if (auditor.length !== 0 && auditor.length !== 32) bad(`${p}.auditor`, "expected 0 or 32 bytes")
    const scoringCode = uint(t[14], `${p}.scoringCode`)
    const scoring = SCORING_BY_CODE[scoringCode] ?? bad(`${p}.scoringCode`, `unknown scoring status ${scoringCode}`)
    let consensus: ClaimRecord["consensus"] = null
    if (t[15] !== null) {
      const c = tuple(t[15], `${p}.consensus`, 3)
      consensus = { correctness: uint(c[0], `${p}.consensus[0]`), utility: uint(c[1], `${p}.consensus[1]`), novelty: uint(c[2], `${p}.consensus[2]`) }
    }
    claims.set(toHex(bytes(t[0], `${p}.workId`, 32)), {
      worker: toHex(bytes(t[1], `${p}.worker`, 32)),
      commitment: toHex(bytes(t[2], `${p}.commitment`, 32)),
      commitHeight: uint(t[3], `${p}.commitHeight`),
      commitIndex: uint(t[4], `${p}.commitIndex`),
      revealHeight: uint(t[5], `${p}.revealHeight`),
      maturesAt: uint(t[6], `${p}.maturesAt`),
      q: uint(t[7], `${p}.q`),
      matured: bool(t[8], `${p}.matured`),
      outputHash: toHex(bytes(t[9], `${p}.outputHash`, 32)),
      audit,
      auditor: toHex(auditor),
      auditDue: uint(t[12], `${p}.auditDue`),
      computeUnits: uint(t[13], `${p}.computeUnits`),
      scoring,
      consensus,
      noveltySketch: toHex(bytes(t[16], `${p}.noveltySketch`, NOVELTY_SKETCH_BYTES)),
      noveltyPpm: ppm(t[17], `${p}.noveltyPpm`),
    })
  }
  const qWindow: Array<QEntry> = []
  for (const [i, e] of list(s[7], "state.qWindow").entries()) {
    const p = `state.qWindow[${i}]`
    const t = tuple(e, p, 2)
    const perWorker = new Map<Hex, number>()
    for (const [j, w] of list(t[1], `${p}.perWorker`).entries()) {
      const x = tuple(w, `${p}.perWorker[${j}]`, 2)
      perWorker.set(toHex(bytes(x[0], `${p}.perWorker[${j}].worker`, 32)), uint(x[1], `${p}.perWorker[${j}].q`))
    }
    qWindow.push({ height: uint(t[0], `${p}.height`), perWorker })
  }
  const lastPower = new Map<Hex, number>()
  for (const [i, e] of list(s[8], "state.lastPower").entries()) {
    const t = tuple(e, `state.lastPower[${i}]`, 2)
    lastPower.set(toHex(bytes(t[0], `state.lastPower[${i}].key`, 32)), uint(t[1], `state.lastPower[${i}].power`))
  }
  const punished = new Set<string>()
  for (const [i, e] of list(s[9], "state.punished").entries()) punished.add(text(e, `state.punished[${i}]`))
  const tv = tuple(s[10], "state.totals", TOTAL_NAMES.length)
  const totals = Object.fromEntries(TOTAL_NAMES.map((k, i) => [k, uint(tv[i], `state.totals.${k}`)])) as unknown as Totals

  const scoring = new Map<Hex, OpenRound>()
  for (const [i, e] of list(s[11], "state.scoring").entries()) {
    const p = `state.scoring[${i}]`
    const t = tuple(e, p, 6)
    const claimId = toHex(bytes(t[0], `${p}.claimId`, 32))
    const workId = toHex(bytes(t[1], `${p}.workId`, 32))
    const sch = tuple(t[2], `${p}.schedule`, 3)
    const schedule = { openHeight: uint(sch[0], `${p}.schedule[0]`), commitDeadline: uint(sch[1], `${p}.schedule[1]`), revealDeadline: uint(sch[2], `${p}.schedule[2]`) }
    const seats = new Map<Hex, number>()
    for (const [j, x] of list(t[3], `${p}.seats`).entries()) {
      const y = tuple(x, `${p}.seats[${j}]`, 2)
      seats.set(toHex(bytes(y[0], `${p}.seats[${j}].evaluator`, 32)), uint(y[1], `${p}.seats[${j}].seats`))
    }
    const commits = new Map<Hex, CommitRecord>()
    for (const [j, x] of list(t[4], `${p}.commits`).entries()) {
      const y = tuple(x, `${p}.commits[${j}]`, 3)
      commits.set(toHex(bytes(y[0], `${p}.commits[${j}].evaluator`, 32)), {
        commitment: bytes(y[1], `${p}.commits[${j}].commitment`, 32),
        height: uint(y[2], `${p}.commits[${j}].height`),
      })
    }
    const reveals = new Map<Hex, RevealRecord>()
    for (const [j, x] of list(t[5], `${p}.reveals`).entries()) {
      const y = tuple(x, `${p}.reveals[${j}]`, 5)
      const score = (k: number, name: string) => {
        const v = uint(y[k], `${p}.reveals[${j}].${name}`)
        return v <= PPM ? v : bad(`${p}.reveals[${j}].${name}`, "score above 1,000,000 ppm")
      }
      reveals.set(toHex(bytes(y[0], `${p}.reveals[${j}].evaluator`, 32)), {
        scores: { correctness: score(1, "correctness"), utility: score(2, "utility"), novelty: score(3, "novelty") },
        height: uint(y[4], `${p}.reveals[${j}].height`),
      })
    }
    scoring.set(claimId, { workId, round: { chainId, claimId, seats, schedule, commits, reveals } })
  }
  const novelty: Array<bigint> = []
  for (const [i, e] of list(s[12], "state.novelty").entries()) novelty.push(sketchFingerprint(bytes(e, `state.novelty[${i}]`, NOVELTY_SKETCH_BYTES)))
  return { chainId, params, height, lastBlockHash, beacon, accounts, validators, commitments, claims, qWindow, lastPower, punished, totals, scoring, novelty }
}

/**
 * LEDGER-SNAPSHOT.3: decode untrusted bytes to the state they encode. In order: CBOR failures
 * (SNAPSHOT_MALFORMED, SNAPSHOT_NON_CANONICAL), the top-level map and `version` (SNAPSHOT_VERSION),
 * every field's type, length and range (SNAPSHOT_SCHEMA), and finally re-encoding: bytes whose
 * entries are not strictly in key order (or repeat a key) re-encode differently and are
 * SNAPSHOT_NON_CANONICAL. So exactly one byte string encodes each state. Never throws.
 */
export const decodeSnapshot = (input: Uint8Array): Either.Either<ChainState, SnapshotError> => {
  const c = canonicalDecode(input)
  if (Either.isLeft(c))
    return Either.left(new SnapshotError({ code: c.left.reason === "non-canonical" ? "SNAPSHOT_NON_CANONICAL" : "SNAPSHOT_MALFORMED", detail: c.left.detail }))
  try {
    const v = c.right
    if (!isObj(v)) return bad("$", "expected a map")
    if (v.version !== SNAPSHOT_VERSION) throw new Bad("SNAPSHOT_VERSION", `version ${JSON.stringify(typeof v.version === "number" ? v.version : String(v.version))}`)
    keysExactly(v, ["version", "params", "lastBlockHash", "state"], "$")
    const pv = v.params
    if (!isObj(pv)) return bad("params", "expected a map")
    keysExactly(pv, PARAM_NAMES as ReadonlyArray<string>, "params")
    const params = Object.fromEntries(PARAM_NAMES.map((k) => [k, uint(pv[k], `params.${k}`)])) as unknown as Params
    const lastBlockHash = bytes(v.lastBlockHash, "lastBlockHash", 32)
    const state = decodeState(v.state, params, lastBlockHash)
    if (!bytesEqual(encodeSnapshot(state), input))
      throw new Bad("SNAPSHOT_NON_CANONICAL", "entries are not strictly in canonical key order (or a key repeats)")
    return Either.right(state)
  } catch (e) {
    if (e instanceof Bad) return Either.left(new SnapshotError({ code: e.code, detail: e.message }))
    return Either.left(new SnapshotError({ code: "SNAPSHOT_SCHEMA", detail: e instanceof Error ? e.message : String(e) }))
  }
}

/** Hex convenience for the conformance handlers. */
export const decodeSnapshotHex = (hex: string): Either.Either<ChainState, SnapshotError> => {
  if (!/^([0-9a-f]{2})*$/.test(hex)) return Either.left(new SnapshotError({ code: "SNAPSHOT_MALFORMED", detail: "not lowercase hex" }))
  return decodeSnapshot(fromHex(hex))
}
