// spec: CONF-SUITE.1..4 (conformance/README.md); ENC-*, CRYPTO-2..3, WORK-CR.1/4, VER-EXT.* through the handlers
// The wire suites as the conformance runner sees them: every vector file of the encoding, signing,
// hashing and extraction handlers validates against its JSON Schema (ajv, draft 2020-12), every case
// that `cases(file)` extracts is recomputed from its input by the handler's `run` (the reference
// implementation) and must equal the expected result exactly, and a wrong vector is detected.
import { Ajv2020 } from "ajv/dist/2020.js"
import * as fs from "node:fs"
import * as path from "node:path"
import { isDeepStrictEqual } from "node:util"
import { describe, expect, it } from "vitest"
import { Codecs } from "../../src/codec/index.ts"
import { handlers as encoding } from "../../src/conformance/suites/encoding.ts"
import { handlers as extraction } from "../../src/conformance/suites/extraction.ts"
import { handlers as hashing } from "../../src/conformance/suites/hashing.ts"
import { handlers as signing } from "../../src/conformance/suites/signing.ts"
import type { CaseResult, ConformanceCase, HandlerDef, Json } from "../../src/conformance/Types.ts"

const ROOT = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", "conformance")
const HANDLERS: ReadonlyArray<HandlerDef> = [...encoding, ...signing, ...hashing, ...extraction]

/** The files each handler folder must hold (independent of the generator). */
const EXPECTED_FILES: Readonly<Record<string, ReadonlyArray<string>>> = {
  "encoding/canonical": Object.keys(Codecs).map((n) => `${n}.json`),
  "encoding/cbor": ["strict_decode.json"],
  "signing/ed25519": ["AuditReport", "ProposalHeader", "ScoreCommitment", "ScoreReveal", "Transfer", "Vote", "WorkCommitment", "WorkReveal"].map((n) => `${n}.json`),
  "signing/bls12_381": ["BeaconEntry.json"],
  "hashing/work_commitment": ["workCommitment.json"],
  "hashing/work_id": ["workId.json"],
  "extraction/pipeline": ["pipeline.json"],
  "extraction/merkle": ["merkle.json"],
  "extraction/verification": ["verification.json"],
}
/** Handlers whose operations can reject (the others answer booleans for bad signatures, proofs, openings). */
const REJECTING = new Set(["encoding/canonical", "encoding/cbor", "extraction/pipeline", "extraction/verification"])

const key = (h: HandlerDef) => `${h.suite}/${h.handler}`
const dirOf = (h: HandlerDef) => path.join(ROOT, "vectors", h.suite, h.handler)
const files = (h: HandlerDef) => fs.readdirSync(dirOf(h)).filter((f) => f.endsWith(".json")).sort()
const readJson = (p: string): Json => JSON.parse(fs.readFileSync(p, "utf8")) as Json
const casesOf = (h: HandlerDef, f: string): ReadonlyArray<ConformanceCase> => h.cases(readJson(path.join(dirOf(h), f)), f)

/** undefined when `actual` is the expected result (the handler's compare, else exact JSON equality). */
const mismatch = (h: HandlerDef, c: ConformanceCase, actual: CaseResult): string | undefined =>
  h.compare !== undefined
    ? h.compare(c.expected, actual, c.input)
    : isDeepStrictEqual(JSON.parse(JSON.stringify(actual)), c.expected)
      ? undefined
      : `expected ${JSON.stringify(c.expected).slice(0, 300)}, got ${JSON.stringify(actual).slice(0, 300)}`

const ajv = new Ajv2020({ allErrors: true, strict: true })

