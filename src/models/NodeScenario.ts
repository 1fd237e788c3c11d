// Node scenarios (issue 9, item 10; spec/10-assurance.md): a run of ONE correct node as data, made from a
// TLC counterexample (src/models/ModelBasedRuns.ts), and its replay through the core's `step`.
//
// A scenario file (conformance/vectors/consensus/node_scenario/*.json, format "poai/node-scenario/v1") is
// language-neutral: the genesis, the node's keys, and per step the inputs (canonical message bytes in
// hex, timeouts) with the outputs the model prescribes: the node's signed proposals and votes (type,
// round, value, validRound) in order, and its round, step, lockedValue/lockedRound,
// validValue/validRound and decision after the step. Values are named as in the model (v1, v2; nil
// and none); `values` maps each name to its block hash.
import { toHex } from "../codec/Bytes.ts"
import { Hashes, SigningBytes } from "../codec/Hashing.ts"
import { Codecs } from "../codec/index.ts"
import { buildBlock, makeBeacon, type Candidates } from "../core/BlockExecution.ts"
import { type ChainState, genesisState } from "../core/ChainState.ts"
import type { CoreContext } from "../core/Context.ts"
import type { Genesis } from "../core/Genesis.ts"
import { proposerFor } from "../core/LeaderElection.ts"
import { type NodeInput, initNode, step } from "../core/Node.ts"
import type { NodeKeys, NodeState } from "../core/NodeState.ts"
import { signVote } from "../core/Votes.ts"
import type { Block } from "../domain/Block.ts"
import type { Message } from "../domain/Message.ts"
import type { Transfer } from "../domain/Transaction.ts"
import type { AbstractRun, AInput, AMsg, ASigned, MValue, NutState } from "./ModelBasedRuns.ts"

export const SCENARIO_FORMAT = "poai/node-scenario/v1"

export type ScenarioInput =
  | { readonly type: "start" }
  /** `bytes`: the canonical message (hex); `note`: what it is, in model terms. */
  | { readonly type: "receive"; readonly from: number; readonly bytes: string; readonly note: string }
  | { readonly type: "timeout"; readonly kind: "propose" | "prevote" | "precommit"; readonly height: number; readonly round: number }

export interface ScenarioStep {
  readonly actions: ReadonlyArray<string>
  readonly inputs: ReadonlyArray<ScenarioInput>
  readonly expect: { readonly signed: ReadonlyArray<ASigned>; readonly state: NutState }
}

export interface Validator {
  readonly name: string
  readonly index: number
  readonly pubKey: string
}

/** The concrete part of a scenario: what the replay needs besides the genesis and the node's keys. */
export interface ScenarioRun {
  readonly nil: string
  readonly none: string
  readonly height: number
  /** Model value name -> block hash (hex). */
  readonly values: Readonly<Record<MValue, string>>
  readonly validators: ReadonlyArray<Validator>
  readonly steps: ReadonlyArray<ScenarioStep>
}

export interface Network {
  readonly genesis: Genesis
  readonly keys: ReadonlyArray<NodeKeys>
  readonly users: ReadonlyArray<{ readonly secretKey: Uint8Array; readonly pubKey: Uint8Array }>
}

const emptyCandidates: Candidates = { txs: [], commitments: [], reveals: [], evidence: [], audits: [], scoreCommits: [], scoreReveals: [] }

const hashOf = (ctx: CoreContext, b: Block): string => toHex(Hashes.blockHash(ctx.crypto.sha256, b.header))

/**
 * Make an abstract run concrete on a network: model validator `name` is `net.keys[assign[name]]`.
 * Values: a value the NUT proposes fresh at round r is the block the NUT builds at r (empty mempool,
 * as the core does); every other value is a block of the round-0 proposer, the first empty, the
 * next ones carrying one transfer each (so different values are different valid blocks); an invalid
 * value is that empty block with a wrong state root.
 */
