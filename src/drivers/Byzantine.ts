// spec: SIM-BYZ.1..5 (spec/08-simulation.md)
// Byzantine behaviours for the in-process network. A Byzantine node holds real keys and runs the honest
// core; the strategy rewrites what it sends. Nothing here is available to honest nodes.
import { toHex } from "../codec/Bytes.ts"
import { Hashes, SigningBytes } from "../codec/Hashing.ts"
import { Codecs } from "../codec/index.ts"
import { buildBlock } from "../core/BlockExecution.ts"
import type { CoreContext } from "../core/Context.ts"
import { mempoolCandidates, type NodeOutput } from "../core/Node.ts"
import type { NodeState } from "../core/NodeState.ts"
import { signVote } from "../core/Votes.ts"
import type { Message } from "../domain/Message.ts"
import type { Transfer } from "../domain/Transaction.ts"
import type { Vote } from "../domain/Consensus.ts"
import type { Prng } from "./Prng.ts"

export const STRATEGIES = ["equivocate", "double-vote", "silent", "spam"] as const
export type Strategy = (typeof STRATEGIES)[number]
export const STRATEGY_CHOICES = [...STRATEGIES, "mixed"] as const
export type StrategyChoice = (typeof STRATEGY_CHOICES)[number]

/** SIM-BYZ.5: "mixed" assigns strategies round-robin over the Byzantine nodes. */
export const resolveStrategy = (choice: StrategyChoice, byzIndex: number): Strategy =>
  choice === "mixed" ? (STRATEGIES[byzIndex % STRATEGIES.length] as Strategy) : choice

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
    if (o.type === "broadcast") sends.push({ to: all, bytes: o.bytes })
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
  }
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
  if (p.height !== state.chain.height + 1) return [{ to: all, bytes: enc(m) }]
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
  if (toHex(altHash) === toHex(p.blockHash)) return [{ to: all, bytes: enc(m) }]
  const { signature: _s, ...unsigned } = p
  const altUnsigned = { ...unsigned, blockHash: altHash }
  const altProposal = { ...altUnsigned, signature: ctx.crypto.ed25519.sign(SigningBytes.proposal(altUnsigned), me.secretKey) }
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
    { to: groupB, bytes: enc({ type: "proposal", proposal: altProposal, block: alt }) },
    { to: all, bytes: enc({ type: "vote", vote: vote("prevote") }) },
    { to: all, bytes: enc({ type: "vote", vote: vote("precommit") }) },
  ]
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
