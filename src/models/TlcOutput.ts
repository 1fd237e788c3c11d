// Parser of TLC's standard output (the human-readable form, not -tool): outcome, violated invariant,
// state counts, depth, duration, the error trace as TLC printed it, and parse/semantic errors.
// Pure: text in, record out. Tested on recorded runs (test/models/fixtures/).

export type TlcOutcome =
  /** "Model checking completed. No error has been found." */
  | "pass"
  /** An invariant (or action/temporal property) is violated. */
  | "violation"
  | "deadlock"
  /** A POSTCONDITION is false (trace validation: the trace was not matched). */
  | "postcondition"
  /** An ASSUME of the spec is false for the given constants. */
  | "assumption"
  /** The spec or config does not parse, or fails semantic analysis. */
  | "parse-error"
  /** Any other error TLC reported (evaluation error, exception, bad config). */
  | "error"
  /** No verdict in the output (TLC was killed, or timed out). */
  | "incomplete"

export interface TlcTraceState {
  /** 1-based position in the behaviour. */
  readonly index: number
  /** "Initial predicate", an action name such as "Decide(c1,0,v1)", "Stuttering", or "Back to state 3". */
  readonly action: string
  /** Variable name to its printed TLA+ value (multi-line values joined with newlines). */
  readonly vars: Readonly<Record<string, string>>
}

export interface TlcProgress {
  readonly depth: number
  readonly generated: number
  readonly distinct: number
  readonly left: number
}

export interface TlcResult {
  readonly outcome: TlcOutcome
  readonly version?: string
  /** Name of the violated invariant/property, postcondition or (for deadlock) undefined. */
  readonly property?: string
  readonly statesGenerated?: number
  readonly distinctStates?: number
  readonly statesLeft?: number
  readonly depth?: number
  /** TLC's own "Finished in ..." duration, in seconds. */
  readonly seconds?: number
  /** The error lines (starting with "Error:") and parse/semantic error messages. */
  readonly errors: ReadonlyArray<string>
  /** The behaviour TLC printed after "The behavior up to this point is:" (empty when none). */
  readonly trace: ReadonlyArray<TlcTraceState>
  /** Path reported by "CounterExample written: ..." (-dumpTrace). */
  readonly counterexampleFile?: string
  /** Output of Print/PrintT in the spec (lines between the start and the verdict that TLC did not produce itself). */
  readonly printed: ReadonlyArray<string>
  /** The violation is of a temporal (liveness) property (older TLC releases do not name which). */
  readonly temporal?: boolean
  /** Simulation mode (-simulate): the traces TLC generated, their mean length, and its seed. */
  readonly simulation?: { readonly traces?: number; readonly meanLength?: number; readonly seed?: string }
}

const num = (s: string): number => Number(s.replace(/,/g, ""))

/** "Progress(7) at ...: 3,198,174 states generated (...), 525,226 distinct states found (...), 391,513 states left on queue." */
export const parseProgress = (line: string): TlcProgress | undefined => {
  const m = /^Progress\((\d+)\) at [^:]+:\d+:\d+: ([\d,]+) states generated.*?, ([\d,]+) distinct states found.*?, ([\d,]+) states left on queue/.exec(line)
  if (m === null) return undefined
  return { depth: num(m[1] as string), generated: num(m[2] as string), distinct: num(m[3] as string), left: num(m[4] as string) }
}

/** "Finished in 05min 55s at (...)", "Finished in 01h 02min 03s at", "Finished in 123ms at". */
export const parseDuration = (line: string): number | undefined => {
  const m = /^Finished in (.+?) at /.exec(line)
  if (m === null) return undefined
  let s = 0
  let any = false
  for (const [, n, unit] of (m[1] as string).matchAll(/(\d+)\s*(ms|h|min|s)\b/g)) {
    any = true
    const v = Number(n)
    s += unit === "h" ? v * 3600 : unit === "min" ? v * 60 : unit === "ms" ? v / 1000 : v
  }
  return any ? s : undefined
}

const STATE_HEADER = /^State (\d+): (?:<(.*)>|(Stuttering))\s*$/
const BACK_TO = /^Back to state (\d+)/