export const concretize = (
  ctx: CoreContext,
  net: Network,
  assign: Readonly<Record<string, number>>,
  run: AbstractRun,
  names: { readonly nil: string; readonly none: string; readonly values: ReadonlyArray<MValue>; readonly invalid?: ReadonlyArray<MValue> },
): ScenarioRun => {
  const sha = ctx.crypto.sha256
  const chain: ChainState = genesisState(sha, net.genesis)
  const keyOf = (name: string): NodeKeys => {
    const k = net.keys[assign[name] ?? -1]
    if (k === undefined) throw new Error(`no key for ${name}`)
    return k
  }
  for (const [r, name] of run.proposer.entries())
    if (proposerFor(sha, chain, r)?.key !== keyOf(name).pubHex) throw new Error(`proposer of round ${r} is not ${name}`)
  const nut = keyOf(run.nut)
  const blocks = new Map<MValue, Block>()
  const ownBlock = (round: number) =>
    buildBlock(ctx, chain, round, nut.pubKey, makeBeacon(ctx, chain, nut.pubKey, nut.blsSecret), emptyCandidates, null).block
  for (const s of run.steps)
    for (const x of s.signed)
      if (x.type === "proposal" && x.validRound === -1) {
        if (blocks.has(x.value)) throw new Error(`the NUT proposes ${x.value} fresh twice`)
        blocks.set(x.value, ownBlock(x.round))
      }
  const p0 = net.keys.find((k) => k.pubHex === proposerFor(sha, chain, 0)?.key)
  if (p0 === undefined) throw new Error("no proposer of round 0")
  const user = net.users[0]
  const to = net.users[1]
  if (user === undefined || to === undefined) throw new Error("the network needs two users")
  const transfer = (amount: number): Transfer => {
    const unsigned = { chainId: chain.chainId, from: user.pubKey, to: to.pubKey, amount, fee: chain.params.minFee, nonce: 0 }
    return { ...unsigned, signature: ctx.crypto.ed25519.sign(SigningBytes.transfer(unsigned), user.secretKey) }
  }
  const beacon0 = makeBeacon(ctx, chain, p0.pubKey, p0.blsSecret)
  let k = 0
  for (const v of names.values) {
    if (blocks.has(v)) continue
    for (;;) {
      const txs = k === 0 ? [] : [transfer(k)]
      k++
      const b = buildBlock(ctx, chain, 0, p0.pubKey, beacon0, { ...emptyCandidates, txs }, null).block
      if (![...blocks.values()].some((x) => hashOf(ctx, x) === hashOf(ctx, b))) {
        blocks.set(v, b)
        break
      }
    }
  }
  // an invalid value: the round-0 proposer's empty block with a wrong stateRoot (BLOCK_BAD_STATE_ROOT);
  // its hash is that of the changed header, so the proposal carrying it is well formed
  for (const v of names.invalid ?? []) {
    const b = buildBlock(ctx, chain, 0, p0.pubKey, beacon0, emptyCandidates, null).block
    const root = new Uint8Array(b.header.stateRoot)
    root[0] = (root[0] as number) ^ 1
    blocks.set(v, { ...b, header: { ...b.header, stateRoot: root } })
  }
  const values: Record<MValue, string> = {}
  for (const [v, b] of blocks) values[v] = hashOf(ctx, b)
  const height = chain.height + 1
  const bytesOf = (m: AMsg): Uint8Array => {
    const signer = keyOf(m.signer)
    if (m.kind === "proposal") {
      const block = blocks.get(m.value)
      if (block === undefined) throw new Error(`no block for ${m.value}`)
      const unsigned = { chainId: chain.chainId, height, round: m.round, validRound: m.validRound, blockHash: Hashes.blockHash(sha, block.header), proposer: signer.pubKey }
      const proposal = { ...unsigned, signature: ctx.crypto.ed25519.sign(SigningBytes.proposal(unsigned), signer.secretKey) }
      return Codecs.Message.encode({ type: "proposal", proposal, block })
    }
    const h = m.value === names.nil ? null : values[m.value]
    if (h === undefined) throw new Error(`no block for ${m.value}`)
    const vote = signVote(ctx.crypto, signer.secretKey, {
      chainId: chain.chainId,
      type: m.kind,
      height,
      round: m.round,
      blockHash: h === null ? null : new Uint8Array(Buffer.from(h, "hex")),
      validator: signer.pubKey,
    })
    return Codecs.Message.encode({ type: "vote", vote })
  }
  const note = (m: AMsg) =>
    m.kind === "proposal" ? `proposal of ${m.signer}: round ${m.round}, ${m.value}, validRound ${m.validRound}` : `${m.kind} of ${m.signer}: round ${m.round}, ${m.value}`
  const input = (i: AInput): ScenarioInput =>
    i.type === "start"
      ? i
      : i.type === "timeout"
        ? { type: "timeout", kind: i.kind, height, round: i.round }
        : { type: "receive", from: assign[i.msg.signer] ?? -1, bytes: toHex(bytesOf(i.msg)), note: note(i.msg) }
  return {
    nil: names.nil,
    none: names.none,
    height,
    values,
    validators: Object.entries(assign)
      .map(([name, index]) => ({ name, index, pubKey: keyOf(name).pubHex }))
      .sort((a, b) => a.index - b.index),
    steps: run.steps.map((s) => ({ actions: s.actions, inputs: s.inputs.map(input), expect: { signed: s.signed, state: s.state } })),
  }
}

