// spec: NODE-WAL.2, NODE-WAL.4, NODE-GUARD.1..4, NODE-STORE.8, NODE-RECOVER.1..8 (spec/20-node.md)
// The NodeHost of Host.ts over a NodeStore: the pure core (step) behind a write-ahead log, a store of
// committed blocks and the double-sign guard. Everything handle returns is safe to act on: the inputs
// that led to it are logged, its commits stored, and every own vote or proposal in it recorded by the
// guard, all durably, before the promise resolves.
import { Either } from "effect"
import { bytesEqual, toHex } from "../../codec/Bytes.ts"
import { Codecs } from "../../codec/index.ts"
import { reject } from "../../core/Errors.ts"
import { genesisHash } from "../../core/Genesis.ts"
import { type NodeInput, type NodeOutput, initNode, resumeNode, step } from "../../core/Node.ts"
import { decodeSnapshot, encodeSnapshot, snapshotRoot } from "../../core/Snapshot.ts"
import type { NodeState } from "../../core/NodeState.ts"
import type { Message } from "../../domain/Message.ts"
import type { CommittedBlock, HostOptions, NodeHost, RecoveryInfo } from "./Host.ts"
import { type Carry, type GuardRecord, LevelStore, type NodeStore, type StepWrite, StoreError, type StoredSnapshot } from "./Store.ts"

/** NODE-STORE.8: default snapshot interval, in committed heights. */
export const DEFAULT_SNAPSHOT_INTERVAL = 16

type Timer = Extract<NodeOutput, { type: "timer" }>
type Commit = Extract<NodeOutput, { type: "commit" }>

const guardKey = (r: { readonly height: number; readonly round: number; readonly kind: string }) => `${r.height}/${r.round}/${r.kind}`

/** NODE-GUARD.1: the own signature an output carries (a vote or proposal signed with this node's key), if any. */
export const ownSignature = (me: string, o: NodeOutput): GuardRecord | undefined => {
  if (o.type !== "broadcast" && o.type !== "send") return undefined
  const m = o.message
  if (m.type === "vote" && toHex(m.vote.validator) === me)
    return { height: m.vote.height, round: m.vote.round, kind: m.vote.type, signed: Codecs.Vote.encode(m.vote), message: o.bytes }
  if (m.type === "proposal" && toHex(m.proposal.proposer) === me)
    return { height: m.proposal.height, round: m.proposal.round, kind: "proposal", signed: Codecs.ProposalHeader.encode(m.proposal), message: o.bytes }
  return undefined
}

/** NODE-RECOVER.5: the timers a replay left armed: each timer output not yet consumed by its timeout input. */
class PendingTimers {
  private readonly armed = new Map<string, { n: number; t: Timer }>()
  note(outs: ReadonlyArray<NodeOutput>): void {
    for (const o of outs) {
      if (o.type !== "timer") continue
      const k = `${o.kind}/${o.height}/${o.round}`
      const e = this.armed.get(k)
      this.armed.set(k, { n: (e?.n ?? 0) + 1, t: o })
    }
  }
  consume(input: NodeInput): void {
    if (input.type !== "timeout") return
    const k = `${input.kind}/${input.height}/${input.round}`
    const e = this.armed.get(k)
    if (e !== undefined && e.n > 0) e.n--
  }
  /** Armed timers of `height` (timers of earlier heights are no-ops, CONS-TIMEOUT.4), once each. */
  of(height: number): ReadonlyArray<Timer> {
    return [...this.armed.values()].filter((e) => e.n > 0 && e.t.height === height).map((e) => e.t)
  }
}

class Host implements NodeHost {
  private s: NodeState
  /** Next WAL sequence number of the height being decided. */
  private seq = 0
  /** NODE-GUARD.1: the guard records of the height being decided (and any later one), by height/round/kind. */
  private readonly signed = new Map<string, GuardRecord>()
  private refused = 0
  private begun = false
  private closed = false
  private failed: StoreError | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private readonly me: string
  private readonly interval: number
  private recovered: RecoveryInfo | undefined

