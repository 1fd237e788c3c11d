// spec: SIM-TRACE.1..4 (spec/08-simulation.md), ASSURE.3 (spec/10-assurance.md)
// Consensus event traces of a simulated network, for trace validation against the TLA+ model
// (models/PoAITrace.tla checks that a trace is a behaviour of models/PoAIConsensus.tla in which every
// action of a node is justified by the messages that node had received; the technique CCF uses for its
// Raft). `poai run --trace FILE` and `npm run models` write them.
//
// Format: NDJSON, one event per line, in the order the simulator ran the steps (a causal order). Only
// honest nodes' steps are traced (a node mutant made with SimConfig.ignoreLock is traced as honest:
// that is the point). Every line has `t` (virtual ms), `event`, `node` and `height`; the other fields
// depend on the event. Within one step the lines are: the input (`timeout` or `recv`), then the node's
// own events and `send`s in the order the core produced them, then `valid`, `validity`, and `state`.
//
//   event       fields                                  meaning
//   height      power[], byzantine[]                    height starts (first node to get there): voting
//                                                       power per node index (0: not a validator)
//   timeout     kind, round                             a timer fired (CONS-TIMEOUT.1..3, CONS-COMMITWAIT.1;
//                                                       kind propose|prevote|precommit|commit). Also stale
//                                                       ones: the trace spec decides whether it is a no-op
//   recv        from, msg, src, round, value,           the node accepted a consensus message from the
//               validRound, signers[]                   link `from` (msg proposal|prevote|precommit, signed
//                                                       by `src`; msg cert: a sync response's commit
//                                                       certificate, precommits by `signers`). Rejected
//                                                       inputs (duplicates, bad signatures, wrong height)
//                                                       change nothing (NODE-STEP.2) and are not logged;
//                                                       nor is a second proposal for a round, which the
//                                                       core keeps only as evidence
//   send        to, msg, src, round, value,             the node put a consensus message on the link to
//               validRound, signers[]                   `to` (-1: every peer): its own, a relayed polka
//                                                       (CONS-RULE.3 gossip), a certificate (NODE-SYNC.1).
//                                                       Every send is logged, retransmissions included
//   round       round, proposer, cause                  StartRound(round) (CONS-RULE.1); proposer: the
//                                                       beacon's pick for the round (CONS-PROPOSER.1)
//   propose     round, value, validRound                it signed a proposal
//   prevote     round, value, cause                     it signed a prevote (every distinct one: a second,
//                                                       conflicting vote of an honest node is kept)
//   precommit   round, value, cause                     it signed a precommit (a value: it also locked)
//   valid       round, value                            validValue/validRound set without a precommit
//                                                       (CONS-RULE.5 at step precommit)
//   decide      round, value                            it committed `value` with a certificate of `round`
//                                                       (CONS-RULE.8, NODE-SYNC.1)
//   validity    value, ok                               first verdict of CONS-VALID.1 on a block at this height
//   state       round, step, lockedValue, lockedRound,  the node's consensus state after the step (when it
//               validValue, validRound                  changed, or the step logged anything); height is
//                                                       the height it is deciding
//
// `value` is the first 8 hex digits of a block hash, "nil" for a vote for nil, "none" for no
// lockedValue/validValue. `cause` is "timeout" for the one event a timeout input caused directly (the
// prevote or precommit for nil of CONS-TIMEOUT.1/2, the next round of CONS-TIMEOUT.3, round 0 after the
// commit wait), else "rule" (an upon-rule fired by what the node holds).
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
import type { Message } from "../domain/Message.ts"

export const TRACE_EVENT_KINDS = [
  "height",
  "timeout",
  "recv",
  "send",
  "round",
  "propose",
  "prevote",
  "precommit",
  "valid",
  "decide",
  "validity",
  "state",
] as const
export type TraceEventKind = (typeof TRACE_EVENT_KINDS)[number]

/** What a `recv` or `send` line carries. */
export type TraceMsgKind = "proposal" | "prevote" | "precommit" | "cert"

