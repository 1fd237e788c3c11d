// spec: ENC-CBOR.3, ENC-CBOR.5 (spec/02-encoding.md)
// The accepting half of strict decoding, read directly from the bytes: a byte string that is, item by
// item, the canonical encoding (ENC-CBOR.1) of a data-model value (ENC-CBOR.2) becomes that value in
// one pass, without cborg's tokens, the Map-to-object walk and the re-encoding comparison (together
// 5.8 % of the 100-node simulator's CPU, issue 12). It never rejects: on the first byte it is not
// sure of (a non-shortest head, keys out of order or repeated, a "__proto__" key, a float, a tag, a
// simple value other than false/true/null, an integer outside the safe range, non-ASCII text, nesting
// deeper than MAX_DEPTH, a truncated item or trailing bytes) it answers UNSURE and `canonicalDecode`
// runs the full path, so every rejection and its reason and detail stay cborg's and the walk's.
// test/codec/FastCborDecode.test.ts checks that both paths give the same answer on arbitrary values,
// on byte-level mutations of their encodings and on every row of the ENC-CBOR.3 table.

const MAX_DEPTH = 64
/** 2^21: the high 32-bit word of the first integer above 2^53 - 1. */
const SAFE_HI_LIMIT = 0x200000

class Unsure {}
/** The answer when the fast path does not decide; the caller runs the full strict decoder. */
export const UNSURE: unknown = new Unsure()

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, a: number, b: number) => string }).latin1Slice

let src: Uint8Array = new Uint8Array(0)
let p = 0
let end = 0

/** The argument of a head with additional information `ai`, in its shortest form only. */
const argument = (ai: number): number => {
  if (ai < 24) return ai
  if (ai === 24) {
    if (p + 1 > end) throw UNSURE
    const n = src[p++] as number
    if (n < 24) throw UNSURE
    return n
  }
  if (ai === 25) {
    if (p + 2 > end) throw UNSURE
    const n = ((src[p] as number) << 8) | (src[p + 1] as number)
    p += 2
    if (n < 0x100) throw UNSURE
    return n
  }
  if (ai === 26) {
    if (p + 4 > end) throw UNSURE
    const n = (src[p] as number) * 0x1000000 + (((src[p + 1] as number) << 16) | ((src[p + 2] as number) << 8) | (src[p + 3] as number))
    p += 4
    if (n < 0x10000) throw UNSURE
    return n
  }
  if (ai === 27) {
    if (p + 8 > end) throw UNSURE
    const hi = (src[p] as number) * 0x1000000 + (((src[p + 1] as number) << 16) | ((src[p + 2] as number) << 8) | (src[p + 3] as number))
    const lo = (src[p + 4] as number) * 0x1000000 + (((src[p + 5] as number) << 16) | ((src[p + 6] as number) << 8) | (src[p + 7] as number))
    p += 8
    if (hi === 0 || hi >= SAFE_HI_LIMIT) throw UNSURE // not the shortest form, or above 2^53 - 1
    return hi * 0x100000000 + lo
  }
  throw UNSURE // 28-30 reserved, 31 indefinite length
}

/** `len` ASCII bytes at p as a string, or UNSURE if any byte is not ASCII. */
const ascii = (len: number): string => {
  if (p + len > end) throw UNSURE
  const to = p + len
  for (let i = p; i < to; i++) if ((src[i] as number) >= 0x80) throw UNSURE
  let s: string
  if (latin1Slice !== undefined) s = latin1Slice.call(src, p, to)
  else {
    s = ""
    for (let i = p; i < to; i++) s += String.fromCharCode(src[i] as number)
  }
  p = to
  return s
}

const item = (depth: number): unknown => {
  if (depth > MAX_DEPTH || p >= end) throw UNSURE
  const ib = src[p++] as number
  const major = ib >>> 5
  const ai = ib & 0x1f
  switch (major) {
    case 0:
      return argument(ai)
    case 1: {
      const n = argument(ai)
      if (n === Number.MAX_SAFE_INTEGER) throw UNSURE // -1 - n = -2^53: outside the data model
      return -1 - n
    }
    case 2: {
      const len = argument(ai)
      if (p + len > end) throw UNSURE
      const b = src.slice(p, p + len) // a copy with its own buffer, as cborg gives
      p += len
      return b
    }
    case 3:
      return ascii(argument(ai))
    case 4: {
      const len = argument(ai)
      if (len > end - p) throw UNSURE // every element takes at least one byte
      const out: unknown[] = []
      for (let i = 0; i < len; i++) out.push(item(depth + 1))
      return out
    }
    case 5: {
      const len = argument(ai)
      if (len > (end - p) / 2) throw UNSURE // every entry takes at least two bytes
      const out: Record<string, unknown> = {}
      let prevAt = -1
      let prevLen = -1
      for (let i = 0; i < len; i++) {
        if (p >= end) throw UNSURE
        const kb = src[p++] as number
        if (kb >>> 5 !== 3) throw UNSURE // a key that is not a text string
        const klen = argument(kb & 0x1f)
        const kAt = p
        // ENC-CBOR.1 rule 3: encoded keys strictly increasing (length first, then bytes); equal is a duplicate
        if (klen < prevLen) throw UNSURE
        if (klen === prevLen) {
          let c = 0
          if (kAt + klen > end) throw UNSURE
          for (let j = 0; j < klen && c === 0; j++) c = (src[kAt + j] as number) - (src[prevAt + j] as number)
          if (c <= 0) throw UNSURE
        }
        const k = ascii(klen)
        if (k === "__proto__") throw UNSURE
        prevAt = kAt
        prevLen = klen
        out[k] = item(depth + 1)
      }
      return out
    }
    case 7:
      if (ib === 0xf4) return false
      if (ib === 0xf5) return true
      if (ib === 0xf6) return null
      throw UNSURE // undefined, other simple values, floats, break
    default:
      throw UNSURE // tags
  }
}

/**
 * ENC-CBOR.5: the value whose canonical encoding `bytes` is, or UNSURE. Whenever it answers a value,
 * `canonicalDecode`'s full path accepts the same bytes with an equal value.
 */
export const fastCanonicalDecode = (bytes: Uint8Array): unknown => {
  const prev = src
  const prevP = p
  const prevEnd = end
  src = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  p = 0
  end = bytes.length
  try {
    const v = item(0)
    if (p === end) return v
  } catch (e) {
    if (e !== UNSURE) throw e
  } finally {
    src = prev
    p = prevP
    end = prevEnd
  }
  fastDecodeStats.unsure++
  return UNSURE
}

/** How many inputs the fast path left to the full decoder (the canonical encoding of a data-model
 * value with ASCII text never should be: that is tested). */
export const fastDecodeStats = { unsure: 0 }
