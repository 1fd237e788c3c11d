// spec: QUAL-INCENTIVE.5..6 (Theorem 5.1 and its limits), QUAL-COMMITTEE.6 and LE-SYBIL.1 and QUAL-REWARD.5
//       (SybilNeutral), QUAL-AGG.5..7 (collusion bounds), QUAL-SCORE.6..7 (NoScoreAfterSeeing, binding)
//       — spec/17-quality-incentives.md; paper §5.3 Theorem 5.1, §6.2 Prop. 6.2, Algorithm 2.
//
// Every property runs the real code (Aggregation, Incentives, Committee, LeaderElection, Rewards,
// Scoring). Runs: the CI defaults below (propertyRuns), seeds fixed (propertySeed);
// POAI_PROPERTY_RUNS / POAI_PROPERTY_SEED override.
import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toHex } from "../src/codec/Bytes.ts"
import { type ChainState, type Hex, genesisState } from "../src/core/ChainState.ts"
import { proposerWeights } from "../src/core/LeaderElection.ts"
import {
  type Aggregator,
  type Point,
  collusionRange1D,
  trimmedMean1D,
  trimmedMeanAggregator,
  trimmedMeanHonestQuantileBound,
  yumaAggregator,
  yumaClippedMean1D,
} from "../src/quality/Aggregation.ts"
import { eligibleCandidates, exactSeatProbability, idealSeatProbability, type Candidate } from "../src/quality/Committee.ts"
import { settleRound, settlementValue } from "../src/quality/Incentives.ts"
import { qualityChangeBound, qualityValue } from "../src/quality/Quality.ts"
import { defaultQualityParams as P } from "../src/quality/QualityParams.ts"
import { splitBlockReward } from "../src/quality/Rewards.ts"
import {
  type Scores,
  type ScoringOutcome,
  type ScoringRound,
  applyScoreCommitment,
  applyScoreReveal,
  noScoreAfterSeeing,
  openScoringRound,
  scoreCommitmentValue,
  scoreRevealSigningBytes,
  scoringSchedule,
  sealScores,
} from "../src/quality/Scoring.ts"
import { sha, testnet } from "../test/fixtures/core.ts"
import { bytes32, crypto, key } from "../test/quality/helpers.ts"
import { propertyRuns, propertySeed } from "./config.ts"

const PPM = 1_000_000
const clamp = (x: number) => Math.max(0, Math.min(PPM, x))
const add = (s: Scores, d: Scores): Scores => ({
  correctness: clamp(s.correctness + d.correctness),
  utility: clamp(s.utility + d.utility),
  novelty: clamp(s.novelty + d.novelty),
})
const AGGREGATORS: ReadonlyArray<Aggregator> = [trimmedMeanAggregator(P.trimPpm), yumaAggregator(P.yumaKappaPpm)]
const BIG = 10n ** 15n

/** The deviator "me" (with `mySeats`) reports `mine`; the others report `theirs`. Returns me's settlement value. */
const valueOf = (agg: Aggregator, others: ReadonlyArray<{ seats: number; scores: Scores }>, mySeats: number, mine: Scores): bigint => {
  const revealed = [...others.map((o, i) => ({ evaluator: `o${String(i).padStart(2, "0")}`, seats: o.seats, scores: o.scores })), { evaluator: "zz-me", seats: mySeats, scores: mine }]
  const out: ScoringOutcome = { claimId: "00", revealed, faults: [], revealedSeats: 0, totalSeats: 0, quorum: true }
  const s = settleRound(out, agg, () => BIG, P).settlements.find((x) => x.evaluator === "zz-me")!
  return settlementValue(s)
}

