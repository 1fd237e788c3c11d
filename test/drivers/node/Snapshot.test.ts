// spec: NODE-STORE.8, NODE-RECOVER.7/8, NODE-STATE.2 (spec/20-node.md, spec/03-consensus.md)
// Snapshots plus replay: a node recovered from a snapshot is the node replayed from genesis on the same
// store (nodeDigest), at many cut points of a real run; corrupt or mismatching snapshots are skipped,
// typed and counted; sync-requests below the snapshot are served from the store.
import { Either } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { Codecs } from "../../../src/codec/index.ts"
import type { Account } from "../../../src/core/ChainState.ts"
import { type NodeOutput, nodeDigest } from "../../../src/core/Node.ts"
import { decodeSnapshot, encodeSnapshot } from "../../../src/core/Snapshot.ts"
import type { Message } from "../../../src/domain/Message.ts"
import { hostOn } from "../../../src/drivers/node/NodeHost.ts"
import { MemoryStore, StoreKeys, encodeStoredSnapshot } from "../../../src/drivers/node/Store.ts"
import { hostNetChain, runHostNet } from "../../../properties/support/HostNet.ts"

const SEED = 1
const { ctx, net } = hostNetChain(SEED, 4)
const INTERVAL = 2
const opts = (i: number, snapshotInterval = INTERVAL) => ({ ctx, genesis: net.genesis, keys: net.keys[i] as (typeof net.keys)[number], snapshotInterval })

let store: MemoryStore
beforeAll(async () => {
  const r = await runHostNet({ nodes: 4, chainSeed: SEED, seed: 7, blocks: 9, latencyMs: { min: 5, max: 200 }, snapshotInterval: INTERVAL })
  expect(r.agreement).toBe(true)
  store = (r.stores[0] as MemoryStore).durable()
}, 60_000)

/** Recover node 0 on the first k writes of the run's store: from its snapshots, and from genesis (snapshots deleted). */
const both = async (k: number, from: MemoryStore = store, node = 0) => {
  const a = hostOn(from.durable(k), opts(node))
  await a.start()
  const g = from.durable(k)
  await g.forgetSnapshots()
  const b = hostOn(g, opts(node))
  await b.start()
  return { a, b }
}

