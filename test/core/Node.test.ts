// spec: NODE-STEP.1..2, NODE-BUFFER.1, NODE-SYNC.2, CONS-RULE.*, CONS-EVIDENCE.2, ERR-* (spec/03-consensus.md,
// spec/07-errors.md); DESIGN "a bad input never crashes a node and never changes its state".
//
// Robustness: every bad input below must (1) not throw, (2) return the identical state object, or for
// inputs from a peer that is ahead (wrong height above ours) a state that differs only in the sync hint
// (syncRequested, aheadPeer; NODE-STEP.2), (3) leave nodeDigest unchanged and (4) emit a `rejected`
// output with the expected error.
import v8 from "node:v8"
import vm from "node:vm"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toHex, utf8 } from "../../src/codec/Bytes.ts"
import { MAX_WIRE_BYTES, canonicalEncode } from "../../src/codec/Canonical.ts"
import { Hashes } from "../../src/codec/Hashing.ts"
import { Codecs } from "../../src/codec/index.ts"
import { genesisState } from "../../src/core/ChainState.ts"
import type { ErrorCode } from "../../src/core/Errors.ts"
import { makeVoteEvidence } from "../../src/core/Evidence.ts"
import { proposerFor } from "../../src/core/LeaderElection.ts"
import { type NodeInput, type NodeOutput, initNode, nextAuditable, nodeDigest, step } from "../../src/core/Node.ts"
import { commitmentKey } from "../../src/core/WorkClaims.ts"
import type { NodeState } from "../../src/core/NodeState.ts"
import type { Message } from "../../src/domain/Message.ts"
import {
  type Account,
  certify,
  commitTo,
  ctx,
  encodeMsg,
  flipBit,
  outsider,
  proposal,
  saltOf,
  sha,
  signCommitment,
  signReveal,
  signTransfer,
  testnet,
  vote,
  workClaim,
} from "../fixtures/core.ts"

const net = testnet({ nodes: 4, seed: 81, users: 4 })
const G = net.genesis
const chain0 = genesisState(sha, G)
const P = net.keys.findIndex((k) => k.pubHex === proposerFor(sha, chain0, 0)!.key) // proposer of (1, 0)
const ME = (P + 1) % 4 // the node under test
const V2 = (P + 2) % 4
const V3 = (P + 3) % 4
const acc = (i: number): Account => ({ secretKey: net.keys[i]!.secretKey, pubKey: net.keys[i]!.pubKey })
const user = (i: number): Account => net.users[i]!

const run = (s: NodeState, input: NodeInput) => step(ctx, s, input)
const receive = (s: NodeState, m: Message | Uint8Array, from = V2) =>
  run(s, { type: "receive", from, bytes: m instanceof Uint8Array ? m : encodeMsg(m) })
const started = (i: number) => run(initNode(ctx, G, net.keys[i]!), { type: "start" })

// The proposer's real proposal for (1, 0).
const [, pOuts] = started(P)
const proposalOut = pOuts.find((o): o is Extract<NodeOutput, { type: "broadcast" }> => o.type === "broadcast" && o.message.type === "proposal")!
const proposalMsg = proposalOut.message as Extract<Message, { type: "proposal" }>
const blockHash1 = proposalMsg.proposal.blockHash

// The node under test: started, holding the proposal, its own prevote and one peer prevote.
const [fresh] = started(ME)
const [withProposal] = receive(fresh, proposalMsg, P)
const peerPrevote = vote(acc(V2), { type: "prevote", height: 1, blockHash: blockHash1 })
const [base] = receive(withProposal, { type: "vote", vote: peerPrevote })

type Expected = { tag: "DecodeError"; reason?: string } | { tag: "ProtocolError"; code: ErrorCode }

const rejectionOf = (outs: ReadonlyArray<NodeOutput>) => {
  const r = outs.filter((o): o is Extract<NodeOutput, { type: "rejected" }> => o.type === "rejected")
  expect(r).toHaveLength(1)
  const e = r[0]!.error
  return e._tag === "DecodeError" ? { tag: e._tag, reason: e.reason } : { tag: e._tag, code: e.code }
}

/** Asserts the four robustness properties; `hint` allows the sync-hint fields to change. */
const expectKept = (before: NodeState, input: NodeInput, expected: Expected, hint = false) => {
  let result: readonly [NodeState, ReadonlyArray<NodeOutput>] | undefined
  expect(() => (result = run(before, input))).not.toThrow()
  const [after, outs] = result!
  expect(nodeDigest(ctx, after)).toBe(nodeDigest(ctx, before))
  if (hint) {
    for (const k of Object.keys(before) as Array<keyof NodeState>)
      if (k !== "syncRequested" && k !== "aheadPeer") expect(after[k], `field ${k}`).toBe(before[k])
  } else expect(after).toBe(before)
  const got = rejectionOf(outs)
  expect(got).toMatchObject(expected)
  // nothing is broadcast in answer to a bad input; at most a sync request to the peer that is ahead
  for (const o of outs) {
    expect(o.type === "rejected" || (o.type === "send" && o.message.type === "sync-request")).toBe(true)
  }
  return { after, outs }
}
const recv = (m: Message | Uint8Array, from = V2): NodeInput => ({ type: "receive", from, bytes: m instanceof Uint8Array ? m : encodeMsg(m) })
const decodeErr = (reason?: string): Expected => (reason ? { tag: "DecodeError", reason } : { tag: "DecodeError" })
const perr = (code: ErrorCode): Expected => ({ tag: "ProtocolError", code })

