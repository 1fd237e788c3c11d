// Byte helpers shared by every layer. Pure, no dependencies.

// Reading `.buffer` of a small (on-heap) Uint8Array makes V8 move its bytes off-heap into a new
// ArrayBuffer with its own backing store: 1 µs instead of 0.2 µs, and, for arrays that live on (decoded
// block contents), one more ArrayBuffer for every garbage collection to track (issue 12: half a million
// of them at height 40 of the N = 100 simulation). Buffer's own hex and latin1 writers read any
// Uint8Array view without materializing its buffer.
const bufferProto = Buffer.prototype as unknown as {
  readonly hexSlice?: (this: Uint8Array, start: number, end: number) => string
  readonly latin1Slice?: (this: Uint8Array, start: number, end: number) => string
}
const hexSlice = bufferProto.hexSlice
const latin1Slice = bufferProto.latin1Slice

/** Lowercase hex of the bytes (of the view only). */
export const toHex: (b: Uint8Array) => string =
  hexSlice !== undefined ? (b) => hexSlice.call(b, 0, b.length) : (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")

/** The bytes as a latin1 string (one char per byte): a compact, exact map key. */
export const toLatin1: (b: Uint8Array) => string =
  latin1Slice !== undefined ? (b) => latin1Slice.call(b, 0, b.length) : (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1")

export const fromHex = (s: string): Uint8Array => {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new Error(`invalid hex string of length ${s.length}`)
  return new Uint8Array(Buffer.from(s, "hex"))
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

// A Uint8Array of more than 64 bytes gets its own off-heap backing store, and V8 allocates that
// slowly (measured on this machine kind, Node 20: 2-6 µs for 65-1000 bytes against 0.1 µs at 64 and
// below, issue 12). Short-lived byte strings above 64 bytes (signing bytes, encodings, copies) are
// therefore cut from shared 16 KiB slabs, as Node's Buffer pool does: a plain Uint8Array view, zeroed
// (slab memory is never reused), with its own byteOffset. Its `.buffer` is the slab: code that reads a
// view's buffer must use byteOffset and byteLength (every use in src/ does).
const SLAB_BYTES = 16 * 1024
const SLAB_MAX = 1024
let slab = new ArrayBuffer(SLAB_BYTES)
let slabUsed = 0

/** A zeroed Uint8Array of n bytes (from a slab when 64 < n <= 1024). */
export const allocBytes = (n: number): Uint8Array => {
  if (n <= 64 || n > SLAB_MAX) return new Uint8Array(n)
  if (slabUsed + n > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES)
    slabUsed = 0
  }
  const out = new Uint8Array(slab, slabUsed, n)
  slabUsed += (n + 7) & ~7
  return out
}

/** A copy of `b` that shares no memory with it. */
export const copyBytes = (b: Uint8Array): Uint8Array => {
  const out = allocBytes(b.length)
  out.set(b)
  return out
}

export const concatBytes = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  let n = 0
  for (const p of parts) n += p.length
  const out = allocBytes(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Lexicographic byte order (shorter prefix first). Used for every canonical sort. */
export const compareBytes = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** Big-endian unsigned 64-bit encoding of a non-negative safe integer. */
export const u64be = (n: number): Uint8Array => {
  const out = new Uint8Array(8)
  if (!Number.isSafeInteger(n) || n < 0) {
    new DataView(out.buffer).setBigUint64(0, BigInt(n)) // as before: throws, or wraps a negative
    return out
  }
  // written bytewise: a DataView would move the fresh array's bytes off-heap (see toHex)
  writeU32be(out, 0, Math.floor(n / 0x100000000))
  writeU32be(out, 4, n >>> 0)
  return out
}

/** Big-endian bytes of a 32-bit unsigned integer at `at`. */
export const writeU32be = (out: Uint8Array, at: number, v: number): void => {
  out[at] = (v >>> 24) & 0xff
  out[at + 1] = (v >>> 16) & 0xff
  out[at + 2] = (v >>> 8) & 0xff
  out[at + 3] = v & 0xff
}

/**
 * Big-endian bytes to bigint. Parsed from hex in one step: a fold of `(x << 8n) | byte` made two bigints
 * per byte (64 for a 32-byte committee draw, QUAL-COMMITTEE.1; issue 12).
 */
export const bytesToBigInt = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${toHex(b)}`))
