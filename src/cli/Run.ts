// spec: CLI-RUN.1..3, CLI-RUN.5..6, CLI-OUT.1..2 (spec/08-simulation.md §CLI)
// `poai run`: build a simulation config from the flags, run it, print the summary. Loaded by main.ts
// only when the command is `run` (CLI-BUILD.2), since it pulls in the whole core.
import { Effect, Layer } from "effect"
import { Crypto } from "../crypto/Crypto.ts"
import { NobleCryptoLive } from "../crypto/NobleCrypto.ts"
import { NodeCryptoLive } from "../crypto/NodeCrypto.ts"
import { ERROR_CODES, type ErrorCode } from "../core/Errors.ts"
import { STRATEGY_CHOICES, type StrategyChoice } from "../drivers/Strategies.ts"
import { byzantineIndices, simulateEffect, type SimConfig, type SimSummary } from "../drivers/InProcessNetwork.ts"
import { traceWriter } from "../drivers/Trace.ts"
import { transcriptRecorder } from "../drivers/Transcript.ts"
import * as path from "node:path"
import { parseFlags, type FlagSpec, UsageError } from "./Flags.ts"
import type { Io } from "./Io.ts"
import { OutputFile, makeOutputDir, nodeOutputFs } from "./Outputs.ts"
import { defaultQualityParams, type AggregatorName } from "../quality/QualityParams.ts"

export const RUN_FLAGS = {
  nodes: { kind: "int", min: 1, max: 256, default: 4 },
  blocks: { kind: "int", min: 1, max: 100_000, default: 20 },
  byzantine: { kind: "int", min: 0, max: 255, default: 0 },
  strategy: { kind: "enum", values: STRATEGY_CHOICES, default: "equivocate" },
  seed: { kind: "int", min: 0, max: 4_294_967_295, default: 1 },
  drop: { kind: "float", min: 0, max: 0.5, default: 0 },
  duplicate: { kind: "float", min: 0, max: 1, default: 0 },
  latency: { kind: "range", min: 0, max: 60_000, default: [10, 60] },
  "tx-rate": { kind: "int", min: 0, max: 100_000, default: 40 },
  cheaters: { kind: "float", min: 0, max: 1, default: 0 },
  "no-attestation": { kind: "bool" },
  "colluding-evaluators": { kind: "float", min: 0, max: 1, default: 0 },
  aggregator: { kind: "enum", values: ["trimmed-mean", "yuma"], default: "trimmed-mean" },
  "no-scoring": { kind: "bool" },
  executor: { kind: "enum", values: ["sim", "ml"], default: "sim" },
  crypto: { kind: "enum", values: ["noble", "node"], default: "node" },
  "max-virtual-seconds": { kind: "int", min: 1, max: 86_400, default: 600 },
  trace: { kind: "string", default: undefined },
  transcripts: { kind: "string", default: undefined },
  "mutant-ignore-lock": { kind: "int", min: -1, max: 255, default: -1 },
  json: { kind: "bool" },
  quiet: { kind: "bool" },
} as const satisfies Record<string, FlagSpec>


