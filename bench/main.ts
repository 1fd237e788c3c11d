// `npm run bench`: prints one JSON object per line on stdout (machine-readable), progress on stderr.
// Options: --only NAME[,NAME...] (crypto, consensus, attest-sgx, attest-snp-psa, ml-inference,
// ml-training, ml-extraction, quality, sim), --quick (smaller cases); sim also takes --sim-nodes N[,N...]
// and --sim-blocks B.
// Throughput figures come with a ratio to a baseline measured in the same process (see each file).
import { nodeCryptoService } from "../src/crypto/NodeCrypto.ts"
import { CONSENSUS_CASES, benchConsensus } from "./consensus.ts"

type Emit = (o: object) => void
type Progress = (s: string) => void

const args = process.argv.slice(2)
const onlyArg = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined
const quick = args.includes("--quick")
const emit: Emit = (line) => process.stdout.write(`${JSON.stringify(line)}\n`)
const progress: Progress = (s) => process.stderr.write(`[bench] ${s}\n`)

const SUITES: ReadonlyArray<readonly [string, () => Promise<void>]> = [
  ["crypto", async () => (await import("./crypto.ts")).benchCrypto(emit)],
  [
    "consensus",
    async () => {
      const cases = quick ? CONSENSUS_CASES.filter((c) => c.nodes <= 16).map((c) => ({ ...c, blocks: Math.min(c.blocks, 5) })) : CONSENSUS_CASES
      benchConsensus(nodeCryptoService, emit, cases, progress)
    },
  ],
  ["attest-sgx", async () => (await import("./attest-sgx.ts")).benchAttestSgx(emit, progress, quick)],
  ["attest-snp-psa", async () => (await import("./attest-snp-psa.ts")).benchAttestSnpPsa(emit, progress, quick)],
  ["ml-inference", async () => (await import("./ml-inference.ts")).benchMlInference(emit, progress, quick)],
  ["ml-training", async () => (await import("./ml-training.ts")).benchMlTraining(emit, progress, quick)],
  ["ml-extraction", async () => (await import("./ml-extraction.ts")).benchMlExtraction(emit, progress, quick)],
  ["quality", async () => (await import("./quality.ts")).benchQuality(emit, progress, quick)],
  [
    "sim",
    async () => {
      const { SIM_CASES, benchSim } = await import("./sim.ts")
      const nodesArg = args.includes("--sim-nodes") ? args[args.indexOf("--sim-nodes") + 1] : undefined
      const blocksArg = args.includes("--sim-blocks") ? Number(args[args.indexOf("--sim-blocks") + 1]) : undefined
      const sizes = nodesArg === undefined ? undefined : nodesArg.split(",").map(Number)
      const cases = (sizes === undefined ? SIM_CASES : sizes.map((n) => ({ nodes: n, blocks: 20 })))
        .map((c) => ({ ...c, blocks: blocksArg ?? (quick ? Math.min(c.blocks, 5) : c.blocks) }))
      benchSim(nodeCryptoService, emit, progress, cases)
    },
  ],
]

const only = onlyArg === undefined ? undefined : new Set(onlyArg.split(","))
const unknown = [...(only ?? [])].filter((n) => !SUITES.some(([s]) => s === n))
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown suite(s) ${unknown.join(", ")}; choose from ${SUITES.map(([s]) => s).join(", ")}\n`)
  process.exit(2)
}

emit({ bench: "meta", node: process.version, platform: `${process.platform}-${process.arch}`, cpus: (await import("node:os")).cpus().length, quick, execArgv: process.execArgv.filter((a) => !a.startsWith("--import") && !a.startsWith("--require")) })
for (const [name, run] of SUITES) {
  if (only !== undefined && !only.has(name)) continue
  progress(name)
  await run()
}