describe("setup sanity", () => {
  it("the node under test holds the proposal and two prevotes and is in the prevote step", () => {
    expect(base.started).toBe(true)
    expect(base.cons.height).toBe(1)
    expect(base.cons.step).toBe("prevote")
    expect(base.cons.proposals.get(0)?.blockHash).toBe(toHex(blockHash1))
    expect(base.cons.prevotes.get(0)?.size).toBe(2)
    expect(nodeDigest(ctx, base)).not.toBe(nodeDigest(ctx, fresh))
  })
})

describe("bad inputs keep the node's protocol state (NODE-STEP.2)", () => {
  const voteMsg = encodeMsg({ type: "vote", vote: vote(acc(V3), { type: "prevote", height: 1, blockHash: blockHash1 }) })

  it("garbage bytes: empty, random, valid CBOR of the wrong shape, oversized", () => {
    expectKept(base, recv(new Uint8Array(0)), decodeErr("malformed"))
    expectKept(base, recv(new Uint8Array([0xff])), decodeErr("malformed"))
    expectKept(base, recv(sha(utf8("random")).subarray(0, 31)), decodeErr())
    expectKept(base, recv(canonicalEncode({ type: "vote" })), decodeErr("schema"))
    expectKept(base, recv(canonicalEncode([1, 2, 3])), decodeErr("schema"))
    expectKept(base, recv(canonicalEncode({ type: "sync-request", height: -1 })), decodeErr("schema"))
    expectKept(base, recv(new Uint8Array(MAX_WIRE_BYTES + 1)), decodeErr("oversized"))
  })

  it("truncated and extended messages", () => {
    for (const n of [1, 2, Math.floor(voteMsg.length / 2), voteMsg.length - 1]) expectKept(base, recv(voteMsg.subarray(0, n)), decodeErr("malformed"))
    const proposalBytes = proposalOut.bytes
    expectKept(base, recv(proposalBytes.subarray(0, proposalBytes.length - 10)), decodeErr("malformed"))
    const trailing = new Uint8Array([...voteMsg, 0x00])
    expectKept(base, recv(trailing), decodeErr())
  })

  it("a client transfer that is not a transfer", () => {
    expectKept(base, { type: "client-tx", bytes: new Uint8Array([0xa0]) }, decodeErr())
    expectKept(base, { type: "client-tx", bytes: voteMsg }, decodeErr("schema"))
  })

  it("messages before start are MSG_UNEXPECTED", () => {
    const idle = initNode(ctx, G, net.keys[ME]!)
    expectKept(idle, recv(voteMsg), perr("MSG_UNEXPECTED"))
  })

  it("wrong chain id: votes, proposals, transfers, commitments, reveals", () => {
    expectKept(base, recv({ type: "vote", vote: vote(acc(V3), { type: "prevote", height: 1, blockHash: blockHash1, chainId: "other-chain" }) }), perr("MSG_BAD_CHAIN"))
    expectKept(base, recv({ ...proposalMsg, proposal: { ...proposalMsg.proposal, chainId: "other-chain" } }), perr("MSG_BAD_CHAIN"))
    expectKept(base, recv({ type: "tx", tx: signTransfer(user(0), { to: user(1).pubKey, amount: 1, fee: 1, nonce: 0, chainId: "other-chain" }) }), perr("TX_BAD_CHAIN"))
    expectKept(base, recv({ type: "commitment", commitment: commitTo(user(0), workClaim("c"), saltOf("c"), "other-chain") }), perr("WORK_BAD_CHAIN"))
    expectKept(base, recv({ type: "reveal", reveal: signReveal(user(0), workClaim("c"), saltOf("c"), { chainId: "other-chain" }) }), perr("WORK_BAD_CHAIN"))
  })

  it("wrong-height votes and proposals from the past: identical state", () => {
    expectKept(base, recv({ type: "vote", vote: vote(acc(V3), { type: "prevote", height: 0, blockHash: blockHash1 }) }), perr("MSG_WRONG_HEIGHT"))
    const past = proposal(acc(P), { height: 0, blockHash: blockHash1 })
    expectKept(base, recv({ ...proposalMsg, proposal: past }), perr("MSG_WRONG_HEIGHT"))
  })

  it("wrong-height votes and proposals from a peer ahead: only the sync hint changes, a sync request goes to that peer", () => {
    const { after, outs } = expectKept(
      base,
      recv({ type: "vote", vote: vote(acc(V3), { type: "precommit", height: 3, blockHash: blockHash1 }) }, V3),
      perr("MSG_WRONG_HEIGHT"),
      true,
    )
    expect(after.aheadPeer).toBe(V3)
    expect(after.syncRequested).toBe(1)
    const req = outs.find((o) => o.type === "send")
    expect(req?.type === "send" && req.to === V3 && req.message.type === "sync-request" && req.message.height === 1).toBe(true)
    // a second such message does not ask again
    const second = expectKept(after, recv({ ...proposalMsg, proposal: proposal(acc(P), { height: 9, blockHash: blockHash1 }) }, V3), perr("MSG_WRONG_HEIGHT"), true)
    expect(second.outs.some((o) => o.type === "send")).toBe(false)
  })

  it("unauthenticated far-height messages do not touch the sync hint (NODE-RECV.3, NODE-SYNC.2)", () => {
    // Regression: unsigned far-height spam used to point aheadPeer at the spammer and send it the sync
    // request, so a node that fell behind asked only a peer that never answers.
    const v = vote(acc(V3), { type: "precommit", height: 3, blockHash: blockHash1 })
    expectKept(base, recv({ type: "vote", vote: { ...v, signature: flipBit(v.signature, 30) } }, V3), perr("MSG_WRONG_HEIGHT"))
    expectKept(base, recv({ type: "vote", vote: vote(outsider("nv"), { type: "precommit", height: 3, blockHash: null }) }, V3), perr("MSG_WRONG_HEIGHT"))
    const p = proposal(acc(P), { height: 4, blockHash: blockHash1 })
    expectKept(base, recv({ ...proposalMsg, proposal: { ...p, signature: flipBit(p.signature, 2) } }, V3), perr("MSG_WRONG_HEIGHT"))
  })

  it("MSG_ROUND_TOO_FAR: an unauthenticated vote more than maxRoundAhead rounds ahead", () => {
    const r = G.params.maxRoundAhead + 1
    const v = vote(acc(V3), { type: "prevote", height: 1, round: r, blockHash: null })
    expectKept(base, recv({ type: "vote", vote: { ...v, signature: flipBit(v.signature, 7) } }), perr("MSG_ROUND_TOO_FAR"))
    expectKept(base, recv({ type: "vote", vote: vote(outsider("far"), { type: "prevote", height: 1, round: r, blockHash: null }) }), perr("MSG_ROUND_TOO_FAR"))
  })

  it("CONS-ROUNDSKIP.1: authenticated far-round votes are not stored but move the round skip", () => {
    // Regression: far-round votes used to be dropped outright, so a node more than maxRoundAhead rounds
    // behind its peers could never skip forward (its peers only retransmit their current round).
    const r = G.params.maxRoundAhead + 10
    const far = (i: number) => recv({ type: "vote", vote: vote(acc(i), { type: "precommit", height: 1, round: r, blockHash: null }) })
    const [s1, o1] = run(base, far(V2))
    expect(o1.some((o) => o.type === "rejected")).toBe(false)
    expect(s1.cons.precommits.get(r)).toBeUndefined() // not stored
    expect(s1.cons.round).toBe(0) // one validator of four is not > 1/3 of the power
    expectKept(s1, far(V2), perr("MSG_ROUND_TOO_FAR")) // the same hint again changes nothing
    const [s2] = run(s1, far(V3))
    expect(s2.cons.round).toBe(r) // two of four equal-stake validators are > 1/3: skip to round r
  })

  it("badly signed votes: corrupted signature, or signed by another validator", () => {
    const v = vote(acc(V3), { type: "prevote", height: 1, blockHash: blockHash1 })
    expectKept(base, recv({ type: "vote", vote: { ...v, signature: flipBit(v.signature, 12) } }), perr("MSG_BAD_SIGNATURE"))
    const forged = { ...vote(acc(V2), { type: "precommit", height: 1, blockHash: blockHash1 }), validator: acc(V3).pubKey }
    expectKept(base, recv({ type: "vote", vote: forged }), perr("MSG_BAD_SIGNATURE"))
  })

  it("badly signed proposals: corrupted signature of the right proposer", () => {
    const p = proposalMsg.proposal
    expectKept(base, recv({ ...proposalMsg, proposal: { ...p, signature: flipBit(p.signature, 3) } }), perr("MSG_BAD_SIGNATURE"))
    expectKept(fresh, recv({ ...proposalMsg, proposal: { ...p, signature: flipBit(p.signature, 60) } }), perr("MSG_BAD_SIGNATURE"))
  })

  it("proposals by a validator that is not the proposer, or not matching their block", () => {
    const byOther = proposal(acc(V3), { height: 1, blockHash: blockHash1 })
    expectKept(fresh, recv({ ...proposalMsg, proposal: byOther }), perr("MSG_WRONG_PROPOSER"))
    expectKept(fresh, recv({ ...proposalMsg, proposal: proposal(acc(P), { height: 1, blockHash: sha(utf8("other block")) }) }), perr("MSG_MISMATCH"))
    expectKept(fresh, recv({ ...proposalMsg, proposal: proposal(acc(P), { height: 1, validRound: 0, blockHash: blockHash1 }) }), perr("MSG_MISMATCH"))
  })

  it("votes from non-validators", () => {
    expectKept(base, recv({ type: "vote", vote: vote(outsider("nv"), { type: "prevote", height: 1, blockHash: blockHash1 }) }), perr("MSG_UNKNOWN_VALIDATOR"))
    expectKept(base, recv({ type: "vote", vote: vote(user(0), { type: "precommit", height: 1, blockHash: null }) }), perr("MSG_UNKNOWN_VALIDATOR"))
  })

  it("bad messages for the next height are not buffered (NODE-BUFFER.1)", () => {
    const v = vote(acc(V3), { type: "prevote", height: 2, blockHash: blockHash1 })
    expectKept(base, recv({ type: "vote", vote: { ...v, signature: flipBit(v.signature, 9) } }), perr("MSG_BAD_SIGNATURE"))
    expectKept(base, recv({ type: "vote", vote: vote(outsider("nv"), { type: "prevote", height: 2, blockHash: null }) }), perr("MSG_UNKNOWN_VALIDATOR"))
    const p = proposal(acc(V3), { height: 2, blockHash: blockHash1 })
    expectKept(base, recv({ ...proposalMsg, proposal: { ...p, signature: flipBit(p.signature, 1) } }), perr("MSG_BAD_SIGNATURE"))
    expectKept(base, recv({ ...proposalMsg, proposal: proposal(outsider("nv"), { height: 2, blockHash: blockHash1 }) }), perr("MSG_UNKNOWN_VALIDATOR"))
    // a well-signed validator message for the next height is buffered
    const [after, outs] = receive(base, { type: "vote", vote: v }, V3)
    expect(outs.some((o) => o.type === "rejected")).toBe(false)
    expect(after.future).toHaveLength(1)
  })

  it("duplicate messages: vote, proposal, transfer, commitment, reveal, evidence", () => {
    expectKept(base, recv({ type: "vote", vote: peerPrevote }), perr("MSG_DUPLICATE"))
    expectKept(base, recv(proposalMsg, P), perr("MSG_DUPLICATE"))
    const tx = signTransfer(user(0), { to: user(1).pubKey, amount: 5, fee: 1, nonce: 0 })
    const [s1] = receive(base, { type: "tx", tx })
    expect(s1.mempool.txs.size).toBe(1)
    expectKept(s1, recv({ type: "tx", tx }), perr("TX_DUPLICATE"))
    expectKept(s1, { type: "client-tx", bytes: Codecs.Transfer.encode(tx) }, perr("TX_DUPLICATE"))
    const c = commitTo(user(0), workClaim("dup"), saltOf("dup"))
    const [s2] = receive(s1, { type: "commitment", commitment: c })
    expectKept(s2, recv({ type: "commitment", commitment: c }), perr("WORK_DUPLICATE_COMMITMENT"))
    const r = signReveal(user(0), workClaim("dup"), saltOf("dup"))
    const [s3] = receive(s2, { type: "reveal", reveal: r })
    expectKept(s3, recv({ type: "reveal", reveal: r }), perr("WORK_ALREADY_REVEALED"))
    const e = makeVoteEvidence(
      vote(acc(V3), { type: "prevote", height: 1, blockHash: sha(utf8("x")) }),
      vote(acc(V3), { type: "prevote", height: 1, blockHash: sha(utf8("y")) }),
    )
    const [s4, o4] = receive(s3, { type: "evidence", evidence: e })
    expect(o4.some((o) => o.type === "rejected")).toBe(false)
    expect(s4.mempool.evidence.size).toBe(1)
    expectKept(s4, recv({ type: "evidence", evidence: e }), perr("EVIDENCE_DUPLICATE"))
  })

  it("invalid transfers, work messages and evidence", () => {
    const tx = signTransfer(user(0), { to: user(1).pubKey, amount: 5, fee: 1, nonce: 0 })
    expectKept(base, recv({ type: "tx", tx: { ...tx, signature: flipBit(tx.signature) } }), perr("TX_BAD_SIGNATURE"))
    expectKept(base, recv({ type: "tx", tx: signTransfer(outsider("poor"), { to: user(1).pubKey, amount: 5, fee: 1, nonce: 0 }) }), perr("TX_UNKNOWN_SENDER"))
    expectKept(base, recv({ type: "tx", tx: signTransfer(user(0), { to: user(1).pubKey, amount: 0, fee: 1, nonce: 0 }) }), perr("TX_ZERO_AMOUNT"))
    expectKept(base, recv({ type: "tx", tx: signTransfer(user(0), { to: user(1).pubKey, amount: 5, fee: 0, nonce: 0 }) }), perr("TX_FEE_TOO_LOW"))
    const c = commitTo(user(0), workClaim("w"), saltOf("w"))
    expectKept(base, recv({ type: "commitment", commitment: { ...c, signature: flipBit(c.signature) } }), perr("WORK_BAD_SIGNATURE"))
    const r = signReveal(user(0), workClaim("w"), saltOf("w"))
    expectKept(base, recv({ type: "reveal", reveal: { ...r, signature: flipBit(r.signature) } }), perr("WORK_BAD_SIGNATURE"))
    const e = makeVoteEvidence(
      vote(acc(V3), { type: "prevote", height: 1, blockHash: sha(utf8("x")) }),
      vote(acc(V3), { type: "prevote", height: 1, blockHash: sha(utf8("y")) }),
    )
    expectKept(base, recv({ type: "evidence", evidence: { ...e, a: e.b, b: e.a } as typeof e }), perr("EVIDENCE_INVALID"))
    const stranger = outsider("s")
    const e2 = makeVoteEvidence(vote(stranger, { type: "prevote", height: 1, blockHash: null }), vote(stranger, { type: "prevote", height: 1, blockHash: sha(utf8("y")) }))
    expectKept(base, recv({ type: "evidence", evidence: e2 }), perr("EVIDENCE_UNKNOWN_VALIDATOR"))
    expectKept(base, { type: "work", claim: { ...workClaim("bad"), attestation: new Uint8Array(20_000) } }, perr("WORK_INVALID_CLAIM"))
  })

  it("sync: unknown height, a certificate without quorum, a block for another height", () => {
    expectKept(base, recv({ type: "sync-request", height: 7 }), perr("SYNC_NOT_FOUND"))
    const block = proposalMsg.block
    const weak = certify(block, [acc(P), acc(V2)])
    expectKept(base, recv({ type: "sync-response", block, commit: weak }), perr("SYNC_BAD_CERTIFICATE"))
    const good = certify(block, [acc(P), acc(V2), acc(V3)])
    expectKept(base, recv({ type: "sync-response", block, commit: { ...good, blockHash: sha(utf8("z")) } }), perr("SYNC_BAD_CERTIFICATE"))
    const future = { ...block, header: { ...block.header, height: 2 } }
    expectKept(base, recv({ type: "sync-response", block: future, commit: good }), perr("MSG_WRONG_HEIGHT"))
  })

  it("a certified block arriving by sync is adopted (the positive case of the test above)", () => {
    const good = certify(proposalMsg.block, [acc(P), acc(V2), acc(V3)])
    const [after, outs] = receive(fresh, { type: "sync-response", block: proposalMsg.block, commit: good })
    expect(outs.some((o) => o.type === "commit" && o.height === 1)).toBe(true)
    expect(after.chain.height).toBe(1)
  })
})

