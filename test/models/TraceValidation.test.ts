// Consensus traces (src/drivers/Trace.ts) and their per-height model instances
// (src/models/TraceValidation.ts), without Java: the TLC side is exercised by `npm run models`.
// The checks here are the trace spec's obligations restated in TypeScript on real simulator runs.
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { SIM_STAKE, byzantineIndices, simulate } from "../../src/drivers/InProcessNetwork.ts"
import { hash8, makeTracer, traceWriter, type TraceEvent } from "../../src/drivers/Trace.ts"
import { heightInstance, heightsOf, mutate, parseTrace, writeInstance } from "../../src/models/TraceValidation.ts"
import { testCrypto } from "../fixtures/core.ts"

const run = (cfg: { nodes: number; byzantine: number; strategy: "equivocate" | "double-vote" | "mixed"; seed: number; blocks: number; drop?: number }) => {
  const tracer = makeTracer({ byzantine: byzantineIndices(cfg.nodes, cfg.byzantine) })
  const events: TraceEvent[] = []
  const summary = simulate(testCrypto, { ...cfg, dropRate: cfg.drop ?? 0, txRate: 10, onStep: (e) => void events.push(...tracer(e)) })
  return { events, summary }
}

const isQuorum = (p: number, total: number) => 3 * p > 2 * total

describe("consensus trace of a simulator run", () => {
  const { events, summary } = run({ nodes: 4, byzantine: 1, strategy: "equivocate", seed: 2, blocks: 3, drop: 0.2 })
  const byz = new Set(byzantineIndices(4, 1))

  it("the run committed and traced every height", () => {
    expect(summary.completed).toBe(true)
    expect(heightsOf(events).slice(0, 3)).toEqual([1, 2, 3])
  })

  it("only honest nodes' steps are traced; Byzantine messages appear as byz-* events", () => {
    for (const e of events) {
      if (e.event.startsWith("byz-")) expect(byz.has(e.src ?? -1)).toBe(true)
      expect(byz.has(e.node)).toBe(false)
    }
  })

  it("each signed message appears once (no retransmissions or relays)", () => {
    const keys = events
      .filter((e) => e.event === "prevote" || e.event === "precommit" || e.event === "propose")
      .map((e) => `${e.event}/${e.node}/${e.height}/${e.round}`)
    expect(new Set(keys).size).toBe(keys.length)
  })

  it("a node's round events come first in a round and increase", () => {
    const at = new Map<string, number>()
    for (const e of events) {
      const k = `${e.node}/${e.height}`
      if (e.event === "round") {
        expect(e.round ?? 0).toBeGreaterThanOrEqual(at.get(k) ?? 0)
        at.set(k, e.round ?? 0)
      } else if (["propose", "prevote", "precommit"].includes(e.event)) expect(e.round).toBe(at.get(k))
    }
  })

  it("a decision follows precommits for it from a quorum, in trace order (CONS-RULE.8)", () => {
    for (const h of heightsOf(events)) {
      const power = events.find((e) => e.event === "height" && e.height === h)?.power ?? []
      const total = power.reduce((a, p) => a + p, 0)
      events.forEach((d, i) => {
        if (d.event !== "decide" || d.height !== h) return
        const signers = new Set(
          events
            .slice(0, i)
            .filter((e) => (e.event === "precommit" || e.event === "byz-precommit") && e.height === h && e.round === d.round && e.value === d.value)
            .map((e) => (e.event === "precommit" ? e.node : (e.src ?? -1))),
        )
        expect(isQuorum([...signers].reduce((a, s) => a + (power[s] ?? 0), 0), total)).toBe(true)
      })
    }
  })

  it("proposals come from the beacon's proposer of their round (CONS-PROPOSER.1)", () => {
    for (const p of events.filter((e) => e.event === "propose")) {
      const r = events.find((e) => e.event === "round" && e.height === p.height && e.round === p.round && e.node === p.node)
      expect(r?.proposer).toBe(p.node)
    }
  })

  it("the NDJSON writer writes the same events, one per line", () => {
    const lines: string[] = []
    const w = traceWriter({ byzantine: [3], write: (l) => lines.push(l) })
    const t2 = makeTracer({ byzantine: [3] })
    const direct: TraceEvent[] = []
    simulate(testCrypto, { nodes: 4, byzantine: 1, strategy: "equivocate", seed: 5, blocks: 1, txRate: 10, onStep: (e) => (w(e), void direct.push(...t2(e))) })
    expect(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n"))).toBe(true)
    expect(parseTrace(lines.join(""))).toEqual(direct)
    expect(hash8("00112233445566778899")).toBe("00112233")
  })
})

describe("per-height model instances", () => {
  const { events } = run({ nodes: 4, byzantine: 1, strategy: "mixed", seed: 3, blocks: 2, drop: 0.3 })

  it("take validators, stake, valid blocks, rounds and proposers from the trace", () => {
    const inst = heightInstance(events, 1)
    if (typeof inst === "string") throw new Error(inst)
    expect(inst.corr).toEqual([0, 1, 2])
    expect(inst.faulty).toEqual([3])
    expect([...inst.power.values()]).toEqual([SIM_STAKE, SIM_STAKE, SIM_STAKE, SIM_STAKE])
    const decided = inst.lines.filter((l) => l.event === "decide").map((l) => l.value)
    expect(decided.length).toBeGreaterThan(0)
    for (const v of decided) expect(inst.validValues).toContain(v)
    expect(inst.proposers).toHaveLength(inst.maxRound + 1)
    expect(inst.lines.map((l) => l.line)).toEqual(inst.lines.map((_, i) => i + 1))
    expect(inst.lines.every((l) => !["height", "validity"].includes(l.event))).toBe(true)
  })

  it("explain a height the trace has nothing for", () => {
    expect(heightInstance(events, 99)).toBe("no height event for height 99")
  })

  it("mutations: a precommit moved before its polka, a decision for another block", () => {
    const inst = heightInstance(events, 1)
    if (typeof inst === "string") throw new Error(inst)
    const early = mutate(inst, "precommit-without-polka")
    expect(early).toBeDefined()
    expect(early?.instance.lines).toHaveLength(inst.lines.length)
    expect(early?.instance.lines).not.toEqual(inst.lines)
    const other = mutate(inst, "decide-other-value")
    const d = other?.instance.lines.find((l) => l.event === "decide")
    expect(d?.value).not.toBe(inst.lines.find((l) => l.event === "decide")?.value)
    expect(other?.instance.validValues).toContain(d?.value)
  })

  it("are written as NDJSON + a module extending PoAITrace + a cfg binding its constants", () => {
    const inst = heightInstance(events, 1)
    if (typeof inst === "string") throw new Error(inst)
    const dir = mkdtempSync(path.join(os.tmpdir(), "poai-trace-"))
    try {
      const f = writeInstance(dir, "Trace_test_h1", inst)
      const tla = readFileSync(f.tla, "utf8")
      expect(tla).toMatch(/^-+ MODULE Trace_test_h1 -+\n/)
      expect(tla).toContain("EXTENDS PoAITrace")
      expect(tla).toContain("TR_Faulty == {3}")
      expect(tla).toContain(`TR_TraceFile == "${f.ndjson}"`)
      const cfg = readFileSync(f.cfg, "utf8")
      expect(cfg).toContain("TraceFile <- TR_TraceFile")
      expect(cfg).toContain("POSTCONDITION TraceAccepted")
      expect(readFileSync(f.ndjson, "utf8").trim().split("\n")).toHaveLength(inst.lines.length)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
