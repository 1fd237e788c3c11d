// spec: CONF-PROTO.1..5 (spec/18-conformance.md, conformance/README.md "Runner protocol")
// The line-delimited JSON protocol between the runner and an implementation under test: one JSON
// object per line, UTF-8, "\n"-terminated, on the implementation's stdin (requests) and stdout
// (responses). Hello first, then one response per case, in order; stdin EOF ends the session.
import type { CaseResult, Json, JsonObject } from "./Types.ts"

export const PROTOCOL = "poai/conformance-protocol/v1"
/** Longest line either side may send (CONF-PROTO.5); longer is a protocol error, never buffered without bound. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024

export interface HelloRequest {
  readonly type: "hello"
  readonly protocol: typeof PROTOCOL
}
export interface HelloResponse {
  readonly type: "hello"
  readonly protocol: string
  readonly implementation: string
  /** "<suite>/<handler>" of every handler the implementation answers; the runner sends no other case. */
  readonly handlers: ReadonlyArray<string>
}
export interface CaseRequest {
  readonly type: "case"
  readonly id: number
  readonly suite: string
  readonly handler: string
  /** "<file stem>/<case name>" */
  readonly case: string
  readonly input: Json
}
export type CaseResponse =
  | { readonly id: number; readonly output: Json }
  | { readonly id: number; readonly reject: string }
  | { readonly id: number; readonly unsupported: true }
  | { readonly id: number; readonly error: string }

/** Typed failure of the protocol itself (bad line, wrong id, implementation exited, timeout). */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError"
  constructor(
    readonly code: "PROTO_BAD_JSON" | "PROTO_BAD_MESSAGE" | "PROTO_LINE_TOO_LONG" | "PROTO_WRONG_ID" | "PROTO_EXITED" | "PROTO_TIMEOUT" | "PROTO_HELLO",
    detail: string,
  ) {
    super(`${code}: ${detail}`)
  }
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v)

/** Parse one response line of an implementation (CONF-PROTO.3). */
export const parseCaseResponse = (line: string): CaseResponse => {
  let v: unknown
  try {
    v = JSON.parse(line)
  } catch {
    throw new ProtocolError("PROTO_BAD_JSON", `not JSON: ${line.slice(0, 120)}`)
  }
  if (!isObject(v) || typeof v.id !== "number" || !Number.isSafeInteger(v.id)) throw new ProtocolError("PROTO_BAD_MESSAGE", `response without integer id: ${line.slice(0, 120)}`)
  const keys = Object.keys(v).filter((k) => k !== "id")
  if (keys.length !== 1) throw new ProtocolError("PROTO_BAD_MESSAGE", `response must have exactly one of output|reject|unsupported|error: ${line.slice(0, 120)}`)
  const k = keys[0]
  if (k === "output") return { id: v.id, output: v.output as Json }
  if (k === "reject" && typeof v.reject === "string" && v.reject.length > 0) return { id: v.id, reject: v.reject }
  if (k === "unsupported" && v.unsupported === true) return { id: v.id, unsupported: true }
  if (k === "error" && typeof v.error === "string") return { id: v.id, error: v.error }
  throw new ProtocolError("PROTO_BAD_MESSAGE", `bad response: ${line.slice(0, 120)}`)
}

export const parseHelloResponse = (line: string): HelloResponse => {
  let v: unknown
  try {
    v = JSON.parse(line)
  } catch {
    throw new ProtocolError("PROTO_HELLO", `hello answer is not JSON: ${line.slice(0, 120)}`)
  }
  if (!isObject(v) || v.type !== "hello" || typeof v.protocol !== "string" || !Array.isArray(v.handlers) || !v.handlers.every((h) => typeof h === "string"))
    throw new ProtocolError("PROTO_HELLO", `bad hello answer: ${line.slice(0, 120)}`)
  if (v.protocol !== PROTOCOL) throw new ProtocolError("PROTO_HELLO", `implementation speaks ${v.protocol}, runner ${PROTOCOL}`)
  return { type: "hello", protocol: v.protocol, implementation: typeof v.implementation === "string" ? v.implementation : "(unnamed)", handlers: v.handlers as string[] }
}

/**
 * Splits a byte stream into lines with a bound on line length (CONF-PROTO.5): `push` returns the
 * complete lines; a line longer than `max` throws PROTO_LINE_TOO_LONG instead of growing the buffer.
 */
export class LineSplitter {
  private parts: Buffer[] = []
  private size = 0
  constructor(private readonly max = MAX_LINE_BYTES) {}
  push(chunk: Buffer): string[] {
    const lines: string[] = []
    let start = 0
    for (;;) {
      const nl = chunk.indexOf(10, start)
      if (nl < 0) break
      const piece = chunk.subarray(start, nl)
      if (this.size + piece.length > this.max) throw new ProtocolError("PROTO_LINE_TOO_LONG", `line above ${this.max} bytes`)
      this.parts.push(piece)
      lines.push(Buffer.concat(this.parts).toString("utf8"))
      this.parts = []
      this.size = 0
      start = nl + 1
    }
    const rest = chunk.subarray(start)
    if (rest.length > 0) {
      if (this.size + rest.length > this.max) throw new ProtocolError("PROTO_LINE_TOO_LONG", `line above ${this.max} bytes`)
      this.parts.push(Buffer.from(rest))
      this.size += rest.length
    }
    return lines
  }
  /** Bytes of an unterminated last line (a protocol error at EOF when > 0). */
  pending(): number {
    return this.size
  }
}

// ------------------------------------------------------------------------------------------------
// Comparison (CONF-PROTO.4): exact JSON equality (object key order ignored), first difference named

const describe = (v: Json | undefined): string => {
  const s = JSON.stringify(v)
  return s === undefined ? "(absent)" : s.length > 200 ? `${s.slice(0, 200)}… (${s.length} chars)` : s
}

/** The first path at which `a` (expected) and `b` (actual) differ, or undefined when equal. */
export const firstDifference = (a: Json | undefined, b: Json | undefined, at = ""): string | undefined => {
  if (a === b) return undefined
  if (typeof a !== typeof b || a === null || b === null || a === undefined || b === undefined || typeof a !== "object" || typeof b !== "object")
    return `${at || "/"}: expected ${describe(a)}, got ${describe(b)}`
  if (Array.isArray(a) !== Array.isArray(b)) return `${at || "/"}: expected ${describe(a)}, got ${describe(b)}`
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length)
    for (let i = 0; i < n; i++) {
      if (i >= a.length || i >= b.length) return `${at}/${i}: expected ${describe(a[i])}, got ${describe(b[i])} (lengths ${a.length} vs ${b.length})`
      const d = firstDifference(a[i] as Json, b[i] as Json, `${at}/${i}`)
      if (d !== undefined) return d
    }
    return undefined
  }
  const ao = a as JsonObject
  const bo = b as JsonObject
  const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()
  for (const k of keys) {
    const d = firstDifference(ao[k], bo[k], `${at}/${k}`)
    if (d !== undefined) return d
  }
  return undefined
}

/** Compare an expected result with an implementation's (default rule of CONF-PROTO.4). */
export const compareResults = (expected: CaseResult, actual: CaseResult): string | undefined => {
  if ("reject" in expected) {
    if (!("reject" in actual)) return `expected reject ${expected.reject}, got output ${describe(actual.output)}`
    return expected.reject === actual.reject ? undefined : `expected reject ${expected.reject}, got reject ${actual.reject}`
  }
  if ("reject" in actual) return `expected an output, got reject ${actual.reject}`
  const d = firstDifference(expected.output, actual.output, "output")
  return d
}
