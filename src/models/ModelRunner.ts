// `npm run models`: checks every TLA+ scenario of models/scenarios.json with TLC, compares the outcome
// with the expected one, then validates consensus traces of seeded simulator runs against the model
// (models/PoAITrace.tla) and checks that mutated traces are rejected. See models/README.md.
//
// TLC is not a dependency: it is found through TLA2TOOLS_JAR or the cache path. Without it (or without
// Java) the runner says how to provide it and exits 0, so that machines without Java still pass.
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { nodeCryptoService } from "../crypto/NodeCrypto.ts"
import { byzantineIndices, simulate } from "../drivers/InProcessNetwork.ts"
import type { StrategyChoice } from "../drivers/Byzantine.ts"
import { makeTracer, type TraceEvent } from "../drivers/Trace.ts"
import { renderCounterexample, summarizeCounterexample, type TlcJsonTrace } from "./Counterexample.ts"
import { parseProgress, parseTlcOutput, type TlcResult } from "./TlcOutput.ts"
import { heightInstance, heightsOf, mutate, parseTrace, writeInstance, type MutationKind } from "./TraceValidation.ts"

// ---------------------------------------------------------------------------------------------
// The manifest (models/scenarios.json)

export interface Scenario {
  readonly name: string
  /** The MC module, relative to models/. */
  readonly spec: string
  readonly cfg: string
  readonly expect: "pass" | "violation"
  /** For expect "violation": the invariant TLC must report. */
  readonly invariant?: string
  readonly about?: string
}

export interface TraceRun {
  readonly name: string
  readonly nodes: number
  readonly byzantine: number
  readonly strategy: StrategyChoice
  readonly seed: number
  readonly blocks: number
  readonly drop?: number
  /** "accepted": every height is a behaviour of the model with Agreement and Validity holding.
   *  "fork": every height is a behaviour of the model, and at some height the model's Agreement fails. */
  readonly expect: "accepted" | "fork"
}

export interface Manifest {
  readonly scenarios: ReadonlyArray<Scenario>
  readonly traces: ReadonlyArray<TraceRun>
  /** Mutations applied to the first trace run; each mutated trace must be rejected. */
  readonly mutations: ReadonlyArray<MutationKind>
}

export const loadManifest = (modelsDir: string): Manifest => {
  const m = JSON.parse(readFileSync(path.join(modelsDir, "scenarios.json"), "utf8")) as Manifest
  for (const s of m.scenarios) {
    if (s.expect !== "pass" && s.expect !== "violation") throw new Error(`scenario ${s.name}: expect must be "pass" or "violation"`)
    if (s.expect === "violation" && s.invariant === undefined) throw new Error(`scenario ${s.name}: a violation names its invariant`)
  }
  return m
}

/** The `\* expect: ...` header of a .cfg, which must agree with the manifest. */
export const cfgExpectation = (cfgText: string): string | undefined => /^\\\* expect: (.+)$/m.exec(cfgText)?.[1]?.trim()
export const expectationText = (s: Pick<Scenario, "expect" | "invariant">): string =>
  s.expect === "pass" ? "pass" : `violation ${s.invariant ?? ""}`.trim()

// ---------------------------------------------------------------------------------------------
// Finding TLC

/** The release to use: the Json module (ndJsonDeserialize) is in TLC's standard modules from v1.8.0. */
export const TLC_RELEASE =
  "tla2tools.jar of the TLA+ v1.8.0 release (https://github.com/tlaplus/tlaplus/releases/tag/v1.8.0) or newer; v1.7.x lacks the Json module that trace validation reads traces with"

export const cachePath = (home: string = os.homedir()): string => path.join(home, ".cache", "poai", "tla2tools.jar")

export type TlcLocation = { readonly jar: string; readonly from: "TLA2TOOLS_JAR" | "cache" } | { readonly absent: string }

export const locateTlc = (env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): TlcLocation => {
  const fromEnv = env["TLA2TOOLS_JAR"]
  if (fromEnv !== undefined && fromEnv !== "") {
    return existsSync(fromEnv) ? { jar: path.resolve(fromEnv), from: "TLA2TOOLS_JAR" } : { absent: `TLA2TOOLS_JAR=${fromEnv} does not exist` }
  }
  const cached = cachePath(home)
  return existsSync(cached) ? { jar: cached, from: "cache" } : { absent: `TLA2TOOLS_JAR is not set and ${cached} does not exist` }
}

