// spec: CONF-SUITE.1..5, CONF-PROTO.1..5, CONF-RUN.1..3, CLI-CONF.1..3 (spec/18-conformance.md)
// The runner against the committed vectors (every case of every handler, through the protocol's JSON
// lines), and each way a run must fail: an altered expected value, an altered or unknown or missing file,
// an implementation that answers wrongly, breaks the protocol, hangs or exits.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { HANDLERS, handlerKey } from "../../src/conformance/Registry.ts"
import { LineSplitter, ProtocolError, compareResults, firstDifference, parseCaseResponse } from "../../src/conformance/Protocol.ts"
import { formatReport, inProcessTransport, processTransport, runConformance, type Transport } from "../../src/conformance/Runner.ts"
import { loadSchemas } from "../../src/conformance/Schemas.ts"
import { listFiles, sha256Hex, type VectorIndex } from "../../src/conformance/Vectors.ts"
import { main } from "../../src/cli/main.ts"

const root = path.resolve(__dirname, "..", "..")
const vectorsDir = path.join(root, "conformance", "vectors")
const schemas = loadSchemas(root)
const readIndex = (dir: string): VectorIndex => JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8")) as VectorIndex

const copyTree = (): string => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "poai-conf-test-"))
  fs.cpSync(vectorsDir, tmp, { recursive: true })
  return tmp
}
/** Rewrite index.json's hash of `rel` so that only the content change is seen (not the hash mismatch). */
const rehash = (dir: string, rel: string): void => {
  const idx = readIndex(dir)
  const files = idx.files.map((f) => (f.path === rel ? { ...f, sha256: sha256Hex(fs.readFileSync(path.join(dir, rel))), bytes: fs.statSync(path.join(dir, rel)).size } : f))
  fs.writeFileSync(path.join(dir, "index.json"), JSON.stringify({ ...idx, files }, null, 2))
}
const smallestGenericFile = (dir: string): string => {
  const idx = readIndex(dir)
  const generic = idx.files.filter((f) => (JSON.parse(fs.readFileSync(path.join(dir, f.path), "utf8")) as { format?: string }).format === "poai/conformance/v1")
  const pick = [...generic].sort((a, b) => a.bytes - b.bytes)[0]
  if (pick === undefined) throw new Error("no generic vector file")
  return pick.path
}

describe("protocol (CONF-PROTO)", () => {
  it("splits lines and refuses a line above the bound without buffering it", () => {
    const s = new LineSplitter(8)
    expect(s.push(Buffer.from("ab\ncd"))).toEqual(["ab"])
    expect(s.push(Buffer.from("e\n"))).toEqual(["cde"])
    expect(() => s.push(Buffer.from("123456789"))).toThrow(ProtocolError)
  })
  it("parses exactly one of output|reject|unsupported|error", () => {
    expect(parseCaseResponse('{"id":3,"output":{"a":1}}')).toEqual({ id: 3, output: { a: 1 } })
    expect(parseCaseResponse('{"id":3,"reject":"X"}')).toEqual({ id: 3, reject: "X" })
    expect(parseCaseResponse('{"id":3,"unsupported":true}')).toEqual({ id: 3, unsupported: true })
    for (const bad of ["nope", "{}", '{"id":1}', '{"id":1,"output":1,"reject":"X"}', '{"id":"1","output":1}', '{"id":1,"reject":""}', '{"id":1,"unsupported":false}'])
      expect(() => parseCaseResponse(bad), bad).toThrow(ProtocolError)
  })
  it("compares JSON exactly, ignoring key order, and names the first difference", () => {
    expect(firstDifference({ a: [1, { b: "x" }], c: null }, { c: null, a: [1, { b: "x" }] })).toBeUndefined()
    expect(firstDifference({ a: [1, { b: "x" }] }, { a: [1, { b: "y" }] })).toBe('/a/1/b: expected "x", got "y"')
    expect(firstDifference([1, 2], [1, 2, 3])).toMatch(/lengths 2 vs 3/)
    expect(firstDifference({ a: 1 }, { a: 1, b: 2 })).toMatch(/^\/b: expected \(absent\)/)
    expect(compareResults({ reject: "A" }, { reject: "B" })).toBe("expected reject A, got reject B")
    expect(compareResults({ reject: "A" }, { output: 1 })).toMatch(/expected reject A/)
    expect(compareResults({ output: 1 }, { reject: "A" })).toMatch(/got reject A/)
    expect(compareResults({ output: 1 }, { output: 1 })).toBeUndefined()
  })
})