/** Deviation grid: one dimension or all three, by these amounts (ppm). */
const STEPS = [-1_000_000, -600_000, -300_000, -150_000, -100_000, -50_000, -20_000, 20_000, 50_000, 100_000, 150_000, 300_000, 600_000, 1_000_000]
const grid = (): Scores[] => {
  const out: Scores[] = []
  for (const x of STEPS) {
    out.push({ correctness: x, utility: 0, novelty: 0 }, { correctness: 0, utility: x, novelty: 0 }, { correctness: 0, utility: 0, novelty: x }, { correctness: x, utility: x, novelty: x })
  }
  return out
}
const GRID = grid()
const arbScores = fc.record({ correctness: fc.integer({ min: 0, max: PPM }), utility: fc.integer({ min: 0, max: PPM }), novelty: fc.integer({ min: 0, max: PPM }) })

describe("Theorem 5.1 (QUAL-INCENTIVE.5): honest reporting is a best response when the others report honestly", () => {
  it("others report the true quality q: reporting q earns R_e per seat, the maximum; no grid deviation earns more", () => {
    fc.assert(
      fc.property(
        arbScores,
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 1 }),
        (q, otherSeats, mySeats, a) => {
          const agg = AGGREGATORS[a]!
          const others = otherSeats.map((seats) => ({ seats, scores: q }))
          const honest = valueOf(agg, others, mySeats, q)
          expect(honest).toBe(BigInt(mySeats * P.evaluatorRewardPerSeat))
          for (const d of GRID) {
            const s = add(q, d)
            const v = valueOf(agg, others, mySeats, s)
            expect(v <= honest).toBe(true)
          }
        },
      ),
      { numRuns: propertyRuns(150), seed: propertySeed(5101) },
    )
  })

  // Others honest with noise: each other evaluator reports q + ε_i (same ε_i in every dimension), ε_i ∈
  // {−e, 0, +e} i.i.d. uniform, q inside [e, 10^6 − e] so that no report is clipped at 0 or 10^6 (a clipped
  // report is not symmetric noise). Expected rewards are exact sums over all 3^n noise vectors.
  const noisyExpectation = (agg: Aggregator, e: number, q: Scores, otherSeats: ReadonlyArray<number>, mySeats: number) => {
    let combos: number[][] = [[]]
    for (let i = 0; i < otherSeats.length; i++) combos = combos.flatMap((cmb) => [-e, 0, e].map((x) => [...cmb, x]))
    return (mine: Scores): bigint =>
      combos.reduce(
        (acc, eps) => acc + valueOf(agg, otherSeats.map((seats, i) => ({ seats, scores: add(q, { correctness: eps[i]!, utility: eps[i]!, novelty: eps[i]! }) })), mySeats, mine),
        0n,
      )
  }

  it("trimmed mean, others honest with symmetric noise: reporting q maximizes the EXPECTED reward over the grid, up to the penalty's rounding", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10_000, max: 150_000 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.tuple(fc.integer({ min: 0, max: PPM }), fc.integer({ min: 0, max: PPM }), fc.integer({ min: 0, max: PPM })),
        (e, otherSeats, mySeats, [c, u, n]) => {
          const inside = (x: number) => e + Math.floor((x * (PPM - 2 * e)) / PPM)
          const q: Scores = { correctness: inside(c), utility: inside(u), novelty: inside(n) }
          const expected = noisyExpectation(AGGREGATORS[0]!, e, q, otherSeats, mySeats)
          const honest = expected(q)
          // The penalty is floored to whole base units (QUAL-INCENTIVE.1), so a deviation inside the floor's
          // dead zone can gain at most 1 base unit per seat and noise vector: the tolerance below.
          const tolerance = BigInt(3 ** otherSeats.length * mySeats)
          for (const d of GRID) expect(expected(add(q, d)) <= honest + tolerance).toBe(true)
          for (const x of [-e, -Math.floor(e / 2), -Math.floor(e / 4), Math.floor(e / 4), Math.floor(e / 2), e])
            expect(expected(add(q, { correctness: x, utility: x, novelty: x })) <= honest + tolerance).toBe(true)
        },
      ),
      { numRuns: propertyRuns(100), seed: propertySeed(5102) },
    )
  })

  it("Yuma-style clipping (one-sided) breaks it under noise: shading the report DOWN pays (the spec's example)", () => {
    // q = 0.5, three others with one seat each and noise ±0.1, the evaluator holds 2 seats. Clipping at the
    // κ-level removes the upper noise only, so s̄ is biased below q and the best response is below q.
    const q: Scores = { correctness: 500_000, utility: 500_000, novelty: 500_000 }
    const y = noisyExpectation(AGGREGATORS[1]!, 100_000, q, [1, 1, 1], 2)
    const t = noisyExpectation(AGGREGATORS[0]!, 100_000, q, [1, 1, 1], 2)
    const shade = add(q, { correctness: -25_000, utility: -25_000, novelty: -25_000 })
    expect(y(shade) > y(q)).toBe(true)
    expect(t(shade) < t(q)).toBe(true)
    // per noise vector (27 of them): honest 1975.9 vs shaded 1982.8 on average under Yuma
    expect(Number(y(q)) / 27).toBeCloseTo(1975.9, 1)
    expect(Number(y(shade)) / 27).toBeCloseTo(1982.8, 1)
  })
})

