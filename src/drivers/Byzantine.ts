// spec: SIM-BYZ.1..9 (spec/08-simulation.md)
// Byzantine behaviours for the in-process network. A Byzantine node holds real keys and runs the honest
// core (amnesia, lock-split and lying-vr run it with its lock ignored); the strategy rewrites what it
// sends. Nothing here is available to honest nodes, except `stepIgnoringLock`, which the driver applies
// to an honest node only as a deliberate node mutant (SimConfig.ignoreLock, trace validation).
import { toHex } from "../codec/Bytes.ts"
import { Hashes, SigningBytes } from "../codec/Hashing.ts"
import { Codecs } from "../codec/index.ts"
import { buildBlock } from "../core/BlockExecution.ts"
import type { CoreContext } from "../core/Context.ts"
import { mempoolCandidates, step, type NodeInput, type NodeOutput } from "../core/Node.ts"
import type { NodeState } from "../core/NodeState.ts"
import { signVote } from "../core/Votes.ts"
import type { Message } from "../domain/Message.ts"
import type { Transfer } from "../domain/Transaction.ts"
import type { ProposalHeader, Vote } from "../domain/Consensus.ts"
import type { Prng } from "./Prng.ts"

import { LOCKING_STRATEGIES, STRATEGIES, STRATEGY_CHOICES, type Strategy, type StrategyChoice } from "./Strategies.ts"
export { LOCKING_STRATEGIES, STRATEGIES, STRATEGY_CHOICES, type Strategy, type StrategyChoice }

/**
 * SIM-BYZ.5: "mixed" assigns the first four strategies round-robin over the Byzantine nodes (as before
 * the locking strategies existed, so seeded runs keep their schedule); "locking" assigns
 * LOCKING_STRATEGIES round-robin (SIM-BYZ.9).
 */
export const resolveStrategy = (choice: StrategyChoice, byzIndex: number): Strategy =>
  choice === "mixed"
    ? (STRATEGIES[byzIndex % 4] as Strategy)
    : choice === "locking"
      ? (LOCKING_STRATEGIES[byzIndex % LOCKING_STRATEGIES.length] as Strategy)
      : choice

/** SIM-BYZ.6..8: strategies whose core runs with its lock ignored (it votes against its lock). */
export const ignoresLock = (s: Strategy): boolean => s === "amnesia" || s === "lock-split" || s === "lying-vr"

/**
 * SIM-BYZ.6 (amnesia), and the node mutant "lock ignored": run the core's step with the lock test
 * disabled: lockedValue/lockedRound are forgotten for the step (they are read only by the lock tests of
 * CONS-RULE.2 and CONS-RULE.3), and put back afterwards unless the step locked anew or moved to another
 * height. Everything else the node does is the core's.
 */
export const stepIgnoringLock = (
  ctx: CoreContext,
  state: NodeState,
  input: NodeInput,
): readonly [NodeState, ReadonlyArray<NodeOutput>] => {
  const c = state.cons
  if (c.lockedValue === null) return step(ctx, state, input)
  const [next, outs] = step(ctx, { ...state, cons: { ...c, lockedValue: null, lockedRound: -1 } }, input)
  const n = next.cons
  if (n.height !== c.height || n.lockedValue !== null) return [next, outs]
  return [{ ...next, cons: { ...n, lockedValue: c.lockedValue, lockedRound: c.lockedRound } }, outs]
}

export interface Send {
  readonly to: ReadonlyArray<number>
  readonly bytes: Uint8Array
}

export interface AdversaryEnv {
  readonly ctx: CoreContext
  readonly rng: Prng
  readonly self: number
  readonly n: number
  /**
   * SIM-BYZ.1: the colluding equivocators' blackboard: for each "height/round" the block hashes a
   * Byzantine proposer split the network with. Every equivocator votes for all of them.
   */
  readonly board: Map<string, Uint8Array[]>
  /** The honest nodes (SIM-BYZ.6..9 aim at them). */
  readonly honest: ReadonlyArray<number>
}

const others = (env: AdversaryEnv) => Array.from({ length: env.n }, (_, i) => i).filter((i) => i !== env.self)
const enc = (m: Message) => Codecs.Message.encode(m)

