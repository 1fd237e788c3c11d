// SybilNeutral (paper §6.2 Prop. 6.2; QUAL-COMMITTEE.6, LE-SYBIL.1, QUAL-REWARD.5): splitting one identity
// into several with the same total stake and work leaves its expected committee seats, its leader
// probability and its rewards unchanged — exactly where the rule is additive, up to ≤ 1 base unit per
// extra identity and pool where it rounds.
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import type { ChainState, Hex } from "../../src/core/ChainState.ts"
import { genesisState } from "../../src/core/ChainState.ts"
import { proposerWeights } from "../../src/core/LeaderElection.ts"
import {
  drawCommittee,
  eligibleCandidates,
  exactSeatProbability,
  idealSeatProbability,
  type Candidate,
} from "../../src/quality/Committee.ts"
import { settleRound, settlementValue } from "../../src/quality/Incentives.ts"
import { trimmedMeanAggregator } from "../../src/quality/Aggregation.ts"
import { defaultQualityParams as P } from "../../src/quality/QualityParams.ts"
import { splitBlockReward } from "../../src/quality/Rewards.ts"
import type { ScoringOutcome } from "../../src/quality/Scoring.ts"
import { sha, testnet } from "../fixtures/core.ts"
import { bytes32, candidate, flat, key } from "./helpers.ts"

// The world: four other stakers and the identity A (stake 300, matured Q 90, evaluator credits 3000).
const others = [key("B"), key("C"), key("D"), key("E")]
const otherStakes = [100, 200, 400, 500]
const [A, A1, A2, S1, S2, S3] = ["A", "A1", "A2", "S1", "S2", "S3"].map(key) as [ReturnType<typeof key>, ...ReturnType<typeof key>[]]
interface World {
  readonly name: string
  readonly group: ReadonlyArray<{ readonly k: ReturnType<typeof key>; readonly stake: number; readonly q: number; readonly seats: number }>
}
const unsplit: World = { name: "A", group: [{ k: A, stake: 300, q: 90, seats: 3 }] }
const split2: World = { name: "A1+A2", group: [{ k: A1!, stake: 100, q: 30, seats: 1 }, { k: A2!, stake: 200, q: 60, seats: 2 }] }
const split3: World = {
  name: "S1+S2+S3",
  group: [{ k: S1!, stake: 50, q: 17, seats: 1 }, { k: S2!, stake: 125, q: 29, seats: 1 }, { k: S3!, stake: 125, q: 44, seats: 1 }],
}
const worlds = [unsplit, split2, split3]
const candidatesOf = (w: World): Candidate[] => [...others.map((k, i) => candidate(k, otherStakes[i]!)), ...w.group.map((g) => candidate(g.k, g.stake))]
const groupKeys = (w: World) => new Set(w.group.map((g) => g.k.hex))
const K = 16
const N = 1200
const SD = Math.sqrt((K * 0.2 * 0.8) / N)

describe("must show: expected committee seats are unchanged by a split (QUAL-COMMITTEE.6)", () => {
  it("exactly: expected seats k · stake(group) / T are the same rational number in every world", () => {
    for (const w of worlds) {
      const p = idealSeatProbability(eligibleCandidates(candidatesOf(w), undefined), groupKeys(w))
      expect(p).toEqual({ num: 300n, den: 1500n })
    }
  })

  it("exactly, with the real 256-bit draw: the group's per-seat probability moves by less than T/2^256 (positions move, sizes do not)", () => {
    const base = exactSeatProbability(eligibleCandidates(candidatesOf(unsplit), undefined), groupKeys(unsplit))
    for (const w of [split2, split3]) {
      const p = exactSeatProbability(eligibleCandidates(candidatesOf(w), undefined), groupKeys(w))
      const diff = p.num - base.num // same denominator 2^256
      expect((diff < 0n ? -diff : diff) < 1500n).toBe(true) // |Δ count| < T
      // expected seats = K · num / 2^256: the difference is below K · T / 2^256 < 10^-70
    }
  })

  it("empirically over 1200 beacons: the group's seat counts follow Binomial(16, 0.2) in every world", () => {
    // Binomial(16, 0.2): mean 3.2, sd of the mean over N = 1200 committees = sqrt(16·0.2·0.8/1200) = 0.0462
    const binom = (j: number) => {
      let c = 1
      for (let i = 0; i < j; i++) c = (c * (K - i)) / (i + 1)
      return c * 0.2 ** j * 0.8 ** (K - j)
    }
    const means: number[] = []
    for (const w of worlds) {
      const g = groupKeys(w)
      const hist = Array(K + 1).fill(0) as number[]
      let total = 0
      for (let i = 0; i < N; i++) {
        const c = Either.getOrThrow(drawCommittee(sha, { beacon: bytes32(`sybil-beacon-${i}`), claimId: bytes32("sybil-claim"), candidates: candidatesOf(w), worker: undefined, seats: K }))
        const seats = c.seats.filter((s) => g.has(s)).length
        hist[seats]! += 1
        total += seats
      }
      const mean = total / N
      means.push(mean)
      expect(Math.abs(mean - 3.2)).toBeLessThan(4 * SD)
      // chi-square of the histogram against Binomial(16, 0.2), cells 0..1, 2, 3, 4, 5, 6..16 (df = 5, p = 0.001: 20.515)
      const cells = [[0, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, K]] as const
      const chi2 = cells.reduce((acc, [lo, hi]) => {
        let o = 0
        let e = 0
        for (let j = lo; j <= hi; j++) {
          o += hist[j]!
          e += N * binom(j)
        }
        return acc + (o - e) ** 2 / e
      }, 0)
      expect(chi2).toBeLessThan(20.515)
    }
    expect(Math.abs(means[0]! - means[1]!)).toBeLessThan(6 * SD)
    expect(Math.abs(means[0]! - means[2]!)).toBeLessThan(6 * SD)
  })
})

