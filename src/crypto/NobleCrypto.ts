// spec: CRYPTO-1..4. Reference implementation of the Crypto port on @noble/curves and @noble/hashes.
import { bls12_381 } from "@noble/curves/bls12-381.js"
import { ed25519 } from "@noble/curves/ed25519.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { Layer } from "effect"
import { BLS_DST, Crypto, type CryptoService, type SignatureScheme } from "./Crypto.ts"
import { blsSecretScalar } from "./BlsKey.ts"

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

export const nobleEd25519: SignatureScheme = {
  publicKey: (sk) => ed25519.getPublicKey(sk),
  sign: (msg, sk) => ed25519.sign(msg, sk),
  verify: safe((sig: Uint8Array, msg: Uint8Array, pk: Uint8Array) =>
    sig.length === 64 && pk.length === 32 ? ed25519.verify(sig, msg, pk, { zip215: false }) : false,
  ),
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
