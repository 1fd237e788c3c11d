// spec: ENC-CBOR.1..4, ENC-SCHEMA.1, ENC-HASH.1..3, ERR-DECODE (spec/02-encoding.md, spec/07-errors.md)
// Handlers of the "encoding" suite (conformance/vectors/encoding/<handler>/, conformance/docs/encoding.md):
//   canonical  one file per wire type (<Type>.json): typed decode (bytes -> value and hash, or the
//              decode reason) and typed encode (value -> canonical bytes)
//   cbor       the strict canonical-CBOR layer below the types (ENC-CBOR.3): bytes -> data-model value
//              or reason, value -> bytes, with no schema
// Also the JSON form of wire values shared by every vector file (conformance/README.md "JSON form of
// values"; conformance/json.ts re-exports it).
import { Either } from "effect"
import { fromHex, toHex } from "../../codec/Bytes.ts"
import { MAX_WIRE_BYTES, canonicalDecode, canonicalEncode } from "../../codec/Canonical.ts"
import { Hashes } from "../../codec/Hashing.ts"
import { Codecs, type Codec, type CodecName } from "../../codec/index.ts"
import { nobleCrypto } from "../../crypto/NobleCrypto.ts"
import {
  ConformanceInputError,
  field,
  genericCases,
  hexField,
  num,
  str,
  type CaseResult,
  type ConformanceCase,
  type HandlerDef,
  type Json,
} from "../Types.ts"

// ---------------------------------------------------------------------------------------------
// JSON form of wire values (schema-agnostic): "0x"+hex = bytes, other strings = text, safe integers,
// null/booleans, arrays, objects with text keys.

const BYTES = /^0x(?:[0-9a-f]{2})*$/

/** In-memory wire value -> JSON form. Throws on values that have no JSON form (floats, bigints, "0x" text...). */
export const valueToJson = (v: unknown, path = "$"): Json => {
  if (v === null || typeof v === "boolean") return v
  if (v instanceof Uint8Array) return "0x" + toHex(v)
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v) || Object.is(v, -0)) throw new Error(`${path}: ${v} is not a safe integer`)
    return v
  }
  if (typeof v === "string") {
    if (v.startsWith("0x")) throw new Error(`${path}: text value "${v}" would read back as bytes`)
    return v
  }
  if (Array.isArray(v)) return v.map((x, i) => valueToJson(x, `${path}[${i}]`))
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, Json> = {}
    for (const [k, x] of Object.entries(v)) out[k] = valueToJson(x, `${path}.${k}`)
    return out
  }
  throw new Error(`${path}: ${typeof v} has no JSON form`)
}