describe("Theorem 5.1's limit (QUAL-INCENTIVE.6): honest scoring is not the only equilibrium", () => {
  it("everyone reporting the same constant c, whatever the truth q, is also an equilibrium: deviating to q (or anything) earns less", () => {
    fc.assert(
      fc.property(
        arbScores,
        arbScores,
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 8 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 1 }),
        (c, q, otherSeats, mySeats, a) => {
          const agg = AGGREGATORS[a]!
          const others = otherSeats.map((seats) => ({ seats, scores: c }))
          const conform = valueOf(agg, others, mySeats, c)
          expect(conform).toBe(BigInt(mySeats * P.evaluatorRewardPerSeat))
          const truthful = valueOf(agg, others, mySeats, q)
          expect(truthful <= conform).toBe(true)
          const far = Math.max(Math.abs(q.correctness - c.correctness), Math.abs(q.utility - c.utility), Math.abs(q.novelty - c.novelty))
          if (far >= 100_000) expect(truthful < conform).toBe(true)
          for (const d of GRID) expect(valueOf(agg, others, mySeats, add(c, d)) <= conform).toBe(true)
        },
      ),
      { numRuns: propertyRuns(150), seed: propertySeed(5103) },
    )
  })

  it("the concrete example of the spec: truth 0.9, everyone else reports 0.1; the honest evaluator loses 2,560 per seat", () => {
    const others = [4, 4, 4].map((seats) => ({ seats, scores: { correctness: 100_000, utility: 100_000, novelty: 100_000 } }))
    const t = trimmedMeanAggregator(P.trimPpm)
    expect(valueOf(t, others, 1, { correctness: 100_000, utility: 100_000, novelty: 100_000 })).toBe(1000n)
    // truth 0.9 in every dimension: trimmed away, s̄ stays 0.1: 1000 − 4000·3·0.64 = −6680, slashed
    expect(valueOf(t, others, 1, { correctness: 900_000, utility: 900_000, novelty: 900_000 })).toBe(-6680n)
    // truth 0.9 in utility only: 1000 − 4000·0.64 = −1560: 2,560 below conforming
    expect(valueOf(t, others, 1, { correctness: 100_000, utility: 900_000, novelty: 100_000 })).toBe(-1560n)
  })
})

// ------------------------------------------------------------------------------------------------
// SybilNeutral

const arbSplit = fc
  .record({
    others: fc.array(fc.record({ pk: fc.uint8Array({ minLength: 32, maxLength: 32 }), stake: fc.integer({ min: 1, max: 1_000_000 }), q: fc.nat({ max: 1000 }) }), { minLength: 1, maxLength: 7 }),
    whole: fc.record({ pk: fc.uint8Array({ minLength: 32, maxLength: 32 }), stake: fc.integer({ min: 5, max: 1_000_000 }), q: fc.integer({ min: 2, max: 1000 }) }),
    parts: fc.array(fc.record({ pk: fc.uint8Array({ minLength: 32, maxLength: 32 }), cut: fc.integer({ min: 1, max: 1000 }) }), { minLength: 2, maxLength: 5 }),
  })
  .filter((x) => new Set([...x.others, x.whole, ...x.parts].map((p) => toHex(p.pk))).size === x.others.length + 1 + x.parts.length)

