// Consensus traces (src/drivers/Trace.ts) and their per-height model instances
// (src/models/TraceValidation.ts), without Java: the TLC side is exercised by `npm run models`.
// The checks here are the trace spec's obligations restated in TypeScript on real simulator runs: every
// action of a node is justified by what that node received (receives, timeouts, state records), and the
// trace keeps what a checker needs to reject a wrong node (an honest node's second vote, its locks).
import { Either } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { describe, expect, it } from "vitest"
import type { StrategyChoice } from "../../src/drivers/Byzantine.ts"
import { SIM_STAKE, byzantineIndices, simulate } from "../../src/drivers/InProcessNetwork.ts"
import { hash8, makeTracer, traceWriter, type TraceEvent, type TraceStep } from "../../src/drivers/Trace.ts"
import { verdictOf } from "../../src/models/TraceRunner.ts"
import {
  TraceFormatError,
  coverageOf,
  formatCoverage,
  heightInstance,
  heightsOf,
  mutate,
  parseTrace,
  ruleCoverage,
  writeInstance,
  type HeightInstance,
} from "../../src/models/TraceValidation.ts"
import { parseTlcOutput } from "../../src/models/TlcOutput.ts"
import { testCrypto } from "../fixtures/core.ts"

interface RunCfg {
  nodes: number
  byzantine: number
  strategy: StrategyChoice
  seed: number
  blocks: number
  drop?: number
  ignoreLock?: number[]
  onStep?: (e: TraceStep) => void
}

const run = (cfg: RunCfg) => {
  const tracer = makeTracer({ byzantine: byzantineIndices(cfg.nodes, cfg.byzantine) })
  const events: TraceEvent[] = []
  const summary = simulate(testCrypto, {
    ...cfg,
    dropRate: cfg.drop ?? 0,
    txRate: 10,
    onStep: (e) => {
      cfg.onStep?.(e)
      events.push(...tracer(e))
    },
  })
  return { events, summary }
}

const instances = (events: ReadonlyArray<TraceEvent>): HeightInstance[] =>
  heightsOf(events)
    .map((h) => heightInstance(events, h))
    .filter((i): i is HeightInstance => typeof i !== "string")

const isQuorum = (p: number, total: number) => 3 * p > 2 * total

