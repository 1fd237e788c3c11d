// spec: ENC-CBOR.1..ENC-CBOR.4 (spec/02-encoding.md)
// One canonical byte form per value: deterministic CBOR (RFC 8949 §4.2.1 core deterministic
// encoding) via cborg. Decoding is strict and rejects any byte string that is not the canonical
// form of the value it decodes to, so that hashes and signatures have exactly one preimage.
import { decode as cborDecode } from "cborg"
import { Either } from "effect"
import { bytesEqual, concatBytes, utf8 } from "./Bytes.ts"
import { deterministicEncode } from "./FastCbor.ts"
import { fastCanonicalDecode, UNSURE } from "./FastCborDecode.ts"

/** Upper bound on any single decoded wire object (ENC-CBOR.4). */
export const MAX_WIRE_BYTES = 4 * 1024 * 1024

/**
 * ENC-CBOR.6: the deepest item a decoder accepts: the top-level item is at depth 0, an element, key or
 * value of an array or map at depth d is at depth d + 1.
 * No wire type comes near it; without it, how deep an input could go before a recursive parser ran out
 * of stack depended on the stack (a 5,000-deep array decoded in one process and threw in another).
 */
export const MAX_NESTING = 256

/**
 * ENC-CBOR.6: whether `bytes` nests arrays and maps deeper than MAX_NESTING, read iteratively from the
 * heads (no recursion). Stops, answering false, at anything it cannot follow (a truncated head, an
 * indefinite length, a tag, a reserved value): cborg meets that defect first and throws there, before
 * any deeper recursion. Not the PSA reader's `scanCbor` (src/verification/tee/Psa.ts, a layer above):
 * that one stops at the first well-formedness problem of any kind (a float, a container claiming more
 * items than bytes left), and an input whose deep nesting came after such a problem would reach
 * cborg's recursion unchecked; here floats and counts are stepped over and only the depth answers.
 */
const nestsTooDeep = (bytes: Uint8Array): boolean => {
  const pending: number[] = [] // items still to read in each open array or map
  let p = 0
  for (;;) {
    if (p >= bytes.length) return false
    const ib = bytes[p++] as number
    const major = ib >>> 5
    const ai = ib & 0x1f
    let n: number
    if (ai < 24) n = ai
    else if (ai <= 27) {
      const len = 1 << (ai - 24)
      if (p + len > bytes.length) return false
      n = 0
      for (let i = 0; i < len; i++) n = n * 256 + (bytes[p + i] as number)
      p += len
    } else return false
    if (major === 6) return false
    if (major === 2 || major === 3) {
      if (n > bytes.length - p) return false
      p += n
    } else if ((major === 4 || major === 5) && n > 0) {
      // this container is at depth pending.length; its elements would be at depth pending.length + 1
      if (pending.length >= MAX_NESTING) return true
      pending.push(major === 5 ? 2 * n : n)
      continue
    }
    // one item done: close every container it completes
    for (;;) {
      if (pending.length === 0) return false
      const left = (pending[pending.length - 1] as number) - 1
      if (left > 0) {
        pending[pending.length - 1] = left
        break
      }
      pending.pop()
    }
  }
}

const decodeOptions = {
  // Non-minimal integer / length heads are well-formed CBOR that is not in deterministic form: they are
  // accepted by the parser and rejected by the re-encoding comparison below as "non-canonical"
  // (RFC 8949 §4.2.1), not as "malformed".
  strict: false,
  allowIndefinite: false, // indefinite-length items are malformed in the poai profile (ENC-CBOR.3)
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  rejectDuplicateMapKeys: true,
  // Maps come back as Map objects so that every key and every value is seen by `toWireValue`, the
  // value under a "__proto__" key included (assigning it to a plain object would set its prototype).
  useMaps: true,
} as const

/**
 * Canonical encoding (ENC-CBOR.1). Floats never appear in wire values (ENC-CBOR.2). The bytes are
 * cborg's `encode(value, rfc8949EncodeOptions)`, written by a direct encoder (FastCbor.ts, issue 12).
 */
export const canonicalEncode = (value: unknown): Uint8Array => deterministicEncode(value)

export type CborFailure =
  | { readonly reason: "oversized"; readonly detail: string }
  | { readonly reason: "malformed"; readonly detail: string }
  | { readonly reason: "non-canonical"; readonly detail: string }

