// Model-based tests in the other direction (issue 9, item 10): re-create the node scenarios of
// conformance/vectors/consensus/node_scenario/ (the conformance handler consensus/node_scenario) from the
// TLA+ model with TLC.
//
//   npm run models:generate                       every path
//   npm run models:generate -- --only unlock,lock-fresh
//   npm run models:generate -- --no-tlc           re-convert the counterexamples kept in conformance/vectors/consensus/node_scenario/tlc/
//
// For each path below it writes models/MC_gen_<path>.tla/.cfg: PoAIConsensus (SpecFlood) with 4
// validators of equal stake (c1, c2, c3 correct, b1 Byzantine), values {v1, v2}, rounds 0..2, the
// proposer of each round fixed to the validator that proposerFor (src/core/LeaderElection.ts) picks on
// the test network's genesis, and a deliberately false action property about c1 (the node under test)
// whose counterexample is a run through the path. TLC (one worker, BFS: a shortest run) dumps the
// counterexample; src/models/ModelBasedRuns.ts turns it into c1's inputs and expected outputs,
// src/models/NodeScenario.ts makes the messages concrete (test keys, real blocks) and replays them
// through `step` as a self-check; the scenario is written as JSON. test/models/ModelBased.test.ts
// replays the files without TLC. What TLC produced is kept in node_scenario/tlc/: the counterexample
// (<path>.trace.json) and the run's numbers (<path>.stats.json); `scenarioFile` turns them into the
// scenario file deterministically, so conformance/generate/consensus.ts regenerates the files without TLC.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { toJson } from "../conformance/json.ts"
import { toHex } from "../src/codec/Bytes.ts"
import { genesisState } from "../src/core/ChainState.ts"
import { genesisHash } from "../src/core/Genesis.ts"
import { proposerFor } from "../src/core/LeaderElection.ts"
import type { TlcJsonTrace } from "../src/models/Counterexample.ts"
import { type ConvertOptions, abstractRun } from "../src/models/ModelBasedRuns.ts"
import { locateTlc, runTlc } from "../src/models/ModelRunner.ts"
import { type Replay, SCENARIO_FORMAT, type ScenarioRun, concretize, replay } from "../src/models/NodeScenario.ts"
import { ctx, sha, testnet } from "../test/fixtures/core.ts"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const modelsDir = path.join(root, "models")
const outDir = path.join(modelsDir, "out", "gen")
/** The committed scenarios and, in tlc/, the TLC outputs they are made from. */
export const SCENARIO_DIR = path.join(root, "conformance", "vectors", "consensus", "node_scenario")
const fixturesDir = SCENARIO_DIR

/** The test network of every scenario: 4 validators of stake 1000, 4 users. */
export const NETWORK = { nodes: 4, seed: 2, users: 4 } as const
const NAMES = ["c1", "c2", "c3", "b1"] as const
const VALUES = ["v1", "v2"] as const
const MAX_ROUND = 2

export interface PathSpec {
  readonly name: string
  readonly rule: string
  readonly about: string
  /** Key index (in the test network) of c1 (the node under test), c2, c3 and b1 (Byzantine). */
  readonly assign: Readonly<Record<(typeof NAMES)[number], number>>
  /** The action that must never happen (so TLC shows a run in which c1 does it). */
  readonly never: string
  /** The action of `never`: the last transition is converted as this one (ConvertOptions.finalAction). */
  readonly final: string
  /** The model has an invalid block `bad` (InvalidValues = {bad}; b1 may propose and vote for it). */
  readonly invalid?: boolean
}

// Seed 2: proposerFor gives keys 0, 2, 3 for rounds 0, 1, 2 of height 1. With c2 = key 0, c3 = key 2,
// b1 = key 3 and c1 = key 1, c1 never proposes and the Byzantine validator proposes round 2.
const NUT_NEVER_PROPOSES = { c1: 1, c2: 0, c3: 2, b1: 3 } as const

