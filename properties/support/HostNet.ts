// spec: NODE-GUARD.4 (spec/20-node.md)
// A small deterministic in-memory network of NodeHosts on MemoryStores (virtual time, seeded delays,
// a client workload), in which one node can be killed at a chosen write of its store and restarted
// from what that write left durable (NODE-STORE.7). Every message a host released is recorded, so
// that double signatures across the crash can be counted. The chain and keys are the simulator's
// (simChain), the loop is a plain one like InProcessNetwork's, but awaiting each host.
import { toHex } from "../../src/codec/Bytes.ts"
import { Hashes, SigningBytes } from "../../src/codec/Hashing.ts"
import { Codecs } from "../../src/codec/index.ts"
import { genesisHash } from "../../src/core/Genesis.ts"
import type { NodeInput, NodeOutput } from "../../src/core/Node.ts"
import type { CoreContext } from "../../src/core/Context.ts"
import type { Params } from "../../src/core/Params.ts"
import { simChain } from "../../src/drivers/InProcessNetwork.ts"
import { Prng } from "../../src/drivers/Prng.ts"
import type { NodeHost } from "../../src/drivers/node/Host.ts"
import { hostOn, ownSignature } from "../../src/drivers/node/NodeHost.ts"
import { MemoryStore, StoreError } from "../../src/drivers/node/Store.ts"
import { testCrypto } from "../../test/fixtures/core.ts"

/**
 * Where the victim dies: at write index `write` of its store, or `after` writes following the
 * moment it released its `prevote`-th prevote (crash points biased to just after a signature left).
 */
export type CrashPoint = (
  | { readonly node: number; readonly kind: "write"; readonly write: number; readonly downMs: number }
  | { readonly node: number; readonly kind: "after-prevote"; readonly prevote: number; readonly after: number; readonly downMs: number }
) & {
  /** When >= 0: the restarted node dies once more, at this many writes after its restart began (recovery's own writes included). */
  readonly again?: number
}

export interface HostNetConfig {
  readonly nodes: number
  /** Chain and key seed (simChain; a small pool keeps BLS memoised). */
  readonly chainSeed: number
  /** Schedule seed: delays and the client workload. */
  readonly seed: number
  /** Stop when every node has committed this many blocks. */
  readonly blocks: number
  readonly latencyMs: { readonly min: number; readonly max: number }
  readonly crash?: CrashPoint
  /** Restart the victim with its WAL and guard records wiped (a node without them): the property must then fail. */
  readonly amnesia?: boolean
  readonly maxVirtualMs?: number
  readonly params?: Partial<Params>
  /** NODE-STORE.8: every host's snapshot interval (the host's default when absent). */
  readonly snapshotInterval?: number
  /** Called with every input delivered to a live host, before it is handled (benchmarks replay them). */
  readonly onInput?: (node: number, input: NodeInput) => void
}

export interface HostNetResult {
  /** Per node: (height/round/kind) -> the distinct signed objects (hex) it released. */
  readonly doubleSigns: ReadonlyArray<{ readonly node: number; readonly slot: string; readonly count: number }>
  readonly heights: ReadonlyArray<number>
  readonly agreement: boolean
  readonly refused: ReadonlyArray<number>
  /** Whether the victim died (its crash point was reached) and was restarted. */
  readonly crashed: boolean
  readonly restarts: number
  readonly virtualMs: number
  /** Own signatures released by all nodes (non-vacuity). */
  readonly signatures: number
  readonly maxRound: number
  /** Writes of each node's (last) store. */
  readonly writes: ReadonlyArray<number>
  /** Restarts whose recovery began at a snapshot (NODE-RECOVER.7), not at genesis. */
  readonly fromSnapshot: number
  /** Each node's (last) store, for inspection after the run. */
  readonly stores: ReadonlyArray<MemoryStore>
}

type Ev =
  | { readonly kind: "input"; readonly to: number; readonly input: NodeInput; readonly epoch: number }
  | { readonly kind: "restart"; readonly node: number }
  | { readonly kind: "client" }

