// spec: CRYPTO-3, CRYPTO-4 (spec/02-encoding.md). BLS12-381 on blst (supranational's C and assembly
// library) through @chainsafe/blst, the binding Lodestar uses, for the `node` layer. It must give
// exactly the reference layer's (noble's) outputs and verdicts on every input:
// test/crypto/CryptoAgreement.test.ts checks keys, signatures and the rejection of every malformed
// key and signature class (wrong length, bad flags, x >= p, off curve, outside the subgroup, infinity).
import { createRequire } from "node:module"
import { toHex } from "../codec/Bytes.ts"
import { blsSecretScalar } from "./BlsKey.ts"
import type { SignatureScheme } from "./Crypto.ts"

interface BlstModule {
  readonly SecretKey: { fromBytes(b: Uint8Array): { toPublicKey(): { toBytes(compress?: boolean): Uint8Array }; sign(m: Uint8Array): { toBytes(compress?: boolean): Uint8Array } } }
  readonly PublicKey: { fromBytes(b: Uint8Array, validate?: boolean): unknown }
  readonly Signature: { fromBytes(b: Uint8Array, validate?: boolean, infcheck?: boolean): unknown }
  readonly verify: (msg: Uint8Array, pk: unknown, sig: unknown, pkValidate?: boolean, sigGroupcheck?: boolean) => boolean
}

/** The native binding, or undefined where its prebuilt binary is not available for this platform. */
const load = (): BlstModule | undefined => {
  try {
    return createRequire(import.meta.url)("@chainsafe/blst") as BlstModule
  } catch {
    return undefined
  }
}

// Secret scalars and public keys are derived once per seed (CRYPTO-4: pure functions of the seed).
const MAX_CACHED_KEYS = 4096
const boundedSet = <V>(m: Map<string, V>, k: string, v: V): V => {
  if (m.size >= MAX_CACHED_KEYS) m.clear()
  m.set(k, v)
  return v
}

/**
 * CRYPTO-3 on blst, or undefined if the binding does not load. Verification demands a 96-byte
 * compressed signature and a 48-byte compressed key; both are decoded with blst's encoding checks,
 * the key with the infinity and subgroup checks, the signature with the subgroup and infinity checks
 * (noble cannot pair the point at infinity either), and nothing throws.
 */
export const makeBlstBls = (sha256: (d: Uint8Array) => Uint8Array): SignatureScheme | undefined => {
  const blst = load()
  if (blst === undefined) return undefined
  const secrets = new Map<string, ReturnType<BlstModule["SecretKey"]["fromBytes"]>>()
  const publics = new Map<string, Uint8Array>()
  // any seed length, as the reference layer (blsSecretScalar hashes the seed)
  const secretOf = (seed: Uint8Array) => {
    const k = toHex(seed)
    return secrets.get(k) ?? boundedSet(secrets, k, blst.SecretKey.fromBytes(blsSecretScalar(seed, sha256)))
  }
  return {
    publicKey: (seed) => {
      const k = toHex(seed)
      const pk = publics.get(k) ?? boundedSet(publics, k, secretOf(seed).toPublicKey().toBytes(true))
      return pk.slice()
    },
    sign: (msg, seed) => secretOf(seed).sign(msg).toBytes(true),
    verify: (sig, msg, pk) => {
      if (sig.length !== 96 || pk.length !== 48) return false
      try {
        return blst.verify(msg, blst.PublicKey.fromBytes(pk, true), blst.Signature.fromBytes(sig, true, true), true, true)
      } catch {
        return false
      }
    },
  }
}