export const PATHS: ReadonlyArray<PathSpec> = [
  {
    name: "lock-fresh",
    rule: "CONS-RULE.5 (lock and precommit), CONS-RULE.2 (lock test: prevote nil on a fresh proposal of another value)",
    about: "c1 locks a value, then prevotes nil on a valid fresh proposal of the other value because of its lock",
    assign: NUT_NEVER_PROPOSES,
    never: "UponProposalInPropose(c1) /\\ lockedRound[c1] >= 0 /\\ c1 \\in prevotes'[round[c1]][Nil]",
    final: "UponProposalInPropose",
  },
  {
    name: "unlock",
    rule: "CONS-RULE.3 (lockedRound <= validRound: prevote a re-proposal of another value while locked)",
    about: "c1 locked on one value prevotes a re-proposal of the other value whose polka is at a round >= its lockedRound",
    assign: NUT_NEVER_PROPOSES,
    never: "UponProposalInProposeAndPrevote(c1) /\\ lockedRound[c1] >= 0 /\\ \\E v \\in Values : v # lockedValue[c1] /\\ c1 \\in prevotes'[round[c1]][v]",
    final: "UponProposalInProposeAndPrevote",
  },
  {
    name: "reproposal-refused",
    rule: "CONS-RULE.3 (lockedRound > validRound: prevote nil on a re-proposal)",
    about: "c1 prevotes nil on a re-proposal with a polka because it locked after the proposal's valid round",
    assign: NUT_NEVER_PROPOSES,
    never: "UponProposalInProposeAndPrevote(c1) /\\ c1 \\in prevotes'[round[c1]][Nil]",
    final: "UponProposalInProposeAndPrevote",
  },
  {
    name: "relock",
    rule: "CONS-RULE.5 (a later polka moves the lock to another value)",
    about: "c1 locked on one value at a round locks and precommits the other value at a later round",
    assign: NUT_NEVER_PROPOSES,
    never: "UponProposalInPrevoteOrCommitAndPrevote(c1) /\\ lockedRound[c1] >= 0 /\\ lockedValue'[c1] # lockedValue[c1]",
    final: "UponProposalInPrevoteOrCommitAndPrevote",
  },
  {
    name: "valid-at-precommit",
    rule: "CONS-RULE.5 at step precommit (validValue/validRound set without precommitting)",
    about: "c1, having precommitted nil, sees the polka for the round's proposal and sets validValue/validRound only",
    assign: NUT_NEVER_PROPOSES,
    never: "UponProposalInPrevoteOrCommitAndPrevote(c1) /\\ step[c1] = \"precommit\"",
    final: "UponProposalInPrevoteOrCommitAndPrevote",
  },
  {
    name: "round-skip",
    rule: "CONS-RULE.9 (CONS-ROUNDSKIP.1: > 1/3 of the power seen at a higher round)",
    about: "c1 skips from its round to a round more than one ahead on messages of > 1/3 of the power",
    assign: NUT_NEVER_PROPOSES,
    never: "\\E r \\in Rounds : OnRoundSkip(c1, r) /\\ r > round[c1] + 1",
    final: "OnRoundSkip",
  },
  {
    name: "nil-polka",
    rule: "CONS-RULE.6 (> 2/3 prevotes for nil: precommit nil)",
    about: "c1 precommits nil on a quorum of nil prevotes",
    assign: NUT_NEVER_PROPOSES,
    never: "UponQuorumOfPrevotesNil(c1)",
    final: "UponQuorumOfPrevotesNil",
  },
  {
    name: "decide-later-round",
    rule: "CONS-RULE.8 (decide on > 2/3 precommits at a round after a lock at an earlier one)",
    about: "c1, locked, decides a value on a quorum of precommits at a round >= 1 (none at round 0)",
    assign: NUT_NEVER_PROPOSES,
    // no quorum at round 0: the decision is on the precommits of a later round
    never: "\\E r \\in Rounds, v \\in Values : Decide(c1, r, v) /\\ r >= 1 /\\ lockedRound[c1] >= 0 /\\ ~IsQuorum(precommits[0][v])",
    final: "Decide",
  },
  {
    name: "invalid-proposal",
    rule: "CONS-VALID.1 in CONS-RULE.2 (prevote nil on an invalid block)",
    about: "c1 prevotes nil on a fresh proposal of an invalid block by the Byzantine proposer of round 0",
    // b1 = key 0 proposes round 0; c1 = key 1 never proposes
    assign: { c1: 1, c2: 2, c3: 3, b1: 0 },
    never: "UponProposalInPropose(c1) /\\ \\E v \\in InvalidValues : Prop(v, -1) \\in proposals[round[c1]] /\\ c1 \\in prevotes'[round[c1]][Nil] /\\ lockedRound[c1] = -1",
    final: "UponProposalInPropose",
    invalid: true,
  },
  {
    name: "valid-round-reproposal",
    rule: "CONS-RULE.1 (the proposer re-proposes validValue with validRound), CONS-RULE.3",
    about: "c1, proposer of round 1, re-proposes the validValue it saw a polka for and prevotes it",
    // c1 = key 2 proposes round 1; b1 = key 1 never proposes
    assign: { c1: 2, c2: 0, c3: 3, b1: 1 },
    never: "UponProposalInProposeAndPrevote(c1) /\\ proposer[round[c1]] = c1",
    final: "UponProposalInProposeAndPrevote",
  },
]