/** CLI-RUN.1: run a network and print the summary (CLI-RUN.2 JSON form). */
export const runCommand = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const f = parseFlags(RUN_FLAGS, args)
  if (f.byzantine >= f.nodes) throw new UsageError(`--byzantine ${f.byzantine} must be below --nodes ${f.nodes}`)
  const mutant = f["mutant-ignore-lock"]
  if (mutant >= f.nodes - f.byzantine) throw new UsageError(`--mutant-ignore-lock ${mutant} must be an honest node (0..${f.nodes - f.byzantine - 1})`)
  if (3 * f.byzantine >= f.nodes && !f.quiet)
    io.err(`warning: ${f.byzantine} of ${f.nodes} equal-stake validators is >= 1/3 of the power: agreement is not guaranteed\n`)
  const [latMin, latMax] = f.latency
  let lastPct = -1
  const started = Date.now()
  let cfg: SimConfig = {
    nodes: f.nodes,
    byzantine: f.byzantine,
    strategy: f.strategy as StrategyChoice,
    seed: f.seed,
    blocks: f.blocks,
    dropRate: f.drop,
    duplicateRate: f.duplicate,
    latencyMs: { min: latMin, max: latMax },
    txRate: f["tx-rate"],
    cheaters: f.cheaters,
    attested: !f["no-attestation"],
    scoring: f["no-scoring"] ? false : { ...defaultQualityParams, aggregator: f.aggregator as AggregatorName },
    colludingEvaluators: f["colluding-evaluators"],
    executor: f.executor as "sim" | "ml",
    maxVirtualMs: f["max-virtual-seconds"] * 1000,
    ...(mutant >= 0 ? { ignoreLock: [mutant] } : {}),
    onProgress: (p) => {
      if (f.quiet) return
      const pct = Math.floor((100 * p.height) / p.target)
      if (pct >= lastPct + 5 || p.height === p.target) {
        lastPct = pct
        const wall = ((Date.now() - started) / 1000).toFixed(1)
        io.err(`[poai] height ${p.height}/${p.target} (${pct}%)  virtual ${(p.virtualMs / 1000).toFixed(2)}s  wall ${wall}s\n`)
      }
    },
  }
  // CLI-OUT.1: every output is opened and test-written before the run; CLI-OUT.2: a later write
  // failure drops that output, the run goes on, and the command reports it after the summary
  const ofs = io.outputFs ?? nodeOutputFs
  const outputs: OutputFile[] = []
  try {
    if (f.trace !== undefined) {
      const trace = OutputFile.open("trace file", f.trace, ofs)
      outputs.push(trace)
      cfg = { ...cfg, onStep: traceWriter({ byzantine: byzantineIndices(f.nodes, f.byzantine), write: (line) => trace.line(line) }) }
    }
    // SIM-TRANSCRIPT.1: one file per honest node, written as the run goes (bounded buffers)
    if (f.transcripts !== undefined) {
      const dir = f.transcripts
      makeOutputDir("transcript directory", dir, ofs)
      const files = new Map<number, OutputFile>()
      const byz = new Set(byzantineIndices(f.nodes, f.byzantine))
      for (let i = 0; i < f.nodes; i++)
        if (!byz.has(i)) {
          const o = OutputFile.open("transcript", path.join(dir, `node-${i}.ndjson`), ofs)
          outputs.push(o)
          files.set(i, o)
        }
      const record = transcriptRecorder({ byzantine: byzantineIndices(f.nodes, f.byzantine), write: (node, line) => files.get(node)?.line(line) })
      const prev = cfg.onStep
      cfg = { ...cfg, onStep: (e) => { prev?.(e); record(e) } }
    }
  } catch (e) {
    for (const o of outputs) o.close()
    throw e
  }
  // CLI-BUILD.2: the ML executor (tfjs) is loaded only when asked for
  if (f.executor === "ml") await (await import("../drivers/MlWork.ts")).initMlExecutor()
  const layer: Layer.Layer<Crypto> = f.crypto === "noble" ? NobleCryptoLive : NodeCryptoLive
  let summary: SimSummary
  try {
    summary = Effect.runSync(Effect.provide(simulateEffect(cfg), layer))
  } finally {
    for (const o of outputs) o.close()
  }
  io.out(f.json ? `${JSON.stringify(summary)}\n` : human(summary))
  // CLI-RUN.6: where the full picture is (a hint on stderr, never part of the summary)
  if (!f.quiet && !f.json) io.err(`hint: the paper's §8 scenarios: npx poai reproduce --quick (N = 16, under a minute; writes out/reproduce/report.md); the N = 100 plan: spec/19\n`)
  const failed = outputs.flatMap((o) => (o.failure === undefined ? [] : [o.failure]))
  // CLI-OUT.2: one line for the first failed output (and how many more failed)
  if (failed.length > 0) {
    io.err(`poai: ${failed[0]}${failed.length > 1 ? ` (and ${failed.length - 1} more output files)` : ""}\n`)
    return 1
  }
  return summary.agreement && summary.completed ? 0 : 1
}

const rate = (x: number | null): string => (x === null ? "-" : x.toFixed(3))

