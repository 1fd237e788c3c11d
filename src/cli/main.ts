// spec: CLI-RUN.1..4 (spec/08-simulation.md §CLI)
// The `poai` command. `main` returns the exit code; it never calls process.exit itself.
import { Effect, Layer } from "effect"
import { Crypto } from "../crypto/Crypto.ts"
import { NobleCryptoLive } from "../crypto/NobleCrypto.ts"
import { NodeCryptoLive } from "../crypto/NodeCrypto.ts"
import { STRATEGY_CHOICES, type StrategyChoice } from "../drivers/Byzantine.ts"
import { byzantineIndices, simulateEffect, type SimConfig, type SimSummary } from "../drivers/InProcessNetwork.ts"
import { traceWriter } from "../drivers/Trace.ts"
import { initMlExecutor } from "../drivers/MlWork.ts"
import * as fs from "node:fs"
import { attestCommand } from "./Attest.ts"
import { forensicsCommand } from "./Forensics.ts"
import { conformanceCommand } from "./Conformance.ts"
import type { Io } from "./Io.ts"
import { transcriptRecorder } from "../drivers/Transcript.ts"
import * as path from "node:path"
import { parseFlags, type FlagSpec, UsageError } from "./Flags.ts"
import { defaultQualityParams, type AggregatorName } from "../quality/QualityParams.ts"

export const VERSION = "0.1.0"

const USAGE = `poai ${VERSION} — Proof of AI reference implementation

usage:
  poai run [options]        run an in-process PoAI network and print a summary
  poai attest inspect|verify  parse or verify TEE vendor evidence (poai attest help)
  poai forensics FILE...    convict the culprits of a fork from honest nodes' transcripts (poai forensics help)
  poai conformance run      run the conformance vectors against an implementation (poai conformance help)
  poai reproduce [options]  run the paper's §8 evaluation and write a report beside Table 1 and §8.4 (poai reproduce help)
  poai help                 this text
  poai --version            print the version

poai run options:
  --nodes N                 number of validators (1..256, default 4)
  --blocks B                blocks every honest node must finalize (1..100000, default 20)
  --byzantine F             Byzantine validators, the last F (0..N-1, default 0); F >= N/3 voids the safety guarantee
  --strategy S              Byzantine behaviour: ${STRATEGY_CHOICES.join("|")} (default equivocate)
  --seed S                  PRNG seed, integer 0..4294967295 (default 1)
  --drop P                  message drop probability in [0, 0.5] (default 0)
  --duplicate P             message duplication probability in [0, 1] (default 0)
  --latency MIN:MAX         one-way delay range in virtual ms (default 10:60)
  --tx-rate R               client transfers per virtual second (default 40)
  --cheaters F              fraction of workers that fake their work, in [0, 1] (default 0): alternately
                            lazy (certified TEE, fabricated output: audits catch it with probability p)
                            and forger (uncertified attestation: the attestation check catches it)
  --no-attestation          do not require TEE attestations on work claims (audits still run)
  --colluding-evaluators F  fraction of nodes, in [0, 1], that score their own group's work 10^6 (default 0)
  --aggregator A            evaluator score aggregator: trimmed-mean|yuma (default trimmed-mean)
  --no-scoring              no evaluator committees: Q(W) = v(t) at reveal (the pre-issue-5 seam)
  --executor sim|ml         how work is computed and audited: sim (reference hash executor, default) or
                            ml (inference claims run the reference MLP on tfjs cpu; audits re-run it)
  --crypto noble|node       crypto layer (default node: node:crypto Ed25519/SHA-256, noble BLS)
  --max-virtual-seconds T   give up after T virtual seconds (default 600)
  --trace FILE              write the honest nodes' consensus events as NDJSON (trace validation, models/README.md)
  --mutant-ignore-lock I    node mutant for trace validation: honest node I skips the lock test of
                            CONS-RULE.2/3 and is still traced as honest (default -1: none)
  --transcripts DIR         write each honest node's signed consensus messages and decisions to DIR/node-<i>.ndjson (poai forensics)
  --json                    print the summary as one JSON object on the last line of stdout
  --quiet                   no progress on stderr

exit status: 0 finalized with agreement; 1 agreement violated or target not reached; 2 usage error`

const RUN_FLAGS = {
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

export type { Io } from "./Io.ts"

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
}

