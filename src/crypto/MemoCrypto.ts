// Simulation aid: a verification cache shared by all nodes of one in-process network. Signature
// verification is a pure function, so memoising it changes no result, only the wall time of
// simulating N nodes in one process. Benchmarks report figures with and without it.
// SIM-NET.6: entries are found by the signature bytes (a string of them, hashed natively by the Map)
// and matched by comparing the key and message bytes exactly, so no request is hashed with sha256
// (the issue 12 profile: 67 % of all sha256 calls were cache keys) and no two distinct requests can
// share a verdict.
import { copyBytes, toLatin1 } from "../codec/Bytes.ts"
import type { CryptoService, SignatureScheme } from "./Crypto.ts"

// SIM-NET.6: two generations of at most VERIFY_CACHE_GENERATION entries each. A verdict is asked for again within a
// few heights of its first request (admission, block building, validation); the issue 12 heap profile
// (N = 100, 30 blocks) found a 200,000-entry cache holding 32 MB of copies nobody asked for again, and
// a large old generation makes every major collection slower.
export const VERIFY_CACHE_GENERATION = 32_768

interface Entry {
  readonly pk: Uint8Array
  readonly msg: Uint8Array
  readonly ok: boolean
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a === b || (a.length === b.length && Buffer.compare(a, b) === 0)

const find = (m: Map<string, Entry[]>, key: string, msg: Uint8Array, pk: Uint8Array): Entry | undefined => {
  const bucket = m.get(key)
  if (bucket !== undefined) for (const e of bucket) if (sameBytes(e.pk, pk) && sameBytes(e.msg, msg)) return e
  return undefined
}

const memoScheme = (s: SignatureScheme, generation: number): SignatureScheme => {
  let current = new Map<string, Entry[]>()
  let previous = new Map<string, Entry[]>()
  let size = 0
  const insert = (key: string, entry: Entry) => {
    if (size >= generation) {
      previous = current
      current = new Map()
      size = 0
    }
    const b = current.get(key)
    if (b === undefined) current.set(key, [entry])
    else b.push(entry)
    size++
  }
  return {
    publicKey: s.publicKey,
    sign: s.sign,
    verify: (sig, msg, pk) => {
      const key = toLatin1(sig)
      const hit = find(current, key, msg, pk)
      if (hit !== undefined) return hit.ok
      const old = find(previous, key, msg, pk)
      if (old !== undefined) {
        insert(key, old) // still asked for: keep it one more generation
        return old.ok
      }
      const ok = s.verify(sig, msg, pk)
      // copies: the caller may reuse its buffers
      insert(key, { pk: copyBytes(pk), msg: copyBytes(msg), ok })
      return ok
    },
  }
}

export const memoizeVerification = (c: CryptoService, generation = VERIFY_CACHE_GENERATION): CryptoService => ({
  name: `${c.name}+memo`,
  sha256: c.sha256,
  ed25519: memoScheme(c.ed25519, generation),
  bls: memoScheme(c.bls, generation),
})
