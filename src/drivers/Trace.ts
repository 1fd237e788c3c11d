// Consensus event traces of a simulated network, for trace validation against the TLA+ model
// (models/PoAITrace.tla checks that a trace is a behaviour of models/PoAIConsensus.tla; the technique
// CCF uses for its Raft). `poai run --trace FILE` and `npm run models` write them.
//
// Format: NDJSON, one event per line, in the order the simulator ran the steps (a causal order).
// Only honest nodes' steps are traced; what Byzantine validators signed enters the trace when an
// honest node first accepts it (byz-* events). Every line has `t` (virtual ms), `event`, `node` and
// `height`; the other fields depend on the event:
//
//   event          node                  fields                          meaning
//   height         first node to get     power[], byzantine[]            height starts: voting power per
//                  there                                                 node index (0: not a validator)
//   round          the node              round, proposer                 StartRound(round) (CONS-RULE.1;
//                                                                        round 0 at start/after a
//                                                                        commit); proposer: the beacon's
//                                                                        pick for the round (CONS-PROPOSER.1)
//   propose        the proposer          round, value, validRound        it signed a proposal
//   prevote        the node              round, value                    it signed a prevote
//   precommit      the node              round, value                    it signed a precommit (a value: it
//                                                                        also locked, CONS-RULE.5)
//   valid          the node              round, value                    validValue/validRound set without
//                                                                        a precommit (CONS-RULE.5 at step
//                                                                        precommit)
//   decide         the node              round, value                    it committed `value` with a
//                                                                        certificate of `round` (CONS-RULE.8,
//                                                                        NODE-SYNC.1)
//   validity       the node              value, ok                       first verdict of CONS-VALID.1 on
//                                                                        a block at this height
//   byz-proposal   the honest receiver   src, round, value, validRound   a Byzantine proposer's proposal
//   byz-prevote    the honest receiver   src, round, value               a Byzantine validator's prevote
//   byz-precommit  the honest receiver   src, round, value               a Byzantine validator's precommit
//                                                                        (also from a sync certificate)
//
// `value` is the first 8 hex digits of a block hash, or "nil" for a vote for nil. Retransmissions,
// relayed votes and duplicates are not repeated: each signed message appears once.
import { Either } from "effect"
import { toHex } from "../codec/Bytes.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import { Codecs } from "../codec/index.ts"
import { proposerFor } from "../core/LeaderElection.ts"
import type { NodeInput, NodeOutput } from "../core/Node.ts"
import type { NodeState } from "../core/NodeState.ts"
import type { ChainState } from "../core/ChainState.ts"
import { powerTable } from "../core/Votes.ts"
import { nodeCryptoService } from "../crypto/NodeCrypto.ts"

export type TraceEventKind =
  | "height"
  | "round"
  | "propose"
  | "prevote"
  | "precommit"
  | "valid"
  | "decide"
  | "validity"
  | "byz-proposal"
  | "byz-prevote"
  | "byz-precommit"

export interface TraceEvent {
  readonly t: number
  readonly event: TraceEventKind
  readonly node: number
  readonly height: number
  readonly round?: number
  readonly value?: string
  readonly validRound?: number
  readonly src?: number
  readonly proposer?: number
  readonly ok?: boolean
  readonly power?: ReadonlyArray<number>
  readonly byzantine?: ReadonlyArray<number>
}

/** What the simulator's `onStep` hook hands over (SimConfig.onStep). */
export interface TraceStep {
  readonly t: number
  readonly node: number
  readonly input: NodeInput
  readonly outputs: ReadonlyArray<NodeOutput>
  readonly state: NodeState
}

export interface TracerOptions {
  /** Indices of the Byzantine nodes (InProcessNetwork.byzantineIndices). Their steps are not traced. */
  readonly byzantine: Iterable<number>
  /** SHA-256 for the proposer draw; any implementation gives the same result. */
  readonly sha256?: Sha256
}

export const NIL = "nil"
/** The trace name of a block hash: its first 8 hex digits. */
export const hash8 = (h: Uint8Array | string): string => (typeof h === "string" ? h : toHex(h)).slice(0, 8)
const valueOf = (h: Uint8Array | null): string => (h === null ? NIL : hash8(h))

/**
 * A tracer: feed it every step of the simulator (in order); it returns the consensus events of that
 * step. It keeps the little state it needs (previous node states, what was already reported).
 */