/** Rewrite the honest outputs of a Byzantine node into what it actually sends. */
export const adversarialSends = (
  strategy: Strategy,
  env: AdversaryEnv,
  state: NodeState,
  outputs: ReadonlyArray<NodeOutput>,
): Send[] => {
  const all = others(env)
  const sends: Send[] = []
  const honest = (o: NodeOutput) => {
    // a Byzantine node floods (NODE-ROUTE.1's `only` ignored, its re-sends dropped, SIM-NET.2 `flood`)
    if (o.type === "broadcast") { if (o.resend !== true) sends.push({ to: all, bytes: o.bytes }) }
    else if (o.type === "send") sends.push({ to: [o.to], bytes: o.bytes })
  }
  switch (strategy) {
    case "silent":
    case "spam":
      return [] // spam is produced on its own ticks (spamMessages)
    case "equivocate":
      for (const o of outputs) {
        if (o.type === "broadcast" && o.message.type === "proposal") sends.push(...equivocateProposal(env, state, o.message, all))
        else honest(o)
        if (o.type === "broadcast" && o.message.type === "vote" && o.message.vote.type === "prevote")
          sends.push(...colludingVotes(env, state, o.message.vote, all))
      }
      return sends
    case "double-vote":
      for (const o of outputs) {
        honest(o)
        if (o.type === "broadcast" && o.message.type === "vote") {
          const half = all.filter(() => env.rng.chance(0.5))
          sends.push({ to: half, bytes: enc({ type: "vote", vote: conflictingVote(env, state, o.message.vote, null) }) })
        }
      }
      return sends
    case "amnesia":
      for (const o of outputs) honest(o)
      return sends
    case "lock-split":
      return lockSplit(env, state, outputs, honest)
    case "lying-vr":
      return lyingValidRound(env, state, outputs, honest)
    case "withhold":
      return withhold(env, state, outputs, honest)
  }
}

// ---------------------------------------------------------------------------------------------
// Strategies aimed at the locking rules (SIM-BYZ.6..9). With Byzantine power below 1/3 a polka needs
// honest prevotes; the adversary decides *who sees* its own (pivotal) vote, so that one honest node sees
// a polka and locks while the others do not. Later rounds then meet locked and unlocked nodes with
// fresh proposals (CONS-RULE.2 lock test), re-proposals (CONS-RULE.3, its lock test at stale valid
// rounds) and polkas at step prevote and precommit (CONS-RULE.5).

/** The honest node the adversary shows its vote to at (height, round): rotates over the honest nodes. */
export const splitTarget = (env: AdversaryEnv, height: number, round: number): number =>
  env.honest.length === 0 ? -1 : (env.honest[(height + round) % env.honest.length] as number)

const isVote = (o: NodeOutput, type?: "prevote" | "precommit"): o is Extract<NodeOutput, { type: "broadcast" }> & { message: { type: "vote"; vote: Vote } } =>
  o.type === "broadcast" && o.message.type === "vote" && (type === undefined || o.message.vote.type === type)

const ownVote = (state: NodeState, o: NodeOutput): Vote | undefined =>
  isVote(o) && toHex(o.message.vote.validator) === state.keys.pubHex ? o.message.vote : undefined

const ownProposal = (state: NodeState, o: NodeOutput): Extract<Message, { type: "proposal" }> | undefined =>
  o.type === "broadcast" && o.message.type === "proposal" && toHex(o.message.proposal.proposer) === state.keys.pubHex ? o.message : undefined

const resign = (env: AdversaryEnv, state: NodeState, v: Vote, blockHash: Uint8Array | null): Vote => {
  const { signature: _s, ...unsigned } = v
  return signVote(env.ctx.crypto, state.keys.secretKey, { ...unsigned, blockHash })
}

/**
 * SIM-BYZ.7 lock-split: show different polkas to different nodes. As proposer it sends its block to the
 * target and one more honest node and a second block to the rest (equivocation); its prevote for a
 * block goes to the target only, every other node gets a prevote for nil (or for the second block); its
 * precommits are nil, to everyone. The target sees a polka (its own prevote, one more honest one and the
 * adversary's) and locks; nobody else does. Its core ignores its lock (it votes for whatever is proposed).
 */
