// spec: CRYPTO-1..4. Faster layer: SHA-256 on node:crypto (OpenSSL); Ed25519 on libsodium
// (sodium-native, SodiumEd25519.ts) with OpenSSL for what libsodium refuses, or on OpenSSL alone where
// the binding does not load; BLS on blst (@chainsafe/blst; OpenSSL has no BLS12-381), or on noble where
// that binding's prebuilt binary does not load. test/crypto/CryptoAgreement.test.ts proves it agrees
// with the reference layer.
import * as nodeCrypto from "node:crypto"
import { Layer } from "effect"
import { toHex } from "../codec/Bytes.ts"
import { Crypto, type CryptoService, type SignatureScheme } from "./Crypto.ts"
import { makeBlstBls } from "./BlstBls.ts"
import { nobleBls } from "./NobleCrypto.ts"
import { canonicalY, makeSodiumEd25519 } from "./SodiumEd25519.ts"

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex")
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex")

// Enough for every key of a 100-node reproduction with its open-loop users (9,600 at 1,200 transfers/s,
// SIM-REPRO.2): at 4,096 the cache was cleared every few thousand signatures and 17 % of that run's CPU
// went to re-creating private keys. Still bounded: a KeyObject is a few hundred bytes.
const MAX_CACHED_KEYS = 65_536
const privCache = new Map<string, nodeCrypto.KeyObject>()
const pubCache = new Map<string, nodeCrypto.KeyObject>()
const pubOfSecret = new Map<string, Uint8Array>()
const cached = (cache: Map<string, nodeCrypto.KeyObject>, key: string, make: () => nodeCrypto.KeyObject) => {
  let k = cache.get(key)
  if (k === undefined) {
    k = make()
    if (cache.size >= MAX_CACHED_KEYS) cache.clear()
    cache.set(key, k)
  }
  return k
}
const privateKey = (sk: Uint8Array) =>
  cached(privCache, toHex(sk), () =>
    nodeCrypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, sk]), format: "der", type: "pkcs8" }),
  )
const publicKeyObject = (pk: Uint8Array) =>
  cached(pubCache, toHex(pk), () =>
    nodeCrypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, pk]), format: "der", type: "spki" }),
  )

/**
 * Encodings OpenSSL accepts as public keys but CRYPTO-2 rejects: the 8 points of small order (RFC 8032
 * keys of order 1, 2, 4, 8) and the two "negative zero" encodings (x = 0 with the sign bit set).
 * test/crypto/CryptoAgreement.test.ts derives the small-order points with noble and checks this list.
 */
const SMALL_ORDER_OR_NEGATIVE_ZERO = new Set([
  "0100000000000000000000000000000000000000000000000000000000000000", // identity (order 1)
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2: y = -1
  "0000000000000000000000000000000000000000000000000000000000000000", // order 4: y = 0, x > 0
  "0000000000000000000000000000000000000000000000000000000000000080", // order 4: y = 0, x < 0
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
  "0100000000000000000000000000000000000000000000000000000000000080", // identity, negative zero
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // y = -1, negative zero
])

/** CRYPTO-2 items 1, 2 (for A) and 4: the checks of (sig, pk) that OpenSSL lacks, shared by both Ed25519 backends. */
const keyChecks = (sig: Uint8Array, pk: Uint8Array): boolean =>
  sig.length === 64 && pk.length === 32 && canonicalY(pk) && !SMALL_ORDER_OR_NEGATIVE_ZERO.has(toHex(pk))

/** CRYPTO-2 on OpenSSL (node:crypto): the whole rule, with the checks above. */
export const opensslEd25519: SignatureScheme = {
  publicKey: (sk) => {
    if (sk.length !== 32) throw new Error("ed25519 secret key must be 32 bytes")
    // CRYPTO-4: a pure function of the seed, derived once per seed (a copy each call: callers own it)
    const hex = toHex(sk)
    let pk = pubOfSecret.get(hex)
    if (pk === undefined) {
      const der = nodeCrypto.createPublicKey(privateKey(sk)).export({ format: "der", type: "spki" })
      pk = new Uint8Array(der.subarray(der.length - 32))
      if (pubOfSecret.size >= MAX_CACHED_KEYS) pubOfSecret.clear()
      pubOfSecret.set(hex, pk)
    }
    return pk.slice()
  },
  sign: (msg, sk) => {
    if (sk.length !== 32) throw new Error("ed25519 secret key must be 32 bytes")
    return new Uint8Array(nodeCrypto.sign(null, msg, privateKey(sk)))
  },
  verify: (sig, msg, pk) => {
    // OpenSSL checks S < L, R canonical and [S]B = R + [k]A; CRYPTO-2 also requires a canonical A of
    // large order, which OpenSSL does not check.
    if (!keyChecks(sig, pk)) return false
    try {
      return nodeCrypto.verify(null, msg, publicKeyObject(pk), sig)
    } catch {
      return false
    }
  },
}

// one-shot crypto.hash (Node >= 20.12): a quarter cheaper than createHash().update().digest() for the
// short inputs the protocol hashes (2.0 against 2.6 µs at 32-600 bytes, issue 12)
const nodeSha256 = (data: Uint8Array): Uint8Array => new Uint8Array(nodeCrypto.hash("sha256", data, "buffer"))

/** CRYPTO-4: blst where it loads (every platform @chainsafe/blst ships a binary for), else noble. */
export const nodeBls: SignatureScheme = makeBlstBls(nodeSha256) ?? nobleBls
/** Which BLS implementation the `node` layer runs (the sim bench reports it). */
export const nodeBlsBackend: "blst" | "noble" = nodeBls === nobleBls ? "noble" : "blst"

/** CRYPTO-4: Ed25519 on libsodium where its binding loads (OpenSSL for the R values it refuses), else OpenSSL. */
export const nodeEd25519: SignatureScheme = makeSodiumEd25519(keyChecks, opensslEd25519) ?? opensslEd25519
/** Which Ed25519 implementation the `node` layer runs (the sim bench reports it). */
export const nodeEd25519Backend: "libsodium" | "openssl" = nodeEd25519 === opensslEd25519 ? "openssl" : "libsodium"

export const nodeCryptoService: CryptoService = {
  name: "node",
  sha256: nodeSha256,
  ed25519: nodeEd25519,
  bls: nodeBls,
}

/** node:crypto layer (SHA-256, Ed25519) with blst BLS. */
export const NodeCryptoLive = Layer.succeed(Crypto, nodeCryptoService)
