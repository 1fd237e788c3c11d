// spec: NODE-STORE.1..8, NODE-WAL.1, NODE-WAL.3, NODE-WAL.4, NODE-GUARD.1 (spec/20-node.md)
// The node's persistence: committed blocks and certificates by height, the write-ahead log of the
// inputs of the height being decided, the carry (messages buffered for that height before it began)
// and the double-sign guard's records of the node's own signed votes and proposals. One key space,
// values in canonical CBOR (src/codec). Two implementations of one NodeStore over a key-value backend:
// LevelStore on classic-level 3 (LevelDB; prebuilt binaries in the npm tarball) and MemoryStore (tests)
// which records every write and can be forked at any write index, losing what came after (a crash).
import { ClassicLevel } from "classic-level"
import { Data, Either } from "effect"
import { bytesEqual, compareBytes, concatBytes, toHex, u64be } from "../../codec/Bytes.ts"
import { MAX_WIRE_BYTES, canonicalDecode, canonicalEncode } from "../../codec/Canonical.ts"
import { Codecs } from "../../codec/index.ts"
import type { NodeInput, TimeoutKind } from "../../core/Node.ts"
import type { CommitCertificate } from "../../domain/Consensus.ts"
import type { ScoreCommitment, ScoreReveal } from "../../domain/Scoring.ts"
import type { AuditReport, WorkClaim } from "../../domain/Work.ts"
import type { CommittedBlock } from "./Host.ts"

export const STORE_ERROR_CODES = {
  STORE_CORRUPT: "a stored value is not what its key says it holds (undecodable, wrong shape, or missing)",
  STORE_SNAPSHOT_MISMATCH: "a stored snapshot's state does not match its root, height or certificate",
  STORE_IO: "the database could not be opened, read or written",
  STORE_GENESIS_MISMATCH: "the database belongs to another genesis",
  STORE_CLOSED: "the store is closed",
  STORE_CRASHED: "simulated crash: the store accepts no more writes (MemoryStore.crashAfter)",
} as const
export type StoreErrorCode = keyof typeof STORE_ERROR_CODES

/** NODE-STORE.5: why the store cannot serve or accept a value. */
export class StoreError extends Data.TaggedError("StoreError")<{ readonly code: StoreErrorCode; readonly detail: string }> {
  override get message(): string {
    return `${this.code}: ${STORE_ERROR_CODES[this.code]}${this.detail ? ` (${this.detail})` : ""}`
  }
}

/** What the double-sign guard keys its records by (NODE-GUARD.1). */
export type SignedKind = "proposal" | "prevote" | "precommit"
const KIND_BYTE: Record<SignedKind, number> = { proposal: 1, prevote: 2, precommit: 3 }

/**
 * NODE-GUARD.1: one own signature released: the signed object (the encoded Vote or ProposalHeader,
 * compared byte for byte) and the message it left in (for a proposal, with its block: recovery
 * restores it, NODE-RECOVER.3).
 */
export interface GuardRecord {
  readonly height: number
  readonly round: number
  readonly kind: SignedKind
  readonly signed: Uint8Array
  readonly message: Uint8Array
}

/** NODE-WAL.3: the messages the node held for `height` (NodeState.future) when it began that height. */
export interface Carry {
  readonly height: number
  readonly messages: ReadonlyArray<Uint8Array>
}

/**
 * NODE-STORE.8: a state snapshot: the chain state after the decision of `height` (its SNAP-encoding,
 * encodeSnapshot), its state root, the commit certificate of `height`, and what NODE-STATE.2 restores
 * besides the chain (the node's auditable claims and own pooled audit reports and score items, by their
 * hex keys).
 */
export interface StoredSnapshot {
  readonly height: number
  readonly root: Uint8Array
  readonly state: Uint8Array
  readonly cert: CommitCertificate
  readonly auditable: ReadonlyArray<readonly [string, WorkClaim]>
  readonly audits: ReadonlyArray<readonly [string, AuditReport]>
  readonly scoreCommits: ReadonlyArray<readonly [string, ScoreCommitment]>
  readonly scoreReveals: ReadonlyArray<readonly [string, ScoreReveal]>
}

