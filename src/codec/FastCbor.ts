// spec: ENC-CBOR.1 (spec/02-encoding.md)
// The deterministic CBOR encoding (RFC 8949 §4.2.1) of a wire value, written directly into one reused
// buffer. It gives byte for byte what cborg's `encode(value, rfc8949EncodeOptions)` gives (the
// property in test/codec/FastCbor.test.ts compares them on arbitrary values), without cborg's token
// trees and without encoding every map key again for each comparison of the key sort: the issue 12
// profile (N = 100) found canonical encoding at 14.7 % of the simulator's CPU and a third of all its
// allocation. Values outside the wire data model (floats, bigints, undefined, Maps, typed arrays other
// than Uint8Array, class instances, cycles or nesting deeper than MAX_DEPTH) go to cborg unchanged.
import { encode as cborEncode, rfc8949EncodeOptions } from "cborg"
import { allocBytes } from "./Bytes.ts"

const MAX_DEPTH = 64
const MAX_CACHED_KEYS = 4096
/** Nodes of the shape trie (about one per distinct key of each distinct shape prefix). */
const MAX_CACHED_SHAPES = 16_384

/** Thrown inside the fast path for a value it does not handle; the whole value then goes to cborg. */
class Unsupported {}
const UNSUPPORTED = new Unsupported()

let buf = new Uint8Array(16 * 1024)
let view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
let pos = 0
let busy = false

const ensure = (n: number): void => {
  if (pos + n <= buf.length) return
  let size = buf.length * 2
  while (size < pos + n) size *= 2
  const next = new Uint8Array(size)
  next.set(buf.subarray(0, pos))
  buf = next
  view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
}

/** A head: major type and argument in the shortest form (RFC 8949 §4.2.1, preferred serialization). */
const head = (major: number, n: number): void => {
  const m = major << 5
  if (n < 24) {
    ensure(1)
    buf[pos++] = m | n
  } else if (n < 0x100) {
    ensure(2)
    buf[pos++] = m | 24
    buf[pos++] = n
  } else if (n < 0x10000) {
    ensure(3)
    buf[pos++] = m | 25
    buf[pos++] = n >>> 8
    buf[pos++] = n & 0xff
  } else if (n < 0x100000000) {
    ensure(5)
    buf[pos++] = m | 26
    view.writeUInt32BE(n, pos)
    pos += 4
  } else {
    ensure(9)
    buf[pos++] = m | 27
    const hi = Math.floor(n / 0x100000000)
    view.writeUInt32BE(hi, pos)
    view.writeUInt32BE(n - hi * 0x100000000, pos + 4)
    pos += 8
  }
}

const writeString = (s: string): void => {
  const n = Buffer.byteLength(s, "utf8")
  head(3, n)
  ensure(n)
  if (n === s.length) {
    for (let i = 0; i < n; i++) buf[pos + i] = s.charCodeAt(i)
  } else view.write(s, pos, n, "utf8")
  pos += n
}

/** A map key's encoding (head and UTF-8 bytes), cborg's own, computed once per key: wire values have few. */
const keyBytes = new Map<string, Uint8Array>()
const encodedKey = (k: string): Uint8Array => {
  let b = keyBytes.get(k)
  if (b === undefined) {
    b = cborEncode(k, rfc8949EncodeOptions)
    if (keyBytes.size >= MAX_CACHED_KEYS) keyBytes.clear()
    keyBytes.set(k, b)
  }
  return b
}

/**
 * The sorted key order of one object shape (its keys in insertion order), cached per shape: RFC 8949
 * §4.2.1 orders keys by the bytewise order of their encodings. Shapes are found in a trie of keys (one
 * Map lookup per key, on property-name strings whose hashes V8 keeps), not by a string joined from the
 * keys: the join allocated a new string per encoded object and hashed it whole (issue 12).
 */
