// spec: NODE-STEP.1..5, NODE-STATE.2, CONS-RULE.1..9, CONS-TIMEOUT.1..4, CONS-COMMITWAIT.1, CONS-HALT.1 (spec/03-consensus.md)
// A PoAI node as a pure state machine: step(ctx, state, input) -> [state, outputs]. The consensus
// rules are those of Tendermint (Buchman, Kwon, Milosevic 2018, Algorithm 1) with stake-weighted
// thresholds; the proposer function is PoAI's quality-weighted leader election.
// The core never reads a clock, never draws randomness, never does I/O and never throws on input:
// a rejected input returns the same state object and a `rejected` output.
import { Either } from "effect"
import { bytesEqual, compareBytes, concatBytes, toHex, utf8 } from "../codec/Bytes.ts"
import { DecodeError } from "../codec/Codec.ts"
import { Hashes, type Sha256, SigningBytes, encodedBlock, encodedCertificate } from "../codec/Hashing.ts"
import { Codecs, signedItemOf } from "../codec/index.ts"
import type { Block } from "../domain/Block.ts"
import type { CommitCertificate, Evidence, ProposalHeader, Vote, VoteType } from "../domain/Consensus.ts"
import type { Message } from "../domain/Message.ts"
import type { Transfer } from "../domain/Transaction.ts"
import type { AuditReport, WorkClaim, WorkCommitment, WorkReveal } from "../domain/Work.ts"
import { idsOf, scoreCommitSigningBytes, scoreRevealSigningBytes, sealScoreCommitment, sealScoreReveal } from "../quality/Scoring.ts"
import { auditSeed } from "../verification/Audit.ts"
import type { ScoreCommitment, ScoreReveal } from "../domain/Scoring.ts"
import { checkAuditStateful, checkAuditStateless } from "./Audits.ts"
import { buildBlock, makeBeacon, validateBlock } from "./BlockExecution.ts"
import { type ChainState, type ClaimRecord, type Hex, type OpenRound, genesisState, stateRoot } from "./ChainState.ts"
import type { CoreContext } from "./Context.ts"
import { ProtocolError, reject } from "./Errors.ts"
import { DerivedCache, PersistentMap } from "./PersistentMap.ts"
import { itemMemo } from "./ItemMemo.ts"
import { checkEvidence, evidenceKey, makeProposalEvidence, makeVoteEvidence } from "./Evidence.ts"
import { type Genesis, genesisMismatch } from "./Genesis.ts"
import { proposerFor } from "./LeaderElection.ts"
import { checkScoreCommit, checkScoreReveal, scoreCommitOk, scoreRevealOk } from "./QualityRounds.ts"
import { checkTransferStateless } from "./Ledger.ts"
import { type BlockRef, type ConsensusState, ITEM_BACKOFF_MAX_TICKS, MAX_OWN_PENDING_COMMITMENTS, MAX_VALUES_PER_SLOT, type Mempool, type NodeKeys, type NodeState, type Step, type Validity, type VoteBook } from "./NodeState.ts"
import { powerTable, signVote, thresholds, verifyCertificate, verifyProposal, verifyVote } from "./Votes.ts"
import { checkCommitmentStateless, checkRevealStateless, commitmentKey, compareCommitmentKeys } from "./WorkClaims.ts"

/** Consensus timeouts (CONS-TIMEOUT.*), the commit wait (CONS-COMMITWAIT.1) and the gossip tick (NODE-RETRANSMIT.1). */
export type TimeoutKind = "propose" | "prevote" | "precommit" | "commit" | "gossip"

export type NodeInput =
  | { readonly type: "start" }
  | { readonly type: "receive"; readonly from: number; readonly bytes: Uint8Array }
  | { readonly type: "timeout"; readonly kind: TimeoutKind; readonly height: number; readonly round: number }
  /** A transfer submitted by a client to this node; the node gossips it. */
  | { readonly type: "client-tx"; readonly bytes: Uint8Array }
  /** Work this node (as a worker) has computed; the node commits to it, then reveals (WORK-CR.8). */
  | { readonly type: "work"; readonly claim: WorkClaim }

export type NodeOutput =
  /**
   * To every peer. NODE-ROUTE.1: `only`, when present, names the validators (public keys, lowercase hex)
   * that need the message; a driver that can address them sends it to them alone, any other driver
   * broadcasts it (correct, at the cost of the traffic the hint saves). NODE-ROUTE.2/3: `resend` marks a
   * re-send or forward to newly routed proposers, which a broadcasting driver drops (its first broadcast reached
   * every peer already).
   */
  | {
      readonly type: "broadcast"
      readonly message: Message
      readonly bytes: Uint8Array
      readonly only?: ReadonlyArray<Hex>
      readonly resend?: true
    }
  | { readonly type: "send"; readonly to: number; readonly message: Message; readonly bytes: Uint8Array }
  | { readonly type: "timer"; readonly kind: TimeoutKind; readonly height: number; readonly round: number; readonly delayMs: number }
  | {
      readonly type: "commit"
      readonly height: number
      readonly round: number
      readonly blockHash: Hex
      readonly block: Block
      readonly cert: CommitCertificate
      readonly stateRoot: Hex
    }
  | { readonly type: "evidence"; readonly evidence: Evidence }
  | { readonly type: "rejected"; readonly error: ProtocolError | DecodeError }
  /** CONS-HALT.1: the voting set of the height being decided has no power; emitted once, by the decision that led there. */
  | { readonly type: "halted"; readonly height: number; readonly error: ProtocolError }

/** Mutable working copy of a NodeState used inside one step. Inherited maps are never mutated. */
type MutCons = { -readonly [K in keyof ConsensusState]: ConsensusState[K] }
type W = { -readonly [K in Exclude<keyof NodeState, "cons">]: NodeState[K] } & { cons: MutCons }

interface Run {
  readonly ctx: CoreContext
  w: W
  readonly out: Array<NodeOutput>
}

/**
 * A copy of a map (a native Map with the same entries in the same order). `forEach` into a new Map: the
 * Map constructor iterates with one entry array per entry, twice the cost on the small maps a step
 * copies (vote books, tallies: 176 against 92 ns for two entries, issue 12).
 */
const copyMap = <K, V>(m: ReadonlyMap<K, V>): Map<K, V> => {
  if (m instanceof PersistentMap) return m.toMap()
  const out = new Map<K, V>()
  m.forEach((v, k) => out.set(k, v))
  return out
}
const setIn = <K, V>(m: ReadonlyMap<K, V>, k: K, v: V): Map<K, V> => copyMap(m).set(k, v)
/** NODE-MEMPOOL.4: a mempool map with one more entry, without copying the whole map. */
const poolSet = <K, V>(m: ReadonlyMap<K, V>, k: K, v: V): PersistentMap<K, V> => PersistentMap.of(m).set(k, v)

// ---------------------------------------------------------------------------------------------
// Construction

export const makeKeys = (ctx: CoreContext, secretKey: Uint8Array, blsSecret: Uint8Array): NodeKeys => {
  const pubKey = ctx.crypto.ed25519.publicKey(secretKey)
  return { secretKey, pubKey, pubHex: toHex(pubKey), blsSecret }
}

/** The consensus state of a height before its round 0: step newHeight (the commit wait, CONS-COMMITWAIT.1). */
const freshConsensus = (chain: ChainState): ConsensusState => ({
  height: chain.height + 1,
  round: 0,
  step: "newHeight",
  lockedValue: null,
  lockedRound: -1,
  validValue: null,
  validRound: -1,
  proposals: new Map(),
  prevotes: new Map(),
  precommits: new Map(),
  roundHints: new Map(),
  once: new Set(),
  validity: new Map(),
  table: powerTable(chain),
})

const emptyMempool: Mempool = {
  txs: new Map(),
  commitments: new Map(),
  reveals: new Map(),
  evidence: new Map(),
  audits: new Map(),
  scoreCommits: new Map(),
  scoreReveals: new Map(),
}

/** NODE-STATE.1: the state of a node at genesis, before `start`. */
export const initNode = (ctx: CoreContext, genesis: Genesis, keys: NodeKeys): NodeState => {
  const chain = genesisState(ctx.crypto.sha256, genesis)
  return {
    keys,
    genesis,
    started: false,
    chain,
    cons: freshConsensus(chain),
    mempool: emptyMempool,
    future: [],
    blocks: new Map(),
    lastCommit: null,
    work: new Map(),
    beacon: null,
    evidenceSeen: new Set(),
    syncRequested: -1,
    aheadPeer: -1,
    gossipQuiet: 0,
    itemAges: new Map(),
    gossipMark: "",
    clientTxs: new Map(),
    auditable: NO_CLAIMS,
  }
}
/** NODE-AUDIT.1: every fresh node starts from this one (empty, never written) map, so that nodes deciding the same blocks share their `auditable` maps (nextAuditable). */
const NO_CLAIMS: ReadonlyMap<Hex, WorkClaim> = new Map()

/**
 * NODE-STATE.2: what a node restored at a committed state needs besides its chain: the certificate of
 * chain.height, the claims it keeps for audit and scoring (NODE-AUDIT.1), and its own audit reports and
 * score items pooled by the duties of earlier decisions (NODE-AUDIT.1, NODE-SCORE.1), by their pool keys.
 */
export interface ResumePoint {
  readonly chain: ChainState
  readonly lastCommit: CommitCertificate
  readonly auditable: ReadonlyMap<Hex, WorkClaim>
  readonly audits: ReadonlyMap<Hex, AuditReport>
  readonly scoreCommits: ReadonlyMap<Hex, ScoreCommitment>
  readonly scoreReveals: ReadonlyMap<Hex, ScoreReveal>
}

/**
 * NODE-STATE.2: a started node at a committed state, exactly as the decision of chain.height leaves it
 * (NODE-COMMIT.1, CONS-COMMITWAIT.1): fresh consensus for chain.height + 1 in its commit wait, the given
 * certificate as lastCommit, no committed blocks in memory, a mempool holding only the given own items,
 * no buffered message, no own work, no sync hint; then the messages `buffered` for chain.height + 1 are
 * delivered as the decision delivers them (from -1), and the rules run. Returns the state and the
 * outputs of that decision's tail: the commit-wait and gossip timers (or `halted`), and whatever the
 * buffered messages caused. A genesis this node cannot run (LEDGER-GENESIS.4) yields the unstarted
 * genesis node and a rejection, as `start` does.
 */
