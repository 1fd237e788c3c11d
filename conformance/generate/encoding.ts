// Generator of the "encoding" suite (conformance/docs/encoding.md): writes
//   <outRoot>/encoding/canonical/<Type>.json   one file per wire type of src/codec/index.ts
//   <outRoot>/encoding/cbor/strict_decode.json the strict CBOR layer without a schema (generic form)
// Deterministic: every value comes from test/fixtures/samples.ts (SHA-256 counter streams over integer
// seeds) or from fixed bytes. Each vector is checked against the implementation as it is written, and
// each invalid case must be rejected with the reason it was built for (a generator that wrote a vector
// our own code fails, or a case that does not exercise its rule, throws).
import { Either } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { bytesEqual, concatBytes, fromHex, toHex, utf8 } from "../../src/codec/Bytes.ts"
import { MAX_NESTING, MAX_WIRE_BYTES, canonicalDecode, canonicalEncode, tagged, DOMAIN, type DomainTag } from "../../src/codec/Canonical.ts"
import { Hashes, SigningBytes } from "../../src/codec/Hashing.ts"
import { Codecs, type Codec, type CodecName } from "../../src/codec/index.ts"
import { genesisHash } from "../../src/core/Genesis.ts"
import { defaultParams } from "../../src/core/Params.ts"
import { nobleCrypto } from "../../src/crypto/NobleCrypto.ts"
import { genericFile, type Json } from "../../src/conformance/Types.ts"
import { valueToJson as toJson, type EncodingFile } from "../../src/conformance/suites/encoding.ts"
import type { WorkClaim } from "../../src/domain/Work.ts"
import {
  Mutations,
  findPath,
  mutate,
  parse as parseOrThrow,
  replaceAt,
  setTopText,
  write as writeItem,
  type Item,
  type Mutation,
  type MutationName,
} from "../../test/fixtures/cbor.ts"
import { CODEC_NAMES, MESSAGE_TYPES, sampleOf } from "../../test/fixtures/samples.ts"
import { writeVector } from "./write.ts"

type Reason = "oversized" | "malformed" | "non-canonical" | "schema"
const crypto = nobleCrypto // the reference layer
const sha = crypto.sha256
const codec = (name: CodecName) => Codecs[name] as unknown as Codec<unknown>

const reasonOf = (name: CodecName, bytes: Uint8Array): Reason | "ok" =>
  Either.match(codec(name).decode(bytes), { onLeft: (e) => e.reason, onRight: () => "ok" as const })

export const check = (ok: boolean, what: string): void => {
  if (!ok) throw new Error(`generator self-check failed: ${what}`)
}

/** Remove the .json files of a handler folder so that it holds exactly what the generator writes. */
export const clearHandlerDir = (outRoot: string, suite: string, handler: string): void => {
  const dir = path.join(outRoot, suite, handler)
  if (!fs.existsSync(dir)) return
  for (const f of fs.readdirSync(dir)) if (f.endsWith(".json")) fs.rmSync(path.join(dir, f))
}

// ---------------------------------------------------------------------------------------------
// The byte-level examples of spec/02-encoding.md ("Byte-level examples"), built from the code. The
// typed files carry them as valid cases named spec-example-<n>; test/codec/SpecExamples.test.ts
// checks that the markdown shows exactly these bytes.

const fill = (n: number, b: number) => new Uint8Array(n).fill(b)

