// Conformance suite "training_verification" (conformance/docs/training_verification.md; VER-TRAIN.6..12):
// the vector files match their schemas, cite the tolerance policy file as it is, every case gives its
// expected result when run through the handler (metrics within the stated allowed error, verdict exact),
// the comparison detects a corrupted case, and the generator reproduces the files byte for byte.
import { Ajv2020 } from "ajv/dist/2020.js"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { handlers } from "../../src/conformance/suites/training_verification.ts"
import { ConformanceInputError, type CaseResult, type HandlerDef, type Json, type JsonObject } from "../../src/conformance/Types.ts"
import { PRECISION_CLASSES, TOLERANCE, TOLERANCE_POLICY_PATH } from "../../src/ml/Training.ts"
import { generate } from "../../conformance/generate/training_verification.ts"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const SUITE = "training_verification"
const VECTORS = path.join(ROOT, "conformance", "vectors", SUITE)
const SCHEMAS = path.join(ROOT, "conformance", "schema", SUITE)

const filesOf = (handler: string): string[] =>
  fs.readdirSync(path.join(VECTORS, handler)).filter((f) => f.endsWith(".json")).sort()
const load = (handler: string, file: string): Json => JSON.parse(fs.readFileSync(path.join(VECTORS, handler, file), "utf8"))
const byName = (name: string): HandlerDef => handlers.find((h) => h.handler === name) as HandlerDef

const check = async (h: HandlerDef, input: Json, expected: CaseResult): Promise<string | undefined> => {
  const actual = await h.run(input)
  if (h.compare) return h.compare(expected, actual, input)
  return JSON.stringify(actual) === JSON.stringify(expected) ? undefined : `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`
}

describe("training_verification vector files", () => {
  it("the handlers are metrics and update_check, each with a schema and vector files", () => {
    expect(handlers.map((h) => h.handler).sort()).toEqual(["metrics", "update_check"])
    expect(fs.readdirSync(VECTORS).sort()).toEqual(["metrics", "update_check"])
    expect(filesOf("metrics")).toEqual(["allowance-and-naming.json", "at-bound.json", "bf16.json", "fp16.json", "fp32.json", "invalid.json", "tf32.json"])
    expect(filesOf("update_check")).toEqual(["bf16.json", "fp16.json", "fp32-cross-backend.json", "fp32-same-backend.json", "invalid.json", "tf32.json"])
  })

  it.each(["metrics", "update_check"])("%s: every file validates against conformance/schema/training_verification/%s.json (ajv, draft 2020-12)", (handler) => {
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMAS, `${handler}.json`), "utf8"))
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema")
    expect(schema.$id).toBe(`https://poai.dev/conformance/schema/${SUITE}/${handler}.json`)
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, validateFormats: false })
    const validate = ajv.compile(schema)
    for (const f of filesOf(handler)) {
      const ok = validate(load(handler, f))
      expect(ok ? [] : validate.errors, `${handler}/${f}`).toEqual([])
    }
    // and the schema is not vacuous: a case without output or reject, an unknown field, a bad code fail
    const file = load(handler, filesOf(handler)[0] as string) as JsonObject
    const c0 = (file["cases"] as JsonObject[])[0] as JsonObject
    const broken = (c: JsonObject) => ({ ...file, cases: [c] })
    expect(validate(broken({ name: "x", input: c0["input"] as Json }))).toBe(false)
    expect(validate(broken({ ...c0, extra: 1 }))).toBe(false)
    expect(validate(broken({ name: "x", input: c0["input"] as Json, reject: "TRAIN_NOPE" }))).toBe(false)
  })

  it("every case cites the policy file by path and current SHA-256, with its class's thresholds as TOLERANCE loads them", () => {
    const sha = createHash("sha256").update(fs.readFileSync(path.join(ROOT, TOLERANCE_POLICY_PATH))).digest("hex")
    const classes = new Set<string>()
    for (const handler of ["metrics", "update_check"])
      for (const f of filesOf(handler))
        for (const c of (load(handler, f) as JsonObject)["cases"] as JsonObject[]) {
          const p = (c["input"] as JsonObject)["policy"] as JsonObject
          expect(p["path"]).toBe(TOLERANCE_POLICY_PATH)
          expect(p["sha256"], `${handler}/${f}/${String(c["name"])}`).toBe(sha)
          const cls = p["class"] as (typeof PRECISION_CLASSES)[number]
          classes.add(cls)
          // only the at-bound boundary file modifies thresholds, and says so
          expect(p["modified"] === true, `${handler}/${f}/${String(c["name"])}`).toBe(f === "at-bound.json")
          if (p["modified"] !== true) expect(p["thresholds"]).toEqual(TOLERANCE[cls])
        }
    // every precision class of the policy appears in the vectors
    expect([...classes].sort()).toEqual([...PRECISION_CLASSES].sort())
  })

  it("each handler has accepted, rejected-by-verdict and refused (reject) cases; update_check records the producing device and backend", () => {
    for (const h of handlers) {
      const all = filesOf(h.handler).flatMap((f) => h.cases(load(h.handler, f), f))
      expect(all.filter((c) => "output" in c.expected && (c.expected.output as JsonObject)["ok"] === true).length, h.handler).toBeGreaterThan(0)
      expect(all.filter((c) => "output" in c.expected && (c.expected.output as JsonObject)["ok"] === false).length, h.handler).toBeGreaterThan(0)
      expect(all.filter((c) => "reject" in c.expected).length, h.handler).toBeGreaterThan(0)
    }
    const backends = new Set<string>()
    for (const f of filesOf("update_check"))
      for (const c of (load("update_check", f) as JsonObject)["cases"] as JsonObject[])
        backends.add(String(((c["input"] as JsonObject)["producedBy"] as JsonObject)["backend"]))
    expect([...backends].some((b) => b.includes("cpu"))).toBe(true)
    expect([...backends].some((b) => b.includes("wasm"))).toBe(true)
  })
})

