// spec: CONF-PROTO.1..5, CONF-RUN.1..3 (spec/18-conformance.md)
// `poai conformance run`: load the vectors (index, hashes, schemas), start the implementation under
// test, send it every case of the handlers it claims, compare, and report per suite and handler.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process"
import { adapterHandle } from "./Adapter.ts"
import {
  LineSplitter,
  PROTOCOL,
  type HelloRequest,
  ProtocolError,
  compareResults,
  parseCaseResponse,
  parseHelloResponse,
  type CaseRequest,
  type CaseResponse,
  type HelloResponse,
} from "./Protocol.ts"
import { handlerKey } from "./Registry.ts"
import type { SchemaSet } from "./Schemas.ts"
import type { CaseResult, Json } from "./Types.ts"
import { loadVectors, type TreeProblem } from "./Vectors.ts"

/** How the runner talks to an implementation. */
export interface Transport {
  readonly hello: () => Promise<HelloResponse>
  readonly send: (req: CaseRequest) => Promise<CaseResponse>
  readonly close: () => Promise<void>
  /** Last lines the implementation wrote to stderr (diagnostics on failure). */
  readonly stderrTail: () => string
}

/** The reference adapter in this process, through the same JSON lines (tests; no child process). */
export const inProcessTransport = (): Transport => ({
  hello: async () => parseHelloResponse(await adapterHandle(JSON.stringify({ type: "hello", protocol: PROTOCOL } satisfies HelloRequest))),
  send: async (req) => {
    const r = parseCaseResponse(await adapterHandle(JSON.stringify(req)))
    if (r.id !== req.id) throw new ProtocolError("PROTO_WRONG_ID", `answered id ${r.id} to case ${req.id}`)
    return r
  },
  close: async () => {},
  stderrTail: () => "",
})

/**
 * An implementation started as `sh -c CMD` in `cwd`, spoken to over its stdin/stdout (CONF-PROTO.1).
 * Every wait is bounded by `timeoutMs`; a line above MAX_LINE_BYTES, an exit or a timeout ends the
 * session with a typed ProtocolError.
 */
export const processTransport = (cmd: string, cwd: string, timeoutMs: number): Transport => {
  const child: ChildProcessWithoutNullStreams = spawn("sh", ["-c", cmd], { cwd, stdio: ["pipe", "pipe", "pipe"] })
  const split = new LineSplitter()
  const lines: string[] = []
  let waiter: ((line: string | ProtocolError) => void) | undefined
  let dead: ProtocolError | undefined
  const stderr: string[] = []
  const deliver = (x: string | ProtocolError) => {
    if (x instanceof ProtocolError) dead ??= x
    if (waiter !== undefined) {
      const w = waiter
      waiter = undefined
      w(x)
    } else if (typeof x === "string") lines.push(x)
  }
  child.stdout.on("data", (chunk: Buffer) => {
    try {
      for (const l of split.push(chunk)) deliver(l)
    } catch (e) {
      deliver(e instanceof ProtocolError ? e : new ProtocolError("PROTO_BAD_MESSAGE", String(e)))
      child.kill("SIGKILL")
    }
  })
  child.stderr.on("data", (chunk: Buffer) => {
    stderr.push(chunk.toString("utf8"))
    while (stderr.length > 50) stderr.shift()
  })
  child.on("error", (e) => deliver(new ProtocolError("PROTO_EXITED", `cannot start '${cmd}': ${e.message}`)))
  child.on("close", (code, signal) => deliver(new ProtocolError("PROTO_EXITED", `implementation exited (${signal ?? `code ${code}`})`)))
  child.stdin.on("error", () => {}) // EPIPE after the child died is reported through 'close'
  const next = (): Promise<string> => {
    const l = lines.shift()
    if (l !== undefined) return Promise.resolve(l)
    if (dead !== undefined) return Promise.reject(dead)
    return new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => {
        waiter = undefined
        const e = new ProtocolError("PROTO_TIMEOUT", `no answer within ${timeoutMs} ms`)
        dead ??= e
        child.kill("SIGKILL")
        reject(e)
      }, timeoutMs)
      waiter = (x) => {
        clearTimeout(t)
        if (x instanceof ProtocolError) reject(x)
        else resolve(x)
      }
    })
  }
  const write = (obj: unknown) => {
    if (dead !== undefined) throw dead
    child.stdin.write(`${JSON.stringify(obj)}\n`)
  }
  return {
    hello: async () => {
      write({ type: "hello", protocol: PROTOCOL } satisfies HelloRequest)
      return parseHelloResponse(await next())
    },
    send: async (req) => {
      write(req)
      const r = parseCaseResponse(await next())
      if (r.id !== req.id) throw new ProtocolError("PROTO_WRONG_ID", `answered id ${r.id} to case ${req.id}`)
      return r
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.stdin.end()
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          child.kill("SIGKILL")
          resolve()
        }, 5000)
        child.on("close", () => {
          clearTimeout(t)
          resolve()
        })
      })
    },
    stderrTail: () => stderr.join("").split("\n").slice(-20).join("\n"),
  }
}

