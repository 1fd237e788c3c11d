// Byte helpers shared by every layer. Pure, no dependencies.

export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")

export const fromHex = (s: string): Uint8Array => {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new Error(`invalid hex string of length ${s.length}`)
  return new Uint8Array(Buffer.from(s, "hex"))
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

export const concatBytes = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
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
