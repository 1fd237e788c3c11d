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
import { renderCounterexample, summarizeCounterexample, type TlcJsonTrace } from "./Counterexample.ts"
import { parseProgress, parseTlcOutput, type TlcResult } from "./TlcOutput.ts"
import * as TraceRunner from "./TraceRunner.ts"
import type { TraceManifest } from "./TraceRunner.ts"

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
  /** The expected violation is of a temporal property (PROPERTY in the cfg; TLC does not name it). */
  readonly temporal?: boolean
  /** Random simulation instead of exhaustive search: `num` traces of at most `depth` steps from `seed`,
   *  always with one worker so that the run is reproducible. A pass is then a sampled pass. */
  readonly simulate?: { readonly num: number; readonly depth: number; readonly seed: number }
  /** Longer than the default run should take (over about 10 minutes on 2 shared cores): run only with
   *  `--slow` or when named in `--only`. */
  readonly slow?: boolean
  readonly about?: string
}

export type { TraceRun } from "./TraceRunner.ts"

/** models/scenarios.json: the scenarios, and the trace part (traces, mutations, coverage; TraceRunner.ts). */
export interface Manifest extends TraceManifest {
  readonly scenarios: ReadonlyArray<Scenario>
}

export const loadManifest = (modelsDir: string): Manifest => {
  const m = JSON.parse(readFileSync(path.join(modelsDir, "scenarios.json"), "utf8")) as Manifest
  for (const s of m.scenarios) {
    if (s.expect !== "pass" && s.expect !== "violation") throw new Error(`scenario ${s.name}: expect must be "pass" or "violation"`)
    if (s.expect === "violation" && s.invariant === undefined) throw new Error(`scenario ${s.name}: a violation names its invariant`)
    if (s.simulate !== undefined && !(s.simulate.num > 0 && s.simulate.depth > 0 && Number.isInteger(s.simulate.seed)))
      throw new Error(`scenario ${s.name}: simulate needs num > 0, depth > 0 and an integer seed`)
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
  readonly simulate?: Scenario["simulate"]
  readonly onLine?: (line: string) => void
}

export const tlcArgs = (o: TlcOptions): string[] => [
  "-XX:+UseParallelGC",
  ...(o.library !== undefined ? [`-DTLA-Library=${o.library}`] : []),
  "-cp",
  o.jar,
  "tlc2.TLC",
  "-workers",
  o.simulate !== undefined ? "1" : (o.workers ?? "auto"),
  ...(o.checkDeadlock === true ? [] : ["-deadlock"]),
  ...(o.simulate !== undefined
    ? ["-simulate", `num=${o.simulate.num}`, "-depth", String(o.simulate.depth), "-seed", String(o.simulate.seed)]
    : []),
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

export const actualText = (r: TlcResult, s?: Pick<Scenario, "invariant" | "temporal">): string =>
  r.outcome === "violation" && r.temporal === true
    ? `violation ${s?.temporal === true ? (s.invariant ?? "") : ""} (temporal)`.replace("  ", " ")
    : r.outcome === "violation" || r.outcome === "postcondition"
      ? `${r.outcome} ${r.property ?? "?"}`
      : r.outcome

export const matches = (s: Pick<Scenario, "expect" | "invariant" | "temporal">, r: TlcResult): boolean =>
  s.expect === "pass"
    ? r.outcome === "pass"
    : r.outcome === "violation" && (s.temporal === true ? r.temporal === true : r.property === s.invariant)

/** How the state space was covered: "exhaustive", or "simulated N traces <= D steps, seed S". */
export const modeText = (s: Pick<Scenario, "simulate">): string =>
  s.simulate === undefined ? "exhaustive" : `simulated ${s.simulate.num.toLocaleString("en-US")}x${s.simulate.depth} seed ${s.simulate.seed}`

const fmtInt = (n: number | undefined) => (n === undefined ? "-" : n.toLocaleString("en-US"))
const fmtSec = (s: number) => (s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`)
const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length))
const padL = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s)

/** The depth column: TLC's depth of the state graph; for a simulation, the mean trace length and the bound. */
const depthText = (s: Pick<Scenario, "simulate">, r: TlcResult): string =>
  s.simulate !== undefined ? `${r.simulation?.meanLength ?? "-"}/${s.simulate.depth}` : r.depth === undefined ? "-" : String(r.depth)

export interface ScenarioOutcome {
  readonly scenario: Scenario
  readonly run: TlcRun
  readonly ok: boolean
}

export const formatScenarioTable = (rows: ReadonlyArray<ScenarioOutcome>): string => {
  const head = `${pad("scenario", 30)} ${pad("mode", 30)} ${pad("expected", 34)} ${pad("actual", 34)} ${padL("states", 12)} ${padL("distinct", 11)} ${padL("depth", 6)} ${padL("seconds", 8)}`
  const body = rows.map(({ scenario: s, run, ok }) =>
    [
      pad(s.name, 30),
      pad(modeText(s), 30),
      pad(expectationText(s), 34),
      pad(actualText(run.result, s), 34),
      padL(fmtInt(run.result.statesGenerated), 12),
      padL(fmtInt(run.result.distinctStates), 11),
      padL(depthText(s, run.result), 6),
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
  /** Also run the scenarios marked "slow" in scenarios.json. */
  readonly slow?: boolean
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
  io.err(`${label} ${s.name} (expect ${expectationText(s)}, ${modeText(s)})\n`)
  const run = await runTlc({
    jar,
    cwd: modelsDir,
    tla: s.spec,
    cfg: s.cfg,
    metadir: path.join(outDir, "states", s.name),
    dumpTrace: dump,
    onLine: progressReporter(io, `  ${s.name}`),
    ...(workers !== undefined ? { workers } : {}),
    ...(s.simulate !== undefined ? { simulate: s.simulate } : {}),
  })
  clearLine(io)
  writeFileSync(path.join(outDir, `${s.name}.log`), run.stdout)
  const ok = matches(s, run.result)
  if (run.result.outcome === "violation" && existsSync(dump)) {
    const trace = JSON.parse(readFileSync(dump, "utf8")) as TlcJsonTrace
    const text = renderCounterexample(trace)
    writeFileSync(path.join(outDir, `${s.name}.trace.txt`), `${s.name}: ${actualText(run.result, s)}\n\n${text}\n`)
    io.err(`  counterexample (${trace.counterexample.state.length} states): ${summarizeCounterexample(trace)}\n`)
    io.err(`  saved: ${path.relative(process.cwd(), dump)}, readable: ${path.relative(process.cwd(), path.join(outDir, `${s.name}.trace.txt`))}\n`)
    if (!ok) io.err(`${text}\n`)
  }
  if (!ok) {
    io.err(`  MISMATCH: expected ${expectationText(s)}, TLC says ${actualText(run.result, s)}\n`)
    for (const e of run.result.errors) io.err(`  ${e.split("\n").join("\n  ")}\n`)
  }
  io.err(`  ${actualText(run.result, s)}: ${fmtInt(run.result.statesGenerated)} states, ${fmtInt(run.result.distinctStates)} distinct, depth ${depthText(s, run.result)}, ${run.seconds.toFixed(1)}s\n`)
  return { scenario: s, run, ok }
}

// The trace-validation half (tracedRun, the trace table, mutants, coverage) is in ./TraceRunner.ts.

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

  const selected = manifest.scenarios.filter((s) =>
    opts.only !== undefined ? opts.only.includes(s.name) : s.slow !== true || opts.slow === true,
  )
  const skippedSlow = opts.only === undefined && opts.slow !== true ? manifest.scenarios.filter((s) => s.slow === true) : []
  const rows: ScenarioOutcome[] = []
  if (opts.scenarios !== false) {
    let i = 0
    for (const s of selected) {
      i++
      rows.push(await checkScenario(io, loc.jar, modelsDir, outDir, s, `[${i}/${selected.length}]`, opts.workers))
    }
  }
  // Trace validation (src/models/TraceRunner.ts, models/README.md): one TLC worker per height.
  const traceManifest: TraceManifest = manifest
  const manifestError = TraceRunner.checkTraceManifest(traceManifest)
  if (manifestError !== undefined) throw new Error(`scenarios.json: ${manifestError}`)
  const traceSources =
    opts.traceFile !== undefined
      ? [TraceRunner.fileSource(path.resolve(opts.traceFile), io)]
      : TraceRunner.manifestSources(traceManifest, path.join(outDir, "traces"), io)
  const traceReport =
    opts.traces === false
      ? undefined
      : await TraceRunner.traceValidation(
          io,
          async (o) => {
            const run = await runTlc({ jar: loc.jar, ...o, workers: "1", onLine: progressReporter(io, `  ${o.label}`) })
            clearLine(io)
            return run
          },
          modelsDir,
          outDir,
          traceSources,
          manifest.mutations,
          opts.traceFile !== undefined ? [] : (traceManifest.coverage ?? []),
        )
  const traces = traceReport?.checks ?? []

  if (rows.length > 0) io.out(`\nTLA+ scenarios (TLC, ${os.cpus().length} cores)\n${formatScenarioTable(rows)}\n`)
  if (opts.scenarios !== false && skippedSlow.length > 0)
    io.out(`not run (slow; use --slow or --only): ${skippedSlow.map((s) => s.name).join(", ")}\n`)
  if (traceReport !== undefined) io.out(TraceRunner.formatTraceReport(traceReport))
  const bad = rows.filter((r) => !r.ok).length + traces.filter((t) => !t.ok).length
  io.out(bad === 0 ? "\nall as expected\n" : `\n${bad} mismatch(es)\n`)
  return bad === 0 ? 0 : 1
}