export interface HandlerReport {
  readonly suite: string
  readonly handler: string
  readonly files: number
  readonly cases: number
  passed: number
  failed: number
  unsupported: number
}
export interface CaseFailure {
  /** "<suite>/<handler>/<file>/<case>" */
  readonly case: string
  readonly reason: string
  readonly expected: CaseResult
  readonly actual: CaseResponse | null
}
export interface RunReport {
  readonly implementation: string
  readonly handlers: ReadonlyArray<HandlerReport>
  readonly totals: { readonly cases: number; readonly passed: number; readonly failed: number; readonly unsupported: number }
  readonly failures: ReadonlyArray<CaseFailure>
  readonly problems: ReadonlyArray<TreeProblem>
  /** Vector files on disk (of the selected suites) and files read and run (CONF-SUITE.4). */
  readonly filesOnDisk: number
  readonly filesRead: number
  /** A protocol failure that ended the session early (the remaining cases count as failed). */
  readonly sessionError: string | null
  readonly ok: boolean
}

export interface RunOptions {
  readonly vectorsDir: string
  readonly schemas: SchemaSet
  readonly suites?: ReadonlyArray<string>
  readonly transport: Transport
  readonly onProgress?: (done: number, total: number) => void
}

/** CONF-RUN.1..3: run every case; `ok` only when nothing failed, the tree is sound and every file was read. */
export const runConformance = async (opts: RunOptions): Promise<RunReport> => {
  const loaded = loadVectors(opts.vectorsDir, opts.schemas, opts.suites)
  const reports = new Map<string, HandlerReport>()
  for (const f of loaded.files) {
    const k = handlerKey(f.handler)
    const r = reports.get(k) ?? { suite: f.suite, handler: f.handler.handler, files: 0, cases: 0, passed: 0, failed: 0, unsupported: 0 }
    reports.set(k, { ...r, files: r.files + 1, cases: r.cases + f.cases.length })
  }
  const failures: CaseFailure[] = []
  let implementation = "(not started)"
  let sessionError: string | null = null
  let claimed = new Set<string>()
  try {
    const hello = await opts.transport.hello()
    implementation = hello.implementation
    claimed = new Set(hello.handlers)
  } catch (e) {
    sessionError = e instanceof Error ? e.message : String(e)
  }
  const total = loaded.files.reduce((n, f) => n + f.cases.length, 0)
  let done = 0
  let id = 0
  for (const f of loaded.files) {
    const key = handlerKey(f.handler)
    const rep = reports.get(key) as HandlerReport
    const stem = f.path.split("/").pop()?.replace(/\.json$/, "") ?? f.path
    for (const c of f.cases) {
      done++
      const name = `${key}/${stem}/${c.name}`
      if (sessionError !== null) {
        rep.failed++
        if (failures.length < 1000) failures.push({ case: name, reason: `not run: ${sessionError}`, expected: c.expected, actual: null })
        continue
      }
      if (!claimed.has(key)) {
        rep.unsupported++
        continue
      }
      id++
      let resp: CaseResponse
      try {
        resp = await opts.transport.send({ type: "case", id, suite: f.suite, handler: f.handler.handler, case: `${stem}/${c.name}`, input: c.input })
      } catch (e) {
        sessionError = e instanceof Error ? e.message : String(e)
        rep.failed++
        failures.push({ case: name, reason: sessionError, expected: c.expected, actual: null })
        continue
      }
      if ("unsupported" in resp) {
        rep.unsupported++
        continue
      }
      if ("error" in resp) {
        rep.failed++
        failures.push({ case: name, reason: `implementation error: ${resp.error}`, expected: c.expected, actual: resp })
        continue
      }
      const actual: CaseResult = "reject" in resp ? { reject: resp.reject } : { output: resp.output as Json }
      const diff = f.handler.compare !== undefined ? f.handler.compare(c.expected, actual, c.input) : compareResults(c.expected, actual)
      if (diff === undefined) rep.passed++
      else {
        rep.failed++
        failures.push({ case: name, reason: diff, expected: c.expected, actual: resp })
      }
      if (opts.onProgress !== undefined && (done % 200 === 0 || done === total)) opts.onProgress(done, total)
    }
  }
  await opts.transport.close()
  const handlers = [...reports.values()]
  const totals = handlers.reduce(
    (t, h) => ({ cases: t.cases + h.cases, passed: t.passed + h.passed, failed: t.failed + h.failed, unsupported: t.unsupported + h.unsupported }),
    { cases: 0, passed: 0, failed: 0, unsupported: 0 },
  )
  const ok = totals.failed === 0 && loaded.problems.length === 0 && loaded.read === loaded.onDisk && sessionError === null
  return {
    implementation,
    handlers,
    totals,
    failures,
    problems: loaded.problems,
    filesOnDisk: loaded.onDisk,
    filesRead: loaded.read,
    sessionError,
    ok,
  }
}