/** Split `total` into len(cuts) non-negative parts proportional to the cuts (floors, remainder to the last). */
const apportion = (total: number, cuts: ReadonlyArray<number>): number[] => {
  const sum = cuts.reduce((a, b) => a + b, 0)
  const out = cuts.map((c) => Math.floor((total * c) / sum))
  out[out.length - 1]! += total - out.reduce((a, b) => a + b, 0)
  return out
}
/** The same with every part ≥ 1 (total ≥ len(cuts)): a split whose every identity keeps stake. */
const apportionPositive = (total: number, cuts: ReadonlyArray<number>): number[] => apportion(total - cuts.length, cuts).map((x) => x + 1)

describe("SybilNeutral: a split changes no expected seats, leader probability or reward", () => {
  const base = genesisState(sha, testnet({ nodes: 1, seed: 92, users: 0 }).genesis)

  it("committee seats (QUAL-COMMITTEE.6): ideal probability exactly equal; with the 256-bit draw, the group's draw count moves by < T", () => {
    fc.assert(
      fc.property(arbSplit, fc.boolean(), (x, excludeFirst) => {
        const cand = (pk: Uint8Array, stake: number): Candidate => ({ key: toHex(pk), pubKey: pk, stake })
        const others = x.others.map((o) => cand(o.pk, o.stake))
        const stakes = apportion(x.whole.stake, x.parts.map((p) => p.cut))
        const parts = x.parts.map((p, i) => cand(p.pk, stakes[i]!))
        const worker = excludeFirst && others.length > 1 ? others[0]!.key : undefined
        const before = eligibleCandidates([...others, cand(x.whole.pk, x.whole.stake)], worker)
        const after = eligibleCandidates([...others, ...parts], worker)
        const gBefore = new Set([toHex(x.whole.pk)])
        const gAfter = new Set(parts.map((p) => p.key))
        expect(idealSeatProbability(after, gAfter)).toEqual(idealSeatProbability(before, gBefore))
        const T = before.reduce((a, c) => a + BigInt(c.stake), 0n)
        const d = exactSeatProbability(after, gAfter).num - exactSeatProbability(before, gBefore).num
        // per seat |Δp| < T/2^256; the group's seat count is Binomial(k, p) in both worlds, so its
        // distribution moves by at most k·T/2^256 in total variation
        expect((d < 0n ? -d : d) < T).toBe(true)
      }),
      { numRuns: propertyRuns(200), seed: propertySeed(6201) },
    )
  })

  it("leader weights (LE-SYBIL.1, proposerWeights): the group's weight and the total are exactly equal, by Q and by stake", () => {
    fc.assert(
      fc.property(arbSplit, (x) => {
        // every part keeps positive stake: Q under a key without stake counts for no one (LE-WINDOW.1)
        const stakes = apportionPositive(x.whole.stake, x.parts.map((p) => p.cut))
        const qs = apportion(x.whole.q, x.parts.map((p) => p.cut))
        const stateOf = (entries: ReadonlyArray<{ pk: Uint8Array; stake: number; q: number }>): ChainState => {
          const validators = new Map<Hex, { pubKey: Uint8Array; blsPubKey: Uint8Array }>()
          const accounts = new Map<Hex, { balance: number; stake: number; nonce: number }>()
          const perWorker = new Map<Hex, number>()
          for (const e of entries) {
            validators.set(toHex(e.pk), { pubKey: e.pk, blsPubKey: new Uint8Array(48) })
            accounts.set(toHex(e.pk), { balance: 0, stake: e.stake, nonce: 0 })
            perWorker.set(toHex(e.pk), e.q)
          }
          return { ...base, validators, accounts, qWindow: [{ height: 1, perWorker }] }
        }
        const s0 = stateOf([...x.others, x.whole])
        const s1 = stateOf([...x.others, ...x.parts.map((p, i) => ({ pk: p.pk, stake: stakes[i]!, q: qs[i]! }))])
        const g0 = new Set([toHex(x.whole.pk)])
        const g1 = new Set(x.parts.map((p) => toHex(p.pk)))
        for (const round of [0, base.params.qualityRounds]) {
          const w0 = proposerWeights(s0, round)
          const w1 = proposerWeights(s1, round)
          const sum = (ws: typeof w0.weights, g?: Set<string>) => Number(ws.filter((w) => g === undefined || g.has(w.key)).reduce((a, w) => a + w.weight, 0n))
          expect(w1.source).toBe(w0.source)
          expect(sum(w1.weights, g1)).toBe(sum(w0.weights, g0))
          expect(sum(w1.weights)).toBe(sum(w0.weights))
        }
      }),
      { numRuns: propertyRuns(200), seed: propertySeed(6202) },
    )
  })

  it("rewards (QUAL-REWARD.5): evaluator settlement exactly additive; block reward never higher and at most (m − 1) lower per pool", () => {
    fc.assert(
      fc.property(
        arbSplit,
        fc.integer({ min: 0, max: 50_000_000 }),
        fc.integer({ min: 1, max: 6 }),
        arbScores,
        arbScores,
        (x, reward, wholeSeats, mine, theirs) => {
          const m = x.parts.length
          const stakes = apportion(x.whole.stake, x.parts.map((p) => p.cut))
          const qs = apportion(x.whole.q, x.parts.map((p) => p.cut))
          const seats = x.parts.map(() => wholeSeats) // each part holds wholeSeats, the whole identity m·wholeSeats
          // settlement: the whole identity holds wholeSeats·m seats; the parts hold wholeSeats each, same report
          const agg = AGGREGATORS[0]!
          const othersRevealed = x.others.map((o, i) => ({ evaluator: `o${String(i).padStart(2, "0")}`, seats: 1 + (o.stake % 4), scores: theirs }))
          const settle = (group: ReadonlyArray<{ evaluator: string; seats: number }>) =>
            settleRound(
              { claimId: "00", revealed: [...othersRevealed, ...group.map((g) => ({ ...g, scores: mine }))], faults: [], revealedSeats: 0, totalSeats: 0, quorum: true },
              agg,
              () => BIG,
              P,
            ).settlements
          const sWhole = settle([{ evaluator: "w", seats: wholeSeats * m }])
          const sParts = settle(x.parts.map((_, i) => ({ evaluator: `p${i}`, seats: seats[i]! })))
          const val = (ss: typeof sWhole, pre: string) => ss.filter((s) => s.evaluator.startsWith(pre)).reduce((a, s) => a + settlementValue(s), 0n)
          expect(val(sParts, "p")).toBe(val(sWhole, "w"))
          expect(val(sParts, "o")).toBe(val(sWhole, "o"))
          // block reward
          const credit = (ss: typeof sWhole) => new Map(ss.map((s) => [s.evaluator, s.credit]))
          const others = (f: (o: (typeof x.others)[number]) => number) => x.others.map((o, i): [string, number] => [`o${String(i).padStart(2, "0")}`, f(o)])
          const whole = splitBlockReward(
            { reward, workers: new Map([...others((o) => o.q), ["w", x.whole.q]]), evaluators: credit(sWhole), validators: new Map([...others((o) => o.stake), ["w", x.whole.stake]]), remainderTo: "zz" },
            P,
          )
          const split = splitBlockReward(
            {
              reward,
              workers: new Map([...others((o) => o.q), ...x.parts.map((_, i): [string, number] => [`p${i}`, qs[i]!])]),
              evaluators: credit(sParts),
              validators: new Map([...others((o) => o.stake), ...x.parts.map((_, i): [string, number] => [`p${i}`, stakes[i]!])]),
              remainderTo: "zz",
            },
            P,
          )
          const got = [...split.payouts].filter(([k]) => k.startsWith("p")).reduce((a, [, v]) => a + v, 0n)
          const had = whole.payouts.get("w") ?? 0n
          expect(got <= had).toBe(true)
          expect(had - got <= 3n * BigInt(m - 1)).toBe(true)
        },
      ),
      { numRuns: propertyRuns(200), seed: propertySeed(6203) },
    )
  })
})