describe("must show: leader probability is unchanged by a split (LE-SYBIL.1, via proposerWeights)", () => {
  const base = genesisState(sha, testnet({ nodes: 1, seed: 91, users: 0 }).genesis)
  const stateOf = (w: World): ChainState => {
    const validators = new Map<Hex, { pubKey: Uint8Array; blsPubKey: Uint8Array }>()
    const accounts = new Map<Hex, { balance: number; stake: number; nonce: number }>()
    const perWorker = new Map<Hex, number>()
    const add = (k: ReturnType<typeof key>, stake: number, q: number) => {
      validators.set(k.hex, { pubKey: k.pubKey, blsPubKey: new Uint8Array(48) })
      accounts.set(k.hex, { balance: 0, stake, nonce: 0 })
      perWorker.set(k.hex, q)
    }
    others.forEach((k, i) => add(k, otherStakes[i]!, [10, 0, 70, 40][i]!))
    for (const g of w.group) add(g.k, g.stake, g.q)
    return { ...base, validators, accounts, qWindow: [{ height: 1, perWorker }] }
  }
  const share = (w: World, round: number) => {
    const r = proposerWeights(stateOf(w), round)
    const g = groupKeys(w)
    const mine = Number(r.weights.filter((x) => g.has(x.key)).reduce((a, x) => a + x.weight, 0n))
    const total = Number(r.weights.reduce((a, x) => a + x.weight, 0n))
    return { source: r.source, mine, total }
  }

  it("round 0 (by windowed Q) and round 2 (by stake): the group's weight and the total are identical, so P is exactly equal", () => {
    for (const w of worlds) {
      expect(share(w, 0)).toEqual({ source: "quality", mine: 90, total: 210 })
      expect(share(w, base.params.qualityRounds)).toEqual({ source: "stake", mine: 300, total: 1500 })
    }
  })
})

describe("must show: rewards are unchanged by a split (QUAL-REWARD.5)", () => {
  const credits = (w: World) => {
    // the group reveals the same scores as A would, with its seats spread over its identities
    const revealed = [
      { evaluator: others[0]!.hex, seats: 5, scores: flat(700_000) },
      { evaluator: others[1]!.hex, seats: 4, scores: flat(640_000) },
      ...w.group.map((g) => ({ evaluator: g.k.hex, seats: g.seats, scores: flat(610_000) })),
    ].sort((a, b) => (a.evaluator < b.evaluator ? -1 : 1))
    const out: ScoringOutcome = { claimId: "00", revealed, faults: [], revealedSeats: 12, totalSeats: 12, quorum: true }
    return settleRound(out, trimmedMeanAggregator(P.trimPpm), () => 10n ** 12n, P).settlements
  }
  const rewardOf = (w: World, reward: number) => {
    const settlements = credits(w)
    const split = splitBlockReward(
      {
        reward,
        workers: new Map([[others[0]!.hex, 10], [others[2]!.hex, 70], ...w.group.map((g): [Hex, number] => [g.k.hex, g.q])]),
        evaluators: new Map(settlements.map((s) => [s.evaluator, s.credit])),
        validators: new Map([...others.map((k, i): [Hex, number] => [k.hex, otherStakes[i]!]), ...w.group.map((g): [Hex, number] => [g.k.hex, g.stake])]),
        remainderTo: others[3]!.hex,
      },
      P,
    )
    const g = groupKeys(w)
    return {
      group: [...split.payouts].filter(([k]) => g.has(k)).reduce((a, [, v]) => a + v, 0n),
      evaluatorValue: settlements.filter((s) => g.has(s.evaluator)).reduce((a, s) => a + settlementValue(s), 0n),
    }
  }

  it("evaluator settlement: exactly additive in seats", () => {
    const base = rewardOf(unsplit, 1_000_000).evaluatorValue
    expect(base > 0n).toBe(true)
    for (const w of [split2, split3]) expect(rewardOf(w, 1_000_000).evaluatorValue).toBe(base)
  })

  it("block reward: exactly equal when every share divides evenly; otherwise lower by at most (m − 1) per pool, never higher", () => {
    // reward 2,100,000: worker pool 1,470,000 over Q 170 is not exact, so compare the floor bound
    for (const reward of [1_000_000, 2_100_000, 999_983]) {
      const base = rewardOf(unsplit, reward).group
      for (const w of [split2, split3]) {
        const got = rewardOf(w, reward).group
        const m = BigInt(w.group.length)
        expect(got <= base).toBe(true)
        expect(base - got <= 3n * (m - 1n)).toBe(true)
      }
    }
    // a divisible case: Q 90 of 170 ... pick reward so every pool divides: worker pool ∝ 170, validator pool ∝ 1500
    const R = 170 * 1500 * 100 // 25,500,000: worker pool 17,850,000 = 105,000·170; validator pool 2,550,000 = 1,700·1500
    const exact = rewardOf(unsplit, R).group
    for (const w of [split2, split3]) expect(rewardOf(w, R).group).toBe(exact)
  })
})
