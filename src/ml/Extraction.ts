// spec: VER-EXT.1..19 (spec/16-experience-extraction.md); paper §2.3 (experience extraction), §4.2-4.3
// Experience extraction: a fixed, integer-only pipeline that distils interaction logs into
// embedding-keyed experience records (one per session), a Merkle commitment to the records, and a
// verifier that re-runs the pipeline on a beacon-seeded sample of sessions. Nothing here uses a
// floating-point value: tokens, feature hashes, vectors, normalization, keys and representative
// choice are exact integer computations, so every implementation produces the same bytes.
import { Data, Either, Schema } from "effect"
import { bytesEqual, bytesToBigInt, compareBytes, concatBytes, toHex, u64be } from "../codec/Bytes.ts"
import { DOMAIN, MAX_WIRE_BYTES, tagged } from "../codec/Canonical.ts"
import { makeCodec } from "../codec/Codec.ts"
import { Hash32, Uint } from "../domain/Primitives.ts"

export type Sha256 = (data: Uint8Array) => Uint8Array

// ------------------------------------------------------------------------------------------------
// Parameters (VER-EXT.1, table in the spec chapter)

/** Embedding dimension D (a power of two that divides 256). */
export const EXT_DIM = 64
/** Fixed-point scale of an embedding coordinate: a unit vector coordinate 1.0 is 32767 (Q15). */
export const EXT_SCALE = 32767
/** Record key length in bytes: one sign bit per embedding coordinate. */
export const EXT_KEY_BYTES = EXT_DIM / 8
export const MAX_LOG_ENTRIES = 16384
export const MAX_TEXT_BYTES = 8192
export const MAX_SESSION_BYTES = 32
export const MAX_SAMPLE_K = 256
export const DEFAULT_SAMPLE_K = 32
/** Bound on an inclusion proof's length (a tree of MAX_LOG_ENTRIES leaves needs 14). */
export const MAX_PROOF_HASHES = 32

// ------------------------------------------------------------------------------------------------
// Wire types (VER-EXT.1, VER-EXT.10, VER-EXT.14)

export const ROLES = ["user", "assistant", "tool", "system"] as const
export const OUTCOMES = ["success", "failure", "none"] as const
export const Role = Schema.Literal(...ROLES)
export type Role = typeof Role.Type
export const Outcome = Schema.Literal(...OUTCOMES)
export type Outcome = typeof Outcome.Type

const SessionId = Schema.Uint8ArrayFromSelf.pipe(
  Schema.filter(
    (b) => (b.length >= 1 && b.length <= MAX_SESSION_BYTES) || `expected 1..${MAX_SESSION_BYTES} bytes, got ${b.length}`,
  ),
  Schema.annotations({ identifier: "SessionId" }),
)
const RecordKey = Schema.Uint8ArrayFromSelf.pipe(
  Schema.filter((b) => b.length === EXT_KEY_BYTES || `expected ${EXT_KEY_BYTES} bytes, got ${b.length}`),
  Schema.annotations({ identifier: "RecordKey" }),
)

/** A lone surrogate (a JS string that is not well-formed Unicode); paired surrogates do not match. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u
export const utf8Length = (s: string): number => Buffer.byteLength(s, "utf8")

const WellFormedText = Schema.String.pipe(
  Schema.filter((s) => !LONE_SURROGATE.test(s) || "text is not well-formed Unicode (lone surrogate)"),
)
const BoundedText = WellFormedText.pipe(
  Schema.filter((s) => utf8Length(s) <= MAX_TEXT_BYTES || `text is ${utf8Length(s)} UTF-8 bytes, over ${MAX_TEXT_BYTES}`),
)

const logEntryFields = <T extends Schema.Schema<string, string, never>>(text: T) => ({
  session: SessionId,
  role: Role,
  text,
  outcome: Outcome,
})

/** One interaction: who said what in which session, and the outcome it recorded (VER-EXT.1). */
export const LogEntry = Schema.Struct(logEntryFields(BoundedText)).annotations({ identifier: "LogEntry" })
export type LogEntry = typeof LogEntry.Type

/** The task input: the interaction log, in log order (VER-EXT.1). */
export const ExtractionInput = Schema.Struct({
  entries: Schema.Array(LogEntry).pipe(Schema.minItems(1), Schema.maxItems(MAX_LOG_ENTRIES)),
}).annotations({ identifier: "ExtractionInput" })
export type ExtractionInput = typeof ExtractionInput.Type

/** Same shape without the size limits: decoding reports a limit as EXT_TOO_LARGE, not EXT_MALFORMED. */
const ExtractionInputEnvelope = Schema.Struct({
  entries: Schema.Array(Schema.Struct(logEntryFields(WellFormedText))).pipe(Schema.minItems(1)),
}).annotations({ identifier: "ExtractionInputEnvelope" })

const Q15 = Schema.Int.pipe(Schema.between(-EXT_SCALE, EXT_SCALE), Schema.annotations({ identifier: "Q15" }))
const LogIndex = Schema.Int.pipe(Schema.between(0, MAX_LOG_ENTRIES - 1), Schema.annotations({ identifier: "LogIndex" }))
const EntryCount = Schema.Int.pipe(Schema.between(0, MAX_LOG_ENTRIES))