// ---------------------------------------------------------------------------------------------
// A 4-node network driven by hand: every broadcast is delivered synchronously, timers are ignored.

interface Net {
  states: NodeState[]
  sent?: Message[][]
  commits: Array<Array<Extract<NodeOutput, { type: "commit" }>>>
  evidence: Array<Extract<NodeOutput, { type: "evidence" }>>
  rejected: number
  /** Messages not yet delivered; a later deliverAll on the same network continues with them. */
  queue?: Array<{ to: number; from: number; bytes: Uint8Array }>
  commitTimers?: Array<{ to: number; height: number }>
}
const deliverAll = (n: Net, first: Array<{ from: number; outs: ReadonlyArray<NodeOutput> }>, until: (n: Net) => boolean) => {
  const queue = (n.queue ??= [])
  const collect = (from: number, outs: ReadonlyArray<NodeOutput>) => {
    for (const o of outs) {
      // a flooding network: `only` is not used and NODE-ROUTE.2 re-sends are dropped (SIM-NET.2 `flood`)
      if (o.type === "broadcast" && o.resend === true) continue
      if (o.type === "broadcast") {
        n.sent?.[from]?.push(o.message)
        for (let to = 0; to < n.states.length; to++) to !== from && queue.push({ to, from, bytes: o.bytes })
      }
      else if (o.type === "send") queue.push({ to: o.to, from, bytes: o.bytes })
      else if (o.type === "commit") n.commits[from]!.push(o)
      else if (o.type === "evidence") n.evidence.push(o)
      else if (o.type === "rejected") n.rejected++
      // CONS-COMMITWAIT.1: commit timers fire once the network is quiet (only they; other timers never fire here)
      else if (o.type === "timer" && o.kind === "commit") commitTimers.push({ to: from, height: o.height })
    }
  }
  const commitTimers = (n.commitTimers ??= [])
  for (const f of first) collect(f.from, f.outs)
  for (let guard = 0; (queue.length > 0 || commitTimers.length > 0) && !until(n) && guard < 10_000; guard++) {
    if (queue.length === 0) {
      const t = commitTimers.shift()!
      const [s, outs] = step(ctx, n.states[t.to]!, { type: "timeout", kind: "commit", height: t.height, round: 0 })
      n.states[t.to] = s
      collect(t.to, outs)
      continue
    }
    const m = queue.shift()!
    const [s, outs] = step(ctx, n.states[m.to]!, { type: "receive", from: m.from, bytes: m.bytes })
    n.states[m.to] = s
    collect(m.to, outs)
  }
}

