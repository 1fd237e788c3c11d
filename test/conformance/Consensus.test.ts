// Conformance suite "consensus" (conformance/vectors/consensus/<handler>/, conformance/docs/consensus.md):
// every file passes its JSON Schema (ajv, draft 2020-12), every case of every file gives exactly its
// expected result through the handler's reference implementation, each handler has valid and reject
// cases, and the check is able to fail (a corrupted input or a changed expectation is a mismatch).
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { handlers } from "../../src/conformance/suites/consensus.ts"
import { Ajv2020 } from "ajv/dist/2020.js"
import { type CaseResult, type ConformanceCase, ConformanceInputError, type HandlerDef, type Json } from "../../src/conformance/Types.ts"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const dir = path.join(root, "conformance", "vectors", "consensus")
/** This suite's schemas in a strict ajv (draft 2020-12), as the runner loads them (src/conformance/Schemas.ts). */
const schemas = (() => {
  const sdir = path.join(root, "conformance", "schema", "consensus")
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: false, validateFormats: false })
  const files = fs.readdirSync(sdir).filter((f) => f.endsWith(".json"))
  for (const f of files) ajv.addSchema(JSON.parse(fs.readFileSync(path.join(sdir, f), "utf8")) as object, `consensus/${f}`)
  return {
    has: (rel: string) => ajv.getSchema(rel) !== undefined,
    validate: (rel: string, value: unknown): string | undefined => {
      const v = ajv.getSchema(rel)
      if (v === undefined) return `no schema ${rel}`
      return v(value) ? undefined : JSON.stringify(v.errors?.[0])
    },
  }
})()

const HANDLERS = ["quorum", "one_third", "commit_certificate", "evidence", "proposer", "beacon", "node_scenario"]
/** Handlers whose protocol has reject codes (node_scenario: a correct node rejects none of its inputs). */
const HAS_REJECTS = new Set(["quorum", "one_third", "commit_certificate", "evidence", "proposer", "beacon"])

const handler = (name: string): HandlerDef => {
  const h = handlers.find((x) => x.handler === name)
  if (h === undefined) throw new Error(`no handler ${name}`)
  return h
}
/** The vector files of a handler: <handler>/*.json (deeper files, e.g. node_scenario/tlc/, are auxiliary). */
const filesOf = (name: string): string[] =>
  fs
    .readdirSync(path.join(dir, name), { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".json"))
    .map((e) => e.name)
    .sort()
const load = (name: string, file: string): Json => JSON.parse(fs.readFileSync(path.join(dir, name, file), "utf8")) as Json
const casesOf = (name: string): Array<{ file: string; c: ConformanceCase }> =>
  filesOf(name).flatMap((file) => handler(name).cases(load(name, file), file.replace(/\.json$/, "")).map((c) => ({ file, c })))

/** The runner's comparison: exact JSON equality of output or reject code (CONF-PROTO.4). */
const mismatch = (expected: CaseResult, actual: CaseResult): string | undefined => {
  if ("reject" in expected) return "reject" in actual && actual.reject === expected.reject ? undefined : `expected reject ${expected.reject}, got ${JSON.stringify(actual)}`
  if (!("output" in actual)) return `expected an output, got reject ${actual.reject}`
  return JSON.stringify(actual.output) === JSON.stringify(expected.output) ? undefined : `output differs: ${JSON.stringify(actual.output).slice(0, 300)}`
}
const check = async (h: HandlerDef, c: ConformanceCase) => mismatch(c.expected, await h.run(c.input))