const lockSplit = (env: AdversaryEnv, state: NodeState, outputs: ReadonlyArray<NodeOutput>, honest: (o: NodeOutput) => void): Send[] => {
  const sends: Send[] = []
  const all = others(env)
  for (const o of outputs) {
    const prop = ownProposal(state, o)
    const vote = ownVote(state, o)
    if (prop !== undefined) {
      const p = prop.proposal
      const target = splitTarget(env, p.height, p.round)
      const peers = env.honest.filter((i) => i !== target)
      const groupA = [target, ...peers.slice(0, 1)].filter((i) => i >= 0)
      const groupB = all.filter((i) => !groupA.includes(i))
      const alt = alternativeProposal(env, state, prop)
      sends.push({ to: groupA, bytes: enc(prop) })
      if (alt !== undefined) {
        env.board.set(`split/${p.height}/${p.round}`, [p.blockHash, alt.proposal.blockHash])
        sends.push({ to: groupB, bytes: enc(alt) })
      } else sends.push({ to: groupB, bytes: enc(prop) })
    } else if (vote !== undefined && vote.type === "prevote") {
      const target = splitTarget(env, vote.height, vote.round)
      if (vote.blockHash === null) {
        sends.push({ to: all, bytes: enc({ type: "vote", vote }) })
        continue
      }
      const split = env.board.get(`split/${vote.height}/${vote.round}`)
      const second = split?.find((h) => toHex(h) !== toHex(vote.blockHash as Uint8Array)) ?? null
      sends.push({ to: [target], bytes: enc({ type: "vote", vote }) })
      sends.push({ to: all.filter((i) => i !== target), bytes: enc({ type: "vote", vote: resign(env, state, vote, second) }) })
    } else if (vote !== undefined && vote.type === "precommit") {
      sends.push({ to: all, bytes: enc({ type: "vote", vote: vote.blockHash === null ? vote : resign(env, state, vote, null) }) })
    } else honest(o)
  }
  return sends
}

/**
 * SIM-BYZ.8 lying-vr: as proposer of a round r >= 1 it proposes with a valid round that lies. If it
 * holds a polka for some block at a round below its own validRound (a stale one; any polka it holds when
 * it has no validValue), it re-proposes that block with that stale valid round and relays the polka, so
 * that honest nodes locked later must refuse it (CONS-RULE.3 lock test) and unlocked ones accept it;
 * otherwise it claims validRound r - 1 for a fresh block, for which no polka exists (honest nodes must not
 * prevote it). Everything else it sends as lock-split does, so that honest nodes lock at different
 * rounds; its core ignores its lock.
 */
const lyingValidRound = (env: AdversaryEnv, state: NodeState, outputs: ReadonlyArray<NodeOutput>, honest: (o: NodeOutput) => void): Send[] => {
  const sends: Send[] = []
  const all = others(env)
  for (const o of outputs) {
    const prop = ownProposal(state, o)
    if (prop === undefined || prop.proposal.round === 0) {
      // everything but its re-proposals as lock-split does (that is what creates locks at different
      // rounds); the polka relay of an honest re-proposal is dropped along with it
      if (!(isVote(o, "prevote") && toHex(o.message.vote.validator) !== state.keys.pubHex)) sends.push(...lockSplit(env, state, [o], honest))
      continue
    }
    const p = prop.proposal
    const c = state.cons
    const below = c.validValue === null ? p.round : c.validRound
    const stale = stalePolka(state, below)
    if (stale !== undefined) {
      const rec = [...c.proposals.values()].find((x) => x.blockHash === stale.hash)
      if (rec !== undefined) {
        const header = signProposal(env, state, { ...p, blockHash: hexBytes(stale.hash), validRound: stale.round })
        sends.push({ to: all, bytes: enc({ type: "proposal", proposal: header, block: rec.block }) })
        for (const v of stale.votes) sends.push({ to: all, bytes: enc({ type: "vote", vote: v }) })
        continue
      }
    }
    const header = signProposal(env, state, { ...p, validRound: p.round - 1 })
    sends.push({ to: all, bytes: enc({ type: "proposal", proposal: header, block: prop.block }) })
  }
  return sends
}

/**
 * SIM-BYZ.9 withhold: no equivocation, only silence towards some. As proposer it sends its proposal to
 * the target and one more honest node; its prevotes and precommits go to the target only.
 */
