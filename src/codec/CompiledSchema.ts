// spec: ENC-SCHEMA.2 (spec/02-encoding.md)
// A schema's acceptance check compiled once from its AST into plain closures, for the hot path of
// Codec.encode / decode / validate (issue 12: Effect's general parser, which builds an output copy,
// an Either and a Pointer chain per node, was about 10 % of the simulator's CPU). The compiled check
// answers only "accepted, and with which wire value": every rejection is still produced by Effect
// (Codec.ts falls back to it), so error details are Effect's own. It covers exactly the AST nodes the
// wire types use (structs, arrays, refinements, literals, disjoint unions, keywords, byte strings);
// any other node makes `compileSchema` answer undefined and the codec uses Effect throughout.
// test/codec/CompiledSchema.test.ts checks that both agree on every codec's valid and mutated values.
import { Option, Schema, SchemaAST as AST } from "effect"

/** The compiled check's "rejected". */
export const REJECT: unique symbol = Symbol("REJECT")
export type Verdict = unknown

/**
 * `strict` mirrors `onExcessProperty: "error"` (decoding and validation): an own key a struct does not
 * declare rejects, and an accepted value is returned as it is. Otherwise (encoding, Effect's default
 * `"ignore"`) undeclared keys are dropped: the result is the value Effect's `encodeSync` returns, up to
 * object identity, and it is the input itself wherever nothing had to be dropped.
 */
export type Compiled = (value: unknown, strict: boolean) => Verdict

const parseOptions = { onExcessProperty: "error", errors: "first" } as const
const uint8ArrayAst = Schema.Uint8ArrayFromSelf.ast

type Kind = "null" | "undefined" | "string" | "number" | "boolean" | "bigint" | "object" | "array"

/** The broad class of JavaScript values a node can accept (objects and byte strings share "object",
 * as Effect's struct check accepts any non-array object). */
const kindOf = (ast: AST.AST): Kind | undefined => {
  switch (ast._tag) {
    case "Literal":
      return ast.literal === null ? "null" : (typeof ast.literal as Kind)
    case "StringKeyword":
      return "string"
    case "NumberKeyword":
      return "number"
    case "BooleanKeyword":
      return "boolean"
    case "BigIntKeyword":
      return "bigint"
    case "UndefinedKeyword":
      return "undefined"
    case "Declaration":
    case "TypeLiteral":
      return "object"
    case "TupleType":
      return "array"
    case "Refinement":
      return kindOf(ast.from)
    default:
      return undefined
  }
}

/** The literal value of a struct's required property `name`, if its type is a literal. */
const literalProperty = (ast: AST.AST, name: string): { readonly value: AST.LiteralValue } | undefined => {
  if (ast._tag !== "TypeLiteral") return undefined
  const ps = ast.propertySignatures.find((p) => p.name === name)
  return ps !== undefined && !ps.isOptional && ps.type._tag === "Literal" ? { value: ps.type.literal } : undefined
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)
const hasOwn = Object.prototype.hasOwnProperty

const compileNode = (ast: AST.AST, memo: Map<AST.AST, Compiled | null>): Compiled | undefined => {
  const known = memo.get(ast)
  if (known !== undefined) return known ?? undefined
  memo.set(ast, null) // a cycle (a Suspend is never compiled) reads as unsupported
  const c = build(ast, memo)
  memo.set(ast, c ?? null)
  return c
}

