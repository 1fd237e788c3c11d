// spec: ASSURE.3 (spec/10-assurance.md)
// The trace-validation half of `npm run models` (models/README.md "Trace validation"): seeded simulator
// runs (and node mutants) traced, each height checked by TLC against models/PoAITrace.tla, hand-mutated
// traces that must be rejected at the line they were broken, and the action coverage of the corpus.
// TLC is passed in (ModelRunner.runTlc) so that this file has no import cycle with the scenario runner.
import { Either } from "effect"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { nodeCryptoService } from "../crypto/NodeCrypto.ts"
import type { StrategyChoice } from "../drivers/Byzantine.ts"
import { byzantineIndices, simulate } from "../drivers/InProcessNetwork.ts"
import { makeTracer, type TraceEvent } from "../drivers/Trace.ts"
import type { TlcResult } from "./TlcOutput.ts"
import {
  addCoverage,
  coverageOf,
  formatCoverage,
  heightInstance,
  heightsOf,
  MUTATION_KINDS,
  mutate,
  parseTrace,
  ruleCoverage,
  writeInstance,
  type HeightInstance,
  type MutationKind,
  type TraceLine,
} from "./TraceValidation.ts"

// ---------------------------------------------------------------------------------------------
// The manifest's trace part (models/scenarios.json: "traces", "mutations", "coverage")

export interface TraceRun {
  readonly name: string
  readonly nodes: number
  readonly byzantine: number
  readonly strategy: StrategyChoice
  readonly seed: number
  readonly blocks: number
  readonly drop?: number
  /**
   * "accepted": every height is a behaviour of the model with Agreement and Validity holding.
   * "fork": every height is a behaviour of the model, and at some height the model's Agreement fails.
   * "rejected": a node mutant (ignoreLock): some height is rejected, first at a line where a mutant
   * node prevoted against its lock.
   */
  readonly expect: "accepted" | "fork" | "rejected"
  /** Node mutant: these honest nodes skip the lock test (SimConfig.ignoreLock); they stay traced. */
  readonly ignoreLock?: ReadonlyArray<number>
}

export interface TraceManifest {
  readonly traces: ReadonlyArray<TraceRun>
  /** Each is applied to the first accepted height where it applies; the mutated trace must be rejected at its line. */
  readonly mutations: ReadonlyArray<MutationKind>
  /** Action labels of PoAITrace.tla that the accepted corpus must exercise at least once. */
  readonly coverage?: ReadonlyArray<string>
}

