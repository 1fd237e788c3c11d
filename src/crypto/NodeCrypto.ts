// spec: CRYPTO-1..4. Faster layer: SHA-256 and Ed25519 on node:crypto (OpenSSL); BLS stays on noble
// (OpenSSL has no BLS12-381). test/crypto/CryptoAgreement.test.ts proves it agrees with the reference layer.
import * as nodeCrypto from "node:crypto"
import { Layer } from "effect"
import { toHex } from "../codec/Bytes.ts"
import { Crypto, type CryptoService, type SignatureScheme } from "./Crypto.ts"
import { nobleBls } from "./NobleCrypto.ts"

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex")
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex")

const MAX_CACHED_KEYS = 4096
const privCache = new Map<string, nodeCrypto.KeyObject>()
const pubCache = new Map<string, nodeCrypto.KeyObject>()
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

export const nodeEd25519: SignatureScheme = {
  publicKey: (sk) => {
    if (sk.length !== 32) throw new Error("ed25519 secret key must be 32 bytes")
    const der = nodeCrypto.createPublicKey(privateKey(sk)).export({ format: "der", type: "spki" })
    return new Uint8Array(der.subarray(der.length - 32))
  },
  sign: (msg, sk) => {
    if (sk.length !== 32) throw new Error("ed25519 secret key must be 32 bytes")
    return new Uint8Array(nodeCrypto.sign(null, msg, privateKey(sk)))
  },
  verify: (sig, msg, pk) => {
    if (sig.length !== 64 || pk.length !== 32) return false
    try {
      return nodeCrypto.verify(null, msg, publicKeyObject(pk), sig)
    } catch {
      return false
    }
  },
}

export const nodeCryptoService: CryptoService = {
  name: "node",
  sha256: (data) => new Uint8Array(nodeCrypto.createHash("sha256").update(data).digest()),
  ed25519: nodeEd25519,
  bls: nobleBls,
}

/** node:crypto layer (SHA-256, Ed25519) with noble BLS. */
export const NodeCryptoLive = Layer.succeed(Crypto, nodeCryptoService)