const mcName = (p: PathSpec) => `MC_gen_${p.name.replace(/-/g, "_")}`

/** The MC module and config of a path, with the proposer function of the concrete chain. */
export const mcFiles = (p: PathSpec, proposer: ReadonlyArray<string>): { tla: string; cfg: string } => {
  const name = mcName(p)
  const prop = proposer.map((q, r) => `${r} :> ${q}`).join(" @@ ")
  const box = (lines: ReadonlyArray<string>) => lines.map((l) => `(* ${l.padEnd(71)} *)`).join("\n")
  const tla = `---------------------------- MODULE ${name} ----------------------------
(***************************************************************************)
${box([
  "GENERATED by models/generate-runs.ts (issue 9, item 10): do not edit.",
  `Path: ${p.name}.`,
  "A deliberately false action property about c1, the node under test:",
  "TLC's counterexample is a run of c1 through the path, which the",
  "generator turns into a node scenario",
  "(conformance/vectors/consensus/node_scenario).",
  `4 validators of equal stake, b1 Byzantine (SpecFlood), rounds 0..${MAX_ROUND},`,
  `values v1, v2${p.invalid === true ? " and the invalid block bad" : ""}; the proposer of each round is the`,
  `validator that proposerFor picks on the test network (seed ${NETWORK.seed}).`,
])}
(***************************************************************************)
EXTENDS PoAIConsensus, TLC

CONSTANTS c1, c2, c3, b1, v1, v2, ${p.invalid === true ? "bad, " : ""}nil, none

MC_Corr == {c1, c2, c3}
MC_Faulty == {b1}
MC_Power == [q \\in MC_Corr \\cup MC_Faulty |-> 1]
MC_QWeight == [q \\in MC_Corr \\cup MC_Faulty |-> 0]
MC_ValidValues == {v1, v2}
MC_InvalidValues == {${p.invalid === true ? "bad" : ""}}
MC_MaxRound == ${MAX_ROUND}

\\* proposerFor(round) on the genesis of testnet(nodes ${NETWORK.nodes}, seed ${NETWORK.seed}), keys ${NAMES.map((n) => `${n} = ${p.assign[n]}`).join(", ")}
MC_ProposerFunctions == {(${prop})}

\\* The core prevotes its own proposal in the step that makes it (it holds it at once): c1 never lets
\\* timeoutPropose fire in a round it proposes (its prevote on its own proposal is never nil).
MC_Eager == ~(proposer[round[c1]] = c1 /\\ step[c1] = "propose" /\\ c1 \\in prevotes'[round[c1]][Nil])

\\* ${p.about}
MC_Never == ${p.never}
MC_Path == [][~MC_Never]_vars
=============================================================================
`
  const cfg = `\\* GENERATED by models/generate-runs.ts: do not edit. expect: violation MC_Path
CONSTANTS
    c1 = c1  c2 = c2  c3 = c3  b1 = b1  v1 = v1  v2 = v2  ${p.invalid === true ? "bad = bad  " : ""}nil = nil  none = none
    Corr <- MC_Corr
    Faulty <- MC_Faulty
    Power <- MC_Power
    QWeight <- MC_QWeight
    ValidValues <- MC_ValidValues
    InvalidValues <- MC_InvalidValues
    MaxRound <- MC_MaxRound
    ProposerFunctions <- MC_ProposerFunctions
    Nil = nil
    None = none
SPECIFICATION SpecFlood
ACTION_CONSTRAINT MC_Eager
PROPERTY MC_Path
`
  return { tla, cfg }
}

