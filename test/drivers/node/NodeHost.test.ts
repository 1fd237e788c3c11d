// spec: NODE-WAL.2, NODE-WAL.4, NODE-GUARD.1/2, NODE-RECOVER.1..5, NODE-STORE.4/5 (spec/20-node.md)
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { toHex } from "../../../src/codec/Bytes.ts"
import { genesisState } from "../../../src/core/ChainState.ts"
import { genesisHash } from "../../../src/core/Genesis.ts"
import { type NodeInput, type NodeOutput, nodeDigest } from "../../../src/core/Node.ts"
import { proposerFor } from "../../../src/core/LeaderElection.ts"
import type { NodeHost } from "../../../src/drivers/node/Host.ts"
import { hostOn, openHost, ownSignature } from "../../../src/drivers/node/NodeHost.ts"
import { MemoryStore } from "../../../src/drivers/node/Store.ts"
import { hostNetChain, runHostNet } from "../../../properties/support/HostNet.ts"
import { simulate } from "../../../src/drivers/InProcessNetwork.ts"
import type { NodeState } from "../../../src/core/NodeState.ts"
import { testCrypto } from "../../fixtures/core.ts"
import { codeOf } from "../../fixtures/store.ts"

const { ctx, net } = hostNetChain(1, 4)
const GH = genesisHash(ctx.crypto.sha256, net.genesis)
const keysOf = (i: number) => net.keys[i] as (typeof net.keys)[number]
const opts = (i: number) => ({ ctx, genesis: net.genesis, keys: keysOf(i) })

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const genesisChain = genesisState(ctx.crypto.sha256, net.genesis)
/** A node that proposes in round 1 of height 1 but not in round 0. */
const proposer = (round: number) => net.keys.findIndex((k) => k.pubHex === proposerFor(ctx.crypto.sha256, genesisChain, round)?.key)
const NODE = proposer(1)
const timeout = (kind: "propose" | "prevote" | "precommit" | "gossip", round: number): NodeInput => ({ type: "timeout", kind, height: 1, round })
const own = (i: number, outs: ReadonlyArray<NodeOutput>) =>
  outs.map((o) => ownSignature(keysOf(i).pubHex, o)).filter((r) => r !== undefined).map((r) => `${r.height}/${r.round}/${r.kind}/${toHex(r.signed)}`)


/** Round 0 of height 1 without a proposal reaching the node: prevote nil, precommit nil, round 1. */
const ROUND0: ReadonlyArray<NodeInput> = [timeout("propose", 0), timeout("prevote", 0), timeout("precommit", 0)]

const drive = async (h: NodeHost, inputs: ReadonlyArray<NodeInput>) => {
  const out: NodeOutput[] = []
  for (const x of inputs) out.push(...(await h.handle(x)))
  return out
}

