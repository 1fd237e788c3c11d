// spec: CLI-OUT.1..2, CLI-RUN.5, CLI-BUILD.2 (spec/08-simulation.md §CLI), SIM-NET.8
import * as fs from "node:fs"
import * as os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { main, type Io } from "../../src/cli/main.ts"
import { nodeOutputFs, type OutputFs } from "../../src/cli/Outputs.ts"
import { importClosure } from "../fixtures/imports.ts"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")

const cli = async (argv: string[], outputFs?: OutputFs) => {
  const out: string[] = []
  const err: string[] = []
  const io: Io = { out: (s) => void out.push(s), err: (s) => void err.push(s), ...(outputFs !== undefined ? { outputFs } : {}) }
  const code = await main(argv, io)
  return { code, stdout: out.join(""), stderr: err.join("") }
}
const lastLine = (s: string) => s.trimEnd().split("\n").at(-1) ?? ""
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "poai-out-"))
const SMALL = ["run", "--nodes", "4", "--blocks", "3", "--seed", "1", "--quiet"]

describe("an output that cannot be written is one line and exit 2, before the run (CLI-OUT.1)", () => {
  it.runIf(fs.existsSync("/dev/full"))("--trace /dev/full: the test write fails (ENOSPC)", async () => {
    const r = await cli([...SMALL, "--trace", "/dev/full"])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toMatch(/^poai: cannot write trace file '\/dev\/full': .*ENOSPC[^\n]*\n$/) // one line
    expect(r.stderr).not.toMatch(/\n\s+at /) // no stack trace
  })

  it("--trace in a directory that does not exist: cannot open", async () => {
    const r = await cli([...SMALL, "--trace", path.join(tmp(), "no", "such", "trace.ndjson")])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toMatch(/^poai: cannot open trace file '.*trace\.ndjson': .*ENOENT[^\n]*\n$/)
  })

  it("--transcripts under a file: cannot create the directory", async () => {
    const dir = tmp()
    fs.writeFileSync(path.join(dir, "f"), "")
    const r = await cli([...SMALL, "--transcripts", path.join(dir, "f", "sub")])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toMatch(/^poai: cannot create transcript directory '.*sub': [^\n]*\n$/)
  })

  it("a regular file is test-written and left empty; the run then writes it", async () => {
    const dir = tmp()
    const trace = path.join(dir, "t.ndjson")
    const r = await cli([...SMALL, "--json", "--trace", trace, "--transcripts", path.join(dir, "tr")])
    expect(r.code).toBe(0)
    const lines = fs.readFileSync(trace, "utf8").split("\n")
    expect(lines[0]).toMatch(/^\{/) // the probe byte did not stay at offset 0
    expect(lines.at(-1)).toBe("")
    expect(fs.readdirSync(path.join(dir, "tr")).sort()).toEqual(["node-0.ndjson", "node-1.ndjson", "node-2.ndjson", "node-3.ndjson"])
  })
})

describe("a write that fails during the run: the summary is still printed, one line, exit 1 (CLI-OUT.2)", () => {
  /** node:fs, except that writes to the trace file fail once `budget` chunks have been written. */
  const failingAfter = (budget: number): OutputFs => {
    const traced = new Set<number>()
    let left = budget
    return {
      ...nodeOutputFs,
      open: (p) => {
        const fd = nodeOutputFs.open(p)
        if (p.endsWith("trace.ndjson")) traced.add(fd)
        return fd
      },
      write: (fd, data) => {
        if (traced.has(fd) && left-- <= 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" })
        return nodeOutputFs.write(fd, data)
      },
    }
  }

  it("the trace fails at its first chunk", async () => {
    const dir = tmp()
    const r = await cli([...SMALL, "--json", "--trace", path.join(dir, "trace.ndjson")], failingAfter(0))
    expect(r.code).toBe(1)
    const j = JSON.parse(lastLine(r.stdout)) as { agreement: boolean; completed: boolean }
    expect(j.agreement && j.completed).toBe(true) // the run itself went fine
    expect(r.stderr).toMatch(/^poai: cannot write trace file '.*trace\.ndjson': ENOSPC[^\n]*\n$/)
  })

  it("the same run with writes that succeed exits 0 (the failure is what makes it 1)", async () => {
    const dir = tmp()
    const r = await cli([...SMALL, "--json", "--trace", path.join(dir, "trace.ndjson")], failingAfter(1_000_000))
    expect(r.code).toBe(0)
    expect(r.stderr).toBe("")
  })
})

type Sums = { [K in "audited" | "auditsPassed" | "auditsFailed" | "auditsMissed" | "auditsPending" | "slashedWork" | "slashedWorkWorkers" | "slashedWorkAuditors" | "messagesRejected" | "messagesDelivered"]: number } & {
  rejectedByReason: Record<string, number>
}

describe("the summary adds up and says what it counts (CLI-RUN.5, SIM-NET.8)", () => {
  // a silent Byzantine auditor misses its audits; cheaters fail theirs (seed 8: seed 5 drew no audit for
  // the silent node once items were routed, NODE-ROUTE.1)
  const argv = ["run", "--nodes", "5", "--byzantine", "1", "--strategy", "silent", "--blocks", "30", "--cheaters", "0.3", "--seed", "8", "--quiet"]
  const json = cli([...argv, "--json"])

  it("audited = passed + failed + missed + pending; slashedWork = workers + auditors; rejections by reason sum up", async () => {
    const r = await json
    expect(r.code).toBe(0)
    const s = JSON.parse(lastLine(r.stdout)) as Sums
    expect(s.auditsMissed).toBeGreaterThan(0)
    expect(s.auditsFailed).toBeGreaterThan(0)
    expect(s.audited).toBe(s.auditsPassed + s.auditsFailed + s.auditsMissed + s.auditsPending)
    expect(s.slashedWork).toBe(s.slashedWorkWorkers + s.slashedWorkAuditors)
    expect(s.slashedWorkAuditors).toBe(s.auditsMissed * 50_000) // auditMissPenalty, VER-AUDIT.9
    expect(s.slashedWorkWorkers).toBeGreaterThan(0)
    expect(s.messagesRejected).toBeGreaterThan(0)
    expect(Object.values(s.rejectedByReason).reduce((a, b) => a + b, 0)).toBe(s.messagesRejected)
    for (const k of Object.keys(s.rejectedByReason)) expect(k).toMatch(/^([A-Z_]+|DECODE:[a-z-]+)$/)
  })

  it("the human form prints the same sums and one line per rejection reason", async () => {
    const s = JSON.parse(lastLine((await json).stdout)) as Sums
    const h = await cli(argv)
    expect(h.code).toBe(0)
    expect(h.stdout).toContain(`audits            ${s.audited} selected = ${s.auditsPassed} passed + ${s.auditsFailed} failed + ${s.auditsMissed} missed + ${s.auditsPending} still pending`)
    expect(h.stdout).toContain(`${s.slashedWork} units burned = workers ${s.slashedWorkWorkers} + auditors ${s.slashedWorkAuditors}`)
    expect(h.stdout).toContain(`${s.messagesDelivered} delivered; ${s.messagesRejected} inputs rejected (deliveries and local inputs), by reason below`)
    for (const [code, k] of Object.entries(s.rejectedByReason)) expect(h.stdout).toMatch(new RegExp(`\\n  ${code} +${k}  \\S`))
  })
})

describe("poai help loads nothing heavy (CLI-BUILD.2)", () => {
  const closure = importClosure

  it("src/cli/main.ts statically imports no package (node: built-ins aside) and no core, ml or driver code but the strategy names", () => {
    const c = [...closure("cli/main.ts")]
    expect(c.filter((f) => f.startsWith("package:") && !f.startsWith("package:node:"))).toEqual([])
    expect(c.filter((f) => /^(core|ml|verification|quality|crypto|codec|conformance)\//.test(f))).toEqual([])
    expect(c.filter((f) => f.startsWith("drivers/"))).toEqual(["drivers/Strategies.ts"])
  })

  it("poai run loads tfjs only with --executor ml: src/cli/Run.ts statically reaches no @tensorflow package (CLI-BUILD.3)", () => {
    const c = [...closure("cli/Run.ts")]
    expect(c.filter((f) => f.startsWith("package:@tensorflow") || f.startsWith("ml/"))).toEqual([])
    expect(c).toContain("core/Node.ts")
  })

  it("the check can fail: drivers/MlWork.ts (what --executor ml imports) reaches tfjs", () => {
    const c = closure("drivers/MlWork.ts")
    expect(c.has("ml/Runtime.ts")).toBe(true)
    expect(c.has("package:@tensorflow/tfjs")).toBe(true)
  })
})

describe("the hint after a human summary (CLI-RUN.6)", () => {
  const tiny = ["run", "--nodes", "1", "--blocks", "2", "--tx-rate", "0"]
  it("names poai reproduce and its report on stderr after a human summary; not with --json or --quiet", async () => {
    const h = await cli(tiny)
    expect(h.code).toBe(0)
    expect(h.stderr.trimEnd().split("\n").at(-1)).toBe("hint: the paper's §8 scenarios: npx poai reproduce --quick (N = 16, under a minute; writes out/reproduce/report.md); the N = 100 plan: spec/19")
    expect(h.stdout).not.toMatch(/hint:/)
    expect((await cli([...tiny, "--json"])).stderr).not.toMatch(/hint:/)
    expect((await cli([...tiny, "--quiet"])).stderr).toBe("")
  })
})
