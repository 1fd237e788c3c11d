// Conformance: the quality and economics handlers of the state_transition suite (committee_selection,
// audit_selection, trimmed_mean, yuma, quality, economics). Every vector file validates against its
// JSON Schema, every case's input run through the handler gives the expected result, the generator
// reproduces the committed files byte for byte, and the check is shown able to fail.
import { Ajv2020 } from "ajv/dist/2020.js"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { generate } from "../../conformance/generate/state_transition_quality.ts"
import { findHandler } from "../../src/conformance/Registry.ts"
import { handlers } from "../../src/conformance/suites/state_transition_quality.ts"
import { ConformanceInputError, type CaseResult, type ConformanceCase, type HandlerDef, type Json, type JsonObject } from "../../src/conformance/Types.ts"

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const VECTORS = path.join(ROOT, "conformance", "vectors", "state_transition")
const SCHEMAS = path.join(ROOT, "conformance", "schema", "state_transition")
const NAMES = ["committee_selection", "audit_selection", "trimmed_mean", "yuma", "quality", "economics"] as const
type Name = (typeof NAMES)[number]

const handler = (name: Name): HandlerDef => {
  const h = handlers.find((x) => x.handler === name)
  if (h === undefined) throw new Error(`no handler ${name}`)
  return h
}
const files = (name: Name): string[] =>
  fs.existsSync(path.join(VECTORS, name)) ? fs.readdirSync(path.join(VECTORS, name)).filter((f) => f.endsWith(".json")).sort() : []
const readFile = (name: Name, f: string): Json => JSON.parse(fs.readFileSync(path.join(VECTORS, name, f), "utf8")) as Json
const schemaOf = (name: Name): object => JSON.parse(fs.readFileSync(path.join(SCHEMAS, `${name}.json`), "utf8")) as object
const casesOf = (name: Name): Array<ConformanceCase & { file: string }> =>
  files(name).flatMap((f) => handler(name).cases(readFile(name, f), f).map((c) => ({ ...c, file: f })))

/** The runner's comparison (CONF-PROTO.4): exact JSON equality of output or reject code. */
const mismatch = (h: HandlerDef, expected: CaseResult, actual: CaseResult, input: Json): string | undefined => {
  if (h.compare !== undefined) return h.compare(expected, actual, input)
  return JSON.stringify(canon(expected)) === JSON.stringify(canon(actual)) ? undefined : `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`
}
const canon = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(canon) : v !== null && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v
const runCase = async (h: HandlerDef, c: ConformanceCase): Promise<string | undefined> => {
  let actual: CaseResult
  try {
    actual = await h.run(c.input)
  } catch (e) {
    return `threw ${(e as Error).message}`
  }
  return mismatch(h, c.expected, actual, c.input)
}
const find = (name: Name, caseName: string): ConformanceCase => {
  const c = casesOf(name).find((x) => x.name === caseName)
  if (c === undefined) throw new Error(`no case ${name}/${caseName}`)
  return c
}
const withInput = (c: ConformanceCase, patch: (i: JsonObject) => JsonObject): ConformanceCase => ({ ...c, input: patch(c.input as JsonObject) })
const flipHex = (s: string, at = 0): string => s.slice(0, at) + (s[at] === "0" ? "1" : "0") + s.slice(at + 1)

describe("state_transition quality handlers: files and schemas", () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true })
  const compile = (n: Name) => ajv.getSchema(`https://poai.dev/conformance/schema/state_transition/${n}.json`) ?? ajv.compile(schemaOf(n))

  it("the six handlers are registered in the suite (Registry) with their spec IDs", () => {
    for (const n of NAMES) {
      expect(findHandler("state_transition", n), n).toBe(handler(n))
      expect(handler(n).spec.length, n).toBeGreaterThan(0)
    }
  })

  it.each(NAMES)("%s: each schema is draft 2020-12 with its $id, and every file validates", (n) => {
    const schema = schemaOf(n) as { $schema: string; $id: string }
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema")
    expect(schema.$id).toBe(`https://poai.dev/conformance/schema/state_transition/${n}.json`)
    const validate = compile(n)
    expect(files(n)).toEqual(["invalid.json", "valid.json"])
    for (const f of files(n)) {
      const ok = validate(readFile(n, f))
      expect(ok, `${n}/${f}: ${JSON.stringify(validate.errors)}`).toBe(true)
      const file = readFile(n, f) as JsonObject
      expect([file["suite"], file["handler"]]).toEqual(["state_transition", n])
      expect(file["spec"]).toEqual([...handler(n).spec])
    }
  })

  it.each(NAMES)("%s: at least one valid and one reject case, unique names, valid.json holds outputs and invalid.json rejects", (n) => {
    const cs = casesOf(n)
    expect(cs.some((c) => "output" in c.expected)).toBe(true)
    expect(cs.some((c) => "reject" in c.expected)).toBe(true)
    expect(new Set(cs.map((c) => c.name)).size).toBe(cs.length)
    for (const c of cs) expect("reject" in c.expected, `${n}/${c.file}/${c.name}`).toBe(c.file === "invalid.json")
  })

  it("the schemas catch a malformed file: uppercase hex, an extra field, a reject code that is not the handler's", () => {
    const v = compile("committee_selection")
    const f = readFile("committee_selection", "valid.json") as { cases: Array<{ input: JsonObject }> }
    const up = structuredClone(f) as { cases: Array<{ input: Record<string, Json> }> }
    up.cases[0]!.input["beacon"] = (up.cases[0]!.input["beacon"] as string).toUpperCase()
    expect(v(up)).toBe(false)
    const extra = structuredClone(f) as { cases: Array<{ input: Record<string, Json> }> }
    extra.cases[0]!.input["extra"] = 1
    expect(v(extra)).toBe(false)
    const e = compile("economics")
    const bad = structuredClone(readFile("economics", "invalid.json")) as { cases: Array<Record<string, Json>> }
    bad.cases[0]!["reject"] = "COMMITTEE_EMPTY"
    expect(e(bad)).toBe(false)
  })
})

