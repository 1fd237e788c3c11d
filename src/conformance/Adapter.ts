// spec: CONF-PROTO.1..3 — the reference implementation's side of the runner protocol: every handler of
// the registry, answered by its `run` (src/ code). `poai conformance adapter` serves it on stdin/stdout;
// `poai conformance run` without --impl starts it as a child process, so the default run goes through
// the same protocol as any other implementation.
import { HANDLERS, findHandler, handlerKey } from "./Registry.ts"
import { LineSplitter, PROTOCOL, ProtocolError, type CaseResponse, type HelloResponse } from "./Protocol.ts"
import { ConformanceInputError, type Json, type JsonObject } from "./Types.ts"

export const REFERENCE_IMPLEMENTATION = "poai-ts (reference implementation)"

const oneLine = (s: string): string => s.replace(/\s+/g, " ").slice(0, 500)

/** Answer one request line with one response line (no newline). Never throws. */
export const adapterHandle = async (line: string): Promise<string> => {
  let msg: unknown
  try {
    msg = JSON.parse(line)
  } catch {
    return JSON.stringify({ id: -1, error: "PROTO_BAD_JSON: request is not JSON" })
  }
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return JSON.stringify({ id: -1, error: "PROTO_BAD_MESSAGE: request is not an object" })
  const m = msg as JsonObject
  if (m.type === "hello") {
    const hello: HelloResponse = { type: "hello", protocol: PROTOCOL, implementation: REFERENCE_IMPLEMENTATION, handlers: HANDLERS.map(handlerKey) }
    return JSON.stringify(hello)
  }
  const id = typeof m.id === "number" && Number.isSafeInteger(m.id) ? m.id : -1
  if (m.type !== "case" || id < 0 || typeof m.suite !== "string" || typeof m.handler !== "string" || !("input" in m))
    return JSON.stringify({ id, error: "PROTO_BAD_MESSAGE: expected {type:'case', id, suite, handler, case, input}" })
  const def = findHandler(m.suite, m.handler)
  if (def === undefined) return JSON.stringify({ id, unsupported: true } satisfies CaseResponse)
  try {
    const r = await def.run(m.input as Json)
    return JSON.stringify("reject" in r ? { id, reject: r.reject } : { id, output: r.output })
  } catch (e) {
    const kind = e instanceof ConformanceInputError ? "bad input" : "internal error"
    return JSON.stringify({ id, error: oneLine(`${kind}: ${e instanceof Error ? e.message : String(e)}`) })
  }
}

/** Serve the protocol until EOF on `input` (one request at a time, answers in order). */
export const serveAdapter = async (input: NodeJS.ReadableStream, write: (s: string) => void): Promise<number> => {
  const split = new LineSplitter()
  let queue: Promise<void> = Promise.resolve()
  let failed = false
  await new Promise<void>((resolve) => {
    input.on("data", (chunk: Buffer | string) => {
      let lines: string[]
      try {
        lines = split.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk)
      } catch (e) {
        if (e instanceof ProtocolError) {
          write(`${JSON.stringify({ id: -1, error: e.message })}\n`)
          failed = true
          resolve()
          return
        }
        throw e
      }
      for (const line of lines) {
        if (line.trim() === "") continue
        queue = queue.then(async () => write(`${await adapterHandle(line)}\n`))
      }
    })
    input.on("end", () => resolve())
    input.on("error", () => {
      failed = true
      resolve()
    })
  })
  await queue
  return failed ? 1 : 0
}
