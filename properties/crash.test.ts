// spec: NODE-GUARD.4, NODE-GUARD.2/3, NODE-WAL.2, NODE-RECOVER.1..5, NODE-RECOVER.7, NODE-STORE.8 (spec/20-node.md)
//
// Crash recovery never double-signs. One generator draws: the chain (key) seed from a small pool, the
// schedule seed (delays, client transfers), a latency range whose maximum reaches past the propose
// timeout (so rounds fail, nodes lock and re-propose), the victim node, and its crash point: either
// any write index k of its store (0..80; a node makes about 75..100 writes in six heights), or a point just after it released its m-th prevote (m in 1..8,
// then 0..3 more writes: the crashes that hit between a signature leaving and the height deciding,
// where a node without WAL and guard would vote again differently). The victim dies at that write
// (its store keeps exactly the writes before it, NODE-STORE.7; the call in flight returns nothing),
// stays down for 50..3000 virtual ms (messages to it are lost), and restarts from its store; in about
// nine runs of ten it dies once more, 0..30 writes after that restart began (during or just after its
// recovery), and restarts again.
//
// 1. Every run must satisfy, over everything each node released before and after the crash:
//    - no two different signed votes or proposals of one node for one (height, round, kind);
//    - every node, the restarted one included, reaches height 6 (the restarted node catches up);
//    - all nodes committed the same block at every height;
//    - no guard refused a signature (NODE-GUARD.3: the replay re-derived exactly what was signed).
// 2. Can fail (no shrinking: the first violation ends it): the same generator, with the victim restarted on a store whose WAL, carry and guard
//    records are wiped (a node that keeps neither), must find a double-sign: fc.check must report one.
//
// Every host writes a snapshot every 2 heights (NODE-STORE.8), so crash points fall on snapshot writes
// too and restarts recover from snapshots (NODE-RECOVER.7); the runs that did are counted.
//
// Runs (CI default): 30 for (1) (POAI_PROPERTY_RUNS overrides); (2) stops at its first violation and
// runs at least 30 cases. Seeds fixed below; POAI_PROPERTY_SEED overrides both.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { propertyRuns, propertySeed } from "./config.ts"
import { type CrashPoint, type HostNetConfig, runHostNet } from "./support/HostNet.ts"
import { testTimeoutMs, yieldToEventLoop } from "./support/Network.ts"

const RUNS = propertyRuns(30)
const CONTROL_RUNS = Math.max(30, propertyRuns(30))
const BLOCKS = 6

const crashArb: fc.Arbitrary<CrashPoint> = fc.oneof(
  fc.record({
    node: fc.integer({ min: 0, max: 3 }),
    kind: fc.constant("write" as const),
    write: fc.integer({ min: 0, max: 80 }),
    downMs: fc.integer({ min: 50, max: 3000 }),
    again: fc.integer({ min: -3, max: 30 }),
  }),
  {
    weight: 2,
    arbitrary: fc.record({
      node: fc.integer({ min: 0, max: 3 }),
      kind: fc.constant("after-prevote" as const),
      prevote: fc.integer({ min: 1, max: 8 }),
      after: fc.integer({ min: 0, max: 3 }),
      downMs: fc.integer({ min: 50, max: 3000 }),
      again: fc.integer({ min: -3, max: 30 }),
    }),
  },
)

const runArb: fc.Arbitrary<HostNetConfig> = fc.record({
  nodes: fc.constant(4),
  chainSeed: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  blocks: fc.constant(BLOCKS),
  latencyMs: fc.integer({ min: 60, max: 600 }).map((max) => ({ min: 5, max })),
  crash: crashArb,
  // NODE-STORE.8: a snapshot every 2 heights, so crashes also hit commit batches with snapshots and
  // restarts recover from them (NODE-RECOVER.7)
  snapshotInterval: fc.constant(2),
})

const noDoubleSign = (r: Awaited<ReturnType<typeof runHostNet>>) => {
  if (r.doubleSigns.length > 0) throw new Error(`double-sign: ${JSON.stringify(r.doubleSigns)}`)
}

describe("crash recovery (NODE-GUARD.4)", () => {
  it("a node killed at any write and restarted never signs two different votes for one (height, round, type), catches up, and agrees", async () => {
    const seen = { crashed: 0, twice: 0, fromSnapshot: 0 }
    await fc.assert(
      fc.asyncProperty(runArb, async (cfg) => {
        await yieldToEventLoop()
        const r = await runHostNet(cfg)
        noDoubleSign(r)
        expect(r.agreement).toBe(true)
        expect(Math.min(...r.heights)).toBeGreaterThanOrEqual(BLOCKS)
        expect(r.refused).toEqual([0, 0, 0, 0])
        if (r.crashed) seen.crashed++
        if (r.restarts >= 2) seen.twice++
        if (r.fromSnapshot > 0) seen.fromSnapshot++
      }),
      { numRuns: RUNS, seed: propertySeed(20261204) },
    )
    // not vacuous: most runs crashed their victim, some twice
    if (RUNS >= 30) expect(seen.crashed).toBeGreaterThanOrEqual(RUNS / 2)
    if (RUNS >= 30) expect(seen.twice).toBeGreaterThan(0)
    if (RUNS >= 30) expect(seen.fromSnapshot).toBeGreaterThan(0)
    process.stdout.write(`[crash] ${RUNS} runs: ${seen.crashed} crashed, ${seen.twice} of them twice, ${seen.fromSnapshot} recovered from a snapshot\n`)
  }, testTimeoutMs(RUNS, 4_000))

  it("can fail: a victim restarted without its WAL and guard records double-signs", async () => {
    const result = await fc.check(
      fc.asyncProperty(runArb, async (cfg) => {
        await yieldToEventLoop()
        noDoubleSign(await runHostNet({ ...cfg, amnesia: true }))
      }),
      { numRuns: CONTROL_RUNS, seed: propertySeed(20261205), endOnFailure: true },
    )
    expect(result.failed).toBe(true)
    expect(String(result.errorInstance)).toMatch(/double-sign/)
    process.stdout.write(`[crash, no WAL/guard] can fail, as expected: double-sign at case ${result.numRuns} of ${CONTROL_RUNS} (seed ${result.seed})\n`)
  }, testTimeoutMs(CONTROL_RUNS, 4_000))
})