export interface TraceEvent {
  readonly t: number
  readonly event: TraceEventKind
  readonly node: number
  readonly height: number
  readonly round?: number
  readonly value?: string
  readonly validRound?: number
  readonly proposer?: number
  readonly ok?: boolean
  readonly power?: ReadonlyArray<number>
  readonly byzantine?: ReadonlyArray<number>
  readonly kind?: string
  readonly cause?: "timeout" | "rule"
  readonly msg?: TraceMsgKind
  readonly src?: number
  readonly from?: number
  readonly to?: number
  readonly signers?: ReadonlyArray<number>
  readonly step?: string
  readonly lockedValue?: string
  readonly lockedRound?: number
  readonly validValue?: string
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
export const NONE = "none"
/** The trace name of a block hash: its first 8 hex digits. */
export const hash8 = (h: Uint8Array | string): string => (typeof h === "string" ? h : toHex(h)).slice(0, 8)
const valueOf = (h: Uint8Array | null): string => (h === null ? NIL : hash8(h))

const CONSENSUS_TIMEOUTS = new Set(["propose", "prevote", "precommit", "commit"])

/** The consensus part of a message as trace fields (undefined: not a consensus message). */
const messageFields = (
  m: Message,
  index: (key: Uint8Array) => number,
): (Pick<TraceEvent, "msg" | "src" | "round" | "value" | "validRound" | "signers"> & { height: number }) | undefined => {
  if (m.type === "proposal") {
    const p = m.proposal
    return { height: p.height, msg: "proposal", src: index(p.proposer), round: p.round, value: hash8(p.blockHash), validRound: p.validRound, signers: [] }
  }
  if (m.type === "vote") {
    const v = m.vote
    return { height: v.height, msg: v.type, src: index(v.validator), round: v.round, value: valueOf(v.blockHash), validRound: -1, signers: [] }
  }
  if (m.type === "sync-response") {
    const c = m.commit
    const signers = c.signatures.map((s) => index(s.validator)).sort((a, b) => a - b)
    return { height: c.height, msg: "cert", src: -1, round: c.round, value: hash8(c.blockHash), validRound: -1, signers }
  }
  return undefined
}

interface StateTuple {
  readonly height: number
  readonly round: number
  readonly step: string
  readonly lockedValue: string
  readonly lockedRound: number
  readonly validValue: string
  readonly validRound: number
}

const stateTuple = (s: NodeState): StateTuple => ({
  height: s.cons.height,
  round: s.cons.round,
  step: s.cons.step,
  lockedValue: s.cons.lockedValue === null ? NONE : hash8(s.cons.lockedValue.blockHash),
  lockedRound: s.cons.lockedRound,
  validValue: s.cons.validValue === null ? NONE : hash8(s.cons.validValue.blockHash),
  validRound: s.cons.validRound,
})

const sameTuple = (a: StateTuple | undefined, b: StateTuple): boolean =>
  a !== undefined &&
  a.height === b.height &&
  a.round === b.round &&
  a.step === b.step &&
  a.lockedValue === b.lockedValue &&
  a.lockedRound === b.lockedRound &&
  a.validValue === b.validValue &&
  a.validRound === b.validRound

/**
 * A tracer: feed it every step of the simulator (in order); it returns the consensus events of that
 * step. It keeps the little state it needs (previous node states, what was already reported).
 */
export const makeTracer = (opts: TracerOptions): ((step: TraceStep) => ReadonlyArray<TraceEvent>) => {
  const byz = new Set(opts.byzantine)
  const sha = opts.sha256 ?? nodeCryptoService.sha256
  const prev = new Map<number, NodeState>()
  const lastState = new Map<number, StateTuple>()
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
    const index = (k: Uint8Array) => nodeIndex(state, k)
    const out: TraceEvent[] = []

    // The input: a consensus timeout, or an accepted consensus message.
    const timeoutInput = input.type === "timeout" && CONSENSUS_TIMEOUTS.has(input.kind)
    if (input.type === "timeout" && timeoutInput) {
      out.push({ t, event: "timeout", node, height: input.height, kind: input.kind, round: input.round })
    } else if (input.type === "receive" && !rejected) {
      const m = Codecs.Message.decode(input.bytes)
      const f = Either.isRight(m) ? messageFields(m.right, index) : undefined
      if (f !== undefined) {
        const p = Either.isRight(m) && m.right.type === "proposal" ? m.right.proposal : undefined
        const kept = before?.cons.proposals.get(p?.round ?? -1)
        // a second proposal for a round only becomes evidence: the core keeps acting on the first
        const evidenceOnly = p !== undefined && before?.cons.height === p.height && kept !== undefined && kept.blockHash !== toHex(p.blockHash)
        if (!evidenceOnly) out.push({ t, event: "recv", node, from: input.from, ...f })
      }
    }

    // The node's own events and sends, in the order it produced them.
    const chainFor = (h: number): ChainState | undefined =>
      state.chain.height + 1 === h ? state.chain : before !== undefined && before.chain.height + 1 === h ? before.chain : undefined
    const own: TraceEvent[] = []
    let cause: "timeout" | "rule" = timeoutInput ? "timeout" : "rule"
    const nextCause = (): "timeout" | "rule" => {
      const c = cause
      cause = "rule"
      return c
    }
    // StartRound (CONS-RULE.1) broadcasts the proposal before it arms timeout(propose): the round
    // event goes first, whichever output shows it.
    const enterRound = (height: number, round: number): void => {
      const chain = chainFor(height)
      if (chain !== undefined && once(`H/${height}`)) own.push(heightEvent(t, node, state, chain))
      if (!once(`R/${node}/${height}/${round}`)) return
      const pk = chain === undefined ? undefined : proposerFor(sha, chain, round)?.pubKey
      const proposer = pk === undefined ? -1 : nodeIndex(state, pk)
      own.push({ t, event: "round", node, height, round, proposer, cause: nextCause() })
      if (round === 0) impliedValid.set(node, { height, validRound: -1 })
    }
    const send = (to: number, m: Message): void => {
      const f = messageFields(m, index)
      if (f !== undefined) own.push({ t, event: "send", node, to, ...f })
    }
    for (const o of outputs) {
      if (o.type === "timer" && o.kind === "propose") {
        enterRound(o.height, o.round)
      } else if (o.type === "broadcast" && o.message.type === "proposal") {
        const p = o.message.proposal
        if (nodeIndex(state, p.proposer) === node && once(`P/${node}/${p.height}/${p.round}/${hash8(p.blockHash)}/${p.validRound}`)) {
          enterRound(p.height, p.round)
          own.push({ t, event: "propose", node, height: p.height, round: p.round, value: hash8(p.blockHash), validRound: p.validRound })
        }
        send(-1, o.message)
      } else if (o.type === "broadcast" && o.message.type === "vote") {
        const v = o.message.vote
        const value = valueOf(v.blockHash)
        if (nodeIndex(state, v.validator) === node && once(`V/${v.type}/${node}/${v.height}/${v.round}/${value}`)) {
          own.push({ t, event: v.type, node, height: v.height, round: v.round, value, cause: nextCause() })
          if (v.type === "precommit" && v.blockHash !== null) impliedValid.set(node, { height: v.height, validRound: v.round })
        }
        send(-1, o.message)
      } else if (o.type === "send" && o.message.type === "sync-response") {
        send(o.to, o.message)
      } else if (o.type === "commit") {
        own.push({ t, event: "decide", node, height: o.height, round: o.round, value: hash8(o.blockHash) })
      }
    }

    // CONS-RULE.5 at step precommit changes validValue/validRound and sends nothing: report it, placed
    // after this step's events of that round and before any of a later round or height.
    const c = state.cons
    const implied = impliedValid.get(node)
    if (c.validValue !== null && (implied === undefined || implied.height !== c.height || implied.validRound !== c.validRound)) {
      const ev: TraceEvent = { t, event: "valid", node, height: c.height, round: c.validRound, value: hash8(c.validValue.blockHash) }
      const at = own.findIndex(
        (e) => e.event !== "send" && (e.height > c.height || (e.height === c.height && e.event !== "height" && (e.round ?? 0) > c.validRound)),
      )
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

    // The node's consensus state after the step.
    const tuple = stateTuple(state)
    if (out.some((e) => e.event !== "validity" && e.event !== "height") || !sameTuple(lastState.get(node), tuple)) {
      lastState.set(node, tuple)
      out.push({ t, event: "state", node, ...tuple })
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