/** An experience record: the distilled form of one session (VER-EXT.10). */
export const ExperienceRecord = Schema.Struct({
  session: SessionId,
  key: RecordKey,
  embedding: Schema.Array(Q15).pipe(Schema.itemsCount(EXT_DIM)),
  tokens: Uint,
  roles: Schema.Struct({ user: EntryCount, assistant: EntryCount, tool: EntryCount, system: EntryCount }),
  outcomes: Schema.Struct({ success: EntryCount, failure: EntryCount, none: EntryCount }),
  representative: LogIndex,
  sourceIndices: Schema.Array(LogIndex).pipe(Schema.minItems(1), Schema.maxItems(MAX_LOG_ENTRIES)),
}).annotations({ identifier: "ExperienceRecord" })
export type ExperienceRecord = typeof ExperienceRecord.Type

const openingFields = {
  index: LogIndex,
  record: ExperienceRecord,
  proof: Schema.Array(Hash32).pipe(Schema.maxItems(MAX_PROOF_HASHES)),
}
/** One opened record with its inclusion proof (VER-EXT.14). */
export const RecordOpening = Schema.Struct(openingFields).annotations({ identifier: "RecordOpening" })
export type RecordOpening = typeof RecordOpening.Type

/** The worker's answer to a sample: the committed record count and one opening per sampled index (VER-EXT.14). */
export const ExtractionOpening = Schema.Struct({
  recordCount: Schema.Int.pipe(Schema.between(1, MAX_LOG_ENTRIES)),
  openings: Schema.Array(RecordOpening).pipe(Schema.minItems(1), Schema.maxItems(MAX_SAMPLE_K)),
}).annotations({ identifier: "ExtractionOpening" })
export type ExtractionOpening = typeof ExtractionOpening.Type

const ExtractionOpeningEnvelope = Schema.Struct({
  recordCount: Uint,
  openings: Schema.Array(RecordOpening).pipe(Schema.minItems(1)),
}).annotations({ identifier: "ExtractionOpeningEnvelope" })

const inputEnvelopeCodec = makeCodec("ExtractionInputEnvelope", ExtractionInputEnvelope)
const openingEnvelopeCodec = makeCodec("ExtractionOpeningEnvelope", ExtractionOpeningEnvelope)
export const ExtractionCodecs = {
  LogEntry: makeCodec("LogEntry", LogEntry),
  ExtractionInput: makeCodec("ExtractionInput", ExtractionInput),
  ExperienceRecord: makeCodec("ExperienceRecord", ExperienceRecord),
  RecordOpening: makeCodec("RecordOpening", RecordOpening),
  ExtractionOpening: makeCodec("ExtractionOpening", ExtractionOpening),
} as const

// ------------------------------------------------------------------------------------------------
// Errors (VER-EXT.16)

export const EXTRACTION_ERROR_CODES = {
  EXT_MALFORMED: "logs or opening are not a valid canonical encoding of their type",
  EXT_TOO_LARGE: "logs or opening exceed a size limit (wire bytes, entries, text bytes, openings, record count)",
  EXT_BAD_PARAMS: "verifier parameters are out of range (hash or seed not 32 bytes, k outside [1, MAX_SAMPLE_K])",
  EXT_INPUT_MISMATCH: "the logs do not hash to the claimed input hash",
  EXT_BAD_PROOF: "an inclusion proof does not lead to the committed output hash for its index and the record count",
  EXT_MISSING_PARTITION: "the commitment holds fewer records than the logs have sessions",
  EXT_EXTRA_RECORD: "the commitment holds more records than the logs have sessions",
  EXT_WRONG_SAMPLE: "the opened indices are not exactly the verifier's sample",
  EXT_RECORD_MISMATCH: "an opened record differs from the record the pipeline derives from its session",
} as const
export type ExtractionErrorCode = keyof typeof EXTRACTION_ERROR_CODES

export class ExtractionError extends Data.TaggedError("ExtractionError")<{
  readonly code: ExtractionErrorCode
  readonly detail: string
}> {
  override get message(): string {
    return `${this.code}: ${EXTRACTION_ERROR_CODES[this.code]}${this.detail ? ` (${this.detail})` : ""}`
  }
}

const fail = (code: ExtractionErrorCode, detail = ""): Either.Either<never, ExtractionError> =>
  Either.left(new ExtractionError({ code, detail }))

// ------------------------------------------------------------------------------------------------
// Decoding (VER-EXT.1, VER-EXT.14). Never throws.

const checkInputLimits = (v: typeof ExtractionInputEnvelope.Type): Either.Either<ExtractionInput, ExtractionError> => {
  if (v.entries.length > MAX_LOG_ENTRIES) return fail("EXT_TOO_LARGE", `${v.entries.length} entries, over ${MAX_LOG_ENTRIES}`)
  for (let i = 0; i < v.entries.length; i++) {
    const n = utf8Length((v.entries[i] as LogEntry).text)
    if (n > MAX_TEXT_BYTES) return fail("EXT_TOO_LARGE", `entry ${i}: text is ${n} UTF-8 bytes, over ${MAX_TEXT_BYTES}`)
  }
  return Either.right(v as ExtractionInput)
}

