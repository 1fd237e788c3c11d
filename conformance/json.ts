// The JSON form of wire values used by every vector file (conformance/README.md, "JSON form").
// Schema-agnostic: a JSON string of the form "0x" + lowercase hex (even length) is a byte string, every
// other string is text; numbers are integers in the safe range; null, booleans, arrays and objects map
// to themselves. No text value in the vectors starts with "0x", and `toJson` refuses to write one, so
// the mapping is a bijection on the values that appear. The definition lives with the encoding suite's
// handlers (src/conformance/suites/encoding.ts); this module keeps the names the tests use.
import { fromHex } from "../src/codec/Bytes.ts"
export { valueFromJson as fromJson, valueToJson as toJson } from "../src/conformance/suites/encoding.ts"
export type { Json } from "../src/conformance/Types.ts"

/** A plain hex field of a vector (no "0x": fields such as `canonical`, `bytes`, `signature`). */
export const hexField = (s: unknown, what: string): Uint8Array => {
  if (typeof s !== "string" || !/^(?:[0-9a-f]{2})*$/.test(s)) throw new Error(`${what}: expected lowercase hex, got ${String(s).slice(0, 20)}`)
  return fromHex(s)
}