export const absentNotice = (why: string, home: string = os.homedir()): string =>
  [
    `TLC is absent (${why}): the TLA+ models were not checked.`,
    "To check them, provide TLC (and a Java 11+ runtime on PATH):",
    "  export TLA2TOOLS_JAR=/path/to/tla2tools.jar   # then: npm run models",
    `  or place the jar at ${cachePath(home)}`,
    `Use the ${TLC_RELEASE}.`,
    "",
  ].join("\n")

// ---------------------------------------------------------------------------------------------
// Running TLC

export interface TlcRun {
  readonly stdout: string
  readonly exitCode: number | null
  readonly seconds: number
  readonly result: TlcResult
}

export interface TlcOptions {
  readonly jar: string
  /** Directory TLC runs in; `tla` and `cfg` are relative to it. */
  readonly cwd: string
  readonly tla: string
  readonly cfg: string
  readonly metadir: string
  readonly workers?: string
  readonly dumpTrace?: string
  /** Extra directory searched for EXTENDed modules (-DTLA-Library). */
  readonly library?: string
  readonly checkDeadlock?: boolean
  readonly onLine?: (line: string) => void
}

export const tlcArgs = (o: TlcOptions): string[] => [
  "-XX:+UseParallelGC",
  ...(o.library !== undefined ? [`-DTLA-Library=${o.library}`] : []),
  "-cp",
  o.jar,
  "tlc2.TLC",
  "-workers",
  o.workers ?? "auto",
  ...(o.checkDeadlock === true ? [] : ["-deadlock"]),
  "-noGenerateSpecTE",
  "-metadir",
  o.metadir,
  ...(o.dumpTrace !== undefined ? ["-dumpTrace", "json", o.dumpTrace] : []),
  "-config",
  o.cfg,
  o.tla,
]

