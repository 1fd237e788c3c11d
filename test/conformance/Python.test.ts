// spec: CONF-PROTO.1..5 (conformance/README.md); the second implementation of the wire layer
// conformance/adapters/python/adapter.py (python3 stdlib + `cryptography`) is run over the runner
// protocol against every case of the handlers it claims: it must answer each exactly as the vectors
// expect (or `unsupported` where it says it cannot: BLS sign/verify), and a wrong vector must fail.
// Skipped, with a message, when python3 or its `cryptography` package is missing.
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import * as readline from "node:readline"
import { isDeepStrictEqual } from "node:util"
import { beforeAll, describe, expect, it } from "vitest"
import { handlers as encoding } from "../../src/conformance/suites/encoding.ts"
import { handlers as hashing } from "../../src/conformance/suites/hashing.ts"
import { handlers as signing } from "../../src/conformance/suites/signing.ts"
import type { ConformanceCase, HandlerDef, Json } from "../../src/conformance/Types.ts"

const ROOT = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..")
const ADAPTER = path.join(ROOT, "conformance", "adapters", "python", "adapter.py")
const PROTOCOL = "poai/conformance-protocol/v1"
const HANDLERS: ReadonlyArray<HandlerDef> = [...encoding, ...signing, ...hashing]

const probe = spawnSync("python3", ["-c", "import cryptography"], { encoding: "utf8" })
const available = probe.status === 0
if (!available)
  console.warn(
    `test/conformance/Python.test.ts skipped: \`python3 -c "import cryptography"\` failed (${(probe.error?.message ?? probe.stderr ?? "").trim().split("\n").pop()}); ` +
      "install python3 and `pip install cryptography` to run the Python adapter",
  )

interface Request {
  readonly type: "case"
  readonly id: number
  readonly suite: string
  readonly handler: string
  readonly case: string
  readonly input: Json
}
type Response = { readonly id: number } & ({ readonly output: Json } | { readonly reject: string } | { readonly unsupported: true } | { readonly error: string })

/** Run the adapter on a hello and the given requests; returns its hello and its responses by id. */
const session = async (requests: ReadonlyArray<Request>): Promise<{ hello: Record<string, Json>; responses: Map<number, Response> }> => {
  const child = spawn("python3", [ADAPTER], { stdio: ["pipe", "pipe", "inherit"] })
  const lines: string[] = []
  const rl = readline.createInterface({ input: child.stdout })
  rl.on("line", (l) => lines.push(l))
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve))
  child.stdin.write(JSON.stringify({ type: "hello", protocol: PROTOCOL }) + "\n")
  for (const r of requests) child.stdin.write(JSON.stringify(r) + "\n")
  child.stdin.end() // EOF: the adapter must exit 0
  expect(await exit).toBe(0)
  const [first, ...rest] = lines.map((l) => JSON.parse(l) as Record<string, Json>)
  return { hello: first ?? {}, responses: new Map(rest.map((r) => [r["id"] as number, r as unknown as Response])) }
}

/** Every case of a handler, as the runner would send it (id assigned in order). */
const requestsOf = (h: HandlerDef, firstId: number): Array<{ request: Request; expected: ConformanceCase["expected"] }> => {
  const dir = path.join(ROOT, "conformance", "vectors", h.suite, h.handler)
  let id = firstId
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .flatMap((f) =>
      h.cases(JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Json, f).map((c) => ({
        request: { type: "case" as const, id: id++, suite: h.suite, handler: h.handler, case: `${f.slice(0, -5)}/${c.name}`, input: c.input },
        expected: c.expected,
      })),
    )
}

/** The verdict of one response against the expected result: "passed", "unsupported" or why it failed. */
const verdict = (expected: ConformanceCase["expected"], r: Response | undefined): string => {
  if (r === undefined) return "no answer"
  if ("unsupported" in r) return "unsupported"
  if ("error" in r) return `error: ${r.error}`
  if ("reject" in r) return "reject" in expected && expected.reject === r.reject ? "passed" : `rejected ${r.reject}`
  return "output" in expected && isDeepStrictEqual(r.output, expected.output) ? "passed" : `output ${JSON.stringify(r.output).slice(0, 200)}`
}