  constructor(
    private readonly store: NodeStore,
    private readonly opts: Omit<HostOptions, "dbPath">,
  ) {
    this.s = initNode(opts.ctx, opts.genesis, opts.keys)
    this.me = opts.keys.pubHex
    const n = opts.snapshotInterval ?? DEFAULT_SNAPSHOT_INTERVAL
    this.interval = Number.isSafeInteger(n) && n > 0 ? n : 0
  }

  readonly state = (): NodeState => this.s
  readonly refusedSignatures = (): number => this.refused
  readonly recovery = (): RecoveryInfo | undefined => this.recovered

  /** One call at a time, in order of arrival (the transport may call concurrently). */
  private serial<A>(f: () => Promise<A>): Promise<A> {
    const run = async (): Promise<A> => {
      if (this.failed !== undefined) throw this.failed
      if (this.closed) throw new StoreError({ code: "STORE_CLOSED", detail: "host closed" })
      try {
        return await f()
      } catch (e) {
        // NODE-STORE.5: a store failure leaves the node's durable state unknown: the host stops
        if (e instanceof StoreError) this.failed = e
        throw e
      }
    }
    const p = this.queue.then(run, run)
    this.queue = p.catch(() => undefined)
    return p
  }

  readonly start = (): Promise<ReadonlyArray<NodeOutput>> => this.serial(() => this.recover())
  readonly handle = (input: NodeInput): Promise<ReadonlyArray<NodeOutput>> => this.serial(() => this.live(input))
  readonly block = (height: number): Promise<CommittedBlock | undefined> => this.store.block(height)
  /** After the calls queued before it; closes the store even when the host has failed (NODE-STORE.5). */
  readonly close = async (): Promise<void> => {
    const done = this.queue.then(async () => {
      if (this.closed) return
      this.closed = true
      await this.store.close()
    })
    this.queue = done.catch(() => undefined)
    await done
  }

  // -------------------------------------------------------------------------------------------
  // Live inputs

  private async live(input: NodeInput): Promise<ReadonlyArray<NodeOutput>> {
    if (!this.begun) return [{ type: "rejected", error: reject("MSG_UNEXPECTED", "node not started") }]
    const served = await this.serveFromStore(input)
    if (served !== undefined) return served
    const prev = this.s
    const [next, outs] = step(this.opts.ctx, prev, input)
    // NODE-WAL.2: an input that changed nothing (NODE-STEP.2) needs no log entry: replay without it is
    // the same. Any other is logged (synced) before anything of its step is stored or leaves.
    if (next === prev) return this.release(outs)
    // NODE-WAL.4: the log entry, the decision and the guard records of the step in one synced batch,
    // written before anything is returned
    const commit = this.commitOf(prev, next, outs)
    const [out, fresh] = this.screen(outs)
    await this.store.writeStep({ wal: { height: prev.cons.height, seq: this.seq, input }, commit, signed: fresh })
    this.s = next
    this.seq++
    if (commit !== undefined) this.decided(commit.blocks)
    return out
  }

  /** NODE-STORE.3, NODE-WAL.3: what a step that decided writes: its blocks, the next height's carry, a due snapshot. */
  private commitOf(prev: NodeState, next: NodeState, outs: ReadonlyArray<NodeOutput>): StepWrite["commit"] {
    const commits = outs.filter((o): o is Commit => o.type === "commit")
    const last = commits[commits.length - 1]
    if (last === undefined) return undefined
    // NODE-WAL.3: the messages buffered for the next height before this step are replayed by the
    // decision (NODE-BUFFER.1); they were logged under the height just decided, so they are carried
    const carry: Carry = { height: last.height + 1, messages: commits.length === 1 ? prev.future.map((m) => Codecs.Message.encode(m)) : [] }
    return { blocks: commits.map((c) => ({ block: c.block, cert: c.cert })), carry, snapshot: this.snapshotOf(next, last) }
  }

