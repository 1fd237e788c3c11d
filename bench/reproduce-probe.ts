// spec/19 "The full plan (N = 100)": a probe of one observed run (regions, CPU, device pacing: the
// reproduction's model), printing per height of the first honest node one JSON line: virtual interval,
// the nodes' mean CPU utilisation under SIM-CPU.2, transfers in the block, node steps by input or
// message type, and the simulator's CPU seconds so far. A diagnostic tool, not part of `npm run bench`:
//
//   node --max-semi-space-size=64 bin/run-ts.js bench/reproduce-probe.ts [BLOCKS=6] [TX_RATE=847] [NODES=100]
//
// The full plan's baseline is the default (FULL_PLAN: seed 1, scoring on).
import { Either } from "effect"
import { Codecs } from "../src/codec/index.ts"
import { nodeCryptoService } from "../src/crypto/NodeCrypto.ts"
import { CALIBRATED_CPU, cpuStepCost } from "../src/drivers/NetworkModel.ts"
import { baseConfig, FULL_PLAN, observe } from "../src/drivers/Reproduce.ts"

const [blocks, rate, nodes] = [process.argv[2] ?? "6", process.argv[3] ?? "847", process.argv[4] ?? "100"].map(Number) as [number, number, number]
if (![blocks, rate, nodes].every((x) => Number.isInteger(x) && x >= 0) || blocks < 1 || nodes < 4 || nodes > 256) {
  process.stderr.write("usage: reproduce-probe.ts [BLOCKS >= 1] [TX_RATE >= 0] [NODES 4..256]\n")
  process.exit(2)
}
const cost = cpuStepCost(CALIBRATED_CPU)
const per = new Map<string, number>()
const typeOf = new WeakMap<Uint8Array, string>()
let busyMs = 0
let tLast = 0
const cpu0 = process.cpuUsage()
observe(nodeCryptoService, {
  ...baseConfig({ ...FULL_PLAN, nodes }, { blocks, txRate: rate, ...(process.env.PROBE_PARAMS ? { params: JSON.parse(process.env.PROBE_PARAMS) } : {}) }),
  onStep: (e) => {
    busyMs += cost(e.node, e.input, e.outputs, e.state)
    let kind: string = e.input.type
    if (e.input.type === "receive") {
      let m = typeOf.get(e.input.bytes)
      if (m === undefined) {
        const d = Codecs.Message.decode(e.input.bytes)
        m = Either.isRight(d) ? d.right.type : "undecodable"
        typeOf.set(e.input.bytes, m)
      }
      kind = m
    }
    per.set(kind, (per.get(kind) ?? 0) + 1)
    if (e.node !== 0) return
    for (const o of e.outputs) {
      if (o.type !== "commit") continue
      const u = process.cpuUsage(cpu0)
      const dt = e.t - tLast
      const steps = [...per.values()].reduce((a, b) => a + b, 0)
      process.stdout.write(
        `${JSON.stringify({ height: o.height, tMs: Math.round(e.t), intervalMs: Math.round(dt), cpuBusy: +(busyMs / nodes / dt).toFixed(3), txs: e.state.blocks.get(o.height)?.block.body.txs.length ?? 0, steps, byType: Object.fromEntries([...per].sort((a, b) => b[1] - a[1])), simCpuSeconds: +((u.user + u.system) / 1e6).toFixed(1) })}\n`,
      )
      per.clear()
      busyMs = 0
      tLast = e.t
    }
  },
})
