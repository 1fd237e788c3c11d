// `npm run models` (package.json: "models": "node bin/run-ts.js models/run.ts"): check the TLA+
// scenarios of models/scenarios.json with TLC and validate simulator traces against the model.
//
//   npm run models                         everything
//   npm run models -- --only MC_n4_f1,MC_n4_f2
//   npm run models -- --no-traces          scenarios only
//   npm run models -- --traces-only        trace validation only
//   npm run models -- --workers 2          TLC workers (default: auto)
//   npm run models -- --slow               also the scenarios marked "slow" in scenarios.json
//   npm run models -- --trace FILE         validate a trace of `poai run --trace FILE` (and its mutants)
//
// TLC comes from TLA2TOOLS_JAR or ~/.cache/poai/tla2tools.jar; without it the run says how to provide
// it and exits 0. Outputs (logs, counterexamples, traces) go to models/out/ (git-ignored).
import path from "node:path"
import { fileURLToPath } from "node:url"
import { runModels, type RunnerOptions } from "../src/models/ModelRunner.ts"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const args = process.argv.slice(2)
const opts: { -readonly [K in keyof RunnerOptions]: RunnerOptions[K] } = { root }
for (let i = 0; i < args.length; i++) {
  const a = args[i]
  if (a === "--only") opts.only = (args[++i] ?? "").split(",").filter((s) => s.length > 0)
  else if (a === "--no-traces") opts.traces = false
  else if (a === "--traces-only") opts.scenarios = false
  else if (a === "--workers") opts.workers = args[++i] ?? "auto"
  else if (a === "--slow") opts.slow = true
  else if (a === "--trace") {
    opts.traceFile = args[++i] ?? ""
    opts.scenarios = false
  }
  else {
    process.stderr.write(`usage: npm run models -- [--only NAME,...] [--no-traces | --traces-only | --trace FILE] [--workers N] [--slow]\nunknown argument: ${a}\n`)
    process.exit(2)
  }
}
if (opts.only !== undefined && opts.traces === undefined) opts.traces = false

const code = await runModels(opts, {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  isTTY: process.stderr.isTTY === true,
})
process.exitCode = code