export const specExamples = () => {
  const seedK1 = fill(32, 0x01)
  const seedK2 = fill(32, 0x02)
  const seedK3 = fill(32, 0x03)
  const seedB4 = fill(32, 0x04)
  const K1 = crypto.ed25519.publicKey(seedK1)
  const K2 = crypto.ed25519.publicKey(seedK2)
  const K3 = crypto.ed25519.publicKey(seedK3)
  const B4 = crypto.bls.publicKey(seedB4)
  // Example 1: a prevote, its preimage, signature, the signed vote, a nil precommit
  const unsignedVote = { chainId: "poai-spec", type: "prevote" as const, height: 1, round: 0, blockHash: fill(32, 0xab), validator: K1 }
  const voteSigningBytes = SigningBytes.vote(unsignedVote)
  const voteSignature = crypto.ed25519.sign(voteSigningBytes, seedK1)
  const vote = { ...unsignedVote, signature: voteSignature }
  const nilPrecommit = { ...unsignedVote, type: "precommit" as const, blockHash: null }
  // Example 2: a transfer and its id
  const unsignedTransfer = { chainId: "poai-spec", from: K2, to: K3, amount: 1000, fee: 1, nonce: 0 }
  const transferSigningBytes = SigningBytes.transfer(unsignedTransfer)
  const transferSignature = crypto.ed25519.sign(transferSigningBytes, seedK2)
  const transfer = { ...unsignedTransfer, signature: transferSignature }
  // Example 3: the message envelope around Example 1's vote
  const message = { type: "vote" as const, vote }
  // Example 4: genesis, beacon input, BLS signature, beacon value
  const genesis = {
    chainId: "poai-spec",
    validators: [{ pubKey: K1, blsPubKey: B4, stake: 1000 }],
    accounts: [{ pubKey: K2, balance: 5000 }],
    params: defaultParams,
    attestation: null,
    scoring: null,
  }
  const beaconInput = { chainId: "poai-spec", height: 1, prev: genesisHash(sha, genesis) }
  const beaconSigningBytes = SigningBytes.beacon(beaconInput)
  const beaconSignature = crypto.bls.sign(beaconSigningBytes, seedB4)
  // Example 5: a work claim, its commitment and work id
  const workClaim: WorkClaim = {
    task: { kind: "inference", taskId: fill(32, 0x11), modelHash: fill(32, 0x22), params: new Uint8Array(0), computeUnits: 10 },
    inputHash: fill(32, 0x33),
    outputHash: fill(32, 0x44),
    attestation: new Uint8Array(0),
    qualityClaims: { correctness: 900000, utility: 500000, novelty: 100000 },
    noveltySketch: fill(8, 0x66),
  }
  const salt = fill(32, 0x55)
  return {
    keys: { seedK1, seedK2, seedK3, seedB4, K1, K2, K3, B4 },
    ex1: { unsignedVote, voteSigningBytes, voteSignature, vote, nilPrecommit },
    ex2: { unsignedTransfer, transferSigningBytes, transferSignature, transfer },
    ex3: { message },
    ex4: { genesis, beaconInput, beaconSigningBytes, beaconSignature, beaconValue: Hashes.beaconValue(sha, beaconSignature) },
    ex5: {
      workClaim,
      worker: K1,
      salt,
      commitment: Hashes.workCommitment(sha, workClaim, K1, salt),
      workIdPayload: canonicalEncode([workClaim.task.taskId, workClaim.inputHash, workClaim.outputHash]),
      workId: Hashes.workId(sha, workClaim),
    },
  }
}
export type SpecExamples = ReturnType<typeof specExamples>

/** The typed spec examples per wire type: [case name, description, value]. */
const specExampleValues = (x: SpecExamples): Partial<Record<CodecName, ReadonlyArray<readonly [string, string, unknown]>>> => ({
  UnsignedVote: [
    ["spec-example-1", "spec/02-encoding.md Example 1: the prevote of K1 at height 1, round 0", x.ex1.unsignedVote],
    ["spec-example-1-nil-precommit", "spec/02-encoding.md Example 1: the nil precommit of the same slot", x.ex1.nilPrecommit],
  ],
  Vote: [["spec-example-1", "spec/02-encoding.md Example 1: the signed prevote", x.ex1.vote]],
  Prevote: [["spec-example-1", "spec/02-encoding.md Example 1: the signed prevote", x.ex1.vote]],
  UnsignedTransfer: [["spec-example-2", "spec/02-encoding.md Example 2: 1000 from K2 to K3, fee 1, nonce 0", x.ex2.unsignedTransfer]],
  Transfer: [["spec-example-2", "spec/02-encoding.md Example 2: the signed transfer (hash = txId)", x.ex2.transfer]],
  Message: [["spec-example-3", "spec/02-encoding.md Example 3: the message envelope of Example 1's vote", x.ex3.message]],
  BeaconInput: [["spec-example-4", "spec/02-encoding.md Example 4: height 1, prev = the genesis hash", x.ex4.beaconInput]],
  WorkClaim: [["spec-example-5", "spec/02-encoding.md Example 5: an inference work claim", x.ex5.workClaim]],
})