describe("consensus trace of a simulator run", () => {
  const { events, summary } = run({ nodes: 4, byzantine: 1, strategy: "equivocate", seed: 2, blocks: 3, drop: 0.2 })
  const byz = new Set(byzantineIndices(4, 1))

  it("the run committed and traced every height", () => {
    expect(summary.completed).toBe(true)
    expect(heightsOf(events).slice(0, 3)).toEqual([1, 2, 3])
  })

  it("logs receives, sends, timeouts and state records, not only signed messages", () => {
    const kinds = new Set(events.map((e) => e.event))
    for (const k of ["recv", "send", "timeout", "state", "round", "propose", "prevote", "precommit", "decide"]) expect(kinds).toContain(k)
  })

  it("only honest nodes' steps are traced; Byzantine messages appear as what honest nodes received", () => {
    for (const e of events) expect(byz.has(e.node)).toBe(false)
    const fromByz = events.filter((e) => e.event === "recv" && byz.has(e.src ?? -1))
    expect(fromByz.length).toBeGreaterThan(0)
  })

  it("every own vote is followed by its send; every received message was signed (own event or Byzantine signer)", () => {
    events.forEach((e, i) => {
      if (e.event !== "prevote" && e.event !== "precommit") return
      expect(events.slice(i + 1).some((s) => s.event === "send" && s.node === e.node && s.msg === e.event && s.round === e.round && s.value === e.value)).toBe(true)
    })
    const signed = new Set<string>()
    for (const e of events) {
      if (e.event === "prevote" || e.event === "precommit") signed.add(`${e.event}/${e.node}/${e.height}/${e.round}/${e.value}`)
      if (e.event === "recv" && (e.msg === "prevote" || e.msg === "precommit") && !byz.has(e.src ?? -1))
        expect(signed.has(`${e.msg}/${e.src}/${e.height}/${e.round}/${e.value}`)).toBe(true)
    }
  })

  it("a node's round events increase; its own votes are at the round it is in", () => {
    const at = new Map<string, number>()
    for (const e of events) {
      const k = `${e.node}/${e.height}`
      if (e.event === "round") {
        expect(e.round ?? 0).toBeGreaterThanOrEqual(at.get(k) ?? 0)
        at.set(k, e.round ?? 0)
      } else if (["propose", "prevote", "precommit"].includes(e.event)) expect(e.round).toBe(at.get(k))
    }
  })

  it("a decision follows precommits for it from a quorum in the deciding node's own view (CONS-RULE.8)", () => {
    for (const h of heightsOf(events)) {
      const power = events.find((e) => e.event === "height" && e.height === h)?.power ?? []
      const total = power.reduce((a, p) => a + p, 0)
      events.forEach((d, i) => {
        if (d.event !== "decide" || d.height !== h) return
        const mine = events.slice(0, i).filter((e) => e.node === d.node && e.height === h && e.round === d.round && e.value === d.value)
        const signers = new Set<number>()
        for (const e of mine) {
          if (e.event === "precommit") signers.add(e.node)
          if (e.event === "recv" && e.msg === "precommit") signers.add(e.src ?? -1)
          if (e.event === "recv" && e.msg === "cert") for (const s of e.signers ?? []) signers.add(s)
        }
        expect(isQuorum([...signers].reduce((a, s) => a + (power[s] ?? 0), 0), total)).toBe(true)
      })
    }
  })

  it("a state record follows every step with consensus events, and agrees with the node's votes", () => {
    events.forEach((e, i) => {
      if (e.event !== "precommit" || e.value === "nil") return
      const st = events.slice(i + 1).find((s) => s.node === e.node && s.event === "state")
      if (st?.height !== e.height) return // the node decided in the same step
      expect(st.lockedValue).toBe(e.value)
      expect(st.lockedRound).toBe(e.round)
    })
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
    expect(parseTrace(lines.join(""))).toEqual(Either.right(direct))
    expect(hash8("00112233445566778899")).toBe("00112233")
  })
})

describe("the trace reader", () => {
  it("answers a malformed line with a typed error and its line number", () => {
    const good = JSON.stringify({ t: 0, event: "timeout", node: 0, height: 1, kind: "propose", round: 0 })
    const cases: Array<[string, number, RegExp]> = [
      [`${good}\n{not json`, 2, /not JSON/],
      [`${good}\n\n[1,2]`, 3, /not a JSON object/],
      [`${good}\n${JSON.stringify({ t: 0, event: "teleport", node: 0, height: 1 })}`, 2, /unknown event/],
      [`${JSON.stringify({ t: 0, event: "prevote", node: 0, height: 1, round: 0 })}`, 1, /field "value"/],
      [`${JSON.stringify({ t: 0, event: "state", node: "0", height: 1 })}`, 1, /field "node"/],
    ]
    for (const [text, line, reason] of cases) {
      const r = parseTrace(text)
      expect(Either.isLeft(r)).toBe(true)
      if (Either.isRight(r)) continue
      expect(r.left).toBeInstanceOf(TraceFormatError)
      expect(r.left._tag).toBe("TraceFormatError")
      expect(r.left.line).toBe(line)
      expect(r.left.reason).toMatch(reason)
    }
    expect(parseTrace(`${good}\n`)).toEqual(Either.right([JSON.parse(good)]))
  })
})