/** NODE-WAL.4: the writes of one step. */
export interface StepWrite {
  readonly wal?: { readonly height: number; readonly seq: number; readonly input: NodeInput }
  readonly commit?: { readonly blocks: ReadonlyArray<CommittedBlock>; readonly carry: Carry; readonly snapshot?: StoredSnapshot | undefined } | undefined
  readonly signed: ReadonlyArray<GuardRecord>
}

/** NODE-STORE.8: snapshots kept: the newest and the one before it. */
export const SNAPSHOTS_KEPT = 2

/** NODE-STORE.1: the node's persistence (async; every method may fail with a StoreError). */
export interface NodeStore {
  /** Height of the last committed block stored (0: none). */
  readonly committedHeight: () => Promise<number>
  readonly block: (height: number) => Promise<CommittedBlock | undefined>
  /** NODE-WAL.1: the logged inputs of `height`, in order. */
  readonly wal: (height: number) => Promise<ReadonlyArray<NodeInput>>
  /** NODE-GUARD.1: the guard records of `height`. */
  readonly guard: (height: number) => Promise<ReadonlyArray<GuardRecord>>
  readonly carry: () => Promise<Carry | undefined>
  /** NODE-WAL.2: log one input of `height` (synced). */
  readonly appendWal: (height: number, seq: number, input: NodeInput) => Promise<void>
  /**
   * NODE-STORE.3: one atomic, synced batch: the blocks (consecutive heights after the stored one), the
   * new committed height, the carry of the next height, and the WAL and guard records of every height
   * up to the last block deleted; with a snapshot (NODE-STORE.8), the snapshot, and every older
   * snapshot but the newest one deleted.
   */
  readonly commit: (blocks: ReadonlyArray<CommittedBlock>, carry: Carry, snapshot?: StoredSnapshot) => Promise<void>
  /** NODE-STORE.8: heights of the stored snapshots, newest first. */
  readonly snapshotHeights: () => Promise<ReadonlyArray<number>>
  /** NODE-STORE.8: the snapshot stored at `height` (STORE_CORRUPT when it does not decode). */
  readonly snapshot: (height: number) => Promise<StoredSnapshot | undefined>
  /** NODE-GUARD.2: record own signatures (one synced batch). */
  readonly recordSigned: (records: ReadonlyArray<GuardRecord>) => Promise<void>
  /**
   * NODE-WAL.4: everything one step writes, as one atomic synced batch: its WAL entry (left out when
   * the step decides that entry's height: the decision deletes that height's log), its decision
   * (NODE-STORE.3) and the guard records of its own signatures (applied last).
   */
  readonly writeStep: (step: StepWrite) => Promise<void>
  readonly close: () => Promise<void>
}

// ---------------------------------------------------------------------------------------------
// Key-value backend

export type KvOp = { readonly type: "put"; readonly key: Uint8Array; readonly value: Uint8Array } | { readonly type: "del"; readonly key: Uint8Array }

/** The backend both stores run on: ordered byte keys (compareBytes order), atomic batches. */
export interface Kv {
  readonly get: (key: Uint8Array) => Promise<Uint8Array | undefined>
  /** Keys and values with gte <= key < lt, in key order, at most `limit`. */
  readonly range: (gte: Uint8Array, lt: Uint8Array, limit: number) => Promise<ReadonlyArray<readonly [Uint8Array, Uint8Array]>>
  readonly write: (ops: ReadonlyArray<KvOp>, sync: boolean) => Promise<void>
  readonly close: () => Promise<void>
}

// NODE-STORE.2: key layout; heights, rounds and sequence numbers are fixed-width big-endian, so key
// order is numeric order.
const META = 0x00
const BLOCK = 0x01
const WAL = 0x02
const GUARD = 0x03
const SNAP = 0x04
const META_GENESIS = Uint8Array.of(META, 0x67)
const META_HEIGHT = Uint8Array.of(META, 0x68)
const META_CARRY = Uint8Array.of(META, 0x63)
const blockKey = (h: number) => concatBytes(Uint8Array.of(BLOCK), u64be(h))
const walPrefix = (h: number) => concatBytes(Uint8Array.of(WAL), u64be(h))
const walKey = (h: number, seq: number) => concatBytes(walPrefix(h), u64be(seq))
const guardPrefix = (h: number) => concatBytes(Uint8Array.of(GUARD), u64be(h))
const snapKey = (h: number) => concatBytes(Uint8Array.of(SNAP), u64be(h))
const guardKey = (r: GuardRecord) => concatBytes(guardPrefix(r.height), u64be(r.round), Uint8Array.of(KIND_BYTE[r.kind]))