/**
 * Strict decode (ENC-CBOR.3): malformed CBOR, trailing bytes, indefinite lengths, duplicate keys,
 * floats, undefined, tags, and any encoding that differs from the canonical re-encoding are rejected.
 * Never throws.
 */
export const canonicalDecode = (bytes: Uint8Array): Either.Either<unknown, CborFailure> => {
  if (!(bytes instanceof Uint8Array)) return Either.left({ reason: "malformed", detail: "input is not a byte array" })
  if (bytes.length > MAX_WIRE_BYTES)
    return Either.left({ reason: "oversized", detail: `${bytes.length} bytes exceeds MAX_WIRE_BYTES=${MAX_WIRE_BYTES}` })
  // ENC-CBOR.5: canonical bytes of a data-model value are read in one pass; anything else takes the
  // full path, which alone rejects (and names the reason)
  const fast = fastCanonicalDecode(bytes)
  return fast !== UNSURE ? Either.right(fast) : fullPath(bytes)
}

/**
 * ENC-CBOR.3 without the fast path: cborg's parse, the data-model walk and the re-encoding comparison.
 * `canonicalDecode` is this function on every input (test/codec/FastCborDecode.test.ts); exported for that test.
 */
export const fullCanonicalDecode = (bytes: Uint8Array): Either.Either<unknown, CborFailure> => {
  if (!(bytes instanceof Uint8Array)) return Either.left({ reason: "malformed", detail: "input is not a byte array" })
  if (bytes.length > MAX_WIRE_BYTES)
    return Either.left({ reason: "oversized", detail: `${bytes.length} bytes exceeds MAX_WIRE_BYTES=${MAX_WIRE_BYTES}` })
  return fullPath(bytes)
}

/** The full path for a byte array of at most MAX_WIRE_BYTES (both callers have checked that). */
const fullPath = (bytes: Uint8Array): Either.Either<unknown, CborFailure> => {
  if (nestsTooDeep(bytes)) return Either.left({ reason: "malformed", detail: `arrays or maps nested deeper than MAX_NESTING=${MAX_NESTING}` })
  let parsed: unknown
  try {
    parsed = cborDecode(bytes, decodeOptions)
  } catch (e) {
    return Either.left({ reason: "malformed", detail: e instanceof Error ? e.message : String(e) })
  }
  // Every malformed defect of the whole item (at any depth) is found before any non-canonical one.
  const walk: Walk = { protoAt: undefined }
  let value: unknown
  try {
    value = toWireValue(parsed, "$", walk)
  } catch (e) {
    if (e instanceof NotInDataModel) return Either.left({ reason: "malformed", detail: e.message })
    throw e
  }
  // A "__proto__" key is never an own property of a decoded object, so the value would lose it: such
  // an item has no canonical form in this implementation and is rejected as non-canonical (ENC-CBOR.3).
  if (walk.protoAt !== undefined)
    return Either.left({ reason: "non-canonical", detail: `map key "__proto__" at ${walk.protoAt}` })
  let again: Uint8Array
  try {
    again = canonicalEncode(value)
  } catch (e) {
    return Either.left({ reason: "malformed", detail: e instanceof Error ? e.message : String(e) })
  }
  if (!bytesEqual(again, bytes))
    return Either.left({ reason: "non-canonical", detail: "bytes are not the deterministic CBOR encoding of their value" })
  return Either.right(value)
}

class NotInDataModel extends Error {}
interface Walk {
  protoAt: string | undefined
}

/**
 * The decoded item as a wire value (maps become plain objects), or NotInDataModel for the first defect
 * that puts it outside the data model (ENC-CBOR.2): a number that is not a safe integer, a map key that
 * is not a text string. Records where a "__proto__" key was seen (its value is checked, then dropped).
 */