export const hostNetChain = (chainSeed: number, nodes: number, params?: Partial<Params>) =>
  simChain(testCrypto, {
    nodes,
    byzantine: 0,
    strategy: "equivocate",
    seed: chainSeed,
    blocks: 1,
    attested: false,
    scoring: false,
    ...(params !== undefined ? { params } : {}),
  })

export const runHostNet = async (cfg: HostNetConfig): Promise<HostNetResult> => {
  const { ctx, net } = hostNetChain(cfg.chainSeed, cfg.nodes, cfg.params)
  const coreCtx: CoreContext = ctx
  const gh = genesisHash(ctx.crypto.sha256, net.genesis)
  const n = cfg.nodes
  const rng = new Prng(cfg.seed)
  const netRng = rng.fork("network")
  const clientRng = rng.fork("client")
  const maxT = cfg.maxVirtualMs ?? 120_000

  const snapOpt = cfg.snapshotInterval !== undefined ? { snapshotInterval: cfg.snapshotInterval } : {}
  let fromSnapshot = 0
  const stores: MemoryStore[] = []
  for (let i = 0; i < n; i++) stores.push(await MemoryStore.open(gh))
  const hosts: Array<NodeHost | undefined> = stores.map((s, i) => hostOn(s, { ctx: coreCtx, genesis: net.genesis, keys: net.keys[i] as (typeof net.keys)[number], ...snapOpt }))
  /** A node's epoch: events scheduled before its crash (timers, in-flight messages to it) die with it. */
  const epoch = hosts.map(() => 0)
  const released = hosts.map(() => new Map<string, Set<string>>())
  const prevotes = hosts.map(() => 0)
  let crashed = false
  let restarts = 0
  let signatures = 0
  let maxRound = 0
  let refusedBefore = 0

  // event queue: (t, seq) order
  let seq = 0
  const q: Array<{ t: number; s: number; ev: Ev }> = []
  const push = (t: number, ev: Ev) => {
    const x = { t, s: seq++, ev }
    let lo = 0
    let hi = q.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      const y = q[mid] as (typeof q)[number]
      if (y.t < t || (y.t === t && y.s < x.s)) lo = mid + 1
      else hi = mid
    }
    q.splice(lo, 0, x)
  }
  let now = 0

  const crash = cfg.crash
  if (crash?.kind === "write") stores[crash.node]?.crashAfter(crash.write)

  const act = (i: number, outs: ReadonlyArray<NodeOutput>) => {
    const me = (net.keys[i] as (typeof net.keys)[number]).pubHex
    for (const o of outs) {
      const sig = ownSignature(me, o)
      if (sig !== undefined) {
        const slot = `${sig.height}/${sig.round}/${sig.kind}`
        const set = released[i]?.get(slot) ?? new Set<string>()
        set.add(toHex(sig.signed))
        released[i]?.set(slot, set)
        signatures++
        if (sig.kind === "prevote") {
          prevotes[i] = (prevotes[i] as number) + 1
          // the biased crash point: `after` writes from now
          if (crash?.kind === "after-prevote" && crash.node === i && prevotes[i] === crash.prevote && !crashed)
            stores[i]?.crashAfter((stores[i] as MemoryStore).writes() + crash.after)
        }
      }
      if (o.type === "timer") push(now + o.delayMs, { kind: "input", to: i, input: { type: "timeout", kind: o.kind, height: o.height, round: o.round }, epoch: epoch[i] as number })
      else if (o.type === "broadcast") for (let to = 0; to < n; to++) send(i, to, o.bytes)
      else if (o.type === "send") send(i, o.to, o.bytes)
    }
  }
  const send = (from: number, to: number, bytes: Uint8Array) => {
    if (to === from) return
    push(now + netRng.range(cfg.latencyMs.min, cfg.latencyMs.max), { kind: "input", to, input: { type: "receive", from, bytes }, epoch: epoch[to] as number })
  }

  const die = (i: number) => {
    crashed = true
    refusedBefore += hosts[i]?.refusedSignatures() ?? 0
    hosts[i] = undefined
    epoch[i] = (epoch[i] as number) + 1
    push(now + (crash?.downMs ?? 1000), { kind: "restart", node: i })
  }

  /** Run one host call; a crash of its store kills the node (its outputs are lost). */
  const call = async (i: number, f: (h: NodeHost) => Promise<ReadonlyArray<NodeOutput>>) => {
    const h = hosts[i]
    if (h === undefined) return
    try {
      act(i, await f(h))
    } catch (e) {
      if (e instanceof StoreError && e.code === "STORE_CRASHED") die(i)
      else throw e
    }
  }

  for (let i = 0; i < n; i++) await call(i, (h) => h.start())
  push(100, { kind: "client" })

  const users = net.users.slice(0, 8)
  let nextUser = 0
  const clientTick = () => {
    const u = users[nextUser++ % users.length] as (typeof users)[number]
    const to = clientRng.int(n)
    const h = hosts[to]
    if (h === undefined) return
    const s = h.state()
    const nonce = s.chain.accounts.get(toHex(u.pubKey))?.nonce ?? 0
    const dest = users[clientRng.int(users.length)] as (typeof users)[number]
    const unsigned = { chainId: net.genesis.chainId, from: u.pubKey, to: dest.pubKey, amount: clientRng.range(1, 1000), fee: net.genesis.params.minFee, nonce }
    const tx = { ...unsigned, signature: ctx.crypto.ed25519.sign(SigningBytes.transfer(unsigned), u.secretKey) }
    push(now, { kind: "input", to, input: { type: "client-tx", bytes: Codecs.Transfer.encode(tx) }, epoch: epoch[to] as number })
  }

  const heightOf = (i: number) => hosts[i]?.state().chain.height ?? -1
  const done = () => hosts.every((h, i) => h !== undefined && heightOf(i) >= cfg.blocks)

  while (q.length > 0 && !done()) {
    const next = q.shift() as (typeof q)[number]
    now = next.t
    if (now > maxT) break
    const ev = next.ev
    switch (ev.kind) {
      case "input":
        if (ev.epoch !== epoch[ev.to]) break
        if (hosts[ev.to] !== undefined) cfg.onInput?.(ev.to, ev.input)
        await call(ev.to, (h) => h.handle(ev.input))
        if (hosts[ev.to] !== undefined) maxRound = Math.max(maxRound, (hosts[ev.to] as NodeHost).state().cons.round)
        break
      case "client":
        clientTick()
        push(now + 150, { kind: "client" })
        break
      case "restart": {
        const i = ev.node
        const old = stores[i] as MemoryStore
        const store = old.durable(old.writes())
        if (cfg.amnesia === true) await store.forgetLog()
        stores[i] = store
        restarts++
        if (restarts === 1 && crash !== undefined && (crash.again ?? -1) >= 0) store.crashAfter(store.writes() + (crash.again as number))
        hosts[i] = hostOn(store, { ctx: coreCtx, genesis: net.genesis, keys: net.keys[i] as (typeof net.keys)[number], ...snapOpt })
        await call(i, (h) => h.start())
        if ((hosts[i]?.recovery?.()?.from ?? 0) > 0) fromSnapshot++
        break
      }
    }
  }

  const heights = hosts.map((_, i) => heightOf(i))
  // agreement: every pair of nodes committed the same block at every height both have
  let agreement = true
  const top = Math.max(...heights)
  for (let h = 1; h <= top; h++) {
    let ref: string | undefined
    for (const host of hosts) {
      const b = host?.state().blocks.get(h)?.block
      if (b === undefined) continue
      const x = toHex(Hashes.blockHash(ctx.crypto.sha256, b.header))
      if (ref === undefined) ref = x
      else if (ref !== x) agreement = false
    }
  }
  const doubleSigns: Array<{ node: number; slot: string; count: number }> = []
  released.forEach((m, node) => {
    for (const [slot, set] of m) if (set.size > 1) doubleSigns.push({ node, slot, count: set.size })
  })
  for (const h of hosts) await h?.close()
  return {
    doubleSigns,
    heights,
    agreement,
    refused: hosts.map((h, i) => (h?.refusedSignatures() ?? 0) + (crash?.node === i ? refusedBefore : 0)),
    crashed,
    restarts,
    virtualMs: now,
    signatures,
    maxRound,
    writes: stores.map((s) => s.writes()),
    fromSnapshot,
    stores,
  }
}