  /** After a decision is durable: the next height's log starts at 0, the guard forgets decided heights. */
  private decided(blocks: ReadonlyArray<CommittedBlock>): void {
    const top = blocks[blocks.length - 1]?.block.header.height ?? -1
    this.seq = 0
    for (const [k, r] of this.signed) if (r.height <= top) this.signed.delete(k)
  }

  /**
   * NODE-RECOVER.8: a sync-request for a committed height the core does not hold in memory (a node
   * restored from a snapshot holds only the blocks it adopted since; the core would reject it with
   * SYNC_NOT_FOUND and change nothing, NODE-STEP.2) is answered from the store, without a step.
   */
  private async serveFromStore(input: NodeInput): Promise<ReadonlyArray<NodeOutput> | undefined> {
    if (input.type !== "receive" || input.from < 0) return undefined
    const m = (this.opts.ctx.decodeMessage ?? Codecs.Message.decode)(input.bytes)
    if (Either.isLeft(m) || m.right.type !== "sync-request") return undefined
    const h = m.right.height
    if (!Number.isSafeInteger(h) || h < 1 || h > this.s.chain.height || this.s.blocks.has(h)) return undefined
    const rec = await this.store.block(h)
    if (rec === undefined) return undefined
    const message: Message = { type: "sync-response", block: rec.block, commit: rec.cert }
    return [{ type: "send", to: input.from, message, bytes: Codecs.Message.encode(message) }]
  }

  /**
   * NODE-STORE.8: the snapshot of the state the step left, when it decided a height that is a multiple
   * of the interval (and the state is at that height).
   */
  private snapshotOf(s: NodeState, last: Commit): StoredSnapshot | undefined {
    if (this.interval === 0 || last.height % this.interval !== 0 || s.chain.height !== last.height) return undefined
    const sha = this.opts.ctx.crypto.sha256
    const mine = <V>(m: ReadonlyMap<string, V>, who: (v: V) => Uint8Array) => [...m.entries()].filter(([, v]) => toHex(who(v)) === this.me)
    return {
      height: last.height,
      root: snapshotRoot(sha, s.chain),
      state: encodeSnapshot(s.chain),
      cert: last.cert,
      auditable: [...s.auditable.entries()],
      audits: mine(s.mempool.audits, (a) => a.auditor),
      scoreCommits: mine(s.mempool.scoreCommits, (c) => c.evaluator),
      scoreReveals: mine(s.mempool.scoreReveals, (r) => r.evaluator),
    }
  }

  /** NODE-STORE.3, NODE-WAL.3: store the blocks a step committed, the next height's carry, and prune. */
  private async persistCommits(prev: NodeState, outs: ReadonlyArray<NodeOutput>): Promise<void> {
    const commit = this.commitOf(prev, this.s, outs)
    if (commit === undefined) return
    await this.store.commit(commit.blocks, commit.carry, commit.snapshot)
    this.decided(commit.blocks)
  }

  /**
   * NODE-GUARD.2: release the outputs; an own vote or proposal is released only if the guard has no
   * record for its (height, round, kind) or the same signed bytes; a new one is recorded (synced)
   * before anything is returned. A conflicting one is dropped and counted, never released.
   */
  private async release(outs: ReadonlyArray<NodeOutput>): Promise<ReadonlyArray<NodeOutput>> {
    const [out, fresh] = this.screen(outs)
    await this.store.recordSigned(fresh)
    return out
  }

  /** NODE-GUARD.2: the outputs that may leave, and the new guard records to write before they do. */
  private screen(outs: ReadonlyArray<NodeOutput>): readonly [ReadonlyArray<NodeOutput>, ReadonlyArray<GuardRecord>] {
    const out: NodeOutput[] = []
    const fresh: GuardRecord[] = []
    for (const o of outs) {
      const r = ownSignature(this.me, o)
      if (r !== undefined) {
        const k = guardKey(r)
        const had = this.signed.get(k)
        if (had === undefined) {
          this.signed.set(k, r)
          fresh.push(r)
        } else if (!bytesEqual(had.signed, r.signed)) {
          this.refused++
          continue
        }
      }
      out.push(o)
    }
    return [out, fresh]
  }