/** Decode untrusted log bytes (VER-EXT.1). */
export const decodeExtractionInput = (bytes: Uint8Array): Either.Either<ExtractionInput, ExtractionError> => {
  const d = inputEnvelopeCodec.decode(bytes)
  if (Either.isLeft(d)) return fail(d.left.reason === "oversized" ? "EXT_TOO_LARGE" : "EXT_MALFORMED", d.left.message)
  return checkInputLimits(d.right)
}

/** Validate an in-memory log value (the wire-size limit is checked on its encoding by prepareLogs). */
export const validateExtractionInput = (value: unknown): Either.Either<ExtractionInput, ExtractionError> => {
  const v = inputEnvelopeCodec.validate(value)
  if (Either.isLeft(v)) return fail("EXT_MALFORMED", v.left.message)
  return checkInputLimits(v.right)
}

const checkOpeningLimits = (
  v: typeof ExtractionOpeningEnvelope.Type,
): Either.Either<ExtractionOpening, ExtractionError> => {
  if (v.recordCount > MAX_LOG_ENTRIES) return fail("EXT_TOO_LARGE", `recordCount ${v.recordCount} over ${MAX_LOG_ENTRIES}`)
  if (v.recordCount < 1) return fail("EXT_MALFORMED", "recordCount is 0")
  if (v.openings.length > MAX_SAMPLE_K) return fail("EXT_TOO_LARGE", `${v.openings.length} openings, over ${MAX_SAMPLE_K}`)
  return Either.right(v as ExtractionOpening)
}

/** Decode an untrusted opening (VER-EXT.14). */
export const decodeExtractionOpening = (bytes: Uint8Array): Either.Either<ExtractionOpening, ExtractionError> => {
  const d = openingEnvelopeCodec.decode(bytes)
  if (Either.isLeft(d)) return fail(d.left.reason === "oversized" ? "EXT_TOO_LARGE" : "EXT_MALFORMED", d.left.message)
  return checkOpeningLimits(d.right)
}

const validateOpening = (value: unknown): Either.Either<ExtractionOpening, ExtractionError> => {
  const v = openingEnvelopeCodec.validate(value)
  if (Either.isLeft(v)) return fail("EXT_MALFORMED", v.left.message)
  return checkOpeningLimits(v.right)
}

/** Input hash (VER-EXT.2): H(tagged("POAI/v1/ext-input", cbor(input))). */
export const extractionInputHash = (sha256: Sha256, input: ExtractionInput | Uint8Array): Uint8Array =>
  sha256(tagged(DOMAIN.extInput, input instanceof Uint8Array ? input : ExtractionCodecs.ExtractionInput.encode(input)))

// ------------------------------------------------------------------------------------------------
// Partitioning (VER-EXT.3)

export interface Partition {
  readonly session: Uint8Array
  /** Log indices of the session's entries, ascending. */
  readonly indices: ReadonlyArray<number>
}

/** The sessions of the log in canonical order (bytewise by session id), each with its entries' indices. */
export const partitionLogs = (input: ExtractionInput): ReadonlyArray<Partition> => {
  const bySession = new Map<string, { session: Uint8Array; indices: number[] }>()
  input.entries.forEach((e, i) => {
    const h = toHex(e.session)
    const p = bySession.get(h)
    if (p === undefined) bySession.set(h, { session: e.session, indices: [i] })
    else p.indices.push(i)
  })
  return [...bySession.values()].sort((a, b) => compareBytes(a.session, b.session))
}

// ------------------------------------------------------------------------------------------------
// Tokenization (VER-EXT.4)

/** Non-ASCII separator code points (VER-EXT.4): every other non-ASCII code point is a token character. */
export const SEPARATOR_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0080, 0x00bf], // C1 controls, NBSP, Latin-1 punctuation and symbols
  [0x00d7, 0x00d7], // multiplication sign
  [0x00f7, 0x00f7], // division sign
  [0x2000, 0x206f], // General Punctuation (spaces, dashes, quotes, invisible operators)
  [0x2e00, 0x2e7f], // Supplemental Punctuation
  [0x3000, 0x303f], // CJK Symbols and Punctuation
  [0xfe10, 0xfe1f], // Vertical Forms
  [0xfe30, 0xfe6f], // CJK Compatibility Forms, Small Form Variants
  [0xfeff, 0xfeff], // zero width no-break space (BOM)
  [0xff00, 0xff0f], // fullwidth punctuation ...
  [0xff1a, 0xff20],
  [0xff3b, 0xff40],
  [0xff5b, 0xff65], // ... and halfwidth CJK punctuation
  [0xfff0, 0xffff], // Specials (incl. U+FFFD)
]

/** Token character predicate on a code point of the NFC-normalized, ASCII-lowercased text. */
export const isTokenCodePoint = (c: number): boolean => {
  if (c < 0x80) return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a)
  for (const [lo, hi] of SEPARATOR_RANGES) if (c >= lo && c <= hi) return false
  return true
}

