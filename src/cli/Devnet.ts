// spec: DEVNET.1..7 (spec/20-node.md §Devnet)
// `poai devnet`: N node processes on 127.0.0.1 with crashes, and the agreement check. Loaded lazily.
import { nodeCryptoService } from "../crypto/NodeCrypto.ts"
import { runDevnet, type DevnetSummary } from "../drivers/node/Devnet.ts"
import { parseFlags, type FlagSpec, UsageError } from "./Flags.ts"
import type { Io } from "./Io.ts"

export const DEVNET_FLAGS = {
  nodes: { kind: "int", min: 1, max: 32, default: 4 },
  blocks: { kind: "int", min: 1, max: 100_000, default: 20 },
  kill: { kind: "int", min: 0, max: 100, default: 0 },
  seed: { kind: "int", min: 0, max: 4_294_967_295, default: 1 },
  dir: { kind: "string", default: undefined },
  "timeout-seconds": { kind: "int", min: 1, max: 86_400, default: 300 },
  "tx-rate": { kind: "int", min: 0, max: 1000, default: 10 },
  "work-rate": { kind: "int", min: 0, max: 100, default: 1 },
  volatile: { kind: "bool" },
  json: { kind: "bool" },
  quiet: { kind: "bool" },
} as const satisfies Record<string, FlagSpec>

export const DEVNET_USAGE = `usage: poai devnet [--nodes N] [--blocks B] [--kill K] [--seed S] [--dir D] [--json]

Creates N validator homes and a genesis in a run directory (D, or a new one under the temp dir; kept
for inspection: each home has its node.log), starts N 'poai node' processes on 127.0.0.1, submits
transfers (--tx-rate per second) and work claims (--work-rate per second) through their APIs, kills K
nodes with SIGKILL at seeded heights, one at a time, and restarts each, waits until every node has
finalized B blocks, and checks that all nodes hold the same block at every height.

  --nodes N            validators (1..32, default 4)
  --blocks B           blocks every node must finalize (default 20)
  --kill K             crashes (SIGKILL + restart), one at a time (default 0)
  --seed S             keys, accounts, workload and crash schedule (default 1)
  --timeout-seconds T  give up after T seconds (default 300)
  --volatile           nodes keep no store (a restarted node starts from genesis)
  --json               print the summary as one JSON object on the last line of stdout

exit status: 0 agreement and every node at B; 1 disagreement, a stuck node, lost or duplicated
transfers, a double sign, or the timeout; 2 usage error`

export const devnetCommand = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  if (args[0] === "help" || args[0] === "--help") {
    io.out(`${DEVNET_USAGE}\n`)
    return 0
  }
  const f = parseFlags(DEVNET_FLAGS, args)
  if (f.kill > 0 && f.nodes < 4) throw new UsageError("--kill needs --nodes >= 4 (one crashed node of fewer stops the network)")
  const ac = new AbortController()
  const onSig = () => ac.abort()
  process.once("SIGINT", onSig)
  process.once("SIGTERM", onSig)
  let s: DevnetSummary
  try {
    s = await runDevnet(nodeCryptoService, {
      nodes: f.nodes,
      blocks: f.blocks,
      kill: f.kill,
      seed: f.seed,
      ...(f.dir !== undefined ? { dir: f.dir } : {}),
      timeoutSec: f["timeout-seconds"],
      txPerSec: f["tx-rate"],
      workPerSec: f["work-rate"],
      ...(f.volatile ? { nodeFlags: ["--volatile"] } : {}),
      signal: ac.signal,
      log: (line) => {
        if (!f.quiet) io.err(`[devnet] ${line}\n`)
      },
    })
  } finally {
    process.off("SIGINT", onSig)
    process.off("SIGTERM", onSig)
  }
  io.out(f.json ? `${JSON.stringify(s)}\n` : human(s))
  return devnetOk(s) ? 0 : 1
}

/** DEVNET.6: the run passed: agreement, every node at the target, no loss, no duplicate, no double sign. */
export const devnetOk = (s: DevnetSummary): boolean =>
  s.error === null && s.agreement && s.completed && !s.stuck && s.lostTx === 0 && s.duplicateTx === 0 && s.doubleSigns === 0 && s.guardRefusals === 0

const human = (s: DevnetSummary): string =>
  [
    `devnet            ${s.nodes} nodes, run directory ${s.dir}`,
    `finalized height  ${s.finalizedHeight} of ${s.targetBlocks} (per node ${s.heights.join(", ")})${s.completed ? "" : "  (target NOT reached)"}`,
    `agreement         ${s.agreement ? "yes" : `NO${s.disagreements.length > 0 ? ` at heights ${s.disagreements.join(", ")}` : ""}`}`,
    `restarts          ${s.restarts}`,
    `double signs      ${s.doubleSigns} (guard refusals ${s.guardRefusals})`,
    `transfers         ${s.txAccepted} accepted, ${s.txCommitted} committed, ${s.lostTx} lost, ${s.duplicateTx} duplicated`,
    `work claims       ${s.workAccepted} accepted`,
    `time              ${s.wallSeconds.toFixed(1)} s wall, ${s.secondsPerBlock.toFixed(3)} s per block`,
    ...(s.error !== null ? [`error             ${s.error}`] : []),
    "",
  ].join("\n")
