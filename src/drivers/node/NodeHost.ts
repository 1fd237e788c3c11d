// spec: NODE-WAL.2, NODE-GUARD.1..4, NODE-RECOVER.1..6 (spec/20-node.md)
// The NodeHost of Host.ts over a NodeStore: the pure core (step) behind a write-ahead log, a store of
// committed blocks and the double-sign guard. Everything handle returns is safe to act on: the inputs
// that led to it are logged, its commits stored, and every own vote or proposal in it recorded by the
// guard, all durably, before the promise resolves.
import { Either } from "effect"
import { bytesEqual, toHex } from "../../codec/Bytes.ts"
import { Codecs } from "../../codec/index.ts"
import { reject } from "../../core/Errors.ts"
import { genesisHash } from "../../core/Genesis.ts"
import { type NodeInput, type NodeOutput, initNode, step } from "../../core/Node.ts"
import type { NodeState } from "../../core/NodeState.ts"
import type { Message } from "../../domain/Message.ts"
import type { CommittedBlock, HostOptions, NodeHost } from "./Host.ts"
import { type Carry, type GuardRecord, LevelStore, type NodeStore, StoreError } from "./Store.ts"

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

  constructor(
    private readonly store: NodeStore,
    private readonly opts: Omit<HostOptions, "dbPath">,
  ) {
    this.s = initNode(opts.ctx, opts.genesis, opts.keys)
    this.me = opts.keys.pubHex
  }

  readonly state = (): NodeState => this.s
  readonly refusedSignatures = (): number => this.refused

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
    const prev = this.s
    const [next, outs] = step(this.opts.ctx, prev, input)
    // NODE-WAL.2: an input that changed nothing (NODE-STEP.2) needs no log entry: replay without it is
    // the same. Any other is logged (synced) before anything of its step is stored or leaves.
    if (next !== prev) {
      await this.store.appendWal(prev.cons.height, this.seq, input)
      this.seq++
      this.s = next
      await this.persistCommits(prev, outs)
    }
    return this.release(outs)
  }

  /** NODE-STORE.3, NODE-WAL.3: store the blocks a step committed, the next height's carry, and prune. */
  private async persistCommits(prev: NodeState, outs: ReadonlyArray<NodeOutput>): Promise<void> {
    const commits = outs.filter((o): o is Commit => o.type === "commit")
    const last = commits[commits.length - 1]
    if (last === undefined) return
    // NODE-WAL.3: the messages buffered for the next height before this step are replayed by the
    // decision (NODE-BUFFER.1); they were logged under the height just decided, so they are carried
    const carry: Carry = { height: last.height + 1, messages: commits.length === 1 ? prev.future.map((m) => Codecs.Message.encode(m)) : [] }
    await this.store.commit(
      commits.map((c) => ({ block: c.block, cert: c.cert })),
      carry,
    )
    this.seq = 0
    for (const [k, r] of this.signed) if (r.height <= last.height) this.signed.delete(k)
  }

  /**
   * NODE-GUARD.2: release the outputs; an own vote or proposal is released only if the guard has no
   * record for its (height, round, kind) or the same signed bytes; a new one is recorded (synced)
   * before anything is returned. A conflicting one is dropped and counted, never released.
   */
  private async release(outs: ReadonlyArray<NodeOutput>): Promise<ReadonlyArray<NodeOutput>> {
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
    await this.store.recordSigned(fresh)
    return out
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
    let s = this.s
    const first = this.replayStep(s, { type: "start" })
    s = first[0]
    const startOuts = first[1]
    if (!s.started) {
      this.s = s
      return startOuts // LEDGER-GENESIS.4: the node cannot run this genesis
    }
    timers.note(startOuts)
    // NODE-RECOVER.2: committed blocks, in order
    for (let h = 1; h <= committed; h++) {
      const rec = await this.store.block(h)
      if (rec === undefined) throw new StoreError({ code: "STORE_CORRUPT", detail: `block ${h} of ${committed} missing` })
      if (h === committed) {
        const carry = await this.store.carry()
        if (carry !== undefined && carry.height === height) s = { ...s, future: carry.messages.map(decodeCarried) }
      }
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