describe("wire suites: files, schemas and handler registration", () => {
  it("each handler folder holds exactly its expected files", () => {
    expect(HANDLERS.map(key).sort()).toEqual(Object.keys(EXPECTED_FILES).sort())
    for (const h of HANDLERS) expect(files(h), key(h)).toEqual([...(EXPECTED_FILES[key(h)] ?? [])].sort())
  })

  it.each(HANDLERS.map((h) => [key(h), h] as const))("%s: every file validates against conformance/schema/<suite>/<handler>.json", (_k, h) => {
    const schema = readJson(path.join(ROOT, "schema", h.suite, `${h.handler}.json`)) as Record<string, unknown>
    expect(schema["$schema"]).toBe("https://json-schema.org/draft/2020-12/schema")
    expect(schema["$id"]).toBe(`https://poai.dev/conformance/schema/${h.suite}/${h.handler}.json`)
    const validate = ajv.getSchema(schema["$id"] as string) ?? ajv.compile(schema)
    for (const f of files(h)) {
      const ok = validate(readJson(path.join(dirOf(h), f)))
      expect(ok ? "valid" : JSON.stringify(validate.errors?.slice(0, 3)), `${key(h)}/${f}`).toBe("valid")
    }
  })

  it.each(HANDLERS.map((h) => [key(h), h] as const))("%s: unique case names, >= 1 output case, >= 1 reject case where it can reject", (_k, h) => {
    let outputs = 0
    let rejects = 0
    for (const f of files(h)) {
      const cs = casesOf(h, f)
      expect(cs.length, f).toBeGreaterThan(0)
      expect(new Set(cs.map((c) => c.name)).size, `${f}: duplicate case names`).toBe(cs.length)
      for (const c of cs) if ("reject" in c.expected) rejects++
      else outputs++
    }
    expect(outputs).toBeGreaterThan(0)
    if (REJECTING.has(key(h))) expect(rejects).toBeGreaterThan(0)
    else expect(rejects).toBe(0)
  })
})

describe.each(HANDLERS.map((h) => [key(h), h] as const))("%s: run recomputes every case from its input", (_k, h) => {
  it.each(files(h))("%s", async (f) => {
    const failures: string[] = []
    for (const c of casesOf(h, f)) {
      const m = mismatch(h, c, await h.run(c.input))
      if (m !== undefined) failures.push(`${f}/${c.name}: ${m}`)
    }
    expect(failures).toEqual([])
  })
})

/** Flip the last hex digit of the first lowercase-hex string (of >= 2 chars) found in a JSON value. */
const corruptHex = (j: Json): [Json, boolean] => {
  if (typeof j === "string" && /^(0x)?([0-9a-f]{2})+$/.test(j)) return [j.slice(0, -1) + (j.endsWith("0") ? "1" : "0"), true]
  if (Array.isArray(j)) {
    const out = [...j]
    for (let i = 0; i < out.length; i++) {
      const [v, done] = corruptHex(out[i] as Json)
      if (done) return [((out[i] = v), out), true]
    }
    return [j, false]
  }
  if (j !== null && typeof j === "object") {
    const out: Record<string, Json> = { ...(j as { readonly [k: string]: Json }) }
    for (const k of Object.keys(out)) {
      const [v, done] = corruptHex(out[k] as Json)
      if (done) return [((out[k] = v), out), true]
    }
  }
  return [j, false]
}

describe("the check can fail: a wrong vector is detected", () => {
  it.each(HANDLERS.map((h) => [key(h), h] as const))("%s: a corrupted expected output, a flipped reject code", async (_k, h) => {
    const all = files(h).flatMap((f) => casesOf(h, f))
    const withOutput = all.find((c) => "output" in c.expected && corruptHex((c.expected as { output: Json }).output)[1]) as ConformanceCase
    expect(withOutput, "a case with a hex output").toBeDefined()
    const corrupted: ConformanceCase = { ...withOutput, expected: { output: corruptHex((withOutput.expected as { output: Json }).output)[0] } }
    expect(mismatch(h, withOutput, await h.run(withOutput.input))).toBeUndefined()
    expect(mismatch(h, corrupted, await h.run(corrupted.input))).toBeDefined()
    const rejecting = all.find((c) => "reject" in c.expected)
    if (rejecting !== undefined) {
      const flipped: ConformanceCase = { ...rejecting, expected: { reject: "SOMETHING_ELSE" } }
      expect(mismatch(h, flipped, await h.run(flipped.input))).toBeDefined()
    }
  })

  it.each(HANDLERS.map((h) => [key(h), h] as const))("%s: an input with a corrupted byte no longer gives the expected result", async (_k, h) => {
    // the first case whose corrupted input changes the answer: a valid decode, a valid signature, a tree...
    const all = files(h).flatMap((f) => casesOf(h, f))
    let detected = 0
    for (const c of all.slice(0, 40)) {
      const [input, done] = corruptHex(c.input)
      if (!done) continue
      let r: CaseResult | string
      try {
        r = await h.run(input)
      } catch (e) {
        r = String(e) // a ConformanceInputError: the protocol's `error`, a failure too
      }
      if (typeof r === "string" || mismatch(h, c, r) !== undefined) detected++
    }
    expect(detected).toBeGreaterThan(0)
  })
})
