// spec: LE-DRAW.1, LE-WINDOW.1, LE-FALLBACK.1..2, CONS-PROPOSER.1 (spec/04-leader-election.md; paper §3.3
// eq. 2), SybilNeutral (DESIGN: every selection is additive in stake or work).
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { type ChainState, type QEntry, genesisState, votingSet } from "../../src/core/ChainState.ts"
import { type Weighted, drawValue, pickWeighted, proposerFor, proposerWeights, windowQ } from "../../src/core/LeaderElection.ts"
import { outsider, sha, testnet } from "../fixtures/core.ts"

const w = (key: string, weight: number): Weighted => ({ key, pubKey: new Uint8Array(32), weight: BigInt(weight) })

describe("pickWeighted (LE-DRAW.1): x = draw mod total, first cumulative weight > x, in key order", () => {
  const ws = [w("a", 3), w("b", 0), w("c", 5), w("d", 2)] // cumulative 3, 3, 8, 10
  const pick = (x: bigint) => pickWeighted(ws, x)!.key

  it("maps every x in [0, total) to the interval [cum_{i-1}, cum_i) of validator i", () => {
    expect([0n, 1n, 2n].map(pick)).toEqual(["a", "a", "a"])
    expect(pick(3n)).toBe("c") // edge: a zero-weight validator owns no x
    expect([4n, 5n, 6n, 7n].map(pick)).toEqual(["c", "c", "c", "c"])
    expect(pick(8n)).toBe("d")
    expect(pick(9n)).toBe("d")
  })

  it("reduces the draw modulo the total", () => {
    expect(pick(10n)).toBe("a")
    expect(pick(12n)).toBe("a")
    expect(pick(13n)).toBe("c")
    expect(pick(19n)).toBe("d")
    const big = 2n ** 256n - 1n // a full-width draw
    expect(pick(big)).toBe(pick(big % 10n))
    expect(pick(big - (big % 10n))).toBe("a")
  })

  it("a single validator always wins; zero-weight validators never do", () => {
    for (const x of [0n, 1n, 99n, 2n ** 255n]) expect(pickWeighted([w("z", 0), w("only", 7), w("y", 0)], x)!.key).toBe("only")
  })

  it("CONS-HALT.1: total weight zero has no proposer (undefined, never an exception)", () => {
    expect(pickWeighted([w("a", 0)], 5n)).toBeUndefined()
    expect(pickWeighted([], 0n)).toBeUndefined()
  })

  it("property: each validator owns exactly `weight` of the residues [0, total)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 8 }), (weights) => {
        fc.pre(weights.some((x) => x > 0))
        const list = weights.map((x, i) => w(`v${i}`, x))
        const total = weights.reduce((a, b) => a + b, 0)
        const counts = new Map<string, number>()
        for (let x = 0; x < total; x++) {
          const k = pickWeighted(list, BigInt(x))!.key
          counts.set(k, (counts.get(k) ?? 0) + 1)
        }
        list.forEach((v) => expect(counts.get(v.key) ?? 0).toBe(Number(v.weight)))
      }),
      { numRuns: 200, seed: 7 },
    )
  })
})