describe("a 4-node network driven manually", () => {
  // The proposer of height 1 gets a transfer before it starts, so block 1 carries it.
  const tx = signTransfer(user(2), { to: user(3).pubKey, amount: 77, fee: 1, nonce: 0 })
  const n: Net = { states: net.keys.map((k) => initNode(ctx, G, k)), commits: [[], [], [], []], evidence: [], rejected: 0 }
  const [pWithTx, txOuts] = step(ctx, n.states[P]!, { type: "client-tx", bytes: Codecs.Transfer.encode(tx) })
  n.states[P] = pWithTx
  const starts: Array<{ from: number; outs: ReadonlyArray<NodeOutput> }> = []
  for (let i = 0; i < 4; i++) {
    const [s, outs] = step(ctx, n.states[i]!, { type: "start" })
    n.states[i] = s
    starts.push({ from: i, outs })
  }
  deliverAll(n, starts, (x) => x.commits.every((c) => c.length >= 1))

  it("a client transfer is admitted before start and gossiped", () => {
    expect(txOuts.some((o) => o.type === "broadcast" && o.message.type === "tx")).toBe(true)
    expect(pWithTx.mempool.txs.size).toBe(1)
  })

  it("commits height 1 on every node, with the same block and state root", () => {
    for (let i = 0; i < 4; i++) {
      expect(n.commits[i]!.length, `node ${i}`).toBeGreaterThanOrEqual(1)
      expect(n.commits[i]![0]!.height).toBe(1)
      expect(n.commits[i]![0]!.round).toBe(0)
    }
    const hashes = new Set(n.commits.map((c) => c[0]!.blockHash))
    const roots = new Set(n.states.map((s) => toHex(s.blocks.get(1)!.block.header.stateRoot)))
    expect(hashes.size).toBe(1)
    expect(roots.size).toBe(1)
    expect([...hashes][0]).toBe(toHex(Hashes.blockHash(sha, n.states[0]!.blocks.get(1)!.block.header)))
    for (const s of n.states) {
      expect(s.chain.height).toBe(1)
      expect(s.cons.height).toBe(2)
      expect(s.chain.accounts.get(toHex(user(3).pubKey))!.balance).toBe(1_000_000_000 + 77)
    }
    expect(n.evidence).toHaveLength(0)
  })

  it("the commit certificate carries > 2/3 of the power and verifies", () => {
    const c = n.commits[0]![0]!.cert
    expect(c.signatures.length).toBeGreaterThanOrEqual(3)
    expect(toHex(c.blockHash)).toBe(n.commits[0]![0]!.blockHash)
  })

  it("NODE-SYNC.1: a sync request for height 1 is answered with the stored block and exactly the certificate of the decision", () => {
    for (let i = 0; i < 4; i++) {
      const [, outs] = step(ctx, n.states[i]!, recv({ type: "sync-request", height: 1 }))
      const resp = outs.find((o) => o.type === "send")
      expect(resp?.type === "send" && resp.message.type === "sync-response").toBe(true)
      if (resp?.type !== "send" || resp.message.type !== "sync-response") continue
      // the node's own certificate (stored as bytes, StoredCommit) comes back as it was decided
      expect(resp.message.commit).toEqual(n.commits[i]![0]!.cert)
      expect(resp.message.commit).toEqual(n.states[i]!.lastCommit)
      expect(toHex(Hashes.blockHash(sha, resp.message.block.header))).toBe(n.commits[i]![0]!.blockHash)
      expect(toHex(Codecs.Message.encode(resp.message))).toBe(toHex(resp.bytes))
    }
  })

  it("a replayed transaction (already applied in block 1) is rejected and keeps the state", () => {
    for (const i of [0, 1, 2, 3]) {
      const s = n.states[i]!
      expectKept(s, recv({ type: "tx", tx }), perr("TX_BAD_NONCE"))
      expectKept(s, { type: "client-tx", bytes: Codecs.Transfer.encode(tx) }, perr("TX_BAD_NONCE"))
    }
  })

  it("votes and proposals for the decided height are now MSG_WRONG_HEIGHT", () => {
    const s = n.states[ME]!
    expectKept(s, recv({ type: "vote", vote: peerPrevote }), perr("MSG_WRONG_HEIGHT"))
    expectKept(s, recv(proposalMsg, P), perr("MSG_WRONG_HEIGHT"))
  })

  it("conflicting votes produce an `evidence` output, once, and the evidence is gossiped", () => {
    const s = n.states[ME]!
    const h = s.cons.height
    const a = vote(acc(V3), { type: "precommit", height: h, blockHash: sha(utf8("left")) })
    const b = vote(acc(V3), { type: "precommit", height: h, blockHash: sha(utf8("right")) })
    const [s1, o1] = receive(s, { type: "vote", vote: a }, V3)
    expect(o1.some((o) => o.type === "evidence" || o.type === "rejected")).toBe(false)
    const [s2, o2] = receive(s1, { type: "vote", vote: b }, V3)
    const ev = o2.filter((o) => o.type === "evidence")
    expect(ev).toHaveLength(1)
    const e = (ev[0] as Extract<NodeOutput, { type: "evidence" }>).evidence
    expect(e).toEqual(makeVoteEvidence(a, b))
    expect(o2.some((o) => o.type === "broadcast" && o.message.type === "evidence")).toBe(true)
    expect(s2.mempool.evidence.size).toBe(1)
    // a third value for the same slot is counted but not reported again
    const c = vote(acc(V3), { type: "precommit", height: h, blockHash: null })
    const [, o3] = receive(s2, { type: "vote", vote: c }, V3)
    expect(o3.filter((o) => o.type === "evidence")).toHaveLength(0)
  })

  it("conflicting proposals produce evidence; the first proposal stays", () => {
    // Deliver the real proposal of (1, 0), then a second, different one signed by the same proposer.
    const other = proposal(acc(P), { height: 1, blockHash: sha(utf8("another block")) })
    const [s2, outs] = receive(withProposal, { ...proposalMsg, proposal: other }, P)
    expect(outs.filter((o) => o.type === "evidence")).toHaveLength(1)
    expect(s2.cons.proposals.get(0)?.blockHash).toBe(toHex(blockHash1))
  })
})

