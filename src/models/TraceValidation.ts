// Trace validation, the runner's side: split a consensus trace (src/drivers/Trace.ts) into one
// instance of models/PoAITrace.tla per height, write the files TLC reads, and make mutated traces
// that a correct checker must reject.
//
// One height is one instance of the one-height model: its validators and stake come from the
// trace's `height` event, its valid blocks from the validity verdicts and from what honest nodes
// proposed, voted for or decided (the core only does so for blocks that passed CONS-VALID.1), its
// rounds from the highest round in the events, and the proposer of each round from the `round`
// events (the beacon's pick, CONS-PROPOSER.1) or from Byzantine proposals.
import { mkdirSync, writeFileSync } from "node:fs"
import path from "node:path"
import type { TraceEvent } from "../drivers/Trace.ts"

/** Parse NDJSON trace text; blank lines are skipped. Throws on a malformed line (with its number). */
export const parseTrace = (text: string): TraceEvent[] =>
  text
    .split("\n")
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line.length > 0)
    .map(([line, n]) => {
      try {
        return JSON.parse(line) as TraceEvent
      } catch (e) {
        throw new Error(`trace line ${n}: ${(e as Error).message}`)
      }
    })

/** The events the trace spec matches, one per line (the others are metadata). */
const MATCHED = new Set(["round", "propose", "prevote", "precommit", "valid", "decide", "byz-proposal", "byz-prevote", "byz-precommit"])
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
}

export interface HeightInstance {
  readonly height: number
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
  const corr = [...power.keys()].filter((i) => !byz.has(i))
  const faulty = [...power.keys()].filter((i) => byz.has(i))
  if (corr.length === 0) return `height ${height}: no correct validator`

  const matched = here.filter((e) => MATCHED.has(e.event))
  const values = new Set<string>()
  const valid = new Set<string>()
  for (const e of here) {
    if (e.value === undefined || e.value === "nil") continue
    if (e.event !== "validity") values.add(e.value)
    if ((e.event === "validity" && e.ok === true) || HONEST_VALUE_EVENTS.has(e.event)) valid.add(e.value)
  }
  // A verdict of "invalid" on a block an honest node acted on would be a contradiction in the core;
  // leaving the block valid lets the model judge the honest node's step on its own.
  for (const v of valid) values.add(v)
  const maxRound = Math.max(0, ...matched.map((e) => e.round ?? 0))

  const proposers: number[] = []
  const validators = [...power.keys()].sort((a, b) => a - b)
  for (let r = 0; r <= maxRound; r++) {
    const fromRound = here.find((e) => e.event === "round" && e.round === r && (e.proposer ?? -1) >= 0)?.proposer
    const fromByz = here.find((e) => e.event === "byz-proposal" && e.round === r)?.src
    // A round no honest node entered and no Byzantine proposal names: any validator; no honest
    // proposal can then appear in the model for it (a Byzantine pick is preferred when there is one).
    proposers.push(fromRound ?? fromByz ?? faulty[0] ?? validators[0] ?? 0)
  }

  const lines: TraceLine[] = matched.map((e, i) => ({
    line: i + 1,
    t: e.t,
    event: e.event,
    node: e.node,
    round: e.round ?? 0,
    value: e.value ?? "nil",
    validRound: e.validRound ?? -1,
    src: e.src ?? -1,
  }))
  return {
    height,
    corr,
    faulty,
    power,
    validValues: [...valid].sort(),
    invalidValues: [...values].filter((v) => !valid.has(v)).sort(),
    maxRound,
    proposers,
    lines: lines.map((l, i) => ({ ...l, line: i + 1 })),
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations: hand-made wrong traces that the checker must reject.

export type MutationKind = "precommit-without-polka" | "decide-other-value"

export interface Mutation {
  readonly kind: MutationKind
  readonly description: string
  readonly instance: HeightInstance
}

const renumber = (lines: ReadonlyArray<TraceLine>): TraceLine[] => lines.map((l, i) => ({ ...l, line: i + 1 }))

/**
 * precommit-without-polka: an honest node's precommit for a block is moved to right after its own
 * prevote of that round, before the prevotes that made the polka (so it precommits without one).
 * decide-other-value: an honest node's decision names another block (added to the valid blocks, so
 * that only the missing quorum of precommits can reject it).
 */
export const mutate = (inst: HeightInstance, kind: MutationKind): Mutation | undefined => {
  const lines = inst.lines
  if (kind === "precommit-without-polka") {
    for (let i = 0; i < lines.length; i++) {
      const pc = lines[i] as TraceLine
      if (pc.event !== "precommit" || pc.value === "nil") continue
      const pv = lines.findIndex((l) => l.event === "prevote" && l.node === pc.node && l.round === pc.round)
      if (pv < 0 || pv >= i) continue
      // the precommit must move before at least one other prevote for its value in its round
      const others = lines.slice(pv + 1, i).filter((l) => (l.event === "prevote" || l.event === "byz-prevote") && l.round === pc.round && l.value === pc.value)
      if (others.length === 0) continue
      const moved = [...lines.slice(0, pv + 1), pc, ...lines.slice(pv + 1, i), ...lines.slice(i + 1)]
      return {
        kind,
        description: `line ${pc.line} (node ${pc.node} precommits ${pc.value} at round ${pc.round}) moved before the prevotes of its polka`,
        instance: { ...inst, lines: renumber(moved) },
      }
    }
    return undefined
  }
  const d = lines.findIndex((l) => l.event === "decide")
  if (d < 0) return undefined
  const dec = lines[d] as TraceLine
  const other = inst.validValues.find((v) => v !== dec.value) ?? "0badc0de"
  const changed = lines.map((l, i) => (i === d ? { ...l, value: other } : l))
  return {
    kind,
    description: `line ${dec.line} (node ${dec.node} decides ${dec.value}) changed to decide ${other}`,
    instance: { ...inst, validValues: [...new Set([...inst.validValues, other])].sort(), lines: changed },
  }
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
export const writeInstance = (dir: string, name: string, inst: HeightInstance): InstanceFiles => {
  mkdirSync(dir, { recursive: true })
  const module = name.replace(/[^A-Za-z0-9_]/g, "_")
  const ndjson = path.resolve(dir, `${module}.ndjson`)
  writeFileSync(ndjson, inst.lines.map((l) => JSON.stringify(l)).join("\n") + "\n")
  const validators = [...inst.power.keys()].sort((a, b) => a - b)
  const defs: Array<[string, string]> = [
    ["Corr", tlaSet(inst.corr)],
    ["Faulty", tlaSet(inst.faulty)],
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
    "POSTCONDITION TraceAccepted",
    "",
  ].join("\n")
  const tlaPath = path.join(dir, `${module}.tla`)
  const cfgPath = path.join(dir, `${module}.cfg`)
  writeFileSync(tlaPath, tla)
  writeFileSync(cfgPath, cfg)
  return { module, tla: tlaPath, cfg: cfgPath, ndjson }
}