const ASCII_UPPER = /[A-Z]+/g

/** Tokens of a text (VER-EXT.4): NFC, ASCII lowercase, maximal runs of token code points. */
export const tokenize = (text: string): string[] => {
  const s = text.normalize("NFC").replace(ASCII_UPPER, (m) => m.toLowerCase())
  const out: string[] = []
  let start = -1
  let i = 0
  while (i < s.length) {
    const c = s.codePointAt(i) as number
    const w = c > 0xffff ? 2 : 1
    if (isTokenCodePoint(c)) {
      if (start < 0) start = i
    } else if (start >= 0) {
      out.push(s.slice(start, i))
      start = -1
    }
    i += w
  }
  if (start >= 0) out.push(s.slice(start))
  return out
}

// ------------------------------------------------------------------------------------------------
// Feature hashing (VER-EXT.5) and vectors (VER-EXT.6)

const enc = new TextEncoder()

/** Feature bytes (VER-EXT.5): unigram 0x01 || utf8(t); bigram 0x02 || utf8(a) || 0x00 || utf8(b). */
export const featureBytes = (a: string, b?: string): Uint8Array =>
  b === undefined ? concatBytes(new Uint8Array([1]), enc.encode(a)) : concatBytes(new Uint8Array([2]), enc.encode(a), new Uint8Array([0]), enc.encode(b))

/** Coordinate and sign of a feature: h = H(tagged("POAI/v1/ext-feature", bytes)); index h[0] mod D; sign - iff h[1] odd. */
export const featureSlot = (sha256: Sha256, bytes: Uint8Array): { readonly index: number; readonly sign: 1 | -1 } => {
  const h = sha256(tagged(DOMAIN.extFeature, bytes))
  return { index: (h[0] as number) % EXT_DIM, sign: ((h[1] as number) & 1) === 0 ? 1 : -1 }
}

const MAX_CACHED_FEATURES = 1 << 18

/**
 * Feature hasher with a bounded memo (an implementation detail: a feature always maps to the same
 * slot, so caching changes no result). Slot packed as index * 2 + (sign < 0 ? 1 : 0).
 */
export class FeatureHasher {
  private readonly cache = new Map<string, number>()
  constructor(readonly sha256: Sha256) {}
  slot(a: string, b?: string): number {
    const key = b === undefined ? a : `${a}\u0000${b}`
    const hit = this.cache.get(key)
    if (hit !== undefined) return hit
    const { index, sign } = featureSlot(this.sha256, featureBytes(a, b))
    const packed = index * 2 + (sign < 0 ? 1 : 0)
    if (this.cache.size >= MAX_CACHED_FEATURES) this.cache.clear()
    this.cache.set(key, packed)
    return packed
  }
}
// A unigram key never contains U+0000 and a bigram key always does, so the two kinds never collide.

/** Integer vector of one entry's text (VER-EXT.6): sum of ±1 at each unigram's and bigram's slot. */
export const entryVector = (hasher: FeatureHasher, text: string): { readonly vector: number[]; readonly tokens: number } => {
  const v = new Array<number>(EXT_DIM).fill(0)
  const toks = tokenize(text)
  const add = (packed: number) => {
    const i = packed >> 1
    v[i] = (v[i] as number) + ((packed & 1) === 0 ? 1 : -1)
  }
  for (let j = 0; j < toks.length; j++) {
    add(hasher.slot(toks[j] as string))
    if (j + 1 < toks.length) add(hasher.slot(toks[j] as string, toks[j + 1] as string))
  }
  return { vector: v, tokens: toks.length }
}

// ------------------------------------------------------------------------------------------------
// Fixed-point normalization (VER-EXT.7) and key (VER-EXT.8)

/** floor(sqrt(n)) for n >= 0, exact (Newton's method on bigints). */
export const isqrt = (n: bigint): bigint => {
  if (n < 0n) throw new RangeError("isqrt of a negative number")
  if (n < 2n) return n
  let x = 1n << BigInt((n.toString(2).length + 1) >> 1) // 2^ceil(bits/2) >= sqrt(n)
  for (;;) {
    const y = (x + n / x) >> 1n
    if (y >= x) return x
    x = y
  }
}

const SCALE2x4 = 4n * BigInt(EXT_SCALE) * BigInt(EXT_SCALE)

/** floor(sqrt(x)) for a safe integer x >= 0 (exact: the float estimate is corrected in integers). */
const isqrtSafe = (x: number): number => {
  let r = Math.floor(Math.sqrt(x))
  while (r * r > x) r--
  while ((r + 1) * (r + 1) <= x) r++
  return r
}

/**
 * Q15 embedding (VER-EXT.7): q_i = sign(v_i) * round_half_up(|v_i| * S / sqrt(N)), N = sum v_j^2,
 * computed exactly as (isqrt(floor(4 * v_i^2 * S^2 / N)) + 1) >> 1; the zero vector maps to zeros.
 * N < 2^53 for every vector the bounded input can produce; the quotient is at most 4 S^2 < 2^33.
 */