describe("consensus vector files", () => {
  it("the suite has exactly the seven handlers, each with its files, schema and registry entry", () => {
    expect(handlers.map((h) => h.handler)).toEqual(HANDLERS)
    expect(
      fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort(),
    ).toEqual([...HANDLERS].sort())
    for (const h of HANDLERS) {
      expect(filesOf(h).length, h).toBeGreaterThan(0)
      expect(schemas.has(`consensus/${h}.json`), h).toBe(true)
    }
    expect(filesOf("node_scenario").map((f) => f.replace(/\.json$/, ""))).toEqual(
      ["decide-later-round", "invalid-proposal", "lock-fresh", "nil-polka", "relock", "reproposal-refused", "round-skip", "unlock", "valid-at-precommit", "valid-round-reproposal"],
    )
  })

  it.each(HANDLERS)("%s: every file passes its JSON Schema; case names are unique", (name) => {
    for (const file of filesOf(name)) {
      const json = load(name, file)
      expect(schemas.validate(`consensus/${name}.json`, json), `${name}/${file}`).toBeUndefined()
      const cs = handler(name).cases(json, file)
      expect(cs.length).toBeGreaterThan(0)
      expect(new Set(cs.map((c) => c.name)).size).toBe(cs.length)
    }
  })

  it.each(HANDLERS)("%s: has valid cases, and reject cases where the handler has reject codes", (name) => {
    const cs = casesOf(name)
    expect(cs.filter(({ c }) => "output" in c.expected).length).toBeGreaterThan(0)
    if (HAS_REJECTS.has(name)) expect(cs.filter(({ c }) => "reject" in c.expected).length).toBeGreaterThan(0)
  })

  it("the schemas refuse what they must: a power as a JSON number, an unknown reject code, a case with output and reject", () => {
    const q = load("quorum", "quorum.json") as { cases: Array<Record<string, unknown>> }
    const first = q.cases[0] as { input: { validators: Array<Record<string, unknown>> } }
    const numberPower = { ...q, cases: [{ ...first, input: { ...first.input, validators: [{ ...first.input.validators[0], power: 1000 }] } }] }
    expect(schemas.validate("consensus/quorum.json", numberPower)).toBeDefined()
    expect(schemas.validate("consensus/quorum.json", { ...q, cases: [{ name: "x", input: first.input, reject: "NOT_A_CODE" }] })).toBeDefined()
    expect(schemas.validate("consensus/quorum.json", { ...q, cases: [{ name: "x", input: first.input, output: {}, reject: "MSG_UNKNOWN_VALIDATOR" }] })).toBeDefined()
    const sc = load("node_scenario", "unlock.json") as Record<string, unknown>
    expect(schemas.validate("consensus/node_scenario.json", { ...sc, extra: 1 })).toBeDefined()
  })
})

describe("consensus vectors against the reference implementation", () => {
  for (const name of HANDLERS) {
    it(`${name}: every case gives exactly its expected result`, async () => {
      const h = handler(name)
      const bad: string[] = []
      for (const { file, c } of casesOf(name)) {
        const m = await check(h, c)
        if (m !== undefined) bad.push(`${file}/${c.name}: ${m}`)
      }
      expect(bad).toEqual([])
    }, 120_000)
  }
})

