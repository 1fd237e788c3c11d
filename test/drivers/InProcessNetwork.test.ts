// spec: SIM-NET.1..6, SIM-BYZ.1..5 (spec/08-simulation.md); Agreement (SIM-NET.3), Accountability
// The deterministic in-process network: same config, same result; f < n/3 Byzantine nodes of every
// strategy cannot stop honest nodes from finalizing the same blocks; lossy links still finalize.
import { describe, expect, it } from "vitest"
import { STRATEGY_CHOICES, type StrategyChoice } from "../../src/drivers/Byzantine.ts"
import { type SimConfig, type SimSummary, simulate } from "../../src/drivers/InProcessNetwork.ts"
import { testCrypto } from "../fixtures/core.ts"

const BLOCKS = 10
const base = (over: Partial<SimConfig> = {}): SimConfig => ({
  nodes: 4,
  byzantine: 1,
  strategy: "equivocate",
  seed: 5,
  blocks: BLOCKS,
  maxVirtualMs: 120_000,
  ...over,
})
const sim = (over: Partial<SimConfig> = {}): SimSummary => simulate(testCrypto, base(over))

const expectFinalized = (s: SimSummary, blocks = BLOCKS) => {
  expect(s.agreement).toBe(true)
  expect(s.completed).toBe(true)
  expect(s.finalizedHeight).toBe(blocks)
  expect(s.stateRoot).toMatch(/^[0-9a-f]{64}$/)
}

describe("determinism (SIM-NET.1)", () => {
  const cfg = { blocks: 6, seed: 9, strategy: "mixed" as StrategyChoice, dropRate: 0.05, duplicateRate: 0.1 }
  const first = sim(cfg)

  it("the same config twice gives the identical summary", () => {
    const second = sim(cfg)
    expect(JSON.stringify(second)).toBe(JSON.stringify(first))
    expectFinalized(first, 6)
  })

  it("the shared verification cache changes nothing but speed (SIM-NET.6)", () => {
    expect(JSON.stringify(sim({ ...cfg, sharedVerifyCache: false }))).toBe(JSON.stringify(first))
  })

  it("a different seed gives a different run", () => {
    const other = sim({ ...cfg, seed: 10, blocks: 3 })
    expectFinalized(other, 3)
    const same = sim({ ...cfg, blocks: 3 }) // seed 9 at the same height
    expectFinalized(same, 3)
    expect(same.stateRoot).not.toBe(other.stateRoot)
  })

  it("every step's trace is reproducible", () => {
    const trace = (): string[] => {
      const t: string[] = []
      simulate(testCrypto, base({ ...cfg, blocks: 3, onStep: (e) => t.push(`${e.t}/${e.node}/${e.input.type}/${e.outputs.length}/${e.state.cons.height}.${e.state.cons.round}.${e.state.cons.step}`) }))
      return t
    }
    const a = trace()
    expect(a.length).toBeGreaterThan(100)
    expect(trace()).toEqual(a)
  })
})

describe("Byzantine strategies, n = 4, f = 1 (SIM-BYZ.1..5)", () => {
  for (const strategy of STRATEGY_CHOICES) {
    it(`${strategy}: ${BLOCKS} blocks finalized with agreement`, () => {
      const s = sim({ strategy })
      expectFinalized(s)
      expect(s.strategy).toBe(strategy)
      expect(s.byzantine).toBe(1)
      expect(s.txCommitted).toBeGreaterThan(0)
      if (strategy === "equivocate" || strategy === "double-vote") {
        // Accountability: the equivocation is proven on chain and punished.
        expect(s.evidence).toBeGreaterThanOrEqual(1)
        expect(s.slashed).toBeGreaterThanOrEqual(1)
      }
      if (strategy === "silent") expect(s.evidence).toBe(0)
      if (strategy === "spam") {
        expect(s.evidence).toBe(0)
        expect(s.messagesRejected).toBeGreaterThan(100)
      }
    })
  }
})

