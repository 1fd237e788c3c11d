// spec: CRYPTO-2, CRYPTO-4 (spec/02-encoding.md). Ed25519 on libsodium (sodium-native, its prebuilt
// binary) for the `node` layer: on this machine kind 45 µs per verification and 15 µs per signature
// against OpenSSL's 75 and 30 (issue 12: Ed25519 was 31 % of the simulator's CPU). libsodium's verifier
// differs from the CRYPTO-2 rule in one place: it rejects every R of small order, which CRYPTO-2
// accepts when the cofactorless equation holds (only R = identity can satisfy it for a key of prime
// order; R = -[k]T can for a mixed-order key). Those signatures, and every non-canonical R, go to the
// OpenSSL path, which implements CRYPTO-2 exactly; on every other input libsodium's checks are CRYPTO-2's
// (S < L, canonical A of large order, cofactorless equation, R compared as its canonical encoding).
// test/crypto/CryptoAgreement.test.ts checks all three layers (noble, OpenSSL, libsodium) agree.
import { createRequire } from "node:module"
import { toHex } from "../codec/Bytes.ts"
import type { SignatureScheme } from "./Crypto.ts"

interface SodiumModule {
  readonly crypto_sign_seed_keypair: (pk: Uint8Array, sk: Uint8Array, seed: Uint8Array) => void
  readonly crypto_sign_detached: (sig: Uint8Array, m: Uint8Array, sk: Uint8Array) => void
  readonly crypto_sign_verify_detached: (sig: Uint8Array, m: Uint8Array, pk: Uint8Array) => boolean
}

/** The native binding, or undefined where its prebuilt binary does not load on this platform. */
const load = (): SodiumModule | undefined => {
  try {
    const m = createRequire(import.meta.url)("sodium-native") as SodiumModule
    return typeof m.crypto_sign_verify_detached === "function" ? m : undefined
  } catch {
    return undefined
  }
}

/** y (the encoding without its sign bit, little-endian) is below p = 2^255 - 19. */
export const canonicalY = (pk: Uint8Array): boolean => {
  if (((pk[31] as number) & 0x7f) !== 0x7f) return true
  for (let i = 30; i >= 1; i--) if (pk[i] !== 0xff) return true
  return (pk[0] as number) < 0xed
}

/**
 * The y coordinates (sign bit cleared, lowercase hex) of the 8 points of small order: 0 (order 4), 1
 * (order 1), p - 1 (order 2), and two of order 8. With either sign bit these are all the canonical
 * encodings libsodium's small-order test (`ge25519_has_small_order`) refuses.
 */
const SMALL_ORDER_Y = new Set([
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
])

/** R = sig[0..32] is one libsodium refuses outright: non-canonical, or of small order (either sign bit). */
export const rOutsideSodium = (sig: Uint8Array): boolean => {
  const r = sig.subarray(0, 32)
  if (!canonicalY(r)) return true
  if ((r[1] as number) !== 0x00 && (r[1] as number) !== 0xff && (r[1] as number) !== 0xe8 && (r[1] as number) !== 0x17) return false
  const y = Uint8Array.from(r)
  y[31] = (y[31] as number) & 0x7f
  return SMALL_ORDER_Y.has(toHex(y))
}

const MAX_CACHED_KEYS = 65_536

/**
 * CRYPTO-2 Ed25519 on libsodium, or undefined if the binding does not load. `keyChecks` is the layer's
 * CRYPTO-2 pre-check of the inputs (lengths, canonical A of large order) and `fallback` the OpenSSL
 * verifier that implements CRYPTO-2 on its own (used for the R values libsodium refuses).
 */
export const makeSodiumEd25519 = (
  keyChecks: (sig: Uint8Array, pk: Uint8Array) => boolean,
  fallback: SignatureScheme,
): SignatureScheme | undefined => {
  const sodium = load()
  if (sodium === undefined) return undefined
  // libsodium's 64-byte secret key (seed || public key) and the public key, derived once per seed
  const keys = new Map<string, { readonly sk: Uint8Array; readonly pk: Uint8Array }>()
  const keysOf = (seed: Uint8Array) => {
    if (seed.length !== 32) throw new Error("ed25519 secret key must be 32 bytes")
    const hex = toHex(seed)
    let k = keys.get(hex)
    if (k === undefined) {
      const pk = new Uint8Array(32)
      const sk = new Uint8Array(64)
      sodium.crypto_sign_seed_keypair(pk, sk, Uint8Array.from(seed))
      k = { sk, pk }
      if (keys.size >= MAX_CACHED_KEYS) keys.clear()
      keys.set(hex, k)
    }
    return k
  }
  return {
    // CRYPTO-4: a pure function of the seed (a copy each call: callers own it)
    publicKey: (seed) => keysOf(seed).pk.slice(),
    sign: (msg, seed) => {
      const sig = new Uint8Array(64)
      sodium.crypto_sign_detached(sig, msg, keysOf(seed).sk)
      return sig
    },
    verify: (sig, msg, pk) => {
      if (!keyChecks(sig, pk)) return false
      if (rOutsideSodium(sig)) return fallback.verify(sig, msg, pk)
      try {
        return sodium.crypto_sign_verify_detached(sig, msg, pk)
      } catch {
        return false
      }
    },
  }
}