describe("proposerWeights (LE-WINDOW.1, LE-FALLBACK.1..2)", () => {
  const net = testnet({ nodes: 4, seed: 31, users: 1, stakes: [100, 200, 300, 400], params: { qualityRounds: 2 } })
  const s0 = genesisState(sha, net.genesis)
  const keys = votingSet(s0).map((v) => v.key) // public-key order
  const withQ = (entries: ReadonlyArray<Record<string, number>>): ChainState => ({
    ...s0,
    qWindow: entries.map((e, i): QEntry => ({ height: i + 1, perWorker: new Map(Object.entries(e)) })),
  })
  const weightsOf = (s: ChainState, round: number) => {
    const r = proposerWeights(s, round)
    return { source: r.source, weights: Object.fromEntries(r.weights.map((x) => [x.key, Number(x.weight)])) }
  }
  const stakeWeights = () => Object.fromEntries(net.keys.map((k, i) => [k.pubHex, [100, 200, 300, 400][i]]))

  it("no Q in the window: stake", () => {
    expect(weightsOf(s0, 0)).toEqual({ source: "stake", weights: stakeWeights() })
  })

  it("Q in the window: validators weighted by their summed Q, zero for the others, in key order", () => {
    const [k0, k1, , k3] = keys as [string, string, string, string]
    const s = withQ([{ [k0]: 10 }, { [k0]: 5, [k3]: 30 }, {}])
    expect(windowQ(s)).toEqual(new Map([[k0, 15n], [k3, 30n]]))
    const r = proposerWeights(s, 0)
    expect(r.source).toBe("quality")
    expect(r.weights.map((x) => x.key)).toEqual(keys)
    expect(r.weights.map((x) => x.weight)).toEqual([15n, 0n, 0n, 30n])
    expect(weightsOf(s, 1).source).toBe("quality") // round 1 < qualityRounds = 2
    expect(k1).toBeDefined()
  })

  it("rounds >= qualityRounds fall back to stake even with Q", () => {
    const s = withQ([{ [keys[0]!]: 10 }])
    expect(weightsOf(s, 2)).toEqual({ source: "stake", weights: stakeWeights() })
    expect(weightsOf(s, 17)).toEqual({ source: "stake", weights: stakeWeights() })
  })

  it("total Q = 0 among validators falls back to stake (zero entries, or Q only of non-validators)", () => {
    expect(weightsOf(withQ([{ [keys[0]!]: 0 }]), 0).source).toBe("stake")
    const worker = toHex(outsider("not-a-validator").pubKey)
    const s = withQ([{ [worker]: 1000 }])
    expect(weightsOf(s, 0)).toEqual({ source: "stake", weights: stakeWeights() })
  })

  it("validators without stake are not in the draw", () => {
    const accounts = new Map(s0.accounts)
    accounts.set(keys[1]!, { ...accounts.get(keys[1]!)!, stake: 0 })
    const s: ChainState = { ...s0, accounts }
    expect(proposerWeights(s, 0).weights.map((x) => x.key)).toEqual([keys[0], keys[2], keys[3]])
    const sq: ChainState = { ...s, qWindow: [{ height: 1, perWorker: new Map([[keys[1]!, 99], [keys[2]!, 1]]) }] }
    expect(proposerWeights(sq, 0).weights.map((x) => x.weight)).toEqual([0n, 1n, 0n])
  })

  it("proposerFor = pickWeighted(weights, H(beacon || height+1 || round))", () => {
    for (let r = 0; r < 6; r++) {
      const expected = pickWeighted(proposerWeights(s0, r).weights, drawValue(sha, s0.beacon, s0.height + 1, r))
      expect(proposerFor(sha, s0, r)!.key).toBe(expected!.key)
    }
  })

  it("draws depend on beacon, height and round", () => {
    const d = drawValue(sha, s0.beacon, 1, 0)
    expect(drawValue(sha, s0.beacon, 1, 0)).toBe(d)
    expect(drawValue(sha, s0.beacon, 2, 0)).not.toBe(d)
    expect(drawValue(sha, s0.beacon, 1, 1)).not.toBe(d)
    expect(drawValue(sha, sha(s0.beacon), 1, 0)).not.toBe(d)
    expect(d < 2n ** 256n && d >= 0n).toBe(true)
  })
})

describe("statistics: empirical proposer frequencies match the weights", () => {
  // Deterministic: the draws are SHA-256 of a fixed beacon with (height, round); no randomness.
  // Chi-square goodness of fit against the weights; critical value for p = 0.001.
  const CHI2_CRIT_P001: Record<number, number> = { 3: 16.266, 4: 18.467 }
  const chiSquare = (counts: number[], weights: number[], n: number) => {
    const total = weights.reduce((a, b) => a + b, 0)
    return counts.reduce((acc, c, i) => {
      const e = (n * (weights[i] as number)) / total
      return acc + (c - e) ** 2 / e
    }, 0)
  }
  const sample = (s: ChainState, rounds: ReadonlyArray<number>, draws: number) => {
    const ws = proposerWeights(s, rounds[0]!).weights
    const index = new Map(ws.map((x, i) => [x.key, i]))
    const counts = ws.map(() => 0)
    let n = 0
    const perRound = new Map(rounds.map((r) => [r, proposerWeights(s, r).weights]))
    for (let h = 1; n < draws; h++)
      for (const r of rounds) {
        if (n >= draws) break
        const k = pickWeighted(perRound.get(r)!, drawValue(sha, s.beacon, h, r))!.key
        counts[index.get(k)!]! += 1
        n++
      }
    return { counts, weights: ws.map((x) => Number(x.weight)), n }
  }

  it("stake weights 100:200:300:400 over 20000 (height, round) draws", () => {
    const net = testnet({ nodes: 4, seed: 41, users: 1, stakes: [100, 200, 300, 400] })
    const s = genesisState(sha, net.genesis)
    const { counts, weights, n } = sample(s, [0, 1, 2, 3], 20_000)
    expect(chiSquare(counts, weights, n)).toBeLessThan(CHI2_CRIT_P001[3]!)
    counts.forEach((c, i) => expect(Math.abs(c / n - weights[i]! / 1000)).toBeLessThan(0.015))
  })

  it("quality weights 1:0:6:3:10 over 20000 draws (zero-Q validator never picked)", () => {
    const net = testnet({ nodes: 5, seed: 42, users: 1 })
    const s0 = genesisState(sha, net.genesis)
    const keys = votingSet(s0).map((v) => v.key)
    const q = [1, 0, 6, 3, 10]
    const s: ChainState = { ...s0, qWindow: [{ height: 1, perWorker: new Map(keys.map((k, i) => [k, q[i]!])) }] }
    const { counts, weights, n } = sample(s, [0, 1], 20_000)
    expect(weights).toEqual(q)
    expect(counts[1]).toBe(0)
    const nz = [0, 2, 3, 4]
    expect(chiSquare(nz.map((i) => counts[i]!), nz.map((i) => weights[i]!), n)).toBeLessThan(CHI2_CRIT_P001[3]!)
  })

  it("the chi-square check has power: it rejects a wrong weight vector", () => {
    const net = testnet({ nodes: 4, seed: 41, users: 1, stakes: [100, 200, 300, 400] })
    const s = genesisState(sha, net.genesis)
    const { counts, n } = sample(s, [0], 20_000)
    expect(chiSquare(counts, [100, 200, 350, 350], n)).toBeGreaterThan(CHI2_CRIT_P001[3]!)
  })
})

