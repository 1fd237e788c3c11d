// spec: ASSURE.3 (spec/10-assurance.md)
// Trace validation, the runner's side: read a consensus trace (src/drivers/Trace.ts), split it into one
// instance of models/PoAITrace.tla per height, write the files TLC reads, make mutated traces that a
// correct checker must reject, and count which model actions an accepted trace exercised.
//
// One height is one instance of the one-height model: its validators and stake come from the trace's
// `height` event, its valid blocks from the validity verdicts and from what honest nodes proposed, voted
// for, locked, decided (the core only does so for blocks that passed CONS-VALID.1), its rounds from the
// highest round in the lines, and the proposer of each round from the `round` events (the beacon's
// pick, CONS-PROPOSER.1) or from received proposals.
import { Data, Either } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import path from "node:path"
import { TRACE_EVENT_KINDS, type TraceEvent } from "../drivers/Trace.ts"

// ---------------------------------------------------------------------------------------------
// Reading

/** A trace line that is not a trace event: its 1-based line number in the file and why. */
export class TraceFormatError extends Data.TaggedError("TraceFormatError")<{ readonly line: number; readonly reason: string }> {
  override get message(): string {
    return `trace line ${this.line}: ${this.reason}`
  }
}

const KINDS = new Set<string>(TRACE_EVENT_KINDS)
const isInt = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x)
const isStr = (x: unknown): x is string => typeof x === "string"

/** Fields each event must carry, beyond t, event, node, height. */
const REQUIRED: Record<string, ReadonlyArray<readonly [string, (x: unknown) => boolean]>> = {
  height: [["power", (x) => Array.isArray(x) && x.every((p) => typeof p === "number")]],
  timeout: [["kind", isStr], ["round", isInt]],
  recv: [["from", isInt], ["msg", isStr], ["src", isInt], ["round", isInt], ["value", isStr], ["validRound", isInt], ["signers", Array.isArray]],
  send: [["to", isInt], ["msg", isStr], ["src", isInt], ["round", isInt], ["value", isStr], ["validRound", isInt], ["signers", Array.isArray]],
  round: [["round", isInt]],
  propose: [["round", isInt], ["value", isStr], ["validRound", isInt]],
  prevote: [["round", isInt], ["value", isStr]],
  precommit: [["round", isInt], ["value", isStr]],
  valid: [["round", isInt], ["value", isStr]],
  decide: [["round", isInt], ["value", isStr]],
  validity: [["value", isStr], ["ok", (x) => typeof x === "boolean"]],
  state: [["round", isInt], ["step", isStr], ["lockedValue", isStr], ["lockedRound", isInt], ["validValue", isStr], ["validRound", isInt]],
}

/** One line of NDJSON as a trace event, or why not. */
export const parseTraceLine = (text: string, line: number): Either.Either<TraceEvent, TraceFormatError> => {
  let x: unknown
  try {
    x = JSON.parse(text)
  } catch (e) {
    return Either.left(new TraceFormatError({ line, reason: `not JSON (${(e as Error).message})` }))
  }
  if (x === null || typeof x !== "object" || Array.isArray(x)) return Either.left(new TraceFormatError({ line, reason: "not a JSON object" }))
  const o = x as Record<string, unknown>
  if (!isStr(o["event"]) || !KINDS.has(o["event"])) return Either.left(new TraceFormatError({ line, reason: `unknown event ${JSON.stringify(o["event"])}` }))
  for (const k of ["t", "node", "height"]) {
    if (typeof o[k] !== "number") return Either.left(new TraceFormatError({ line, reason: `${o["event"]}: field "${k}" missing or not a number` }))
  }
  for (const [k, ok] of REQUIRED[o["event"]] ?? []) {
    if (!ok(o[k])) return Either.left(new TraceFormatError({ line, reason: `${o["event"]}: field "${k}" missing or malformed` }))
  }
  return Either.right(o as unknown as TraceEvent)
}

