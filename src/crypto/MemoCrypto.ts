// Simulation aid: a verification cache shared by all nodes of one in-process network. Signature
// verification is a pure function, so memoising it changes no result, only the wall time of
// simulating N nodes in one process. Benchmarks report figures with and without it.
// SIM-NET.6: entries are found by the signature bytes (a string of them, hashed natively by the Map)
// and matched by comparing the key and message bytes exactly, so no request is hashed with sha256
// (the issue 12 profile: 67 % of all sha256 calls were cache keys) and no two distinct requests can
// share a verdict.
import type { CryptoService, SignatureScheme } from "./Crypto.ts"

const MAX_ENTRIES = 200_000

interface Entry {
  readonly pk: Uint8Array
  readonly msg: Uint8Array
  readonly ok: boolean
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a === b || (a.length === b.length && Buffer.compare(a, b) === 0)

const memoScheme = (s: SignatureScheme): SignatureScheme => {
  const seen = new Map<string, Entry[]>()
  let size = 0
  return {
    publicKey: s.publicKey,
    sign: s.sign,
    verify: (sig, msg, pk) => {
      const key = Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength).toString("latin1")
      const bucket = seen.get(key)
      if (bucket !== undefined) for (const e of bucket) if (sameBytes(e.pk, pk) && sameBytes(e.msg, msg)) return e.ok
      const ok = s.verify(sig, msg, pk)
      if (size >= MAX_ENTRIES) {
        seen.clear()
        size = 0
      }
      // copies: the caller may reuse its buffers
      const entry = { pk: pk.slice(), msg: msg.slice(), ok }
      const b = seen.get(key)
      if (b === undefined) seen.set(key, [entry])
      else b.push(entry)
      size++
      return ok
    },
  }
}

export const memoizeVerification = (c: CryptoService): CryptoService => ({
  name: `${c.name}+memo`,
  sha256: c.sha256,
  ed25519: memoScheme(c.ed25519),
  bls: memoScheme(c.bls),
})
