// spec: CONS-POWER.2, CONS-POWER.3, CONS-POWER.5 (spec/03-consensus.md)
// The node tests quorums and the skip threshold against per-table thresholds; they must be the same
// predicates as isQuorum (3p > 2T) and isOneThird (3p > T), exactly, at every p and T.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { isOneThird, isQuorum, type PowerTable, thresholds } from "../../src/core/Votes.ts"

const table = (total: bigint): PowerTable => ({ power: new Map(), total })

describe("CONS-POWER.5: per-table thresholds decide as isQuorum and isOneThird", () => {
  it("at every p in [0, T + 2] for every T up to 200 (exhaustive)", () => {
    for (let T = 0n; T <= 200n; T++) {
      const t = thresholds(table(T))
      for (let p = 0n; p <= T + 2n; p++) {
        expect(p > t.quorum, `p=${p} T=${T}`).toBe(isQuorum(p, T))
        expect(p > t.oneThird, `p=${p} T=${T}`).toBe(isOneThird(p, T))
      }
    }
  })

  it("around the boundaries for large totals, past 2^53 (fast-check, 2,000 runs, seed 53)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 80n }), fc.integer({ min: -3, max: 3 }), fc.boolean(), (T, d, q) => {
        const t = thresholds(table(T))
        const p = (q ? (2n * T) / 3n : T / 3n) + BigInt(d)
        if (p < 0n) return
        expect(p > t.quorum).toBe(isQuorum(p, T))
        expect(p > t.oneThird).toBe(isOneThird(p, T))
      }),
      { numRuns: 2000, seed: 53 },
    )
  })

  it("is computed once per table object", () => {
    const t = table(6000n)
    expect(thresholds(t)).toBe(thresholds(t))
    expect(thresholds(t)).toEqual({ quorum: 4000n, oneThird: 2000n })
  })
})
