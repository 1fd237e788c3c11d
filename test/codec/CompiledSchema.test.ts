// spec: ENC-SCHEMA.1, ENC-SCHEMA.2 (spec/02-encoding.md)
// The compiled schema check (src/codec/CompiledSchema.ts) must accept exactly what Effect's parser
// accepts, in both of its modes, and when encoding must yield a value with Effect's bytes:
//   - strict (decode, validate: onExcessProperty "error"): accepted iff Effect's decodeUnknown accepts;
//   - encoding (Effect's default "ignore"): accepted iff Schema.encodeSync succeeds, and the canonical
//     encoding of its result equals that of encodeSync's result.
// Checked on a valid sample of every wire codec (test/fixtures/samples.ts) and on value-level
// mutations of them (fast-check, 4,000 runs, seed 77): a node replaced by junk or by a node of another
// sample, keys deleted or added (string and symbol), arrays grown or shrunk, prototypes changed, keys
// made non-enumerable or inherited, union tags swapped. Then on hand-built schemas for the AST shapes
// the wire types do not use but the compiler covers (optional keys, undefined-accepting fields), and
// the shapes it must refuse (answered by Effect alone).
import { Either, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { canonicalEncode } from "../../src/codec/Canonical.ts"
import { encodedBlock } from "../../src/codec/Hashing.ts"
import type { Block } from "../../src/domain/Block.ts"
import { compileSchema, REJECT } from "../../src/codec/CompiledSchema.ts"
import { Codecs, type Codec, type CodecName } from "../../src/codec/index.ts"
import { ExtractionCodecs } from "../../src/ml/Extraction.ts"
import { InferenceCodecs } from "../../src/ml/Inference.ts"
import { TrainingCodecs } from "../../src/ml/Training.ts"
import { ScoringCodecs } from "../../src/quality/Scoring.ts"
import { AttestationCodecs } from "../../src/verification/Attestation.ts"
import { SimCodecs } from "../../src/verification/SimTee.ts"
import { SnpEvidenceCodec } from "../../src/verification/tee/SevSnp.ts"
import { CODEC_NAMES, sampleOf } from "../fixtures/samples.ts"

const strictOptions = { onExcessProperty: "error", errors: "first" } as const

/** What a canonical encoding of v gives: its hex, or the name of what it threw. */
const bytesOf = (v: unknown): string => {
  try {
    return toHex(canonicalEncode(v))
  } catch (e) {
    return `throws ${e instanceof Error ? e.name : typeof e}`
  }
}

/** Compiled and Effect agree on `v` in both modes (the message names the first disagreement). */
const disagreement = (schema: Schema.Schema<any, any, never>, v: unknown): string | undefined => {
  const compiled = compileSchema(schema.ast)
  if (compiled === undefined) return "not compiled"
  const strictC = compiled(v, true) !== REJECT
  const strictE = Either.isRight(Schema.decodeUnknownEither(schema, strictOptions)(v))
  if (strictC !== strictE) return `strict: compiled ${strictC ? "accepts" : "rejects"}, Effect ${strictE ? "accepts" : "rejects"}`
  const c = compiled(v, false)
  let e: unknown = REJECT
  try {
    e = Schema.encodeSync(schema)(v)
  } catch {
    e = REJECT
  }
  if ((c === REJECT) !== (e === REJECT)) return `encoding: compiled ${c === REJECT ? "rejects" : "accepts"}, Effect ${e === REJECT ? "rejects" : "accepts"}`
  if (c !== REJECT && bytesOf(c) !== bytesOf(e)) return "encoding: different bytes"
  return undefined
}

const codec = (name: CodecName): Codec<unknown> => Codecs[name] as unknown as Codec<unknown>

// ---------------------------------------------------------------------------------------------
// value mutations

class Foreign {
  constructor(fields: object) {
    Object.assign(this, fields)
  }
}
const JUNK: ReadonlyArray<unknown> = [
  null, undefined, true, false, 0, -1, 1, 1.5, Number.NaN, 2 ** 53, -(2 ** 53), 1_000_000, 1_000_001, -2,
  "", "a", "x".repeat(40), "prevote", "precommit", "vote", "proposal", "inference", "POAI",
  new Uint8Array(0), new Uint8Array(8), new Uint8Array(31), new Uint8Array(32), new Uint8Array(33), new Uint8Array(48),
  new Uint8Array(64), new Uint8Array(96), Buffer.alloc(32), new Uint16Array(16), [], [1], [new Uint8Array(32)], {}, new Map(),
  Symbol("s"), 10n,
]
const OPS = ["replace", "graft", "delete-key", "add-key", "add-symbol-key", "push", "pop", "null-proto", "class", "non-enumerable", "inherited", "retag"] as const
type Op = (typeof OPS)[number]

/** Every object or array reachable from v (not inside byte strings), with a setter for its slot. */
interface Slot {
  readonly value: unknown
  readonly set: (x: unknown) => void
}
const slotsOf = (root: { v: unknown }): Slot[] => {
  const out: Slot[] = []
  const walk = (value: unknown, set: (x: unknown) => void) => {
    out.push({ value, set })
    if (value instanceof Uint8Array || typeof value !== "object" || value === null) return
    if (Array.isArray(value)) value.forEach((x, i) => walk(x, (y) => (value[i] = y)))
    else for (const k of Object.keys(value)) walk((value as Record<string, unknown>)[k], (y) => ((value as Record<string, unknown>)[k] = y))
  }
  walk(root.v, (y) => (root.v = y))
  return out
}

/** A deep copy whose objects and arrays are fresh (byte strings shared: they are never written). */
const clone = (v: unknown): unknown => {
  if (v instanceof Uint8Array || typeof v !== "object" || v === null) return v
  if (Array.isArray(v)) return v.map(clone)
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]))
}