describe.skipIf(!available)("the Python adapter (conformance/adapters/python/adapter.py)", () => {
  const all = (() => {
    let id = 1
    return HANDLERS.flatMap((h) => {
      const rs = requestsOf(h, id)
      id += rs.length
      return rs
    })
  })()
  let hello: Record<string, Json> = {}
  let responses = new Map<number, Response>()

  beforeAll(async () => {
    ;({ hello, responses } = await session(all.map((x) => x.request)))
  }, 60_000)

  it("answers the hello with the protocol, its name and the handlers it implements", () => {
    expect(hello["type"]).toBe("hello")
    expect(hello["protocol"]).toBe(PROTOCOL)
    expect(typeof hello["implementation"]).toBe("string")
    expect([...(hello["handlers"] as string[])].sort()).toEqual(HANDLERS.map((h) => `${h.suite}/${h.handler}`).sort())
  })

  it.each(HANDLERS.map((h) => `${h.suite}/${h.handler}`))("%s: every case passes (BLS sign/verify: unsupported)", (key) => {
    const failures: string[] = []
    let passed = 0
    let unsupported = 0
    for (const { request, expected } of all.filter((x) => `${x.request.suite}/${x.request.handler}` === key)) {
      const v = verdict(expected, responses.get(request.id))
      if (v === "passed") passed++
      else if (v === "unsupported" && key === "signing/bls12_381" && ["sign", "verify"].includes((request.input as { op: string }).op)) unsupported++
      else failures.push(`${request.case}: ${v}`)
    }
    expect(failures.slice(0, 10)).toEqual([])
    expect(passed).toBeGreaterThan(0)
    if (key === "signing/bls12_381") expect(unsupported).toBeGreaterThan(0)
  })

  it("a vector with one corrupted byte (expected output or reject code) fails against the adapter", () => {
    const decode = all.find((x) => x.request.suite === "encoding" && "output" in x.expected && (x.request.input as { op: string }).op === "decode")
    const reject = all.find((x) => x.request.handler === "cbor" && "reject" in x.expected)
    const verify = all.find((x) => x.request.handler === "ed25519" && "output" in x.expected && (x.expected.output as { valid?: boolean }).valid === true)
    for (const x of [decode, reject, verify]) expect(x).toBeDefined()
    const d = decode as (typeof all)[number]
    const out = (d.expected as { output: { value: Json; hash?: string } }).output
    expect(verdict(d.expected, responses.get(d.request.id))).toBe("passed")
    // the canonical hash (or the value's first byte string) with its last hex digit changed
    const json = JSON.stringify(out)
    const m = /"(?:0x)?[0-9a-f]{2,}"/.exec(json) as RegExpExecArray
    const corrupted = JSON.parse(json.slice(0, m.index + m[0].length - 2) + (json[m.index + m[0].length - 2] === "0" ? "1" : "0") + json.slice(m.index + m[0].length - 1)) as Json
    expect(verdict({ output: corrupted }, responses.get(d.request.id))).not.toBe("passed")
    const r = reject as (typeof all)[number]
    expect(verdict(r.expected, responses.get(r.request.id))).toBe("passed")
    expect(verdict({ reject: "schema" }, responses.get(r.request.id))).not.toBe("passed")
    const v = verify as (typeof all)[number]
    expect(verdict({ output: { ...(v.expected as { output: object }).output, valid: false } }, responses.get(v.request.id))).not.toBe("passed")
  })

  it("a case whose input bytes are corrupted gets a different answer; a bad input is an error line, not a crash", async () => {
    const d = all.find((x) => x.request.handler === "ed25519" && (x.request.input as { op: string }).op === "verify") as (typeof all)[number]
    const input = d.request.input as { signature: string }
    const flipped = { ...d.request, id: 1, input: { ...input, signature: (input.signature.startsWith("0") ? "1" : "0") + input.signature.slice(1) } }
    const bad = { ...d.request, id: 2, input: { op: "verify", type: "NoSuchType" } }
    const unknown = { ...d.request, id: 3, suite: "consensus", handler: "quorum" }
    const { responses: rs } = await session([flipped, bad, unknown])
    expect(verdict(d.expected, rs.get(1))).not.toBe("passed")
    expect(rs.get(2)).toHaveProperty("error")
    expect(rs.get(3)).toEqual({ id: 3, unsupported: true })
  })
})