describe.each(["metrics", "update_check"])("training_verification/%s: every case through the handler", (handler) => {
  const h = byName(handler)
  it.each(filesOf(handler))("%s", async (f) => {
    const cases = h.cases(load(handler, f), f)
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length)
    for (const c of cases) expect(await check(h, c.input, c.expected), `${handler}/${f}/${c.name}`).toBeUndefined()
  })
})

describe("training_verification: the comparison can fail", () => {
  const f32At = (hexStr: string, i: number, v: number): string => {
    const b = Buffer.from(hexStr, "hex")
    b.writeFloatLE(v, i * 4)
    return b.toString("hex")
  }

  it("a corrupted claimed value, a flipped verdict, a shifted metric and a changed code are each detected", async () => {
    const h = byName("update_check")
    const file = load("update_check", "fp32-cross-backend.json")
    const honest = h.cases(file, "fp32-cross-backend.json").find((c) => c.name === "honest-mlp-lr0.1")!
    expect(await check(h, honest.input, honest.expected)).toBeUndefined()
    // one claimed parameter changed
    const claimed = (honest.input as JsonObject)["claimed"] as string
    const b = Buffer.from(claimed, "hex")
    const changed = { ...(honest.input as JsonObject), claimed: f32At(claimed, 7, b.readFloatLE(7 * 4) + 0.01) }
    expect(await check(h, changed, honest.expected)).toMatch(/^ok: expected true, got false/)
    // the expected verdict flipped
    const out = (honest.expected as { output: JsonObject }).output
    expect(await check(h, honest.input, { output: { ...out, ok: false, code: "TRAIN_UPDATE_MISMATCH" } })).toMatch(/^ok:/)
    // a metric off by more than its allowed error
    const metrics = out["metrics"] as JsonObject
    expect(await check(h, honest.input, { output: { ...out, metrics: { ...metrics, relL2: (metrics["relL2"] as number) + 1e-6 } } })).toMatch(/^metrics\.relL2/)
    // within the allowed error it passes
    expect(await check(h, honest.input, { output: { ...out, metrics: { ...metrics, relL2: (metrics["relL2"] as number) + 1e-8 } } })).toBeUndefined()
    // a replay expected as a plain mismatch
    const replay = h.cases(file, "fp32-cross-backend.json").find((c) => c.name === "replayed-previous-update")!
    const rout = (replay.expected as { output: JsonObject }).output
    expect(await check(h, replay.input, { output: { ...rout, code: "TRAIN_UPDATE_MISMATCH" } })).toMatch(/^code:/)
  })

  it("a refused input expected with another code, and the metrics handler on a corrupted recomputed value", async () => {
    const u = byName("update_check")
    const inv = u.cases(load("update_check", "invalid.json"), "invalid.json").find((c) => c.name === "lr-zero")!
    expect(await check(u, inv.input, { reject: "TRAIN_BAD_SHAPE" })).toMatch(/expected reject TRAIN_BAD_SHAPE, got reject TRAIN_BAD_TASK/)
    const m = byName("metrics")
    const inside = m.cases(load("metrics", "fp32.json"), "fp32.json").find((c) => c.name === "relL2-just-inside")!
    expect(await check(m, inside.input, inside.expected)).toBeUndefined()
    const rec = (inside.input as JsonObject)["recomputed"] as string
    const bad = { ...(inside.input as JsonObject), recomputed: f32At(rec, 3, Buffer.from(rec, "hex").readFloatLE(12) * 1.001) }
    expect(await check(m, bad, inside.expected)).toBeDefined()
  })

  it("a violation listed on the other side is tolerated only within the allowed error of the bound", async () => {
    const m = byName("metrics")
    const c = m.cases(load("metrics", "fp32.json"), "fp32.json").find((x) => x.name === "relL2-just-inside")!
    const out = (c.expected as { output: JsonObject }).output
    // relL2 sits 1 % below its bound, far more than the allowed error (1e-12): listing it is a difference
    expect(await check(m, c.input, { output: { ...out, ok: false, code: "TRAIN_UPDATE_MISMATCH", violations: ["relL2"] } })).toBeDefined()
    expect(m.compare!(c.expected, { output: { ...out, violations: ["relL2"] } }, c.input)).toMatch(/^violations/)
  })
})

describe("malformed input is a typed error (ConformanceInputError), never a crash", () => {
  it.each(handlers.map((h) => [h.handler, h] as const))("%s", async (_n, h) => {
    for (const bad of [null, {}, [], 1, "x", { policy: null }, { policy: { thresholds: null } }] as Json[])
      await expect(Promise.resolve().then(() => h.run(bad)), JSON.stringify(bad)).rejects.toBeInstanceOf(ConformanceInputError)
  })
})

describe("training_verification generator", () => {
  it("regenerates the committed files byte for byte (deterministic)", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "poai-tv-"))
    try {
      await generate(tmp)
      for (const handler of ["metrics", "update_check"]) {
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