describe("a single validator decides one height per step (NODE-STEP.1)", () => {
  // Regression: with > 2/3 of the power in one node, `progress` decided height after height inside one
  // step (up to its 10,000-firing bound, minutes of BLS signing), so `poai run --nodes 1` never returned.
  const solo = testnet({ nodes: 1, seed: 82, users: 1 })
  const commitsOf = (outs: ReadonlyArray<NodeOutput>) => outs.filter((o): o is Extract<NodeOutput, { type: "commit" }> => o.type === "commit")

  it("start decides height 1 only; each later input decides at most one more height", () => {
    const [s1, o1] = step(ctx, initNode(ctx, solo.genesis, solo.keys[0]!), { type: "start" })
    expect(commitsOf(o1).map((c) => c.height)).toEqual([1])
    expect(s1.chain.height).toBe(1)
    expect(s1.cons.height).toBe(2)
    const timer = o1.find((o): o is Extract<NodeOutput, { type: "timer" }> => o.type === "timer" && o.height === 2)!
    expect(timer).toBeDefined()
    const [s2, o2] = step(ctx, s1, { type: "timeout", kind: timer.kind, height: timer.height, round: timer.round })
    expect(commitsOf(o2).map((c) => c.height)).toEqual([2])
    expect(s2.chain.height).toBe(2)
    // the certificate of each decision is the node's own precommit
    expect(commitsOf(o2)[0]!.cert.signatures).toHaveLength(1)
  })
})