export const runTlc = (o: TlcOptions): Promise<TlcRun> =>
  new Promise((resolve, reject) => {
    const started = Date.now()
    const child = spawn("java", tlcArgs(o), { cwd: o.cwd, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let partial = ""
    const onData = (chunk: Buffer) => {
      const text = chunk.toString("utf8")
      stdout += text
      partial += text
      const lines = partial.split("\n")
      partial = lines.pop() ?? ""
      for (const l of lines) o.onLine?.(l)
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.on("error", reject)
    child.on("close", (code) => {
      const seconds = (Date.now() - started) / 1000
      resolve({ stdout, exitCode: code, seconds, result: parseTlcOutput(stdout) })
    })
  })

export const javaAvailable = (): Promise<boolean> =>
  new Promise((resolve) => {
    const child = spawn("java", ["-version"], { stdio: "ignore" })
    child.on("error", () => resolve(false))
    child.on("close", (code) => resolve(code === 0))
  })

// ---------------------------------------------------------------------------------------------
// Judging and reporting

export const actualText = (r: TlcResult): string =>
  r.outcome === "violation" || r.outcome === "postcondition" ? `${r.outcome} ${r.property ?? "?"}` : r.outcome

export const matches = (s: Pick<Scenario, "expect" | "invariant">, r: TlcResult): boolean =>
  s.expect === "pass" ? r.outcome === "pass" : r.outcome === "violation" && r.property === s.invariant

const fmtInt = (n: number | undefined) => (n === undefined ? "-" : n.toLocaleString("en-US"))
const fmtSec = (s: number) => (s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`)
const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length))
const padL = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s)

export interface ScenarioOutcome {
  readonly scenario: Scenario
  readonly run: TlcRun
  readonly ok: boolean
}

export const formatScenarioTable = (rows: ReadonlyArray<ScenarioOutcome>): string => {
  const head = `${pad("scenario", 30)} ${pad("expected", 38)} ${pad("actual", 38)} ${padL("distinct", 11)} ${padL("depth", 6)} ${padL("seconds", 8)}`
  const body = rows.map(({ scenario: s, run, ok }) =>
    [
      pad(s.name, 30),
      pad(expectationText(s), 38),
      pad(actualText(run.result), 38),
      padL(fmtInt(run.result.distinctStates), 11),
      padL(run.result.depth === undefined ? "-" : String(run.result.depth), 6),
      padL(run.seconds.toFixed(1), 8),
      ok ? " ok" : " MISMATCH",
    ].join(" "),
  )
  return [head, ...body].join("\n")
}

// ---------------------------------------------------------------------------------------------
// The whole run

export interface RunnerIo {
  readonly out: (s: string) => void
  readonly err: (s: string) => void
  readonly isTTY: boolean
}

export interface RunnerOptions {
  readonly root: string
  readonly only?: ReadonlyArray<string>
  readonly traces?: boolean
  readonly scenarios?: boolean
  readonly workers?: string
  readonly env?: NodeJS.ProcessEnv
  /** A trace written by `poai run --trace FILE`: validate it (and its mutants) instead of the manifest's runs. */
  readonly traceFile?: string
}

const progressReporter = (io: RunnerIo, label: string) => {
  const started = Date.now()
  let last = 0
  return (line: string) => {
    const p = parseProgress(line)
    if (p === undefined) return
    const msg = `${label}: depth ${p.depth}, ${fmtInt(p.distinct)} distinct states, ${fmtInt(p.left)} on queue, ${fmtSec((Date.now() - started) / 1000)}`
    if (io.isTTY) io.err(`\r\x1b[K${msg}`)
    else if (Date.now() - last > 10_000) {
      last = Date.now()
      io.err(`${msg}\n`)
    }
  }
}

const clearLine = (io: RunnerIo) => {
  if (io.isTTY) io.err("\r\x1b[K")
}

/** Check one scenario; save and render its counterexample, if any, under models/out/. */
const checkScenario = async (io: RunnerIo, jar: string, modelsDir: string, outDir: string, s: Scenario, label: string, workers: string | undefined): Promise<ScenarioOutcome> => {
  const dump = path.join(outDir, `${s.name}.trace.json`)
  const cfgText = readFileSync(path.join(modelsDir, s.cfg), "utf8")
  const header = cfgExpectation(cfgText)
  if (header !== undefined && header !== expectationText(s))
    throw new Error(`${s.cfg} says "expect: ${header}" but scenarios.json says "${expectationText(s)}"`)
  io.err(`${label} ${s.name} (expect ${expectationText(s)})\n`)
  const run = await runTlc({
    jar,
    cwd: modelsDir,
    tla: s.spec,
    cfg: s.cfg,
    metadir: path.join(outDir, "states", s.name),
    dumpTrace: dump,
    onLine: progressReporter(io, `  ${s.name}`),
    ...(workers !== undefined ? { workers } : {}),
  })
  clearLine(io)
  writeFileSync(path.join(outDir, `${s.name}.log`), run.stdout)
  const ok = matches(s, run.result)
  if (run.result.outcome === "violation" && existsSync(dump)) {
    const trace = JSON.parse(readFileSync(dump, "utf8")) as TlcJsonTrace
    const text = renderCounterexample(trace)
    writeFileSync(path.join(outDir, `${s.name}.trace.txt`), `${s.name}: ${actualText(run.result)}\n\n${text}\n`)
    io.err(`  counterexample (${trace.counterexample.state.length} states): ${summarizeCounterexample(trace)}\n`)
    io.err(`  saved: ${path.relative(process.cwd(), dump)}, readable: ${path.relative(process.cwd(), path.join(outDir, `${s.name}.trace.txt`))}\n`)
    if (!ok) io.err(`${text}\n`)
  }
  if (!ok) {
    io.err(`  MISMATCH: expected ${expectationText(s)}, TLC says ${actualText(run.result)}\n`)
    for (const e of run.result.errors) io.err(`  ${e.split("\n").join("\n  ")}\n`)
  }
  io.err(`  ${actualText(run.result)}: ${fmtInt(run.result.distinctStates)} distinct states, depth ${run.result.depth ?? "-"}, ${run.seconds.toFixed(1)}s\n`)
  return { scenario: s, run, ok }
}

export interface TraceCheck {
  readonly name: string
  readonly height: number
  readonly lines: number
  readonly rounds: number
  readonly expect: "accepted" | "rejected" | "accepted or fork"
  readonly actual: string
  readonly ok: boolean
  readonly detail?: string
}

/** Run the simulator with the trace hook; returns the events and writes the NDJSON under models/out/traces. */
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
    onStep: (e) => {
      events.push(...tracer(e))
    },
  })
  if (outFile !== undefined) writeFileSync(outFile, events.map((e) => JSON.stringify(e)).join("\n") + "\n")
  return { events, agreement: summary.agreement, maxRound: summary.maxRound }
}

const rejectionDetail = (r: TlcResult): string | undefined => {
  const at = r.printed.join(" ").replace(/\s+/g, " ")
  const m = /"TRACE REJECTED at line", (\d+), "of", (\d+), \[(.*?)\] >>/.exec(at)
  return m === null ? undefined : `line ${m[1]} of ${m[2]}: [${m[3]}]`
}

const checkHeight = async (
  io: RunnerIo,
  jar: string,
  modelsDir: string,
  dir: string,
  name: string,
  inst: Exclude<ReturnType<typeof heightInstance>, string>,
  invariants: boolean,
): Promise<TlcRun> => {
  const files = writeInstance(dir, name, inst)
  if (invariants) writeFileSync(files.cfg, readFileSync(files.cfg, "utf8") + "INVARIANTS\n    Validity\n    Agreement\n")
  return runTlc({
    jar,
    cwd: dir,
    tla: path.basename(files.tla),
    cfg: path.basename(files.cfg),
    metadir: path.join(dir, "states", files.module),
    library: modelsDir,
    workers: "1",
    onLine: progressReporter(io, `  ${name}`),
  })
}

/** A trace to validate: from a seeded simulator run of the manifest, or from a file. */
interface TraceSource {
  readonly name: string
  /** "auto": a height may fork iff its Byzantine validators hold at least 1/3 of the power. */
  readonly expect: "accepted" | "fork" | "auto"
  readonly events: () => TraceEvent[]
}

const manifestSources = (m: Manifest, dir: string, io: RunnerIo): TraceSource[] =>
  m.traces.map((t) => ({
    name: t.name,
    expect: t.expect,
    events: () => {
      const file = path.join(dir, `${t.name}.ndjson`)
      const { events, agreement } = tracedRun(t, file)
      io.err(
        `trace ${t.name}: ${t.nodes} nodes, ${t.byzantine} Byzantine${t.byzantine > 0 ? ` (${t.strategy})` : ""}, seed ${t.seed}, drop ${t.drop ?? 0}: ${events.length} events, simulator agreement ${agreement} -> ${path.relative(process.cwd(), file)}\n`,
      )
      return events
    },
  }))

export const fileSource = (file: string, io: RunnerIo): TraceSource => ({
  name: path.basename(file).replace(/\.[^.]*$/, ""),
  expect: "auto",
  events: () => {
    const events = parseTrace(readFileSync(file, "utf8"))
    io.err(`trace ${file}: ${events.length} events\n`)
    return events
  },
})

const traceValidation = async (io: RunnerIo, jar: string, modelsDir: string, outDir: string, sources: ReadonlyArray<TraceSource>, mutations: ReadonlyArray<MutationKind>): Promise<TraceCheck[]> => {
  const dir = path.join(outDir, "traces")
  mkdirSync(dir, { recursive: true })
  const checks: TraceCheck[] = []
  let firstForMutation: { name: string; inst: Exclude<ReturnType<typeof heightInstance>, string> } | undefined
  for (const t of sources) {
    const events = t.events()
    const perHeight: TraceCheck[] = []
    for (const h of heightsOf(events)) {
      // After a fork the correct nodes no longer share the chain the one-height model starts from.
      if (perHeight.some((c) => c.actual === "violation Agreement")) break
      const inst = heightInstance(events, h)
      if (typeof inst === "string" || inst.validValues.length === 0) continue // a height the run stopped in before any block
      const name = `Trace_${t.name}_h${h}`.replace(/[^A-Za-z0-9_]/g, "_")
      const run = await checkHeight(io, jar, modelsDir, dir, name, inst, true)
      clearLine(io)
      writeFileSync(path.join(dir, `${name}.log`), run.stdout)
      const r = run.result
      const actual = r.outcome === "pass" ? "accepted" : r.outcome === "postcondition" ? "rejected" : actualText(r)
      const total = [...inst.power.values()].reduce((a, p) => a + p, 0)
      const byzPower = inst.faulty.reduce((a, b) => a + (inst.power.get(b) ?? 0), 0)
      const mayFork = t.expect === "fork" || (t.expect === "auto" && 3 * byzPower >= total)
      const ok = actual === "accepted" || (mayFork && actual === "violation Agreement")
      const detail = actual === "rejected" ? rejectionDetail(r) : r.errors[0]?.split("\n")[0]
      const check: TraceCheck = {
        name: t.name,
        height: h,
        lines: inst.lines.length,
        rounds: inst.maxRound + 1,
        expect: mayFork ? "accepted or fork" : "accepted",
        actual,
        ok,
        ...(detail !== undefined ? { detail } : {}),
      }
      perHeight.push(check)
      io.err(`  height ${h}: ${inst.lines.length} lines, ${inst.maxRound + 1} round(s): ${actual}${detail !== undefined && !ok ? ` (${detail})` : ""}\n`)
      if (firstForMutation === undefined && actual === "accepted" && inst.lines.some((l) => l.event === "precommit" && l.value !== "nil"))
        firstForMutation = { name: `${t.name}_h${h}`, inst }
    }
    if (t.expect === "fork" && !perHeight.some((c) => c.actual === "violation Agreement")) {
      perHeight.push({ name: t.name, height: -1, lines: 0, rounds: 0, expect: "accepted or fork", actual: "no fork found", ok: false, detail: "the run was expected to fork (Byzantine power >= 1/3)" })
    }
    checks.push(...perHeight)
  }
  if (firstForMutation !== undefined) {
    for (const kind of mutations) {
      const mut = mutate(firstForMutation.inst, kind)
      if (mut === undefined) {
        checks.push({ name: `${firstForMutation.name}:${kind}`, height: firstForMutation.inst.height, lines: 0, rounds: 0, expect: "rejected", actual: "not applicable", ok: false })
        continue
      }
      const name = `Mutant_${firstForMutation.name}_${kind}`.replace(/[^A-Za-z0-9_]/g, "_")
      const run = await checkHeight(io, jar, modelsDir, dir, name, mut.instance, false)
      clearLine(io)
      writeFileSync(path.join(dir, `${name}.log`), run.stdout)
      const r = run.result
      const actual = r.outcome === "pass" ? "accepted" : r.outcome === "postcondition" ? "rejected" : actualText(r)
      const detail = rejectionDetail(r)
      io.err(`mutant ${kind} of ${firstForMutation.name}: ${mut.description}: ${actual}${detail !== undefined ? ` at ${detail}` : ""}\n`)
      checks.push({
        name: `${firstForMutation.name}:${kind}`,
        height: mut.instance.height,
        lines: mut.instance.lines.length,
        rounds: mut.instance.maxRound + 1,
        expect: "rejected",
        actual,
        ok: actual === "rejected",
        detail: mut.description,
      })
    }
  } else if (mutations.length > 0) {
    checks.push({ name: "mutations", height: -1, lines: 0, rounds: 0, expect: "rejected", actual: "no accepted height with a precommit to mutate", ok: false })
  }
  return checks
}

export const formatTraceTable = (rows: ReadonlyArray<TraceCheck>): string => {
  const head = `${pad("trace", 44)} ${padL("height", 6)} ${padL("lines", 6)} ${padL("rounds", 6)} ${pad("expected", 17)} ${pad("actual", 20)}`
  const body = rows.map((c) =>
    [pad(c.name, 44), padL(c.height < 0 ? "-" : String(c.height), 6), padL(String(c.lines), 6), padL(String(c.rounds), 6), pad(c.expect, 17), pad(c.actual, 20), c.ok ? " ok" : " MISMATCH"].join(" "),
  )
  return [head, ...body].join("\n")
}

/** The entry point of `npm run models`; returns the exit code. */
export const runModels = async (opts: RunnerOptions, io: RunnerIo): Promise<number> => {
  const modelsDir = path.join(opts.root, "models")
  const outDir = path.join(modelsDir, "out")
  const manifest = loadManifest(modelsDir)
  const loc = locateTlc(opts.env ?? process.env)
  if ("absent" in loc) {
    io.out(absentNotice(loc.absent))
    return 0
  }
  if (!(await javaAvailable())) {
    io.out(absentNotice(`found ${loc.jar}, but no "java" on PATH`))
    return 0
  }
  mkdirSync(outDir, { recursive: true })
  io.err(`TLC: ${loc.jar} (from ${loc.from})\n`)

  const selected = manifest.scenarios.filter((s) => opts.only === undefined || opts.only.includes(s.name))
  const rows: ScenarioOutcome[] = []
  if (opts.scenarios !== false) {
    let i = 0
    for (const s of selected) {
      i++
      rows.push(await checkScenario(io, loc.jar, modelsDir, outDir, s, `[${i}/${selected.length}]`, opts.workers))
    }
  }
  const dir = path.join(outDir, "traces")
  const sources = opts.traceFile !== undefined ? [fileSource(path.resolve(opts.traceFile), io)] : manifestSources(manifest, dir, io)
  const traces = opts.traces === false ? [] : await traceValidation(io, loc.jar, modelsDir, outDir, sources, manifest.mutations)

  if (rows.length > 0) io.out(`\nTLA+ scenarios (TLC, ${os.cpus().length} cores)\n${formatScenarioTable(rows)}\n`)
  if (traces.length > 0) io.out(`\nTrace validation (models/PoAITrace.tla)\n${formatTraceTable(traces)}\n`)
  const bad = rows.filter((r) => !r.ok).length + traces.filter((t) => !t.ok).length
  io.out(bad === 0 ? "\nall as expected\n" : `\n${bad} mismatch(es)\n`)
  return bad === 0 ? 0 : 1
}