export const quantizeQ15 = (v: ReadonlyArray<number>): number[] => {
  let n = 0n
  for (const x of v) n += BigInt(x) * BigInt(x)
  if (n === 0n) return v.map(() => 0)
  return v.map((x) => {
    if (x === 0) return 0
    const a = BigInt(x < 0 ? -x : x)
    const m = (isqrtSafe(Number((SCALE2x4 * a * a) / n)) + 1) >>> 1
    return x < 0 ? -m : m
  })
}

/** Record key (VER-EXT.8): bit i (byte i >> 3, bit 7 - (i & 7), MSB first) is 1 iff q_i > 0. */
export const recordKey = (q: ReadonlyArray<number>): Uint8Array => {
  const key = new Uint8Array(EXT_KEY_BYTES)
  q.forEach((x, i) => {
    if (x > 0) key[i >> 3] = (key[i >> 3] as number) | (0x80 >> (i & 7))
  })
  return key
}

// ------------------------------------------------------------------------------------------------
// Representative entry (VER-EXT.9)

/**
 * Dot product of integer vectors. Exact in doubles here: |entry . total| <= features(entry) *
 * features(log) < 2^37 for any input within the limits (VER-EXT.1).
 */
const dot = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number)
  return s
}

/** a = d_a / sqrt(n_a) compared with b = d_b / sqrt(n_b) (n > 0), exactly: -1, 0 or 1. */
const compareScaled = (da: bigint, na: bigint, db: bigint, nb: bigint): number => {
  const sa = da > 0n ? 1 : da < 0n ? -1 : 0
  const sb = db > 0n ? 1 : db < 0n ? -1 : 0
  if (sa !== sb) return sa > sb ? 1 : -1
  if (sa === 0) return 0
  const l = da * da * nb
  const r = db * db * na
  const c = l > r ? 1 : l < r ? -1 : 0
  return sa > 0 ? c : -c
}

/**
 * Index (into `vectors`) of the entry whose vector has the largest cosine with `total`; entries with
 * a zero vector never win unless all are zero (then 0); ties go to the lowest index.
 */
export const representativeOf = (vectors: ReadonlyArray<ReadonlyArray<number>>, total: ReadonlyArray<number>): number => {
  let best = -1
  let bd = 0n
  let bn = 0n
  vectors.forEach((v, i) => {
    const n = BigInt(dot(v, v))
    if (n === 0n) return
    const d = BigInt(dot(v, total))
    if (best < 0 || compareScaled(d, n, bd, bn) > 0) {
      best = i
      bd = d
      bn = n
    }
  })
  return best < 0 ? 0 : best
}

// ------------------------------------------------------------------------------------------------
// Records (VER-EXT.10)

/** Intermediate values of one partition, for vectors and debugging. */
export interface DerivedPartition {
  readonly record: ExperienceRecord
  /** The session's integer vector before normalization. */
  readonly raw: ReadonlyArray<number>
}

/** Derive the record of one partition (depends on that session's entries only). */
export const derivePartition = (hasher: FeatureHasher, input: ExtractionInput, p: Partition): DerivedPartition => {
  const total = new Array<number>(EXT_DIM).fill(0)
  const vectors: number[][] = []
  let tokens = 0
  const roles = { user: 0, assistant: 0, tool: 0, system: 0 }
  const outcomes = { success: 0, failure: 0, none: 0 }
  for (const i of p.indices) {
    const e = input.entries[i] as LogEntry
    const ev = entryVector(hasher, e.text)
    vectors.push(ev.vector)
    for (let j = 0; j < EXT_DIM; j++) total[j] = (total[j] as number) + (ev.vector[j] as number)
    tokens += ev.tokens
    roles[e.role]++
    outcomes[e.outcome]++
  }
  const embedding = quantizeQ15(total)
  const record: ExperienceRecord = {
    session: p.session,
    key: recordKey(embedding),
    embedding,
    tokens,
    roles,
    outcomes,
    representative: p.indices[representativeOf(vectors, total)] as number,
    sourceIndices: [...p.indices],
  }
  return { record, raw: total }
}

/** All records of a log, in canonical order (VER-EXT.3, VER-EXT.10). */
export const extractRecords = (sha256: Sha256, input: ExtractionInput): ExperienceRecord[] => {
  const hasher = new FeatureHasher(sha256)
  return partitionLogs(input).map((p) => derivePartition(hasher, input, p).record)
}

// ------------------------------------------------------------------------------------------------
// Commitment (VER-EXT.11) and inclusion proofs (VER-EXT.12)

/**
 * Canonical CBOR of a record (ENC-CBOR.1), written directly: the record's shape is fixed, so its map
 * keys have one canonical order (shorter keys first, then bytewise) that is spelled out here. Equal,
 * byte for byte, to `ExtractionCodecs.ExperienceRecord.encode` (test/ml/Extraction.test.ts and
 * properties/extraction.test.ts check it), and some 30x faster, which matters for the one leaf per session.
 * The record must be schema-valid (every record the pipeline derives or a decoder returns is).
 */
