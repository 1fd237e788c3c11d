// spec: CONS-FORENSICS.1..4, CONS-ACCOUNT.1 (spec/03-consensus.md), SIM-TRANSCRIPT.1; `Accountability`
// and `NoFalseAccusation` as in models/PoAIConsensus.tla, checked here on the implementation.
//
//   Completeness (Accountability): in simulated runs with Byzantine power >= 1/3 that fork (n = 4, f = 2
//   and n = 7, f = 3, any strategy), forensics over the honest nodes' transcripts convicts validators
//   with more than 1/3 of the power at the fork height.
//   Soundness (NoFalseAccusation): in every run — Byzantine power below or above 1/3, any strategy,
//   including amnesia, lock-split, lying-vr and withhold — no honest validator is ever convicted, at
//   any height, when the transcripts of all honest nodes are given.
//
// Runs (CI default): 10 per property, seeds fixed below; POAI_PROPERTY_RUNS / POAI_PROPERTY_SEED override.
import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { forensics } from "../src/core/Forensics.ts"
import { STRATEGY_CHOICES, type StrategyChoice } from "../src/drivers/Byzantine.ts"
import { byzantineIndices, simChain, simulate } from "../src/drivers/InProcessNetwork.ts"
import { emptyTranscripts, forensicsInput, parseTranscript, transcriptRecorder } from "../src/drivers/Transcript.ts"
import { testCrypto } from "../test/fixtures/core.ts"
import { propertyRuns, propertySeed } from "./config.ts"
import { testTimeoutMs, yieldToEventLoop } from "./support/Network.ts"

const RUNS = propertyRuns(10)

interface Case {
  readonly nodes: number
  readonly byzantine: number
  readonly strategy: StrategyChoice
  readonly seed: number
  readonly dropRate: number
}

const analyse = (c: Case) => {
  const lines = new Map<number, string[]>()
  const record = transcriptRecorder({ byzantine: byzantineIndices(c.nodes, c.byzantine), write: (n, l) => void (lines.get(n) ?? lines.set(n, []).get(n)!).push(l) })
  const summary = simulate(testCrypto, {
    nodes: c.nodes,
    byzantine: c.byzantine,
    strategy: c.strategy,
    seed: c.seed,
    blocks: 4,
    dropRate: c.dropRate,
    txRate: 5,
    workIntervalMs: 0,
    maxVirtualMs: 30_000,
    onStep: record,
  })
  const acc = emptyTranscripts()
  for (const [n, ls] of lines) {
    const r = parseTranscript(`node-${n}`, ls.join(""), acc)
    if (Either.isLeft(r)) throw new Error(r.left.message)
  }
  const report = forensics(testCrypto, forensicsInput(acc))
  const { net } = simChain(testCrypto, { nodes: c.nodes, byzantine: c.byzantine, strategy: c.strategy, seed: c.seed, blocks: 4 })
  const byz = new Set(byzantineIndices(c.nodes, c.byzantine))
  const honestKeys = new Set(net.keys.filter((_, i) => !byz.has(i)).map((k) => k.pubHex))
  return { summary, report, honestKeys }
}

const strategyArb = fc.constantFrom(...STRATEGY_CHOICES)

describe("forensics on the implementation's transcripts (CONS-FORENSICS.3)", () => {
  it(
    "NoFalseAccusation: no honest validator is convicted, whatever the Byzantine power and strategy",
    async () => {
      const stats = { runs: 0, convictions: 0 }
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            shape: fc.constantFrom([4, 1], [7, 2], [4, 2], [7, 3]),
            strategy: strategyArb,
            seed: fc.integer({ min: 1, max: 0xffff }),
            dropRate: fc.constantFrom(0, 0.1),
          }),
          async ({ shape, strategy, seed, dropRate }) => {
            await yieldToEventLoop()
            const { report, honestKeys } = analyse({ nodes: shape[0]!, byzantine: shape[1]!, strategy, seed, dropRate })
            stats.runs++
            for (const h of report.heights) {
              stats.convictions += h.convicted.length
              expect(h.convicted.filter((c) => honestKeys.has(c.validator)).map((c) => `${c.offence} at height ${h.height}`)).toEqual([])
            }
          },
        ),
        { numRuns: RUNS, seed: propertySeed(0xf0e2) },
      )
      expect(stats.convictions).toBeGreaterThan(0) // Byzantine validators were convicted: the check had material
    },
    testTimeoutMs(RUNS, 6000),
  )

  it(
    "Accountability: after a fork, validators with more than 1/3 of the power are convicted",
    async () => {
      const stats = { runs: 0, forks: 0 }
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            shape: fc.constantFrom([4, 2], [7, 3]),
            strategy: fc.constantFrom<StrategyChoice>("equivocate", "double-vote", "mixed", "amnesia", "lock-split", "locking"),
            seed: fc.integer({ min: 1, max: 0xffff }),
          }),
          async ({ shape, strategy, seed }) => {
            await yieldToEventLoop()
            const { summary, report, honestKeys } = analyse({ nodes: shape[0]!, byzantine: shape[1]!, strategy, seed, dropRate: 0 })
            stats.runs++
            const forks = report.heights.filter((h) => h.fork)
            if (!summary.agreement) expect(forks.length).toBeGreaterThan(0)
            for (const h of forks) {
              stats.forks++
              expect(h.accountable, `height ${h.height}: ${h.convictedPower} of ${h.totalPower}`).toBe(true)
              expect(h.convicted.every((c) => !honestKeys.has(c.validator))).toBe(true)
            }
          },
        ),
        { numRuns: RUNS, seed: propertySeed(0xacc0) },
      )
      expect(stats.forks).toBeGreaterThan(0) // forks were produced: the precondition is not trivially true
    },
    testTimeoutMs(RUNS, 6000),
  )
})
