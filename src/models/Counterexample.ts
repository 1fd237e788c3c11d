// Readable rendering of a TLC counterexample dumped with `-dumpTrace json FILE`: state by state, the
// action taken (with its parameters) and only what changed. Functions and records are flattened to
// paths (`prevotes[0][v1]`); sets show the elements added and removed.

/** The JSON TLC writes with -dumpTrace json. */
export interface TlcJsonTrace {
  readonly vars?: ReadonlyArray<string>
  readonly counterexample: {
    readonly state: ReadonlyArray<readonly [number, Record<string, unknown>]>
    readonly action?: ReadonlyArray<
      readonly [
        readonly [number, Record<string, unknown>],
        { readonly name?: string; readonly context?: Record<string, unknown>; readonly parameters?: ReadonlyArray<string> },
        readonly [number, Record<string, unknown>],
      ]
    >
  }
}

type Leaf = string

const show = (v: unknown): string => {
  if (typeof v === "string") return v
  if (v === null || typeof v !== "object") return String(v)
  if (Array.isArray(v)) return `{${v.map(show).join(", ")}}`
  return `[${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k} |-> ${show(x)}`).join(", ")}]`
}

/** Arrays are TLC sets (and sequences); objects are functions or records. Leaves: scalars and sets. */
const flatten = (v: unknown, path: string, out: Map<string, unknown>): void => {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const entries = Object.entries(v as Record<string, unknown>)
    if (entries.length === 0) out.set(path, "[]")
    for (const [k, x] of entries) flatten(x, `${path}[${k}]`, out)
  } else out.set(path, v)
}

const setDiff = (before: ReadonlyArray<unknown>, after: ReadonlyArray<unknown>): { added: Leaf[]; removed: Leaf[] } => {
  const b = new Set(before.map((x) => JSON.stringify(x)))
  const a = new Set(after.map((x) => JSON.stringify(x)))
  return {
    added: after.filter((x) => !b.has(JSON.stringify(x))).map(show),
    removed: before.filter((x) => !a.has(JSON.stringify(x))).map(show),
  }
}

const actionLabel = (a: { readonly name?: string; readonly context?: Record<string, unknown> } | undefined): string => {
  if (a?.name === undefined) return "(unnamed action)"
  const ctx = Object.entries(a.context ?? {})
  return ctx.length === 0 ? a.name : `${a.name}(${ctx.map(([k, v]) => `${k}=${show(v)}`).join(", ")})`
}

/** Render the counterexample: the initial state in full, then per step the action and the changes. */
export const renderCounterexample = (trace: TlcJsonTrace): string => {
  const states = trace.counterexample.state
  const actions = trace.counterexample.action ?? []
  const out: string[] = []
  let prev: Map<string, unknown> | undefined
  states.forEach(([n, vars], i) => {
    const flat = new Map<string, unknown>()
    for (const [k, v] of Object.entries(vars)) flatten(v, k, flat)
    if (prev === undefined) {
      out.push(`State ${n}: initial state`)
      for (const [k, v] of flat) out.push(`  ${k} = ${show(v)}`)
    } else {
      const act = actions[i - 1]?.[1]
      out.push(`State ${n}: ${actionLabel(act)}`)
      let changed = 0
      for (const [k, v] of flat) {
        const before = prev.get(k)
        if (JSON.stringify(before) === JSON.stringify(v)) continue
        changed++
        if (Array.isArray(v) && Array.isArray(before)) {
          const { added, removed } = setDiff(before, v)
          out.push(`  ${k}: ${[...added.map((x) => `+ ${x}`), ...removed.map((x) => `- ${x}`)].join(", ")}`)
        } else out.push(`  ${k} = ${show(v)}${before === undefined ? "" : `   (was ${show(before)})`}`)
      }
      for (const k of prev.keys()) if (!flat.has(k)) (changed++, out.push(`  ${k} removed`))
      if (changed === 0) out.push("  (no change)")
    }
    prev = flat
  })
  return out.join("\n")
}

/** One line per step: the actions of the counterexample. */
export const summarizeCounterexample = (trace: TlcJsonTrace): string =>
  (trace.counterexample.action ?? []).map((a, i) => `${i + 2}: ${actionLabel(a[1])}`).join("; ")