/** The human report: a table per suite and handler, then the tree problems and the first failures in full. */
export const formatReport = (r: RunReport, maxFailures = 10): string => {
  const rows = [["suite", "handler", "files", "cases", "passed", "failed", "unsupported"]]
  for (const h of r.handlers) rows.push([h.suite, h.handler, String(h.files), String(h.cases), String(h.passed), String(h.failed), String(h.unsupported)])
  rows.push(["total", "", String(r.filesRead), String(r.totals.cases), String(r.totals.passed), String(r.totals.failed), String(r.totals.unsupported)])
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)))
  const fmt = (row: string[]) => row.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ")
  const lines = [`implementation: ${r.implementation}`, "", fmt(rows[0]!), ...rows.slice(1, -1).map(fmt), fmt(rows[rows.length - 1]!), ""]
  lines.push(`vector files: ${r.filesOnDisk} on disk, ${r.filesRead} read; cases: ${r.totals.cases} = ${r.totals.passed} passed + ${r.totals.failed} failed + ${r.totals.unsupported} unsupported`)
  if (r.sessionError !== null) lines.push(`session ended early: ${r.sessionError}`)
  for (const p of r.problems.slice(0, 50)) lines.push(`vector tree: ${p.path}: ${p.problem}`)
  if (r.problems.length > 50) lines.push(`vector tree: ... ${r.problems.length - 50} more problems`)
  for (const f of r.failures.slice(0, maxFailures)) {
    lines.push("", `FAIL ${f.case}`, `  ${f.reason}`, `  expected: ${JSON.stringify(f.expected)}`, `  actual:   ${f.actual === null ? "(no answer)" : JSON.stringify(f.actual)}`)
  }
  if (r.failures.length > maxFailures) lines.push("", `... and ${r.failures.length - maxFailures} more failures (--json lists them all)`)
  lines.push("", r.ok ? "result: PASS" : "result: FAIL", "")
  return lines.join("\n")
}