// ------------------------------------------------------------------------------------------------
// Collusion

const arbHonest = fc.array(fc.record({ score: fc.integer({ min: 0, max: PPM }), weight: fc.integer({ min: 1, max: 4 }) }), { minLength: 2, maxLength: 14 })

describe("colluders' influence on the consensus (QUAL-AGG.5..7)", () => {
  it("trimmed mean, colluder share β < τ: consensus ∈ [ℓ, u] ⊂ [L, U] and |Q_collusion − Q_honest| ≤ u − ℓ; Q(W) within QUAL-Q.4", () => {
    fc.assert(
      fc.property(
        arbHonest,
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 3 }), mode: fc.constantFrom("top", "bottom", "any"), score: fc.integer({ min: 0, max: PPM }) }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 1_000_000_000 }),
        (honestRaw, colluders, v) => {
          const honest: Point[] = honestRaw.map((h) => ({ score: h.score, weight: BigInt(h.weight) }))
          const H = honest.reduce((a, h) => a + h.weight, 0n)
          // keep only as many colluders as fit strictly below the trim: B·10^6 < τ·(H + B)
          const col: Point[] = []
          let B = 0n
          for (const c of colluders) {
            const b = B + BigInt(c.weight)
            if (b * BigInt(PPM) >= BigInt(P.trimPpm) * (H + b)) break
            B = b
            col.push({ score: c.mode === "top" ? PPM : c.mode === "bottom" ? 0 : c.score, weight: BigInt(c.weight) })
          }
          fc.pre(B > 0n)
          const tm = (p: ReadonlyArray<Point>) => trimmedMean1D(p, P.trimPpm)
          const qColl = tm([...honest, ...col])
          const qHon = tm(honest)
          const bound = trimmedMeanHonestQuantileBound(honest, B, P.trimPpm)!
          const L = Math.min(...honest.map((h) => h.score))
          const U = Math.max(...honest.map((h) => h.score))
          expect(L <= bound.lo && bound.hi <= U).toBe(true)
          expect(bound.lo <= qColl && qColl <= bound.hi).toBe(true)
          expect(bound.lo <= qHon && qHon <= bound.hi).toBe(true)
          expect(Math.abs(qColl - qHon)).toBeLessThanOrEqual(bound.hi - bound.lo)
          const range = collusionRange1D(tm, honest, B)
          expect(range.lo <= qColl && qColl <= range.hi).toBe(true)
          expect(bound.lo <= range.lo && range.hi <= bound.hi).toBe(true)
          // the same dimension as utility in Q(W): Q moves by at most the QUAL-Q.4 bound of u − ℓ
          const d = bound.hi - bound.lo
          const qa = qualityValue(v, { correctness: PPM, utility: qColl, novelty: PPM }, P)
          const qb = qualityValue(v, { correctness: PPM, utility: qHon, novelty: PPM }, P)
          expect(Math.abs(qa - qb)).toBeLessThanOrEqual(qualityChangeBound(v, { correctness: 0, utility: d, novelty: 0 }, P))
        },
      ),
      { numRuns: propertyRuns(300), seed: propertySeed(5201) },
    )
  })

  it("any colluder weight, both aggregators: whatever the colluders report, the consensus lies in [agg(colluders at 0), agg(colluders at 10^6)]", () => {
    fc.assert(
      fc.property(arbHonest, fc.array(fc.record({ score: fc.integer({ min: 0, max: PPM }), weight: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 8 }), (honestRaw, colRaw) => {
        const honest: Point[] = honestRaw.map((h) => ({ score: h.score, weight: BigInt(h.weight) }))
        const col: Point[] = colRaw.map((c) => ({ score: c.score, weight: BigInt(c.weight) }))
        const B = col.reduce((a, c) => a + c.weight, 0n)
        for (const f of [(p: ReadonlyArray<Point>) => trimmedMean1D(p, P.trimPpm), (p: ReadonlyArray<Point>) => yumaClippedMean1D(p, P.yumaKappaPpm)]) {
          const r = collusionRange1D(f, honest, B)
          const q = f([...honest, ...col])
          expect(r.lo <= q && q <= r.hi).toBe(true)
        }
      }),
      { numRuns: propertyRuns(300), seed: propertySeed(5202) },
    )
  })
})

