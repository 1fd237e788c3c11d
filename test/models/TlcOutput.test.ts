// The TLC output parser (src/models/TlcOutput.ts) and the counterexample renderer
// (src/models/Counterexample.ts) on outputs recorded from real TLC runs (test/models/fixtures/,
// TLC 2 built from tlaplus/tlaplus at cc6b616, Java 17). No Java or TLC is needed to run these.
import { readFileSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { renderCounterexample, summarizeCounterexample, type TlcJsonTrace } from "../../src/models/Counterexample.ts"
import { absentNotice, actualText, cfgExpectation, expectationText, locateTlc, matches, tlcArgs } from "../../src/models/ModelRunner.ts"
import { parseDuration, parseProgress, parseTlcOutput } from "../../src/models/TlcOutput.ts"

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures")
const fixture = (name: string) => readFileSync(path.join(dir, name), "utf8")

describe("parseTlcOutput on recorded TLC runs", () => {
  it("a passing run (MC_n4_f1): outcome, states, depth, duration, progress", () => {
    const text = fixture("pass.txt")
    const r = parseTlcOutput(text)
    expect(r.outcome).toBe("pass")
    expect(r.version).toMatch(/^\d{4}\.\d{2}\.\d{2}/)
    expect(r.distinctStates).toBeGreaterThan(100_000)
    expect(r.statesGenerated).toBeGreaterThan(r.distinctStates ?? 0)
    expect(r.statesLeft).toBe(0)
    expect(r.depth).toBeGreaterThan(10)
    expect(r.seconds).toBeGreaterThan(0)
    expect(r.errors).toEqual([])
    expect(r.trace).toEqual([])
    expect(r.printed).toEqual([])
    const progress = text.split("\n").map(parseProgress).filter((p) => p !== undefined)
    expect(progress.length).toBeGreaterThan(0)
    for (const p of progress) expect(p.distinct).toBeLessThanOrEqual(r.distinctStates ?? 0)
  })

  it("an invariant violation with its trace (MC_n4_f2: Agreement)", () => {
    const r = parseTlcOutput(fixture("violation.txt"))
    expect(r.outcome).toBe("violation")
    expect(r.property).toBe("Agreement")
    expect(r.errors[0]).toBe("Invariant Agreement is violated.")
    expect(r.counterexampleFile).toMatch(/MC_n4_f2\.trace\.json$/)
    expect(r.trace.length).toBe(7)
    expect(r.trace[0]?.action).toBe("Initial predicate")
    expect(r.trace[0]?.index).toBe(1)
    expect(r.trace.at(-1)?.action).toBe("Decide(c2,0,v2)")
    expect(r.trace.at(-1)?.vars["decision"]).toBe("(c1 :> v1 @@ c2 :> v2)")
    // a multi-line value is kept whole
    expect(r.trace[0]?.vars["prevotes"]).toContain("\n")
    expect(Object.keys(r.trace[0]?.vars ?? {})).toHaveLength(11)
    expect(r.distinctStates).toBeGreaterThan(0)
    expect(actualText(r)).toBe("violation Agreement")
    expect(matches({ expect: "violation", invariant: "Agreement" }, r)).toBe(true)
    expect(matches({ expect: "violation", invariant: "Validity" }, r)).toBe(false)
    expect(matches({ expect: "pass" }, r)).toBe(false)
  })

  it("a deadlock, with a trace of a one-variable spec (values printed without /\\)", () => {
    const r = parseTlcOutput(fixture("deadlock.txt"))
    expect(r.outcome).toBe("deadlock")
    expect(r.property).toBeUndefined()
    expect(r.trace.map((s) => s.vars["x"])).toEqual(["0", "1", "2", "3"])
    expect(r.trace[1]?.action).toBe("Next")
    expect(r.depth).toBe(4)
    expect(r.seconds).toBe(1)
  })

  it("a parse error (a '*)' inside a comment closed it early)", () => {
    const r = parseTlcOutput(fixture("parse-error.txt"))
    expect(r.outcome).toBe("parse-error")
    expect(r.errors[0]).toContain("***Parse Error***")
    expect(r.errors[0]).toContain("line 346, column 59")
    expect(r.errors.some((e) => e.startsWith("Parsing or semantic analysis failed"))).toBe(true)
    expect(r.distinctStates).toBeUndefined()
    expect(r.printed).toEqual([])
  })

  it("a semantic error (an operator of a module that is not EXTENDed)", () => {
    const r = parseTlcOutput(fixture("semantic-error.txt"))
    expect(r.outcome).toBe("parse-error")
    expect(r.errors[0]).toContain("Could not find declaration or definition of symbol '@@'")
  })

  it("an evaluation error while checking an invariant, with its trace", () => {
    const r = parseTlcOutput(fixture("eval-error.txt"))
    expect(r.outcome).toBe("error")
    expect(r.errors[0]).toMatch(/^Evaluating invariant TypeOK failed\.\nAttempted to check equality of string "none" with non-string:/)
    expect(r.trace.length).toBeGreaterThan(1)
    expect(r.printed).toEqual([])
  })

  it("a false assumption", () => {
    const r = parseTlcOutput(fixture("assumption.txt"))
    expect(r.outcome).toBe("assumption")
    expect(r.errors[0]).toMatch(/^Assumption line 59, col 5 to line 66, col 38 of module PoAIConsensus is false\.$/)
  })

  it("trace validation: an accepted trace and a rejected one (false postcondition, Print output)", () => {
    const ok = parseTlcOutput(fixture("trace-accepted.txt"))
    expect(ok.outcome).toBe("pass")
    expect(ok.distinctStates).toBe(16)
    expect(ok.depth).toBe(16)
    const bad = parseTlcOutput(fixture("trace-rejected.txt"))
    expect(bad.outcome).toBe("postcondition")
    expect(bad.property).toBe("TraceAccepted")
    expect(bad.printed[0]).toBe('<< "TRACE REJECTED at line",')
    expect(bad.printed.join(" ")).toContain('event |-> "precommit"')
    expect(actualText(bad)).toBe("postcondition TraceAccepted")
  })

  it("a temporal violation as TLC built from source now prints it (the property named)", () => {
    const text = [
      "Checking temporal properties for the complete state space with 17172 total distinct states at (2026-12-04 04:30:24)",
      "Error: Temporal property Termination was violated.",
      "",
      "Error: The following behavior constitutes a counter-example:",
      "",
      "34060 states generated, 17172 distinct states found, 0 states left on queue.",
    ].join("\n")
    const r = parseTlcOutput(text)
    expect(r.outcome).toBe("violation")
    expect(r.temporal).toBe(true)
    expect(r.property).toBe("Termination")
    expect(matches({ expect: "violation", invariant: "Termination", temporal: true }, r)).toBe(true)
  })

  it("no verdict at all: incomplete", () => {
    expect(parseTlcOutput("TLC2 Version 2.19\nStarting... (2026-01-01 00:00:00)\n").outcome).toBe("incomplete")
  })
})

describe("progress and duration lines", () => {
  it("parses a progress line", () => {
    expect(
      parseProgress(
        "Progress(13) at 2026-11-25 16:23:49: 1,125,341 states generated (1,113,150 s/min), 333,555 distinct states found (327,499 ds/min), 123,570 states left on queue.",
      ),
    ).toEqual({ depth: 13, generated: 1_125_341, distinct: 333_555, left: 123_570 })
    expect(parseProgress("Finished in 02s at (2026-11-25 16:46:22)")).toBeUndefined()
  })
  it("parses durations in h/min/s/ms", () => {
    expect(parseDuration("Finished in 05min 55s at (2026-11-25 15:59:06)")).toBe(355)
    expect(parseDuration("Finished in 01h 02min 03s at (x)")).toBe(3723)
    expect(parseDuration("Finished in 00s at (x)")).toBe(0)
    expect(parseDuration("Finished in 250ms at (x)")).toBe(0.25)
  })
})

describe("counterexample rendering (-dumpTrace json)", () => {
  const trace = JSON.parse(fixture("violation.trace.json")) as TlcJsonTrace
  it("shows the initial state in full and then only what changed, with the action and its parameters", () => {
    const text = renderCounterexample(trace)
    expect(text).toContain("State 1: initial state")
    expect(text).toContain("  proposer[0] = b1")
    expect(text).toContain("State 2: UponProposalInPropose(p=c1)")
    expect(text).toContain("  prevotes[0][v1]: + c1")
    expect(text).toContain("  step[c1] = prevote   (was propose)")
    expect(text).toContain("State 7: Decide(p=c2, r=0, v=v2)\n  decision[c2] = v2   (was none)")
    // unchanged variables are not repeated after the initial state
    const afterInit = text.slice(text.indexOf("State 2:"))
    expect(afterInit).not.toContain("proposer[0]")
  })
  it("summarizes the actions on one line", () => {
    expect(summarizeCounterexample(trace)).toBe(
      "2: UponProposalInPropose(p=c1); 3: UponProposalInPrevoteOrCommitAndPrevote(p=c1); 4: Decide(p=c1, r=0, v=v1); 5: UponProposalInPropose(p=c2); 6: UponProposalInPrevoteOrCommitAndPrevote(p=c2); 7: Decide(p=c2, r=0, v=v2)",
    )
  })
})

describe("runner helpers", () => {
  it("reads the expect header of a .cfg and spells expectations like the manifest", () => {
    expect(cfgExpectation("\\* expect: violation Agreement\nCONSTANTS\n")).toBe("violation Agreement")
    expect(cfgExpectation("CONSTANTS\n")).toBeUndefined()
    expect(expectationText({ expect: "pass" })).toBe("pass")
    expect(expectationText({ expect: "violation", invariant: "NoTheft" })).toBe("violation NoTheft")
  })
  it("finds TLC from TLA2TOOLS_JAR or the cache, and explains how to provide it otherwise", () => {
    const none = locateTlc({}, "/nonexistent-home")
    expect("absent" in none && none.absent).toContain("/nonexistent-home/.cache/poai/tla2tools.jar")
    const bad = locateTlc({ TLA2TOOLS_JAR: "/nonexistent/tla2tools.jar" }, "/nonexistent-home")
    expect("absent" in bad && bad.absent).toContain("does not exist")
    const here = locateTlc({ TLA2TOOLS_JAR: path.join(dir, "pass.txt") }, "/nonexistent-home")
    expect("jar" in here && here.from).toBe("TLA2TOOLS_JAR")
    const notice = absentNotice("TLA2TOOLS_JAR is not set", "/home/u")
    expect(notice).toContain("TLC is absent")
    expect(notice).toContain("export TLA2TOOLS_JAR=/path/to/tla2tools.jar")
    expect(notice).toContain("/home/u/.cache/poai/tla2tools.jar")
    expect(notice).toContain("v1.8.0")
  })
  it("builds the TLC command line", () => {
    const args = tlcArgs({ jar: "/j/tla2tools.jar", cwd: "/m", tla: "MC.tla", cfg: "MC.cfg", metadir: "/m/out/states/MC", dumpTrace: "/m/out/MC.json" })
    expect(args).toEqual([
      "-XX:+UseParallelGC",
      "-cp",
      "/j/tla2tools.jar",
      "tlc2.TLC",
      "-workers",
      "auto",
      "-deadlock",
      "-noGenerateSpecTE",
      "-metadir",
      "/m/out/states/MC",
      "-dumpTrace",
      "json",
      "/m/out/MC.json",
      "-config",
      "MC.cfg",
      "MC.tla",
    ])
  })
})