describe("an honest node's second, conflicting vote stays in the trace", () => {
  it("a node made to vote twice in a round shows both votes", () => {
    // A tracer fed two steps of node 0 whose outputs carry two different prevotes of one round.
    const { events } = run({ nodes: 4, byzantine: 0, strategy: "equivocate", seed: 1, blocks: 1 })
    const first = events.find((e) => e.event === "prevote" && e.value !== "nil")
    expect(first).toBeDefined()
    // Re-run with a tap that keeps node 0's states and outputs, then replay one prevote step with its
    // vote's value changed: the tracer must report the second value.
    const steps: TraceStep[] = []
    run({ nodes: 4, byzantine: 0, strategy: "equivocate", seed: 1, blocks: 1, onStep: (e) => void steps.push(e) })
    const i = steps.findIndex((s) => s.node === 0 && s.outputs.some((o) => o.type === "broadcast" && o.message.type === "vote" && o.message.vote.type === "prevote"))
    const s = steps[i] as TraceStep
    const tracer = makeTracer({ byzantine: [] })
    for (const x of steps.slice(0, i + 1)) tracer(x)
    const second: TraceStep = {
      ...s,
      outputs: s.outputs.map((o) =>
        o.type === "broadcast" && o.message.type === "vote" ? { ...o, message: { ...o.message, vote: { ...o.message.vote, blockHash: o.message.vote.blockHash === null ? new Uint8Array(32).fill(7) : null } } } : o,
      ),
    }
    const again = tracer(second).filter((e) => e.event === "prevote")
    expect(again).toHaveLength(1)
    expect(again[0]?.round).toBe(first?.round)
    // the unchanged vote again is a retransmission: only a send, no second prevote event
    expect(tracer(s).filter((e) => e.event === "prevote")).toHaveLength(0)
  })
})

