// spec: NODE-STORE.1..7, NODE-WAL.1, NODE-WAL.3, NODE-GUARD.1 (spec/20-node.md)
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { ClassicLevel } from "classic-level"
import { afterAll, describe, expect, it } from "vitest"
import { toHex } from "../../../src/codec/Bytes.ts"
import { canonicalEncode } from "../../../src/codec/Canonical.ts"
import { Codecs } from "../../../src/codec/index.ts"
import { genesisHash } from "../../../src/core/Genesis.ts"
import type { NodeInput } from "../../../src/core/Node.ts"
import { simulate } from "../../../src/drivers/InProcessNetwork.ts"
import type { CommittedBlock } from "../../../src/drivers/node/Host.ts"
import { type GuardRecord, LevelStore, MemoryStore, type NodeStore, StoreKeys } from "../../../src/drivers/node/Store.ts"
import { hostNetChain } from "../../../properties/support/HostNet.ts"
import { testCrypto } from "../../fixtures/core.ts"
import { codeOf } from "../../fixtures/store.ts"

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), "poai-store-"))
  dirs.push(d)
  return path.join(d, "db")
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

// Three committed blocks of node 0 of a 4-node simulated chain (chain seed 1, as properties/crash).
const { net } = hostNetChain(1, 4)
const GH = genesisHash(testCrypto.sha256, net.genesis)
const OTHER = testCrypto.sha256(Uint8Array.of(1))
const committed: CommittedBlock[] = []
simulate(testCrypto, {
  nodes: 4,
  byzantine: 0,
  strategy: "equivocate",
  seed: 1,
  blocks: 3,
  attested: false,
  scoring: false,
  workIntervalMs: 0,
  onStep: (e) => {
    for (const o of e.outputs) if (e.node === 0 && o.type === "commit") committed.push({ block: o.block, cert: o.cert })
  },
})

// a work input of a simulated run (WORK-CR.8), for the WAL encoding of NodeInput "work"
let work: NodeInput | undefined
simulate(testCrypto, {
  nodes: 4,
  byzantine: 0,
  strategy: "equivocate",
  seed: 1,
  blocks: 1,
  attested: false,
  scoring: false,
  workIntervalMs: 20,
  onStep: (e) => {
    if (work === undefined && e.input.type === "work") work = e.input
  },
})

const inputs: NodeInput[] = [
  { type: "start" },
  { type: "receive", from: 2, bytes: Uint8Array.of(1, 2, 3) },
  { type: "receive", from: -1, bytes: new Uint8Array(0) },
  { type: "timeout", kind: "precommit", height: 3, round: 7 },
  { type: "client-tx", bytes: Uint8Array.of(9) },
  work as NodeInput,
]
const rec = (round: number, kind: GuardRecord["kind"], b: number): GuardRecord => ({ height: 3, round, kind, signed: Uint8Array.of(b), message: Uint8Array.of(b, b) })

const fill = async (s: NodeStore) => {
  await s.commit(committed.slice(0, 2), { height: 3, messages: [Uint8Array.of(7)] })
  for (const [i, x] of inputs.entries()) await s.appendWal(3, i, x)
  await s.recordSigned([rec(0, "prevote", 1), rec(0, "precommit", 2), rec(1, "proposal", 3)])
}

const expectContent = async (s: NodeStore) => {
  expect(await s.committedHeight()).toBe(2)
  for (const h of [1, 2]) {
    const b = await s.block(h)
    expect(b).toBeDefined()
    expect(toHex(Codecs.Block.encode((b as CommittedBlock).block))).toBe(toHex(Codecs.Block.encode((committed[h - 1] as CommittedBlock).block)))
    expect(toHex(Codecs.CommitCertificate.encode((b as CommittedBlock).cert))).toBe(toHex(Codecs.CommitCertificate.encode((committed[h - 1] as CommittedBlock).cert)))
  }
  expect(await s.block(3)).toBeUndefined()
  expect(await s.wal(3)).toEqual(inputs)
  expect((await s.guard(3)).map((r) => `${r.round}/${r.kind}/${toHex(r.signed)}`)).toEqual(["0/prevote/01", "0/precommit/02", "1/proposal/03"])
  expect(await s.carry()).toEqual({ height: 3, messages: [Uint8Array.of(7)] })
}


