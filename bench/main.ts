// `npm run bench`: prints one JSON object per line on stdout (machine-readable), progress on stderr.
// Options: --only crypto|consensus, --quick (smaller consensus cases).
import { nodeCryptoService } from "../src/crypto/NodeCrypto.ts"
import { CONSENSUS_CASES, benchConsensus } from "./consensus.ts"

const args = process.argv.slice(2)
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined
const quick = args.includes("--quick")
const emit = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`)
const progress = (s: string) => process.stderr.write(`[bench] ${s}\n`)

emit({ bench: "meta", node: process.version, platform: `${process.platform}-${process.arch}`, cpus: (await import("node:os")).cpus().length })
if (only === undefined || only === "crypto") {
  progress("crypto")
  const { benchCrypto } = await import("./crypto.ts")
  await benchCrypto(emit)
}
if (only === undefined || only === "consensus") {
  const cases = quick ? CONSENSUS_CASES.filter((c) => c.nodes <= 16).map((c) => ({ ...c, blocks: Math.min(c.blocks, 5) })) : CONSENSUS_CASES
  benchConsensus(nodeCryptoService, emit, cases, progress)
}