/** NODE-STORE.6: bounds on what one read may return. */
export const MAX_WAL_ENTRIES = 1_000_000
export const MAX_GUARD_RECORDS = 100_000

// ---------------------------------------------------------------------------------------------
// Value encodings (canonical CBOR)

const corrupt = (what: string, why: string) => new StoreError({ code: "STORE_CORRUPT", detail: `${what}: ${why}` })

/** NODE-STORE.5: decode a stored CBOR value or fail with STORE_CORRUPT. */
const cbor = (what: string, bytes: Uint8Array): Record<string, unknown> => {
  const d = canonicalDecode(bytes)
  if (Either.isLeft(d)) throw corrupt(what, d.left.reason)
  const v = d.right
  if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof Uint8Array) throw corrupt(what, "not a map")
  return v as Record<string, unknown>
}
const field = <T>(what: string, m: Record<string, unknown>, k: string, ok: (v: unknown) => v is T): T => {
  const v = m[k]
  if (!ok(v)) throw corrupt(what, `field ${k}`)
  return v
}
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array
const isNat = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v)
const isStr = (v: unknown): v is string => typeof v === "string"
const isList = (v: unknown): v is ReadonlyArray<unknown> => Array.isArray(v)
const decoded = <A>(what: string, r: Either.Either<A, { readonly message: string }>): A => {
  if (Either.isLeft(r)) throw corrupt(what, r.left.message)
  return r.right
}

const encodeBlock = (b: CommittedBlock): Uint8Array =>
  canonicalEncode({ block: Codecs.Block.encode(b.block), cert: Codecs.CommitCertificate.encode(b.cert) })
const decodeBlock = (h: number, bytes: Uint8Array): CommittedBlock => {
  const what = `block ${h}`
  const m = cbor(what, bytes)
  const block = decoded(what, Codecs.Block.decode(field(what, m, "block", isBytes)))
  const cert = decoded(what, Codecs.CommitCertificate.decode(field(what, m, "cert", isBytes)))
  if (block.header.height !== h || cert.height !== h) throw corrupt(what, "height")
  return { block, cert }
}

const TIMEOUT_KINDS: ReadonlyArray<TimeoutKind> = ["propose", "prevote", "precommit", "commit", "gossip"]

/** NODE-WAL.1: a NodeInput in canonical CBOR; the payloads through the wire codecs. */
export const encodeInput = (i: NodeInput): Uint8Array => {
  switch (i.type) {
    case "start":
      return canonicalEncode({ t: "start" })
    case "receive":
      return canonicalEncode({ t: "receive", from: i.from, bytes: i.bytes })
    case "timeout":
      return canonicalEncode({ t: "timeout", kind: i.kind, height: i.height, round: i.round })
    case "client-tx":
      return canonicalEncode({ t: "client-tx", bytes: i.bytes })
    case "work":
      return canonicalEncode({ t: "work", claim: Codecs.WorkClaim.encode(i.claim) })
  }
}

export const decodeInput = (what: string, bytes: Uint8Array): NodeInput => {
  const m = cbor(what, bytes)
  const t = field(what, m, "t", isStr)
  switch (t) {
    case "start":
      return { type: "start" }
    case "receive":
      return { type: "receive", from: field(what, m, "from", isInt), bytes: field(what, m, "bytes", isBytes) }
    case "timeout": {
      const kind = field(what, m, "kind", isStr)
      if (!(TIMEOUT_KINDS as ReadonlyArray<string>).includes(kind)) throw corrupt(what, "timeout kind")
      return { type: "timeout", kind: kind as TimeoutKind, height: field(what, m, "height", isNat), round: field(what, m, "round", isNat) }
    }
    case "client-tx":
      return { type: "client-tx", bytes: field(what, m, "bytes", isBytes) }
    case "work":
      return { type: "work", claim: decoded(what, Codecs.WorkClaim.decode(field(what, m, "claim", isBytes))) }
    default:
      throw corrupt(what, `input type ${t.slice(0, 16)}`)
  }
}

const encodeGuard = (r: GuardRecord): Uint8Array =>
  canonicalEncode({ height: r.height, round: r.round, kind: r.kind, signed: r.signed, message: r.message })
