// spec: CONF-SUITE.1..4, CONF-PROTO.1..5 (conformance/README.md, spec/18-conformance.md)
// The conformance suite's shared types. A *handler* is one function two implementations must agree
// on (suite "consensus", handler "quorum": stakes and votes -> quorum or not). Its vector files live in
// conformance/vectors/<suite>/<handler>/*.json and are described by the JSON Schema
// conformance/schema/<suite>/<handler>.json. The runner turns each file into cases (name, input,
// expected result), sends each case's input to an implementation over the line-delimited JSON protocol
// and compares the answer with the expected result.

/** A JSON value as the protocol carries it (numbers are safe integers or finite doubles). */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }
export type JsonObject = { readonly [k: string]: Json }

/** What an implementation answers for one case: an output, or a reject code (absent post = reject). */
export type CaseResult = { readonly output: Json } | { readonly reject: string }

/** One case as the runner sends it: its input and the result the reference implementation expects. */
export interface ConformanceCase {
  /** Unique within its file; the runner reports `<suite>/<handler>/<file>/<name>`. */
  readonly name: string
  readonly input: Json
  readonly expected: CaseResult
}

/** The version every vector file of the generic form carries in `format`. */
export const VECTOR_FORMAT = "poai/conformance/v1"

/**
 * The generic vector file (most handlers): cases carry their input and either `output` or `reject`.
 *   { "format": "poai/conformance/v1", "suite", "handler", "description", "spec": [REQ-ID...],
 *     "cases": [ { "name", "description"?, "input", "output" } | { "name", "description"?, "input", "reject" } ] }
 */
export interface GenericVectorCase {
  readonly name: string
  readonly description?: string
  readonly input: Json
  readonly output?: Json
  readonly reject?: string
}
export interface GenericVectorFile {
  readonly format: typeof VECTOR_FORMAT
  readonly suite: string
  readonly handler: string
  readonly description: string
  readonly spec: ReadonlyArray<string>
  readonly cases: ReadonlyArray<GenericVectorCase>
}

/** Thrown by a handler's `run` when a case's input is not what its schema describes (protocol `error`). */
export class ConformanceInputError extends Error {
  override readonly name = "ConformanceInputError"
}

/** A handler: what the runner needs (schema, how files become cases) and the reference implementation. */
export interface HandlerDef {
  readonly suite: string
  readonly handler: string
  readonly description: string
  /** Requirement IDs of spec/ this handler checks. */
  readonly spec: ReadonlyArray<string>
  /** Format version of this handler's files (index.json records it). */
  readonly formatVersion: string
  /**
   * Turn one vector file (JSON-parsed, already validated against conformance/schema/<suite>/<handler>.json)
   * into cases. Generic files use `genericCases`.
   */
  readonly cases: (file: Json, fileName: string) => ReadonlyArray<ConformanceCase>
  /** The reference implementation: one case's input -> output or reject code. Throws ConformanceInputError on bad input. */
  readonly run: (input: Json) => CaseResult | Promise<CaseResult>
  /**
   * Optional comparison (default: exact JSON equality, CONF-PROTO.4). Returns undefined when `actual`
   * matches `expected`, else a one-line description of the first difference. Used where the vectors
   * state an allowed error (floating-point metrics).
   */
  readonly compare?: (expected: CaseResult, actual: CaseResult, input: Json) => string | undefined
}

/** Cases of a generic-form file (VECTOR_FORMAT). */
export const genericCases = (file: Json): ReadonlyArray<ConformanceCase> => {
  const f = file as unknown as GenericVectorFile
  return f.cases.map((c) => ({
    name: c.name,
    input: c.input,
    expected: c.reject !== undefined ? { reject: c.reject } : { output: c.output ?? null },
  }))
}

/** Build a generic vector file; `cases` whose expected result is a reject carry `reject`, else `output`. */
export const genericFile = (
  suite: string,
  handler: string,
  description: string,
  spec: ReadonlyArray<string>,
  cases: ReadonlyArray<{ readonly name: string; readonly description?: string; readonly input: Json; readonly result: CaseResult }>,
): GenericVectorFile => ({
  format: VECTOR_FORMAT,
  suite,
  handler,
  description,
  spec,
  cases: cases.map((c) => ({
    name: c.name,
    ...(c.description !== undefined ? { description: c.description } : {}),
    input: c.input,
    ...("reject" in c.result ? { reject: c.result.reject } : { output: c.result.output }),
  })),
})

/** Input accessors for handlers: typed failures instead of exceptions from undefined fields. */
export const field = (input: Json, name: string): Json => {
  if (input === null || typeof input !== "object" || Array.isArray(input)) throw new ConformanceInputError(`input is not an object`)
  const v = (input as JsonObject)[name]
  if (v === undefined) throw new ConformanceInputError(`input has no field ${name}`)
  return v
}
export const str = (input: Json, name: string): string => {
  const v = field(input, name)
  if (typeof v !== "string") throw new ConformanceInputError(`input field ${name} is not a string`)
  return v
}
export const num = (input: Json, name: string): number => {
  const v = field(input, name)
  if (typeof v !== "number") throw new ConformanceInputError(`input field ${name} is not a number`)
  return v
}
export const arr = (input: Json, name: string): ReadonlyArray<Json> => {
  const v = field(input, name)
  if (!Array.isArray(v)) throw new ConformanceInputError(`input field ${name} is not an array`)
  return v as ReadonlyArray<Json>
}
/** Lowercase hex without 0x (the form of every byte field in the vectors) -> bytes. */
export const hexField = (input: Json, name: string): Uint8Array => {
  const s = str(input, name)
  if (!/^([0-9a-f]{2})*$/.test(s)) throw new ConformanceInputError(`input field ${name} is not lowercase hex`)
  return Uint8Array.from(Buffer.from(s, "hex"))
}
/** Integers that may exceed 2^53 travel as decimal strings. */
export const bigField = (input: Json, name: string): bigint => {
  const s = str(input, name)
  if (!/^(0|-?[1-9][0-9]*)$/.test(s)) throw new ConformanceInputError(`input field ${name} is not a decimal integer string`)
  return BigInt(s)
}
export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex")