describe("schemas (CONF-SUITE.3)", () => {
  it("every registered handler has a schema, every schema compiles, and no schema lacks a handler", () => {
    for (const h of HANDLERS) expect(schemas.has(`${h.suite}/${h.handler}.json`), handlerKey(h)).toBe(true)
    const handlerSchemas = schemas.files.filter((f) => f.includes("/"))
    for (const f of handlerSchemas) expect(HANDLERS.some((h) => `${h.suite}/${h.handler}.json` === f), f).toBe(true)
  })
  it("the protocol schema accepts the messages the runner and adapter exchange and refuses malformed ones", () => {
    expect(schemas.validate("protocol.json", { type: "hello", protocol: "poai/conformance-protocol/v1" })).toBeUndefined()
    expect(schemas.validate("protocol.json", { type: "case", id: 1, suite: "a", handler: "b", case: "f/c", input: null })).toBeUndefined()
    expect(schemas.validate("protocol.json", { id: 1, reject: "X" })).toBeUndefined()
    expect(schemas.validate("protocol.json", { id: 1, reject: "X", output: 1 })).toBeDefined()
    expect(schemas.validate("protocol.json", { type: "case", id: 0, suite: "a", handler: "b", case: "f/c", input: null })).toBeDefined()
  })
})

describe("the committed vectors through the reference adapter (CONF-RUN.1)", () => {
  it("every case of every handler passes, every vector file is read, every handler has vectors", async () => {
    const r = await runConformance({ vectorsDir, schemas, transport: inProcessTransport() })
    if (!r.ok) console.log(formatReport(r))
    expect(r.problems).toEqual([])
    expect(r.failures.slice(0, 3)).toEqual([])
    expect(r.filesRead).toBe(r.filesOnDisk)
    expect(r.filesRead).toBe(readIndex(vectorsDir).files.length)
    expect(r.totals.unsupported).toBe(0)
    expect(r.totals.cases).toBe(readIndex(vectorsDir).totals.cases)
    expect(r.totals.passed + r.totals.failed + r.totals.unsupported).toBe(r.totals.cases)
    for (const h of HANDLERS) expect(r.handlers.some((x) => x.suite === h.suite && x.handler === h.handler && x.cases > 0), handlerKey(h)).toBe(true)
    expect(r.ok).toBe(true)
  }, 600_000)
})