export interface ReplayedStep {
  readonly signed: ReadonlyArray<ASigned>
  /** The same messages per input of the step: what the node signed (or decided) first at each input. */
  readonly signedAt: ReadonlyArray<ReadonlyArray<ASigned>>
  readonly state: NutState
  /** One line per rejected input ("<note>: <error message>"), and the error codes (DecodeError: its reason). */
  readonly rejected: ReadonlyArray<string>
  readonly rejectedCodes: ReadonlyArray<string>
}

export interface Replay {
  readonly steps: ReadonlyArray<ReplayedStep>
  /** One line per difference from the model, "step 4 (OnTimeoutPrevote(c1)): ..."; empty = conforms. */
  readonly mismatches: ReadonlyArray<string>
}

const show = (x: unknown) => JSON.stringify(x)

/** What a run of a scenario needs: value names, and the inputs of each step (`note`s are for people). */
export interface ScenarioInputs {
  readonly nil: string
  readonly none: string
  readonly values: Readonly<Record<MValue, string>>
  readonly steps: ReadonlyArray<{ readonly inputs: ReadonlyArray<ScenarioInput> }>
}

/**
 * Drive `step` with the scenario's inputs (the node under test from genesis, consensus/node_scenario):
 * per step, the node's own signed proposals and votes and its decisions, per input, and its state after
 * the step. A message the node re-sends (relaying the polka of a re-proposal, retransmission) counts as
 * signed once, when it first appears.
 */
