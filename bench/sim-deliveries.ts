// SIM-NET.7 / issue 12: where the simulator's deliveries go. Runs the bench's configuration (bench/sim.ts:
// attestation, audits and scoring on, seed 1) and prints a table of deliveries per block (the first honest
// node's finalized height when the delivery happened) by message type and outcome ("ok" or the rejection
// code), then the run's totals as one JSON line. A tool for profiling, not part of `npm run bench`:
//
//   node bin/run-ts.js bench/sim-deliveries.ts [NODES=32] [BLOCKS=20]
import { Either } from "effect"
import { Codecs } from "../src/codec/index.ts"
import { nodeCryptoService } from "../src/crypto/NodeCrypto.ts"
import { simulate } from "../src/drivers/InProcessNetwork.ts"
import { defaultQualityParams } from "../src/quality/QualityParams.ts"

const n = Number(process.argv[2] ?? 32)
const blocks = Number(process.argv[3] ?? 20)
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(blocks) || blocks < 1) {
  process.stderr.write("usage: sim-deliveries.ts [NODES] [BLOCKS]\n")
  process.exit(2)
}
const per = new Map<number, Map<string, number>>()
let height = 0
const typeOf = new WeakMap<Uint8Array, string>()
const s = simulate(nodeCryptoService, {
  nodes: n,
  byzantine: 0,
  strategy: "equivocate",
  seed: 1,
  blocks,
  scoring: { ...defaultQualityParams, aggregator: "trimmed-mean" },
  onProgress: (p) => {
    height = p.height
  },
  onStep: (e) => {
    if (e.input.type !== "receive") return
    let t = typeOf.get(e.input.bytes)
    if (t === undefined) {
      const m = Codecs.Message.decode(e.input.bytes)
      t = Either.isRight(m) ? m.right.type : "undecodable"
      typeOf.set(e.input.bytes, t)
    }
    const rej = e.outputs.find((o) => o.type === "rejected")
    const why = rej === undefined ? "ok" : rej.error._tag === "ProtocolError" ? rej.error.code : `DECODE:${rej.error.reason}`
    const key = `${t}:${why}`
    const m = per.get(height) ?? new Map<string, number>()
    per.set(height, m)
    m.set(key, (m.get(key) ?? 0) + 1)
  },
})
const keys = [...new Set([...per.values()].flatMap((m) => [...m.keys()]))].sort()
process.stdout.write(`height\ttotal\t${keys.join("\t")}\n`)
for (const [h, m] of [...per.entries()].sort((a, b) => a[0] - b[0]))
  process.stdout.write(`${h}\t${[...m.values()].reduce((a, b) => a + b, 0)}\t${keys.map((k) => m.get(k) ?? 0).join("\t")}\n`)
process.stdout.write(`${JSON.stringify({ nodes: n, blocks: s.finalizedHeight, delivered: s.messagesDelivered, rejected: s.messagesRejected, rejectedByReason: s.rejectedByReason, stateRoot: s.stateRoot })}\n`)
