// Conformance suite "inference_verification" (conformance/docs/inference_verification.md; VER-INF.5..12):
// the vector files match their schemas, every case gives its expected result (exact JSON equality) when
// run through its handler, a corrupted case is detected, and the generator reproduces the files.
import { Ajv2020 } from "ajv/dist/2020.js"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { handlers } from "../../src/conformance/suites/inference_verification.ts"
import { ConformanceInputError, type CaseResult, type HandlerDef, type Json, type JsonObject } from "../../src/conformance/Types.ts"
import { generate } from "../../conformance/generate/inference_verification.ts"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const SUITE = "inference_verification"
const VECTORS = path.join(ROOT, "conformance", "vectors", SUITE)
const SCHEMAS = path.join(ROOT, "conformance", "schema", SUITE)
const HANDLERS = ["canary_check", "canary_placement", "compare_logits", "consistency", "spot_check", "spot_check_sample"]
/** Handlers whose implementation has reject codes (the samplers have none). */
const WITH_REJECTS = ["canary_check", "compare_logits", "consistency", "spot_check"]

const filesOf = (handler: string): string[] => fs.readdirSync(path.join(VECTORS, handler)).filter((f) => f.endsWith(".json")).sort()
const load = (handler: string, file: string): Json => JSON.parse(fs.readFileSync(path.join(VECTORS, handler, file), "utf8"))
const byName = (name: string): HandlerDef => handlers.find((h) => h.handler === name) as HandlerDef
const casesOf = (handler: string) => filesOf(handler).flatMap((f) => byName(handler).cases(load(handler, f), f))
const caseNamed = (handler: string, name: string) => casesOf(handler).find((c) => c.name === name)!

const check = async (h: HandlerDef, input: Json, expected: CaseResult): Promise<string | undefined> => {
  const actual = await h.run(input)
  return JSON.stringify(actual) === JSON.stringify(expected) ? undefined : `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`
}

describe("inference_verification vector files", () => {
  it("six handlers, each with a schema and at least one vector file", () => {
    expect(handlers.map((h) => h.handler).sort()).toEqual(HANDLERS)
    expect(fs.readdirSync(VECTORS).sort()).toEqual(HANDLERS)
    for (const h of HANDLERS) expect(filesOf(h).length, h).toBeGreaterThan(0)
  })

  it.each(HANDLERS)("%s: every file validates against its schema (ajv, draft 2020-12), and the schema rejects a broken case", (handler) => {
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMAS, `${handler}.json`), "utf8"))
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema")
    expect(schema.$id).toBe(`https://poai.dev/conformance/schema/${SUITE}/${handler}.json`)
    const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, validateFormats: false }).compile(schema)
    for (const f of filesOf(handler)) {
      const ok = validate(load(handler, f))
      expect(ok ? [] : validate.errors, `${handler}/${f}`).toEqual([])
    }
    const file = load(handler, filesOf(handler)[0] as string) as JsonObject
    const c0 = (file["cases"] as JsonObject[])[0] as JsonObject
    expect(validate({ ...file, cases: [{ ...c0, extra: true }] })).toBe(false)
    expect(validate({ ...file, cases: [{ name: "x", input: c0["input"] as Json }] })).toBe(false)
    expect(validate({ ...file, cases: [{ ...c0, input: { ...(c0["input"] as JsonObject), unknown: 1 } }] })).toBe(false)
  })

  it("each handler has valid cases, verdict failures where the handler has verdicts, and reject cases where rejects exist", () => {
    for (const h of HANDLERS) {
      const all = casesOf(h)
      expect(all.some((c) => "output" in c.expected), h).toBe(true)
      if (WITH_REJECTS.includes(h)) expect(all.some((c) => "reject" in c.expected), h).toBe(true)
    }
    for (const h of ["spot_check", "consistency", "canary_check"]) {
      expect(casesOf(h).some((c) => "output" in c.expected && (c.expected.output as JsonObject)["ok"] === true), h).toBe(true)
      expect(casesOf(h).some((c) => "output" in c.expected && (c.expected.output as JsonObject)["ok"] === false), h).toBe(true)
    }
  })
})

