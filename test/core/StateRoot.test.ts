// spec: LEDGER-ROOT.1, LEDGER-ROOT.2 (spec/05-ledger.md)
// stateRoot re-uses the encoding of each unchanged table row (memoized per record object). It must
// give exactly H(tagged(state-root, cbor(stateRootForm(S)))) for every state, whatever versions were
// hashed before: checked over random sequences of table updates (fast-check, 300 runs, seed 5), in
// which records are replaced, deleted, re-set, and one record object is put under a second key, with
// every earlier version re-hashed after later ones.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { DOMAIN, canonicalEncode, tagged } from "../../src/codec/Canonical.ts"
import { PreEncoded, deterministicEncode } from "../../src/codec/FastCbor.ts"
import { type ChainState, type ClaimRecord, type CommitmentRecord, type OpenRound, stateRoot, stateRootForm } from "../../src/core/ChainState.ts"
import { genesisOf, sha, testnet } from "../fixtures/core.ts"

const reference = (s: ChainState): string => toHex(sha(tagged(DOMAIN.stateRoot, canonicalEncode(stateRootForm(s)))))
const rootHex = (s: ChainState): string => toHex(stateRoot(sha, s))

const key = (i: number): string => toHex(sha(new Uint8Array([i])))
const claim = (n: number): ClaimRecord => ({
  worker: key(100 + (n % 7)),
  commitment: key(200 + (n % 11)),
  commitHeight: n % 5,
  commitIndex: n % 3,
  revealHeight: 1 + (n % 5),
  maturesAt: 10 + n,
  q: n * 17,
  matured: n % 2 === 0,
  outputHash: key(300 + n),
  audit: (["undecided", "skipped", "pending", "passed", "missed"] as const)[n % 5]!,
  auditor: n % 3 === 0 ? "" : key(400 + (n % 4)),
  auditDue: n % 9,
  computeUnits: 1 + n,
  scoring: (["none", "unopened", "open", "scored"] as const)[n % 4]!,
  consensus: n % 2 === 0 ? null : { correctness: n, utility: 2 * n, novelty: 3 * n },
  noveltySketch: toHex(new Uint8Array(8).fill(n % 256)),
  noveltyPpm: n * 1000,
})
const commitment = (n: number): CommitmentRecord => ({ worker: key(100 + (n % 7)), commitment: key(500 + n), height: n % 6, index: n % 4, revealed: n % 2 === 1 })
const round = (claimId: string, n: number): OpenRound => ({
  workId: key(600 + n),
  round: {
    chainId: "poai-test",
    claimId,
    seats: new Map([[key(700 + (n % 3)), 1 + (n % 2)], [key(710), 2]]),
    schedule: { openHeight: n, commitDeadline: n + 2, revealDeadline: n + 4 },
    commits: new Map(n % 2 === 0 ? [] : [[key(710), { commitment: new Uint8Array(32).fill(n % 256), height: n }]]),
    reveals: new Map(n % 3 === 0 ? [[key(710), { scores: { correctness: n, utility: n, novelty: n }, height: n + 3 }]] : []),
  },
})

type Op =
  | { readonly kind: "account" | "claim" | "commitment" | "scoring" | "delete-claim" | "alias-claim"; readonly k: number; readonly n: number; readonly k2: number }
  | { readonly kind: "rehash-old"; readonly k: number; readonly n: number; readonly k2: number }

const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom("account", "claim", "commitment", "scoring", "delete-claim", "alias-claim", "rehash-old"),
  k: fc.integer({ min: 0, max: 12 }),
  n: fc.integer({ min: 0, max: 1000 }),
  k2: fc.integer({ min: 0, max: 12 }),
}) as fc.Arbitrary<Op>

/** One immutable version after `o` (maps copied, the changed row a new record object, or an old one re-used). */
const apply = (s: ChainState, o: Op): ChainState => {
  switch (o.kind) {
    case "account": {
      const accounts = new Map(s.accounts)
      accounts.set(key(o.k), { balance: o.n, stake: o.n % 3, nonce: o.n % 5 })
      return { ...s, accounts }
    }
    case "claim": {
      const claims = new Map(s.claims)
      claims.set(key(o.k), claim(o.n))
      return { ...s, claims }
    }
    case "delete-claim": {
      const claims = new Map(s.claims)
      claims.delete(key(o.k))
      return { ...s, claims }
    }
    case "alias-claim": {
      // the same record object under a second key: its row differs (the key is in the row)
      const rec = s.claims.get(key(o.k)) ?? claim(o.n)
      const claims = new Map(s.claims)
      claims.set(key(o.k), rec)
      claims.set(key(o.k2), rec)
      return { ...s, claims }
    }
    case "commitment": {
      const commitments = new Map(s.commitments)
      commitments.set(key(o.k), commitment(o.n))
      return { ...s, commitments }
    }
    case "scoring": {
      const scoring = new Map(s.scoring)
      scoring.set(key(o.k), round(key(o.k), o.n))
      return { ...s, scoring }
    }
    case "rehash-old":
      return s
  }
}

describe("LEDGER-ROOT.2: the memoized state root equals the root of the form", () => {
  it("over random update sequences, re-hashing earlier versions after later ones (fast-check, 300 runs, seed 5)", () => {
    const g = genesisOf(testnet({ nodes: 4, users: 2 }))
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), (ops) => {
        const versions: ChainState[] = [g]
        for (const o of ops) {
          const s = apply(versions[versions.length - 1]!, o)
          versions.push(s)
          expect(rootHex(s)).toBe(reference(s))
          if (o.kind === "rehash-old") {
            const old = versions[o.n % versions.length]!
            expect(rootHex(old)).toBe(reference(old))
          }
        }
        for (const v of versions) expect(rootHex(v)).toBe(reference(v))
      }),
      { numRuns: 300, seed: 5 },
    )
  })

  it("PreEncoded bytes are written as they are; a value also holding something outside the data model is refused", () => {
    const inner = [1, "a", new Uint8Array([1, 2]), [null, true]]
    expect(toHex(deterministicEncode([0, new PreEncoded(canonicalEncode(inner)), 2]))).toBe(toHex(canonicalEncode([0, inner, 2])))
    expect(() => deterministicEncode([new PreEncoded(canonicalEncode(1)), 1.5])).toThrow(TypeError)
  })
})
