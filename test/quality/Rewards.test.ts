// QUAL-REWARD.1..5: block reward split between workers, evaluators and validators; exact, conserving.
import { describe, expect, it } from "vitest"
import { creditSplit, proportionalSplit, splitBlockReward } from "../../src/quality/Rewards.ts"
import { defaultQualityParams as P } from "../../src/quality/QualityParams.ts"
import { Prng } from "../../src/drivers/Prng.ts"

const m = (o: Record<string, number>) => new Map(Object.entries(o))
const sum = (x: ReadonlyMap<string, bigint>) => [...x.values()].reduce((a, b) => a + b, 0n)

describe("pool splits (QUAL-REWARD.2)", () => {
  it("proportional: floor(pool · w / Σw) in key order; dust < number of recipients", () => {
    const r = proportionalSplit(100n, m({ b: 1, a: 1, c: 1 }))
    expect([...r.shares]).toEqual([["a", 33n], ["b", 33n], ["c", 33n]])
    expect(r.paid).toBe(99n)
    expect(proportionalSplit(100n, m({ a: 0 })).paid).toBe(0n)
    expect(proportionalSplit(0n, m({ a: 5 })).paid).toBe(0n)
  })

  it("credits are paid in full when the pool covers them, proportionally otherwise", () => {
    expect([...creditSplit(1000n, m({ a: 300, b: 200 })).shares]).toEqual([["a", 300n], ["b", 200n]])
    expect([...creditSplit(100n, m({ a: 300, b: 100 })).shares]).toEqual([["a", 75n], ["b", 25n]])
  })

  it("rejects negative or non-integer weights", () => {
    expect(() => proportionalSplit(10n, m({ a: -1 }))).toThrow(RangeError)
    expect(() => proportionalSplit(10n, m({ a: 0.5 }))).toThrow(RangeError)
  })
})

describe("block reward (QUAL-REWARD.1, .3..4)", () => {
  it("pools by ppm share; workers by Q, evaluators by credit, validators by stake; dust and unused pools to the proposer", () => {
    const r = splitBlockReward(
      { reward: 1_000_000, workers: m({ w1: 1, w2: 2 }), evaluators: m({ e1: 5000, e2: 3000 }), validators: m({ v1: 100, v2: 300 }), remainderTo: "p" },
      P,
    )
    expect(r.pools).toEqual({ workers: 700_000n, evaluators: 200_000n, validators: 100_000n })
    expect([...r.byRole.workers]).toEqual([["w1", 233_333n], ["w2", 466_666n]])
    expect([...r.byRole.evaluators]).toEqual([["e1", 5000n], ["e2", 3000n]])
    expect([...r.byRole.validators]).toEqual([["v1", 25_000n], ["v2", 75_000n]])
    expect(r.remainder).toBe(1n + 192_000n) // worker dust + the evaluator pool's unused part
    expect(r.payouts.get("p")).toBe(r.remainder)
    expect(sum(r.payouts)).toBe(1_000_000n)
  })

  it("no workers, evaluators or validators: the proposer gets everything", () => {
    const r = splitBlockReward({ reward: 999, workers: m({}), evaluators: m({}), validators: m({}), remainderTo: "p" }, P)
    expect([...r.payouts]).toEqual([["p", 999n]])
  })

  it("a key in several roles receives the sum", () => {
    const r = splitBlockReward({ reward: 1000, workers: m({ x: 1 }), evaluators: m({ x: 10 }), validators: m({ x: 1 }), remainderTo: "p" }, P)
    expect(r.payouts.get("x")).toBe(700n + 10n + 100n)
  })

  it("conservation: Σ payouts = reward exactly, over 500 random inputs", () => {
    const rng = new Prng(21)
    const rand = (n: number) => new Map(Array.from({ length: n }, (_, i) => [`k${rng.int(8)}-${i}`, rng.range(0, 1_000_000)]))
    for (let i = 0; i < 500; i++) {
      const reward = rng.range(0, 10_000_000)
      const r = splitBlockReward({ reward, workers: rand(rng.range(0, 6)), evaluators: rand(rng.range(0, 6)), validators: rand(rng.range(0, 6)), remainderTo: "p" }, P)
      expect(sum(r.payouts)).toBe(BigInt(reward))
      for (const v of r.payouts.values()) expect(v > 0n).toBe(true)
    }
  })

  it("shares must sum to 10^6", () => {
    expect(() => splitBlockReward({ reward: 1, workers: m({}), evaluators: m({}), validators: m({}), remainderTo: "p" }, { ...P, rewardShareWorkersPpm: 1 })).toThrow(RangeError)
  })
})