export const recordBytes = (r: ExperienceRecord): Uint8Array => {
  const out: number[] = [0xa8]
  pushKey(out, "key")
  pushBytes(out, r.key)
  pushKey(out, "roles")
  out.push(0xa4)
  pushKey(out, "tool")
  pushInt(out, r.roles.tool)
  pushKey(out, "user")
  pushInt(out, r.roles.user)
  pushKey(out, "system")
  pushInt(out, r.roles.system)
  pushKey(out, "assistant")
  pushInt(out, r.roles.assistant)
  pushKey(out, "tokens")
  pushInt(out, r.tokens)
  pushKey(out, "session")
  pushBytes(out, r.session)
  pushKey(out, "outcomes")
  out.push(0xa3)
  pushKey(out, "none")
  pushInt(out, r.outcomes.none)
  pushKey(out, "failure")
  pushInt(out, r.outcomes.failure)
  pushKey(out, "success")
  pushInt(out, r.outcomes.success)
  pushKey(out, "embedding")
  pushHead(out, 4, r.embedding.length)
  for (const x of r.embedding) pushInt(out, x)
  pushKey(out, "sourceIndices")
  pushHead(out, 4, r.sourceIndices.length)
  for (const x of r.sourceIndices) pushInt(out, x)
  pushKey(out, "representative")
  pushInt(out, r.representative)
  return Uint8Array.from(out)
}

const pushHead = (out: number[], major: number, n: number): void => {
  const m = major << 5
  if (n < 24) out.push(m | n)
  else if (n < 0x100) out.push(m | 24, n)
  else if (n < 0x10000) out.push(m | 25, n >>> 8, n & 0xff)
  else if (n < 0x100000000) out.push(m | 26, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff)
  else {
    const hi = Math.floor(n / 0x100000000)
    const lo = n >>> 0
    out.push(m | 27, hi >>> 24, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff)
  }
}
const pushInt = (out: number[], x: number): void => (x >= 0 ? pushHead(out, 0, x) : pushHead(out, 1, -1 - x))
const pushBytes = (out: number[], b: Uint8Array): void => {
  pushHead(out, 2, b.length)
  for (const v of b) out.push(v)
}
/** Map keys are short ASCII text. */
const pushKey = (out: number[], k: string): void => {
  pushHead(out, 3, k.length)
  for (let i = 0; i < k.length; i++) out.push(k.charCodeAt(i))
}

export const leafHash = (sha256: Sha256, r: ExperienceRecord): Uint8Array => sha256(tagged(DOMAIN.extLeaf, recordBytes(r)))
export const nodeHash = (sha256: Sha256, left: Uint8Array, right: Uint8Array): Uint8Array =>
  sha256(tagged(DOMAIN.extNode, concatBytes(left, right)))
/** outputHash = H(tagged("POAI/v1/ext-root", u64(n) || MTH)). */
export const rootHash = (sha256: Sha256, n: number, treeHash: Uint8Array): Uint8Array =>
  sha256(tagged(DOMAIN.extRoot, concatBytes(u64be(n), treeHash)))

/**
 * The levels of the RFC 9162 Merkle tree over `leaves` (non-empty): level 0 the leaves, each next
 * level pairs adjacent nodes left to right and carries an unpaired last node up unchanged, which is
 * the same tree as RFC 9162 §2.1.1's split at the largest power of two below n.
 */
export const merkleLevels = (sha256: Sha256, leaves: ReadonlyArray<Uint8Array>): Uint8Array[][] => {
  if (leaves.length === 0) throw new RangeError("a Merkle tree needs at least one leaf")
  const levels: Uint8Array[][] = [[...leaves]]
  for (;;) {
    const cur = levels[levels.length - 1] as Uint8Array[]
    if (cur.length === 1) return levels
    const next: Uint8Array[] = []
    for (let i = 0; i < cur.length; i += 2)
      next.push(i + 1 < cur.length ? nodeHash(sha256, cur[i] as Uint8Array, cur[i + 1] as Uint8Array) : (cur[i] as Uint8Array))
    levels.push(next)
  }
}

/** MTH of the leaves (RFC 9162 with the poai tags). */
export const merkleTreeHash = (sha256: Sha256, leaves: ReadonlyArray<Uint8Array>): Uint8Array => {
  const levels = merkleLevels(sha256, leaves)
  return (levels[levels.length - 1] as Uint8Array[])[0] as Uint8Array
}

/** Inclusion proof of leaf `index` (RFC 9162 §2.1.3.1 audit path, leaf to root). */
export const inclusionProof = (levels: ReadonlyArray<ReadonlyArray<Uint8Array>>, index: number): Uint8Array[] => {
  const proof: Uint8Array[] = []
  let i = index
  for (let l = 0; l < levels.length - 1; l++) {
    const level = levels[l] as ReadonlyArray<Uint8Array>
    const sib = i ^ 1
    if (sib < level.length) proof.push(level[sib] as Uint8Array)
    i >>= 1
  }
  return proof
}