describe("a run fails when it must (CONF-SUITE.4, CONF-RUN.2)", () => {
  it("an altered expected output is a failed case, shown with expected and actual", async () => {
    const dir = copyTree()
    // the first generic file (smallest first) where changing one leaf of a case's expected output
    // still passes the file's schema: a number + 1, a boolean negated, or a hex digit changed
    const alter = (v: unknown): { done: boolean; value: unknown } => {
      if (typeof v === "number") return { done: true, value: v + 1 }
      if (typeof v === "boolean") return { done: true, value: !v }
      if (typeof v === "string" && /^[0-9a-f]{2,}$/.test(v)) return { done: true, value: (v[0] === "0" ? "1" : "0") + v.slice(1) }
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const r = alter(v[i])
          if (r.done) return { done: true, value: [...v.slice(0, i), r.value, ...v.slice(i + 1)] }
        }
      } else if (typeof v === "object" && v !== null) {
        for (const [k, x] of Object.entries(v)) {
          const r = alter(x)
          if (r.done) return { done: true, value: { ...v, [k]: r.value } }
        }
      }
      return { done: false, value: v }
    }
    const idx = readIndex(dir)
    let rel: string | undefined
    for (const f of [...idx.files].sort((a, b) => a.bytes - b.bytes)) {
      const file = JSON.parse(fs.readFileSync(path.join(dir, f.path), "utf8")) as { format?: string; cases?: Array<{ output?: unknown }> }
      if (file.format !== "poai/conformance/v1") continue
      const c = file.cases?.find((x) => x.output !== undefined && alter(x.output).done)
      if (c === undefined) continue
      c.output = alter(c.output).value
      if (schemas.validate(`${f.suite}/${f.handler}.json`, file) !== undefined) continue
      fs.writeFileSync(path.join(dir, f.path), JSON.stringify(file, null, 2))
      rel = f.path
      break
    }
    if (rel === undefined) throw new Error("no generic vector file with an alterable output")
    rehash(dir, rel)
    const [suite] = rel.split("/")
    const r = await runConformance({ vectorsDir: dir, schemas, suites: [suite!], transport: inProcessTransport() })
    expect(r.problems).toEqual([])
    expect(r.totals.failed).toBe(1)
    expect(r.failures[0]!.case.startsWith(rel.replace(/\.json$/, ""))).toBe(true)
    expect(r.ok).toBe(false)
    expect(formatReport(r)).toMatch(/FAIL .*\n.*expected/)
    fs.rmSync(dir, { recursive: true })
  }, 120_000)
  it("an altered, an unknown and a missing file are tree problems", async () => {
    const dir = copyTree()
    const rel = smallestGenericFile(dir)
    const [suite, handler] = rel.split("/")
    fs.appendFileSync(path.join(dir, rel), " ")
    fs.writeFileSync(path.join(dir, suite!, handler!, "extra.json"), fs.readFileSync(path.join(dir, rel)))
    const other = readIndex(dir).files.find((f) => f.suite === suite && f.path !== rel)
    if (other !== undefined) fs.rmSync(path.join(dir, other.path))
    const r = await runConformance({ vectorsDir: dir, schemas, suites: [suite!], transport: inProcessTransport() })
    expect(r.ok).toBe(false)
    const problems = r.problems.map((p) => `${p.path}: ${p.problem}`)
    expect(problems).toContain(`${rel}: sha256 differs from index.json`)
    expect(problems).toContain(`${suite}/${handler}/extra.json: vector file not in index.json`)
    if (other !== undefined) expect(problems).toContain(`${other.path}: listed in index.json but missing`)
    fs.rmSync(dir, { recursive: true })
  }, 120_000)
  it("a file that breaks its schema is a problem, not a crash", async () => {
    const dir = copyTree()
    const rel = smallestGenericFile(dir)
    fs.writeFileSync(path.join(dir, rel), JSON.stringify({ format: "poai/conformance/v1", cases: "nope" }))
    rehash(dir, rel)
    const r = await runConformance({ vectorsDir: dir, schemas, suites: [rel.split("/")[0]!], transport: inProcessTransport() })
    expect(r.problems.some((p) => p.path === rel && p.problem.startsWith("schema:"))).toBe(true)
    expect(r.ok).toBe(false)
    fs.rmSync(dir, { recursive: true })
  }, 120_000)
  it("an implementation that claims nothing reports every case unsupported and passes; one that answers wrongly fails", async () => {
    const suite = readIndex(vectorsDir).files[0]!.suite
    const silent: Transport = { ...inProcessTransport(), hello: async () => ({ type: "hello", protocol: "poai/conformance-protocol/v1", implementation: "none", handlers: [] }) }
    const r0 = await runConformance({ vectorsDir, schemas, suites: [suite], transport: silent })
    expect(r0.totals.unsupported).toBe(r0.totals.cases)
    expect(r0.ok).toBe(true)
    const liar: Transport = { ...inProcessTransport(), send: async (req) => ({ id: req.id, reject: "LIE" }) }
    const r1 = await runConformance({ vectorsDir, schemas, suites: [suite], transport: liar })
    expect(r1.ok).toBe(false)
    expect(r1.totals.failed).toBeGreaterThan(0)
  }, 120_000)
})

