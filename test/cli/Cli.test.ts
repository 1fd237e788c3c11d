// spec: CLI-RUN.1..4, CLI-FLAGS.1 (spec/08-simulation.md §CLI)
import { spawnSync } from "node:child_process"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { main, type Io } from "../../src/cli/main.ts"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")

const capture = () => {
  const out: string[] = []
  const err: string[] = []
  const io: Io = { out: (s) => void out.push(s), err: (s) => void err.push(s) }
  return { io, stdout: () => out.join(""), stderr: () => err.join("") }
}
const cli = async (argv: string[]) => {
  const c = capture()
  const code = await main(argv, c.io)
  return { code, stdout: c.stdout(), stderr: c.stderr() }
}
const lastLine = (s: string) => s.trimEnd().split("\n").at(-1) ?? ""

const SUMMARY_FIELDS = ["finalizedHeight", "stateRoot", "agreement", "evidence", "txCommitted", "virtualSeconds"] as const

describe("poai run --json (CLI-RUN.1..2)", () => {
  const argv = ["run", "--nodes", "4", "--blocks", "10", "--byzantine", "1", "--seed", "7", "--json"]
  const first = cli(argv)

  it("exits 0 and prints the summary as JSON on the last stdout line", async () => {
    const r = await first
    expect(r.code).toBe(0)
    const j = JSON.parse(lastLine(r.stdout)) as Record<string, unknown>
    for (const f of SUMMARY_FIELDS) expect(j, f).toHaveProperty(f)
    expect(j.finalizedHeight).toBe(10)
    expect(j.agreement).toBe(true)
    expect(j.stateRoot).toMatch(/^[0-9a-f]{64}$/)
    expect(typeof j.evidence).toBe("number")
    expect(j.evidence as number).toBeGreaterThanOrEqual(1) // one equivocating validator (default strategy)
    expect(typeof j.txCommitted).toBe("number")
    expect(j.virtualSeconds as number).toBeGreaterThan(0)
    expect(j.nodes).toBe(4)
    expect(j.byzantine).toBe(1)
    expect(j.seed).toBe(7)
    // progress goes to stderr, never to stdout
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(1)
    expect(r.stderr).toMatch(/height 10\/10/)
  })

  it("a second run prints byte-identical stdout", async () => {
    const [a, b] = [await first, await cli(argv)]
    expect(b.code).toBe(0)
    expect(b.stdout).toBe(a.stdout)
  })

  it("--quiet prints nothing on stderr; the human-readable summary without --json", async () => {
    const r = await cli(["run", "--nodes", "1", "--blocks", "2", "--quiet", "--tx-rate", "0"])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe("")
    expect(r.stdout).toMatch(/finalized height\s+2 of 2/)
    expect(r.stdout).toMatch(/agreement\s+yes/)
  })

  it("exit 1 when the target is not reached in the allotted virtual time", async () => {
    // 1 of 2 equal-stake validators silent: no quorum is possible.
    const r = await cli(["run", "--nodes", "2", "--byzantine", "1", "--strategy", "silent", "--blocks", "1", "--max-virtual-seconds", "2", "--json", "--quiet"])
    expect(r.code).toBe(1)
    const j = JSON.parse(lastLine(r.stdout)) as { completed: boolean; finalizedHeight: number }
    expect(j.completed).toBe(false)
    expect(j.finalizedHeight).toBe(0)
  })
})

describe("usage errors exit 2 with a clear message (CLI-FLAGS.1)", () => {
  const cases: ReadonlyArray<readonly [string, string[], RegExp]> = [
    ["unknown flag", ["run", "--nodez", "4"], /unknown option '--nodez'/],
    ["missing value at the end", ["run", "--nodes"], /--nodes needs a value/],
    ["missing value before another flag", ["run", "--nodes", "--json"], /--nodes needs a value/],
    ["non-integer", ["run", "--nodes", "4.5"], /--nodes expects a non-negative integer, got '4.5'/],
    ["negative integer", ["run", "--seed", "-1"], /--seed needs a value|--seed expects a non-negative integer/],
    ["leading zero", ["run", "--nodes", "04"], /--nodes expects a non-negative integer/],
    ["empty value", ["run", "--nodes="], /--nodes expects a non-negative integer, got ''/],
    ["out of range (0 nodes)", ["run", "--nodes", "0"], /--nodes must be in 1\.\.256, got 0/],
    ["out of range (too many nodes)", ["run", "--nodes", "257"], /--nodes must be in 1\.\.256/],
    ["seed above 2^32 - 1", ["run", "--seed", "4294967296"], /--seed must be in 0\.\.4294967295/],
    ["drop rate above 0.5", ["run", "--drop", "0.6"], /--drop must be in \[0, 0\.5\]/],
    ["drop rate not a number", ["run", "--drop", "1e-3"], /--drop expects a number/],
    ["latency MIN > MAX", ["run", "--latency", "60:10"], /--latency needs/],
    ["latency malformed", ["run", "--latency", "10"], /--latency expects MIN:MAX/],
    ["unknown strategy", ["run", "--strategy", "evil"], /--strategy must be one of/],
    ["unknown crypto layer", ["run", "--crypto", "openssl"], /--crypto must be one of noble\|node/],
    ["byzantine >= nodes", ["run", "--nodes", "4", "--byzantine", "4"], /--byzantine 4 must be below --nodes 4/],
    ["byzantine > nodes", ["run", "--nodes", "3", "--byzantine", "5"], /--byzantine 5 must be below --nodes 3/],
    ["repeated flag", ["run", "--nodes", "4", "--nodes", "5"], /option '--nodes' given twice/],
    ["repeated flag, = form", ["run", "--seed=1", "--seed", "1"], /option '--seed' given twice/],
    ["repeated boolean flag", ["run", "--json", "--json"], /option '--json' given twice/],
    ["boolean flag with a value", ["run", "--json=yes"], /--json takes no value/],
    ["positional argument", ["run", "extra"], /unexpected argument 'extra'/],
    ["positional after flags", ["run", "--nodes", "4", "5"], /unexpected argument '5'/],
    ["unknown command", ["walk"], /unknown command 'walk'/],
  ]
  for (const [name, argv, message] of cases) {
    it(name, async () => {
      const r = await cli(argv)
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(message)
      expect(r.stderr).toMatch(/^poai: /)
      expect(r.stderr).toMatch(/run 'poai help' for usage/)
      expect(r.stdout).toBe("")
    })
  }

  it("no command prints usage and exits 2; help and --version exit 0", async () => {
    const none = await cli([])
    expect(none.code).toBe(2)
    expect(none.stdout).toMatch(/usage:/)
    const help = await cli(["help"])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/poai run \[options\]/)
    const v = await cli(["--version"])
    expect(v.code).toBe(0)
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
  })
})

describe("the real binary (bin/poai.js)", () => {
  const poai = (args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT, "bin", "poai.js"), ...args], { cwd: ROOT, encoding: "utf8", timeout: 90_000 })

  it("node bin/poai.js run --nodes 4 --blocks 5 --seed 1 --json: exit 0 and a JSON summary", () => {
    const r = poai(["run", "--nodes", "4", "--blocks", "5", "--seed", "1", "--json"])
    expect(r.error).toBeUndefined()
    expect(r.status, r.stderr).toBe(0)
    const j = JSON.parse(lastLine(r.stdout)) as Record<string, unknown>
    for (const f of SUMMARY_FIELDS) expect(j, f).toHaveProperty(f)
    expect(j.finalizedHeight).toBe(5)
    expect(j.agreement).toBe(true)
    expect(j.stateRoot).toMatch(/^[0-9a-f]{64}$/)
  })
})