const TAGS: Record<string, ReadonlyArray<string>> = {
  type: ["proposal", "vote", "tx", "commitment", "reveal", "evidence", "audit", "score-commit", "score-reveal", "sync-request", "sync-response", "prevote", "precommit"],
  kind: ["duplicate-vote", "duplicate-proposal", "inference", "training", "extraction"],
}

const mutated = (sample: unknown, other: unknown, op: Op, at: number, pick: number): unknown => {
  const root = { v: clone(sample) }
  const slots = slotsOf(root)
  const slot = slots[at % slots.length]!
  const x = slot.value
  const isObj = typeof x === "object" && x !== null && !(x instanceof Uint8Array) && !Array.isArray(x)
  const rec = x as Record<string, unknown>
  switch (op) {
    case "replace":
      slot.set(JUNK[pick % JUNK.length])
      break
    case "graft": {
      const donors = slotsOf({ v: clone(other) })
      slot.set(donors[pick % donors.length]!.value)
      break
    }
    case "delete-key":
      if (isObj && Object.keys(rec).length > 0) delete rec[Object.keys(rec)[pick % Object.keys(rec).length]!]
      break
    case "add-key":
      if (isObj) rec[["extra", "type", "signature", "a", "zz"][pick % 5]! + (pick % 3 === 0 ? "" : "2")] = JUNK[pick % JUNK.length]
      break
    case "add-symbol-key":
      if (isObj) (rec as Record<symbol, unknown>)[Symbol("k")] = 1
      break
    case "push":
      if (Array.isArray(x)) x.push(pick % 2 === 0 && x.length > 0 ? clone(x[0]) : JUNK[pick % JUNK.length])
      break
    case "pop":
      if (Array.isArray(x)) x.pop()
      break
    case "null-proto":
      if (isObj) slot.set(Object.assign(Object.create(null), rec))
      break
    case "class":
      if (isObj) slot.set(new Foreign(rec))
      break
    case "non-enumerable":
      if (isObj && Object.keys(rec).length > 0) {
        const k = Object.keys(rec)[pick % Object.keys(rec).length]!
        Object.defineProperty(rec, k, { value: rec[k], enumerable: false, writable: true, configurable: true })
      }
      break
    case "inherited":
      // every field read through the prototype (Effect reads a missing required key as input[key])
      if (isObj) slot.set(pick % 2 === 0 ? Object.create(rec) : Object.assign(Object.create({ inheritedExtra: 1 }), rec))
      break
    case "retag":
      if (isObj)
        for (const k of ["type", "kind"])
          if (typeof rec[k] === "string") rec[k] = TAGS[k]![pick % TAGS[k]!.length]
      break
  }
  return root.v
}

// ---------------------------------------------------------------------------------------------

describe("ENC-SCHEMA.2: every wire codec is compiled", () => {
  it("every codec of every registry answers acceptance with the compiled check", () => {
    const sets = { Codecs, ScoringCodecs, AttestationCodecs, SimCodecs, SnpEvidenceCodec: { SnpEvidenceCodec }, InferenceCodecs, ExtractionCodecs, TrainingCodecs }
    const notCompiled = Object.entries(sets).flatMap(([set, cs]) =>
      Object.entries(cs as Record<string, Codec<unknown>>)
        .filter(([, c]) => !c.compiled)
        .map(([n]) => `${set}.${n}`),
    )
    expect(notCompiled).toEqual([])
  })
})

