// spec: CLI-REPRO.1..3, SIM-REPRO.3 (spec/19-reproduction.md)
// `poai reproduce [--quick] [--out DIR] [--seed S] [--quiet]`: run the §8 scenarios, write report.json,
// report.md and the SVG charts to DIR. Exit 0 report written and every run agreed; 1 report written but
// a safety violation or a run that did not reach its target; 2 usage error or unwritable output.
import * as fs from "node:fs"
import * as path from "node:path"
import { nodeCryptoService } from "../crypto/NodeCrypto.ts"
import * as os from "node:os"
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import { Worker } from "node:worker_threads"
import { assemble, FULL_PLAN, type Outcome, QUICK_PLAN, reproduce, type Progress, type ReproPlan, type ReproResult, scenarios } from "../drivers/Reproduce.ts"
import type { WorkerReply, WorkerRequest } from "./ReproduceWorker.ts"
import { parseFlags, type FlagSpec, UsageError } from "./Flags.ts"
import type { Io } from "./Io.ts"
import { charts, reportJson, reportMarkdown } from "./ReproduceReport.ts"

export const REPRODUCE_USAGE = `poai reproduce options:
  --quick                   small scenarios (N = 16, few blocks): a few minutes on 2 cores; scale-dependent
                            numbers are marked not comparable (default: N = 100, the paper's setup)
  --out DIR                 where report.json, report.md and the SVG charts go (default out/reproduce)
  --seed S                  PRNG seed, integer 0..4294967295 (default 1)
  --jobs N                  scenarios run in parallel on N worker threads (1..16, default min(2, cores));
                            the report is the same for any N
  --quiet                   no progress bar on stderr`

const FLAGS = {
  quick: { kind: "bool" },
  out: { kind: "string", default: "out/reproduce" },
  seed: { kind: "int", min: 0, max: 4_294_967_295, default: 1 },
  jobs: { kind: "int", min: 1, max: 16, default: 0 },
  quiet: { kind: "bool" },
} as const satisfies Record<string, FlagSpec>

/** CLI-REPRO.2: the output directory exists (created) and is writable, checked before any run. */
const prepareOut = (dir: string): void => {
  try {
    fs.mkdirSync(dir, { recursive: true })
    const probe = path.join(dir, ".poai-write-test")
    fs.writeFileSync(probe, "")
    fs.rmSync(probe)
  } catch (e) {
    const code = typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : "error"
    throw new UsageError(`cannot write to --out '${dir}' (${code})`)
  }
}

/** CLI-REPRO.3: a one-line progress bar (rewritten in place on a terminal, a line per step otherwise). */
const progressBar = (io: Io, tty: boolean, started: number) => {
  let last = ""
  let lastAt = 0
  return (p: Progress) => {
    const frac = (p.index - 1 + (p.target > 0 ? Math.min(1, p.height / p.target) : 0)) / p.total
    const width = 24
    const filled = Math.round(frac * width)
    const line = `[poai reproduce] [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${p.index}/${p.total} ${p.scenario}${p.target < 100_000 ? ` height ${p.height}/${p.target}` : ` height ${p.height}`}  wall ${((Date.now() - started) / 1000).toFixed(0)}s`
    const now = Date.now()
    if (tty) {
      if (now - lastAt > 200 || p.height === 0) io.err(`\r${line}\x1b[K`)
    } else if (p.height === 0 || now - lastAt > 5000) {
      if (line !== last) io.err(`${line}\n`)
    } else return
    last = line
    lastAt = now
  }
}

/** SIM-REPRO.3: a worker thread; under tsx (sources run as .ts) the worker registers tsx's loader first. */
const spawnWorker = (): Worker => {
  const ts = import.meta.url.endsWith(".ts")
  const entry = new URL(`./ReproduceWorker.${ts ? "ts" : "js"}`, import.meta.url).href
  if (!ts) return new Worker(new URL(entry))
  // import.meta.resolve is missing under vitest's transform: fall back to require's resolution
  const tsx = typeof import.meta.resolve === "function" ? import.meta.resolve("tsx/esm/api") : pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs")).href
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}) })`, { eval: true })
}

/** SIM-REPRO.3: the plan's scenarios on `jobs` worker threads; outcomes are assembled in plan order. */
export const reproduceParallel = (plan: ReproPlan, jobs: number, onProgress?: (p: Progress) => void): Promise<ReproResult> =>
  new Promise((resolve, reject) => {
    const all = scenarios(plan)
    const outcomes: Outcome[] = []
    let next = 0
    let done = 0
    const workers: Worker[] = []
    const fail = (e: unknown) => {
      for (const w of workers) void w.terminate()
      reject(e instanceof Error ? e : new Error(String(e)))
    }
    const feed = (w: Worker) => {
      if (next >= all.length) {
        void w.terminate()
        return
      }
      const id = next++
      const sc = all[id] as (typeof all)[number]
      onProgress?.({ scenario: sc.name, index: done + 1, total: all.length, height: 0, target: 0 })
      w.postMessage({ id, plan, scenario: sc } satisfies WorkerRequest)
    }
    for (let j = 0; j < Math.min(jobs, all.length); j++) {
      const w = spawnWorker()
      workers.push(w)
      w.on("error", fail)
      w.on("message", (m: WorkerReply) => {
        const sc = all[m.id] as (typeof all)[number]
        if (m.type === "progress") {
          onProgress?.({ scenario: sc.name, index: done + 1, total: all.length, height: m.height, target: m.target })
          return
        }
        outcomes.push(m.outcome)
        done++
        if (done === all.length) {
          for (const x of workers) void x.terminate()
          resolve(assemble(plan, outcomes))
        } else feed(w)
      })
      feed(w)
    }
  })

export const reproduceCommand = async (args: ReadonlyArray<string>, io: Io, tty = false): Promise<number> => {
  if (args[0] === "help") {
    io.out(`${REPRODUCE_USAGE}\n`)
    return 0
  }
  const f = parseFlags(FLAGS, args)
  const out = f.out ?? "out/reproduce"
  prepareOut(out)
  const plan = { ...(f.quick ? QUICK_PLAN : FULL_PLAN), seed: f.seed }
  const started = Date.now()
  const bar = f.quiet ? undefined : progressBar(io, tty, started)
  const jobs = f.jobs === 0 ? Math.min(2, os.availableParallelism()) : f.jobs
  const result = jobs === 1 ? reproduce(nodeCryptoService, plan, bar) : await reproduceParallel(plan, jobs, bar)
  if (bar !== undefined && tty) io.err("\n")
  const wall = (Date.now() - started) / 1000
  const files: Record<string, string> = {
    "report.json": `${JSON.stringify(reportJson(result, wall), null, 2)}\n`,
    "report.md": reportMarkdown(result, wall),
    ...charts(result),
  }
  try {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(out, name), text)
  } catch (e) {
    throw new UsageError(`cannot write the report to '${out}': ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`)
  }
  io.out(`report written to ${path.join(out, "report.md")} (${Object.keys(files).length} files, ${wall.toFixed(1)} s wall)\n`)
  const ok = result.safety.ok && result.baseline.summary.agreement
  return ok ? 0 : 1
}