/** RFC 9162 §2.1.3.2: the tree hash that `proof` leads to from `leaf` at `index` in a tree of `size`, or undefined. */
export const treeHashFromProof = (
  sha256: Sha256,
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: ReadonlyArray<Uint8Array>,
): Uint8Array | undefined => {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size)) || index < 0 || index >= size) return undefined
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of proof) {
    if (sn === 0) return undefined
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(sha256, p, r)
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2)
        sn = Math.floor(sn / 2)
      }
    } else r = nodeHash(sha256, r, p)
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 ? r : undefined
}

export interface Extraction {
  readonly records: ReadonlyArray<ExperienceRecord>
  readonly leaves: ReadonlyArray<Uint8Array>
  readonly levels: ReadonlyArray<ReadonlyArray<Uint8Array>>
  readonly treeHash: Uint8Array
  /** The work claim's output hash (VER-EXT.11). */
  readonly outputHash: Uint8Array
}

/** Commit to a list of records in the given order (the worker's output; honest order is canonical). */
export const commitRecords = (sha256: Sha256, records: ReadonlyArray<ExperienceRecord>): Extraction => {
  const leaves = records.map((r) => leafHash(sha256, r))
  const levels = merkleLevels(sha256, leaves)
  const treeHash = (levels[levels.length - 1] as Uint8Array[])[0] as Uint8Array
  return { records, leaves, levels, treeHash, outputHash: rootHash(sha256, records.length, treeHash) }
}

/** Run the pipeline and commit to its output (VER-EXT.3..11). */
export const extract = (sha256: Sha256, input: ExtractionInput): Extraction => commitRecords(sha256, extractRecords(sha256, input))

// ------------------------------------------------------------------------------------------------
// Sampling (VER-EXT.13)

/** Sampling seed from a beacon value and the work id: H(tagged("POAI/v1/ext-seed", beacon || workId)). */
export const sampleSeed = (sha256: Sha256, beacon: Uint8Array, workId: Uint8Array): Uint8Array =>
  sha256(tagged(DOMAIN.extSeed, concatBytes(beacon, workId)))

/** Draw j in [0, n): OS2IP(H(tagged("POAI/v1/ext-sample", seed || u64(j)))) mod n, j = 0..k-1 (with replacement). */
export const sampleDraws = (sha256: Sha256, seed: Uint8Array, n: number, k: number): number[] => {
  const out: number[] = []
  const bn = BigInt(n)
  for (let j = 0; j < k; j++) out.push(Number(bytesToBigInt(sha256(tagged(DOMAIN.extSample, concatBytes(seed, u64be(j))))) % bn))
  return out
}

/** The sample set: the distinct draws, ascending. */
export const sampleIndices = (sha256: Sha256, seed: Uint8Array, n: number, k: number): number[] =>
  [...new Set(sampleDraws(sha256, seed, n, k))].sort((a, b) => a - b)

/** The worker's opening of `indices` (ascending) of a committed extraction (VER-EXT.14). */
export const openRecords = (ext: Extraction, indices: ReadonlyArray<number>): ExtractionOpening => ({
  recordCount: ext.records.length,
  openings: indices.map((index) => ({
    index,
    record: ext.records[index] as ExperienceRecord,
    proof: inclusionProof(ext.levels, index),
  })),
})

// ------------------------------------------------------------------------------------------------
// Verification (VER-EXT.15)

export interface ExtractionClaimUnderTest {
  /** The task input (canonical bytes, or a value). */
  readonly logs: Uint8Array | ExtractionInput
  /** The claim's input hash (VER-EXT.2). */
  readonly inputHash: Uint8Array
  /** The claim's output hash (VER-EXT.11). */
  readonly outputHash: Uint8Array
}

export interface SampleParams {
  /** 32-byte seed, unpredictable to the worker when it committed outputHash (e.g. sampleSeed). */
  readonly seed: Uint8Array
  /** Number of draws, 1..MAX_SAMPLE_K. */
  readonly k: number
}

export interface ExtractionVerified {
  readonly recordCount: number
  /** The sampled indices that were re-derived and matched. */
  readonly sampled: ReadonlyArray<number>
}

/** Logs that decoded and match the claimed input hash, with their partitions (VER-EXT.15 steps 2-3). */
export interface PreparedLogs {
  readonly input: ExtractionInput
  readonly inputHash: Uint8Array
  readonly partitions: ReadonlyArray<Partition>
}

const is32 = (b: unknown): b is Uint8Array => b instanceof Uint8Array && b.length === 32

const checkParams = (params: SampleParams, hashes: ReadonlyArray<readonly [string, unknown]>): Either.Either<void, ExtractionError> => {
  if (!is32(params.seed)) return fail("EXT_BAD_PARAMS", "seed must be 32 bytes")
  if (!Number.isSafeInteger(params.k) || params.k < 1 || params.k > MAX_SAMPLE_K)
    return fail("EXT_BAD_PARAMS", `k = ${params.k} outside [1, ${MAX_SAMPLE_K}]`)
  for (const [name, h] of hashes) if (!is32(h)) return fail("EXT_BAD_PARAMS", `${name} must be 32 bytes`)
  return Either.void
}