const toWireValue = (v: unknown, path: string, walk: Walk): unknown => {
  // A float that holds an integer outside the safe range (2^53 as fb4340000000000000, 1e300) is an
  // integer outside the data model, not a non-canonical spelling of one: malformed (ENC-CBOR.2/3).
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new NotInDataModel(`non-integer number at ${path}`)
    if (!Number.isSafeInteger(v)) throw new NotInDataModel(`integer outside the safe range [-(2^53-1), 2^53-1] at ${path}`)
    return v
  }
  // cborg yields a bigint exactly for integers outside [-(2^53-1), 2^53-1]: never valid wire values.
  if (typeof v === "bigint") throw new NotInDataModel(`integer outside the safe range [-(2^53-1), 2^53-1] at ${path}`)
  if (Array.isArray(v)) return v.map((x, i) => toWireValue(x, `${path}[${i}]`, walk))
  if (v instanceof Map) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of v) {
      if (typeof k !== "string") throw new NotInDataModel(`map key that is not a text string at ${path}`)
      const y = toWireValue(x, `${path}.${k}`, walk)
      if (k === "__proto__") walk.protoAt ??= path
      else out[k] = y
    }
    return out
  }
  return v
}

/**
 * Domain separation (ENC-HASH.1): every hash and signature input is
 * `len(tag) as 1 byte || ascii(tag) || payload`, with tags from DOMAIN below.
 */
export const tagged = (tag: DomainTag, payload: Uint8Array): Uint8Array => concatBytes(tagPrefix(tag), payload)

/** `len(tag) || ascii(tag)` per tag, encoded once (TextEncoder per call was 1 % of the simulator's CPU). */
const prefixes = new Map<string, Uint8Array>()
const tagPrefix = (tag: DomainTag): Uint8Array => {
  let p = prefixes.get(tag)
  if (p === undefined) {
    const t = utf8(tag)
    p = concatBytes(new Uint8Array([t.length]), t)
    prefixes.set(tag, p)
  }
  return p
}

/** The registry of domain-separation tags (spec/02-encoding.md, table ENC-HASH.2). */
export const DOMAIN = {
  tx: "POAI/v1/tx",
  txId: "POAI/v1/tx-id",
  workCommitment: "POAI/v1/work-commitment",
  workCommitMsg: "POAI/v1/work-commit-msg",
  workReveal: "POAI/v1/work-reveal",
  workId: "POAI/v1/work-id",
  claimId: "POAI/v1/claim-id",
  proposal: "POAI/v1/proposal",
  vote: "POAI/v1/vote",
  blockHeader: "POAI/v1/block-header",
  blockBody: "POAI/v1/block-body",
  commitCert: "POAI/v1/commit-cert",
  beacon: "POAI/v1/beacon",
  beaconValue: "POAI/v1/beacon-value",
  proposerDraw: "POAI/v1/proposer-draw",
  stateRoot: "POAI/v1/state-root",
  evidence: "POAI/v1/evidence",
  genesis: "POAI/v1/genesis",
  attestation: "POAI/v1/attestation",
  attReportData: "POAI/v1/att-report-data",
  simDeviceCert: "POAI/v1/sim-device-cert",
  simReport: "POAI/v1/sim-report",
  extInput: "POAI/v1/ext-input",
  extFeature: "POAI/v1/ext-feature",
  extLeaf: "POAI/v1/ext-leaf",
  extNode: "POAI/v1/ext-node",
  extRoot: "POAI/v1/ext-root",
  extSeed: "POAI/v1/ext-seed",
  extSample: "POAI/v1/ext-sample",
  committeeSeat: "POAI/v1/committee-seat",
  scoreCommitment: "POAI/v1/score-commitment",
  scoreCommitMsg: "POAI/v1/score-commit-msg",
  scoreReveal: "POAI/v1/score-reveal",
  scoreSalt: "POAI/v1/score-salt",
  noveltyShingle: "POAI/v1/novelty-shingle",
  model: "POAI/v1/model",
  infTask: "POAI/v1/inf-task",
  infOutput: "POAI/v1/inf-output",
  infSample: "POAI/v1/inf-sample",
  snpMeasurement: "POAI/v1/snp-measurement",
  psaMeasurement: "POAI/v1/psa-measurement",
  auditReport: "POAI/v1/audit-report",
  auditSelect: "POAI/v1/audit-select",
  auditAssign: "POAI/v1/audit-assign",
  attNonce: "POAI/v1/att-nonce",
  simExec: "POAI/v1/sim-exec",
  auditSeed: "POAI/v1/audit-seed",
} as const
export type DomainTag = (typeof DOMAIN)[keyof typeof DOMAIN]