const withhold = (env: AdversaryEnv, state: NodeState, outputs: ReadonlyArray<NodeOutput>, honest: (o: NodeOutput) => void): Send[] => {
  const sends: Send[] = []
  for (const o of outputs) {
    const prop = ownProposal(state, o)
    const vote = ownVote(state, o)
    if (prop !== undefined) {
      const target = splitTarget(env, prop.proposal.height, prop.proposal.round)
      const to = [target, ...env.honest.filter((i) => i !== target).slice(0, 1)].filter((i) => i >= 0)
      sends.push({ to, bytes: enc(prop) })
    } else if (vote !== undefined) {
      const target = splitTarget(env, vote.height, vote.round)
      if (target >= 0) sends.push({ to: [target], bytes: enc({ type: "vote", vote }) })
    } else honest(o)
  }
  return sends
}

/** The highest round below `below` at which the node holds a polka for a block, with its prevotes. */
const stalePolka = (state: NodeState, below: number): { round: number; hash: string; votes: Vote[] } | undefined => {
  const c = state.cons
  let total = 0
  for (const p of c.table.power.values()) total += p
  for (let r = below - 1; r >= 0; r--) {
    const byValue = new Map<string, { power: number; votes: Vote[] }>()
    for (const [k, vs] of c.prevotes.get(r) ?? []) {
      for (const v of vs) {
        if (v.blockHash === null) continue
        const h = toHex(v.blockHash)
        const e = byValue.get(h) ?? { power: 0, votes: [] }
        if (!e.votes.some((x) => toHex(x.validator) === k)) e.power += c.table.power.get(k) ?? 0
        e.votes.push(v)
        byValue.set(h, e)
      }
    }
    for (const [hash, e] of byValue) if (3 * e.power > 2 * total) return { round: r, hash, votes: e.votes }
  }
  return undefined
}

const hexBytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, "hex"))

const signProposal = (env: AdversaryEnv, state: NodeState, p: ProposalHeader): ProposalHeader => {
  const { signature: _s, ...unsigned } = p
  return { ...unsigned, signature: env.ctx.crypto.ed25519.sign(SigningBytes.proposal(unsigned), state.keys.secretKey) }
}

/**
 * SIM-BYZ.1: when an equivocator prevotes at (h, r) where a Byzantine proposer split the network, it
 * also prevotes and precommits every block of the split, to everyone. With Byzantine power >= 1/3 this
 * lets both halves reach a quorum for different blocks (the attack the safety property must detect).
 */
const colludingVotes = (env: AdversaryEnv, state: NodeState, v: Vote, all: ReadonlyArray<number>): Send[] => {
  const values = env.board.get(`${v.height}/${v.round}`) ?? []
  const out: Send[] = []
  for (const value of values) {
    for (const type of ["prevote", "precommit"] as const) {
      if (type === "prevote" && v.blockHash !== null && toHex(v.blockHash) === toHex(value)) continue
      const vote = signVote(env.ctx.crypto, state.keys.secretKey, {
        chainId: v.chainId,
        type,
        height: v.height,
        round: v.round,
        blockHash: value,
        validator: v.validator,
      })
      out.push({ to: all, bytes: enc({ type: "vote", vote }) })
    }
  }
  return out
}

/** A second vote of the same validator for the same slot with a different value. */
const conflictingVote = (env: AdversaryEnv, state: NodeState, v: Vote, value: Uint8Array | null): Vote => {
  const other = value ?? (v.blockHash === null ? env.rng.bytes(32) : null)
  const { signature: _s, ...unsigned } = v
  return signVote(env.ctx.crypto, state.keys.secretKey, { ...unsigned, blockHash: other })
}

/**
 * SIM-BYZ.1: the proposer builds a second, different block for the same (height, round), sends each half
 * of the network a different proposal, and prevotes and precommits for the second block to everyone.
 */