const decodeGuard = (bytes: Uint8Array): GuardRecord => {
  const what = "guard record"
  const m = cbor(what, bytes)
  const kind = field(what, m, "kind", isStr)
  if (!(kind in KIND_BYTE)) throw corrupt(what, "kind")
  return {
    height: field(what, m, "height", isNat),
    round: field(what, m, "round", isNat),
    kind: kind as SignedKind,
    signed: field(what, m, "signed", isBytes),
    message: field(what, m, "message", isBytes),
  }
}

const encodeSnap = (x: StoredSnapshot): Uint8Array =>
  canonicalEncode({
    height: x.height,
    root: x.root,
    state: x.state,
    cert: Codecs.CommitCertificate.encode(x.cert),
    auditable: x.auditable.map(([k, c]) => [k, Codecs.WorkClaim.encode(c)]),
    audits: x.audits.map(([k, a]) => [k, Codecs.AuditReport.encode(a)]),
    scoreCommits: x.scoreCommits.map(([k, c]) => [k, Codecs.ScoreCommitment.encode(c)]),
    scoreReveals: x.scoreReveals.map(([k, r]) => [k, Codecs.ScoreReveal.encode(r)]),
  })
const decodeSnap = (h: number, bytes: Uint8Array): StoredSnapshot => {
  const what = `snapshot ${h}`
  const m = cbor(what, bytes)
  const pairs = <A>(k: string, dec: (b: Uint8Array) => Either.Either<A, { readonly message: string }>): ReadonlyArray<readonly [string, A]> =>
    field(what, m, k, isList).map((e) => {
      if (!Array.isArray(e) || e.length !== 2 || !isStr(e[0]) || !isBytes(e[1])) throw corrupt(what, k)
      return [e[0], decoded(what, dec(e[1]))] as const
    })
  const x: StoredSnapshot = {
    height: field(what, m, "height", isNat),
    root: field(what, m, "root", isBytes),
    state: field(what, m, "state", isBytes),
    cert: decoded(what, Codecs.CommitCertificate.decode(field(what, m, "cert", isBytes))),
    auditable: pairs("auditable", Codecs.WorkClaim.decode),
    audits: pairs("audits", Codecs.AuditReport.decode),
    scoreCommits: pairs("scoreCommits", Codecs.ScoreCommitment.decode),
    scoreReveals: pairs("scoreReveals", Codecs.ScoreReveal.decode),
  }
  if (x.height !== h || x.cert.height !== h) throw corrupt(what, "height")
  return x
}

const encodeCarry = (c: Carry): Uint8Array => canonicalEncode({ height: c.height, messages: [...c.messages] })
const decodeCarry = (bytes: Uint8Array): Carry => {
  const what = "carry"
  const m = cbor(what, bytes)
  const messages = field(what, m, "messages", isList)
  if (!messages.every(isBytes)) throw corrupt(what, "messages")
  return { height: field(what, m, "height", isNat), messages: messages as ReadonlyArray<Uint8Array> }
}

const decodeNat = (what: string, bytes: Uint8Array): number => {
  const d = canonicalDecode(bytes)
  if (Either.isLeft(d) || !isNat(d.right)) throw corrupt(what, "not a natural number")
  return d.right
}

// ---------------------------------------------------------------------------------------------
// NodeStore over a Kv

const ioError = (e: unknown): StoreError =>
  e instanceof StoreError ? e : new StoreError({ code: "STORE_IO", detail: (e instanceof Error ? e.message : String(e)).split("\n")[0]?.slice(0, 200) ?? "" })

/** Run a backend call; any failure that is not already a StoreError becomes STORE_IO. */
const io = async <A>(f: () => Promise<A>): Promise<A> => {
  try {
    return await f()
  } catch (e) {
    throw ioError(e)
  }
}

const upper = (prefix: Uint8Array): Uint8Array => {
  // the least key above every key with this prefix (prefixes here never end in 0xff...ff)
  const out = Uint8Array.from(prefix)
  for (let i = out.length - 1; i >= 0; i--) {
    if ((out[i] as number) < 0xff) {
      out[i] = (out[i] as number) + 1
      return out.slice(0, i + 1)
    }
  }
  return Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
}

export class KvNodeStore implements NodeStore {
  protected constructor(protected readonly kv: Kv) {}