/** Parse NDJSON trace text; blank lines are skipped. The first malformed line is a TraceFormatError. */
export const parseTrace = (text: string): Either.Either<TraceEvent[], TraceFormatError> => {
  const out: TraceEvent[] = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim()
    if (line.length === 0) continue
    const e = parseTraceLine(line, i + 1)
    if (Either.isLeft(e)) return Either.left(e.left)
    out.push(e.right)
  }
  return Either.right(out)
}

// ---------------------------------------------------------------------------------------------
// Per-height instances

/** The events the trace spec matches, one per line (the others are metadata). */
const MATCHED = new Set(["timeout", "recv", "send", "round", "propose", "prevote", "precommit", "valid", "decide", "state"])
/** Events whose value an honest node acted on (so the block passed CONS-VALID.1). */
const HONEST_VALUE_EVENTS = new Set(["propose", "prevote", "precommit", "valid", "decide"])

/** A normalized trace line: every field present, so that TLC can read any field of any line. */
export interface TraceLine {
  readonly line: number
  readonly t: number
  readonly event: string
  readonly node: number
  readonly round: number
  readonly value: string
  readonly validRound: number
  readonly src: number
  readonly from: number
  readonly to: number
  readonly msg: string
  readonly signers: ReadonlyArray<number>
  readonly kind: string
  readonly cause: string
  readonly step: string
  readonly lockedValue: string
  readonly lockedRound: number
  readonly validValue: string
}

export interface HeightInstance {
  readonly height: number
  readonly nodes: ReadonlyArray<number>
  readonly byzNodes: ReadonlyArray<number>
  readonly corr: ReadonlyArray<number>
  readonly faulty: ReadonlyArray<number>
  readonly power: ReadonlyMap<number, number>
  readonly validValues: ReadonlyArray<string>
  readonly invalidValues: ReadonlyArray<string>
  readonly maxRound: number
  /** The beacon's proposer of every round 0..maxRound. */
  readonly proposers: ReadonlyArray<number>
  readonly lines: ReadonlyArray<TraceLine>
}

/** The heights a trace has `height` events for, in order. */
export const heightsOf = (events: ReadonlyArray<TraceEvent>): number[] =>
  [...new Set(events.filter((e) => e.event === "height").map((e) => e.height))].sort((a, b) => a - b)

export const normalize = (e: TraceEvent, line: number): TraceLine => ({
  line,
  t: e.t,
  event: e.event,
  node: e.node,
  round: e.round ?? 0,
  value: e.value ?? "nil",
  validRound: e.validRound ?? -1,
  src: e.src ?? -1,
  from: e.from ?? -1,
  to: e.to ?? -1,
  msg: e.msg ?? "",
  signers: e.signers ?? [],
  kind: e.kind ?? "",
  cause: e.cause ?? "",
  step: e.step ?? "",
  lockedValue: e.lockedValue ?? "none",
  lockedRound: e.lockedRound ?? -1,
  validValue: e.validValue ?? "none",
})

