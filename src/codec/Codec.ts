// spec: ENC-CBOR.3, ERR-DECODE (spec/02-encoding.md, spec/07-errors.md)
// Encode a typed wire value to its canonical bytes; decode untrusted bytes to a typed value or a
// DecodeError. Decoding never throws.
import { Data, Either, ParseResult, Schema } from "effect"
import { canonicalDecode, canonicalEncode } from "./Canonical.ts"
import { compileSchema, REJECT } from "./CompiledSchema.ts"

export type DecodeReason = "oversized" | "malformed" | "non-canonical" | "schema"

/** Untrusted bytes were not a valid canonical encoding of the expected type. */
export class DecodeError extends Data.TaggedError("DecodeError")<{
  readonly type: string
  readonly reason: DecodeReason
  readonly detail: string
}> {
  /** ERR-PROTOCOL.2: a typed rejection captures no stack trace (a network delivers garbage at will). */
  constructor(args: { readonly type: string; readonly reason: DecodeReason; readonly detail: string }) {
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      super(args)
    } finally {
      Error.stackTraceLimit = limit
    }
  }

  override get message(): string {
    return `cannot decode ${this.type}: ${this.reason}: ${this.detail}`
  }
}

export interface Codec<A> {
  readonly name: string
  readonly schema: Schema.Schema<A, any, never>
  readonly encode: (value: A) => Uint8Array
  readonly decode: (bytes: Uint8Array) => Either.Either<A, DecodeError>
  /** Validate an in-memory value against the schema (e.g. values built by hand). */
  readonly validate: (value: unknown) => Either.Either<A, DecodeError>
  /** ENC-SCHEMA.2: whether acceptance is answered by the compiled check (else by Effect alone). */
  readonly compiled: boolean
}

const parseOptions = { onExcessProperty: "error", errors: "first" } as const

export const makeCodec = <A, I>(name: string, schema: Schema.Schema<A, I, never>): Codec<A> => {
  const encodeSync = Schema.encodeSync(schema)
  const decodeUnknown = Schema.decodeUnknownEither(schema, parseOptions)
  // ENC-SCHEMA.2: the compiled check answers acceptance; every rejection (and every schema it does
  // not cover) goes through Effect, so errors are Effect's own
  const compiled = compileSchema(schema.ast)
  const effectValidate = (value: unknown): Either.Either<A, DecodeError> =>
    Either.mapLeft(
      decodeUnknown(value),
      (e) =>
        new DecodeError({
          type: name,
          reason: "schema",
          detail: ParseResult.TreeFormatter.formatErrorSync(e).split("\n").slice(0, 6).join(" "),
        }),
    )
  const validate =
    compiled === undefined
      ? effectValidate
      : (value: unknown): Either.Either<A, DecodeError> => (compiled(value, true) !== REJECT ? Either.right(value as A) : effectValidate(value))
  const encode =
    compiled === undefined
      ? (value: A) => canonicalEncode(encodeSync(value))
      : (value: A) => {
          const wire = compiled(value, false)
          return canonicalEncode(wire !== REJECT ? wire : encodeSync(value))
        }
  return {
    name,
    schema,
    encode,
    decode: (bytes) =>
      Either.flatMap(
        Either.mapLeft(canonicalDecode(bytes), (f) => new DecodeError({ type: name, reason: f.reason, detail: f.detail })),
        validate,
      ),
    validate,
    compiled: compiled !== undefined,
  }
}