describe("snapshots plus replay (NODE-STORE.8, NODE-RECOVER.7)", () => {
  it("snapshots are written every interval with their certificate, and the newest two are kept", async () => {
    const top = await store.committedHeight()
    expect(top).toBeGreaterThanOrEqual(9)
    const hs = await store.snapshotHeights()
    const newest = top - (top % INTERVAL)
    expect(hs).toEqual([newest, newest - INTERVAL])
    for (const h of hs) {
      const x = await store.snapshot(h)
      expect(x?.cert).toEqual((await store.block(h))?.cert)
      const chain = decodeSnapshot(x?.state ?? new Uint8Array())
      expect(Either.isRight(chain) && chain.right.height).toBe(h)
    }
  })

  it("recovered from a snapshot, a node reaches the digest of the same store replayed from genesis, at every height", async () => {
    const log = store.log()
    const froms = new Set<number>()
    // every write index after a snapshot write, and every fifth one
    const cuts = log.map((w, i) => (w.ops.some((o) => o.key[0] === 0x04) || i % 5 === 0 ? i + 1 : -1)).filter((k) => k > 0)
    for (const k of cuts) {
      const { a, b } = await both(k)
      expect(nodeDigest(ctx, a.state()), `cut ${k}`).toBe(nodeDigest(ctx, b.state()))
      expect(a.state().chain.height).toBe(b.state().chain.height)
      expect(a.refusedSignatures() + b.refusedSignatures()).toBe(0)
      expect(b.recovery?.()?.from).toBe(0)
      froms.add(a.recovery?.()?.from ?? -1)
    }
    // several snapshot heights were used (not vacuous)
    expect([...froms].filter((h) => h > 0).length).toBeGreaterThanOrEqual(3)
  })

  it("a snapshot taken by a decision that had buffered messages of the next height resumes with them (the carry)", async () => {
    const r = await runHostNet({ nodes: 4, chainSeed: SEED, seed: 10, blocks: 9, latencyMs: { min: 5, max: 400 }, snapshotInterval: INTERVAL })
    let checked = 0
    for (const [node, st] of r.stores.entries()) {
      for (const [i, w] of st.log().entries()) {
        if (!w.ops.some((o) => o.key[0] === 0x04)) continue
        const carried = (await st.durable(i + 1).carry())?.messages.length ?? 0
        if (carried === 0) continue
        for (const k of [i + 1, i + 2, i + 3]) {
          const { a, b } = await both(k, st, node)
          expect(a.recovery?.()?.from).toBeGreaterThan(0)
          expect(nodeDigest(ctx, a.state()), `node ${node} cut ${k}`).toBe(nodeDigest(ctx, b.state()))
        }
        checked++
      }
    }
    expect(checked).toBeGreaterThan(0)
  }, 60_000)

  it("a snapshot whose state does not match its root is skipped (typed, counted) for the one before it, then genesis", async () => {
    const s = store.durable()
    const [newest, older] = await s.snapshotHeights()
    const x = await s.snapshot(newest as number)
    if (x === undefined) throw new Error("no snapshot")
    const chain = decodeSnapshot(x.state)
    if (Either.isLeft(chain)) throw chain.left
    // same height and last block, one balance changed: only the root tells
    const [key, acct] = [...chain.right.accounts.entries()][0] as [string, Account]
    const forged = { ...chain.right, accounts: new Map(chain.right.accounts).set(key, { ...acct, balance: acct.balance + 1 }) }
    await s.poke(StoreKeys.snapshot(newest as number), encodeStoredSnapshot({ ...x, state: encodeSnapshot(forged) }))
    const g = store.durable()
    await g.forgetSnapshots()
    const ref = hostOn(g, opts(0))
    await ref.start()
    const a = hostOn(s.durable(), opts(0))
    await a.start()
    expect(a.recovery?.()).toEqual({ from: older, skipped: [{ height: newest, code: "STORE_SNAPSHOT_MISMATCH", detail: expect.stringMatching(/state root/) }] })
    expect(nodeDigest(ctx, a.state())).toBe(nodeDigest(ctx, ref.state()))
    // the older one undecodable too: genesis
    await s.poke(StoreKeys.snapshot(older as number), Uint8Array.of(0xa0))
    const b = hostOn(s.durable(), opts(0))
    await b.start()
    expect(b.recovery?.()?.from).toBe(0)
    expect(b.recovery?.()?.skipped.map((e) => e.code)).toEqual(["STORE_SNAPSHOT_MISMATCH", "STORE_CORRUPT"])
    expect(nodeDigest(ctx, b.state())).toBe(nodeDigest(ctx, ref.state()))
  })

  it("a sync-request below the snapshot is answered from the store (NODE-RECOVER.8), and not logged", async () => {
    const s = store.durable()
    const a = hostOn(s, opts(0))
    await a.start()
    expect(a.recovery?.()?.from).toBeGreaterThan(1)
    expect(a.state().blocks.has(1)).toBe(false)
    const req: Message = { type: "sync-request", height: 1 }
    const wal = (await s.wal(a.state().cons.height)).length
    const outs: ReadonlyArray<NodeOutput> = await a.handle({ type: "receive", from: 2, bytes: Codecs.Message.encode(req) })
    const b1 = await s.block(1)
    expect(outs).toHaveLength(1)
    expect(outs[0]).toMatchObject({ type: "send", to: 2, message: { type: "sync-response", block: b1?.block, commit: b1?.cert } })
    expect((await s.wal(a.state().cons.height)).length).toBe(wal)
    // a height not committed yet goes to the core (rejected there, SYNC_NOT_FOUND)
    const far = await a.handle({ type: "receive", from: 2, bytes: Codecs.Message.encode({ type: "sync-request", height: 999 }) })
    expect(far.some((o) => o.type === "rejected")).toBe(true)
  })

  it("interval 0 writes no snapshot", async () => {
    const r = await runHostNet({ nodes: 4, chainSeed: SEED, seed: 7, blocks: 3, latencyMs: { min: 5, max: 200 }, snapshotInterval: 0 })
    for (const s of r.stores) expect(await s.durable().snapshotHeights()).toEqual([])
  }, 60_000)
})
