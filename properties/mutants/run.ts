// spec: spec/10-assurance.md "Mutation check" (issue 9 item 16).
//
// `npm run mutants [-- --only id1,id2] [--timeout S] [--keep] [--list]`
//
// Applies the consensus mutants of properties/mutants/mutants.json one at a time and runs, against each,
// the test files it lists (vitest, JSON reporter). Never touches the working tree: the sources are copied
// once to a temporary directory (src, test, properties, conformance, package.json, tsconfig.json,
// vitest.config.ts; node_modules symlinked), each mutant is applied there and the file is restored after.
//
//   1. Sanity: the union of all listed test files must pass on the unmutated copy.
//   2. Each mutant's `search` must occur exactly once in its file, else ERROR (the list has drifted from
//      the code).
//   3. A mutant is KILLED when at least one test fails (the first failing test is reported, with its
//      file); SURVIVED when every test passes. A mutant marked `equivalent` (with the argument why no
//      behaviour can tell it apart) is expected to survive.
//
// Exit 1 if the sanity run fails, any mutant is an ERROR, any non-equivalent mutant survives, or an
// `equivalent` one is killed (its argument is then wrong). Prints a table: id, status, killing test,
// seconds. POAI_MUTANT=1 is set for the test runs (property files may skip shrinking then).
import { spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"

interface Mutant {
  readonly id: string
  readonly file: string
  readonly rule: string
  readonly search: string
  readonly replace: string
  readonly tests: ReadonlyArray<string>
  readonly why: string
  readonly equivalent?: string
}

type Status = "killed" | "survived" | "equivalent" | "error" | "timeout"

interface Result {
  readonly id: string
  readonly status: Status
  readonly killer: string
  /** the first failing test of each file that failed */
  readonly killers: ReadonlyArray<string>
  readonly failed: number
  readonly seconds: number
  readonly note?: string
}

interface VitestJson {
  readonly testResults: ReadonlyArray<{
    readonly name: string
    readonly status: string
    readonly message?: string
    readonly assertionResults: ReadonlyArray<{
      readonly fullName: string
      readonly title?: string
      readonly ancestorTitles?: ReadonlyArray<string>
      readonly status: string
    }>
  }>
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
const COPY = ["src", "test", "properties", "conformance", "package.json", "tsconfig.json", "vitest.config.ts"]

const args = process.argv.slice(2)
const flag = (name: string) => args.includes(name)
const option = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const timeoutS = Number(option("--timeout") ?? 600)

const list = JSON.parse(readFileSync(path.join(ROOT, "properties/mutants/mutants.json"), "utf8")) as { mutants: Mutant[] }
const only = option("--only")?.split(",")
const mutants = list.mutants.filter((m) => only === undefined || only.includes(m.id))
if (only !== undefined && mutants.length !== only.length) {
  process.stderr.write(`unknown mutant id in --only: ${only.filter((id) => !mutants.some((m) => m.id === id)).join(", ")}\n`)
  process.exit(2)
}

if (flag("--list")) {
  for (const m of mutants) process.stdout.write(`${m.id}\t${m.rule}\t${m.file}\t${m.tests.join(" ")}\n`)
  process.exit(0)
}

const work = mkdtempSync(path.join(tmpdir(), "poai-mutants-"))
for (const p of COPY) if (existsSync(path.join(ROOT, p))) cpSync(path.join(ROOT, p), path.join(work, p), { recursive: true })
symlinkSync(path.join(ROOT, "node_modules"), path.join(work, "node_modules"), "dir")
const vitestBin = path.join(ROOT, "node_modules", "vitest", "vitest.mjs")
const report = path.join(work, "vitest-report.json")

const rel = (f: string) => path.relative(work, f)

/** Run vitest on `files` in the copy; the failing tests, in the order of `files`, or a timeout/error. */
const runTests = (files: ReadonlyArray<string>): { kind: "ok" | "failed" | "timeout" | "error"; failures: string[]; firstPerFile: string[]; detail: string } => {
  rmSync(report, { force: true })
  const r = spawnSync(process.execPath, [vitestBin, "run", ...files, "--reporter=json", `--outputFile=${report}`], {
    cwd: work,
    env: { ...process.env, POAI_MUTANT: "1", FORCE_COLOR: "0" },
    encoding: "utf8",
    timeout: timeoutS * 1000,
    killSignal: "SIGKILL",
    maxBuffer: 256 * 1024 * 1024,
  })
  if (r.error !== undefined && (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT") return { kind: "timeout", failures: [], firstPerFile: [], detail: `over ${timeoutS} s` }
  if (!existsSync(report)) return { kind: "error", failures: [], firstPerFile: [], detail: `no JSON report (exit ${r.status}): ${(r.stderr ?? "").slice(-800)}` }
  const json = JSON.parse(readFileSync(report, "utf8")) as VitestJson
  const order = (name: string) => {
    const i = files.indexOf(rel(name))
    return i < 0 ? files.length : i
  }
  const failures: string[] = []
  const firstPerFile: string[] = []
  for (const f of [...json.testResults].sort((a, b) => order(a.name) - order(b.name))) {
    const failed = f.assertionResults.filter((a) => a.status === "failed")
    const names = failed.map((a) => `${rel(f.name)} > ${a.title !== undefined ? [...(a.ancestorTitles ?? []), a.title].join(" > ") : a.fullName}`)
    if (failed.length === 0 && f.status === "failed") names.push(`${rel(f.name)} (suite: ${(f.message ?? "").split("\n")[0]?.slice(0, 120)})`)
    failures.push(...names)
    if (names[0] !== undefined) firstPerFile.push(names[0])
  }
  if (failures.length === 0 && r.status !== 0) return { kind: "error", failures, firstPerFile, detail: `vitest exit ${r.status} without a failing test: ${(r.stderr ?? "").slice(-800)}` }
  return { kind: failures.length > 0 ? "failed" : "ok", failures, firstPerFile, detail: "" }
}

const t0 = performance.now()
const results: Result[] = []
let exit = 0
try {
  // 1. sanity run on the unmutated copy
  const allFiles = [...new Set(mutants.flatMap((m) => m.tests))]
  const missing = allFiles.filter((f) => !existsSync(path.join(work, f)))
  if (missing.length > 0) throw new Error(`test files listed in mutants.json do not exist: ${missing.join(", ")}`)
  const s0 = performance.now()
  const base = runTests(allFiles)
  const baseSeconds = (performance.now() - s0) / 1000
  process.stdout.write(`sanity: unmutated code, ${allFiles.length} test files: ${base.kind} (${baseSeconds.toFixed(1)} s)\n`)
  if (base.kind !== "ok") {
    process.stdout.write(`${base.failures.slice(0, 10).join("\n")}\n${base.detail}\n`)
    throw new Error("the unmutated code must pass the selected tests")
  }

  // 2. the mutants, one at a time
  for (const m of mutants) {
    const file = path.join(work, m.file)
    const original = readFileSync(file, "utf8")
    const count = original.split(m.search).length - 1
    const started = performance.now()
    if (count !== 1) {
      results.push({ id: m.id, status: "error", killer: `search text occurs ${count} times in ${m.file} (expected once)`, killers: [], failed: 0, seconds: 0 })
      exit = 1
      continue
    }
    writeFileSync(file, original.replace(m.search, () => m.replace))
    let r: ReturnType<typeof runTests>
    try {
      r = runTests(m.tests)
    } finally {
      writeFileSync(file, original)
    }
    const seconds = (performance.now() - started) / 1000
    let status: Status
    let note: string | undefined
    if (r.kind === "timeout") status = "timeout"
    else if (r.kind === "error") status = "error"
    else if (r.kind === "failed") status = "killed"
    else status = m.equivalent !== undefined ? "equivalent" : "survived"
    if (m.equivalent !== undefined && status === "killed") note = "listed as equivalent but killed: the equivalence argument is wrong"
    if (status === "survived" || status === "error" || status === "timeout" || note !== undefined) exit = 1
    const res: Result = { id: m.id, status, killer: r.failures[0] ?? r.detail, killers: r.firstPerFile, failed: r.failures.length, seconds, ...(note ? { note } : {}) }
    results.push(res)
    process.stdout.write(`  ${m.id}: ${status}${r.failures[0] ? ` by ${r.failures[0]}` : r.detail ? ` (${r.detail.slice(0, 200)})` : ""} [${seconds.toFixed(1)} s]\n`)
  }
} catch (e) {
  process.stdout.write(`ERROR: ${(e as Error).message}\n`)
  exit = 1
} finally {
  if (!flag("--keep")) rmSync(work, { recursive: true, force: true })
  else process.stdout.write(`kept ${work}\n`)
}

// 3. the table
const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length))
if (results.length > 0) {
  const w = Math.max(...results.map((r) => r.id.length), 6)
  process.stdout.write(`\n${pad("mutant", w)}  ${pad("status", 10)}  ${pad("seconds", 7)}  killing tests (first failure in each failing file; total failing)\n`)
  for (const r of results) {
    const killer = r.status === "killed" ? `${r.killers.join(" ; ")} (${r.failed} failing)` : r.status === "equivalent" ? "— (equivalent, survives as argued in mutants.json)" : r.killer
    process.stdout.write(`${pad(r.id, w)}  ${pad(r.status, 10)}  ${pad(r.seconds.toFixed(1), 7)}  ${killer}${r.note ? `  !! ${r.note}` : ""}\n`)
  }
  const by = (s: Status) => results.filter((r) => r.status === s).length
  process.stdout.write(
    `\n${results.length} mutants: ${by("killed")} killed, ${by("equivalent")} equivalent, ${by("survived")} survived, ${by("timeout")} timed out, ${by("error")} errors; ${((performance.now() - t0) / 1000).toFixed(0)} s in all\n`,
  )
}
process.exit(exit)