describe("implementations as processes (CONF-PROTO.1..5)", () => {
  const suite = () => [...readIndex(vectorsDir).files].sort((a, b) => a.bytes - b.bytes)[0]!.suite
  const script = (body: string): string => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "poai-impl-")), "impl.cjs")
    fs.writeFileSync(f, body)
    return `${JSON.stringify(process.execPath)} ${JSON.stringify(f)}`
  }
  const hello = `const rl=require("readline").createInterface({input:process.stdin});const w=(o)=>process.stdout.write(JSON.stringify(o)+"\\n");`
  it("a process that exits mid-session, answers the wrong id, writes garbage or hangs ends the run with a typed error, never a hang", async () => {
    const handlers = JSON.stringify(HANDLERS.map(handlerKey))
    const cases = {
      exits: `${hello}rl.on("line",(l)=>{const m=JSON.parse(l);if(m.type==="hello")w({type:"hello",protocol:m.protocol,implementation:"x",handlers:${handlers}});else process.exit(3)})`,
      wrongId: `${hello}rl.on("line",(l)=>{const m=JSON.parse(l);if(m.type==="hello")w({type:"hello",protocol:m.protocol,implementation:"x",handlers:${handlers}});else w({id:m.id+1,reject:"X"})})`,
      garbage: `${hello}rl.on("line",(l)=>{const m=JSON.parse(l);if(m.type==="hello")w({type:"hello",protocol:m.protocol,implementation:"x",handlers:${handlers}});else process.stdout.write("not json\\n")})`,
      hangs: `${hello}rl.on("line",(l)=>{const m=JSON.parse(l);if(m.type==="hello")w({type:"hello",protocol:m.protocol,implementation:"x",handlers:${handlers}})})`,
      badHello: `${hello}rl.on("line",()=>w({type:"hello",protocol:"other/v9",handlers:[]}))`,
    }
    const expected = { exits: "PROTO_EXITED", wrongId: "PROTO_WRONG_ID", garbage: "PROTO_BAD_JSON", hangs: "PROTO_TIMEOUT", badHello: "PROTO_HELLO" }
    for (const [name, body] of Object.entries(cases)) {
      const r = await runConformance({ vectorsDir, schemas, suites: [suite()], transport: processTransport(script(body), root, 1500) })
      expect(r.ok, name).toBe(false)
      expect(r.sessionError, name).toMatch(new RegExp(`^${expected[name as keyof typeof expected]}`))
      expect(r.totals.failed, name).toBe(r.totals.cases)
    }
  }, 60_000)
  it("`poai conformance run --suite S` starts the reference adapter as a process and exits 0; usage errors exit 2", async () => {
    const out: string[] = []
    const err: string[] = []
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }
    expect(await main(["conformance", "run", "--suite", suite(), "--quiet"], io)).toBe(0)
    expect(out.join("")).toMatch(/result: PASS/)
    expect(await main(["conformance", "run", "--suite", "nosuch"], io)).toBe(2)
    expect(await main(["conformance", "run", "--bogus"], io)).toBe(2)
    expect(await main(["conformance", "frobnicate"], io)).toBe(2)
    const bad = script(`${hello}rl.on("line",(l)=>{const m=JSON.parse(l);if(m.type==="hello")w({type:"hello",protocol:m.protocol,implementation:"x",handlers:${JSON.stringify(HANDLERS.map(handlerKey))}});else w({id:m.id,reject:"NOPE"})})`)
    expect(await main(["conformance", "run", "--suite", suite(), "--impl", bad, "--json"], io)).toBe(1)
    const report = JSON.parse(out[out.length - 1]!) as { ok: boolean; totals: { failed: number } }
    expect(report.ok).toBe(false)
    expect(report.totals.failed).toBeGreaterThan(0)
  }, 120_000)
})

describe("the tree on disk matches index.json (CONF-SUITE.2)", () => {
  it("lists exactly the files on disk", () => {
    const idx = readIndex(vectorsDir)
    const listed = new Set([...idx.files.map((f) => f.path), ...idx.auxiliary.map((a) => a.path), "index.json"])
    expect(listFiles(vectorsDir).filter((f) => !listed.has(f))).toEqual([])
    const sum = idx.files.reduce((n, f) => n + f.cases, 0)
    expect(idx.totals.cases).toBe(sum)
    expect(idx.totals.files).toBe(idx.files.length)
  })
})