/** Strip TLC's " line 12, col 5 to line 14, col 40 of module M" location suffix from an action label. */
const actionName = (label: string): string => label.replace(/\s+line \d+, col \d+ to line \d+, col \d+ of module \w+$/, "")

const parseTrace = (lines: ReadonlyArray<string>, start: number): TlcTraceState[] => {
  const states: TlcTraceState[] = []
  let i = start
  while (i < lines.length) {
    const line = lines[i] as string
    const h = STATE_HEADER.exec(line)
    const back = BACK_TO.exec(line)
    if (back !== null) {
      states.push({ index: states.length + 1, action: `Back to state ${back[1]}`, vars: {} })
      i++
      continue
    }
    if (h === null) {
      if (line.trim() === "") {
        i++
        continue
      }
      break
    }
    const vars: Record<string, string> = {}
    let current: string | undefined
    i++
    while (i < lines.length) {
      const l = lines[i] as string
      if (l.trim() === "" || STATE_HEADER.test(l) || BACK_TO.test(l)) break
      const v = /^(?:\/\\ )?(\w+) = (.*)$/.exec(l)
      if (v !== null && (l.startsWith("/\\ ") || current === undefined)) {
        current = v[1] as string
        vars[current] = v[2] as string
      } else if (current !== undefined) {
        vars[current] = `${vars[current]}\n${l}`
      }
      i++
    }
    states.push({ index: Number(h[1]), action: h[3] ?? actionName(h[2] ?? ""), vars })
  }
  return states
}

