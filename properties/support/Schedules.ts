// The safety schedule generator (properties/safety.test.ts): one arbitrary that draws a whole network
// run, parameterised by whether the Byzantine voting power is below 1/3 or at least 1/3.
import fc from "fast-check"
import { STRATEGY_CHOICES } from "../../src/drivers/Byzantine.ts"
import type { SimConfig } from "../../src/drivers/InProcessNetwork.ts"
import { type Partition, byzantinePower, cut, observe, partitionArb, simSeedArb, type StrategyChoice } from "./Network.ts"

export interface Schedule {
  readonly n: number
  readonly stakes: ReadonlyArray<number> | null
  readonly f: number
  readonly strategy: StrategyChoice
  readonly seed: number
  readonly latencyMs: { readonly min: number; readonly max: number }
  readonly dropPermille: number
  readonly duplicatePermille: number
  readonly partition: Partition | null
  readonly blocks: number
  readonly txRate: number
  readonly workIntervalMs: number
}

/** Byzantine power below 1/3 ("minority") or at least 1/3 ("blocking"). */
export type ByzantineMode = "minority" | "blocking"

export const equal = (n: number) => Array.from({ length: n }, () => 1000)

/** The largest f whose last-f stake is below (minority) 1/3 of the total. */
const maxMinorityF = (stakes: ReadonlyArray<number>) => {
  let f = 0
  while (f + 1 < stakes.length) {
    const { byz, total } = byzantinePower(stakes, f + 1)
    if (3 * byz >= total) break
    f++
  }
  return f
}

/** The smallest f whose last-f stake is at least 1/3 of the total. */
const minBlockingF = (stakes: ReadonlyArray<number>) => {
  let f = 1
  while (3 * byzantinePower(stakes, f).byz < byzantinePower(stakes, f).total) f++
  return f
}

export const scheduleArb = (mode: ByzantineMode): fc.Arbitrary<Schedule> =>
  fc
    .record({
      n: fc.integer({ min: 4, max: 7 }),
      unequal:
        mode === "minority"
          ? fc.oneof(
              { weight: 2, arbitrary: fc.constant(null) },
              { weight: 1, arbitrary: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 7, maxLength: 7 }) },
            )
          : fc.constant(null),
    })
    .chain(({ n, unequal }) => {
      const stakes = unequal === null ? null : unequal.slice(0, n).map((x) => x * 500)
      const s = stakes ?? equal(n)
      return fc.record({
        n: fc.constant(n),
        stakes: fc.constant(stakes),
        // Mostly the largest Byzantine share allowed, sometimes fewer (or none).
        f:
          mode === "minority"
            ? fc.oneof({ weight: 3, arbitrary: fc.constant(maxMinorityF(s)) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: maxMinorityF(s) }) })
            : fc.constant(minBlockingF(s)),
        // Every strategy of the driver; the ones that attack safety (equivocate, and mixed, whose first
        // Byzantine node equivocates) more often.
        strategy:
          mode === "minority"
            ? fc.oneof(
                ...STRATEGY_CHOICES.map((x) => ({
                  weight: x === "equivocate" ? 3 : x === "mixed" ? 2 : 1,
                  arbitrary: fc.constant<StrategyChoice>(x),
                })),
              )
            : fc.constant<StrategyChoice>("equivocate"),
        seed: simSeedArb,
        latencyMs: fc
          .record({ min: fc.integer({ min: 1, max: 40 }), jitter: fc.integer({ min: 0, max: 200 }) })
          .map(({ min, jitter }) => ({ min, max: min + jitter })),
        dropPermille: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 200 })),
        duplicatePermille: fc.integer({ min: 0, max: 300 }),
        partition: fc.option(partitionArb(n, 1500, 2000), { nil: null }),
        blocks: fc.integer({ min: 2, max: 4 }),
        txRate: fc.integer({ min: 0, max: 25 }),
        // Mean virtual ms between work items per node (commit, then reveal once finalized); 0 = no work.
        workIntervalMs: fc.oneof(fc.constant(0), fc.integer({ min: 100, max: 500 })),
      })
    })

export const configOf = (s: Schedule): SimConfig => ({
  nodes: s.n,
  byzantine: s.f,
  strategy: s.strategy,
  seed: s.seed,
  blocks: s.blocks,
  ...(s.stakes ? { stakes: s.stakes } : {}),
  latencyMs: s.latencyMs,
  dropRate: s.dropPermille / 1000,
  duplicateRate: s.duplicatePermille / 1000,
  txRate: s.txRate,
  workIntervalMs: s.workIntervalMs,
  maxVirtualMs: 10_000,
  link: (t, from, to) => !cut(s.partition, t, from, to),
})

/** The safety property of one schedule: throws with the violations (fast-check prints them). */
export const safetyHolds = (s: Schedule, seen?: { heights: number; reveals: number; txs: number }): void => {
  const r = observe(configOf(s))
  if (seen) {
    seen.heights += r.summary.finalizedHeight
    seen.reveals += r.items.reveals
    seen.txs += r.items.txs
  }
  if (r.violations.length > 0) throw new Error(r.violations.slice(0, 6).join("\n"))
}