export const resumeNode = (
  ctx: CoreContext,
  genesis: Genesis,
  keys: NodeKeys,
  at: ResumePoint,
  buffered: ReadonlyArray<Message>,
): readonly [NodeState, ReadonlyArray<NodeOutput>] => {
  const bad = genesisMismatch(ctx, genesis)
  if (bad !== undefined) return [initNode(ctx, genesis, keys), [{ type: "rejected", error: reject("GENESIS_MISMATCH", bad) }]]
  const base = initNode(ctx, genesis, keys)
  const chain = at.chain
  const w: W = {
    ...base,
    started: true,
    chain,
    cons: { ...freshConsensus(chain) },
    mempool: { ...emptyMempool, audits: new Map(at.audits), scoreCommits: new Map(at.scoreCommits), scoreReveals: new Map(at.scoreReveals) },
    lastCommit: at.lastCommit,
    auditable: new Map(at.auditable),
  }
  const run: Run = { ctx, w, out: [] }
  // as decide (CONS-COMMITWAIT.1, CONS-HALT.1)
  if (w.cons.table.total === 0n) run.out.push({ type: "halted", height: w.cons.height, error: reject("CHAIN_HALTED", `height ${w.cons.height}`) })
  else schedule(run, "commit", 0)
  schedule(run, "gossip", 0)
  for (const m of buffered) onMessage(run, m, -1)
  progress(run)
  return [run.w, run.out]
}

// ---------------------------------------------------------------------------------------------
// step

/**
 * NODE-STEP.1: the transition function. Deterministic; never throws on any input; a rejected input
 * yields the identical state object (NODE-STEP.2).
 */
export const step = (ctx: CoreContext, state: NodeState, input: NodeInput): readonly [NodeState, ReadonlyArray<NodeOutput>] => {
  const run: Run = { ctx, w: copyState(state), out: [] }
  let err: ProtocolError | DecodeError | undefined
  switch (input.type) {
    case "start": {
      if (state.started) return [state, []]
      // LEDGER-GENESIS.4: a node never starts on a genesis it cannot run
      const bad = genesisMismatch(ctx, state.genesis)
      if (bad !== undefined) return [state, [{ type: "rejected", error: reject("GENESIS_MISMATCH", bad) }]]
      run.w.started = true
      startRound(run, 0)
      schedule(run, "gossip", 0)
      break
    }
    case "receive": {
      // NODE-STEP.6: the context's decoder, when given, is Codecs.Message.decode memoized
      const m = (ctx.decodeMessage ?? Codecs.Message.decode)(input.bytes)
      if (Either.isLeft(m)) return [state, [{ type: "rejected", error: m.left }]]
      if (!state.started) return [state, [{ type: "rejected", error: reject("MSG_UNEXPECTED", "node not started") }]]
      err = onMessage(run, m.right, input.from)
      break
    }
    case "client-tx": {
      const t = Codecs.Transfer.decode(input.bytes)
      if (Either.isLeft(t)) return [state, [{ type: "rejected", error: t.left }]]
      err = onTx(run, t.right, true)
      // NODE-RETRANSMIT.10: age 0 (gossip ticks since submission)
      if (err === undefined) run.w.clientTxs = new Map(run.w.clientTxs).set(toHex(Hashes.txId(ctx.crypto.sha256, t.right)), 0)
      break
    }
    case "timeout":
      // CONS-TIMEOUT.4: a timeout of another height, round or step is a no-op: same state, no output
      if (!state.started || !onTimeout(run, input.kind, input.height, input.round)) return [state, []]
      break
    case "work":
      err = onWork(run, input.claim)
      break
  }
  if (err !== undefined) {
    // NODE-STEP.2: a rejected input changes no protocol state. Only the sync hint may be updated, so
    // that a node that sees it is behind asks a peer for the block it is missing (NODE-SYNC.2).
    const sends = run.out.filter((o) => o.type === "send" && o.message.type === "sync-request")
    const hinted =
      run.w.syncRequested !== state.syncRequested || run.w.aheadPeer !== state.aheadPeer
        ? { ...state, syncRequested: run.w.syncRequested, aheadPeer: run.w.aheadPeer }
        : state
    return [hinted, [{ type: "rejected", error: err }, ...sends]]
  }
  // NODE-STEP.11: the upon-rules read only the consensus state and the chain; an input that changed
  // neither leaves the previous step's fixpoint a fixpoint, so there is nothing to fire
  if (run.w.chain !== state.chain || run.w.started !== state.started || !sameFields(state.cons, run.w.cons)) progress(run)
  return [run.w, run.out]
}

/**
 * NODE-STEP.1: the working copy a step starts from (the state and its consensus part copied one level
 * deep). Written field by field, not as `{ ...state, cons: { ...state.cons } }`: V8's generic object
 * spread was 4-5 % of the simulator's CPU at N = 100 (issue 12), a literal of a fixed shape is not. The
 * types make the list complete: W and MutCons have no optional field, so a field left out (or added to
 * NodeState later and not here) does not compile.
 */
const copyState = (s: NodeState): W => ({
  keys: s.keys,
  genesis: s.genesis,
  started: s.started,
  chain: s.chain,
  cons: copyCons(s.cons),
  mempool: s.mempool,
  future: s.future,
  blocks: s.blocks,
  lastCommit: s.lastCommit,
  work: s.work,
  beacon: s.beacon,
  evidenceSeen: s.evidenceSeen,
  syncRequested: s.syncRequested,
  aheadPeer: s.aheadPeer,
  gossipQuiet: s.gossipQuiet,
  gossipMark: s.gossipMark,
  itemAges: s.itemAges,
  clientTxs: s.clientTxs,
  auditable: s.auditable,
})

const copyCons = (c: ConsensusState): MutCons => ({
  height: c.height,
  round: c.round,
  step: c.step,
  lockedValue: c.lockedValue,
  lockedRound: c.lockedRound,
  validValue: c.validValue,
  validRound: c.validRound,
  proposals: c.proposals,
  prevotes: c.prevotes,
  precommits: c.precommits,
  roundHints: c.roundHints,
  once: c.once,
  validity: c.validity,
  table: c.table,
})