/** CLI-RUN.1: run a network and print the summary (CLI-RUN.2 JSON form). */
const runCommand = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
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
  let traceFd: number | undefined
  let pending: string[] = []
  const flush = () => {
    if (traceFd !== undefined && pending.length > 0) fs.writeSync(traceFd, pending.join(""))
    pending = []
  }
  if (f.trace !== undefined) {
    try {
      traceFd = fs.openSync(f.trace, "w")
    } catch (e) {
      throw new UsageError(`cannot open trace file '${f.trace}': ${e instanceof Error ? e.message : String(e)}`)
    }
    const write = traceWriter({
      byzantine: byzantineIndices(f.nodes, f.byzantine),
      write: (line) => {
        pending.push(line)
        if (pending.length >= 4096) flush()
      },
    })
    cfg = { ...cfg, onStep: write }
  }
  // SIM-TRANSCRIPT.1: one file per honest node, written as the run goes (bounded buffers)
  const transcriptFds = new Map<number, number>()
  const tPending = new Map<number, string[]>()
  const tFlush = (node: number) => {
    const p = tPending.get(node)
    const fd = transcriptFds.get(node)
    if (p !== undefined && fd !== undefined && p.length > 0) fs.writeSync(fd, p.join(""))
    tPending.set(node, [])
  }
  if (f.transcripts !== undefined) {
    const dir = f.transcripts
    try {
      fs.mkdirSync(dir, { recursive: true })
      const byz = new Set(byzantineIndices(f.nodes, f.byzantine))
      for (let i = 0; i < f.nodes; i++) if (!byz.has(i)) transcriptFds.set(i, fs.openSync(path.join(dir, `node-${i}.ndjson`), "w"))
    } catch (e) {
      throw new UsageError(`cannot write transcripts to '${dir}': ${e instanceof Error ? e.message : String(e)}`)
    }
    const record = transcriptRecorder({
      byzantine: byzantineIndices(f.nodes, f.byzantine),
      write: (node, line) => {
        const p = tPending.get(node) ?? []
        p.push(line)
        tPending.set(node, p)
        if (p.length >= 4096) tFlush(node)
      },
    })
    const prev = cfg.onStep
    cfg = { ...cfg, onStep: (e) => { prev?.(e); record(e) } }
  }
  if (f.executor === "ml") await initMlExecutor()
  const layer: Layer.Layer<Crypto> = f.crypto === "noble" ? NobleCryptoLive : NodeCryptoLive
  let summary: SimSummary
  try {
    summary = Effect.runSync(Effect.provide(simulateEffect(cfg), layer))
  } finally {
    flush()
    if (traceFd !== undefined) fs.closeSync(traceFd)
    for (const [node, fd] of transcriptFds) {
      tFlush(node)
      fs.closeSync(fd)
    }
  }
  io.out(f.json ? `${JSON.stringify(summary)}\n` : human(summary))
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
    `agreement         ${s.agreement ? "yes" : "NO — honest nodes committed different blocks"}`,
    `state root        ${s.stateRoot}`,
    `transfers         ${s.txCommitted} committed`,
    `work claims       ${s.claims} revealed, ${s.claimsMatured} matured, ${s.attestationRejected} failed attestation`,
    `audits            ${s.audited} selected: ${s.auditsPassed} passed, ${s.auditsFailed} failed, ${s.auditsMissed} missed`,
    `cheating          ${s.cheaters} cheaters; ${s.cheatingClaims} settled cheating claims = ${s.cheatsCaught} caught + ${s.cheatsMissed} missed (${s.cheatingUnresolved} unsettled)`,
    `work slashing     ${s.slashedClaims} claims slashed, ${s.slashedWork} units`,
    ...byKindLines(s),
    `quality           ${s.scoring ? `${s.scoringRounds} scoring rounds, ${s.colludingEvaluators} colluding evaluators, evaluator stake slashed ${s.evaluatorSlashed}` : "off (Q = v(t))"}`,
    `Q vs honest       ${s.qDeviation.claims} scored claims: chain ${s.qDeviation.totalQ} vs honest ${s.qDeviation.honestQ}, max |dQ| ${s.qDeviation.maxAbs} (${s.qDeviation.maxPpmOfV} ppm of v), ${s.qDeviation.outsideBound} outside the QUAL-AGG.5 bound`,
    `rewards           workers ${s.rewards.workers}, evaluators ${s.rewards.evaluators}, validators ${s.rewards.validators}, auditors ${s.rewards.auditors}`,
    `evidence          ${s.evidence} on chain, ${s.slashed} stake slashed`,
    `virtual time      ${s.virtualSeconds}s, highest round ${s.maxRound}`,
    `messages          ${s.messagesDelivered} delivered, ${s.messagesRejected} rejected`,
    "",
  ].join("\n")

export const main = async (argv: ReadonlyArray<string>, io: Io = defaultIo): Promise<number> => {
  const [cmd, ...rest] = argv
  try {
    switch (cmd) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(`${USAGE}\n`)
        return cmd === undefined ? 2 : 0
      case "--version":
      case "version":
        io.out(`${VERSION}\n`)
        return 0
      case "run":
        return await runCommand(rest, io)
      case "attest":
        return attestCommand(rest, io)
      case "forensics":
        return forensicsCommand(rest, io)
      case "conformance":
        return await conformanceCommand(rest, io)
      case "reproduce":
        return await (await import("./Reproduce.ts")).reproduceCommand(rest, io, io === defaultIo && process.stderr.isTTY === true)
      default:
        throw new UsageError(`unknown command '${cmd}'`)
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`poai: ${e.message}\nrun 'poai help' for usage\n`)
      return 2
    }
    throw e
  }
}