const build = (ast: AST.AST, memo: Map<AST.AST, Compiled | null>): Compiled | undefined => {
  switch (ast._tag) {
    case "StringKeyword":
      return (v) => (typeof v === "string" ? v : REJECT)
    case "NumberKeyword":
      return (v) => (typeof v === "number" ? v : REJECT)
    case "BooleanKeyword":
      return (v) => (typeof v === "boolean" ? v : REJECT)
    case "BigIntKeyword":
      return (v) => (typeof v === "bigint" ? v : REJECT)
    case "UndefinedKeyword":
      return (v) => (v === undefined ? v : REJECT)
    case "Literal": {
      const lit = ast.literal
      return (v) => (v === lit ? v : REJECT)
    }
    case "Declaration":
      // only Uint8ArrayFromSelf (Effect: `input instanceof Uint8Array`, the same array back)
      return ast === uint8ArrayAst ? (v) => (v instanceof Uint8Array ? v : REJECT) : undefined
    case "Refinement": {
      const from = compileNode(ast.from, memo)
      if (from === undefined) return undefined
      const filter = ast.filter
      // Effect decodes `from`, then applies the predicate to what that gave (encoding: the type side
      // is decoded under the same options, then the from side encoded, an identity without transformations)
      return (v, strict) => {
        const w = from(v, strict)
        return w === REJECT || Option.isSome(filter(w, parseOptions, ast)) ? REJECT : w
      }
    }
    case "TupleType": {
      // Schema.Array(item): no fixed elements, one rest element
      if (ast.elements.length !== 0 || ast.rest.length !== 1) return undefined
      const item = compileNode(ast.rest[0]!.type, memo)
      if (item === undefined) return undefined
      return (v, strict) => {
        if (!Array.isArray(v)) return REJECT
        let out: Array<unknown> | undefined
        for (let i = 0; i < v.length; i++) {
          const w = item(v[i], strict)
          if (w === REJECT) return REJECT
          if (w !== v[i] && out === undefined) out = v.slice(0, i)
          if (out !== undefined) out.push(w)
        }
        return out ?? v
      }
    }
    case "TypeLiteral": {
      if (ast.indexSignatures.length !== 0) return undefined
      if (ast.propertySignatures.length === 0) return (v) => (v !== null && v !== undefined ? v : REJECT)
      const names: Array<string> = []
      const optional: Array<boolean> = []
      const types: Array<Compiled> = []
      for (const ps of ast.propertySignatures) {
        if (typeof ps.name !== "string") return undefined
        const t = compileNode(ps.type, memo)
        if (t === undefined) return undefined
        names.push(ps.name)
        optional.push(ps.isOptional)
        types.push(t)
      }
      const declared: Record<string, true> = Object.create(null)
      for (const n of names) declared[n] = true
      const count = names.length
      return (v, strict) => {
        if (!isRecord(v)) return REJECT
        if (strict) {
          // Effect: Reflect.ownKeys, every key must be declared (symbols included)
          const keys = Reflect.ownKeys(v)
          for (let i = 0; i < keys.length; i++) {
            const k = keys[i]!
            if (typeof k !== "string" || declared[k] !== true) return REJECT
          }
        }
        let out: Record<string, unknown> | undefined
        let present = 0
        for (let i = 0; i < count; i++) {
          const name = names[i]!
          const own = hasOwn.call(v, name)
          if (!own && optional[i]) continue
          // Effect (not `exact`): a missing required key is parsed as the value read, usually undefined
          const x = v[name]
          const w = types[i]!(x, strict)
          if (w === REJECT) return REJECT
          if (own) present++
          if (strict) continue
          // a changed value, or a required key absent yet accepted (Effect's output then has the key)
          if (out === undefined && (w !== x || !own)) out = copyDeclared(v, names, optional, i)
          if (out !== undefined) out[name] = w
        }
        if (strict || out !== undefined) return out ?? v
        // encoding returns a plain object of the declared keys only: the input itself is that object
        // iff it is a plain object whose enumerable keys (inherited ones included) are exactly the
        // declared keys it has as own properties
        if (Object.getPrototypeOf(v) !== Object.prototype) return copyDeclared(v, names, optional, count)
        let seen = 0
        for (const k in v) {
          if (declared[k] !== true || !hasOwn.call(v, k)) return copyDeclared(v, names, optional, count)
          seen++
        }
        return seen === present ? v : copyDeclared(v, names, optional, count)
      }
    }
    case "Union": {
      const members = ast.types
      // all literals: membership
      if (members.every((m) => m._tag === "Literal")) {
        const lits = members.map((m) => (m as AST.Literal).literal)
        return (v) => (lits.includes(v as AST.LiteralValue) ? v : REJECT)
      }
      // otherwise members must be disjoint by kind, structs told apart by one literal tag, so at most
      // one member accepts any value and Effect's candidate order cannot matter
      const kinds = members.map(kindOf)
      if (kinds.some((k) => k === undefined)) return undefined
      const objects = members.filter((_, i) => kinds[i] === "object")
      const others = members.filter((_, i) => kinds[i] !== "object")
      for (let i = 0; i < others.length; i++)
        for (let j = i + 1; j < others.length; j++) {
          const a = others[i]!, b = others[j]!
          if (kindOf(a) !== kindOf(b)) continue
          if (a._tag === "Literal" && b._tag === "Literal" && a.literal !== b.literal) continue
          return undefined
        }
      const compiledOthers: Array<Compiled> = []
      for (const m of others) {
        const c = compileNode(m, memo)
        if (c === undefined) return undefined
        compiledOthers.push(c)
      }
      let byTag: ((v: Record<string, unknown>) => Compiled | undefined) | undefined
      if (objects.length === 1) {
        const c = compileNode(objects[0]!, memo)
        if (c === undefined) return undefined
        byTag = () => c
      } else if (objects.length > 1) {
        const first = objects[0]!
        if (first._tag !== "TypeLiteral") return undefined
        const tagName = first.propertySignatures
          .map((p) => p.name)
          .find((n) => typeof n === "string" && objects.every((o) => literalProperty(o, n) !== undefined))
        if (typeof tagName !== "string") return undefined
        const table = new Map<AST.LiteralValue, Compiled>()
        for (const o of objects) {
          const tag = literalProperty(o, tagName)!.value
          const c = compileNode(o, memo)
          if (c === undefined || table.has(tag)) return undefined
          table.set(tag, c)
        }
        byTag = (v) => (hasOwn.call(v, tagName) ? table.get(v[tagName] as AST.LiteralValue) : undefined)
      }
      return (v, strict) => {
        for (let i = 0; i < compiledOthers.length; i++) {
          const w = compiledOthers[i]!(v, strict)
          if (w !== REJECT) return w
        }
        if (byTag === undefined || !isRecord(v)) return REJECT
        const c = byTag(v)
        return c === undefined ? REJECT : c(v, strict)
      }
    }
    default:
      return undefined
  }
}

/** A plain object holding the declared own keys of `v` (Effect's encoding output), the first `upTo` taken as they are. */
const copyDeclared = (v: Record<string, unknown>, names: ReadonlyArray<string>, optional: ReadonlyArray<boolean>, upTo: number): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (let i = 0; i < upTo; i++) {
    const name = names[i]!
    if (!hasOwn.call(v, name) && optional[i]) continue
    out[name] = v[name]
  }
  return out
}

/**
 * ENC-SCHEMA.2: the compiled check of a schema, or undefined where the schema uses a node this
 * compiler does not cover (then the codec runs Effect's parser alone).
 */
export const compileSchema = (ast: AST.AST): Compiled | undefined => compileNode(ast, new Map())