// ---------------------------------------------------------------------------------------------
// encoding/canonical/<Type>.json

/** The first unsigned integer replaced by a float64 holding `v` (an integer outside the safe range). */
const uintToFloat =
  (v: number): Mutation =>
  (root: Item) => {
    const p = findPath(root, (x) => x.t === "uint")
    return p === undefined ? undefined : replaceAt(root, p, () => ({ t: "float64", v }))
  }

/** Every structural mutation, with the reason a conforming decoder gives and a description. */
const MUTATIONS: ReadonlyArray<readonly [string, Mutation, Reason, string]> = [
  ...(
    [
      ["swapMapKeys", "non-canonical", "the first two keys of the first map are swapped (keys out of canonical order)"],
      ["swapNestedMapKeys", "non-canonical", "the first two keys of a nested map are swapped"],
      ["widenUint", "non-canonical", "an unsigned integer is encoded with a head one size wider than needed"],
      ["widenBytesLength", "non-canonical", "a byte string length is encoded with a head one size wider than needed"],
      ["widenMapLength", "non-canonical", "the top-level map's entry count is encoded with a 1-byte argument (0xb8 nn)"],
      ["uintAsFloat", "non-canonical", "an integer field is encoded as a float64 of the same integral value"],
      ["indefiniteArray", "malformed", "an array is encoded with indefinite length (0x9f ... 0xff)"],
      ["indefiniteMap", "malformed", "the top-level map is encoded with indefinite length (0xbf ... 0xff)"],
      ["duplicateKey", "malformed", "the top-level map repeats its first key"],
      ["uintToFraction", "malformed", "an integer field holds the float 0.5"],
      ["uintTo2p53", "malformed", "an integer field holds 2^53 (outside the safe integer range)"],
      ["uintToU64Max", "malformed", "an integer field holds 2^64-1"],
      ["tagged", "malformed", "the value is wrapped in CBOR tag 24"],
      ["uintToNegative", "schema", "an integer field holds -2"],
      ["shortenFixedBytes", "schema", "a fixed-size byte field (hash, key or signature) is one byte short, e.g. a 31-byte hash"],
      ["lengthenFixedBytes", "schema", "a fixed-size byte field is one byte long"],
      ["extraProperty", "schema", 'an extra property "zzzzzz": 0, keys still in canonical order'],
      ["missingProperty", "schema", "the first property is missing"],
      ["mapAsArray", "schema", "the top-level map is replaced by the array of its values"],
      ["bytesAsText", "schema", "a byte field is replaced by a text string"],
      ["wrongUnionTag", "schema", 'the union discriminator ("type" or "kind") holds an unknown value'],
    ] as ReadonlyArray<readonly [MutationName, Reason, string]>
  ).map(([n, r, d]) => [n, Mutations[n], r, d] as const),
  // ENC-CBOR.3: a float holding an integer outside ±(2^53-1) is outside the data model (malformed), not a
  // non-canonical spelling of an integer (regression: such floats were accepted)
  ["uintToFloat2p53", uintToFloat(2 ** 53), "malformed", "an integer field holds the float64 2^53 (fb4340000000000000): an integer outside the safe range"],
  ["uintToFloat2p64", uintToFloat(2 ** 64), "malformed", "an integer field holds the float64 2^64 (fb43f0000000000000)"],
  ["uintToFloat1e300", uintToFloat(1e300), "malformed", "an integer field holds the float64 1e300 (fb7e37e43c8800759c)"],
]

const HASHED: Partial<Record<CodecName, { fn: keyof typeof Hashes; tag: DomainTag }>> = {
  Transfer: { fn: "txId", tag: DOMAIN.txId },
  BlockHeader: { fn: "blockHash", tag: DOMAIN.blockHeader },
  BlockBody: { fn: "bodyHash", tag: DOMAIN.blockBody },
  CommitCertificate: { fn: "commitCert", tag: DOMAIN.commitCert },
  Evidence: { fn: "evidence", tag: DOMAIN.evidence },
}