const equivocateProposal = (
  env: AdversaryEnv,
  state: NodeState,
  m: Extract<Message, { type: "proposal" }>,
  all: ReadonlyArray<number>,
): Send[] => {
  const { ctx } = env
  const p = m.proposal
  const me = state.keys
  const altMessage = alternativeProposal(env, state, m)
  if (altMessage === undefined) return [{ to: all, bytes: enc(m) }]
  const altHash = altMessage.proposal.blockHash
  env.board.set(`${p.height}/${p.round}`, [p.blockHash, altHash])
  const groupA = all.filter((i) => i % 2 === 0)
  const groupB = all.filter((i) => i % 2 === 1)
  const vote = (type: "prevote" | "precommit") =>
    signVote(ctx.crypto, me.secretKey, {
      chainId: p.chainId,
      type,
      height: p.height,
      round: p.round,
      blockHash: altHash,
      validator: me.pubKey,
    })
  return [
    { to: groupA, bytes: enc(m) },
    { to: groupB, bytes: enc(altMessage) },
    { to: all, bytes: enc({ type: "vote", vote: vote("prevote") }) },
    { to: all, bytes: enc({ type: "vote", vote: vote("precommit") }) },
  ]
}

/** A second, different block for the same (height, round), signed as a proposal (undefined if none can be built). */
const alternativeProposal = (
  env: AdversaryEnv,
  state: NodeState,
  m: Extract<Message, { type: "proposal" }>,
): Extract<Message, { type: "proposal" }> | undefined => {
  const { ctx } = env
  const p = m.proposal
  const me = state.keys
  const acct = state.chain.accounts.get(me.pubHex)
  const extra: Transfer[] = []
  if (acct !== undefined) {
    const unsigned = {
      chainId: state.chain.chainId,
      from: me.pubKey,
      to: me.pubKey,
      amount: 1,
      fee: state.chain.params.minFee,
      nonce: acct.nonce,
    }
    extra.push({ ...unsigned, signature: ctx.crypto.ed25519.sign(SigningBytes.transfer(unsigned), me.secretKey) })
  }
  // Build on the chain state the block was built on (the proposal's height is state.chain.height + 1
  // unless the honest core already moved on; then equivocation is pointless).
  if (p.height !== state.chain.height + 1) return undefined
  const cands = mempoolCandidates(state.mempool)
  const alt = buildBlock(
    ctx,
    state.chain,
    m.block.header.round,
    me.pubKey,
    m.block.header.beacon,
    { ...cands, txs: [...extra, ...cands.txs] },
    m.block.body.lastCommit,
  ).block
  const altHash = Hashes.blockHash(ctx.crypto.sha256, alt.header)
  if (toHex(altHash) === toHex(p.blockHash)) return undefined
  const { signature: _s, ...unsigned } = p
  const altUnsigned = { ...unsigned, blockHash: altHash }
  const altProposal = { ...altUnsigned, signature: ctx.crypto.ed25519.sign(SigningBytes.proposal(altUnsigned), me.secretKey) }
  return { type: "proposal", proposal: altProposal, block: alt }
}

/**
 * SIM-BYZ.4: garbage a spammer sends on each of its ticks: random bytes, truncated messages, votes with
 * corrupted signatures, votes for far-away heights, proposals from a non-proposer, and replays.
 */
export const spamMessages = (env: AdversaryEnv, state: NodeState, replay: Uint8Array | undefined): Send[] => {
  const { ctx, rng } = env
  const all = others(env)
  const me = state.keys
  const h = state.cons.height
  const vote = (height: number, blockHash: Uint8Array | null) =>
    signVote(ctx.crypto, me.secretKey, {
      chainId: state.chain.chainId,
      type: rng.chance(0.5) ? "prevote" : "precommit",
      height,
      round: state.cons.round,
      blockHash,
      validator: me.pubKey,
    })
  const badSig = vote(h, rng.bytes(32))
  const corrupted = new Uint8Array(badSig.signature)
  const at = rng.int(64)
  corrupted[at] = (corrupted[at] as number) ^ (1 << rng.int(8))
  const valid = enc({ type: "vote", vote: vote(h, rng.bytes(32)) })
  const out: Send[] = [
    { to: all, bytes: rng.bytes(rng.range(0, 200)) },
    { to: all, bytes: valid.subarray(0, rng.int(valid.length)) },
    { to: all, bytes: enc({ type: "vote", vote: { ...badSig, signature: corrupted } }) },
    { to: all, bytes: enc({ type: "vote", vote: { ...badSig, height: h + 1000 } }) },
    { to: all, bytes: enc({ type: "vote", vote: { ...badSig, chainId: "other-chain" } }) },
  ]
  if (replay !== undefined) out.push({ to: all, bytes: replay })
  return out
}