describe("LevelStore (NODE-STORE.1..6)", () => {
  it("has the simulated blocks and work to store", () => {
    expect(committed.length).toBeGreaterThanOrEqual(3)
    expect(work?.type).toBe("work")
  })

  it("reopened after close holds the same content", async () => {
    const p = tmp()
    const s = await LevelStore.open(p, GH)
    await fill(s)
    await expectContent(s)
    await s.close()
    const t = await LevelStore.open(p, GH)
    await expectContent(t)
    await t.close()
  })

  it("a commit stores the block and prunes the WAL and guard records of the decided heights (NODE-STORE.3)", async () => {
    const p = tmp()
    const s = await LevelStore.open(p, GH)
    await fill(s)
    await s.appendWal(4, 0, { type: "start" })
    await s.commit(committed.slice(2, 3), { height: 4, messages: [] })
    expect(await s.committedHeight()).toBe(3)
    expect(await s.wal(3)).toEqual([])
    expect(await s.guard(3)).toEqual([])
    expect(await s.wal(4)).toEqual([{ type: "start" }])
    expect(await s.carry()).toEqual({ height: 4, messages: [] })
    await s.close()
  })

  it("refuses another genesis and closes the database (NODE-STORE.4)", async () => {
    const p = tmp()
    await (await LevelStore.open(p, GH)).close()
    expect(await codeOf(LevelStore.open(p, OTHER))).toBe("STORE_GENESIS_MISMATCH")
    // closed after the refusal: the right genesis opens it
    const s = await LevelStore.open(p, GH)
    expect(await s.committedHeight()).toBe(0)
    await s.close()
  })

  it("a database held open elsewhere is STORE_IO (NODE-STORE.5)", async () => {
    const p = tmp()
    const s = await LevelStore.open(p, GH)
    expect(await codeOf(LevelStore.open(p, GH))).toBe("STORE_IO")
    await s.close()
  })

  it("a corrupt value is STORE_CORRUPT, never a throw of another kind (NODE-STORE.5)", async () => {
    const p = tmp()
    const s = await LevelStore.open(p, GH)
    await fill(s)
    await s.close()
    const raw = new ClassicLevel<Uint8Array, Uint8Array>(p, { keyEncoding: "view", valueEncoding: "view" })
    await raw.put(StoreKeys.block(1), Uint8Array.of(0xa1, 0x61, 0x78, 0x01)) // {"x": 1}
    await raw.put(StoreKeys.block(2), Uint8Array.of(0xff, 0x00)) // not CBOR
    await raw.put(StoreKeys.height, Uint8Array.of(0x20)) // -1
    await raw.put(StoreKeys.wal(3, 1), Uint8Array.of(0xa1, 0x61, 0x74, 0x63, 0x62, 0x61, 0x64)) // {"t": "bad"}
    await raw.put(StoreKeys.carry, Uint8Array.of(0xa1, 0x61, 0x74, 0x01))
    await raw.close()
    const t = await LevelStore.open(p, GH)
    expect(await codeOf(t.block(1))).toBe("STORE_CORRUPT")
    expect(await codeOf(t.block(2))).toBe("STORE_CORRUPT")
    expect(await codeOf(t.committedHeight())).toBe("STORE_CORRUPT")
    expect(await codeOf(t.wal(3))).toBe("STORE_CORRUPT")
    expect(await codeOf(t.carry())).toBe("STORE_CORRUPT")
    await t.close()
  })

  it("a WAL with a gap is STORE_CORRUPT (NODE-WAL.1)", async () => {
    const s = await MemoryStore.open(GH)
    await s.appendWal(1, 0, { type: "start" })
    await s.appendWal(1, 2, { type: "start" })
    expect(await codeOf(s.wal(1))).toBe("STORE_CORRUPT")
  })

  it("a block under another height's key is STORE_CORRUPT", async () => {
    const m = await MemoryStore.open(GH)
    await m.commit(committed.slice(0, 1), { height: 2, messages: [] })
    const b = committed[0] as CommittedBlock
    await m.poke(StoreKeys.block(2), canonicalEncode({ block: Codecs.Block.encode(b.block), cert: Codecs.CommitCertificate.encode(b.cert) }))
    expect(await codeOf(m.block(1))).toBe("ok")
    expect(await codeOf(m.block(2))).toBe("STORE_CORRUPT")
  })
})

describe("MemoryStore (NODE-STORE.7)", () => {
  it("holds what a LevelStore holds", async () => {
    const s = await MemoryStore.open(GH)
    await fill(s)
    await expectContent(s)
    await expectContent(s.durable())
  })

  it("crashAfter(k): writes from index k on fail with STORE_CRASHED; durable(k) keeps exactly the first k writes", async () => {
    const s = await MemoryStore.open(GH) // write 0: the genesis hash
    await s.appendWal(1, 0, { type: "start" }) // write 1
    await s.commit(committed.slice(0, 1), { height: 2, messages: [] }) // write 2 (one atomic batch)
    expect(s.writes()).toBe(3)
    s.crashAfter(3)
    expect(await codeOf(s.appendWal(2, 0, { type: "start" }))).toBe("STORE_CRASHED")
    expect(s.writes()).toBe(3)
    const before = s.durable(2)
    expect(await before.committedHeight()).toBe(0)
    expect(await before.wal(1)).toEqual([{ type: "start" }])
    const after = s.durable(3)
    expect(await after.committedHeight()).toBe(1)
    expect(await after.wal(1)).toEqual([])
    // a fork is a store of its own: open and writable
    await after.appendWal(2, 0, { type: "start" })
    expect(await after.wal(2)).toEqual([{ type: "start" }])
  })
})