export const runScenario = (ctx: CoreContext, genesis: Genesis, keys: NodeKeys, sc: ScenarioInputs): ReadonlyArray<ReplayedStep> => {
  const name = new Map<string, MValue>(Object.entries(sc.values).map(([v, h]) => [h, v]))
  const valueName = (h: Uint8Array | string | null): MValue => (h === null ? sc.nil : (name.get(typeof h === "string" ? h : toHex(h)) ?? `?${(typeof h === "string" ? h : toHex(h)).slice(0, 12)}`))
  let s: NodeState = initNode(ctx, genesis, keys)
  let decision: MValue = sc.none
  const steps: ReplayedStep[] = []
  const sent = new Set<string>()
  for (const st of sc.steps) {
    const signedAt: ASigned[][] = []
    const rejected: string[] = []
    const rejectedCodes: string[] = []
    for (const inp of st.inputs) {
      const input: NodeInput =
        inp.type === "receive" ? { type: "receive", from: inp.from, bytes: new Uint8Array(Buffer.from(inp.bytes, "hex")) } : inp
      const [next, outs] = step(ctx, s, input)
      s = next
      const signed: ASigned[] = []
      for (const o of outs) {
        if (o.type === "rejected") {
          rejected.push(`${inp.type === "receive" ? inp.note : inp.type}: ${o.error.message}`)
          rejectedCodes.push(o.error._tag === "ProtocolError" ? o.error.code : o.error.reason)
        } else if (o.type === "commit") {
          decision = valueName(o.blockHash)
          signed.push({ type: "decide", value: decision })
        } else if (o.type === "broadcast") {
          const m: Message = o.message
          if ((m.type === "vote" || m.type === "proposal") && sent.has(toHex(o.bytes))) continue
          if (m.type === "vote" || m.type === "proposal") sent.add(toHex(o.bytes))
          if (m.type === "vote" && toHex(m.vote.validator) === keys.pubHex)
            signed.push({ type: m.vote.type, round: m.vote.round, value: valueName(m.vote.blockHash) })
          else if (m.type === "proposal" && toHex(m.proposal.proposer) === keys.pubHex)
            signed.push({ type: "proposal", round: m.proposal.round, value: valueName(m.proposal.blockHash), validRound: m.proposal.validRound })
        }
      }
      signedAt.push(signed)
    }
    const c = s.cons
    const state: NutState = {
      round: c.round,
      step: c.step,
      lockedValue: c.lockedValue === null ? sc.none : valueName(c.lockedValue.blockHash),
      lockedRound: c.lockedRound,
      validValue: c.validValue === null ? sc.none : valueName(c.validValue.blockHash),
      validRound: c.validRound,
      decision,
    }
    steps.push({ signed: signedAt.flat(), signedAt, state, rejected, rejectedCodes })
  }
  return steps
}

/**
 * Drive `step` with the scenario's inputs and compare, step by step, the node's own signed messages
 * (votes and proposals it signed, decisions) and its state with the model's. A node that decided has
 * moved to the next height: after a decision only the decision is compared.
 */
export const replay = (ctx: CoreContext, genesis: Genesis, keys: NodeKeys, sc: ScenarioRun): Replay => {
  const steps = runScenario(ctx, genesis, keys, sc)
  const mismatches: string[] = []
  sc.steps.forEach((st, i) => {
    const got = steps[i]
    if (got === undefined) return
    const { signed, state, rejected } = got
    // the model's actions need the whole step's input: acting before the last input is acting on less
    const early: string[] = []
    st.inputs.forEach((inp, j) => {
      const at = got.signedAt[j] ?? []
      if (j < st.inputs.length - 1 && at.length > 0)
        early.push(`input ${j} (${inp.type === "receive" ? inp.note : `${inp.type} ${inp.type === "timeout" ? `${inp.kind} round ${inp.round}` : ""}`}) gave ${show(at)}`)
    })
    const where = `step ${i} (${st.actions.join(", ")})`
    if (show(signed) !== show(st.expect.signed)) mismatches.push(`${where}: signed ${show(signed)}, model ${show(st.expect.signed)}`)
    const e = st.expect.state
    const fields = state.decision === sc.none && e.decision === sc.none ? (Object.keys(e) as Array<keyof NutState>) : (["decision"] as const)
    for (const f of fields) if (state[f] !== e[f]) mismatches.push(`${where}: ${f} = ${show(state[f])}, model ${show(e[f])}`)
    if (rejected.length > 0) mismatches.push(`${where}: inputs rejected: ${rejected.join("; ")}`)
    for (const x of early) mismatches.push(`${where}: before the step's last input: ${x}`)
  })
  return { steps, mismatches }
}