const validSeeds = (name: CodecName): ReadonlyArray<number> => (name === "Message" ? MESSAGE_TYPES.map((_, i) => i) : [0, 1, 2, 3])

const encodingVector = (name: CodecName, examples: SpecExamples): EncodingFile => {
  const c = codec(name)
  const h = HASHED[name]
  const validCase = (label: string, description: string | undefined, value: unknown) => {
    const bytes = c.encode(value)
    const back = Either.getOrThrow(c.decode(bytes))
    check(bytesEqual(c.encode(back), bytes), `${name} ${label} round trip`)
    const hash = h === undefined ? undefined : sha(tagged(h.tag, bytes))
    if (h !== undefined)
      check(bytesEqual(hash as Uint8Array, (Hashes[h.fn] as (s: typeof sha, v: unknown) => Uint8Array)(sha, value)), `${name} ${label} hash`)
    return {
      name: label,
      ...(description !== undefined ? { description } : {}),
      value: toJson(value),
      canonical: toHex(bytes),
      ...(hash !== undefined ? { hash: toHex(hash) } : {}),
    }
  }
  const valid = [
    ...validSeeds(name).map((seed) => {
      const value = sampleOf(name, seed)
      return validCase(name === "Message" ? `seed-${seed}-${(value as { type: string }).type}` : `seed-${seed}`, undefined, value)
    }),
    ...(specExampleValues(examples)[name] ?? []).map(([n, d, v]) => validCase(n, d, v)),
  ]

  // Invalid cases are cut from the smallest sample a mutation applies to.
  const bySize = Array.from({ length: 8 }, (_, s) => codec(name).encode(sampleOf(name, s))).sort((a, b) => a.length - b.length)
  const smallest = bySize[0] as Uint8Array
  const invalid: Array<EncodingFile["invalid"][number]> = []
  const add = (n: string, description: string, bytes: Uint8Array, reason: Reason) => {
    const got = reasonOf(name, bytes)
    check(got === reason, `${name} ${n}: expected ${reason}, implementation says ${got}`)
    invalid.push({ name: n, description, bytes: toHex(bytes), reason })
  }
  add("empty", "zero bytes", new Uint8Array(0), "malformed")
  add("truncated-last-byte", "the canonical encoding without its last byte", smallest.subarray(0, smallest.length - 1), "malformed")
  add("truncated-half", "the first half of the canonical encoding", smallest.subarray(0, smallest.length >> 1), "malformed")
  add("trailing-zero-byte", "the canonical encoding followed by 0x00", concatBytes(smallest, new Uint8Array([0])), "malformed")
  add("two-values", "the canonical encoding twice", concatBytes(smallest, smallest), "malformed")
  for (const [m, mutation, reason, description] of MUTATIONS) {
    const bad = bySize.map((b) => mutate(b, mutation)).find((b) => b !== undefined)
    if (bad !== undefined) add(m, description, bad, reason)
  }
  const badChain = setTopText(parseOrThrow(smallest), ["chainId"], "POAI")
  if (badChain !== undefined) add("chainIdUppercase", 'chainId "POAI" does not match ^[a-z0-9-]{1,32}$', writeItem(badChain), "schema")
  // oversized: the canonical encoding padded with zero bytes to MAX_WIRE_BYTES + 1 (given by length, not spelled out)
  const padded = new Uint8Array(MAX_WIRE_BYTES + 1)
  padded.set(smallest)
  check(reasonOf(name, padded) === "oversized", `${name} oversized`)
  invalid.push({
    name: "oversized",
    description: "the canonical encoding followed by zero bytes up to MAX_WIRE_BYTES + 1 bytes in all",
    bytes: toHex(smallest),
    reason: "oversized",
    zeroPadTo: MAX_WIRE_BYTES + 1,
  })
  return {
    type: name,
    ...(h ? { hash: { function: h.fn, domainTag: h.tag, rule: "SHA-256(u8(len(domainTag)) || ascii(domainTag) || canonical)" } } : {}),
    valid,
    invalid,
  }
}

// ---------------------------------------------------------------------------------------------
// encoding/cbor/strict_decode.json: the data-model layer, no schema (ENC-CBOR.1..4)