describe("Sybil neutrality of the pick (SybilNeutral)", () => {
  // Splitting validator i's weight w into two identities with weights w1 + w2 = w, placed anywhere in the
  // key order, leaves the set of residues x in [0, total) that select "i or its split" of size exactly w,
  // and every other validator's set unchanged in size.
  const countOver = (list: ReadonlyArray<Weighted>) => {
    const total = Number(list.reduce((a, x) => a + x.weight, 0n))
    const counts = new Map<string, number>()
    for (let x = 0; x < total; x++) {
      const k = pickWeighted(list, BigInt(x))!.key
      counts.set(k, (counts.get(k) ?? 0) + 1)
    }
    return counts
  }

  it("property: the pair's probability mass equals the original validator's", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 7 }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (weights, iSeed, splitSeed, pos1, pos2) => {
          fc.pre(weights.some((x) => x > 0))
          const i = iSeed % weights.length
          const wi = weights[i]!
          const w1 = wi === 0 ? 0 : splitSeed % (wi + 1)
          const w2 = wi - w1
          const others = weights.map((x, j) => w(`v${j}`, x)).filter((_, j) => j !== i)
          const original = [...others]
          original.splice(pos1 % (others.length + 1), 0, w(`v${i}`, wi))
          const split = [...others]
          split.splice(pos1 % (others.length + 1), 0, w("s1", w1))
          split.splice(pos2 % (split.length + 1), 0, w("s2", w2))
          const a = countOver(original)
          const b = countOver(split)
          expect((b.get("s1") ?? 0) + (b.get("s2") ?? 0)).toBe(a.get(`v${i}`) ?? 0)
          expect((b.get("s1") ?? 0) + (b.get("s2") ?? 0)).toBe(wi)
          for (const o of others) expect(b.get(o.key) ?? 0).toBe(a.get(o.key) ?? 0)
        },
      ),
      { numRuns: 300, seed: 1337 },
    )
  })

  it("end to end: splitting a validator's stake in genesis leaves its share of proposer weight", () => {
    const whole = genesisState(sha, testnet({ nodes: 3, seed: 51, users: 1, stakes: [300, 500, 200] }).genesis)
    const parts = genesisState(sha, testnet({ nodes: 4, seed: 51, users: 1, stakes: [300, 500, 120, 80] }).genesis)
    const totalOf = (s: ChainState) => proposerWeights(s, 0).weights.reduce((a, x) => a + x.weight, 0n)
    expect(totalOf(whole)).toBe(totalOf(parts))
    const stakeOfIndex = (s: ChainState, pubHexes: string[]) =>
      proposerWeights(s, 0).weights.filter((x) => pubHexes.includes(x.key)).reduce((a, x) => a + x.weight, 0n)
    const wholeNet = testnet({ nodes: 3, seed: 51, users: 1, stakes: [300, 500, 200] })
    const partsNet = testnet({ nodes: 4, seed: 51, users: 1, stakes: [300, 500, 120, 80] })
    expect(stakeOfIndex(whole, [wholeNet.keys[2]!.pubHex])).toBe(200n)
    expect(stakeOfIndex(parts, [partsNet.keys[2]!.pubHex, partsNet.keys[3]!.pubHex])).toBe(200n)
  })
})

describe("LE-WINDOW.1: the windowed Q is summed exactly", () => {
  it("two entries of 2^53 - 1 and 2 give 2^53 + 1, not the double 2^53", () => {
    const net = testnet({ nodes: 2, seed: 61, users: 1 })
    const s0 = genesisState(sha, net.genesis)
    const k = votingSet(s0)[0]!.key
    const s: ChainState = {
      ...s0,
      qWindow: [
        { height: 1, perWorker: new Map([[k, Number.MAX_SAFE_INTEGER]]) },
        { height: 2, perWorker: new Map([[k, 2]]) },
      ],
    }
    expect(windowQ(s).get(k)).toBe(9_007_199_254_740_993n)
    expect(proposerWeights(s, 0).weights.find((x) => x.key === k)?.weight).toBe(9_007_199_254_740_993n)
  })
})