interface ShapeNode {
  next: Map<string, ShapeNode> | undefined
  sorted: ReadonlyArray<string> | undefined
}
let shapeRoot: ShapeNode = { next: undefined, sorted: undefined }
let shapeNodes = 0
const byEncoding = (a: string, b: string): number => Buffer.compare(encodedKey(a), encodedKey(b))
const sortedKeys = (keys: ReadonlyArray<string>): ReadonlyArray<string> => {
  if (keys.length >= MAX_CACHED_SHAPES) return [...keys].sort(byEncoding) // larger than the whole cache
  let node = shapeRoot
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string
    let nx = node.next?.get(k)
    if (nx === undefined) {
      if (shapeNodes >= MAX_CACHED_SHAPES) {
        // bounded: a flood of distinct shapes starts the cache afresh
        shapeRoot = { next: undefined, sorted: undefined }
        shapeNodes = 0
        return sortedKeys(keys)
      }
      nx = { next: undefined, sorted: undefined }
      ;(node.next ??= new Map()).set(k, nx)
      shapeNodes++
    }
    node = nx
  }
  let s = node.sorted
  if (s === undefined) {
    s = [...keys].sort(byEncoding)
    node.sorted = s
  }
  return s
}

/**
 * LEDGER-ROOT.2: the canonical encoding of one data-model value, written as it is where it occurs in a
 * value being encoded (the state root re-uses the encodings of unchanged rows). Not a wire value: only
 * `deterministicEncode` understands it, and a value holding one is never handed to cborg.
 */
export class PreEncoded {
  constructor(readonly bytes: Uint8Array) {}
}
let sawPreEncoded = false

const write = (v: unknown, depth: number): void => {
  if (depth > MAX_DEPTH) throw UNSUPPORTED
  switch (typeof v) {
    case "number":
      if (!Number.isSafeInteger(v)) throw UNSUPPORTED
      if (v >= 0) head(0, v)
      else head(1, -v - 1)
      return
    case "string":
      writeString(v)
      return
    case "boolean":
      ensure(1)
      buf[pos++] = v ? 0xf5 : 0xf4
      return
    case "object": {
      if (v === null) {
        ensure(1)
        buf[pos++] = 0xf6
        return
      }
      if (v instanceof PreEncoded) {
        sawPreEncoded = true
        ensure(v.bytes.length)
        buf.set(v.bytes, pos)
        pos += v.bytes.length
        return
      }
      if (v instanceof Uint8Array) {
        head(2, v.length)
        ensure(v.length)
        buf.set(v, pos)
        pos += v.length
        return
      }
      if (Array.isArray(v)) {
        head(4, v.length)
        for (let i = 0; i < v.length; i++) write(v[i], depth + 1)
        return
      }
      if ((v as object).constructor !== Object) throw UNSUPPORTED
      const keys = Object.keys(v)
      head(5, keys.length)
      for (const k of keys.length > 1 ? sortedKeys(keys) : keys) {
        const kb = encodedKey(k)
        ensure(kb.length)
        buf.set(kb, pos)
        pos += kb.length
        write((v as Record<string, unknown>)[k], depth + 1)
      }
      return
    }
    default:
      throw UNSUPPORTED
  }
}

/** ENC-CBOR.1: deterministic CBOR; equal to cborg's `encode(value, rfc8949EncodeOptions)` on every value. */
export const deterministicEncode = (value: unknown): Uint8Array => {
  if (busy) return cborEncode(value, rfc8949EncodeOptions) // re-entered (a getter that encodes): no shared buffer
  busy = true
  pos = 0
  sawPreEncoded = false
  try {
    write(value, 0)
    const out = allocBytes(pos)
    out.set(buf.subarray(0, pos))
    return out
  } catch (e) {
    if (e !== UNSUPPORTED) throw e
  } finally {
    busy = false
    // a buffer grown for one huge value is not kept
    if (buf.length > 1024 * 1024) {
      buf = new Uint8Array(16 * 1024)
      view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
    }
  }
  if (sawPreEncoded) throw new TypeError("deterministicEncode: a value holding PreEncoded bytes is outside the data model elsewhere")
  fastCborStats.fallbacks++
  return cborEncode(value, rfc8949EncodeOptions)
}

/** How many values went to cborg because the direct writer gave up on them (values outside the data
 * model; a data-model value never should: that is tested). */
export const fastCborStats = { fallbacks: 0 }
