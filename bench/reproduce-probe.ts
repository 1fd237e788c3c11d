// spec/19 "The full plan (N = 100)": a probe of one observed run (regions, CPU, device pacing: the
// reproduction's model), printing per height of the first honest node one JSON line: virtual interval,
// the nodes' mean CPU utilisation under SIM-CPU.2, transfers in the block, node steps by input or
// message type, and the simulator's CPU seconds so far. A diagnostic tool, not part of `npm run bench`:
//
//   node --max-semi-space-size=64 bin/run-ts.js bench/reproduce-probe.ts [BLOCKS=6] [TX_RATE=847] [NODES=100]
//
// The full plan's baseline is the default (FULL_PLAN: seed 1, scoring on, its timeouts). PROBE_PARAMS='{...}'
// overrides genesis parameters; PROBE_CPU=0, PROBE_REGIONS=0, PROBE_DEVICE=0, PROBE_RELAY=0 turn a part of the model off.
import { Either } from "effect"
import { Codecs } from "../src/codec/index.ts"
import type { Block } from "../src/domain/Block.ts"
import { nodeCryptoService } from "../src/crypto/NodeCrypto.ts"
import { CALIBRATED_CPU, cpuStepCost, DEFAULT_NETWORK } from "../src/drivers/NetworkModel.ts"
import { baseConfig, FULL_PLAN, observe } from "../src/drivers/Reproduce.ts"

const [blocks, rate, nodes] = [process.argv[2] ?? "6", process.argv[3] ?? "847", process.argv[4] ?? "100"].map(Number) as [number, number, number]
if (![blocks, rate, nodes].every((x) => Number.isInteger(x) && x >= 0) || blocks < 1 || nodes < 4 || nodes > 256) {
  process.stderr.write("usage: reproduce-probe.ts [BLOCKS >= 1] [TX_RATE >= 0] [NODES 4..256]\n")
  process.exit(2)
}
const cost = cpuStepCost(CALIBRATED_CPU)
/** The committed block's encoded size and what its body holds (items per list). */
const blockShape = (b: Block | undefined) =>
  b === undefined
    ? {}
    : { blockBytes: Codecs.Block.encode(b).length, body: Object.fromEntries(Object.entries(b.body).map(([k, v]) => [k, Array.isArray(v) ? v.length : 1])) }
const per = new Map<string, number>()
const rejected = new Map<string, number>()
const upByType = new Map<string, number>()
let upByNode: number[] = []
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
    // uplink bytes: a broadcast goes to the N - 1 others, a send to one (SIM-REGION.3 serialises them)
    for (const o of e.outputs) {
      if (o.type !== "broadcast" && o.type !== "send") continue
      const copies = o.type === "broadcast" ? nodes - 1 : 1
      const t = o.type === "broadcast" ? o.message.type : `send:${o.message.type}`
      const bytes = (o.bytes.length + DEFAULT_NETWORK.overheadBytes) * copies
      upByType.set(t, (upByType.get(t) ?? 0) + bytes)
      upByNode[e.node] = (upByNode[e.node] ?? 0) + bytes
    }
    for (const o of e.outputs)
      if (o.type === "rejected") {
        const why = o.error._tag === "ProtocolError" ? o.error.code : `DECODE:${o.error.reason}`
        rejected.set(why, (rejected.get(why) ?? 0) + 1)
      }
    if (e.node !== 0) return
    for (const o of e.outputs) {
      if (o.type !== "commit") continue
      const u = process.cpuUsage(cpu0)
      const dt = e.t - tLast
      const steps = [...per.values()].reduce((a, b) => a + b, 0)
      process.stdout.write(
        `${JSON.stringify({ height: o.height, tMs: Math.round(e.t), intervalMs: Math.round(dt), cpuBusy: +(busyMs / nodes / dt).toFixed(3), txs: e.state.blocks.get(o.height)?.block.body.txs.length ?? 0, ...blockShape(e.state.blocks.get(o.height)?.block), steps, byType: Object.fromEntries([...per].sort((a, b) => b[1] - a[1])), rejected: Object.fromEntries([...rejected].sort((a, b) => b[1] - a[1])), uplinkMB: Object.fromEntries([...upByType].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, +(v / 1e6).toFixed(1)])), maxNodeUplinkMB: +(Math.max(0, ...upByNode.map((x) => x ?? 0)) / 1e6).toFixed(1), maxNode: upByNode.indexOf(Math.max(...upByNode.map((x) => x ?? 0))), simCpuSeconds: +((u.user + u.system) / 1e6).toFixed(1) })}\n`,
      )
      per.clear()
      rejected.clear()
      upByType.clear()
      upByNode = []
      busyMs = 0
      tLast = e.t
    }
  },
}, {
  // PROBE_CPU=0 / PROBE_REGIONS=0 / PROBE_DEVICE=0: the same run without that part of the model
  cpu: process.env.PROBE_CPU !== "0",
  regions: process.env.PROBE_REGIONS !== "0",
  device: process.env.PROBE_DEVICE !== "0",
  // PROBE_RELAY=0: proposals sent directly to every node instead of relayed (SIM-REGION.5)
  relay: process.env.PROBE_RELAY !== "0",
  // PROBE_UPLINK_MBPS=X: every node's uplink X Mbit/s (the model: datacenter 1000, consumer 100)
  ...(process.env.PROBE_UPLINK_MBPS !== undefined
    ? { network: { ...DEFAULT_NETWORK, uplinkBps: { datacenter: Number(process.env.PROBE_UPLINK_MBPS) * 1e6, consumer: Number(process.env.PROBE_UPLINK_MBPS) * 1e6 } } }
    : {}),
})