/** TLC's own chatter, as opposed to what a spec printed with Print/PrintT. */
const TLC_LINE =
  /^(TLC2 Version|Running |Parsing file|Semantic processing|Linting of module|Starting\.\.\.|Computing initial states|Computed \d+ initial states|Finished computing initial states|Progress\(|Checking |Model checking completed|Implied-temporal checking|Finished checking|Checkpointing|The depth|The average outdegree|Finished in|\d[\d,]* states generated|Error:|Warning:|\(Use the -nowarning|  Estimates of the probability|  because two distinct|  calculated \(optimistic\)|  based on the actual|"?CounterExample written|Trace exploration spec path|State \d+:|Back to state|\/\\ |-- |Progress: |The number of states generated|Simulation using seed|Implied-temporal|Paging|Checking \d+ branches|Finished checking temporal|Checking temporal)/

export const parseTlcOutput = (text: string): TlcResult => {
  const lines = text.replace(/\r\n/g, "\n").split("\n")
  let outcome: TlcOutcome = "incomplete"
  let property: string | undefined
  let version: string | undefined
  let statesGenerated: number | undefined
  let distinctStates: number | undefined
  let statesLeft: number | undefined
  let depth: number | undefined
  let seconds: number | undefined
  let counterexampleFile: string | undefined
  let trace: TlcTraceState[] = []
  const errors: string[] = []
  const printed: string[] = []
  let parseError = false
  let inTrace = false
  let temporal = false
  let simulation: { traces?: number; meanLength?: number; seed?: string } | undefined
  const consumed = new Set<number>()

  const setOutcome = (o: TlcOutcome) => {
    // the first verdict wins, except that a generic error yields to a more specific one
    if (outcome === "incomplete" || (outcome === "error" && o !== "error")) outcome = o
  }

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    let m: RegExpExecArray | null
    if ((m = /^TLC2 Version (\S+)/.exec(line)) !== null) version = m[1]
    else if (/^Model checking completed\. No error has been found\./.test(line)) setOutcome("pass")
    else if ((m = /^Error: Invariant (\S+) is violated/.exec(line)) !== null) {
      setOutcome("violation")
      property ??= m[1]
    } else if (/^Error: Temporal properties were violated/.test(line)) {
      setOutcome("violation")
      temporal = true
    } else if ((m = /^Error: Temporal property (\S+) (?:was|is) violated/.exec(line)) !== null) {
      // TLC built from source since 2025 names the temporal property ("Temporal property P was violated.")
      setOutcome("violation")
      temporal = true
      property ??= m[1]
    } else if ((m = /^Error: (?:Action property|Property|Temporal properties?) (\S+)? ?.*violated/.exec(line)) !== null) {
      setOutcome("violation")
      property ??= m[1]
    } else if (/^Error: Deadlock reached/.test(line)) setOutcome("deadlock")
    else if ((m = /^Error: Postcondition (\S+) .*is false/.exec(line)) !== null) {
      setOutcome("postcondition")
      property ??= m[1]
    } else if (/^Error: Assumption .* is false/.test(line)) setOutcome("assumption")
    else if (/^\*\*\*Parse Error\*\*\*/.test(line) || /^Semantic errors:/.test(line) || /^Error: Parsing or semantic analysis failed/.test(line)) {
      parseError = true
      setOutcome("parse-error")
    } else if (/^Error: The behavior up to this point is:/.test(line)) {
      trace = parseTrace(lines, i + 1)
      inTrace = true
    } else if (/^Error: /.test(line)) setOutcome("error")
    else if ((m = /^([\d,]+) states generated, ([\d,]+) distinct states found, ([\d,]+) states left on queue/.exec(line)) !== null) {
      statesGenerated = num(m[1] as string)
      distinctStates = num(m[2] as string)
      statesLeft = num(m[3] as string)
    } else if ((m = /^The depth of the complete state graph search is (\d+)/.exec(line)) !== null) depth = Number(m[1])
    else if ((m = /CounterExample written: (.+?)"?$/.exec(line)) !== null) counterexampleFile = m[1]
    else if (/^Finished in /.test(line)) seconds = parseDuration(line)
    else if ((m = /^The number of states generated: ([\d,]+)/.exec(line)) !== null) {
      statesGenerated = num(m[1] as string)
      simulation ??= {}
    } else if ((m = /^Simulation using seed (-?\d+)/.exec(line)) !== null) {
      simulation ??= {}
      simulation.seed = m[1] as string
    } else if ((m = /^Progress: [\d,]+ states checked, ([\d,]+) traces generated \(trace length: mean=(\d+)/.exec(line)) !== null) {
      simulation ??= {}
      simulation.traces = num(m[1] as string)
      simulation.meanLength = Number(m[2])
    }

    if (/^Error: /.test(line) && !/^Error: The behavior up to this point is:/.test(line)) {
      // an error message may continue on the following lines, up to a blank line or the trace
      const msg = [line.slice("Error: ".length)]
      for (let j = i + 1; j < lines.length; j++) {
        const l = lines[j] as string
        if (l.trim() === "" || /^(Error:|State \d+:|\d[\d,]* states generated|Finished in|The depth)/.test(l)) break
        msg.push(l)
        consumed.add(j)
      }
      errors.push(msg.join("\n"))
    } else if (!inTrace && !consumed.has(i) && !TLC_LINE.test(line) && line.trim() !== "") {
      printed.push(line)
    }
  }

  if (parseError) {
    // the parser's messages: everything between the first error marker and "Starting..."
    const start = lines.findIndex((l) => /^\*\*\*Parse Error\*\*\*|^Semantic errors:/.test(l))
    if (start >= 0) {
      const end = lines.findIndex((l, k) => k > start && /^Starting\.\.\./.test(l))
      const block = lines.slice(start, end < 0 ? undefined : end).join("\n").trim()
      if (block.length > 0 && !errors.includes(block)) errors.unshift(block)
    }
  }
  // Simulation mode prints no "Model checking completed" line: a run that finished without an error passed.
  if (outcome === "incomplete" && simulation !== undefined && seconds !== undefined) outcome = "pass"
  const result: { -readonly [K in keyof TlcResult]: TlcResult[K] } = { outcome, errors, trace, printed: parseError ? [] : printed }
  if (temporal) result.temporal = true
  if (simulation !== undefined) result.simulation = simulation
  if (version !== undefined) result.version = version
  if (property !== undefined) result.property = property
  if (statesGenerated !== undefined) result.statesGenerated = statesGenerated
  if (distinctStates !== undefined) result.distinctStates = distinctStates
  if (statesLeft !== undefined) result.statesLeft = statesLeft
  if (depth !== undefined) result.depth = depth
  if (seconds !== undefined) result.seconds = seconds
  if (counterexampleFile !== undefined) result.counterexampleFile = counterexampleFile
  return result
}