const PROTO = "69" + toHex(utf8("__proto__"))

/** [name, value] pairs that must encode to their canonical bytes and decode back (RFC 8949 Appendix A, §4.2.1). */
/** `depth` arrays around the integer 1 (ENC-CBOR.6: the integer is at depth `depth`). */
const nestedArrays = (depth: number): unknown => (depth === 0 ? 1 : [nestedArrays(depth - 1)])

const CBOR_VALID: ReadonlyArray<readonly [string, unknown, string]> = [
  ["nesting-max", nestedArrays(MAX_NESTING), "the integer 1 inside MAX_NESTING = 256 nested arrays: the deepest item accepted (ENC-CBOR.6)"],
  ["uint-0", 0, "the smallest unsigned integer"],
  ["uint-23", 23, "the largest immediate argument"],
  ["uint-24", 24, "the smallest 1-byte argument"],
  ["uint-1000", 1000, "2-byte argument"],
  ["uint-1000000", 1_000_000, "4-byte argument"],
  ["uint-1000000000000", 1_000_000_000_000, "8-byte argument"],
  ["uint-2p53-minus-1", Number.MAX_SAFE_INTEGER, "the largest integer of the data model"],
  ["nint-1", -1, "the negative integer -1"],
  ["nint-1000", -1000, "2-byte negative argument"],
  ["nint-2p53-plus-1", -Number.MAX_SAFE_INTEGER, "the smallest integer of the data model"],
  ["text-empty", "", "the empty text string"],
  ["text-ietf", "IETF", "a short text string"],
  ["text-utf8", "\u00fc\u6c34\u{10151}", "multi-byte UTF-8"],
  ["bytes-empty", new Uint8Array(0), "the empty byte string"],
  ["bytes-4", fromHex("01020304"), "a short byte string"],
  ["bytes-24", new Uint8Array(24), "a byte string with a 1-byte length head"],
  ["array-empty", [], "the empty array"],
  ["array-nested", [1, [2, 3], [4, 5]], "nested arrays"],
  ["array-25", Array.from({ length: 25 }, (_, i) => i + 1), "an array with a 1-byte count head"],
  ["map-empty", {}, "the empty map"],
  ["map-nested", { a: 1, b: [2, 3] }, "a map holding an array"],
  ["map-key-order", { b: 1, a: 2, aa: 3 }, "keys sorted by their encodings: shorter first, then bytewise (a, b, aa)"],
  ["map-key-order-lengths", { xxx: 0, yy: 0, z: 0 }, "a shorter key sorts first whatever its letters (z, yy, xxx)"],
  ["simple-values", [null, true, false], "null, true and false"],
  ["key-containing-proto", { __proto__x: 1 }, 'a key that merely contains "__proto__" is an ordinary key'],
]