/** JSON form -> in-memory wire value ("0x" strings become Uint8Array). Throws on a malformed "0x" string. */
export const valueFromJson = (j: unknown, path = "$"): unknown => {
  if (j === null || typeof j === "boolean") return j
  if (typeof j === "number") {
    if (!Number.isSafeInteger(j)) throw new Error(`${path}: ${j} is not a safe integer`)
    return j
  }
  if (typeof j === "string") {
    if (!j.startsWith("0x")) return j
    if (!BYTES.test(j)) throw new Error(`${path}: "${j.slice(0, 20)}..." is not "0x" + lowercase hex of even length`)
    return fromHex(j.slice(2))
  }
  if (Array.isArray(j)) return j.map((x, i) => valueFromJson(x, `${path}[${i}]`))
  if (typeof j === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(j as object)) {
      // "__proto__" as a plain assignment would set the prototype, not a property (ENC-CBOR.3 row)
      Object.defineProperty(out, k, { value: valueFromJson(x, `${path}.${k}`), enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  throw new Error(`${path}: not JSON`)
}

/** A case input's wire value (JSON form) -> in-memory value; bad JSON form is a ConformanceInputError. */
export const valueField = (input: Json, name: string): unknown => {
  try {
    return valueFromJson(field(input, name), `input.${name}`)
  } catch (e) {
    if (e instanceof ConformanceInputError) throw e
    throw new ConformanceInputError(e instanceof Error ? e.message : String(e))
  }
}

/** `bytes` followed by zero bytes up to `zeroPadTo` in all (the oversized cases; never spelled out). */
export const paddedBytes = (input: Json, name: string): Uint8Array => {
  const b = hexField(input, name)
  const o = input as { readonly zeroPadTo?: Json }
  if (o.zeroPadTo === undefined) return b
  const n = num(input, "zeroPadTo")
  if (!Number.isSafeInteger(n) || n < b.length || n > 2 * MAX_WIRE_BYTES) throw new ConformanceInputError(`zeroPadTo ${n} out of range`)
  const out = new Uint8Array(n)
  out.set(b)
  return out
}

const opOf = (input: Json, ops: ReadonlyArray<string>): string => {
  const op = str(input, "op")
  if (!ops.includes(op)) throw new ConformanceInputError(`unknown op ${op} (expected ${ops.join(", ")})`)
  return op
}

// ---------------------------------------------------------------------------------------------
// encoding/canonical

/** The wire types that have a hash, with the Hashes function and its domain tag (ENC-HASH.3). */
export const HASHED_TYPES: Partial<Record<CodecName, keyof typeof Hashes>> = {
  Transfer: "txId",
  BlockHeader: "blockHash",
  BlockBody: "bodyHash",
  CommitCertificate: "commitCert",
  Evidence: "evidence",
}

/** The rich file format of encoding/canonical/<Type>.json (conformance/schema/encoding/canonical.json). */
export interface EncodingFile {
  readonly type: CodecName
  readonly hash?: { readonly function: string; readonly domainTag: string; readonly rule: string }
  readonly valid: ReadonlyArray<{ readonly name: string; readonly description?: string; readonly value: Json; readonly canonical: string; readonly hash?: string }>
  readonly invalid: ReadonlyArray<{
    readonly name: string
    readonly description: string
    readonly bytes: string
    readonly reason: string
    readonly zeroPadTo?: number
  }>
}

const codecOf = (input: Json): Codec<unknown> => {
  const t = str(input, "type")
  if (!Object.hasOwn(Codecs, t)) throw new ConformanceInputError(`unknown wire type ${t}`)
  return Codecs[t as CodecName] as unknown as Codec<unknown>
}

/**
 * A valid case gives two protocol cases: `<name>/decode` {op, type, bytes} -> {value, hash?} and
 * `<name>/encode` {op, type, value} -> {bytes}; an invalid case gives `<name>` {op: "decode", type,
 * bytes, zeroPadTo?} -> reject <reason>.
 */
const canonicalCases = (file: Json): ReadonlyArray<ConformanceCase> => {
  const f = file as unknown as EncodingFile
  const out: ConformanceCase[] = []
  for (const c of f.valid) {
    out.push({
      name: `${c.name}/decode`,
      input: { op: "decode", type: f.type, bytes: c.canonical },
      expected: { output: { value: c.value, ...(c.hash !== undefined ? { hash: c.hash } : {}) } },
    })
    out.push({ name: `${c.name}/encode`, input: { op: "encode", type: f.type, value: c.value }, expected: { output: { bytes: c.canonical } } })
  }
  for (const c of f.invalid)
    out.push({
      name: c.name,
      input: { op: "decode", type: f.type, bytes: c.bytes, ...(c.zeroPadTo !== undefined ? { zeroPadTo: c.zeroPadTo } : {}) },
      expected: { reject: c.reason },
    })
  return out
}

const canonicalRun = (input: Json): CaseResult => {
  const op = opOf(input, ["decode", "encode"])
  const codec = codecOf(input)
  if (op === "encode") {
    const v = codec.validate(valueField(input, "value"))
    if (Either.isLeft(v)) return { reject: v.left.reason }
    return { output: { bytes: toHex(codec.encode(v.right)) } }
  }
  const r = codec.decode(paddedBytes(input, "bytes"))
  if (Either.isLeft(r)) return { reject: r.left.reason }
  const hashFn = HASHED_TYPES[codec.name as CodecName]
  const hash =
    hashFn === undefined ? undefined : (Hashes[hashFn] as (sha: (d: Uint8Array) => Uint8Array, v: unknown) => Uint8Array)(nobleCrypto.sha256, r.right)
  return { output: { value: valueToJson(r.right), ...(hash !== undefined ? { hash: toHex(hash) } : {}) } }
}

// ---------------------------------------------------------------------------------------------
// encoding/cbor (generic form)

const cborRun = (input: Json): CaseResult => {
  const op = opOf(input, ["decode", "encode"])
  if (op === "encode") return { output: { bytes: toHex(canonicalEncode(valueField(input, "value"))) } }
  const r = canonicalDecode(paddedBytes(input, "bytes"))
  if (Either.isLeft(r)) return { reject: r.left.reason }
  return { output: { value: valueToJson(r.right) } }
}

export const handlers: ReadonlyArray<HandlerDef> = [
  {
    suite: "encoding",
    handler: "canonical",
    description:
      "typed canonical encoding of every wire type: decode bytes -> JSON value (+ hash for hashed types) or the decode reason " +
      "(oversized, malformed, non-canonical, schema); encode JSON value -> canonical bytes",
    spec: ["ENC-CBOR.1", "ENC-CBOR.2", "ENC-CBOR.3", "ENC-CBOR.4", "ENC-SCHEMA.1", "ENC-HASH.1", "ENC-HASH.3", "ERR-DECODE"],
    formatVersion: "poai/encoding-vectors/v1",
    cases: canonicalCases,
    run: canonicalRun,
  },
  {
    suite: "encoding",
    handler: "cbor",
    description:
      "the strict canonical CBOR layer without a schema: decode bytes -> data-model value or reason (oversized, malformed, non-canonical); " +
      "encode value -> deterministic bytes",
    spec: ["ENC-CBOR.1", "ENC-CBOR.2", "ENC-CBOR.3", "ENC-CBOR.4"],
    formatVersion: "poai/conformance/v1",
    cases: genericCases,
    run: cborRun,
  },
]