describe("NodeHost (NODE-WAL.2, NODE-GUARD.2)", () => {
  it("the test node proposes in round 1, not in round 0", () => {
    expect(NODE).toBeGreaterThanOrEqual(0)
    expect(proposer(0)).not.toBe(NODE)
  })

  it("an input and the signature it led to are durable when handle returns", async () => {
    const store = await MemoryStore.open(GH)
    const host = hostOn(store, opts(NODE))
    await host.start()
    const outs = await host.handle(timeout("propose", 0))
    const sigs = own(NODE, outs)
    expect(sigs).toHaveLength(1)
    expect(sigs[0]).toMatch(/^1\/0\/prevote\//)
    // NODE-WAL.2: logged before the output was returned
    expect(await store.wal(1)).toEqual([timeout("propose", 0)])
    // NODE-GUARD.2: recorded before the output was returned
    expect((await store.guard(1)).map((r) => `${r.height}/${r.round}/${r.kind}/${toHex(r.signed)}`)).toEqual(sigs)
    // an input that changes nothing is not logged
    await host.handle(timeout("propose", 0))
    expect(await store.wal(1)).toHaveLength(1)
    // every write synced (NODE-WAL.2)
    expect(store.log().every((w) => w.sync)).toBe(true)
    await host.close()
  })

  it("a signature conflicting with the guard's record is dropped and counted, never released; the same one is released", async () => {
    const first = await MemoryStore.open(GH)
    const a = hostOn(first, opts(NODE))
    await a.start()
    await a.handle(timeout("propose", 0))
    const [real] = await first.guard(1)
    expect(real).toBeDefined()

    const conflicting = await MemoryStore.open(GH)
    await conflicting.recordSigned([{ height: 1, round: 0, kind: "prevote", signed: Uint8Array.of(1), message: Uint8Array.of(1) }])
    const b = hostOn(conflicting, opts(NODE))
    await b.start()
    const outs = await b.handle(timeout("propose", 0))
    expect(own(NODE, outs)).toEqual([])
    expect(b.refusedSignatures()).toBe(1)
    // retransmission is refused again
    expect(own(NODE, await b.handle(timeout("gossip", 0)))).toEqual([])
    expect(b.refusedSignatures()).toBe(2)

    const same = await MemoryStore.open(GH)
    await same.recordSigned([real as NonNullable<typeof real>])
    const c = hostOn(same, opts(NODE))
    await c.start()
    expect(own(NODE, await c.handle(timeout("propose", 0)))).toHaveLength(1)
    expect(c.refusedSignatures()).toBe(0)
  })

  it("concurrent calls are served one at a time, in order", async () => {
    const store = await MemoryStore.open(GH)
    const host = hostOn(store, opts(NODE))
    await host.start()
    const [x, y] = await Promise.all([host.handle(timeout("propose", 0)), host.handle(timeout("prevote", 0))])
    expect(own(NODE, x)[0]).toMatch(/prevote/)
    expect(own(NODE, y)[0]).toMatch(/precommit/)
    expect(await store.wal(1)).toEqual([timeout("propose", 0), timeout("prevote", 0)])
  })

  it("an input before start is rejected and not logged", async () => {
    const store = await MemoryStore.open(GH)
    const host = hostOn(store, opts(NODE))
    const outs = await host.handle(timeout("propose", 0))
    expect(outs.map((o) => o.type)).toEqual(["rejected"])
    expect(await store.wal(1)).toEqual([])
  })

  it("a store that fails stops the host: the call returns nothing and every later call fails the same way (NODE-STORE.5)", async () => {
    const store = await MemoryStore.open(GH)
    const host = hostOn(store, opts(NODE))
    await host.start()
    store.crashAfter(store.writes())
    expect(await codeOf(host.handle(timeout("propose", 0)))).toBe("STORE_CRASHED")
    expect(await codeOf(host.handle(timeout("gossip", 0)))).toBe("STORE_CRASHED")
    // the store is still closed on close (a LevelDB lock must not outlive the host)
    expect(await codeOf(host.close())).toBe("ok")
    expect(await codeOf(store.wal(1))).toBe("STORE_CLOSED")
    expect(await codeOf(host.handle(timeout("gossip", 0)))).toBe("STORE_CRASHED")
  })
})

describe("recovery (NODE-RECOVER.1..5)", () => {
  it("a node restarted on its store is the node it was: same state, same signatures, its timers re-armed", async () => {
    const store = await MemoryStore.open(GH)
    const a = hostOn(store, opts(NODE))
    await a.start()
    const before = own(NODE, await drive(a, ROUND0))
    // prevote nil, precommit nil (round 0), then its round-1 proposal and its prevote for it
    expect(before.map((s) => s.split("/").slice(1, 3).join("/"))).toEqual(["0/prevote", "0/precommit", "1/proposal", "1/prevote"])
    expect(a.state().cons.round).toBe(1)

    // crash after the last write: restart on what the disk holds
    const b = hostOn(store.durable(), opts(NODE))
    const timers = await b.start()
    expect(nodeDigest(ctx, b.state())).toBe(nodeDigest(ctx, a.state()))
    expect(b.refusedSignatures()).toBe(0)
    // NODE-RECOVER.5: the round-1 timers and the gossip tick, not the consumed round-0 ones
    expect(timers.map((t) => (t.type === "timer" ? `${t.kind}/${t.height}/${t.round}` : t.type)).sort()).toEqual(["gossip/1/0", "propose/1/1"])
    // the gossip tick re-sends exactly what it signed before (NODE-RETRANSMIT.1), through the guard
    const again = own(NODE, await b.handle(timeout("gossip", 0)))
    expect([...again].sort()).toEqual([...before].sort())
    expect(b.refusedSignatures()).toBe(0)
  })

  it("a restart at every write of the run re-derives the same state and never refuses", async () => {
    const store = await MemoryStore.open(GH)
    const a = hostOn(store, opts(NODE))
    await a.start()
    const digests: string[] = [nodeDigest(ctx, a.state())]
    for (const x of ROUND0) {
      await a.handle(x)
      digests.push(nodeDigest(ctx, a.state()))
    }
    for (let k = 1; k <= store.writes(); k++) {
      const b = hostOn(store.durable(k), opts(NODE))
      await b.start()
      expect(digests).toContain(nodeDigest(ctx, b.state()))
      expect(b.refusedSignatures()).toBe(0)
    }
  })
})

/**
 * From a simulated run of the host chain: the inputs of one node up to and including a step that
 * decided a height while messages for the next one were buffered (NodeState.future non-empty).
 */
const bufferedDecision = (): { readonly node: number; readonly inputs: ReadonlyArray<NodeInput> } | undefined => {
  const inputs = new Map<number, NodeInput[]>()
  const last = new Map<number, NodeState>()
  let found: { node: number; inputs: ReadonlyArray<NodeInput> } | undefined
  simulate(testCrypto, {
    nodes: 4,
    byzantine: 0,
    strategy: "equivocate",
    seed: 1,
    blocks: 8,
    attested: false,
    scoring: false,
    workIntervalMs: 0,
    txRate: 0, // the mempool is not recovered (NODE-RECOVER.6 note); without transfers it is empty on both sides
    latencyMs: { min: 5, max: 400 },
    onStep: (e) => {
      if (found !== undefined) return
      const list = inputs.get(e.node) ?? []
      list.push(e.input)
      inputs.set(e.node, list)
      const prev = last.get(e.node)
      last.set(e.node, e.state)
      if (prev !== undefined && prev.future.length > 0 && e.outputs.some((o) => o.type === "commit")) found = { node: e.node, inputs: [...list] }
    },
  })
  return found
}

describe("recovery across a decision (NODE-WAL.3, NODE-RECOVER.2)", () => {
  it("messages buffered for the next height before its decision are carried: the restarted node is the node it was", async () => {
    const run = bufferedDecision()
    expect(run).toBeDefined()
    const { node, inputs } = run as NonNullable<typeof run>
    const store = await MemoryStore.open(GH)
    const a = hostOn(store, opts(node))
    await a.start()
    for (const x of inputs.slice(1)) await a.handle(x) // inputs[0] is start
    expect(a.state().chain.height).toBeGreaterThanOrEqual(1)
    expect(await store.carry()).toMatchObject({ height: a.state().cons.height })
    expect((await store.carry())?.messages.length).toBeGreaterThan(0)
    const b = hostOn(store.durable(), opts(node))
    await b.start()
    expect(nodeDigest(ctx, b.state())).toBe(nodeDigest(ctx, a.state()))
    expect(b.refusedSignatures()).toBe(0)
  })
})

describe("openHost on a LevelStore (NODE-STORE.1, NODE-STORE.4)", () => {
  it("survives close and reopen, and refuses another genesis", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "poai-host-"))
    dirs.push(dir)
    const dbPath = path.join(dir, "db")
    const a = await openHost({ ...opts(NODE), dbPath })
    await a.start()
    await drive(a, ROUND0)
    const digest = nodeDigest(ctx, a.state())
    await a.close()
    const b = await openHost({ ...opts(NODE), dbPath })
    await b.start()
    expect(nodeDigest(ctx, b.state())).toBe(digest)
    await b.close()
    const other = hostNetChain(2, 4).net.genesis
    expect(await codeOf(openHost({ ...opts(NODE), genesis: other, dbPath }))).toBe("STORE_GENESIS_MISMATCH")
  })
})

describe("one synced batch per step (NODE-WAL.4)", () => {
  it("a live step that changed the state writes exactly one synced batch, one that did not writes none or one", async () => {
    const inputs: NodeInput[] = []
    await runHostNet({ nodes: 4, chainSeed: 1, seed: 3, blocks: 4, latencyMs: { min: 5, max: 300 }, onInput: (n, x) => (n === NODE ? inputs.push(x) : undefined) })
    const store = await MemoryStore.open(GH)
    const host = hostOn(store, opts(NODE))
    await host.start()
    let decided = 0
    for (const x of inputs) {
      const [s0, w0] = [host.state(), store.writes()]
      const outs = await host.handle(x)
      const n = store.writes() - w0
      if (host.state() !== s0) expect(n).toBe(1)
      else expect(n).toBeLessThanOrEqual(1)
      if (outs.some((o) => o.type === "commit")) {
        decided++
        // the deciding step's own entry is not left behind in the decided height's log
        expect(await store.wal(host.state().chain.height)).toEqual([])
      }
    }
    expect(decided).toBeGreaterThanOrEqual(4)
    expect(store.log().every((w) => w.sync)).toBe(true)
    await host.close()
  }, 60_000)
})