  /**
   * NODE-STORE.4: the store records the genesis hash on first open and refuses any other genesis. On an
   * error the backend is closed.
   */
  protected static async bind(kv: Kv, genesisHash: Uint8Array): Promise<void> {
    try {
      const g = await io(() => kv.get(META_GENESIS))
      if (g === undefined) await io(() => kv.write([{ type: "put", key: META_GENESIS, value: genesisHash }], true))
      else if (!bytesEqual(g, genesisHash))
        throw new StoreError({ code: "STORE_GENESIS_MISMATCH", detail: `stored ${toHex(g).slice(0, 16)}, given ${toHex(genesisHash).slice(0, 16)}` })
    } catch (e) {
      await kv.close().catch(() => undefined)
      throw ioError(e)
    }
  }

  readonly committedHeight = async (): Promise<number> => {
    const v = await io(() => this.kv.get(META_HEIGHT))
    return v === undefined ? 0 : decodeNat("committed height", v)
  }

  readonly block = async (height: number): Promise<CommittedBlock | undefined> => {
    if (!isNat(height)) return undefined
    const v = await io(() => this.kv.get(blockKey(height)))
    return v === undefined ? undefined : decodeBlock(height, v)
  }

  readonly wal = async (height: number): Promise<ReadonlyArray<NodeInput>> => {
    const p = walPrefix(height)
    const rows = await io(() => this.kv.range(p, upper(p), MAX_WAL_ENTRIES + 1))
    if (rows.length > MAX_WAL_ENTRIES) throw corrupt(`wal ${height}`, `over ${MAX_WAL_ENTRIES} entries`)
    return rows.map(([k, v], i) => {
      if (k.length !== 17) throw corrupt(`wal ${height}`, `entry ${i} key length`)
      const seq = Number(new DataView(k.buffer, k.byteOffset + 9, 8).getBigUint64(0))
      if (seq !== i) throw corrupt(`wal ${height}`, `entry ${i} has sequence ${seq}`)
      return decodeInput(`wal ${height}/${i}`, v)
    })
  }

  readonly guard = async (height: number): Promise<ReadonlyArray<GuardRecord>> => {
    const p = guardPrefix(height)
    const rows = await io(() => this.kv.range(p, upper(p), MAX_GUARD_RECORDS + 1))
    if (rows.length > MAX_GUARD_RECORDS) throw corrupt(`guard ${height}`, `over ${MAX_GUARD_RECORDS} records`)
    return rows.map(([k, v]) => {
      const r = decodeGuard(v)
      if (r.height !== height || compareBytes(guardKey(r), k) !== 0) throw corrupt(`guard ${height}`, "record under another key")
      return r
    })
  }

  readonly carry = async (): Promise<Carry | undefined> => {
    const v = await io(() => this.kv.get(META_CARRY))
    return v === undefined ? undefined : decodeCarry(v)
  }

  readonly appendWal = (height: number, seq: number, input: NodeInput): Promise<void> =>
    io(() => this.kv.write([{ type: "put", key: walKey(height, seq), value: encodeInput(input) }], true))

  readonly snapshotHeights = async (): Promise<ReadonlyArray<number>> => {
    const p = Uint8Array.of(SNAP)
    const rows = await io(() => this.kv.range(p, upper(p), 64))
    return rows.map(([k]) => {
      if (k.length !== 9) throw corrupt("snapshot", "key length")
      return Number(new DataView(k.buffer, k.byteOffset + 1, 8).getBigUint64(0))
    }).sort((a, b) => b - a)
  }

  readonly snapshot = async (height: number): Promise<StoredSnapshot | undefined> => {
    if (!isNat(height)) return undefined
    const v = await io(() => this.kv.get(snapKey(height)))
    return v === undefined ? undefined : decodeSnap(height, v)
  }

  readonly commit = async (blocks: ReadonlyArray<CommittedBlock>, carry: Carry, snapshot?: StoredSnapshot): Promise<void> => {
    const ops = await this.commitOps(blocks, carry, snapshot)
    if (ops.length > 0) await io(() => this.kv.write(ops, true))
  }