export const makeTracer = (opts: TracerOptions): ((step: TraceStep) => ReadonlyArray<TraceEvent>) => {
  const byz = new Set(opts.byzantine)
  const sha = opts.sha256 ?? nodeCryptoService.sha256
  const prev = new Map<number, NodeState>()
  const seen = new Set<string>()
  const once = (key: string): boolean => (seen.has(key) ? false : (seen.add(key), true))
  let indexOf: Map<string, number> | undefined
  /** The validRound each node's events have implied so far: `${height}:${validRound}`. */
  const impliedValid = new Map<number, { height: number; validRound: number }>()

  const nodeIndex = (s: NodeState, key: Uint8Array): number => {
    if (indexOf === undefined) indexOf = new Map(s.genesis.validators.map((v, i) => [toHex(v.pubKey), i]))
    return indexOf.get(toHex(key)) ?? -1
  }

  const heightEvent = (t: number, node: number, s: NodeState, chain: ChainState): TraceEvent => {
    const table = powerTable(chain)
    return {
      t,
      event: "height",
      node,
      height: chain.height + 1,
      power: s.genesis.validators.map((v) => table.power.get(toHex(v.pubKey)) ?? 0),
      byzantine: [...byz].sort((a, b) => a - b),
    }
  }

  return (step) => {
    const { t, node, input, outputs, state } = step
    if (byz.has(node)) return []
    const before = prev.get(node)
    prev.set(node, state)
    const rejected = outputs[0]?.type === "rejected"
    const out: TraceEvent[] = []

    // What this step accepted from Byzantine signers.
    if (input.type === "receive" && !rejected) {
      const m = Codecs.Message.decode(input.bytes)
      if (Either.isRight(m)) {
        const msg = m.right
        if (msg.type === "proposal") {
          const p = msg.proposal
          const src = nodeIndex(state, p.proposer)
          const value = hash8(p.blockHash)
          if (byz.has(src) && once(`P/${src}/${p.height}/${p.round}/${value}/${p.validRound}`))
            out.push({ t, event: "byz-proposal", node, height: p.height, src, round: p.round, value, validRound: p.validRound })
        } else if (msg.type === "vote") {
          const v = msg.vote
          const src = nodeIndex(state, v.validator)
          const value = valueOf(v.blockHash)
          if (byz.has(src) && once(`V/${v.type}/${src}/${v.height}/${v.round}/${value}`))
            out.push({ t, event: v.type === "prevote" ? "byz-prevote" : "byz-precommit", node, height: v.height, src, round: v.round, value })
        } else if (msg.type === "sync-response") {
          const c = msg.commit
          const value = hash8(c.blockHash)
          for (const sig of c.signatures) {
            const src = nodeIndex(state, sig.validator)
            if (byz.has(src) && once(`V/precommit/${src}/${c.height}/${c.round}/${value}`))
              out.push({ t, event: "byz-precommit", node, height: c.height, src, round: c.round, value })
          }
        }
      }
    }

    // The node's own consensus events, in the order it produced them.
    const chainFor = (h: number): ChainState | undefined =>
      state.chain.height + 1 === h ? state.chain : before !== undefined && before.chain.height + 1 === h ? before.chain : undefined
    const own: TraceEvent[] = []
    // StartRound (CONS-RULE.1) broadcasts the proposal before it arms timeout(propose): the round
    // event goes first, whichever output shows it.
    const enterRound = (height: number, round: number): void => {
      const chain = chainFor(height)
      if (chain !== undefined && once(`H/${height}`)) own.push(heightEvent(t, node, state, chain))
      if (!once(`R/${node}/${height}/${round}`)) return
      const proposer = chain === undefined ? -1 : nodeIndex(state, proposerFor(sha, chain, round).pubKey)
      own.push({ t, event: "round", node, height, round, proposer })
      if (round === 0) impliedValid.set(node, { height, validRound: -1 })
    }
    for (const o of outputs) {
      if (o.type === "timer" && o.kind === "propose") {
        enterRound(o.height, o.round)
      } else if (o.type === "broadcast" && o.message.type === "proposal") {
        const p = o.message.proposal
        if (nodeIndex(state, p.proposer) !== node || !once(`P/${node}/${p.height}/${p.round}`)) continue
        enterRound(p.height, p.round)
        own.push({ t, event: "propose", node, height: p.height, round: p.round, value: hash8(p.blockHash), validRound: p.validRound })
      } else if (o.type === "broadcast" && o.message.type === "vote") {
        const v = o.message.vote
        if (nodeIndex(state, v.validator) !== node || !once(`V/${v.type}/${node}/${v.height}/${v.round}`)) continue
        own.push({ t, event: v.type, node, height: v.height, round: v.round, value: valueOf(v.blockHash) })
        if (v.type === "precommit" && v.blockHash !== null) impliedValid.set(node, { height: v.height, validRound: v.round })
      } else if (o.type === "commit") {
        own.push({ t, event: "decide", node, height: o.height, round: o.round, value: hash8(o.blockHash) })
      }
    }

    // CONS-RULE.5 at step precommit changes validValue/validRound and sends nothing: report it, placed
    // after this step's events of that round and before any of a later round.
    const c = state.cons
    const implied = impliedValid.get(node)
    if (c.validValue !== null && (implied === undefined || implied.height !== c.height || implied.validRound !== c.validRound)) {
      const ev: TraceEvent = { t, event: "valid", node, height: c.height, round: c.validRound, value: hash8(c.validValue.blockHash) }
      const at = own.findIndex((e) => e.height > c.height || (e.height === c.height && (e.round ?? 0) > c.validRound))
      if (at < 0) own.push(ev)
      else own.splice(at, 0, ev)
      impliedValid.set(node, { height: c.height, validRound: c.validRound })
    }
    out.push(...own)

    // First verdicts of block validation at this height (CONS-VALID.1).
    for (const [hash, v] of c.validity) {
      const value = hash8(hash)
      if (once(`VAL/${c.height}/${value}`)) out.push({ t, event: "validity", node, height: c.height, value, ok: v.ok })
    }
    return out
  }
}

/** The trace as NDJSON lines: call the returned function from SimConfig.onStep; `write` gets whole lines. */
export const traceWriter = (opts: TracerOptions & { readonly write: (line: string) => void }): ((step: TraceStep) => void) => {
  const tracer = makeTracer(opts)
  return (step) => {
    for (const e of tracer(step)) opts.write(`${JSON.stringify(e)}\n`)
  }
}
