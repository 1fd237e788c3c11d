// `npm run properties -- --runs N`: run the property suite with more cases than CI does.
// Sets POAI_PROPERTY_RUNS, which every property file reads (see properties/config.ts).
import { spawnSync } from "node:child_process"

const args = process.argv.slice(2)
const i = args.indexOf("--runs")
const runs = i >= 0 ? args[i + 1] : undefined
if (i >= 0 && (runs === undefined || !/^[1-9][0-9]*$/.test(runs))) {
  process.stderr.write("usage: npm run properties -- [--runs N] [--seed S]\n")
  process.exit(2)
}
const j = args.indexOf("--seed")
const seed = j >= 0 ? args[j + 1] : undefined
if (j >= 0 && (seed === undefined || !/^-?[0-9]+$/.test(seed))) {
  process.stderr.write("usage: npm run properties -- [--runs N] [--seed S]\n")
  process.exit(2)
}
const env = { ...process.env, ...(runs ? { POAI_PROPERTY_RUNS: runs } : {}), ...(seed ? { POAI_PROPERTY_SEED: seed } : {}) }
process.stderr.write(`[properties] runs=${runs ?? "default"} seed=${seed ?? "default"}\n`)
const r = spawnSync("npx", ["vitest", "run", "properties"], { stdio: "inherit", env })
process.exit(r.status ?? 1)