describe("per-height model instances", () => {
  const { events } = run({ nodes: 4, byzantine: 1, strategy: "mixed", seed: 3, blocks: 2, drop: 0.3 })

  it("take validators, stake, valid blocks, rounds and proposers from the trace", () => {
    const inst = heightInstance(events, 1)
    if (typeof inst === "string") throw new Error(inst)
    expect(inst.corr).toEqual([0, 1, 2])
    expect(inst.faulty).toEqual([3])
    expect(inst.nodes).toEqual([0, 1, 2, 3])
    expect([...inst.power.values()]).toEqual([SIM_STAKE, SIM_STAKE, SIM_STAKE, SIM_STAKE])
    const decided = inst.lines.filter((l) => l.event === "decide").map((l) => l.value)
    expect(decided.length).toBeGreaterThan(0)
    for (const v of decided) expect(inst.validValues).toContain(v)
    expect(inst.proposers).toHaveLength(inst.maxRound + 1)
    expect(inst.lines.map((l) => l.line)).toEqual(inst.lines.map((_, i) => i + 1))
    expect(inst.lines.every((l) => !["height", "validity"].includes(l.event))).toBe(true)
    // every line carries every field (TLC reads any field of any line)
    const keys = Object.keys(inst.lines[0] ?? {}).sort()
    for (const l of inst.lines) expect(Object.keys(l).sort()).toEqual(keys)
  })

  it("explain a height the trace has nothing for", () => {
    expect(heightInstance(events, 99)).toBe("no height event for height 99")
  })

  it("mutations: precommit before the receipt that completed its polka, dropped receipt, another decision, prevote against the lock", () => {
    const inst = heightInstance(events, 1)
    if (typeof inst === "string") throw new Error(inst)
    const early = mutate(inst, "precommit-without-polka")
    expect(early).toBeDefined()
    if (early === undefined) return
    expect(early.instance.lines).toHaveLength(inst.lines.length)
    const moved = early.instance.lines[early.offendingLine - 1]
    expect(moved?.event).toBe("precommit")
    // in the mutated trace, the node's view at the moved precommit holds no polka for its value
    const before = early.instance.lines.slice(0, early.offendingLine - 1).filter((l) => l.node === moved?.node && l.round === moved?.round && l.value === moved?.value)
    const power = new Set(before.flatMap((l) => (l.event === "prevote" ? [l.node] : l.event === "recv" && l.msg === "prevote" ? [l.src] : []))).size
    expect(isQuorum(power, 4)).toBe(false)
    const dropped = mutate(inst, "drop-recv")
    expect(dropped?.instance.lines).toHaveLength(inst.lines.length - 1)
    expect(dropped?.instance.lines[(dropped?.offendingLine ?? 0) - 1]?.event).toBe("precommit")
    const other = mutate(inst, "decide-other-value")
    const d = other?.instance.lines[(other?.offendingLine ?? 0) - 1]
    expect(d?.event).toBe("decide")
    expect(d?.value).not.toBe(inst.lines.find((l) => l.event === "decide")?.value)
    expect(other?.instance.validValues).toContain(d?.value)
    const lock = instances(run({ nodes: 4, byzantine: 0, strategy: "equivocate", seed: 1, blocks: 1, drop: 0.2 }).events)
      .map((i) => mutate(i, "prevote-against-lock"))
      .find((m) => m !== undefined)
    expect(lock).toBeDefined()
    const pv = lock?.instance.lines[(lock?.offendingLine ?? 0) - 1]
    expect(pv?.event).toBe("prevote")
    expect(pv?.value).not.toBe("nil")
  })

  it("are written as NDJSON + a module extending PoAITrace + a cfg whose invariant violation is the acceptance", () => {
    const inst = heightInstance(events, 1)
    if (typeof inst === "string") throw new Error(inst)
    const dir = mkdtempSync(path.join(os.tmpdir(), "poai-trace-"))
    try {
      const f = writeInstance(dir, "Trace_test_h1", inst, ["Validity"])
      const tla = readFileSync(f.tla, "utf8")
      expect(tla).toMatch(/^-+ MODULE Trace_test_h1 -+\n/)
      expect(tla).toContain("EXTENDS PoAITrace")
      expect(tla).toContain("TR_Faulty == {3}")
      expect(tla).toContain("TR_Nodes == {0, 1, 2, 3}")
      expect(tla).toContain(`TR_TraceFile == "${f.ndjson}"`)
      const cfg = readFileSync(f.cfg, "utf8")
      expect(cfg).toContain("TraceFile <- TR_TraceFile")
      expect(cfg).toMatch(/INVARIANTS\n {4}Validity\n {4}TraceUnfinished\n/)
      expect(cfg).toContain("ALIAS TraceAlias")
      expect(cfg).toContain("POSTCONDITION TraceAccepted")
      expect(readFileSync(f.ndjson, "utf8").trim().split("\n")).toHaveLength(inst.lines.length)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("verdicts and coverage from TLC's output", () => {
  const accepted = [
    "Error: Invariant TraceUnfinished is violated.",
    "Error: The behavior up to this point is:",
    "State 1: <Initial predicate>",
    "/\\ line = 0",
    '/\\ act = "Init"',
    "",
    "State 2: <TraceNext line 1, col 1 to line 2, col 2 of module PoAITrace>",
    "/\\ line = 1",
    '/\\ act = "CONS-RULE.2 prevote nil (locked on another block)"',
    "",
    "State 3: <TraceNext line 1, col 1 to line 2, col 2 of module PoAITrace>",
    "/\\ line = 2",
    '/\\ act = "CONS-RULE.5 lock and precommit"',
    "",
    "3 states generated, 3 distinct states found, 0 states left on queue.",
    "Finished in 01s at (2026-12-04 02:57:40)",
  ].join("\n")

  it("the violation of TraceUnfinished is the acceptance; its behaviour gives the matched actions", () => {
    const v = verdictOf(parseTlcOutput(accepted), 1)
    expect(v.actual).toBe("accepted")
    const c = coverageOf(v.acts)
    expect(c.get("CONS-RULE.2 prevote nil (locked on another block)")).toBe(1)
    expect(ruleCoverage(c).get("CONS-RULE.3")).toBe(0)
    expect(ruleCoverage(c).get("CONS-RULE.5")).toBe(1)
    expect(formatCoverage(c)).toMatch(/per rule: CONS-RULE.2: 1, CONS-RULE.3: 0, CONS-RULE.5: 1/)
  })

  it("a false postcondition is the rejection, at the line TraceAccepted printed", () => {
    const text = [
      '<<"TRACE REJECTED at line", 7, "of", 12, [event |-> "prevote", node |-> 0] >>',
      "Error: Postcondition TraceAccepted is false.",
      "Finished in 01s at (2026-12-04 02:57:40)",
    ].join("\n")
    const v = verdictOf(parseTlcOutput(text), 1)
    expect(v.actual).toBe("rejected")
    expect(v.rejectedAt).toBe(7)
  })
})