/** TLC's numbers of the run that found a counterexample, kept as node_scenario/tlc/<path>.stats.json. */
export interface TlcStats {
  readonly distinctStates: number | null
  readonly seconds: number | null
  readonly tlc: string | null
}

/** The byte forms of the kept and generated files (the generators and the tests share them). */
export const scenarioJson = (file: unknown): string => `${JSON.stringify(file, null, 1)}\n`
export const traceJson = (trace: TlcJsonTrace): string => `${JSON.stringify(trace)}\n`
export const statsJson = (stats: TlcStats): string => `${JSON.stringify(stats)}\n`

/**
 * The scenario file of a path from its TLC counterexample and TLC's numbers: deterministic (no clock,
 * no randomness; the test network and every signature are derived from fixed seeds). `replay` is the
 * self-check: the core's run of the scenario; its mismatches must be empty.
 */
export const scenarioFile = (p: PathSpec, trace: TlcJsonTrace, stats: TlcStats): { readonly file: Record<string, unknown>; readonly sc: ScenarioRun; readonly replay: Replay; readonly depth: number } => {
  const net = testnet(NETWORK)
  const convert: ConvertOptions = { nut: "c1", nil: "nil", none: "none", power: { c1: 1, c2: 1, c3: 1, b1: 1 }, faulty: ["b1"], finalAction: p.final, ...(p.invalid === true ? { invalid: ["bad"] } : {}) }
  const abs = abstractRun(trace, convert)
  const actions = trace.counterexample.action ?? []
  const tlcFinal = actions[actions.length - 1]?.[1].name
  const names = { nil: "nil", none: "none", values: VALUES, ...(p.invalid === true ? { invalid: ["bad"] } : {}) }
  const sc = concretize(ctx, net, p.assign, abs, names)
  const nut = net.keys[p.assign.c1]
  if (nut === undefined) throw new Error("no key for c1")
  const rep = replay(ctx, net.genesis, nut, sc)
  const file = {
    format: SCENARIO_FORMAT,
    name: p.name,
    rule: p.rule,
    about: p.about,
    model: {
      module: mcName(p),
      never: p.never,
      // TLC names the disjunct that generated the last transition; it satisfies `never`'s action too
      finalAction: p.final,
      tlcFinalAction: tlcFinal ?? null,
      depth: abs.depth,
      distinctStates: stats.distinctStates,
      seconds: stats.seconds,
      tlc: stats.tlc,
      proposer: abs.proposer,
      trace: abs.trace,
      counterexample: `tlc/${p.name}.trace.json`,
      convert,
      names,
    },
    network: { ...NETWORK, derivation: "src/drivers/Testnet.ts makeTestnet (stake 1000 each)" },
    genesis: toJson(net.genesis),
    genesisHash: toHex(genesisHash(sha, net.genesis)),
    nut: { name: "c1", index: p.assign.c1, pubKey: nut.pubHex, secretKey: toHex(nut.secretKey), blsSecret: toHex(nut.blsSecret) },
    ...sc,
  }
  return { file, sc, replay: rep, depth: abs.depth }
}

/** The kept TLC outputs of a path (node_scenario/tlc/ under `dir`). */
export const keptTlc = (p: PathSpec, dir: string = SCENARIO_DIR): { readonly trace: TlcJsonTrace; readonly stats: TlcStats } => ({
  trace: JSON.parse(readFileSync(path.join(dir, "tlc", `${p.name}.trace.json`), "utf8")) as TlcJsonTrace,
  stats: JSON.parse(readFileSync(path.join(dir, "tlc", `${p.name}.stats.json`), "utf8")) as TlcStats,
})