describe("commitment squatting (WORK-CR.1, WORK-CR.8)", () => {
  // A third party copies the victim's commitment value from the gossip and gets it registered under its
  // own key before the victim's own commitment. The registry is keyed by (worker, commitment value), so
  // the copy is a separate record: the victim's own commitment is still admitted and registered (it used
  // to be rejected as a duplicate, and the victim lost the claim), the copy is never mistaken for the
  // victim's registration (a worker reveals only once its own pair is finalized; revealing earlier would
  // only hand the claim and salt to copiers), and no one can ever reveal the copy.
  // State after block 1: block 1 is built at start from an empty mempool, so it is the block of proposalMsg.
  const st1 = (() => {
    const [nb] = receive(fresh, { type: "sync-response", block: proposalMsg.block, commit: certify(proposalMsg.block, [acc(P), acc(V2), acc(V3)]) })
    return nb.chain
  })()
  const P2 = net.keys.findIndex((k) => k.pubHex === proposerFor(sha, st1, 0)!.key) // proposer of height 2
  const [victim, honest] = [0, 1, 2, 3].filter((i) => i !== P && i !== P2) as [number, number]
  const squatter = outsider("squatter")
  const victimHex = net.keys[victim]!.pubHex
  const squatterHex = toHex(squatter.pubKey)

  const n: Net = { states: net.keys.map((k) => initNode(ctx, G, k)), commits: [[], [], [], []], evidence: [], rejected: 0, sent: [[], [], [], []] }
  const claimV = workClaim("victim-work")
  const claimH = workClaim("honest-work")
  const workIdV = toHex(Hashes.workId(sha, claimV))
  const [sv, ov] = step(ctx, n.states[victim]!, { type: "work", claim: claimV })
  const [sh, oh] = step(ctx, n.states[honest]!, { type: "work", claim: claimH })
  n.states[victim] = sv
  n.states[honest] = sh
  const commitmentOf = (outs: ReadonlyArray<NodeOutput>) =>
    (outs.find((o) => o.type === "broadcast" && o.message.type === "commitment") as Extract<NodeOutput, { type: "broadcast" }>).message as Extract<Message, { type: "commitment" }>
  const victimCommitment = commitmentOf(ov).commitment
  const honestCommitment = commitmentOf(oh).commitment
  const C = toHex(victimCommitment.commitment)
  const revealsSent = (i: number) => n.sent![i]!.filter((m): m is Extract<Message, { type: "reveal" }> => m.type === "reveal")
  const rejectedOf = (outs: ReadonlyArray<NodeOutput>) => outs.filter((o) => o.type === "rejected")
  const starts: Array<{ from: number; outs: ReadonlyArray<NodeOutput> }> = []
  for (let i = 0; i < 4; i++) {
    const [s, outs] = step(ctx, n.states[i]!, { type: "start" })
    n.states[i] = s
    starts.push({ from: i, outs })
  }
  // Phase 1: the squatter's copy of the victim's commitment reaches every node, the victim included; the
  // victim's own commitment is not delivered yet (the victim proposes neither height 1 nor 2, so it is not
  // included); the honest worker's commitment is delivered normally.
  const squat = signCommitment(squatter, victimCommitment.commitment)
  const squatRejections: NodeOutput[] = []
  for (let i = 0; i < 4; i++) {
    const [s, outs] = receive(n.states[i]!, { type: "commitment", commitment: squat }, (i + 1) % 4)
    n.states[i] = s
    squatRejections.push(...rejectedOf(outs))
    if (i !== honest) n.states[i] = receive(n.states[i]!, { type: "commitment", commitment: honestCommitment }, honest)[0]
  }
  deliverAll(n, starts, (x) => x.commits.every((c) => c.length >= 2))
  const phase1 = {
    chains: n.states.map((s) => s.chain),
    victimReveals: revealsSent(victim).length,
    victimMempoolReveals: n.states[victim]!.mempool.reveals.size,
  }
  // Phase 2: the victim's own commitment reaches the other nodes, after the copy has been finalized.
  const ownRejections: NodeOutput[] = []
  for (let i = 0; i < 4; i++) {
    if (i === victim) continue
    const [s, outs] = receive(n.states[i]!, { type: "commitment", commitment: victimCommitment }, victim)
    n.states[i] = s
    ownRejections.push(...rejectedOf(outs))
  }
  deliverAll(n, [], (x) => x.states.every((s) => s.chain.claims.get(workIdV) !== undefined))

  it("the copy is admitted by every node, the victim's included, and finalized under the squatter's key", () => {
    expect(squatRejections).toEqual([])
    expect(n.commits.every((c) => c.length >= 2)).toBe(true)
    for (const chain of phase1.chains) {
      expect(chain.commitments.get(commitmentKey(squatterHex, C))).toMatchObject({ worker: squatterHex, commitment: C, revealed: false })
      expect(chain.commitments.has(commitmentKey(victimHex, C))).toBe(false)
    }
  })

  it("the victim does not reveal while only the copy is finalized (no leak of claim and salt)", () => {
    expect(phase1.victimReveals).toBe(0)
    expect(phase1.victimMempoolReveals).toBe(0)
  })

  it("the victim's own commitment is then admitted (no duplicate of the copy), registered and revealed; the victim holds the work on every node", () => {
    expect(ownRejections).toEqual([])
    const reveals = revealsSent(victim)
    expect(reveals).toHaveLength(1)
    expect(toHex(Hashes.workId(sha, reveals[0]!.reveal.claim))).toBe(workIdV)
    for (const s of n.states) {
      expect(s.chain.claims.get(workIdV)).toMatchObject({ worker: victimHex, commitment: C })
      expect(s.chain.commitments.get(commitmentKey(victimHex, C))?.revealed).toBe(true)
      // the copy, if not yet pruned, is never revealed
      expect(s.chain.commitments.get(commitmentKey(squatterHex, C))?.revealed ?? false).toBe(false)
    }
  })

  it("a worker whose own commitment was finalized still reveals it", () => {
    const reveals = revealsSent(honest)
    expect(reveals).toHaveLength(1)
    expect(toHex(Hashes.workId(sha, reveals[0]!.reveal.claim))).toBe(toHex(Hashes.workId(sha, claimH)))
  })
})

