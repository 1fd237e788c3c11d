// spec: CRYPTO-1..4. Reference implementation of the Crypto port on @noble/curves and @noble/hashes.
import { bls12_381 } from "@noble/curves/bls12-381.js"
import { ed25519 } from "@noble/curves/ed25519.js"
import { sha256, sha512 } from "@noble/hashes/sha2.js"
import { Layer } from "effect"
import { BLS_DST, Crypto, type CryptoService, type SignatureScheme } from "./Crypto.ts"
import { blsSecretScalar } from "./BlsKey.ts"
import { concatBytes } from "../codec/Bytes.ts"

const bls = bls12_381.longSignatures

const safe =
  <A extends ReadonlyArray<unknown>>(f: (...a: A) => boolean) =>
  (...a: A): boolean => {
    try {
      return f(...a)
    } catch {
      return false
    }
  }

const EdPoint = ed25519.Point
const ED_L = EdPoint.Fn.ORDER
const leToBigInt = (b: Uint8Array): bigint => {
  let x = 0n
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i] as number)
  return x
}

/**
 * Ed25519 verification with the exact acceptance rule of CRYPTO-2 (see Crypto.ts), which both layers
 * implement: canonical A and R (y < p, no "negative zero" x), S < L, A not of small order, and the
 * cofactorless equation [S]B = R + [k]A. noble's own `ed25519.verify` checks the cofactored equation
 * instead, which accepts signatures whose R carries a small-order component; OpenSSL rejects those,
 * so the two layers would disagree on crafted signatures (a consensus split).
 */
const ed25519VerifyStrict = (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean => {
  if (sig.length !== 64 || pk.length !== 32) return false
  const r = sig.subarray(0, 32)
  const s = leToBigInt(sig.subarray(32, 64))
  if (s >= ED_L) return false
  const A = EdPoint.fromBytes(pk, false) // throws on non-canonical or off-curve encodings (caught by `safe`)
  const R = EdPoint.fromBytes(r, false)
  if (A.isSmallOrder()) return false
  const k = EdPoint.Fn.create(leToBigInt(sha512(concatBytes(r, pk, msg))))
  return EdPoint.BASE.multiplyUnsafe(s).equals(R.add(A.multiplyUnsafe(k)))
}

export const nobleEd25519: SignatureScheme = {
  publicKey: (sk) => ed25519.getPublicKey(sk),
  sign: (msg, sk) => ed25519.sign(msg, sk),
  verify: safe(ed25519VerifyStrict),
}

export const nobleBls: SignatureScheme = {
  publicKey: (sk) => bls.getPublicKey(blsSecretScalar(sk, sha256)).toBytes(true),
  sign: (msg, sk) => bls.sign(bls.hash(msg, BLS_DST), blsSecretScalar(sk, sha256)).toBytes(true),
  verify: safe((sig: Uint8Array, msg: Uint8Array, pk: Uint8Array) =>
    sig.length === 96 && pk.length === 48 ? bls.verify(sig, bls.hash(msg, BLS_DST), pk) : false,
  ),
}

export const nobleCrypto: CryptoService = {
  name: "noble",
  sha256: (data) => sha256(data),
  ed25519: nobleEd25519,
  bls: nobleBls,
}

/** Reference layer: everything on @noble/*. */
export const NobleCryptoLive = Layer.succeed(Crypto, nobleCrypto)
