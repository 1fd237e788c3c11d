// Byte helpers shared by every layer. Pure, no dependencies.

export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")

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
  new DataView(out.buffer).setBigUint64(0, BigInt(n))
  return out
}

/** Big-endian bytes to bigint. */
export const bytesToBigInt = (b: Uint8Array): bigint => {
  let x = 0n
  for (const v of b) x = (x << 8n) | BigInt(v)
  return x
}