/** Build the model instance of one height, or explain why the trace cannot give one. */
export const heightInstance = (events: ReadonlyArray<TraceEvent>, height: number): HeightInstance | string => {
  const here = events.filter((e) => e.height === height)
  const meta = here.find((e) => e.event === "height")
  if (meta?.power === undefined) return `no height event for height ${height}`
  const byz = new Set(meta.byzantine ?? [])
  const power = new Map<number, number>()
  meta.power.forEach((p, i) => {
    if (p > 0) power.set(i, p)
  })
  const nodes = meta.power.map((_, i) => i)
  const corr = [...power.keys()].filter((i) => !byz.has(i))
  const faulty = [...power.keys()].filter((i) => byz.has(i))
  if (corr.length === 0) return `height ${height}: no correct validator`
  const corrSet = new Set(corr)

  // Lines of honest nodes that are no validators at this height say nothing the model can check.
  const matched = here.filter((e) => MATCHED.has(e.event) && corrSet.has(e.node))
  const values = new Set<string>()
  const valid = new Set<string>()
  const note = (v: string | undefined, ok: boolean) => {
    if (v === undefined || v === "nil" || v === "none") return
    values.add(v)
    if (ok) valid.add(v)
  }
  for (const e of here) {
    if (e.event === "validity") note(e.value, e.ok === true)
    else if (HONEST_VALUE_EVENTS.has(e.event)) note(e.value, true)
    else if (e.event === "state") (note(e.lockedValue, true), note(e.validValue, true))
    else if (e.event === "recv" || e.event === "send") note(e.value, false)
  }
  // A verdict of "invalid" on a block an honest node acted on would be a contradiction in the core;
  // leaving the block valid lets the model judge the honest node's step on its own.
  const maxRound = Math.max(0, ...matched.map((e) => e.round ?? 0))

  const proposers: number[] = []
  const validators = [...power.keys()].sort((a, b) => a - b)
  for (let r = 0; r <= maxRound; r++) {
    const fromRound = here.find((e) => e.event === "round" && e.round === r && (e.proposer ?? -1) >= 0)?.proposer
    const fromMsg = here.find((e) => (e.event === "recv" || e.event === "send") && e.msg === "proposal" && e.round === r)?.src
    // A round no honest node entered and no proposal names: any validator; no honest proposal can
    // then appear in the model for it (a Byzantine pick is preferred when there is one).
    proposers.push(fromRound ?? fromMsg ?? faulty[0] ?? validators[0] ?? 0)
  }

  return {
    height,
    nodes,
    byzNodes: [...byz].sort((a, b) => a - b),
    corr,
    faulty,
    power,
    validValues: [...valid].sort(),
    invalidValues: [...values].filter((v) => !valid.has(v)).sort(),
    maxRound,
    proposers,
    lines: matched.map((e, i) => normalize(e, i + 1)),
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations: hand-made wrong traces that the checker must reject.

export const MUTATION_KINDS = ["precommit-without-polka", "decide-other-value", "prevote-against-lock", "drop-recv"] as const
export type MutationKind = (typeof MUTATION_KINDS)[number]

export interface Mutation {
  readonly kind: MutationKind
  readonly description: string
  /** The line (of the mutated trace) at which a correct checker must reject it. */
  readonly offendingLine: number
  readonly instance: HeightInstance
}

const renumber = (lines: ReadonlyArray<TraceLine>): TraceLine[] => lines.map((l, i) => ({ ...l, line: i + 1 }))
const isQuorum = (p: number, total: number): boolean => 3 * p > 2 * total
const totalPower = (inst: HeightInstance): number => [...inst.power.values()].reduce((a, p) => a + p, 0)

/**
 * The index of the line that completed node p's polka for value v at round r (its own prevote or a
 * received prevote), scanning p's view in trace order, or -1.
 */
const polkaCompletedAt = (inst: HeightInstance, lines: ReadonlyArray<TraceLine>, p: number, r: number, v: string, upTo: number): number => {
  const signers = new Set<number>()
  let power = 0
  for (let i = 0; i < upTo; i++) {
    const l = lines[i] as TraceLine
    if (l.node !== p || l.round !== r || l.value !== v) continue
    const who = l.event === "prevote" ? p : l.event === "recv" && l.msg === "prevote" ? l.src : -1
    if (who < 0 || signers.has(who)) continue
    signers.add(who)
    power += inst.power.get(who) ?? 0
    if (isQuorum(power, totalPower(inst))) return i
  }
  return -1
}

/**
 * - precommit-without-polka: an honest node's precommit for a block is moved to just before the line
 *   that completed its polka (the received prevote, or its own prevote): it precommits on a view
 *   without a polka. Rejected at the moved line.
 * - decide-other-value: an honest node's decision names another block (added to the valid blocks, so
 *   that only the missing quorum of precommits can reject it). Rejected at that line.
 * - prevote-against-lock: a prevote for nil that the lock test decided (CONS-RULE.2: the node is locked
 *   on another block than the fresh proposal in its view) becomes a prevote for the proposal, as a node
 *   that skips the lock test would sign. Rejected at that line.
 * - drop-recv: the receipt that completed a node's polka before its precommit is removed. Rejected at
 *   the precommit.
 */
export const mutate = (inst: HeightInstance, kind: MutationKind): Mutation | undefined => {
  const lines = inst.lines
  const withLines = (ls: ReadonlyArray<TraceLine>): HeightInstance => ({ ...inst, lines: renumber(ls) })
  if (kind === "precommit-without-polka" || kind === "drop-recv") {
    for (let i = 0; i < lines.length; i++) {
      const pc = lines[i] as TraceLine
      if (pc.event !== "precommit" || pc.value === "nil") continue
      const at = polkaCompletedAt(inst, lines, pc.node, pc.round, pc.value, i)
      if (at < 0) continue
      if (kind === "drop-recv") {
        const l = lines[at] as TraceLine
        if (l.event !== "recv") continue
        return {
          kind,
          description: `line ${l.line} (node ${l.node} receives the prevote of ${l.src} for ${l.value} at round ${l.round}, completing its polka) removed`,
          offendingLine: i, // the precommit moved up by one
          instance: withLines([...lines.slice(0, at), ...lines.slice(at + 1)]),
        }
      }
      return {
        kind,
        description: `line ${pc.line} (node ${pc.node} precommits ${pc.value} at round ${pc.round}) moved before line ${at + 1}, which completed its polka`,
        offendingLine: at + 1,
        instance: withLines([...lines.slice(0, at), pc, ...lines.slice(at, i), ...lines.slice(i + 1)]),
      }
    }
    return undefined
  }
  if (kind === "prevote-against-lock") {
    const at = lockedNilPrevotes(inst)[0]
    if (at === undefined) return undefined
    const pv = lines[at.index] as TraceLine
    return {
      kind,
      description: `line ${pv.line} (node ${pv.node}, locked on ${at.locked}, prevotes nil on the fresh proposal ${at.proposal} at round ${pv.round}) changed to a prevote for ${at.proposal}`,
      offendingLine: pv.line,
      instance: withLines(lines.map((l, i) => (i === at.index ? { ...l, value: at.proposal } : l))),
    }
  }
  const d = lines.findIndex((l) => l.event === "decide")
  if (d < 0) return undefined
  const dec = lines[d] as TraceLine
  const other = inst.validValues.find((v) => v !== dec.value) ?? "0badc0de"
  return {
    kind,
    description: `line ${dec.line} (node ${dec.node} decides ${dec.value}) changed to decide ${other}`,
    offendingLine: dec.line,
    instance: { ...withLines(lines.map((l, i) => (i === d ? { ...l, value: other } : l))), validValues: [...new Set([...inst.validValues, other])].sort() },
  }
}

// ---------------------------------------------------------------------------------------------
// The locking paths, read off a trace (what the trace spec's labels name, restated in TypeScript).

interface NodeView {
  round: number
  lockedValue: string
  lockedRound: number
  /** Proposals received or made at each round: value -> validRound. */
  proposals: Map<number, Map<string, number>>
  prevotes: Map<string, Set<number>>
}

/**
 * Prevotes for nil by a node locked on another block than the fresh (validRound -1) valid proposal of
 * the round in its view: CONS-RULE.2's lock test at work. Reads the `state` lines for the lock.
 */
export const lockedNilPrevotes = (inst: HeightInstance): Array<{ index: number; node: number; locked: string; proposal: string }> => {
  const out: Array<{ index: number; node: number; locked: string; proposal: string }> = []
  const views = new Map<number, NodeView>()
  const view = (p: number): NodeView => {
    let v = views.get(p)
    if (v === undefined) views.set(p, (v = { round: 0, lockedValue: "none", lockedRound: -1, proposals: new Map(), prevotes: new Map() }))
    return v
  }
  const valid = new Set(inst.validValues)
  inst.lines.forEach((l, i) => {
    const v = view(l.node)
    const addProp = (r: number, value: string, vr: number) => {
      const m = v.proposals.get(r) ?? new Map<string, number>()
      m.set(value, vr)
      v.proposals.set(r, m)
    }
    if (l.event === "state") {
      v.round = l.round
      v.lockedValue = l.lockedValue
      v.lockedRound = l.lockedRound
    } else if (l.event === "round") v.round = l.round
    else if (l.event === "propose") addProp(l.round, l.value, l.validRound)
    else if (l.event === "recv" && l.msg === "proposal") addProp(l.round, l.value, l.validRound)
    else if (l.event === "prevote" && l.value === "nil" && v.lockedRound >= 0) {
      const fresh = [...(v.proposals.get(l.round) ?? new Map<string, number>()).entries()].find(([x, vr]) => vr === -1 && valid.has(x) && x !== v.lockedValue)
      if (fresh !== undefined) out.push({ index: i, node: l.node, locked: v.lockedValue, proposal: fresh[0] })
    }
  })
  return out
}

/** Honest prevotes for a block on a re-proposal (validRound >= 0) of that block: CONS-RULE.3 accepted it. */
export const reproposalPrevotes = (inst: HeightInstance): Array<{ index: number; node: number; value: string; validRound: number; locked: string }> => {
  const out: Array<{ index: number; node: number; value: string; validRound: number; locked: string }> = []
  const props = new Map<string, number>() // `${node}/${round}/${value}` -> validRound
  const locked = new Map<number, string>()
  inst.lines.forEach((l, i) => {
    if ((l.event === "recv" && l.msg === "proposal") || l.event === "propose") props.set(`${l.node}/${l.round}/${l.value}`, l.validRound)
    if (l.event === "state") locked.set(l.node, l.lockedValue)
    if (l.event === "prevote" && l.value !== "nil") {
      const vr = props.get(`${l.node}/${l.round}/${l.value}`)
      if (vr !== undefined && vr >= 0) out.push({ index: i, node: l.node, value: l.value, validRound: vr, locked: locked.get(l.node) ?? "none" })
    }
  })
  return out
}

// ---------------------------------------------------------------------------------------------
// Coverage: which model actions an accepted trace exercised.

/** The actions of the trace spec a rule of spec/03 maps to (by label prefix). */
export const RULES_OF_INTEREST = ["CONS-RULE.2", "CONS-RULE.3", "CONS-RULE.5"] as const

export type Coverage = ReadonlyMap<string, number>

/** Count the matched actions of an accepting behaviour (TLC's error trace with TraceAlias: `act`). */
export const coverageOf = (acts: ReadonlyArray<string>): Map<string, number> => {
  const m = new Map<string, number>()
  for (const a of acts) if (a !== "Init") m.set(a, (m.get(a) ?? 0) + 1)
  return m
}

export const addCoverage = (into: Map<string, number>, c: Coverage): void => {
  for (const [k, n] of c) into.set(k, (into.get(k) ?? 0) + n)
}

/** Per rule of interest, the total count over the actions whose label starts with it. */
export const ruleCoverage = (c: Coverage): Map<string, number> =>
  new Map(RULES_OF_INTEREST.map((r) => [r, [...c.entries()].filter(([k]) => k === r || k.startsWith(`${r} `)).reduce((a, [, n]) => a + n, 0)]))

/** Every action label of models/PoAITrace.tla, so that the report also lists the ones never matched. */
export const TRACE_ACTIONS = [
  "Receive",
  "Receive (Byzantine signed)",
  "Receive (untraced link)",
  "Send",
  "Timeout",
  "State",
  "CONS-RULE.1 round 0",
  "Propose",
  "CONS-RULE.2 prevote block (unlocked)",
  "CONS-RULE.2 prevote block (locked on it)",
  "CONS-RULE.2 prevote nil (locked on another block)",
  "CONS-RULE.2 prevote nil (invalid block)",
  "CONS-RULE.3 prevote block",
  "CONS-RULE.3 prevote block (locked on another, lockedRound <= vr)",
  "CONS-RULE.3 prevote nil (locked after vr)",
  "CONS-RULE.3 prevote nil (invalid block)",
  "CONS-TIMEOUT.1",
  "CONS-RULE.5 lock and precommit",
  "CONS-RULE.5 valid (step precommit)",
  "CONS-RULE.6",
  "CONS-TIMEOUT.2",
  "CONS-TIMEOUT.3",
  "CONS-RULE.8",
  "CONS-RULE.9",
] as const

export const formatCoverage = (c: Coverage): string => {
  const labels = [...TRACE_ACTIONS, ...[...c.keys()].filter((k) => !(TRACE_ACTIONS as ReadonlyArray<string>).includes(k))]
  const w = Math.max(...labels.map((s) => s.length))
  const rows = labels.map((k) => `  ${k.padEnd(w)} ${String(c.get(k) ?? 0).padStart(7)}`)
  const rules = [...ruleCoverage(c)].map(([r, n]) => `${r}: ${n}`).join(", ")
  return [...rows, `  per rule: ${rules}`].join("\n")
}

// ---------------------------------------------------------------------------------------------
// Files for TLC

const tlaString = (s: string): string => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`
const tlaSet = (xs: ReadonlyArray<string | number>): string => `{${xs.map((x) => (typeof x === "number" ? String(x) : tlaString(x))).join(", ")}}`
const tlaFun = (pairs: ReadonlyArray<readonly [number, number]>): string =>
  pairs.length === 0 ? "<<>>" : pairs.map(([k, v]) => `(${k} :> ${v})`).join(" @@ ")

export interface InstanceFiles {
  readonly module: string
  readonly tla: string
  readonly cfg: string
  readonly ndjson: string
}

/** Write `<dir>/<name>.ndjson`, `<dir>/<name>.tla` (extends PoAITrace) and `<dir>/<name>.cfg`. */
export const writeInstance = (dir: string, name: string, inst: HeightInstance, invariants: ReadonlyArray<string> = []): InstanceFiles => {
  mkdirSync(dir, { recursive: true })
  const module = name.replace(/[^A-Za-z0-9_]/g, "_")
  const ndjson = path.resolve(dir, `${module}.ndjson`)
  writeFileSync(ndjson, inst.lines.map((l) => JSON.stringify(l)).join("\n") + "\n")
  const validators = [...inst.power.keys()].sort((a, b) => a - b)
  const defs: Array<[string, string]> = [
    ["Corr", tlaSet(inst.corr)],
    ["Faulty", tlaSet(inst.faulty)],
    ["Nodes", tlaSet(inst.nodes)],
    ["ByzNodes", tlaSet(inst.byzNodes)],
    ["Power", tlaFun(validators.map((v) => [v, inst.power.get(v) ?? 0] as const))],
    ["QWeight", tlaFun(validators.map((v) => [v, inst.power.get(v) ?? 0] as const))],
    ["ValidValues", tlaSet(inst.validValues)],
    ["InvalidValues", tlaSet(inst.invalidValues)],
    ["MaxRound", String(inst.maxRound)],
    ["Nil", tlaString("nil")],
    ["None", tlaString("none")],
    ["TraceFile", tlaString(ndjson)],
    ["TraceProposer", tlaFun(inst.proposers.map((p, r) => [r, p] as const))],
  ]
  const tla = [
    `${"-".repeat(10)} MODULE ${module} ${"-".repeat(10)}`,
    `\\* Generated by src/models/TraceValidation.ts: height ${inst.height} of a consensus trace.`,
    "EXTENDS PoAITrace",
    "",
    ...defs.map(([k, v]) => `TR_${k} == ${v}`),
    "=".repeat(30),
    "",
  ].join("\n")
  const cfg = [
    "CONSTANTS",
    ...defs.map(([k]) => `    ${k} <- TR_${k}`),
    "INIT TraceInit",
    "NEXT TraceNext",
    "INVARIANTS",
    ...[...invariants, "TraceUnfinished"].map((i) => `    ${i}`),
    "ALIAS TraceAlias",
    "POSTCONDITION TraceAccepted",
    "",
  ].join("\n")
  const tlaPath = path.join(dir, `${module}.tla`)
  const cfgPath = path.join(dir, `${module}.cfg`)
  writeFileSync(tlaPath, tla)
  writeFileSync(cfgPath, cfg)
  return { module, tla: tlaPath, cfg: cfgPath, ndjson }
}
