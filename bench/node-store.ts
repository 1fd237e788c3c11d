// spec: NODE-STORE.8, NODE-RECOVER.7, NODE-WAL.2, NODE-WAL.4 (spec/20-node.md)
// Node store costs, on LevelStore (classic-level) in a tmp dir:
// 1. restart: one node's store after a 4-node run of BLOCKS heights (snapshot interval 16) is copied
//    into two LevelDB directories, one with its snapshots and one without (recovery from genesis);
//    openHost + start + close is timed on each, interleaved A/B, CPU (process.cpuUsage) and wall.
// 2. writes per input: the inputs the run delivered to the node, in order, are fed to a fresh host on
//    a LevelStore (CPU and wall per input) and on a MemoryStore (synced writes per input: every write
//    of the store is one synced batch, NODE-WAL.2).
// Usage: node bin/run-ts.js bench/node-store.ts [blocks=200] [reps=3]
import { ClassicLevel } from "classic-level"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { genesisHash } from "../src/core/Genesis.ts"
import type { NodeInput } from "../src/core/Node.ts"
import { hostOn, openHost } from "../src/drivers/node/NodeHost.ts"
import { MemoryStore, type MemoryWrite } from "../src/drivers/node/Store.ts"
import { hostNetChain, runHostNet } from "../properties/support/HostNet.ts"

const BLOCKS = Number(process.argv[2] ?? 200)
const REPS = Number(process.argv[3] ?? 3)
const INTERVAL = 16
const { ctx, net } = hostNetChain(1, 4)
const opts = { ctx, genesis: net.genesis, keys: net.keys[0] as (typeof net.keys)[number], snapshotInterval: INTERVAL }
const root = mkdtempSync(path.join(tmpdir(), "poai-bench-store-"))

const copyInto = async (dir: string, log: ReadonlyArray<MemoryWrite>, keep: (key: Uint8Array) => boolean) => {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" })
  await db.open()
  for (const w of log) {
    const ops = w.ops.filter((o) => keep(o.key))
    if (ops.length > 0) await db.batch(ops.map((o) => (o.type === "put" ? { type: "put" as const, key: o.key, value: o.value } : { type: "del" as const, key: o.key })))
  }
  await db.close()
}

const timed = async (f: () => Promise<void>) => {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await f()
  const c = process.cpuUsage(c0)
  return { cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0 }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

try {
  const t = performance.now()
  const inputs: NodeInput[] = []
  const run = await runHostNet({
    nodes: 4,
    chainSeed: 1,
    seed: 7,
    blocks: BLOCKS,
    latencyMs: { min: 5, max: 200 },
    snapshotInterval: INTERVAL,
    maxVirtualMs: 10_000_000,
    onInput: (node, input) => {
      if (node === 0) inputs.push(input)
    },
  })
  const mem = (run.stores[0] as MemoryStore).durable()
  const height = await mem.committedHeight()
  process.stderr.write(`run: ${height} blocks in ${((performance.now() - t) / 1000).toFixed(1)} s\n`)
  const log = mem.log()
  const snapDir = path.join(root, "snap")
  const genDir = path.join(root, "genesis")
  await copyInto(snapDir, log, () => true)
  await copyInto(genDir, log, (k) => k[0] !== 0x04)

  // 1. restart
  const restart = async (dbPath: string) => {
    let from = -1
    const r = await timed(async () => {
      const h = await openHost({ ...opts, dbPath })
      await h.start()
      from = h.recovery?.()?.from ?? -1
      await h.close()
    })
    return { ...r, from }
  }
  const a: Array<{ cpuMs: number; wallMs: number; from: number }> = []
  const b: Array<{ cpuMs: number; wallMs: number; from: number }> = []
  for (let i = 0; i < REPS; i++) {
    a.push(await restart(snapDir))
    b.push(await restart(genDir))
  }
  console.log(JSON.stringify({ bench: "node-store", op: "restart", height, from: "snapshot", snapshotHeight: a[0]?.from, cpuMs: median(a.map((x) => x.cpuMs)), wallMs: median(a.map((x) => x.wallMs)), reps: REPS }))
  console.log(JSON.stringify({ bench: "node-store", op: "restart", height, from: "genesis", snapshotHeight: b[0]?.from, cpuMs: median(b.map((x) => x.cpuMs)), wallMs: median(b.map((x) => x.wallMs)), reps: REPS }))

  // 2. writes per input
  const gh = genesisHash(ctx.crypto.sha256, net.genesis)
  const m = await MemoryStore.open(gh)
  const hm = hostOn(m, opts)
  await hm.start()
  const w0 = m.writes()
  let changed = 0
  for (const x of inputs) {
    const before = hm.state()
    await hm.handle(x)
    if (hm.state() !== before) changed++
  }
  const writes = m.writes() - w0
  await hm.close()
  const feed = await (async () => {
    const dir = path.join(root, `feed`)
    const h = await openHost({ ...opts, dbPath: dir })
    await h.start()
    const r = await timed(async () => {
      for (const x of inputs) await h.handle(x)
    })
    await h.close()
    return r
  })()
  console.log(
    JSON.stringify({
      bench: "node-store",
      op: "handle",
      inputs: inputs.length,
      logged: changed,
      heights: hm.state().chain.height,
      syncedWrites: writes,
      syncedWritesPerInput: +(writes / inputs.length).toFixed(3),
      syncedWritesPerLoggedInput: +(writes / changed).toFixed(3),
      cpuUsPerInput: Math.round((feed.cpuMs * 1000) / inputs.length),
      wallUsPerInput: Math.round((feed.wallMs * 1000) / inputs.length),
    }),
  )
} finally {
  rmSync(root, { recursive: true, force: true })
}