describe("the check can fail", () => {
  const find = (name: string, caseName: string): ConformanceCase => {
    const x = casesOf(name).find(({ c }) => c.name === caseName)
    if (x === undefined) throw new Error(`no case ${name}/${caseName}`)
    return x.c
  }
  const withInput = (c: ConformanceCase, patch: Record<string, Json>): ConformanceCase => ({ ...c, input: { ...(c.input as Record<string, Json>), ...patch } })
  const flipHex = (s: string, at: number): string => s.slice(0, at) + (s[at] === "0" ? "1" : "0") + s.slice(at + 1)

  it("a changed expectation is a mismatch (flipped boolean, other reject code, reject expected of a valid case)", async () => {
    const q = find("quorum", "equal-3-exactly-two-thirds")
    expect(await check(handler("quorum"), q)).toBeUndefined()
    expect(await check(handler("quorum"), { ...q, expected: { output: { ...(q.expected as { output: Record<string, Json> }).output, quorum: true } } })).toBeDefined()
    const e = find("evidence", "expired")
    expect(await check(handler("evidence"), { ...e, expected: { reject: "EVIDENCE_INVALID" } })).toBeDefined()
    const v = find("beacon", "valid")
    expect(await check(handler("beacon"), { ...v, expected: { reject: "BLOCK_BAD_BEACON" } })).toBeDefined()
  })

  it("a corrupted input byte is a mismatch (certificate signature, evidence signature, beacon signature, proposer beacon)", async () => {
    const c = find("commit_certificate", "three-of-four")
    const cert = (c.input as Record<string, string>)["certificate"] as string
    expect(await check(handler("commit_certificate"), withInput(c, { certificate: flipHex(cert, cert.length - 10) }))).toMatch(/SYNC_BAD_CERTIFICATE/)
    const e = find("evidence", "duplicate-prevote")
    const ev = (e.input as Record<string, string>)["evidence"] as string
    expect(await check(handler("evidence"), withInput(e, { evidence: flipHex(ev, ev.length - 10) }))).toBeDefined()
    const b = find("beacon", "valid")
    const en = (b.input as Record<string, string>)["entry"] as string
    expect(await check(handler("beacon"), withInput(b, { entry: flipHex(en, en.length - 10) }))).toMatch(/BLOCK_BAD_BEACON/)
    const p = find("proposer", "equal-stakes")
    expect(await check(handler("proposer"), withInput(p, { beacon: flipHex((p.input as Record<string, string>)["beacon"] as string, 0) }))).toMatch(/output differs/)
  })

  it("node_scenario: a corrupted vote, a dropped input or a changed expectation is a mismatch", async () => {
    const h = handler("node_scenario")
    const c = find("node_scenario", "unlock")
    expect(await check(h, c)).toBeUndefined()
    const steps = (c.input as { steps: Array<Array<Record<string, Json>>> }).steps
    const last = steps[steps.length - 1] as Array<Record<string, Json>>
    // the last input completes the polka the node acts on: a corrupted signature is rejected, nothing is signed
    const lastIn = last[last.length - 1] as Record<string, string>
    const bytes = lastIn["bytes"] as string
    const corrupted = [...steps.slice(0, -1), [...last.slice(0, -1), { ...lastIn, bytes: flipHex(bytes, bytes.length - 70) }]]
    expect(await check(h, withInput(c, { steps: corrupted as Json }))).toBeDefined()
    const dropped = [...steps.slice(0, -1), last.slice(0, -1)]
    expect(await check(h, withInput(c, { steps: dropped as Json }))).toBeDefined()
    const out = (c.expected as { output: { steps: Array<Record<string, Json>>; decision: string } }).output
    expect(await check(h, { ...c, expected: { output: { ...out, decision: "v1" } } })).toBeDefined()
  }, 60_000)
})

describe("bad input is a typed error (ConformanceInputError), never a reject or a crash", () => {
  const key = "00".repeat(32)
  it.each([
    ["quorum", { validators: [{ pubKey: key, power: "9007199254740992" }], voters: [] }, "a power above 2^53 - 1"],
    ["quorum", { validators: [{ pubKey: key, power: "1" }, { pubKey: key, power: "2" }], voters: [] }, "a validator twice"],
    ["one_third", { validators: [{ pubKey: "00", power: "1" }], voters: [] }, "a 1-byte key"],
    ["commit_certificate", { chainId: "c", height: 1, blockHash: key, validators: [], certificate: "XY" }, "certificate not hex"],
    ["evidence", { chainId: "c", height: -1, evidenceMaxAge: 1, validators: [], evidence: "" }, "negative height"],
    ["proposer", { beacon: key, height: 0, round: 0, qualityRounds: 2, validators: [], qWindow: [] }, "height 0"],
    ["beacon", { chainId: "c", height: 1, prev: key, proposer: key, blsPubKey: "00", entry: "" }, "a 1-byte BLS key"],
    ["node_scenario", { genesis: null, nut: { secretKey: key, blsSecret: key }, nil: "nil", none: "none", values: {}, steps: [] }, "no genesis object"],
  ] as const)("%s: %j (%s)", async (name, input, _why) => {
    await expect(async () => handler(name).run(input as unknown as Json)).rejects.toBeInstanceOf(ConformanceInputError)
  })
})
