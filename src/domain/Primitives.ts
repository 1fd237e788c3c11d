// spec: DT-PRIM.1 (spec/01-data-types.md)
// Primitive wire types. Integers are CBOR unsigned/negative integers limited to the JS safe range;
// byte fields are CBOR byte strings of a fixed or bounded length.
import { Schema } from "effect"

export const MAX_SAFE = Number.MAX_SAFE_INTEGER

/** Non-negative integer in [0, 2^53-1]. */
export const Uint = Schema.Int.pipe(Schema.between(0, MAX_SAFE), Schema.annotations({ identifier: "Uint" }))
export type Uint = typeof Uint.Type

/** A round number or -1 ("none"), as Tendermint's validRound. */
export const RoundOrNone = Schema.Int.pipe(Schema.between(-1, 1_000_000), Schema.annotations({ identifier: "RoundOrNone" }))

export const Round = Schema.Int.pipe(Schema.between(0, 1_000_000), Schema.annotations({ identifier: "Round" }))

const fixedBytes = (n: number, identifier: string) =>
  Schema.Uint8ArrayFromSelf.pipe(
    Schema.filter((b) => b.length === n || `expected ${n} bytes, got ${b.length}`),
    Schema.annotations({ identifier }),
  )

export const boundedBytes = (max: number, identifier: string) =>
  Schema.Uint8ArrayFromSelf.pipe(
    Schema.filter((b) => b.length <= max || `expected at most ${max} bytes, got ${b.length}`),
    Schema.annotations({ identifier }),
  )

/** SHA-256 digest. */
export const Hash32 = fixedBytes(32, "Hash32")
export type Hash32 = Uint8Array
/** Ed25519 public key (node, account and validator identity). */
export const PubKey = fixedBytes(32, "PubKey")
/** Ed25519 signature. */
export const Signature = fixedBytes(64, "Signature")
/** BLS12-381 public key (G1, compressed). */
export const BlsPubKey = fixedBytes(48, "BlsPubKey")
/** BLS12-381 signature (G2, compressed). */
export const BlsSignature = fixedBytes(96, "BlsSignature")
/** 32-byte salt for commitments. */
export const Salt = fixedBytes(32, "Salt")
/** 8-byte big-endian SimHash-64 of an output's novelty bytes (QUAL-NOVELTY.6). */
export const NoveltySketch = fixedBytes(8, "NoveltySketch")

/** Chain identifier: short printable ASCII. */
export const ChainId = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9-]{1,32}$/),
  Schema.annotations({ identifier: "ChainId" }),
)

/** Parts per million, the fixed-point unit for scores and fractions in [0, 1]. */
export const PPM = 1_000_000
export const Ppm = Schema.Int.pipe(Schema.between(0, PPM), Schema.annotations({ identifier: "Ppm" }))

export const boundedArray = <A, I, R>(item: Schema.Schema<A, I, R>, max: number) =>
  Schema.Array(item).pipe(Schema.maxItems(max))