  readonly writeStep = async (x: StepWrite): Promise<void> => {
    const ops: KvOp[] = []
    // NODE-WAL.4: the entry of a step that decides its height would go with that height's log at once
    const top = x.commit?.blocks[x.commit.blocks.length - 1]?.block.header.height ?? -1
    if (x.wal !== undefined && x.wal.height > top) ops.push({ type: "put", key: walKey(x.wal.height, x.wal.seq), value: encodeInput(x.wal.input) })
    if (x.commit !== undefined) ops.push(...(await this.commitOps(x.commit.blocks, x.commit.carry, x.commit.snapshot)))
    for (const r of x.signed) ops.push({ type: "put", key: guardKey(r), value: encodeGuard(r) })
    if (ops.length > 0) await io(() => this.kv.write(ops, true))
  }

  private readonly commitOps = async (blocks: ReadonlyArray<CommittedBlock>, carry: Carry, snapshot?: StoredSnapshot): Promise<KvOp[]> => {
    const last = blocks[blocks.length - 1]
    if (last === undefined) return []
    const top = last.block.header.height
    const ops: KvOp[] = blocks.map((b) => ({ type: "put", key: blockKey(b.block.header.height), value: encodeBlock(b) }))
    ops.push({ type: "put", key: META_HEIGHT, value: canonicalEncode(top) })
    ops.push({ type: "put", key: META_CARRY, value: encodeCarry(carry) })
    // NODE-WAL.3, NODE-GUARD.3: the log and guard records of every decided height go with the commit
    for (const prefix of [WAL, GUARD]) {
      const from = Uint8Array.of(prefix)
      const rows = await io(() => this.kv.range(from, concatBytes(from, u64be(top + 1)), MAX_WAL_ENTRIES))
      for (const [key] of rows) ops.push({ type: "del", key })
    }
    if (snapshot !== undefined) {
      // NODE-STORE.8: the new snapshot, and of the older ones only the newest stays
      const kept = (await this.snapshotHeights()).filter((h) => h < snapshot.height)
      for (const h of kept.slice(SNAPSHOTS_KEPT - 1)) ops.push({ type: "del", key: snapKey(h) })
      ops.push({ type: "put", key: snapKey(snapshot.height), value: encodeSnap(snapshot) })
    }
    return ops
  }

  readonly recordSigned = async (records: ReadonlyArray<GuardRecord>): Promise<void> => {
    if (records.length === 0) return
    await io(() => this.kv.write(records.map((r) => ({ type: "put", key: guardKey(r), value: encodeGuard(r) })), true))
  }

  readonly close = (): Promise<void> => io(() => this.kv.close())
}

// ---------------------------------------------------------------------------------------------
// LevelStore

/** NODE-STORE.1: the store on disk, in a LevelDB database (classic-level 3) at `path`. */
export class LevelStore extends KvNodeStore {
  static async open(path: string, genesisHash: Uint8Array): Promise<LevelStore> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: "view", valueEncoding: "view" })
    await io(() => db.open())
    const kv: Kv = {
      get: async (key) => {
        const v = await db.get(key)
        if (v !== undefined && v.length > MAX_WIRE_BYTES) throw corrupt(toHex(key).slice(0, 20), "value over MAX_WIRE_BYTES")
        return v ?? undefined
      },
      range: async (gte, lt, limit) => {
        const out: Array<readonly [Uint8Array, Uint8Array]> = []
        for await (const [k, v] of db.iterator({ gte, lt, limit })) out.push([k, v])
        return out
      },
      write: (ops, sync) => db.batch(ops.map((o) => (o.type === "put" ? { type: "put" as const, key: o.key, value: o.value } : { type: "del" as const, key: o.key })), { sync }),
      close: () => db.close(),
    }
    await KvNodeStore.bind(kv, genesisHash)
    return new LevelStore(kv)
  }
}

// ---------------------------------------------------------------------------------------------
// MemoryStore

/** One write of a MemoryStore: a batch, applied atomically. */
export interface MemoryWrite {
  readonly ops: ReadonlyArray<KvOp>
  readonly sync: boolean
}