  // -------------------------------------------------------------------------------------------
  // Recovery

  /**
   * NODE-RECOVER.1: rebuild the state from the store, then deliver `start`. The node starts (the core
   * takes blocks only once started), the committed blocks are replayed as certified sync responses
   * (NODE-SYNC.1), the last one with the carry of the next height in the buffer, then the WAL of the
   * height being decided goes through step again. ed25519 signing is deterministic, so the replay
   * re-derives the very votes and proposals the node signed before (NODE-RECOVER.3 restores a proposal
   * the replay would build from another mempool).
   */
  private async recover(): Promise<ReadonlyArray<NodeOutput>> {
    if (this.begun) return []
    const ctx = this.opts.ctx
    const committed = await this.store.committedHeight()
    const height = committed + 1
    for (const r of await this.store.guard(height)) this.signed.set(guardKey(r), r)
    const timers = new PendingTimers()
    const carry = await this.store.carry()
    const carried = carry !== undefined && carry.height === height ? carry.messages.map(decodeCarried) : []
    // NODE-RECOVER.7: the newest usable snapshot, else genesis
    const snap = await this.loadSnapshot(committed)
    let s = this.s
    let startOuts: ReadonlyArray<NodeOutput>
    if (snap === undefined) {
      ;[s, startOuts] = this.replayStep(s, { type: "start" })
    } else {
      const o = this.opts
      ;[s, startOuts] = resumeNode(o.ctx, o.genesis, o.keys, snap.at, snap.height === committed ? carried : [])
    }
    if (!s.started) {
      this.s = s
      return startOuts // LEDGER-GENESIS.4: the node cannot run this genesis
    }
    timers.note(startOuts)
    // NODE-RECOVER.2: committed blocks after the snapshot, in order
    for (let h = (snap?.height ?? 0) + 1; h <= committed; h++) {
      const rec = await this.store.block(h)
      if (rec === undefined) throw new StoreError({ code: "STORE_CORRUPT", detail: `block ${h} of ${committed} missing` })
      if (h === committed && carried.length > 0) s = { ...s, future: carried }
      const m: Message = { type: "sync-response", block: rec.block, commit: rec.cert }
      const [next, outs] = step(ctx, s, { type: "receive", from: -1, bytes: Codecs.Message.encode(m) })
      if (!outs.some((o) => o.type === "commit" && o.height === h)) {
        const why = outs.find((o) => o.type === "rejected")
        throw new StoreError({ code: "STORE_CORRUPT", detail: `block ${h} does not apply${why?.type === "rejected" ? `: ${why.error.message}` : ""}` })
      }
      s = next
      timers.note(outs)
    }
    // NODE-RECOVER.4: the log of the height being decided
    const inputs = await this.store.wal(height)
    this.seq = inputs.length
    this.s = s
    for (const input of inputs) {
      const prev = this.s
      const [next, outs] = this.replayStep(prev, input)
      this.s = next
      timers.consume(input)
      timers.note(outs)
      // the crash came between this input's log entry and its commit: store the commit now
      await this.persistCommits(prev, outs)
      for (const o of outs) {
        const r = ownSignature(this.me, o)
        const had = r === undefined ? undefined : this.signed.get(guardKey(r))
        // NODE-RECOVER.6: a replayed signature that differs from the record is never released; counted
        if (r !== undefined && had !== undefined && !bytesEqual(had.signed, r.signed)) this.refused++
      }
    }
    this.begun = true
    // NODE-RECOVER.5: a node that had done nothing yet acts on its start now; any other re-arms the
    // timers its replay left armed (its own signatures go out again at the next gossip tick, NODE-RETRANSMIT.1)
    if (committed === 0 && inputs.length === 0) return this.release(startOuts)
    return timers.of(this.s.cons.height)
  }