// ---------------------------------------------------------------------------------------------
// fast-check: step never throws, and whenever it rejects, the protocol state is kept.

describe("property: arbitrary bytes and mutated valid messages (NODE-STEP.1..2)", () => {
  // Valid encodings of every message type the node can receive, for the current and the next height.
  const nextVote = vote(acc(V3), { type: "precommit", height: 2, blockHash: blockHash1 })
  const seeds: Uint8Array[] = [
    proposalOut.bytes,
    encodeMsg({ type: "vote", vote: vote(acc(V3), { type: "prevote", height: 1, blockHash: blockHash1 }) }),
    encodeMsg({ type: "vote", vote: nextVote }),
    encodeMsg({ type: "tx", tx: signTransfer(user(0), { to: user(1).pubKey, amount: 5, fee: 1, nonce: 0 }) }),
    encodeMsg({ type: "commitment", commitment: commitTo(user(1), workClaim("p"), saltOf("p")) }),
    encodeMsg({ type: "reveal", reveal: signReveal(user(1), workClaim("p"), saltOf("p")) }),
    encodeMsg({
      type: "evidence",
      evidence: makeVoteEvidence(
        vote(acc(V3), { type: "prevote", height: 1, blockHash: sha(utf8("x")) }),
        vote(acc(V3), { type: "prevote", height: 1, blockHash: sha(utf8("y")) }),
      ),
    }),
    encodeMsg({ type: "sync-request", height: 1 }),
    encodeMsg({ type: "sync-response", block: proposalMsg.block, commit: certify(proposalMsg.block, [acc(P), acc(V2), acc(V3)]) }),
  ]

  type Mutation =
    | { kind: "flip"; at: number; bit: number }
    | { kind: "set"; at: number; value: number }
    | { kind: "truncate"; at: number }
    | { kind: "delete"; at: number; len: number }
    | { kind: "insert"; at: number; bytes: Uint8Array }
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  )
  const apply = (b: Uint8Array, m: Mutation): Uint8Array => {
    const at = b.length === 0 ? 0 : m.at % b.length
    switch (m.kind) {
      case "flip":
        return flipBit(b, at, m.bit)
      case "set": {
        const c = new Uint8Array(b)
        c[at] = m.value
        return c
      }
      case "truncate":
        return b.subarray(0, at)
      case "delete":
        return new Uint8Array([...b.subarray(0, at), ...b.subarray(at + m.len)])
      case "insert":
        return new Uint8Array([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)])
    }
  }
  const input: fc.Arbitrary<{ bytes: Uint8Array; client: boolean }> = fc.record({
    bytes: fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.tuple(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([i, ms]) =>
        ms.reduce(apply, seeds[i]!),
      ),
    ),
    client: fc.boolean(),
  })

  const states: ReadonlyArray<readonly [string, NodeState]> = [
    ["fresh", fresh],
    ["base", base],
  ]

  it("step never throws; a rejection keeps the state (numRuns 300, seed 20250101)", () => {
    let rejections = 0
    fc.assert(
      fc.property(fc.integer({ min: 0, max: states.length - 1 }), input, fc.integer({ min: 0, max: 3 }), (si, { bytes, client }, from) => {
        const [, before] = states[si]!
        const digest = nodeDigest(ctx, before)
        const inp: NodeInput = client ? { type: "client-tx", bytes } : { type: "receive", from, bytes }
        const [after, outs] = step(ctx, before, inp)
        const rejected = outs.filter((o) => o.type === "rejected")
        if (rejected.length > 0) {
          rejections++
          expect(rejected).toHaveLength(1)
          expect(nodeDigest(ctx, after)).toBe(digest)
          for (const k of Object.keys(before) as Array<keyof NodeState>)
            if (k !== "syncRequested" && k !== "aheadPeer") expect(after[k]).toBe(before[k])
        }
      }),
      { numRuns: 300, seed: 20250101, verbose: 1 },
    )
    expect(rejections).toBeGreaterThan(200) // the generator mostly produces bad inputs
  })
})