export const checkTraceManifest = (m: TraceManifest): string | undefined => {
  for (const t of m.traces) {
    if (!["accepted", "fork", "rejected"].includes(t.expect)) return `trace ${t.name}: expect must be accepted, fork or rejected`
    if (t.expect === "rejected" && (t.ignoreLock ?? []).length === 0) return `trace ${t.name}: a rejected run names its mutant nodes (ignoreLock)`
  }
  for (const k of m.mutations) if (!(MUTATION_KINDS as ReadonlyArray<string>).includes(k)) return `unknown mutation ${k}`
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Running

export interface TraceRunnerIo {
  readonly out: (s: string) => void
  readonly err: (s: string) => void
}

/** TLC on one generated module (cwd: its directory; library: models/). */
export type RunTlcFn = (o: { readonly cwd: string; readonly tla: string; readonly cfg: string; readonly metadir: string; readonly library: string; readonly label: string }) => Promise<{
  readonly stdout: string
  readonly seconds: number
  readonly result: TlcResult
}>

export interface TraceCheck {
  readonly name: string
  readonly height: number
  readonly lines: number
  readonly rounds: number
  readonly expect: string
  readonly actual: string
  readonly ok: boolean
  readonly detail?: string
}

/** Run the simulator with the trace hook; returns the events and writes the NDJSON. */
export const tracedRun = (t: TraceRun, outFile?: string): { events: TraceEvent[]; agreement: boolean; maxRound: number } => {
  const byz = byzantineIndices(t.nodes, t.byzantine)
  const tracer = makeTracer({ byzantine: byz })
  const events: TraceEvent[] = []
  const summary = simulate(nodeCryptoService, {
    nodes: t.nodes,
    byzantine: t.byzantine,
    strategy: t.strategy,
    seed: t.seed,
    blocks: t.blocks,
    dropRate: t.drop ?? 0,
    txRate: 10,
    ...(t.ignoreLock !== undefined ? { ignoreLock: t.ignoreLock } : {}),
    onStep: (e) => {
      events.push(...tracer(e))
    },
  })
  if (outFile !== undefined) writeFileSync(outFile, events.map((e) => JSON.stringify(e)).join("\n") + "\n")
  return { events, agreement: summary.agreement, maxRound: summary.maxRound }
}

/** A trace to validate: from a seeded simulator run of the manifest, or from a file. */
export interface TraceSource {
  readonly name: string
  /** "auto": a height may fork iff its Byzantine validators hold at least 1/3 of the power. */
  readonly expect: TraceRun["expect"] | "auto"
  readonly mutants?: ReadonlyArray<number>
  readonly events: () => TraceEvent[] | string
}

export const manifestSources = (m: TraceManifest, dir: string, io: TraceRunnerIo): TraceSource[] =>
  m.traces.map((t) => ({
    name: t.name,
    expect: t.expect,
    ...(t.ignoreLock !== undefined ? { mutants: t.ignoreLock } : {}),
    events: () => {
      const file = path.join(dir, `${t.name}.ndjson`)
      const { events, agreement, maxRound } = tracedRun(t, file)
      const mutant = t.ignoreLock !== undefined ? `, node mutant: ${t.ignoreLock.join(",")} ignore their lock` : ""
      io.err(
        `trace ${t.name}: ${t.nodes} nodes, ${t.byzantine} Byzantine${t.byzantine > 0 ? ` (${t.strategy})` : ""}${mutant}, seed ${t.seed}, drop ${t.drop ?? 0}: ${events.length} events, rounds up to ${maxRound}, simulator agreement ${agreement} -> ${path.relative(process.cwd(), file)}\n`,
      )
      return events
    },
  }))

export const fileSource = (file: string, io: TraceRunnerIo): TraceSource => ({
  name: path.basename(file).replace(/\.[^.]*$/, ""),
  expect: "auto",
  events: () => {
    const r = parseTrace(readFileSync(file, "utf8"))
    if (Either.isLeft(r)) return `${file}: ${r.left.message}`
    io.err(`trace ${file}: ${r.right.length} events\n`)
    return r.right
  },
})

/** TLC's verdict on one height: accepted (with the matched actions), rejected at a line, or other. */
export interface HeightVerdict {
  readonly actual: "accepted" | "rejected" | string
  readonly rejectedAt?: number
  readonly rejectedLine?: string
  readonly acts: ReadonlyArray<string>
  readonly seconds: number
}

export const verdictOf = (r: TlcResult, seconds: number): HeightVerdict => {
  if (r.outcome === "violation" && r.property === "TraceUnfinished") {
    const acts = r.trace.map((s) => (s.vars["act"] ?? "").replace(/^"|"$/g, "")).filter((a) => a.length > 0)
    return { actual: "accepted", acts, seconds }
  }
  if (r.outcome === "postcondition") {
    const at = r.printed.join(" ").replace(/\s+/g, " ")
    const m = /"TRACE REJECTED at line", (\d+), "of", (\d+), \[(.*?)\] >>/.exec(at)
    return m === null
      ? { actual: "rejected", acts: [], seconds }
      : { actual: "rejected", rejectedAt: Number(m[1]), rejectedLine: `[${m[3]}]`, acts: [], seconds }
  }
  const actual = r.outcome === "violation" ? `violation ${r.property ?? "?"}` : r.outcome === "pass" ? "pass (no verdict)" : r.outcome
  return { actual, acts: [], seconds }
}

const checkInstance = async (runTlc: RunTlcFn, modelsDir: string, dir: string, name: string, inst: HeightInstance, invariants: ReadonlyArray<string>): Promise<HeightVerdict> => {
  const files = writeInstance(dir, name, inst, invariants)
  const run = await runTlc({
    cwd: dir,
    tla: path.basename(files.tla),
    cfg: path.basename(files.cfg),
    metadir: path.join(dir, "states", files.module),
    library: modelsDir,
    label: name,
  })
  writeFileSync(path.join(dir, `${files.module}.log`), run.stdout)
  return verdictOf(run.result, run.seconds)
}

/** Lines where a node prevoted a block other than the one its last logged state was locked on. */
export const prevotesAgainstLock = (inst: HeightInstance, nodes: ReadonlyArray<number>): number[] => {
  const locked = new Map<number, { value: string; round: number }>()
  const vrOf = new Map<string, number>()
  const out: number[] = []
  for (const l of inst.lines as ReadonlyArray<TraceLine>) {
    if (l.event === "state") locked.set(l.node, { value: l.lockedValue, round: l.lockedRound })
    if ((l.event === "recv" && l.msg === "proposal") || l.event === "propose") vrOf.set(`${l.node}/${l.round}/${l.value}`, l.validRound)
    if (l.event !== "prevote" || l.value === "nil" || !nodes.includes(l.node)) continue
    const lk = locked.get(l.node)
    const vr = vrOf.get(`${l.node}/${l.round}/${l.value}`) ?? -1
    if (lk !== undefined && lk.round >= 0 && lk.value !== l.value && vr < lk.round) out.push(l.line)
  }
  return out
}

export interface TraceReport {
  readonly checks: ReadonlyArray<TraceCheck>
  readonly coverage: ReadonlyMap<string, number>
}

export const traceValidation = async (
  io: TraceRunnerIo,
  runTlc: RunTlcFn,
  modelsDir: string,
  outDir: string,
  sources: ReadonlyArray<TraceSource>,
  mutations: ReadonlyArray<MutationKind>,
  requiredCoverage: ReadonlyArray<string> = [],
): Promise<TraceReport> => {
  const dir = path.join(outDir, "traces")
  mkdirSync(dir, { recursive: true })
  const checks: TraceCheck[] = []
  const coverage = new Map<string, number>()
  const accepted: Array<{ name: string; inst: HeightInstance }> = []
  for (const t of sources) {
    const events = t.events()
    if (typeof events === "string") {
      checks.push({ name: t.name, height: -1, lines: 0, rounds: 0, expect: "a trace", actual: "malformed", ok: false, detail: events })
      io.err(`  ${events}\n`)
      continue
    }
    const perHeight: TraceCheck[] = []
    for (const h of heightsOf(events)) {
      // After a fork the correct nodes no longer share the chain the one-height model starts from.
      if (perHeight.some((c) => c.actual === "violation Agreement")) break
      const inst = heightInstance(events, h)
      if (typeof inst === "string" || inst.validValues.length === 0) continue // a height the run stopped in before any block
      const name = `Trace_${t.name}_h${h}`.replace(/[^A-Za-z0-9_]/g, "_")
      const v = await checkInstance(runTlc, modelsDir, dir, name, inst, ["Validity", "Agreement"])
      const total = [...inst.power.values()].reduce((a, p) => a + p, 0)
      const byzPower = inst.faulty.reduce((a, b) => a + (inst.power.get(b) ?? 0), 0)
      const mayFork = t.expect === "fork" || (t.expect === "auto" && 3 * byzPower >= total)
      let ok = v.actual === "accepted" || (mayFork && v.actual === "violation Agreement")
      let expect = mayFork ? "accepted or fork" : "accepted"
      let detail = v.actual === "rejected" ? `line ${v.rejectedAt ?? "?"} of ${inst.lines.length}: ${v.rejectedLine ?? ""}` : undefined
      if (t.expect === "rejected") {
        const offending = prevotesAgainstLock(inst, t.mutants ?? [])
        expect = offending.length > 0 ? `rejected at ${offending[0]}` : "accepted"
        ok = offending.length > 0 ? v.actual === "rejected" && v.rejectedAt === offending[0] : v.actual === "accepted"
        if (offending.length > 0) detail = `${detail ?? v.actual}; first prevote against the lock: line ${offending[0]}`
      }
      if (v.actual === "accepted") {
        addCoverage(coverage, coverageOf(v.acts))
        if (t.expect !== "rejected") accepted.push({ name: `${t.name}_h${h}`, inst })
      }
      perHeight.push({ name: t.name, height: h, lines: inst.lines.length, rounds: inst.maxRound + 1, expect, actual: v.actual, ok, ...(detail !== undefined ? { detail } : {}) })
      io.err(`  height ${h}: ${inst.lines.length} lines, ${inst.maxRound + 1} round(s): ${v.actual}${detail !== undefined ? ` (${detail})` : ""}, ${v.seconds.toFixed(1)}s\n`)
    }
    if (t.expect === "fork" && !perHeight.some((c) => c.actual === "violation Agreement"))
      perHeight.push({ name: t.name, height: -1, lines: 0, rounds: 0, expect: "a fork", actual: "no fork found", ok: false, detail: "the run was expected to fork (Byzantine power >= 1/3)" })
    if (t.expect === "rejected" && !perHeight.some((c) => c.actual === "rejected"))
      perHeight.push({ name: t.name, height: -1, lines: 0, rounds: 0, expect: "rejected", actual: "no height rejected", ok: false, detail: "the node mutant never prevoted against its lock in this run" })
    checks.push(...perHeight)
  }

  for (const kind of mutations) {
    const target = accepted.map((a) => ({ ...a, mut: mutate(a.inst, kind) })).find((a) => a.mut !== undefined)
    if (target?.mut === undefined) {
      // a manifest corpus must give every mutant a place; a single trace file may not (e.g. no lock)
      const fromFile = sources.every((t) => t.expect === "auto")
      checks.push({ name: `mutant ${kind}`, height: -1, lines: 0, rounds: 0, expect: fromFile ? "rejected if any" : "rejected", actual: "not applicable", ok: fromFile, detail: "no accepted height to apply it to" })
      continue
    }
    const mut = target.mut
    const name = `Mutant_${target.name}_${kind}`.replace(/[^A-Za-z0-9_]/g, "_")
    const v = await checkInstance(runTlc, modelsDir, dir, name, mut.instance, [])
    const ok = v.actual === "rejected" && v.rejectedAt === mut.offendingLine
    const at = v.rejectedAt !== undefined ? ` at line ${v.rejectedAt}` : ""
    io.err(`mutant ${kind} of ${target.name}: ${mut.description}: ${v.actual}${at} (expected: rejected at line ${mut.offendingLine})\n`)
    checks.push({
      name: `${target.name}:${kind}`,
      height: mut.instance.height,
      lines: mut.instance.lines.length,
      rounds: mut.instance.maxRound + 1,
      expect: `rejected at ${mut.offendingLine}`,
      actual: `${v.actual}${at}`,
      ok,
      detail: mut.description,
    })
  }

  for (const label of requiredCoverage) {
    const n = label.startsWith("CONS-RULE.") && !label.includes(" ") ? (ruleCoverage(coverage).get(label) ?? 0) : (coverage.get(label) ?? 0)
    checks.push({ name: `coverage: ${label}`, height: -1, lines: n, rounds: 0, expect: "> 0", actual: String(n), ok: n > 0 })
  }
  return { checks, coverage }
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length))
const padL = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s)

export const formatTraceTable = (rows: ReadonlyArray<TraceCheck>): string => {
  const head = `${pad("trace", 60)} ${padL("height", 6)} ${padL("lines", 6)} ${padL("rounds", 6)} ${pad("expected", 17)} ${pad("actual", 22)}`
  const body = rows.map((c) =>
    [pad(c.name, 60), padL(c.height < 0 ? "-" : String(c.height), 6), padL(String(c.lines), 6), padL(String(c.rounds), 6), pad(c.expect, 17), pad(c.actual, 22), c.ok ? " ok" : " MISMATCH"].join(" "),
  )
  return [head, ...body].join("\n")
}

export const formatTraceReport = (r: TraceReport): string =>
  `\nTrace validation (models/PoAITrace.tla)\n${formatTraceTable(r.checks)}\n\nAction coverage of the accepted traces (lines matched per action of PoAITrace.tla)\n${formatCoverage(r.coverage)}\n`