/** [name, hex, reason, description] inputs a strict decoder must reject. */
const CBOR_INVALID: ReadonlyArray<readonly [string, string, Reason, string]> = [
  ["empty", "", "malformed", "zero bytes"],
  ["truncated-uint-head", "1901", "malformed", "a 2-byte argument with one byte"],
  ["truncated-bytes", "440102", "malformed", "a 4-byte string with two bytes"],
  ["array-missing-element", "8201", "malformed", "an array of 2 with one element"],
  ["map-missing-value", "a16161", "malformed", "a map entry without its value"],
  ["nesting-too-deep", `${"81".repeat(257)}01`, "malformed", "the integer 1 inside 257 nested arrays: deeper than MAX_NESTING = 256 (ENC-CBOR.6)"],
  ["nesting-too-deep-maps", `${"a16161".repeat(257)}01`, "malformed", "the integer 1 as the value of 257 nested one-key maps (ENC-CBOR.6)"],
  ["nesting-too-deep-truncated", "81".repeat(300), "malformed", "300 nested arrays, truncated: malformed either way"],
  ["trailing-byte", "0100", "malformed", "a complete item followed by 00"],
  ["reserved-ai-28", "1c", "malformed", "reserved additional information 28"],
  ["stray-break", "ff", "malformed", "a break byte outside an indefinite item"],
  ["indefinite-array", "9f0102ff", "malformed", "an indefinite-length array"],
  ["indefinite-map", "bf616101ff", "malformed", "an indefinite-length map"],
  ["indefinite-bytes", "5f4101ff", "malformed", "an indefinite-length byte string"],
  ["duplicate-key", "a2616101616102", "malformed", "a map with the key a twice"],
  ["float-fraction", "f93e00", "malformed", "the float16 1.5"],
  ["float-nan", "f97e00", "malformed", "NaN"],
  ["float-infinity", "f97c00", "malformed", "+Infinity"],
  ["uint-2p53", "1b0020000000000000", "malformed", "the integer 2^53"],
  ["uint-2p64-minus-1", "1bffffffffffffffff", "malformed", "the integer 2^64-1"],
  ["nint-2p53-minus-1", "3b0020000000000000", "malformed", "the integer -(2^53)-1"],
  ["uint-2p53-nested", "a161611b0020000000000000", "malformed", "2^53 inside a map"],
  ["float64-2p53", "fb4340000000000000", "malformed", "the float64 2^53: an integer outside the safe range written as a float"],
  ["float64-minus-2p53", "fbc340000000000000", "malformed", "the float64 -2^53"],
  ["float64-2p64", "fb43f0000000000000", "malformed", "the float64 2^64"],
  ["float64-1e300", "fb7e37e43c8800759c", "malformed", "the float64 1e300"],
  ["float32-2p64", "fa5f800000", "malformed", "the float32 2^64"],
  ["float64-2p53-nested", "a1616181fb4340000000000000", "malformed", "the float64 2^53 in an array in a map"],
  ["tag-0", "c06161", "malformed", "tag 0"],
  ["tag-24", "d8184101", "malformed", "tag 24 (encoded CBOR)"],
  ["undefined", "f7", "malformed", "undefined"],
  ["simple-16", "f0", "malformed", "the simple value 16"],
  ["int-map-key", "a10101", "malformed", "an integer map key"],
  ["bytes-map-key", "a1410101", "malformed", "a byte string map key"],
  ["uint-0-wide", "1800", "non-canonical", "0 with a 1-byte argument"],
  ["uint-23-wide", "1817", "non-canonical", "23 with a 1-byte argument"],
  ["uint-24-wide", "190018", "non-canonical", "24 with a 2-byte argument"],
  ["uint-255-wide", "1a000000ff", "non-canonical", "255 with a 4-byte argument"],
  ["uint-65536-wide", "1b0000000000010000", "non-canonical", "65536 with an 8-byte argument"],
  ["nint-1-wide", "3800", "non-canonical", "-1 with a 1-byte argument"],
  ["bytes-length-wide", "5801ff", "non-canonical", "a byte string length with a 1-byte argument"],
  ["text-length-wide", "780161", "non-canonical", "a text length with a 1-byte argument"],
  ["array-count-wide", "980101", "non-canonical", "an array count with a 1-byte argument"],
  ["map-count-wide", "b801616101", "non-canonical", "a map count with a 1-byte argument"],
  ["map-keys-reversed", "a2616201616102", "non-canonical", "keys b, a"],
  ["map-longer-key-first", "a262616101616202", "non-canonical", "keys aa, b"],
  ["map-nested-keys-reversed", "a16161a2616201616102", "non-canonical", "keys out of order in a nested map"],
  ["float16-1", "f93c00", "non-canonical", "1 written as the float16 1.0"],
  ["float64-1", "fb3ff0000000000000", "non-canonical", "1 written as the float64 1.0"],
  ["float16-minus-0", "f98000", "non-canonical", "-0.0 (reads as the integer 0)"],
  ["float64-2p53-minus-1", "fb433fffffffffffff", "non-canonical", "2^53-1 written as a float64: a safe integer, so non-canonical"],
  ["text-invalid-utf8", "62c328", "non-canonical", "a text string whose bytes are not UTF-8"],
  ["proto-key-empty-map", `a1${PROTO}a0`, "non-canonical", 'the map key "__proto__" (value {})'],
  ["proto-key-int", `a1${PROTO}01`, "non-canonical", 'the map key "__proto__" (value 1): non-canonical whatever the value'],
  ["proto-key-bytes", `a1${PROTO}4100`, "non-canonical", 'the map key "__proto__" (value h\'00\')'],
  ["proto-key-null", `a1${PROTO}f6`, "non-canonical", 'the map key "__proto__" (value null)'],
  ["proto-key-nested", `a16161a2616201${PROTO}02`, "non-canonical", 'the key "__proto__" in a nested map, after another key'],
  ["proto-key-malformed-value", `a1${PROTO}a16161f93e00`, "malformed", 'the key "__proto__" whose value holds 1.5: malformed wins over non-canonical'],
  ["proto-key-2p53-value", `a1${PROTO}1b0020000000000000`, "malformed", 'the key "__proto__" with the value 2^53'],
  ["proto-key-twice", `a2${PROTO}01${PROTO}02`, "malformed", 'the key "__proto__" twice (a duplicate key)'],
]