describe("NODE-AUDIT.1: nextAuditable, memoized per block", () => {
  const sha = (b: Uint8Array) => b
  const claim = (n: number) => ({ task: { taskId: new Uint8Array([n]) } }) as never
  const chainOf = (open: ReadonlyArray<string>) =>
    ({ height: 5, claims: new Map(open.map((id) => [id, { audit: "pending", scoring: "open", revealHeight: 3 }])) }) as never
  const block = { body: { reveals: [] } } as never

  it("the same (previous map, block, state) gives the same map object; another previous map its own answer", () => {
    const chain = chainOf(["aa", "bb"])
    const empty = new Map()
    const kept = new Map([["aa", claim(1)], ["cc", claim(2)]])
    const a = nextAuditable(sha as never, empty, block, chain)
    expect(nextAuditable(sha as never, empty, block, chain)).toBe(a)
    expect([...a.keys()]).toEqual([])
    // a node that kept other claims, deciding the same block on the same state: its claims, less the settled one
    const b = nextAuditable(sha as never, kept, block, chain)
    expect([...b.keys()]).toEqual(["aa"])
    // and another state for the same block and previous map is computed anew
    const c = nextAuditable(sha as never, kept, block, chainOf(["cc"]))
    expect([...c.keys()]).toEqual(["cc"])
  })

  it("keeps no decided block alive through the memo, when the first previous map lives for ever (regression: a memo keyed by the map chained every height to it)", async () => {
    v8.setFlagsFromString("--expose-gc")
    const gc = vm.runInNewContext("gc") as () => void
    const chain = chainOf([])
    const first = new Map() // like the empty map every fresh node starts from
    let block1: object | undefined = { body: { reveals: [] } }
    const ref = new WeakRef(block1)
    let next1: ReadonlyMap<string, unknown> | undefined = nextAuditable(sha as never, first, block1 as never, chain)
    nextAuditable(sha as never, next1 as never, { body: { reveals: [] } } as never, chain)
    block1 = undefined
    next1 = undefined
    for (let i = 0; i < 3 && ref.deref() !== undefined; i++) {
      await new Promise((r) => setTimeout(r, 0))
      gc()
    }
    expect(ref.deref()).toBeUndefined()
    expect(first.size).toBe(0)
  })
})
