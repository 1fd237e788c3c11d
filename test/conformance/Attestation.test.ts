// Conformance suite "attestation" (conformance/vectors/attestation/<handler>/, conformance/docs/attestation.md):
// every file passes its JSON Schema (ajv, draft 2020-12), every case gives exactly its expected result
// through the handler's reference implementation, each handler has valid and reject cases, every ATT_*
// code of the implementation's catalogue (read from src) is the verdict of at least one vector, the
// real vendor evidence is there with its provenance, the generator reproduces the committed files byte
// for byte, and the check is able to fail (a corrupted input or a changed expectation is a mismatch).
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { generate } from "../../conformance/generate/attestation.ts"
import { handlers } from "../../src/conformance/suites/attestation.ts"
import { loadSchemas } from "../../src/conformance/Schemas.ts"
import { ConformanceInputError, type CaseResult, type ConformanceCase, type HandlerDef, type Json, type JsonObject } from "../../src/conformance/Types.ts"
import { ATTESTATION_ERROR_CODES } from "../../src/verification/Attestation.ts"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const dir = path.join(root, "conformance", "vectors", "attestation")
const schemas = loadSchemas(root)
const HANDLERS = ["sgx_dcap", "sev_snp", "psa", "sim", "unified"]

const handler = (name: string): HandlerDef => {
  const h = handlers.find((x) => x.handler === name)
  if (h === undefined) throw new Error(`no handler ${name}`)
  return h
}
const filesOf = (name: string): string[] =>
  fs.readdirSync(path.join(dir, name)).filter((f) => f.endsWith(".json")).sort()
const load = (name: string, file: string): Json => JSON.parse(fs.readFileSync(path.join(dir, name, file), "utf8")) as Json
const casesOf = (name: string): Array<{ file: string; c: ConformanceCase; description: string }> =>
  filesOf(name).flatMap((file) => {
    const f = load(name, file) as { cases: Array<{ description?: string }> }
    return handler(name)
      .cases(f as unknown as Json, file.replace(/\.json$/, ""))
      .map((c, i) => ({ file, c, description: f.cases[i]?.description ?? "" }))
  })

/** The runner's comparison: exact JSON equality of output or reject code (CONF-PROTO.4). */
const mismatch = (expected: CaseResult, actual: CaseResult): string | undefined => {
  if ("reject" in expected) return "reject" in actual && actual.reject === expected.reject ? undefined : `expected reject ${expected.reject}, got ${JSON.stringify(actual).slice(0, 200)}`
  if (!("output" in actual)) return `expected an output, got reject ${actual.reject}`
  return JSON.stringify(actual.output) === JSON.stringify(expected.output) ? undefined : `output differs: ${JSON.stringify(actual.output).slice(0, 300)}`
}
const check = async (h: HandlerDef, c: ConformanceCase) => mismatch(c.expected, await h.run(c.input))

describe("attestation vector files", () => {
  it("the suite has exactly the five handlers, each with files and a schema", () => {
    expect(handlers.map((h) => h.handler)).toEqual(HANDLERS)
    expect(fs.readdirSync(dir).sort()).toEqual([...HANDLERS].sort())
    for (const h of HANDLERS) {
      expect(filesOf(h).length, h).toBeGreaterThan(0)
      expect(schemas.has(`attestation/${h}.json`), h).toBe(true)
    }
  })

  it.each(HANDLERS)("%s: every file is valid against its JSON Schema", (h) => {
    for (const f of filesOf(h)) expect(schemas.validate(`attestation/${h}.json`, load(h, f)), `${h}/${f}`).toBeUndefined()
  })

  it("the schemas reject what they must (a missing input field, an unknown code, output and reject together)", () => {
    const f = load("sgx_dcap", "test-keys.json") as { cases: Array<Record<string, unknown>> }
    const first = f.cases[0] as { input: Record<string, unknown> }
    const noEvidence = { ...f, cases: [{ ...first, input: { ...first.input, evidence: undefined } }] }
    expect(schemas.validate("attestation/sgx_dcap.json", JSON.parse(JSON.stringify(noEvidence)))).toBeDefined()
    expect(schemas.validate("attestation/sgx_dcap.json", { ...f, cases: [{ name: "x", input: first.input, reject: "ATT_NOPE" }] })).toBeDefined()
    expect(schemas.validate("attestation/sgx_dcap.json", { ...f, cases: [{ ...first, reject: "ATT_DECODE" }] })).toBeDefined()
    expect(schemas.validate("attestation/sgx_dcap.json", { ...f, cases: [{ ...first, input: { ...first.input, evidence: "0X" } }] })).toBeDefined()
  })
})