const cborVector = () => {
  const cases: Array<{ name: string; description: string; input: Json; result: { output: Json } | { reject: string } }> = []
  for (const [name, value, description] of CBOR_VALID) {
    const bytes = canonicalEncode(value)
    const back = canonicalDecode(bytes)
    check(Either.isRight(back) && bytesEqual(canonicalEncode(back.right), bytes), `cbor ${name} round trip`)
    cases.push({ name: `${name}/decode`, description, input: { op: "decode", bytes: toHex(bytes) }, result: { output: { value: toJson(value) } } })
    cases.push({ name: `${name}/encode`, description, input: { op: "encode", value: toJson(value) }, result: { output: { bytes: toHex(bytes) } } })
  }
  for (const [name, hex, reason, description] of CBOR_INVALID) {
    const r = canonicalDecode(fromHex(hex))
    const got = Either.isLeft(r) ? r.left.reason : "ok"
    check(got === reason, `cbor ${name}: expected ${reason}, got ${got}`)
    cases.push({ name, description, input: { op: "decode", bytes: hex }, result: { reject: reason } })
  }
  // ENC-CBOR.4: exactly MAX_WIRE_BYTES is parsed (and is malformed here: zeros are 0, 0, ...), one more is oversized
  check(Either.isLeft(canonicalDecode(new Uint8Array(MAX_WIRE_BYTES))) && (canonicalDecode(new Uint8Array(MAX_WIRE_BYTES)) as Either.Left<{ reason: string }, unknown>).left.reason === "malformed", "MAX_WIRE_BYTES zeros parsed")
  cases.push({
    name: "max-wire-bytes-parsed",
    description: "MAX_WIRE_BYTES zero bytes: parsed (not oversized), then malformed (trailing bytes after the item 0)",
    input: { op: "decode", bytes: "00", zeroPadTo: MAX_WIRE_BYTES },
    result: { reject: "malformed" },
  })
  check(Either.isLeft(canonicalDecode(new Uint8Array(MAX_WIRE_BYTES + 1))), "oversized")
  cases.push({
    name: "oversized",
    description: "MAX_WIRE_BYTES + 1 zero bytes: oversized, rejected before parsing",
    input: { op: "decode", bytes: "00", zeroPadTo: MAX_WIRE_BYTES + 1 },
    result: { reject: "oversized" },
  })
  return genericFile(
    "encoding",
    "cbor",
    "Strict canonical CBOR decoding and deterministic encoding of the poai data model, without a schema (ENC-CBOR.1..4). " +
      "decode: {op, bytes, zeroPadTo?} -> {value} or the reason; encode: {op, value} -> {bytes}.",
    ["ENC-CBOR.1", "ENC-CBOR.2", "ENC-CBOR.3", "ENC-CBOR.4"],
    cases,
  )
}

export const generate = async (outRoot: string): Promise<void> => {
  const examples = specExamples()
  clearHandlerDir(outRoot, "encoding", "canonical")
  clearHandlerDir(outRoot, "encoding", "cbor")
  for (const n of CODEC_NAMES) writeVector(outRoot, "encoding", "canonical", `${n}.json`, encodingVector(n, examples))
  writeVector(outRoot, "encoding", "cbor", "strict_decode.json", cborVector())
}