/** Decode the logs and check them against the claimed input hash (VER-EXT.15 steps 2-3). Never throws. */
export const prepareLogs = (
  sha256: Sha256,
  logs: Uint8Array | ExtractionInput,
  inputHash: Uint8Array,
): Either.Either<PreparedLogs, ExtractionError> => {
  if (!is32(inputHash)) return fail("EXT_BAD_PARAMS", "inputHash must be 32 bytes")
  const d = logs instanceof Uint8Array ? decodeExtractionInput(logs) : validateExtractionInput(logs)
  if (Either.isLeft(d)) return Either.left(d.left)
  const input = d.right
  const bytes = logs instanceof Uint8Array ? logs : ExtractionCodecs.ExtractionInput.encode(input)
  if (bytes.length > MAX_WIRE_BYTES) return fail("EXT_TOO_LARGE", `${bytes.length} bytes exceeds MAX_WIRE_BYTES=${MAX_WIRE_BYTES}`)
  const h = extractionInputHash(sha256, bytes)
  if (!bytesEqual(h, inputHash)) return fail("EXT_INPUT_MISMATCH", "H(logs) differs from the claimed inputHash")
  return Either.right({ input, inputHash: h, partitions: partitionLogs(input) })
}

/**
 * Verify an opening against prepared logs and a committed output hash (VER-EXT.15 steps 4-8). Never
 * throws. A verifier that checks several openings over the same logs prepares them once.
 */
export const verifyOpening = (
  sha256: Sha256,
  prepared: PreparedLogs,
  outputHash: Uint8Array,
  params: SampleParams,
  opening: Uint8Array | ExtractionOpening,
): Either.Either<ExtractionVerified, ExtractionError> => {
  const p = checkParams(params, [["outputHash", outputHash]])
  if (Either.isLeft(p)) return Either.left(p.left)
  // 4: opening decode
  const op = opening instanceof Uint8Array ? decodeExtractionOpening(opening) : validateOpening(opening)
  if (Either.isLeft(op)) return Either.left(op.left)
  const { recordCount, openings } = op.right
  // 5: every opening is in the committed tree of recordCount leaves
  for (const o of openings) {
    const t = treeHashFromProof(sha256, leafHash(sha256, o.record), o.index, recordCount, o.proof)
    if (t === undefined || !bytesEqual(rootHash(sha256, recordCount, t), outputHash))
      return fail("EXT_BAD_PROOF", `index ${o.index} of ${recordCount}`)
  }
  // 6: coverage: one record per session
  const partitions = prepared.partitions
  if (recordCount < partitions.length)
    return fail("EXT_MISSING_PARTITION", `${recordCount} records committed, ${partitions.length} sessions in the logs`)
  if (recordCount > partitions.length)
    return fail("EXT_EXTRA_RECORD", `${recordCount} records committed, ${partitions.length} sessions in the logs`)
  // 7: the opened indices are exactly the sample
  const sample = sampleIndices(sha256, params.seed, recordCount, params.k)
  if (openings.length !== sample.length || openings.some((o, i) => o.index !== sample[i]))
    return fail("EXT_WRONG_SAMPLE", `expected indices [${sample.join(",")}], got [${openings.map((o) => o.index).join(",")}]`)
  // 8: re-derive each sampled record from its session alone
  const hasher = new FeatureHasher(sha256)
  for (const o of openings) {
    const want = derivePartition(hasher, prepared.input, partitions[o.index] as Partition).record
    if (!bytesEqual(recordBytes(want), recordBytes(o.record)))
      return fail("EXT_RECORD_MISMATCH", `record ${o.index} (session ${toHex(want.session)})`)
  }
  return Either.right({ recordCount, sampled: sample })
}

/**
 * Verify an extraction claim by re-running the pipeline on a seeded sample of sessions, in the order
 * of VER-EXT.15 (the first failure is reported). Never throws.
 */
export const verifyExtraction = (
  sha256: Sha256,
  claim: ExtractionClaimUnderTest,
  params: SampleParams,
  opening: Uint8Array | ExtractionOpening,
): Either.Either<ExtractionVerified, ExtractionError> => {
  // 1: parameters
  const p = checkParams(params, [
    ["inputHash", claim.inputHash],
    ["outputHash", claim.outputHash],
  ])
  if (Either.isLeft(p)) return Either.left(p.left)
  // 2-3: logs and input hash
  const prepared = prepareLogs(sha256, claim.logs, claim.inputHash)
  if (Either.isLeft(prepared)) return Either.left(prepared.left)
  // 4-8
  return verifyOpening(sha256, prepared.right, claim.outputHash, params, opening)
}

// ------------------------------------------------------------------------------------------------
// Detection (VER-EXT.17)

/**
 * Probability that k draws with replacement hit at least one of `faked` of `n` records:
 * 1 - (1 - faked/n)^k, as an exact fraction [numerator, denominator] = [n^k - (n-faked)^k, n^k].
 */
export const detectionProbability = (n: number, faked: number, k: number): readonly [bigint, bigint] => {
  const d = BigInt(n) ** BigInt(k)
  return [d - BigInt(n - faked) ** BigInt(k), d]
}