describe("attestation vectors through the reference implementation", () => {
  it.each(HANDLERS)("%s: every case gives its expected result; valid and reject cases both present", async (h) => {
    const cases = casesOf(h)
    for (const { file, c } of cases) expect(await check(handler(h), c), `${h}/${file}/${c.name}`).toBeUndefined()
    expect(cases.some(({ c }) => "output" in c.expected), h).toBe(true)
    expect(cases.some(({ c }) => "reject" in c.expected), h).toBe(true)
  }, 60_000)

  it("every ATT_* code of the implementation (ATTESTATION_ERROR_CODES) is the verdict of at least one vector", () => {
    const seen = new Set(HANDLERS.flatMap((h) => casesOf(h).flatMap(({ c }) => ("reject" in c.expected ? [c.expected.reject] : []))))
    for (const code of Object.keys(ATTESTATION_ERROR_CODES)) expect(seen.has(code), code).toBe(true)
    for (const code of seen) expect(Object.keys(ATTESTATION_ERROR_CODES)).toContain(code)
  })

  it("each platform handler has a case per check of the vendor's verification order", () => {
    const names = (h: string) => new Set(casesOf(h).map(({ c }) => c.name))
    const want: Record<string, string[]> = {
      sgx_dcap: ["chain-unconfigured-root", "qe-report-signature", "qe-report-binding-key", "qe-report-binding-reserved", "quote-signature", "debug-enclave", "v3-old-tcb-not-judged", "measurement-not-approved", "binding-mismatch", "truncated", "trailing-nonzero", "wrong-version-2", "tdx-quote-v4", "pem-non-canonical-base64", "v3-zero-padding"],
      sev_snp: ["chain-unconfigured-ark", "signature-tampered", "debug-policy", "policy-not-approved", "measurement-not-approved", "binding-mismatch", "raw-report-truncated", "raw-report-trailing-nonzero", "wrong-version-4", "raw-report-vcek-ask", "raw-report-cert-table", "raw-report-zero-padding", "real-milan-debug-policy"],
      psa: ["unknown-iak", "signature-other-key", "debug-lifecycle", "client-id-not-approved", "measurement-not-approved", "binding-mismatch", "truncated", "trailing-nonzero", "wrong-profile", "zero-padding"],
      sim: ["unknown-root", "certificate-signature", "report-signature", "measurement-not-approved", "binding-mismatch", "truncated", "trailing-zero"],
    }
    for (const [h, list] of Object.entries(want)) for (const n of list) expect(names(h).has(n), `${h}/${n}`).toBe(true)
  })

  it("real vendor evidence is included, with its provenance in the description", () => {
    const real = [...casesOf("sgx_dcap"), ...casesOf("sev_snp")].filter(({ c }) => c.name.startsWith("real-") || c.name === "tdx-quote-v4")
    expect(real.length).toBeGreaterThanOrEqual(10)
    for (const { c, description } of real) expect(description, c.name).toMatch(/Provenance: .*(Apache-2\.0|MIT)/)
  })
})

describe("the check can fail", () => {
  const sgx = handler("sgx_dcap")
  const valid = casesOf("sgx_dcap").find(({ c }) => c.name === "v3-valid")?.c as ConformanceCase
  const input = valid.input as JsonObject

  it("a corrupted evidence byte is detected as a mismatch", async () => {
    const ev = input.evidence as string
    const i = 2 * (48 + 64) // a byte of MRENCLAVE
    const corrupted = { ...input, evidence: `${ev.slice(0, i)}${(Number.parseInt(ev.slice(i, i + 2), 16) ^ 1).toString(16).padStart(2, "0")}${ev.slice(i + 2)}` }
    expect(await check(sgx, { ...valid, input: corrupted })).toMatch(/expected an output, got reject ATT_BAD_SIGNATURE/)
  })

  it("a changed expected output or reject code is detected", async () => {
    const out = (valid.expected as { output: JsonObject }).output
    expect(await check(sgx, { ...valid, expected: { output: { ...out, padding: 1 } } })).toMatch(/output differs/)
    const rej = casesOf("unified").find(({ c }) => c.name === "stale-nonce")?.c as ConformanceCase
    expect(await check(handler("unified"), rej)).toBeUndefined()
    expect(await check(handler("unified"), { ...rej, expected: { reject: "ATT_CLAIM_MISMATCH" } })).toMatch(/expected reject ATT_CLAIM_MISMATCH, got .*ATT_STALE/)
  })

  it("malformed inputs are ConformanceInputError, not a verdict", () => {
    expect(() => sgx.run({ ...input, evidence: "0x00" })).toThrow(ConformanceInputError)
    expect(() => sgx.run({ ...input, roots: ["not pem"] })).toThrow(ConformanceInputError)
    expect(() => sgx.run({ ...input, verification_time: "yesterday" })).toThrow(ConformanceInputError)
    expect(() => sgx.run({ ...input, cert_table: "00" })).toThrow(ConformanceInputError)
    expect(() => handler("psa").run(input)).toThrow(ConformanceInputError) // a certificate is no IAK
  })
})

describe("generator", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "poai-att-vectors-"))
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))
  it("regenerates the committed files byte for byte (deterministic, test keys from fixed seeds)", async () => {
    await generate(tmp)
    for (const h of HANDLERS) {
      expect(fs.readdirSync(path.join(tmp, "attestation", h)).sort(), h).toEqual(filesOf(h))
      for (const f of filesOf(h))
        expect(fs.readFileSync(path.join(tmp, "attestation", h, f), "utf8") === fs.readFileSync(path.join(dir, h, f), "utf8"), `${h}/${f}`).toBe(true)
    }
  }, 120_000)
})