  /**
   * NODE-RECOVER.7: the newest stored snapshot at or below the committed height whose state decodes,
   * whose root is the stored root, whose height and last block hash are its certificate's, and that
   * carries what NODE-STATE.2 needs. A snapshot that fails is skipped (recorded with its code) and the
   * one before it tried; none: undefined (replay from genesis).
   */
  private async loadSnapshot(committed: number) {
    const skipped: Array<{ height: number; code: string; detail: string }> = []
    const sha = this.opts.ctx.crypto.sha256
    let found: { readonly height: number; readonly at: Parameters<typeof resumeNode>[3] } | undefined
    for (const h of await this.store.snapshotHeights()) {
      if (h > committed) continue
      try {
        const x = await this.store.snapshot(h)
        if (x === undefined) continue
        const chain = decodeSnapshot(x.state)
        if (Either.isLeft(chain)) throw new StoreError({ code: "STORE_CORRUPT", detail: `snapshot ${h}: ${chain.left.message}` })
        const c = chain.right
        const mismatch = (what: string) => new StoreError({ code: "STORE_SNAPSHOT_MISMATCH", detail: `snapshot ${h}: ${what}` })
        if (!bytesEqual(snapshotRoot(sha, c), x.root)) throw mismatch("state root")
        if (c.height !== h) throw mismatch("height")
        if (!bytesEqual(c.lastBlockHash, x.cert.blockHash)) throw mismatch("certificate")
        found = {
          height: h,
          at: {
            chain: c,
            lastCommit: x.cert,
            auditable: new Map(x.auditable),
            audits: new Map(x.audits),
            scoreCommits: new Map(x.scoreCommits),
            scoreReveals: new Map(x.scoreReveals),
          },
        }
        break
      } catch (e) {
        if (!(e instanceof StoreError) || (e.code !== "STORE_CORRUPT" && e.code !== "STORE_SNAPSHOT_MISMATCH")) throw e
        skipped.push({ height: h, code: e.code, detail: e.detail })
      }
    }
    this.recovered = { from: found?.height ?? 0, skipped }
    return found
  }

  /**
   * NODE-RECOVER.3: step an input during replay. If the step signs an own proposal for a (height,
   * round) the guard holds a different proposal for (the mempool a proposal is built from is not
   * stored), the recorded proposal is delivered first and the input stepped again: the core then
   * re-sends the proposal it holds (CONS-RULE.1, NODE-RECOVER.3) and the replay goes on as before the crash.
   */
  private replayStep(s: NodeState, input: NodeInput): readonly [NodeState, ReadonlyArray<NodeOutput>] {
    const ctx = this.opts.ctx
    const r = step(ctx, s, input)
    for (const o of r[1]) {
      const mine = ownSignature(this.me, o)
      if (mine === undefined || mine.kind !== "proposal") continue
      const had = this.signed.get(guardKey(mine))
      if (had === undefined || bytesEqual(had.signed, mine.signed)) continue
      const [held] = step(ctx, s, { type: "receive", from: -1, bytes: had.message })
      return step(ctx, held, input)
    }
    return r
  }
}

const decodeCarried = (bytes: Uint8Array): Message => {
  const m = Codecs.Message.decode(bytes)
  if (Either.isLeft(m)) throw new StoreError({ code: "STORE_CORRUPT", detail: `carry: ${m.left.message}` })
  return m.right
}

/** A NodeHost over a given store (tests: a MemoryStore; NODE-STORE.7). */
export const hostOn = (store: NodeStore, opts: Omit<HostOptions, "dbPath">): NodeHost => new Host(store, opts)

/** NODE-STORE.1: a NodeHost over the LevelStore at opts.dbPath (created when missing; NODE-STORE.4: refuses another genesis). */
export const openHost = async (opts: HostOptions): Promise<NodeHost> => {
  const store = await LevelStore.open(opts.dbPath, genesisHash(opts.ctx.crypto.sha256, opts.genesis))
  return hostOn(store, opts)
}
