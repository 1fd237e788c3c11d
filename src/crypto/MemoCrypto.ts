// Simulation aid: a verification cache shared by all nodes of one in-process network. Signature
// verification is a pure function, so memoising it changes no result, only the wall time of
// simulating N nodes in one process. Benchmarks report figures with and without it.
import { concatBytes, u64be } from "../codec/Bytes.ts"
import type { CryptoService, SignatureScheme } from "./Crypto.ts"

const MAX_ENTRIES = 200_000

const memoScheme = (s: SignatureScheme, sha256: (d: Uint8Array) => Uint8Array): SignatureScheme => {
  const seen = new Map<string, boolean>()
  return {
    publicKey: s.publicKey,
    sign: s.sign,
    verify: (sig, msg, pk) => {
      // Lengths as 8-byte integers: one byte each (length mod 256) let a 288-byte "key" that swallows
      // the first 256 message bytes share the cache entry of a valid (sig, 32-byte key, msg).
      const key = Buffer.from(sha256(concatBytes(u64be(sig.length), u64be(pk.length), sig, pk, msg))).toString("base64")
      const hit = seen.get(key)
      if (hit !== undefined) return hit
      const ok = s.verify(sig, msg, pk)
      if (seen.size >= MAX_ENTRIES) seen.clear()
      seen.set(key, ok)
      return ok
    },
  }
}

export const memoizeVerification = (c: CryptoService): CryptoService => ({
  name: `${c.name}+memo`,
  sha256: c.sha256,
  ed25519: memoScheme(c.ed25519, c.sha256),
  bls: memoScheme(c.bls, c.sha256),
})