describe("lossy links (SIM-NET.2): retransmission and sync keep finalizing", () => {
  it("10% drops and 20% duplicates with wide latency jitter", () => {
    const s = sim({ dropRate: 0.1, duplicateRate: 0.2, latencyMs: { min: 5, max: 150 }, strategy: "mixed", blocks: 6 })
    expectFinalized(s, 6)
  })

  it("30% duplicates among honest nodes: no extra rounds, no false evidence", () => {
    const s = sim({ duplicateRate: 0.3, byzantine: 0, blocks: 6 })
    expectFinalized(s, 6)
    expect(s.maxRound).toBe(0)
    expect(s.evidence).toBe(0)
    expect(s.messagesRejected).toBeGreaterThan(0) // the duplicates (MSG_DUPLICATE, TX_DUPLICATE, ...)
  })

  // Regression (NODE-RECV.3, NODE-SYNC.2): the spammer's unsigned votes for far-away heights set every
  // honest node's sync hint to the spammer, which never answers; a node that missed a decision because
  // of a dropped message then asked only the spammer and the network stalled at height 1 for the whole
  // virtual budget. Only authenticated messages may now point the sync hint at their sender.
  it("spam with 15% drops still finalizes (garbage never becomes the sync hint; a replayed valid message may, and the next tick re-asks)", () => {
    // What NODE-SYNC.2 guarantees: only a message whose signer is a validator and whose signature
    // verifies points aheadPeer at its sender. The spammer's forged far-height votes (bad signatures)
    // never do; its replays of genuine later-height votes may (a relayed message legitimately arrives
    // from any peer), and then the node re-asks its latest hint at every gossip tick.
    // Seed 14 stalled at height 1 before the NODE-SYNC.2 fix. The spammer becomes the hint only in some
    // schedules (seeds 55, 57 and 61 of 55..62 on 2026-12-04; in seed 14 itself until NODE-RETRANSMIT.10
    // changed the schedule): eight seeds, so that a small schedule change keeps the precondition.
    const hints: Array<{ seed: number; genuine: boolean }> = []
    for (const seed of [14, 55, 56, 57, 58, 59, 60, 61, 62]) {
      const honestBytes = new Set<string>()
      const ahead = new Map<number, number>()
      const s = sim({
        strategy: "spam",
        dropRate: 0.15,
        seed,
        blocks: 3,
        maxVirtualMs: 60_000,
        onStep: (e) => {
          if (e.node === 3) return
          for (const o of e.outputs) if (o.type === "broadcast" || o.type === "send") honestBytes.add(Buffer.from(o.bytes).toString("hex"))
          const before = ahead.get(e.node) ?? -1
          ahead.set(e.node, e.state.aheadPeer)
          if (e.input.type === "receive" && e.input.from === 3 && e.state.aheadPeer === 3 && before !== 3)
            hints.push({ seed, genuine: honestBytes.has(Buffer.from(e.input.bytes).toString("hex")) })
        },
      })
      expectFinalized(s, 3)
    }
    // every time the spammer became the hint, what it sent was a replay of an honest node's message
    expect(hints.length).toBeGreaterThan(0)
    expect(hints.every((h) => h.genuine)).toBe(true)
  })

  it("a node cut off for a while catches up (NODE-SYNC.1..2)", () => {
    // Node 0 hears nothing and says nothing between 200 ms and 3 s of virtual time; with node 3 silent the
    // other two cannot finalize alone, so this also shows recovery once node 0 returns.
    const s = sim({
      strategy: "silent",
      blocks: 5,
      link: (t, from, to) => !(t > 200 && t < 3000 && (from === 0 || to === 0)),
    })
    expectFinalized(s, 5)
    expect(s.virtualSeconds).toBeGreaterThan(3)
  })
})

describe("a single validator (regression, NODE-STEP.1)", () => {
  it("finalizes exactly the target, one height per step", () => {
    const s = sim({ nodes: 1, byzantine: 0, blocks: 4, txRate: 0 })
    expectFinalized(s, 4)
  })
})

describe("a chain that cannot decide says why and does not flood (SIM-NET.9, NODE-RETRANSMIT.9, NODE-MEMPOOL.5)", () => {
  // the forger is slashed to 0 at height 5, leaving the silent node a third of the power: no quorum is live
  const halted = simulate(testCrypto, { nodes: 4, byzantine: 1, strategy: "silent", seed: 3, blocks: 20, cheaters: 0.5, maxVirtualMs: 600_000 })

  it("reports the stall: height 6, honest power exactly 2/3, no quorum without Byzantine votes", () => {
    expect(halted.completed).toBe(false)
    expect(halted.agreement).toBe(true)
    expect(halted.stall).toEqual({ height: 6, honestPower: 2_000_000, byzantinePower: 1_000_000, totalPower: 3_000_000, quorumWithoutByzantine: false })
  })

  it("600 virtual seconds of a halted height cost thousands of deliveries, not millions (3.3M before the backoff)", () => {
    expect(halted.messagesDelivered).toBeLessThan(20_000)
  })

  it("a run that reaches its target has no stall", () => {
    expect(sim({ blocks: 3 }).stall).toBeNull()
  })
})
