// The JSON form of wire values used by every vector file (conformance/README.md, "JSON form").
// Schema-agnostic: a JSON string of the form "0x" + lowercase hex (even length) is a byte string, every
// other string is text; numbers are integers in the safe range; null, booleans, arrays and objects map
// to themselves. No text value in the vectors starts with "0x", and `toJson` refuses to write one, so
// the mapping is a bijection on the values that appear.
import { fromHex, toHex } from "../src/codec/Bytes.ts"

export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }

const BYTES = /^0x(?:[0-9a-f]{2})*$/

/** In-memory value -> JSON form. Throws on values that have no JSON form (floats, bigints, "0x" text...). */
export const toJson = (v: unknown, path = "$"): Json => {
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
  if (Array.isArray(v)) return v.map((x, i) => toJson(x, `${path}[${i}]`))
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, Json> = {}
    for (const [k, x] of Object.entries(v)) out[k] = toJson(x, `${path}.${k}`)
    return out
  }
  throw new Error(`${path}: ${typeof v} has no JSON form`)
}

/** JSON form -> in-memory value ("0x" strings become Uint8Array). Throws on a malformed "0x" string. */
export const fromJson = (j: unknown, path = "$"): unknown => {
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
  if (Array.isArray(j)) return j.map((x, i) => fromJson(x, `${path}[${i}]`))
  if (typeof j === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(j as object)) out[k] = fromJson(x, `${path}.${k}`)
    return out
  }
  throw new Error(`${path}: not JSON`)
}

/** A plain hex field of a vector (no "0x": fields such as `canonical`, `bytes`, `signature`). */
export const hexField = (s: unknown, what: string): Uint8Array => {
  if (typeof s !== "string" || !/^(?:[0-9a-f]{2})*$/.test(s)) throw new Error(`${what}: expected lowercase hex, got ${String(s).slice(0, 20)}`)
  return fromHex(s)
}