/** SIM-ML.5: one line per kind and one per cheat class: what was audited, caught and derived. */
const byKindLines = (s: SimSummary): string[] =>
  (["inference", "training", "extraction"] as const).flatMap((k) => {
    const x = s.byKind[k]
    return [
      `${k.padEnd(17)} ${x.claims} claims, ${x.audited} audited; cheating ${x.cheatingClaims} (${x.cheatingAudited} audited): ${x.caught} caught, ${x.missed} missed; honest slashed ${x.honestSlashed}; detection ${rate(x.detectionRate)} (derived ${rate(x.derivedDetectionRate)})`,
      ...Object.entries(x.classes).map(([c, d]) => `  ${c.padEnd(20)} ${d.claims} claims, ${d.audited} audited, ${d.caught} caught; detection ${rate(d.detectionRate)} (derived ${rate(d.derivedDetectionRate)})`),
    ]
  })

const human = (s: SimSummary): string =>
  [
    `nodes             ${s.nodes} (${s.byzantine} Byzantine, strategy ${s.strategy}), seed ${s.seed}`,
    `finalized height  ${s.finalizedHeight} of ${s.targetBlocks}${s.completed ? "" : "  (target NOT reached)"}`,
    ...stallLines(s),
    `agreement         ${s.agreement ? "yes" : "NO — honest nodes committed different blocks"}`,
    `state root        ${s.stateRoot}`,
    `transfers         ${s.txCommitted} committed`,
    `work claims       ${s.claims} revealed, ${s.claimsMatured} matured, ${s.attestationRejected} failed attestation`,
    // CLI-RUN.5: the parts add up to the whole
    `audits            ${s.audited} selected = ${s.auditsPassed} passed + ${s.auditsFailed} failed + ${s.auditsMissed} missed + ${s.auditsPending} still pending`,
    `cheating          ${s.cheaters} cheaters; ${s.cheatingClaims} settled cheating claims = ${s.cheatsCaught} caught + ${s.cheatsMissed} missed (${s.cheatingUnresolved} unsettled)`,
    `work slashing     ${s.slashedClaims} claims slashed (${s.auditsFailed} failed audit + ${s.attestationRejected} failed attestation); ${s.slashedWork} units burned = workers ${s.slashedWorkWorkers} + auditors ${s.slashedWorkAuditors} (${s.auditsMissed} missed audits)`,
    ...byKindLines(s),
    `quality           ${s.scoring ? `${s.scoringRounds} scoring rounds, ${s.colludingEvaluators} colluding evaluators, evaluator stake slashed ${s.evaluatorSlashed}` : "off (Q = v(t))"}`,
    `Q vs honest       ${s.qDeviation.claims} scored claims: chain ${s.qDeviation.totalQ} vs honest ${s.qDeviation.honestQ}, max |dQ| ${s.qDeviation.maxAbs} (${s.qDeviation.maxPpmOfV} ppm of v), ${s.qDeviation.outsideBound} outside the QUAL-AGG.5 bound`,
    `rewards           workers ${s.rewards.workers}, evaluators ${s.rewards.evaluators}, validators ${s.rewards.validators}, auditors ${s.rewards.auditors}`,
    `evidence          ${s.evidence} on chain, ${s.slashed} stake slashed`,
    `virtual time      ${s.virtualSeconds}s, highest round ${s.maxRound}`,
    `messages          ${s.messagesDelivered} delivered; ${s.messagesRejected} inputs rejected (deliveries and local inputs)${s.messagesRejected > 0 ? ", by reason below" : ""}`,
    ...rejectionLines(s),
    "",
  ].join("\n")

/** SIM-NET.9: why the target was not reached, in terms of voting power. */
const stallLines = (s: SimSummary): string[] =>
  s.stall === null
    ? []
    : [
        `stalled at        height ${s.stall.height}: honest power ${s.stall.honestPower} of ${s.stall.totalPower} (Byzantine ${s.stall.byzantinePower}); ${
          s.stall.quorumWithoutByzantine
            ? "honest nodes hold a quorum (> 2/3): not explained by power"
            : "no quorum without Byzantine votes (honest power <= 2/3, CONS-LIVE.1 item 1)"
        }`,
      ]

/** CLI-RUN.5: one line per rejection reason, most frequent first (ties by code). */
const rejectionLines = (s: SimSummary): string[] =>
  Object.entries(s.rejectedByReason)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([code, k]) => `  ${code.padEnd(26)} ${String(k).padStart(8)}  ${code in ERROR_CODES ? ERROR_CODES[code as ErrorCode] : `the bytes do not decode (DecodeError ${code.slice("DECODE:".length)}, spec/07)`}`)