describe("ENC-SCHEMA.2: the compiled check agrees with Effect's parser", () => {
  it("on a valid sample of every codec (40 seeds each): accepted in both modes, encoding to its own bytes", () => {
    for (const name of CODEC_NAMES)
      for (let seed = 0; seed < 40; seed++) {
        const v = sampleOf(name, seed)
        expect(disagreement(codec(name).schema, v), `${name} seed ${seed}`).toBeUndefined()
        expect(compileSchema(codec(name).schema.ast)!(v, true)).toBe(v)
        expect(compileSchema(codec(name).schema.ast)!(v, false)).toBe(v) // nothing to drop: the input itself
        // the block bytes nodes keep (NODE-SYNC.1) are the codec's
        if (name === "Block") expect(toHex(encodedBlock(v as Block))).toBe(toHex(codec(name).encode(v)))
      }
  })

  it("on value-level mutations of valid samples (fast-check, 4000 runs, seed 77)", () => {
    const seen = { accepted: 0, rejected: 0 }
    fc.assert(
      fc.property(
        fc.constantFrom(...CODEC_NAMES),
        fc.constantFrom(...CODEC_NAMES),
        fc.nat(1000),
        fc.array(fc.record({ op: fc.constantFrom(...OPS), at: fc.nat(), pick: fc.nat() }), { minLength: 1, maxLength: 3 }),
        (name, otherName, seed, ops) => {
          let v: unknown = sampleOf(name, seed)
          for (const o of ops) v = mutated(v, sampleOf(otherName, seed + 1), o.op, o.at, o.pick)
          const d = disagreement(codec(name).schema, v)
          if (d !== undefined) throw new Error(`${name} ${JSON.stringify(ops)}: ${d}`)
          if (Either.isRight(codec(name).validate(v))) seen.accepted++
          else seen.rejected++
        },
      ),
      { numRuns: 4000, seed: 77 },
    )
    // the mutations reach both answers (a generator that only ever broke values would test half)
    expect(seen.accepted).toBeGreaterThan(1000)
    expect(seen.rejected).toBeGreaterThan(1000)
  })

  it("through the codec: validate returns the value itself, encode gives Effect's bytes, rejections carry Effect's detail", () => {
    const v = sampleOf("Vote", 3)
    const c = codec("Vote")
    expect(Either.getOrThrow(c.validate(v))).toBe(v)
    const withExtra = { ...(v as object), extra: 1 }
    expect(toHex(c.encode(withExtra))).toBe(toHex(canonicalEncode(Schema.encodeSync(c.schema)(withExtra))))
    expect(toHex(c.encode(withExtra))).toBe(toHex(c.encode(v)))
    const bad = c.validate(withExtra)
    expect(Either.isLeft(bad) && bad.left.detail).toMatch(/extra.*is unexpected/)
    expect(() => c.encode({ ...(v as object), round: -5 })).toThrow()
  })
})

describe("ENC-SCHEMA.2: shapes beyond the wire types", () => {
  const Opt = Schema.Struct({ a: Schema.Number, b: Schema.optional(Schema.String), c: Schema.Undefined, d: Schema.UndefinedOr(Schema.Int) })
  const values: ReadonlyArray<unknown> = [
    { a: 1, c: undefined },
    { a: 1, b: "x", c: undefined, d: 3 },
    { a: 1, b: undefined, c: undefined },
    { a: 1 },
    { a: 1, c: undefined, d: 1.5 },
    { a: 1, c: undefined, e: 2 },
    { a: "1", c: undefined },
    Object.create({ a: 1, c: undefined }),
    [],
    null,
  ]
  it("optional keys and fields that accept undefined agree in both modes", () => {
    for (const v of values) expect(disagreement(Opt, v), JSON.stringify(v)).toBeUndefined()
  })

  it("tagged unions dispatch on the tag; literal unions by membership; NullOr by kind", () => {
    const U = Schema.Union(Schema.Struct({ t: Schema.Literal("a"), x: Schema.Number }), Schema.Struct({ t: Schema.Literal("b"), x: Schema.String }), Schema.Null)
    for (const v of [{ t: "a", x: 1 }, { t: "b", x: "s" }, { t: "a", x: "s" }, { t: "c", x: 1 }, { x: 1 }, null, undefined, { t: "b", x: "s", y: 1 }])
      expect(disagreement(U, v), JSON.stringify(v)).toBeUndefined()
    const L = Schema.Literal("p", "q", 1, null)
    for (const v of ["p", "q", 1, null, "r", 2, undefined]) expect(disagreement(L, v), String(v)).toBeUndefined()
  })

  it("refuses what it cannot decide alone (the codec then runs Effect only)", () => {
    interface Tree { readonly kids: ReadonlyArray<Tree> }
    const Tree: Schema.Schema<Tree> = Schema.Struct({ kids: Schema.Array(Schema.suspend(() => Tree)) })
    const refused = {
      suspend: Tree,
      transformation: Schema.NumberFromString,
      overlappingUnion: Schema.Union(Schema.String, Schema.Literal("a")),
      untaggedStructs: Schema.Union(Schema.Struct({ a: Schema.Number }), Schema.Struct({ b: Schema.Number })),
      sameTag: Schema.Union(Schema.Struct({ t: Schema.Literal("a") }), Schema.Struct({ t: Schema.Literal("a"), u: Schema.Number })),
      record: Schema.Record({ key: Schema.String, value: Schema.Number }),
      tuple: Schema.Tuple(Schema.Number, Schema.String),
      otherDeclaration: Schema.DateFromSelf,
    }
    for (const [k, s] of Object.entries(refused)) expect(compileSchema((s as Schema.Schema<unknown, unknown, never>).ast), k).toBeUndefined()
  })
})