// ------------------------------------------------------------------------------------------------
// NoScoreAfterSeeing and binding

describe("NoScoreAfterSeeing and ScoreBinding (QUAL-SCORE.6..7) over random message schedules", () => {
  const evals = ["p0", "p1", "p2", "p3"].map(key)
  const claimId = bytes32("prop-claim")
  const committee = {
    claimId: toHex(claimId),
    seats: evals.map((e) => e.hex),
    members: evals.map((e) => ({ evaluator: e.hex, pubKey: e.pubKey, seats: 1 })),
    eligibleStake: 4n,
  }
  const schedule = scoringSchedule(20, P) // open 22, commits ≤ 23, reveals 24..25
  const sealedFor = evals.map((e, i) => sealScores(crypto, { chainId: "poai-prop", secretKey: e.secretKey, claimId, scores: { correctness: i * 1000, utility: 5, novelty: 7 } }))

  it("no accepted reveal precedes or shares a block with an accepted commitment; every accepted reveal opens its commitment; rejections change nothing", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ who: fc.integer({ min: 0, max: 3 }), kind: fc.constantFrom("commit", "reveal", "reveal-other"), height: fc.integer({ min: 19, max: 27 }) }),
          { minLength: 1, maxLength: 16 },
        ),
        (ops) => {
          let round: ScoringRound = openScoringRound("poai-prop", committee, schedule)
          const sorted = [...ops].sort((a, b) => a.height - b.height) // blocks are applied in height order
          for (const op of sorted) {
            const s = sealedFor[op.who]!
            let r
            if (op.kind === "commit") r = applyScoreCommitment(crypto, round, s.commitment, op.height)
            else if (op.kind === "reveal") r = applyScoreReveal(crypto, round, s.reveal, op.height)
            else {
              // a properly signed reveal of other scores than committed
              const u = { chainId: s.reveal.chainId, evaluator: s.reveal.evaluator, claimId: s.reveal.claimId, scores: { ...s.reveal.scores, utility: 6 }, salt: s.reveal.salt }
              r = applyScoreReveal(crypto, round, { ...u, signature: crypto.ed25519.sign(scoreRevealSigningBytes(u), evals[op.who]!.secretKey) }, op.height)
            }
            if (Either.isRight(r)) round = r.right
            else expect(r.left.code.startsWith("SCORE_")).toBe(true)
            expect(noScoreAfterSeeing(round)).toBe(true)
          }
          for (const [who, rv] of round.reveals) {
            const i = evals.findIndex((e) => e.hex === who)
            const c = round.commits.get(who)!
            expect(toHex(scoreCommitmentValue(sha, rv.scores, sealedFor[i]!.reveal.salt, evals[i]!.pubKey, claimId))).toBe(toHex(c.commitment))
            expect(rv.height > schedule.commitDeadline && rv.height <= schedule.revealDeadline).toBe(true)
          }
          for (const c of round.commits.values()) expect(c.height >= schedule.openHeight && c.height <= schedule.commitDeadline).toBe(true)
        },
      ),
      { numRuns: propertyRuns(100), seed: propertySeed(5301) },
    )
  })
})