const main = async () => {
  const args = process.argv.slice(2)
  let only: string[] | undefined
  let useTlc = true
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a === "--only") only = (args[++i] ?? "").split(",").filter((s) => s.length > 0)
    else if (a === "--no-tlc") useTlc = false
    else {
      process.stderr.write(`usage: generate-runs.ts [--only PATH,...] [--no-tlc]\nunknown argument: ${a}\n`)
      process.exit(2)
    }
  }
  const net = testnet(NETWORK)
  const chain = genesisState(sha, net.genesis)
  const keyIndex = (hex: string | undefined) => net.keys.findIndex((k) => k.pubHex === hex)
  const loc = locateTlc()
  if (useTlc && "absent" in loc) {
    process.stderr.write(`TLC not found (${loc.absent}); set TLA2TOOLS_JAR\n`)
    process.exit(2)
  }
  mkdirSync(outDir, { recursive: true })
  mkdirSync(path.join(fixturesDir, "tlc"), { recursive: true })
  let failed = 0
  for (const p of PATHS.filter((x) => only === undefined || only.includes(x.name))) {
    const nameOfKey = new Map(NAMES.map((n) => [p.assign[n], n]))
    const proposer = Array.from({ length: MAX_ROUND + 1 }, (_, r) => nameOfKey.get(keyIndex(proposerFor(sha, chain, r)?.key)) as string)
    const { tla, cfg } = mcFiles(p, proposer)
    const mod = mcName(p)
    writeFileSync(path.join(modelsDir, `${mod}.tla`), tla)
    writeFileSync(path.join(modelsDir, `${mod}.cfg`), cfg)
    const dump = path.join(outDir, `${p.name}.trace.json`)
    const statsFile = path.join(outDir, `${p.name}.stats.json`)
    process.stdout.write(`${p.name}: ${mod} (proposers ${proposer.join(", ")})\n`)
    if (useTlc && !("absent" in loc)) {
      const run = await runTlc({
        jar: loc.jar,
        cwd: modelsDir,
        tla: `${mod}.tla`,
        cfg: `${mod}.cfg`,
        metadir: path.join(outDir, `${p.name}.states`),
        workers: "1",
        dumpTrace: dump,
      })
      const r = run.result
      writeFileSync(path.join(outDir, `${p.name}.log`), run.stdout)
      if (r.outcome !== "violation" || r.property !== "MC_Path") {
        process.stdout.write(`  TLC: ${r.outcome} ${r.property ?? ""} (expected a violation of MC_Path): see ${path.join(outDir, `${p.name}.log`)}\n`)
        failed++
        continue
      }
      writeFileSync(statsFile, JSON.stringify({ distinctStates: r.distinctStates, statesGenerated: r.statesGenerated, seconds: r.seconds ?? run.seconds, version: r.version }))
    }
    // --no-tlc: the counterexample and TLC's numbers kept with the committed scenario (tlc/)
    let trace: TlcJsonTrace
    let stats: TlcStats
    if (useTlc) {
      trace = JSON.parse(readFileSync(dump, "utf8")) as TlcJsonTrace
      const st = JSON.parse(readFileSync(statsFile, "utf8")) as Record<string, unknown>
      const num = (x: unknown) => (typeof x === "number" ? x : null)
      stats = { distinctStates: num(st["distinctStates"]), seconds: num(st["seconds"]), tlc: typeof st["version"] === "string" ? st["version"] : null }
    } else ({ trace, stats } = keptTlc(p))
    // the counterexample itself is kept next to the scenario: the test re-converts it without TLC
    writeFileSync(path.join(fixturesDir, "tlc", `${p.name}.trace.json`), traceJson(trace))
    writeFileSync(path.join(fixturesDir, "tlc", `${p.name}.stats.json`), statsJson(stats))
    const { file, sc, replay: rep, depth } = scenarioFile(p, trace, stats)
    writeFileSync(path.join(fixturesDir, `${p.name}.json`), scenarioJson(file))
    const inputs = sc.steps.reduce((a, s) => a + s.inputs.length, 0)
    process.stdout.write(
      `  depth ${depth}, ${stats.distinctStates} distinct states, ${stats.seconds} s; c1: ${sc.steps.length} steps, ${inputs} inputs; replay ${rep.mismatches.length === 0 ? "conforms" : "DEVIATES"}\n`,
    )
    for (const m of rep.mismatches) process.stdout.write(`    ${m}\n`)
    if (rep.mismatches.length > 0) failed++
  }
  process.exitCode = failed === 0 ? 0 : 1
}

// run only as a script (conformance/generate/consensus.ts imports PATHS and scenarioFile)
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()