describe.each(HANDLERS)("inference_verification/%s: every case through the handler", (handler) => {
  const h = byName(handler)
  it.each(filesOf(handler))("%s", async (f) => {
    const cases = h.cases(load(handler, f), f)
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length)
    for (const c of cases) expect(await check(h, c.input, c.expected), `${handler}/${f}/${c.name}`).toBeUndefined()
  })
})

describe("inference_verification: the comparison can fail", () => {
  it("spot_check_sample: a seed byte changed gives another sample; an index shifted by one is a difference", async () => {
    const c = caseNamed("spot_check_sample", "n32-k4")
    const seed = (c.input as JsonObject)["seed"] as string
    const flipped = { ...(c.input as JsonObject), seed: `${seed.slice(0, -2)}${seed.endsWith("00") ? "01" : "00"}` }
    expect(await check(byName("spot_check_sample"), flipped, c.expected)).toBeDefined()
    const idx = ((c.expected as { output: JsonObject }).output["indices"] as number[]).map((i) => (i + 1) % 32)
    expect(await check(byName("spot_check_sample"), c.input, { output: { indices: idx } })).toBeDefined()
  })

  it("compare_logits: the just-outside claim expected to match, and the just-inside claim moved one float32 further, are differences", async () => {
    const h = byName("compare_logits")
    const out = caseNamed("compare_logits", "tau-just-outside-logit0-up")
    expect(await check(h, out.input, { output: { match: true, exact: false } })).toBeDefined()
    const inside = caseNamed("compare_logits", "tau-just-inside-logit0-up")
    const b = Buffer.from((inside.input as JsonObject)["claimed"] as string, "hex")
    b.writeUInt32LE(b.readUInt32LE(0) + 1, 0) // one ulp further from r = 2.5
    expect(await check(h, { ...(inside.input as JsonObject), claimed: b.toString("hex") }, inside.expected)).toMatch(/"match":false/)
  })

  it("spot_check, consistency, canary_check: a corrupted claim byte or a flipped expected code is detected", async () => {
    const sc = caseNamed("spot_check", "honest-wasm-tolerance")
    const claim = (sc.input as JsonObject)["claim"] as string
    // the last byte is the high byte of the last logit: flip its sign bit
    const last = parseInt(claim.slice(-2), 16) ^ 0x80
    expect(await check(byName("spot_check"), { ...(sc.input as JsonObject), claim: claim.slice(0, -2) + last.toString(16).padStart(2, "0") }, sc.expected)).toBeDefined()
    const cs = caseNamed("consistency", "same-variant-one-ulp")
    expect(await check(byName("consistency"), cs.input, { output: { ok: false, code: "INF_MISMATCH", item: 7 } })).toBeDefined()
    const cc = caseNamed("canary_check", "one-item-wrong")
    expect(await check(byName("canary_check"), cc.input, { output: { ok: false, code: "INF_CANARY_FAILED", item: 4 } })).toBeDefined()
    const rj = caseNamed("spot_check", "model-hash-mismatch")
    expect(await check(byName("spot_check"), rj.input, { reject: "INF_BAD_TASK" })).toBeDefined()
  })
})

describe("malformed input is a typed error (ConformanceInputError), never a crash", () => {
  it.each(handlers.map((h) => [h.handler, h] as const))("%s", async (_n, h) => {
    for (const bad of [null, {}, [], 1, "x", { policy: null }, { policy: { thresholds: null } }] as Json[])
      await expect(Promise.resolve().then(() => h.run(bad)), JSON.stringify(bad)).rejects.toBeInstanceOf(ConformanceInputError)
  })
})

describe("inference_verification generator", () => {
  it("regenerates the committed files byte for byte (deterministic)", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "poai-iv-"))
    try {
      await generate(tmp)
      for (const handler of HANDLERS) {
        const got = fs.readdirSync(path.join(tmp, SUITE, handler)).sort()
        expect(got).toEqual(filesOf(handler))
        for (const f of got)
          expect(fs.readFileSync(path.join(tmp, SUITE, handler, f), "utf8") === fs.readFileSync(path.join(VECTORS, handler, f), "utf8"), `${handler}/${f}`).toBe(true)
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  })
})
