// spec: CLI-FLAGS.1 (spec/08-simulation.md §CLI). A small strict flag parser: unknown flags, missing
// values, malformed numbers, out-of-range values and repeated flags are usage errors.

export class UsageError extends Error {
  override readonly name = "UsageError"
  /** False for an error the usage text cannot help with (an unwritable output, CLI-OUT.1): one line only. */
  readonly pointToUsage: boolean
  constructor(message: string, pointToUsage = true) {
    super(message)
    this.pointToUsage = pointToUsage
  }
}

export type FlagSpec =
  | { readonly kind: "int"; readonly min: number; readonly max: number; readonly default: number }
  | { readonly kind: "float"; readonly min: number; readonly max: number; readonly default: number }
  | { readonly kind: "enum"; readonly values: ReadonlyArray<string>; readonly default: string }
  | { readonly kind: "range"; readonly min: number; readonly max: number; readonly default: readonly [number, number] }
  | { readonly kind: "bool" }
  | { readonly kind: "string"; readonly default: string | undefined }

type ValueOf<S extends FlagSpec> = S extends { kind: "int" | "float" }
  ? number
  : S extends { kind: "enum" }
    ? S["values"][number]
    : S extends { kind: "range" }
      ? readonly [number, number]
      : S extends { kind: "bool" }
        ? boolean
        : string | undefined

export type Parsed<T extends Record<string, FlagSpec>> = { -readonly [K in keyof T]: ValueOf<T[K]> }

const INT = /^(0|[1-9][0-9]*)$/
const FLOAT = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/

const parseValue = (name: string, spec: FlagSpec, raw: string): unknown => {
  switch (spec.kind) {
    case "int": {
      if (!INT.test(raw)) throw new UsageError(`--${name} expects a non-negative integer, got '${raw}'`)
      const n = Number(raw)
      if (n < spec.min || n > spec.max) throw new UsageError(`--${name} must be in ${spec.min}..${spec.max}, got ${raw}`)
      return n
    }
    case "float": {
      if (!FLOAT.test(raw)) throw new UsageError(`--${name} expects a number, got '${raw}'`)
      const n = Number(raw)
      if (n < spec.min || n > spec.max) throw new UsageError(`--${name} must be in [${spec.min}, ${spec.max}], got ${raw}`)
      return n
    }
    case "enum":
      if (!spec.values.includes(raw)) throw new UsageError(`--${name} must be one of ${spec.values.join("|")}, got '${raw}'`)
      return raw
    case "range": {
      const m = /^([0-9]+):([0-9]+)$/.exec(raw)
      if (m === null) throw new UsageError(`--${name} expects MIN:MAX, got '${raw}'`)
      const lo = Number(m[1])
      const hi = Number(m[2])
      if (lo > hi || hi > spec.max || lo < spec.min) throw new UsageError(`--${name} needs ${spec.min} <= MIN <= MAX <= ${spec.max}, got '${raw}'`)
      return [lo, hi] as const
    }
    case "string":
      if (raw.length === 0) throw new UsageError(`--${name} expects a value`)
      return raw
    case "bool":
      throw new UsageError(`--${name} takes no value`)
  }
}

/** Parse `--name value`, `--name=value` and boolean `--name`; no positional arguments. */
export const parseFlags = <T extends Record<string, FlagSpec>>(specs: T, args: ReadonlyArray<string>): Parsed<T> => {
  const out: Record<string, unknown> = {}
  for (const [k, s] of Object.entries(specs)) out[k] = s.kind === "bool" ? false : s.default
  const seen = new Set<string>()
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    if (!a.startsWith("--")) throw new UsageError(`unexpected argument '${a}'`)
    const eq = a.indexOf("=")
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2)
    const spec = specs[name]
    if (spec === undefined) throw new UsageError(`unknown option '--${name}'`)
    if (seen.has(name)) throw new UsageError(`option '--${name}' given twice`)
    seen.add(name)
    if (spec.kind === "bool") {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`)
      out[name] = true
      continue
    }
    let raw: string
    if (eq >= 0) raw = a.slice(eq + 1)
    else {
      const next = args[i + 1]
      if (next === undefined || next.startsWith("--")) throw new UsageError(`--${name} needs a value`)
      raw = next
      i++
    }
    out[name] = parseValue(name, spec, raw)
  }
  return out as Parsed<T>
}