describe("state_transition quality handlers: every case through handler.run", () => {
  it.each(NAMES)("%s: every case gives the expected result", async (n) => {
    const cs = casesOf(n)
    expect(cs.length).toBeGreaterThan(0)
    for (const c of cs) expect(await runCase(handler(n), c), `${n}/${c.file}/${c.name}`).toBeUndefined()
  })

  it("the generator reproduces the committed files byte for byte (deterministic)", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "poai-stq-"))
    try {
      await generate(tmp)
      for (const n of NAMES) {
        expect(fs.readdirSync(path.join(tmp, "state_transition", n)).sort(), n).toEqual(files(n))
        for (const f of files(n))
          expect(fs.readFileSync(path.join(tmp, "state_transition", n, f), "utf8"), `${n}/${f}`).toBe(fs.readFileSync(path.join(VECTORS, n, f), "utf8"))
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  })
})

describe("state_transition quality handlers: the check can fail", () => {
  const fails = async (n: Name, c: ConformanceCase) => expect(await runCase(handler(n), c), `${n}/${c.name} should mismatch`).toBeDefined()

  it("a corrupted input byte or value is detected (one case per handler)", async () => {
    await fails("committee_selection", withInput(find("committee_selection", "six-stakers-worker-excluded"), (i) => ({ ...i, beacon: flipHex(i["beacon"] as string) })))
    await fails("committee_selection", withInput(find("committee_selection", "six-stakers-worker-excluded"), (i) => ({ ...i, worker: null })))
    await fails("audit_selection", withInput(find("audit_selection", "p-just-above-draw"), (i) => ({ ...i, auditPpm: (i["auditPpm"] as number) - 1 })))
    await fails("audit_selection", withInput(find("audit_selection", "default-p-selected"), (i) => ({ ...i, workId: flipHex(i["workId"] as string, 5) })))
    await fails("trimmed_mean", withInput(find("trimmed_mean", "spec-example"), (i) => ({ ...i, trimPpm: 100_000 })))
    await fails("yuma", withInput(find("yuma", "support-exactly-kappa"), (i) => ({ ...i, kappaPpm: 500_001 })))
    await fails("quality", withInput(find("quality", "attested-with-quorum"), (i) => ({ ...i, computeUnits: 2000 })))
    await fails("economics", withInput(find("economics", "min-audit-p-example"), (i) => ({ ...i, pPpm: 90_909 })))
  })

  it("a wrong expected output or a flipped reject code is detected", async () => {
    const c = find("trimmed_mean", "spec-example")
    const out = (c.expected as { output: JsonObject }).output
    await fails("trimmed_mean", { ...c, expected: { output: { ...out, consensus: { ...(out["consensus"] as JsonObject), correctness: 366 } } } })
    await fails("committee_selection", { ...find("committee_selection", "no-candidates"), expected: { reject: "COMMITTEE_BAD_INPUT" } })
    await fails("economics", { ...find("economics", "p-above-one"), expected: { output: null } })
    await fails("quality", { ...find("quality", "zero-compute-units"), expected: { reject: "GENESIS_MISMATCH" } })
  })

  it("malformed input is a ConformanceInputError (protocol error), never a reject or a crash", () => {
    const bad: Array<[Name, Json]> = [
      ["committee_selection", { beacon: "zz", claimId: "", seats: 1, worker: null, candidates: [] }],
      ["committee_selection", { beacon: "", claimId: "", seats: 1, worker: null, candidates: [{ pubKey: "00".repeat(32), stake: "-1" }] }],
      ["audit_selection", { beacon: "00".repeat(32), workId: "00".repeat(32), auditPpm: 1, worker: "00".repeat(32), validators: [{ key: "11".repeat(32), stake: "9007199254740992" }] }],
      ["trimmed_mean", { trimPpm: 0, reveals: [] }],
      ["yuma", { kappaPpm: 1, reveals: [{ evaluator: "00".repeat(32), weight: 0, scores: { correctness: 0, utility: 0, novelty: 0 } }] }],
      ["quality", { computeUnits: 1 }],
      ["economics", { pPpm: 1, reward: -1, penalty: 0, cost: 0 }],
      ["economics", null],
    ]
    for (const [n, input] of bad) expect(() => handler(n).run(input), `${n} ${JSON.stringify(input)}`).toThrow(ConformanceInputError)
  })
})