class MemoryKv implements Kv {
  readonly map = new Map<string, { readonly key: Uint8Array; readonly value: Uint8Array }>()
  readonly log: MemoryWrite[] = []
  limit = Number.POSITIVE_INFINITY
  closed = false
  get = async (key: Uint8Array) => {
    if (this.closed) throw new StoreError({ code: "STORE_CLOSED", detail: "" })
    return this.map.get(toHex(key))?.value
  }
  range = async (gte: Uint8Array, lt: Uint8Array, limit: number) => {
    if (this.closed) throw new StoreError({ code: "STORE_CLOSED", detail: "" })
    return [...this.map.values()]
      .filter((e) => compareBytes(e.key, gte) >= 0 && compareBytes(e.key, lt) < 0)
      .sort((a, b) => compareBytes(a.key, b.key))
      .slice(0, limit)
      .map((e) => [e.key, e.value] as const)
  }
  write = async (ops: ReadonlyArray<KvOp>, sync: boolean) => {
    if (this.closed) throw new StoreError({ code: "STORE_CLOSED", detail: "" })
    // NODE-STORE.7: a crash point: this write and every later one are lost
    if (this.log.length >= this.limit) throw new StoreError({ code: "STORE_CRASHED", detail: `at write ${this.log.length}` })
    this.apply({ ops: ops.map((o) => (o.type === "put" ? { ...o, key: o.key.slice(), value: o.value.slice() } : { ...o, key: o.key.slice() })), sync })
  }
  apply(w: MemoryWrite): void {
    this.log.push(w)
    for (const o of w.ops) {
      if (o.type === "put") this.map.set(toHex(o.key), { key: o.key, value: o.value })
      else this.map.delete(toHex(o.key))
    }
  }
  close = async () => {
    this.closed = true
  }
}

/**
 * NODE-STORE.7: an in-memory store for tests. It records every write (a batch is one write, atomic);
 * `crashAfter(k)` makes every write from index k on fail with STORE_CRASHED (the process dies there),
 * and `durable(k)` is a new store holding exactly the first k writes: what a crash after write k leaves
 * on disk (every write is durable once it returned: NODE-WAL.2 syncs every write, so what a real disk
 * keeps is a prefix of the writes).
 */
export class MemoryStore extends KvNodeStore {
  private constructor(private readonly mem: MemoryKv) {
    super(mem)
  }

  static async open(genesisHash: Uint8Array): Promise<MemoryStore> {
    const kv = new MemoryKv()
    await KvNodeStore.bind(kv, genesisHash)
    return new MemoryStore(kv)
  }

  /** Every write so far, in order (NODE-WAL.2: each one synced). */
  log(): ReadonlyArray<MemoryWrite> {
    return this.mem.log
  }

  /** Writes so far. */
  writes(): number {
    return this.mem.log.length
  }

  /** Writes from index k on fail with STORE_CRASHED (k below writes(): no more writes succeed). */
  crashAfter(k: number): void {
    this.mem.limit = k
  }

  /** A new open store holding exactly the first k writes of this one (all of them by default). */
  durable(k: number = this.mem.log.length): MemoryStore {
    const kv = new MemoryKv()
    for (const w of this.mem.log.slice(0, Math.max(0, k))) kv.apply(w)
    return new MemoryStore(kv)
  }

  /**
   * Test hook: delete the WAL, the carry and the guard records, keeping the blocks: the store of a
   * node that keeps neither (the crash property's negative control, NODE-GUARD.4).
   */
  async forgetLog(): Promise<void> {
    const ops: KvOp[] = [...this.mem.map.values()]
      .filter((e) => e.key[0] === WAL || e.key[0] === GUARD || compareBytes(e.key, META_CARRY) === 0)
      .map((e) => ({ type: "del", key: e.key }))
    await this.mem.write(ops, true)
  }

  /** Test hook: delete every snapshot (NODE-STORE.8): the same store recovered from genesis. */
  async forgetSnapshots(): Promise<void> {
    const ops: KvOp[] = [...this.mem.map.values()].filter((e) => e.key[0] === SNAP).map((e) => ({ type: "del", key: e.key }))
    await this.mem.write(ops, true)
  }

  /** Test hook: overwrite one raw value (to check corruption is reported, NODE-STORE.5). */
  async poke(key: Uint8Array, value: Uint8Array): Promise<void> {
    await this.mem.write([{ type: "put", key, value }], true)
  }
}

/** Raw keys, for tests that corrupt a value (NODE-STORE.2). */
export const StoreKeys = { genesis: META_GENESIS, height: META_HEIGHT, carry: META_CARRY, block: blockKey, wal: walKey, snapshot: snapKey } as const

/** Test hook: a snapshot value as stored (NODE-STORE.8), to plant a corrupt or mismatching one. */
export const encodeStoredSnapshot = encodeSnap