/** NODE-STEP.11: every field of `a` is identical (===) in `b`. */
const sameFields = (a: object, b: object): boolean => {
  for (const k in a) if ((a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false
  return true
}

// ---------------------------------------------------------------------------------------------
// Messages

/**
 * NODE-STEP.8: the wire bytes of a gossiped message, memoized by the identity of its (immutable)
 * payload object: a node re-sends its own pooled items and votes at every gossip tick
 * (NODE-RETRANSMIT.1) and relays votes it holds (CONS-RULE.3); the bytes are a pure function of the
 * value, so encoding them once changes nothing but the cost. A proposal's bytes are kept with its block.
 */
const wireMemo = new WeakMap<object, { readonly type: Message["type"]; readonly block?: Block; readonly bytes: Uint8Array }>()
const payloadOf = (m: Message): object | undefined => {
  switch (m.type) {
    case "vote":
      return m.vote
    case "evidence":
      return m.evidence
    case "proposal":
      return m.proposal
    default:
      return signedItemOf(m)
  }
}
const wireBytes = (message: Message): Uint8Array => {
  const key = payloadOf(message)
  if (key === undefined) return Codecs.Message.encode(message)
  const block = message.type === "proposal" ? message.block : undefined
  const hit = wireMemo.get(key)
  if (hit !== undefined && hit.type === message.type && hit.block === block) return hit.bytes
  const bytes = Codecs.Message.encode(message)
  wireMemo.set(key, block === undefined ? { type: message.type, bytes } : { type: message.type, block, bytes })
  return bytes
}

const emit = (run: Run, message: Message): void => {
  run.out.push({ type: "broadcast", message, bytes: wireBytes(message) })
}

/** NODE-ROUTE.1: a routed item goes to the proposers of this many rounds of the height being decided. */
export const ROUTE_ROUNDS = 3

const routeMemo = new WeakMap<ChainState, Map<number, ReadonlyArray<Hex>>>()
/**
 * NODE-ROUTE.1: the proposers (distinct, in round order) of rounds r0 .. r0 + ROUTE_ROUNDS - 1 of
 * height chain.height + 1, where r0 is the node's round if it is deciding that height, else 0 (in the
 * deciding step, before the new height starts). Memoized per (immutable) chain state and r0.
 */
const proposerRoute = (run: Run): ReadonlyArray<Hex> => {
  const { chain, cons } = run.w
  const r0 = cons.height === chain.height + 1 ? cons.round : 0
  let byRound = routeMemo.get(chain)
  if (byRound === undefined) {
    byRound = new Map()
    routeMemo.set(chain, byRound)
  }
  let keys = byRound.get(r0)
  if (keys === undefined) {
    const set = new Set<Hex>()
    for (let r = r0; r < r0 + ROUTE_ROUNDS; r++) {
      const k = proposerFor(run.ctx.crypto.sha256, chain, r)?.key
      if (k !== undefined) set.add(k)
    }
    keys = [...set]
    byRound.set(r0, keys)
  }
  return keys
}

/** NODE-ROUTE.1: the items only a block's proposer needs (validators check them in the block itself). */
type Routed = Extract<Message, { type: "commitment" | "reveal" | "audit" | "score-commit" | "score-reveal" }>

/**
 * NODE-ROUTE.1: a work commitment, work reveal, audit report, score commitment or score reveal is sent
 * to the next proposers (proposerRoute), not to every peer; NODE-ROUTE.2 re-sends it to the proposers
 * of each later height while it is pooled.
 */
const emitRouted = (run: Run, message: Routed, resend?: true): void => {
  const only = proposerRoute(run)
  run.out.push(resend ? { type: "broadcast", message, bytes: wireBytes(message), only, resend } : { type: "broadcast", message, bytes: wireBytes(message), only })
}

const onMessage = (run: Run, m: Message, from: number): ProtocolError | undefined => {
  switch (m.type) {
    case "proposal":
      return onProposal(run, m.proposal, m.block, from)
    case "vote":
      return onVote(run, m.vote, from)
    case "tx":
      return onTx(run, m.tx, false)
    case "commitment":
      return forwardStale(run, m, run.w.mempool, onCommitment(run, m.commitment))
    case "reveal":
      return forwardStale(run, m, run.w.mempool, onReveal(run, m.reveal))
    case "evidence":
      return onEvidence(run, m.evidence)
    case "audit":
      // NODE-AUDIT.2: like score messages, a replayed buffered report is checked once more, never re-buffered
      return forwardStale(run, m, run.w.mempool, onAudit(run, m.audit, from >= 0 ? m : undefined))
    // NODE-SCORE.2: a replayed buffered message (from < 0) is checked once more, never re-buffered
    case "score-commit":
      return forwardStale(run, m, run.w.mempool, onScoreCommit(run, m.commitment, from >= 0 ? m : undefined))
    case "score-reveal":
      return forwardStale(run, m, run.w.mempool, onScoreReveal(run, m.reveal, from >= 0 ? m : undefined))
    case "sync-request":
      return onSyncRequest(run, m.height, from)
    case "sync-response":
      return onSyncResponse(run, m.block, m.commit)
  }
}

/**
 * NODE-ROUTE.3: a routed item this node admitted to its mempool (err undefined, and the mempool grew:
 * a buffered one did not enter it) while it is not among the proposers of its own route was routed by
 * a sender with a stale view (a sender a height behind routes to proposers that have moved on): the
 * node forwards it once, as a re-send, to the proposers of its own route.
 */
const forwardStale = (run: Run, m: Routed, before: Mempool, err: ProtocolError | undefined): ProtocolError | undefined => {
  // `before` is the mempool before the handler ran (arguments are evaluated left to right)
  if (err === undefined && run.w.mempool !== before && !proposerRoute(run).includes(run.w.keys.pubHex)) emitRouted(run, m, true)
  return err
}

/** NODE-BUFFER.1: keep a message for height + 1 until this node gets there. */
const bufferFuture = (run: Run, m: Message, from: number): ProtocolError | undefined => {
  if (run.w.future.length >= run.w.chain.params.futureBufferLimit) return reject("MSG_BUFFER_FULL")
  run.w.future = [...run.w.future, m]
  if (from >= 0) run.w.aheadPeer = from
  return undefined
}

/** NODE-SYNC.2: a peer is ahead of us; ask it for the block we are deciding (once per height). */
const maybeRequestSync = (run: Run, from: number): void => {
  if (from < 0 || run.w.syncRequested === run.w.cons.height) return
  run.w.syncRequested = run.w.cons.height
  const message: Message = { type: "sync-request", height: run.w.cons.height }
  run.out.push({ type: "send", to: from, message, bytes: Codecs.Message.encode(message) })
}

/**
 * NODE-BUFFER.1, NODE-SYNC.2, NODE-STEP.2: a message for a later height is buffered (height + 1), or
 * points the sync hint at its sender (beyond), only if its signer is a validator key and its signature
 * verifies (both checks are independent of the later state). Otherwise garbage would enter the buffer
 * (changing the node's state and filling it ahead of honest messages), and a spammer's unsigned
 * far-height messages would keep redirecting every sync request to itself, stalling nodes that fell
 * behind.
 */
const futureCheck = (run: Run, signer: Uint8Array, verified: () => boolean): ProtocolError | undefined =>
  !run.w.chain.validators.has(toHex(signer))
    ? reject("MSG_UNKNOWN_VALIDATOR", "next-height message")
    : !verified()
      ? reject("MSG_BAD_SIGNATURE", "next-height message")
      : undefined

const heightGate = (
  run: Run,
  height: number,
  round: number,
  m: Message,
  from: number,
  signer: Uint8Array,
  authenticate: () => ProtocolError | undefined,
): ProtocolError | "here" | undefined => {
  const c = run.w.cons
  if (height === c.height) {
    if (round > c.round + run.w.chain.params.maxRoundAhead) {
      // CONS-ROUND.2, CONS-ROUNDSKIP.1: not stored, but an authenticated validator's far round still
      // counts toward the round skip, so a node far behind in rounds can always catch up.
      const e = authenticate() ?? (c.table.power.has(toHex(signer)) ? undefined : reject("MSG_UNKNOWN_VALIDATOR"))
      if (e !== undefined) return reject("MSG_ROUND_TOO_FAR", `round ${round}: ${e.code}`)
      const before = c.roundHints.get(toHex(signer)) ?? -1
      if (round <= before) return reject("MSG_ROUND_TOO_FAR", `round ${round} (already noted)`)
      noteRound(run, toHex(signer), round)
      return undefined
    }
    return "here"
  }
  if (height === c.height + 1) return authenticate() ?? bufferFuture(run, m, from)
  if (height > c.height + 1) {
    if (authenticate() === undefined) {
      if (from >= 0) run.w.aheadPeer = from
      maybeRequestSync(run, from)
    }
    return reject("MSG_WRONG_HEIGHT", `height ${height}, deciding ${c.height}`)
  }
  return reject("MSG_WRONG_HEIGHT", `height ${height}, deciding ${c.height}`)
}

const onProposal = (run: Run, p: ProposalHeader, block: Block, from: number): ProtocolError | undefined => {
  const w = run.w
  if (p.chainId !== w.chain.chainId) return reject("MSG_BAD_CHAIN", p.chainId)
  const gate = heightGate(run, p.height, p.round, { type: "proposal", proposal: p, block }, from, p.proposer, () =>
    futureCheck(run, p.proposer, () => verifyProposal(run.ctx.crypto, p)),
  )
  if (gate !== "here") return gate
  const sha = run.ctx.crypto.sha256
  const proposer = proposerFor(sha, w.chain, p.round)
  if (proposer === undefined) return reject("CHAIN_HALTED", `height ${p.height}`)
  if (toHex(proposer.pubKey) !== toHex(p.proposer)) return reject("MSG_WRONG_PROPOSER", `round ${p.round}`)
  if (p.validRound >= p.round) return reject("MSG_MISMATCH", "validRound must be below round")
  const prev = w.cons.proposals.get(p.round)
  if (prev !== undefined && toHex(p.blockHash) === prev.blockHash && compareBytes(p.signature, prev.header.signature) === 0)
    return reject("MSG_DUPLICATE", "proposal")
  if (!verifyProposal(run.ctx.crypto, p)) return reject("MSG_BAD_SIGNATURE", "proposal")
  if (prev !== undefined) {
    if (toHex(p.blockHash) === prev.blockHash) return reject("MSG_DUPLICATE", "proposal")
    noteEvidence(run, makeProposalEvidence(prev.header, p))
    return undefined // the first proposal stays; the conflict became evidence (CONS-EVIDENCE.2)
  }
  const blockHash = toHex(Hashes.blockHash(sha, block.header))
  if (blockHash !== toHex(p.blockHash) || block.header.height !== p.height)
    return reject("MSG_MISMATCH", "proposal header does not commit to the carried block")
  w.cons.proposals = setIn(w.cons.proposals, p.round, { header: p, block, blockHash })
  noteRound(run, toHex(p.proposer), p.round)
  return undefined
}

/** CONS-ROUNDSKIP.1: remember the highest round a validator has been seen at. */
const noteRound = (run: Run, k: Hex, round: number): void => {
  const c = run.w.cons
  if ((c.roundHints.get(k) ?? -1) < round) {
    // NODE-TALLY.2: a PersistentMap (no copy of N hints), and its highest round carried over
    const top = Math.max(maxHint(c.roundHints), round)
    c.roundHints = poolSet(c.roundHints, k, round)
    maxHints.set(c.roundHints, top)
  }
}

/** NODE-TALLY.2: the highest round in a hint map, memoized by the (immutable) map's identity. */
const maxHints = new DerivedCache<ReadonlyMap<Hex, number>, number>()
const maxHint = (m: ReadonlyMap<Hex, number>): number => {
  let top = maxHints.get(m)
  if (top === undefined) {
    top = -1
    for (const r of m.values()) if (r > top) top = r
    maxHints.set(m, top)
  }
  return top
}

const onVote = (run: Run, v: Vote, from: number): ProtocolError | undefined => {
  const w = run.w
  if (v.chainId !== w.chain.chainId) return reject("MSG_BAD_CHAIN", v.chainId)
  // heightGate's "here" case, tested first without building the message and closures it needs only for
  // other heights and far rounds (the path of nearly every vote, issue 12)
  const here = v.height === w.cons.height && v.round <= w.cons.round + w.chain.params.maxRoundAhead
  const gate = here
    ? "here"
    : heightGate(run, v.height, v.round, { type: "vote", vote: v }, from, v.validator, () =>
        futureCheck(run, v.validator, () => verifyVote(run.ctx.crypto, v)),
      )
  if (gate !== "here") return gate
  const k = validatorKey(v)
  if (!w.cons.table.power.has(k)) return reject("MSG_UNKNOWN_VALIDATOR", k.slice(0, 16))
  const book = v.type === "prevote" ? w.cons.prevotes : w.cons.precommits
  const prev = book.get(v.round)?.get(k) ?? []
  const sameValue = prev.find((x) => sameTarget(x.blockHash, v.blockHash))
  if (sameValue !== undefined) return reject("MSG_DUPLICATE", v.type)
  if (prev.length >= MAX_VALUES_PER_SLOT) return reject("MSG_CONFLICTING", `more than ${MAX_VALUES_PER_SLOT} values`)
  if (!verifyVote(run.ctx.crypto, v)) return reject("MSG_BAD_SIGNATURE", v.type)
  // CONS-EVIDENCE.2: a second value from the same validator for the same slot is evidence; the vote still
  // counts toward its own value (CONS-VOTE.2), as each message does in Tendermint's Algorithm 1.
  if (prev[0] !== undefined) noteEvidence(run, makeVoteEvidence(prev[0], v))
  addVote(run, v, k)
  return undefined
}

/**
 * NODE-STEP.10: a vote's validator key (hex), memoized per vote object: a simulated broadcast hands one
 * decoded vote to every node, so the string is made (and its hash, for the power-table and vote-book
 * lookups, computed) once per vote instead of once per delivery (issue 12).
 */
const validatorKeys = new WeakMap<Vote, Hex>()
const validatorKey = (v: Vote): Hex => {
  let k = validatorKeys.get(v)
  if (k === undefined) {
    k = toHex(v.validator)
    validatorKeys.set(v, k)
  }
  return k
}

const sameTarget = (a: Uint8Array | null, b: Uint8Array | null): boolean =>
  a === null ? b === null : b !== null && compareBytes(a, b) === 0

/** Record vote v of validator k (= toHex(v.validator)). */
const addVote = (run: Run, v: Vote, k: Hex): void => {
  const c = run.w.cons
  const add = (book: VoteBook): VoteBook => {
    const slot = book.get(v.round) ?? new Map<Hex, ReadonlyArray<Vote>>()
    const prev = slot.get(k) ?? []
    // NODE-MEMPOOL.4: a slot of N validators is a PersistentMap, so a vote does not copy it
    const next = poolSet(slot, k, [...prev, v])
    carrySums(slot, next, prev, k, v, c.table)
    return setIn(book, v.round, next)
  }
  if (v.type === "prevote") c.prevotes = add(c.prevotes)
  else c.precommits = add(c.precommits)
  noteRound(run, k, v.round)
}

/** CONS-EVIDENCE.2: report an equivocation once, gossip it and keep it for inclusion in a block. */
const noteEvidence = (run: Run, e: Evidence): void => {
  const key = evidenceKey(e)
  if (run.w.evidenceSeen.has(key)) return
  run.w.evidenceSeen = new Set(run.w.evidenceSeen).add(key)
  const id = toHex(Hashes.evidence(run.ctx.crypto.sha256, e))
  run.w.mempool = { ...run.w.mempool, evidence: poolSet(run.w.mempool.evidence, id, e) }
  run.out.push({ type: "evidence", evidence: e })
  emit(run, { type: "evidence", evidence: e })
}

const onEvidence = (run: Run, e: Evidence): ProtocolError | undefined => {
  const w = run.w
  const key = evidenceKey(e)
  if (w.evidenceSeen.has(key) || w.chain.punished.has(key)) return reject("EVIDENCE_DUPLICATE", key.slice(0, 24))
  const full = mempoolRoom(run, w.mempool.evidence)
  if (full) return full
  const err = checkEvidence(run.ctx.crypto, w.chain, e, w.cons.height)
  if (err) return err
  w.evidenceSeen = new Set(w.evidenceSeen).add(key)
  w.mempool = { ...w.mempool, evidence: poolSet(w.mempool.evidence, toHex(Hashes.evidence(run.ctx.crypto.sha256, e)), e) }
  return undefined
}

const mempoolRoom = (run: Run, m: ReadonlyMap<Hex, unknown>): ProtocolError | undefined =>
  m.size >= run.w.chain.params.mempoolLimit ? reject("MSG_MEMPOOL_FULL") : undefined

/** NODE-MEMPOOL.1: admit a transfer with a valid signature whose nonce is not already used. */
const onTx = (run: Run, tx: Transfer, gossip: boolean): ProtocolError | undefined => {
  const w = run.w
  const id = txKey(run, tx)
  if (w.mempool.txs.has(id)) return reject("TX_DUPLICATE")
  const full = mempoolRoom(run, w.mempool.txs)
  if (full) return full
  const e = checkTransferStateless(run.ctx, w.chain, tx)
  if (e) return e
  const acct = w.chain.accounts.get(toHex(tx.from))
  if (acct === undefined) return reject("TX_UNKNOWN_SENDER")
  if (tx.nonce < acct.nonce) return reject("TX_BAD_NONCE", `nonce ${tx.nonce} already used`)
  w.mempool = { ...w.mempool, txs: poolSet(w.mempool.txs, id, tx) }
  if (gossip) emit(run, { type: "tx", tx })
  return undefined
}

const onCommitment = (run: Run, c: WorkCommitment): ProtocolError | undefined => {
  const w = run.w
  const id = commitmentKey(toHex(c.worker), toHex(c.commitment))
  if (w.mempool.commitments.has(id) || w.chain.commitments.has(id)) return reject("WORK_DUPLICATE_COMMITMENT")
  const full = mempoolRoom(run, w.mempool.commitments)
  if (full) return full
  const e = checkCommitmentStateless(run.ctx, w.chain, c)
  if (e) return e
  w.mempool = { ...w.mempool, commitments: poolSet(w.mempool.commitments, id, c) }
  return undefined
}

/** Mempool key of a reveal: the registry key of the commitment it opens (WORK-CR.1). */
const revealId = (run: Run, r: WorkReveal): Hex =>
  // NODE-STEP.10: memoized per reveal object and hash function
  revealKeys(run.ctx.crypto.sha256, r, () => commitmentKey(toHex(r.worker), toHex(Hashes.workCommitment(run.ctx.crypto.sha256, r.claim, r.worker, r.salt))))
const revealKeys = itemMemo<Hex>()
/** NODE-STEP.10: a claim's work id in hex, memoized per claim object and hash function (every node's audit duty reads each decided reveal's). */
const workIds = itemMemo<Hex>()
const workIdOf = (sha: Sha256, claim: WorkClaim): Hex => workIds(sha, claim, () => toHex(Hashes.workId(sha, claim)))
/** NODE-STEP.10: a transfer's mempool key (its id), memoized per transfer object and hash function. */
const txKeys = itemMemo<Hex>()
const txKey = (run: Run, tx: Transfer): Hex => txKeys(run.ctx.crypto.sha256, tx, () => toHex(Hashes.txId(run.ctx.crypto.sha256, tx)))

const onReveal = (run: Run, r: WorkReveal): ProtocolError | undefined => {
  const w = run.w
  const id = revealId(run, r)
  if (w.mempool.reveals.has(id)) return reject("WORK_ALREADY_REVEALED")
  const full = mempoolRoom(run, w.mempool.reveals)
  if (full) return full
  const e = checkRevealStateless(run.ctx, w.chain, r)
  if (e) return e
  w.mempool = { ...w.mempool, reveals: poolSet(w.mempool.reveals, id, r) }
  return undefined
}

/**
 * NODE-AUDIT.2: an audit report from a peer enters the mempool if it is for this chain, signed by its
 * auditor, and answers a pending audit assigned to that auditor in the finalized state; one per claim.
 */
const onAudit = (run: Run, a: AuditReport, m?: Message): ProtocolError | undefined => {
  const w = run.w
  const id = toHex(a.workId)
  if (w.mempool.audits.has(id)) return reject("AUDIT_DUPLICATE", id.slice(0, 16))
  const full = mempoolRoom(run, w.mempool.audits)
  if (full) return full
  const e = checkAuditStateful(w.chain, a, w.cons.height) ?? checkAuditStateless(run.ctx.crypto, w.chain, a)
  // NODE-AUDIT.2: a report for an audit this node has not seen decided yet comes from an auditor one
  // block ahead (the audit was decided in the block it just finalized): if the auditor is a validator
  // and its signature verifies, it waits in the height + 1 buffer and is checked once more
  if (e && e.code === "AUDIT_NOT_PENDING" && m !== undefined) {
    const { signature, ...u } = a
    return futureCheck(run, a.auditor, () => run.ctx.crypto.ed25519.verify(signature, SigningBytes.auditReport(u), a.auditor)) ?? bufferFuture(run, m, -1)
  }
  if (e) return e
  w.mempool = { ...w.mempool, audits: poolSet(w.mempool.audits, id, a) }
  return undefined
}

/**
 * NODE-SCORE.2: a score commitment or reveal from a peer enters the mempool (keyed by evaluator ||
 * claim id) iff none from that evaluator for that claim is there and it passes QUAL-WIRE.2 against
 * the finalized state at the height being decided. A node that scores no claims ignores them.
 */
/**
 * NODE-SCORE.2: a score message naming no open round may be for a round this node opens when it
 * decides its current height (a peer one block ahead already sits on that committee): if its signer
 * is a validator and its signature verifies, it waits in the height + 1 buffer (NODE-BUFFER.1) and is
 * checked again after the next decision, once.
 */
const bufferScore = (run: Run, m: Message, e: ProtocolError, signer: Uint8Array, verified: () => boolean): ProtocolError | undefined => {
  if (e.scoring !== "SCORE_WRONG_CLAIM") return e
  const bad = futureCheck(run, signer, verified)
  return bad ?? bufferFuture(run, m, -1)
}

/** NODE-SCORE.2: a score item's mempool key, evaluator || claim id in hex (QUAL-SCORE.13: hex memoized per item). */
const scoreItemKey = (m: ScoreCommitment | ScoreReveal): Hex => idsOf(m).key

const onScoreCommit = (run: Run, c: ScoreCommitment, m?: Message): ProtocolError | undefined => {
  const w = run.w
  if (run.ctx.scoring === undefined) return reject("SCORE_INVALID", "this chain scores no claims")
  const id = scoreItemKey(c)
  if (w.mempool.scoreCommits.has(id)) return reject("SCORE_DUPLICATE", "commitment")
  const full = mempoolRoom(run, w.mempool.scoreCommits)
  if (full) return full
  // QUAL-SCORE.13: the accept path builds no round; a rejection is checked again for its error
  const r = scoreCommitOk(run.ctx.crypto, w.chain, c, w.cons.height) ? undefined : checkScoreCommit(run.ctx.crypto, w.chain, c, w.cons.height)
  if (r !== undefined && Either.isLeft(r)) {
    if (m === undefined) return r.left
    const { signature, ...u } = c
    return bufferScore(run, m, r.left, c.evaluator, () => run.ctx.crypto.ed25519.verify(signature, scoreCommitSigningBytes(u), c.evaluator))
  }
  w.mempool = { ...w.mempool, scoreCommits: poolSet(w.mempool.scoreCommits, id, c) }
  return undefined
}

const onScoreReveal = (run: Run, r: ScoreReveal, m?: Message): ProtocolError | undefined => {
  const w = run.w
  if (run.ctx.scoring === undefined) return reject("SCORE_INVALID", "this chain scores no claims")
  const id = scoreItemKey(r)
  if (w.mempool.scoreReveals.has(id)) return reject("SCORE_DUPLICATE", "reveal")
  const full = mempoolRoom(run, w.mempool.scoreReveals)
  if (full) return full
  const x = scoreRevealOk(run.ctx.crypto, w.chain, r, w.cons.height) ? undefined : checkScoreReveal(run.ctx.crypto, w.chain, r, w.cons.height)
  if (x !== undefined && Either.isLeft(x)) {
    if (m === undefined) return x.left
    // a reveal one block early (SCORE_REVEAL_TOO_EARLY at this node's height) is buffered likewise
    const early = x.left.scoring === "SCORE_REVEAL_TOO_EARLY"
    const e = early
      ? new ProtocolError({ code: "SCORE_INVALID", detail: "SCORE_WRONG_CLAIM: reveal phase not open at this height", scoring: "SCORE_WRONG_CLAIM" })
      : x.left
    const { signature, ...u } = r
    return bufferScore(run, m, e, r.evaluator, () => run.ctx.crypto.ed25519.verify(signature, scoreRevealSigningBytes(u), r.evaluator))
  }
  w.mempool = { ...w.mempool, scoreReveals: poolSet(w.mempool.scoreReveals, id, r) }
  return undefined
}

/** WORK-CR.8: the worker commits first; it reveals once the commitment is finalized. */
const onWork = (run: Run, claim: WorkClaim): ProtocolError | undefined => {
  const w = run.w
  const v = Codecs.WorkClaim.validate(claim)
  if (Either.isLeft(v)) return reject("WORK_INVALID_CLAIM", v.left.detail)
  const sha = run.ctx.crypto.sha256
  // The salt is derived, not drawn (the core has no randomness): secret to everyone else.
  const salt = sha(concatBytes(utf8("POAI/v1/work-salt"), w.keys.secretKey, Codecs.WorkClaim.encode(claim)))
  const commitment = Hashes.workCommitment(sha, claim, w.keys.pubKey, salt)
  const id = toHex(commitment)
  if (w.work.has(id)) return reject("WORK_DUPLICATE_COMMITMENT")
  // NODE-MEMPOOL.5: a worker whose commitments no block includes (the chain is stalled) stops committing
  // more, instead of re-sending an ever longer list at every gossip tick.
  let own = 0
  for (const cm of w.mempool.commitments.values()) if (toHex(cm.worker) === w.keys.pubHex) own++
  if (own >= MAX_OWN_PENDING_COMMITMENTS) return reject("MSG_MEMPOOL_FULL", `${own} own commitments wait for a block`)
  const full = mempoolRoom(run, w.mempool.commitments)
  if (full) return full
  const unsigned = { chainId: w.chain.chainId, worker: w.keys.pubKey, commitment }
  const c: WorkCommitment = {
    ...unsigned,
    signature: run.ctx.crypto.ed25519.sign(SigningBytes.workCommitment(unsigned), w.keys.secretKey),
  }
  w.work = setIn(w.work, id, { claim, salt, commitment: id, revealed: false })
  w.mempool = { ...w.mempool, commitments: poolSet(w.mempool.commitments, commitmentKey(w.keys.pubHex, id), c) }
  emitRouted(run, { type: "commitment", commitment: c })
  return undefined
}

const onSyncRequest = (run: Run, height: number, from: number): ProtocolError | undefined => {
  const rec = run.w.blocks.get(height)
  if (rec === undefined) return reject("SYNC_NOT_FOUND", `height ${height}`)
  const message: Message = { type: "sync-response", block: rec.block, commit: rec.cert }
  run.out.push({ type: "send", to: from, message, bytes: Codecs.Message.encode(message) })
  return undefined
}

/** NODE-SYNC.1: adopt a committed block for the height being decided if its certificate holds. */
const onSyncResponse = (run: Run, block: Block, cert: CommitCertificate): ProtocolError | undefined => {
  const w = run.w
  if (block.header.height !== w.cons.height) return reject("MSG_WRONG_HEIGHT", `sync block ${block.header.height}`)
  const sha = run.ctx.crypto.sha256
  const hash = Hashes.blockHash(sha, block.header)
  const err = verifyCertificate(run.ctx.crypto, w.chain.chainId, w.cons.table, cert, { height: w.cons.height, blockHash: hash })
  if (err) return err
  const v = validity(run, toHex(hash), block)
  if (!v.ok) return reject("SYNC_BAD_CERTIFICATE", `certified block is invalid here: ${v.code}`)
  decide(run, { block, blockHash: toHex(hash) }, cert)
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Consensus rules (Tendermint Algorithm 1, stake-weighted)

const proposerKey = (run: Run, round: number): Hex | undefined => proposerFor(run.ctx.crypto.sha256, run.w.chain, round)?.key

const timeoutMs = (run: Run, kind: TimeoutKind, round: number): number => {
  const p = run.w.chain.params
  if (kind === "gossip") return p.gossipIntervalMs
  if (kind === "commit") return p.timeoutCommitMs
  const base = kind === "propose" ? p.timeoutProposeMs : kind === "prevote" ? p.timeoutPrevoteMs : p.timeoutPrecommitMs
  return base + round * p.timeoutDeltaMs // CONS-TIMEOUT.1
}

const schedule = (run: Run, kind: TimeoutKind, round: number): void => {
  run.out.push({ type: "timer", kind, height: run.w.cons.height, round, delayMs: timeoutMs(run, kind, round) })
}

/** CONS-RULE.1 StartRound(r). */
const startRound = (run: Run, round: number): void => {
  const c = run.w.cons
  c.round = round
  c.step = "propose"
  if (proposerKey(run, round) === run.w.keys.pubHex) {
    // NODE-RECOVER.3: a proposal this node already signed for this round (restored from its guard
    // record after a restart, spec/20-node.md) is sent again, never replaced by a newly built one.
    // Without a restart a node never holds its own proposal of a round before starting that round.
    const held = c.proposals.get(round)
    if (held !== undefined && toHex(held.header.proposer) === run.w.keys.pubHex) emit(run, { type: "proposal", proposal: held.header, block: held.block })
    else broadcastProposal(run, c.validValue ?? buildOwnBlock(run, round), c.validValue !== null ? c.validRound : -1)
    if (c.validValue !== null) relayPolka(run, c.validRound, c.validValue.blockHash)
  }
  schedule(run, "propose", round)
}

/**
 * CONS-RULE.3 (gossip): a proposal that re-proposes a value with validRound vr is accompanied by the
 * prevotes for it at vr that the proposer holds, so every correct node can see the polka that justifies
 * it (Tendermint assumes correct nodes eventually receive what other correct nodes received).
 */
const relayPolka = (run: Run, vr: number, hash: Hex): void => {
  const target = hexBytes(hash)
  for (const vs of run.w.cons.prevotes.get(vr)?.values() ?? [])
    for (const v of vs) if (sameTarget(v.blockHash, target)) emit(run, { type: "vote", vote: v })
}

/** The node's beacon entry for the current height (BLS signing is done once per height). */
const ownBeacon = (run: Run) => {
  const w = run.w
  if (w.beacon === null || w.beacon.height !== w.cons.height)
    w.beacon = makeBeacon(run.ctx, w.chain, w.keys.pubKey, w.keys.blsSecret)
  return w.beacon
}

/**
 * CONS-BUILD.2: candidates from the mempool in canonical order. Commitments and reveals are keyed by
 * registry key worker || commitment (WORK-CR.1) but ordered by commitment value, then worker.
 */
export const mempoolCandidates = (mp: Mempool) => {
  const txs = [...mp.txs.values()].sort((a, b) => compareBytes(a.from, b.from) || a.nonce - b.nonce || compareBytes(a.signature, b.signature))
  const byKey = <T>(m: ReadonlyMap<Hex, T>) => [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((e) => e[1])
  const byCommitment = <T>(m: ReadonlyMap<Hex, T>) => [...m.entries()].sort((a, b) => compareCommitmentKeys(a[0], b[0])).map((e) => e[1])
  return {
    txs,
    commitments: byCommitment(mp.commitments),
    reveals: byCommitment(mp.reveals),
    evidence: byKey(mp.evidence),
    audits: byKey(mp.audits),
    scoreCommits: byKey(mp.scoreCommits),
    scoreReveals: byKey(mp.scoreReveals),
  }
}

const buildOwnBlock = (run: Run, round: number): BlockRef => {
  const w = run.w
  const { block, state } = buildBlock(
    run.ctx,
    w.chain,
    round,
    w.keys.pubKey,
    ownBeacon(run),
    mempoolCandidates(w.mempool),
    w.lastCommit,
  )
  const blockHash = toHex(Hashes.blockHash(run.ctx.crypto.sha256, block.header))
  w.cons.validity = setIn(w.cons.validity, blockHash, { ok: true, state })
  return { block, blockHash }
}

/** Sign and gossip a proposal for the current round; the node also records it itself. */
const broadcastProposal = (run: Run, rec: BlockRef, validRound: number): void => {
  const w = run.w
  const unsigned = {
    chainId: w.chain.chainId,
    height: w.cons.height,
    round: w.cons.round,
    validRound,
    blockHash: Hashes.blockHash(run.ctx.crypto.sha256, rec.block.header),
    proposer: w.keys.pubKey,
  }
  const header: ProposalHeader = { ...unsigned, signature: run.ctx.crypto.ed25519.sign(SigningBytes.proposal(unsigned), w.keys.secretKey) }
  w.cons.proposals = setIn(w.cons.proposals, w.cons.round, { header, block: rec.block, blockHash: rec.blockHash })
  emit(run, { type: "proposal", proposal: header, block: rec.block })
}

/** Sign, record and gossip this node's vote (only validators of the height vote). */
const castVote = (run: Run, type: VoteType, blockHash: Hex | null): void => {
  const w = run.w
  if (!w.cons.table.power.has(w.keys.pubHex)) return
  const v = signVote(run.ctx.crypto, w.keys.secretKey, {
    chainId: w.chain.chainId,
    type,
    height: w.cons.height,
    round: w.cons.round,
    blockHash: blockHash === null ? null : hexBytes(blockHash),
    validator: w.keys.pubKey,
  })
  addVote(run, v, w.keys.pubHex)
  emit(run, { type: "vote", vote: v })
}

const hexBytes = (h: Hex): Uint8Array => new Uint8Array(Buffer.from(h, "hex"))

const validity = (run: Run, hash: Hex, block: Block): Validity => {
  const c = run.w.cons
  const cached = c.validity.get(hash)
  if (cached !== undefined) return cached
  // NODE-STEP.7: the context's validator, when given, is validateBlock memoized
  const r = run.ctx.validateBlock !== undefined ? run.ctx.validateBlock(run.w.chain, block) : validateBlock(run.ctx, run.w.chain, block)
  const v: Validity = Either.isRight(r) ? { ok: true, state: r.right } : { ok: false, code: r.left.code }
  c.validity = setIn(c.validity, hash, v)
  return v
}

type Slot = ReadonlyMap<Hex, ReadonlyArray<Vote>>
type Table = ConsensusState["table"]
/** NODE-TALLY.1: the sums of one round's votes of one type: any vote, and per value ("" for nil). */
interface Sums {
  readonly table: Table
  readonly any: bigint
  /**
   * Power per target key ("" for nil), as [key, power] pairs: a round's votes name one or two targets,
   * and a short array is copied per vote for a fraction of a Map's cost (issue 12).
   */
  readonly by: ReadonlyArray<readonly [string, bigint]>
}
/** The power summed for target key t in `by` (0 if none). */
const sumFor = (by: ReadonlyArray<readonly [string, bigint]>, t: string): bigint => {
  for (let i = 0; i < by.length; i++) {
    const e = by[i] as readonly [string, bigint]
    if (e[0] === t) return e[1]
  }
  return 0n
}
/** `by` with p added to target key t's power (a new array; `by` is not changed). */
const addTo = (by: ReadonlyArray<readonly [string, bigint]>, t: string, p: bigint): Array<readonly [string, bigint]> => {
  const out: Array<readonly [string, bigint]> = []
  let found = false
  for (let i = 0; i < by.length; i++) {
    const e = by[i] as readonly [string, bigint]
    if (e[0] === t) {
      out.push([t, e[1] + p])
      found = true
    } else out.push(e)
  }
  if (!found) out.push([t, p])
  return out
}
/**
 * NODE-TALLY.1: sums per vote slot, keyed by the slot map's identity. A slot map is never mutated (a
 * vote makes a new one, addVote), so its sums never go stale; addVote derives the new slot's sums
 * from the old one's in O(values of one validator) instead of rescanning all N validators.
 */
const sumsOf = new DerivedCache<Slot, Sums>()
/**
 * A vote target's tally key: "" for nil, else the block hash in hex. The votes of a round nearly all
 * name one hash, so the last hash and its key are kept (a copy: the key must match the bytes it was
 * made from) and a repeat costs a 32-byte comparison instead of a hex encoding.
 */
let lastTarget: Uint8Array = new Uint8Array(0)
let lastTargetKey = ""
const targetKey = (h: Uint8Array | null): string => {
  if (h === null) return ""
  if (bytesEqual(h, lastTarget)) return lastTargetKey
  lastTargetKey = toHex(h)
  lastTarget = Uint8Array.from(h)
  return lastTargetKey
}

const computeSums = (votes: Slot, table: Table): Sums => {
  let any = 0n
  let by: ReadonlyArray<readonly [string, bigint]> = []
  for (const [k, vs] of votes) {
    if (vs.length === 0) continue
    const p = BigInt(table.power.get(k) ?? 0)
    any += p
    const seen = new Set<string>()
    for (const v of vs) {
      const t = targetKey(v.blockHash)
      if (seen.has(t)) continue
      seen.add(t)
      by = addTo(by, t, p)
    }
  }
  return { table, any, by }
}

/** Power of the validators with a vote for `value` (or with any vote) in one round (CONS-VOTE.2). */
const tally = (votes: Slot | undefined, table: Table, value: Hex | null | "any"): bigint => {
  if (votes === undefined) return 0n
  let s = sumsOf.get(votes)
  if (s === undefined || s.table !== table) {
    s = computeSums(votes, table)
    sumsOf.set(votes, s)
  }
  return value === "any" ? s.any : sumFor(s.by, value ?? "")
}

/** NODE-TALLY.1: the sums of `next` = `slot` plus validator k's vote v, from the sums of `slot` if known. */
const carrySums = (slot: Slot, next: Slot, prev: ReadonlyArray<Vote>, k: Hex, v: Vote, table: Table): void => {
  const s = sumsOf.get(slot)
  if (s === undefined || s.table !== table) return
  const p = BigInt(table.power.get(k) ?? 0)
  const t = targetKey(v.blockHash)
  const by = prev.some((x) => sameTarget(x.blockHash, v.blockHash)) ? s.by : addTo(s.by, t, p)
  sumsOf.set(next, { table, any: prev.length > 0 ? s.any : s.any + p, by })
}

const firstTime = (run: Run, key: string): boolean => {
  const c = run.w.cons
  if (c.once.has(key)) return false
  c.once = new Set(c.once).add(key)
  return true
}

const stepRank: Record<Step, number> = { newHeight: -1, propose: 0, prevote: 1, precommit: 2 }

/**
 * NODE-STEP.5: the most upon-rule firings one input can cause. Every rule but the round skip fires at
 * most once per round (by step or a `once` key) and a decision ends the rules until the commit wait is
 * over, so one input fires at most: a round skip, then prevote, prevote timer, lock or nil precommit,
 * precommit timer (5), or one decision. The bound leaves room and is never reached (tested).
 */
export const MAX_FIRINGS_PER_INPUT = 16

/** Apply the upon-rules until none fires (CONS-RULE.2..9), at most MAX_FIRINGS_PER_INPUT times. */
const progress = (run: Run): void => {
  for (let n = 0; n < MAX_FIRINGS_PER_INPUT; n++) {
    if (!run.w.started || !fireOne(run)) return
  }
}

const fireOne = (run: Run): boolean => {
  const c = run.w.cons
  // CONS-COMMITWAIT.1: no rule fires during the commit wait; the commit timer starts round 0
  if (c.step === "newHeight") return false
  const q = thresholds(c.table).quorum
  const quorum = (p: bigint) => p > q // CONS-POWER.2 via CONS-POWER.5

  // CONS-RULE.8: decide on any round with a valid proposal and > 2/3 precommits for it. The decision
  // enters the commit wait (step newHeight), so one input decides at most one height (NODE-STEP.5).
  // (rounds by key, then the slot: iterating entries made an array per round per call, issue 12)
  for (const r of c.precommits.keys()) {
    const pcs = c.precommits.get(r)
    const prop = c.proposals.get(r)
    if (prop !== undefined && quorum(tally(pcs, c.table, prop.blockHash)) && validity(run, prop.blockHash, prop.block).ok) {
      decide(run, prop, certificate(run, r, prop.blockHash))
      return true
    }
  }
  // Certified block without a proposal at that round: a proposal for the same block from another round suffices.
  for (const r of c.precommits.keys()) {
    const pcs = c.precommits.get(r)
    for (const prop of c.proposals.values()) {
      if (quorum(tally(pcs, c.table, prop.blockHash)) && validity(run, prop.blockHash, prop.block).ok) {
        decide(run, prop, certificate(run, r, prop.blockHash))
        return true
      }
    }
  }

  // CONS-RULE.9: > 1/3 of power at a higher round: skip to it.
  const skip = skipRound(c)
  if (skip > c.round) {
    startRound(run, skip)
    return true
  }

  const prop = c.proposals.get(c.round)
  // CONS-RULE.2 / CONS-RULE.3: prevote on the proposal of this round.
  if (c.step === "propose" && prop !== undefined) {
    const vr = prop.header.validRound
    if (vr === -1) {
      const ok = validity(run, prop.blockHash, prop.block).ok && (c.lockedRound === -1 || c.lockedValue?.blockHash === prop.blockHash)
      castVote(run, "prevote", ok ? prop.blockHash : null)
      c.step = "prevote"
      return true
    }
    if (vr >= 0 && vr < c.round && quorum(tally(c.prevotes.get(vr), c.table, prop.blockHash))) {
      const ok =
        validity(run, prop.blockHash, prop.block).ok && (c.lockedRound <= vr || c.lockedValue?.blockHash === prop.blockHash)
      castVote(run, "prevote", ok ? prop.blockHash : null)
      c.step = "prevote"
      return true
    }
  }
  const pv = c.prevotes.get(c.round)
  // CONS-RULE.4: > 2/3 prevotes for anything: start the prevote timeout, once.
  if (c.step === "prevote" && quorum(tally(pv, c.table, "any")) && firstTime(run, `tprevote:${c.round}`)) {
    schedule(run, "prevote", c.round)
    return true
  }
  // CONS-RULE.5: valid proposal with > 2/3 prevotes for it: lock (if in prevote) and set validValue, once.
  if (
    prop !== undefined &&
    stepRank[c.step] >= 1 &&
    quorum(tally(pv, c.table, prop.blockHash)) &&
    validity(run, prop.blockHash, prop.block).ok &&
    firstTime(run, `lock:${c.round}`)
  ) {
    if (c.step === "prevote") {
      c.lockedValue = prop
      c.lockedRound = c.round
      castVote(run, "precommit", prop.blockHash)
      c.step = "precommit"
    }
    c.validValue = prop
    c.validRound = c.round
    return true
  }
  // CONS-RULE.6: > 2/3 prevotes for nil: precommit nil.
  if (c.step === "prevote" && quorum(tally(pv, c.table, null))) {
    castVote(run, "precommit", null)
    c.step = "precommit"
    return true
  }
  // CONS-RULE.7: > 2/3 precommits for anything: start the precommit timeout, once.
  if (quorum(tally(c.precommits.get(c.round), c.table, "any")) && firstTime(run, `tprecommit:${c.round}`)) {
    schedule(run, "precommit", c.round)
    return true
  }
  return false
}

/**
 * CONS-ROUNDSKIP.1: the highest round R such that validators seen at round R or later carry more than
 * 1/3 of the power (at least one of them is correct, so the network has moved on to R); -1 if none.
 */
const skipRound = (c: ConsensusState): number => {
  // NODE-TALLY.2: with no validator seen beyond this round there is nothing to skip to (no pass, no sort)
  if (maxHint(c.roundHints) <= c.round) return -1
  const seen = [...c.roundHints.entries()].sort((a, b) => b[1] - a[1])
  let p = 0n
  const third = thresholds(c.table).oneThird
  for (const [k, r] of seen) {
    if (r <= c.round) return -1
    p += BigInt(c.table.power.get(k) ?? 0)
    if (p > third) return r // CONS-POWER.3 via CONS-POWER.5
  }
  return -1
}

/** The commit certificate (CONS-COMMIT.2): the precommits for `hash` at round r, by validator key order. */
const certificate = (run: Run, r: number, hash: Hex): CommitCertificate => {
  const c = run.w.cons
  const target = hexBytes(hash)
  const slot = c.precommits.get(r)
  const sigs: Array<{ validator: Uint8Array; signature: Uint8Array }> = []
  if (slot !== undefined) {
    // CONS-COMMIT.1: one signature per validator, in public-key byte order. The power table's keys are
    // in that order and every recorded vote is a table member's (onVote), so reading the slot in
    // table order needs no sort; a slot holding any other key falls back to sorting.
    let seen = 0
    for (const k of c.table.power.keys()) {
      const vs = slot.get(k)
      if (vs === undefined) continue
      seen++
      const v = vs.find((x) => sameTarget(x.blockHash, target))
      if (v !== undefined) sigs.push({ validator: v.validator, signature: v.signature })
    }
    if (seen !== slot.size) {
      sigs.length = 0
      for (const vs of slot.values()) {
        const v = vs.find((x) => sameTarget(x.blockHash, target))
        if (v !== undefined) sigs.push({ validator: v.validator, signature: v.signature })
      }
      sigs.sort((a, b) => compareBytes(a.validator, b.validator))
    }
  }
  return { height: c.height, round: r, blockHash: target, signatures: sigs }
}

/**
 * NODE-SYNC.1: a committed block with this node's certificate of it, both held as their canonical
 * bytes and decoded when read (a sync response). Every node keeps one per height for catch-up; as
 * objects they kept every block's items (and what is memoized per item) alive for the whole run, and
 * the certificates were 67-100 entries per node per height, all for the garbage collector to trace
 * (issue 12). A block's bytes are encoded once per block object (`encodedBlock`, shared by the nodes
 * that decided it).
 * The entry of the latest height also keeps the block object (the node holds it anyway, in its
 * proposals), and `compact` drops it when the next height is decided. Either way `block` is the block
 * committed (decode(encode(b)) = b, ENC-SCHEMA.1); only object identity may differ, and no rule
 * depends on it.
 */
class StoredCommit {
  private constructor(
    private readonly blockBytes: Uint8Array,
    private readonly blockObject: Block | undefined,
    private readonly certBytes: Uint8Array,
  ) {}

  static of(block: Block, cert: CommitCertificate): StoredCommit {
    return new StoredCommit(encodedBlock(block), block, encodedCertificate(cert))
  }

  /** The same entry without the block object. */
  compact(): StoredCommit {
    return this.blockObject === undefined ? this : new StoredCommit(this.blockBytes, undefined, this.certBytes)
  }

  get block(): Block {
    if (this.blockObject !== undefined) return this.blockObject
    const r = Codecs.Block.decode(this.blockBytes)
    if (Either.isLeft(r)) throw new Error(`a stored block does not decode: ${r.left.message}`) // unreachable: encoded here
    return r.right
  }

  get cert(): CommitCertificate {
    const r = Codecs.CommitCertificate.decode(this.certBytes)
    if (Either.isLeft(r)) throw new Error(`a stored certificate does not decode: ${r.left.message}`) // unreachable: encoded here
    return r.right
  }
}
/** CONS-RULE.8 (decision) and NODE-COMMIT.1: apply the block, clean the mempool, move to height + 1. */
const decide = (run: Run, prop: BlockRef, cert: CommitCertificate): void => {
  const w = run.w
  const v = validity(run, prop.blockHash, prop.block)
  if (!v.ok) return
  const height = w.cons.height
  const chain = v.state
  w.chain = chain
  // NODE-COMMIT.1: a PersistentMap (NODE-MEMPOOL.4), so storing costs O(1), not a copy of every height
  const prev = w.blocks.get(height - 1)
  const blocks = prev instanceof StoredCommit ? poolSet(w.blocks, height - 1, prev.compact()) : w.blocks
  w.blocks = poolSet(blocks, height, StoredCommit.of(prop.block, cert))
  w.lastCommit = cert
  w.mempool = pruneMempool(run, w.mempool, prop.block, chain)
  resendPooledItems(run)
  if ([...w.clientTxs.keys()].some((id) => !w.mempool.txs.has(id))) w.clientTxs = new Map([...w.clientTxs].filter(([id]) => w.mempool.txs.has(id)))
  run.out.push({
    type: "commit",
    height,
    round: cert.round,
    blockHash: prop.blockHash,
    block: prop.block,
    cert,
    stateRoot: toHex(prop.block.header.stateRoot),
  })
  revealFinalized(run)
  auditDuty(run, prop.block)
  w.cons = { ...freshConsensus(chain) }
  w.syncRequested = -1
  w.aheadPeer = -1
  w.gossipQuiet = 0
  w.gossipMark = ""
  // NODE-MEMPOOL.3: forget equivocations too old to be punished any more.
  const oldest = w.cons.height - chain.params.evidenceMaxAge
  if ([...w.evidenceSeen].some((k) => Number(k.split("|")[1]) < oldest))
    w.evidenceSeen = new Set([...w.evidenceSeen].filter((k) => Number(k.split("|")[1]) >= oldest))
  const buffered = w.future
  w.future = []
  // CONS-COMMITWAIT.1: the next height starts after the commit wait, never in the deciding step
  // (CometBFT's timeout_commit). Messages of the new height are stored meanwhile.
  // CONS-HALT.1: a voting set without power can decide nothing more: the node says so, once, and waits.
  if (w.cons.table.total === 0n) run.out.push({ type: "halted", height: w.cons.height, error: reject("CHAIN_HALTED", `height ${w.cons.height}`) })
  else schedule(run, "commit", 0)
  schedule(run, "gossip", 0)
  for (const m of buffered) onMessage(run, m, -1)
}

/**
 * NODE-ROUTE.2: after a decision (and the prune), re-send every routed item still pooled, the node's own
 * and those routed to it, to the proposers of the new height: an item that reached the proposers of a
 * height after they proposed reaches the next ones from every node that holds it (own score items:
 * NODE-SCORE.3, as plain sends).
 */
const resendPooledItems = (run: Run): void => {
  const w = run.w
  for (const c of w.mempool.commitments.values()) emitRouted(run, { type: "commitment", commitment: c }, true)
  for (const r of w.mempool.reveals.values()) emitRouted(run, { type: "reveal", reveal: r }, true)
  for (const a of w.mempool.audits.values()) emitRouted(run, { type: "audit", audit: a }, true)
  // own score items: NODE-SCORE.3 (scoringDuty)
  const me = w.keys.pubHex
  for (const c of w.mempool.scoreCommits.values()) if (toHex(c.evaluator) !== me) emitRouted(run, { type: "score-commit", commitment: c }, true)
  for (const r of w.mempool.scoreReveals.values()) if (toHex(r.evaluator) !== me) emitRouted(run, { type: "score-reveal", reveal: r }, true)
}

/** Drop what the block included and whatever the new state makes invalid (NODE-MEMPOOL.2). */
const pruneMempool = (run: Run, mp: Mempool, block: Block, chain: ChainState): Mempool => {
  const sha = run.ctx.crypto.sha256
  const txs = copyMap(mp.txs)
  for (const tx of block.body.txs) txs.delete(txKey(run, tx))
  for (const [id, tx] of txs) {
    const a = chain.accounts.get(toHex(tx.from))
    if (a === undefined || tx.nonce < a.nonce) txs.delete(id)
  }
  const commitments = copyMap(mp.commitments)
  for (const c of block.body.commitments) commitments.delete(commitmentKey(toHex(c.worker), toHex(c.commitment)))
  const reveals = copyMap(mp.reveals)
  for (const r of block.body.reveals) reveals.delete(revealId(run, r))
  for (const [id, r] of reveals) {
    const rec = chain.commitments.get(id)
    if (rec === undefined ? !commitments.has(id) : rec.revealed) reveals.delete(id)
    else if (r.chainId !== chain.chainId) reveals.delete(id)
  }
  const evidence = copyMap(mp.evidence)
  for (const [id, e] of evidence) if (chain.punished.has(evidenceKey(e))) evidence.delete(id)
  // NODE-AUDIT.2: a report stays only while its audit is still pending and not overdue.
  const audits = copyMap(mp.audits)
  for (const [id, a] of audits) if (checkAuditStateful(chain, a, chain.height + 1) !== undefined) audits.delete(id)
  // NODE-SCORE.2: score items stay only while they would still be accepted in the next block
  const crypto = run.ctx.crypto
  const scoreCommits = copyMap(mp.scoreCommits)
  // QUAL-SCORE.13: the same checks without building rounds or errors
  for (const [id, c] of scoreCommits) if (!scoreCommitOk(crypto, chain, c, chain.height + 1)) scoreCommits.delete(id)
  const scoreReveals = copyMap(mp.scoreReveals)
  for (const [id, r] of scoreReveals) if (!scoreRevealOk(crypto, chain, r, chain.height + 1)) scoreReveals.delete(id)
  return { txs, commitments, reveals, evidence, audits, scoreCommits, scoreReveals }
}

/**
 * NODE-AUDIT.1: after a block is finalized, remember the claims it revealed (their audit is not
 * settled yet), forget those that settled, and for each audit this block assigned to this node (its
 * due height is this height + auditWindow) judge the claim with ctx.verifier under the audit seed of
 * VER-VERDICT.5 (this block's beacon value and the work id) and sign, pool and gossip the verdict
 * (VER-AUDIT.5). Without a verifier, or when it cannot judge, the node reports nothing and the audit
 * is missed (VER-AUDIT.9).
 */
const auditDuty = (run: Run, block: Block): void => {
  const w = run.w
  const sha = run.ctx.crypto.sha256
  const auditable = nextAuditable(sha, w.auditable, block, w.chain)
  w.auditable = auditable
  scoringDuty(run)
  const verify = run.ctx.verifier
  if (verify === undefined) return
  const decidedNow = w.chain.height + w.chain.params.auditWindow
  // the audits this node owes now, in work-id order (filtered before the sort: every node holds every
  // auditable claim, and owes few); a report pooled below is for its own id only, so filtering first
  // selects the same claims
  const owed: Array<readonly [Hex, WorkClaim, ClaimRecord]> = []
  for (const [id, claim] of auditable) {
    const c = w.chain.claims.get(id)
    if (c === undefined || c.audit !== "pending" || c.auditor !== w.keys.pubHex || w.mempool.audits.has(id)) continue
    // VER-VERDICT.5: the seed needs the beacon of the deciding block, which is this one
    if (c.auditDue !== decidedNow) continue
    owed.push([id, claim, c])
  }
  owed.sort((a, b) => (a[0] < b[0] ? -1 : 1))
  for (const [id, claim, c] of owed) {
    const workId = hexBytes(id)
    const v = verify({ claim, workId, worker: c.worker, seed: auditSeed(sha, w.chain.beacon, workId) })
    if (v === undefined) continue
    const unsigned = { chainId: w.chain.chainId, auditor: w.keys.pubKey, workId, verdict: v.verdict, reason: v.reason, evidence: v.evidence }
    const a: AuditReport = { ...unsigned, signature: run.ctx.crypto.ed25519.sign(SigningBytes.auditReport(unsigned), w.keys.secretKey) }
    w.mempool = { ...w.mempool, audits: poolSet(w.mempool.audits, id, a) }
    emitRouted(run, { type: "audit", audit: a })
  }
}

/**
 * NODE-AUDIT.1: the claims kept after deciding `block` (whose post-state is `chain`): those it revealed,
 * less those whose audit and scoring are both settled. A function of (previous map, block, state), all
 * immutable, memoized per block object for the (previous map, state) pairs seen with it: the nodes of a
 * simulation that decide the same blocks share one map per height instead of each copying and
 * filtering its own (issue 12). Keyed by the block, not by the previous map: an entry keyed by a map
 * would hold the next map, the key of the next height's entry, and so keep every height alive.
 */
export const nextAuditable = (sha: Sha256, prev: ReadonlyMap<Hex, WorkClaim>, block: Block, chain: ChainState): ReadonlyMap<Hex, WorkClaim> => {
  let seen = auditableMemo.get(block)
  if (seen !== undefined) for (const e of seen) if (e.prev === prev && e.chain === chain) return e.next
  const next = copyMap(prev)
  for (const r of block.body.reveals) {
    const id = workIdOf(sha, r.claim)
    const c = chain.claims.get(id)
    if (c !== undefined && c.audit === "undecided" && c.revealHeight === chain.height) next.set(id, r.claim)
  }
  for (const id of [...next.keys()]) {
    const c = chain.claims.get(id)
    const auditOpen = c !== undefined && (c.audit === "undecided" || c.audit === "pending")
    const scoringOpen = c !== undefined && (c.scoring === "unopened" || c.scoring === "open")
    if (!auditOpen && !scoringOpen) next.delete(id)
  }
  if (seen === undefined) auditableMemo.set(block, (seen = []))
  if (seen.length >= MAX_AUDITABLE_MEMO) seen.shift()
  seen.push({ prev, chain, next })
  return next
}
/** Distinct (previous map, state) pairs remembered per block (nodes that diverged each add one). */
const MAX_AUDITABLE_MEMO = 8
const auditableMemo = new WeakMap<Block, Array<{ readonly prev: ReadonlyMap<Hex, WorkClaim>; readonly chain: ChainState; readonly next: ReadonlyMap<Hex, WorkClaim> }>>()

/**
 * NODE-SCORE.1: the open rounds (claim id, round) in which `me` holds seats, in claim-id order; from an
 * index of every evaluator's rounds built once per (immutable) scoring table: every node scanned every
 * open round at every height, and holds seats in few (issue 12).
 */
const seatedRounds = (scoring: ReadonlyMap<Hex, OpenRound>, me: Hex): ReadonlyArray<readonly [Hex, OpenRound]> => {
  let index = seatIndex.get(scoring)
  if (index === undefined) {
    index = new Map()
    for (const e of scoring)
      for (const k of e[1].round.seats.keys()) {
        let list = index.get(k)
        if (list === undefined) index.set(k, (list = []))
        list.push(e)
      }
    for (const list of index.values()) list.sort((a, b) => (a[0] < b[0] ? -1 : 1))
    seatIndex.set(scoring, index)
  }
  return index.get(me) ?? []
}
const seatIndex = new WeakMap<ReadonlyMap<Hex, OpenRound>, Map<Hex, Array<readonly [Hex, OpenRound]>>>()

/** WORK-CR.8: reveal own claims whose commitment is now finalized. */
const revealFinalized = (run: Run): void => {
  const w = run.w
  for (const [id, pw] of w.work) {
    if (pw.revealed) continue
    // WORK-CR.8: reveal only once this worker's own registration of the commitment is finalized
    // (the registry is keyed by worker, so a copy registered under another key is never mistaken for it).
    const key = commitmentKey(w.keys.pubHex, id)
    const rec = w.chain.commitments.get(key)
    if (rec === undefined) continue
    const unsigned = { chainId: w.chain.chainId, worker: w.keys.pubKey, claim: pw.claim, salt: pw.salt }
    const r: WorkReveal = { ...unsigned, signature: run.ctx.crypto.ed25519.sign(SigningBytes.workReveal(unsigned), w.keys.secretKey) }
    w.work = setIn(w.work, id, { ...pw, revealed: true })
    w.mempool = { ...w.mempool, reveals: poolSet(w.mempool.reveals, key, r) }
    emitRouted(run, { type: "reveal", reveal: r })
  }
}

/**
 * NODE-SCORE.1: for each open round (QUAL-WIRE.1) in which this node holds seats, and whose claim it
 * knows (NODE-AUDIT.1): if the next block is in the commit phase and the node has not committed,
 * seal its scores (ctx.evaluator) and pool and gossip the commitment; if the next block is in the
 * reveal phase and its commitment is in the round, pool and gossip the reveal. The salt is derived
 * (scoreSalt), so the reveal is recomputed, not stored.
 */
const scoringDuty = (run: Run): void => {
  const w = run.w
  const evaluate = run.ctx.evaluator
  if (run.ctx.scoring === undefined || evaluate === undefined) return
  const next = w.chain.height + 1
  const me = w.keys.pubHex
  // NODE-SCORE.3: re-send own pooled items after every decision too: a peer one block behind rejects
  // a score message for a round it has not opened yet, and a phase lasts only a few blocks
  // (a pooled score item's key is its evaluator's key followed by the claim id, NODE-SCORE.2: own items are those under `me`)
  for (const [k, c] of w.mempool.scoreCommits) if (k.startsWith(me)) emitRouted(run, { type: "score-commit", commitment: c })
  for (const [k, r] of w.mempool.scoreReveals) if (k.startsWith(me)) emitRouted(run, { type: "score-reveal", reveal: r })
  // the rounds where this node holds seats, in claim-id order
  for (const [claimId, open] of seatedRounds(w.chain.scoring, me)) {
    const r = open.round
    const claim = w.auditable.get(open.workId)
    const rec = w.chain.claims.get(open.workId)
    if (claim === undefined || rec === undefined) continue
    const key = me + claimId
    const inCommit = next >= r.schedule.openHeight && next <= r.schedule.commitDeadline
    const inReveal = next > r.schedule.commitDeadline && next <= r.schedule.revealDeadline
    if (!(inCommit && !r.commits.has(me) && !w.mempool.scoreCommits.has(key)) && !(inReveal && r.commits.has(me) && !r.reveals.has(me) && !w.mempool.scoreReveals.has(key)))
      continue
    const seal = { chainId: w.chain.chainId, secretKey: w.keys.secretKey, claimId: hexBytes(claimId), scores: evaluate(claim, rec.worker) }
    // QUAL-SCORE.12: each phase signs only the item it publishes
    if (inCommit) {
      const commitment = sealScoreCommitment(run.ctx.crypto, seal)
      w.mempool = { ...w.mempool, scoreCommits: poolSet(w.mempool.scoreCommits, key, commitment) }
      emitRouted(run, { type: "score-commit", commitment })
    } else {
      const reveal = sealScoreReveal(run.ctx.crypto, seal)
      w.mempool = { ...w.mempool, scoreReveals: poolSet(w.mempool.scoreReveals, key, reveal) }
      emitRouted(run, { type: "score-reveal", reveal })
    }
  }
}

/**
 * CONS-TIMEOUT.2..4, CONS-COMMITWAIT.1 and NODE-RETRANSMIT.1. Returns false (the input is a no-op) for a
 * timeout of another height or round, or of a step the node has left.
 */
const onTimeout = (run: Run, kind: TimeoutKind, height: number, round: number): boolean => {
  const c = run.w.cons
  if (height !== c.height) return false
  if (kind === "gossip") {
    // The gossip tick of the current height re-arms itself; ticks of earlier heights die out.
    // NODE-RETRANSMIT.9: count the quiet ticks (nothing new of the height since the last tick); votes go
    // out at every tick, the pooled items only at exponentially spaced quiet ticks, so that a chain that
    // cannot decide (no quorum is live, CONS-LIVE.1 item 1) is not flooded; anything new resets it.
    const mark = heightMark(c)
    const w = run.w
    w.gossipQuiet = mark === w.gossipMark ? nextQuiet(w.gossipQuiet) : 0
    w.gossipMark = mark
    retransmit(run, itemsDue(w.gossipQuiet))
    schedule(run, "gossip", c.round)
    return true
  }
  if (kind === "commit") {
    if (c.step !== "newHeight") return false
    startRound(run, 0)
    return true
  }
  if (round !== c.round || c.step === "newHeight") return false
  if (kind === "propose" && c.step === "propose") {
    castVote(run, "prevote", null)
    c.step = "prevote"
  } else if (kind === "prevote" && c.step === "prevote") {
    castVote(run, "precommit", null)
    c.step = "precommit"
  } else if (kind === "precommit") {
    startRound(run, round + 1)
  } else return false
  return true
}

/** NODE-RETRANSMIT.9: what a node has seen of its height: its round and how many proposals and votes it holds. */
const heightMark = (c: ConsensusState): string => {
  let votes = 0
  for (const book of [c.prevotes, c.precommits]) for (const byKey of book.values()) for (const vs of byKey.values()) votes += vs.length
  return `${c.round}:${c.proposals.size}:${votes}`
}

/**
 * NODE-RETRANSMIT.9: the pooled items are re-sent at quiet tick q when q is 0 or a power of two up to
 * ITEM_BACKOFF_MAX_TICKS (M), and then every M quiet ticks: past 2M the count cycles through M + 1 .. 2M,
 * so it stays bounded.
 */
const itemsDue = (q: number): boolean => (q <= ITEM_BACKOFF_MAX_TICKS ? (q & (q - 1)) === 0 : q % ITEM_BACKOFF_MAX_TICKS === 0)
const nextQuiet = (q: number): number => (q >= 2 * ITEM_BACKOFF_MAX_TICKS ? ITEM_BACKOFF_MAX_TICKS + 1 : q + 1)

/**
 * NODE-RETRANSMIT.10: a gossip tick ages every transfer of the node's own client by one tick (bounded as
 * the quiet count is) and returns, in submission order, the pooled ones due at their new age: ages 1, 2,
 * 4, .., 32, then every 32nd. Re-sending every pending transfer at every tick made a loaded chain
 * (N = 100, 847 transfers/s offered, regions and CPU) re-send each one ~3.7 times per block, and the
 * re-sends slowed the blocks that would have included them.
 */
const ageClientTxs = (w: W): ReadonlyArray<Transfer> => {
  if (w.clientTxs.size === 0) return []
  const aged = new Map<Hex, number>()
  const due: Transfer[] = []
  for (const [id, a] of w.clientTxs) {
    const age = nextQuiet(a)
    aged.set(id, age)
    const tx = itemsDue(age) ? w.mempool.txs.get(id) : undefined
    if (tx !== undefined) due.push(tx)
  }
  w.clientTxs = aged
  return due
}

/**
 * NODE-RETRANSMIT.1: re-gossip own proposal of the current round and own votes of every round of the
 * height; ask peers to sync; and, when `items` (NODE-RETRANSMIT.9), the own pooled items.
 */
const retransmit = (run: Run, items: boolean): void => {
  const w = run.w
  const c = w.cons
  const me = w.keys.pubHex
  const prop = c.proposals.get(c.round)
  if (prop !== undefined && toHex(prop.header.proposer) === me)
    emit(run, { type: "proposal", proposal: prop.header, block: prop.block })
  // Own votes of every round of this height, not only the current one (CONS-LIVE.1): a node that moved
  // on to round r + 1 holds the round-r precommit a peer still in round r may have lost; re-sending only
  // the current round stalled such a height forever on a perfect network after GST.
  for (let r = 0; r <= c.round; r++) {
    for (const v of c.prevotes.get(r)?.get(me) ?? []) emit(run, { type: "vote", vote: v })
    for (const v of c.precommits.get(r)?.get(me) ?? []) emit(run, { type: "vote", vote: v })
  }
  // NODE-RETRANSMIT.10: the own client's transfers by their age, whether or not the height is quiet
  const txsDue = ageClientTxs(w)
  // NODE-RETRANSMIT.11: every own pooled item ages at every tick; on a quiet height the items go out at
  // the quiet ticks that are due (NODE-RETRANSMIT.9), on a moving one each at its own due ages
  const ages = new Map<string, number>()
  const due = (key: string): boolean => {
    const age = nextQuiet(w.itemAges.get(key) ?? 0)
    ages.set(key, age)
    return w.gossipQuiet === 0 ? itemsDue(age) : items
  }
  // NODE-RETRANSMIT.1 items 6-8: own work commitments and reveals, and the transfers of this node's own
  // client, are re-sent until a block includes them or they are dropped from the mempool (expired,
  // invalid): a worker that gossips its reveal once loses the claim if that one copy is lost (NoTheft
  // assumes an overdue honest reveal is eventually included, spec/10).
  for (const [id, cm] of w.mempool.commitments) if (toHex(cm.worker) === me && due(`c${id}`)) emitRouted(run, { type: "commitment", commitment: cm })
  for (const [id, r] of w.mempool.reveals) if (toHex(r.worker) === me && due(`r${id}`)) emitRouted(run, { type: "reveal", reveal: r })
  for (const tx of txsDue) emit(run, { type: "tx", tx })
  // NODE-AUDIT.3: own audit reports not yet included are re-sent: a lost report costs the auditor.
  for (const [id, a] of w.mempool.audits) if (toHex(a.auditor) === me && due(`a${id}`)) emitRouted(run, { type: "audit", audit: a })
  // NODE-SCORE.3: own pooled score commitments and reveals too
  for (const [id, c] of w.mempool.scoreCommits) if (toHex(c.evaluator) === me && due(`s${id}`)) emitRouted(run, { type: "score-commit", commitment: c })
  for (const [id, r] of w.mempool.scoreReveals) if (toHex(r.evaluator) === me && due(`v${id}`)) emitRouted(run, { type: "score-reveal", reveal: r })
  w.itemAges = ages
  w.syncRequested = -1
  maybeRequestSync(run, w.aheadPeer)
}

// ---------------------------------------------------------------------------------------------
// Observation helpers (used by drivers and tests; not part of the transition function)

/**
 * NODE-DIGEST.1: a digest of a node's protocol state (chain, consensus, mempool, buffers, own work).
 * The sync hint (syncRequested, aheadPeer) is bookkeeping, not protocol state, and is left out.
 */
export const nodeDigest = (ctx: CoreContext, s: NodeState): Hex => {
  const c = s.cons
  const votes = (book: VoteBook) =>
    [...book.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([r, m]) => [r, [...m.values()].flat().map((v) => Codecs.Vote.encode(v)).sort(compareBytes)])
  const ids = (m: ReadonlyMap<Hex, unknown>) => [...m.keys()].sort()
  const payload = {
    chain: [s.chain.height, toHex(s.chain.lastBlockHash), toHex(stateRoot(ctx.crypto.sha256, s.chain))],
    cons: [c.height, c.round, c.step, c.lockedRound, c.validRound, c.lockedValue?.blockHash ?? "", c.validValue?.blockHash ?? ""],
    proposals: [...c.proposals.entries()].map(([r, p]) => [r, p.blockHash]).sort(),
    prevotes: votes(c.prevotes),
    precommits: votes(c.precommits),
    once: [...c.once].sort(),
    roundHints: [...c.roundHints.entries()].sort(),
    mempool: [ids(s.mempool.txs), ids(s.mempool.commitments), ids(s.mempool.reveals), ids(s.mempool.evidence), ids(s.mempool.audits), ids(s.mempool.scoreCommits), ids(s.mempool.scoreReveals)],
    auditable: ids(s.auditable),
    future: s.future.length,
    work: ids(s.work),
    clientTxs: [...s.clientTxs.keys()].sort(),
    evidenceSeen: [...s.evidenceSeen].sort(),
  }
  return toHex(ctx.crypto.sha256(utf8(JSON.stringify(payload, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v)))))
}

export { ProtocolError }
