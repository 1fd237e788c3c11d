// spec: CONS-RULE.1, CONS-RULE.2, CONS-RULE.3, CONS-RULE.5, CONS-RULE.6, CONS-RULE.7, CONS-RULE.8, CONS-RULE.9,
//       CONS-ROUNDSKIP.1, CONS-VOTE.2, CONS-RELAY.1, CONS-VALID.1, CONS-COMMITWAIT.1 (spec/03-consensus.md)
//
// The locking rules of Tendermint, one node at a time: a single node is driven with `step` through
// crafted message sequences signed with the test keys (four equal-stake validators, seed 1), and its
// votes, proposals, timers and lock/valid state are checked after each input. Every scenario names the
// rule it exercises; together they kill the consensus mutants of `npm run mutants`
// (properties/mutants/mutants.json) that the network properties may miss.
//
// The testnet seed, the node under test (ME) and the round it proposes are chosen at load time (the
// proposer draw depends on the genesis): ME proposes none of rounds 0..2 and proposes round R_ME >= 3.
// O0, O1, O2 are the other three validators.
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { Hashes } from "../../src/codec/Hashing.ts"
import { genesisState } from "../../src/core/ChainState.ts"
import { powerTable } from "../../src/core/Votes.ts"
import { proposerFor } from "../../src/core/LeaderElection.ts"
import { type NodeInput, type NodeOutput, initNode, step } from "../../src/core/Node.ts"
import type { NodeState } from "../../src/core/NodeState.ts"
import type { Block } from "../../src/domain/Block.ts"
import type { Vote, VoteType } from "../../src/domain/Consensus.ts"
import type { Message } from "../../src/domain/Message.ts"
import { type Account, ctx, encodeMsg, nextBlock, proposal, sha, signTransfer, testnet, vote } from "../fixtures/core.ts"

const choose = () => {
  for (let seed = 1; seed < 500; seed++) {
    const net = testnet({ nodes: 4, seed, users: 2 })
    const chain0 = genesisState(sha, net.genesis)
    const idx = (r: number) => net.keys.findIndex((k) => k.pubHex === proposerFor(sha, chain0, r)!.key)
    for (let me = 0; me < 4; me++) {
      if ([0, 1, 2].some((r) => idx(r) === me)) continue
      const R = [3, 4, 5, 6, 7, 8].find((r) => idx(r) === me)
      if (R !== undefined) return { net, chain0, idx, me, R }
    }
  }
  throw new Error("no testnet seed fits the scenarios")
}
const { net, chain0, idx: proposerIdx, me: ME, R: R_ME } = choose()
const [O0, O1, O2] = [0, 1, 2, 3].filter((i) => i !== ME) as [number, number, number]
const acc = (i: number): Account => ({ secretKey: net.keys[i]!.secretKey, pubKey: net.keys[i]!.pubKey })

// Two valid blocks of height 1 (real beacons) built by the proposers of rounds 0 and 1, and an invalid
// one (stand-in beacon: validateBlock rejects it, CONS-VALID.1).
const A = nextBlock(net, chain0, {}, { real: true, round: 0 }).block
const B = nextBlock(net, chain0, {}, { real: true, round: 1 }).block
const BAD = nextBlock(net, chain0, {}, { real: false, round: 0 }).block
const hashOf = (b: Block) => Hashes.blockHash(sha, b.header)
const hA = hashOf(A)
const hB = hashOf(B)
const hBAD = hashOf(BAD)

type Out = ReadonlyArray<NodeOutput>
interface Run {
  readonly s: NodeState
  readonly outs: Out
}

const feed = (s: NodeState, input: NodeInput): Run => {
  const [next, outs] = step(ctx, s, input)
  const rejected = outs.filter((o) => o.type === "rejected")
  if (rejected.length > 0) throw new Error(`unexpected rejection: ${JSON.stringify(rejected.map((r) => (r as { error: { message: string } }).error.message))}`)
  return { s: next, outs }
}
const recv = (s: NodeState, m: Message, from = 0): Run => feed(s, { type: "receive", from, bytes: encodeMsg(m) })
/** The proposal of (1, round) signed by that round's proposer, carrying `block`, with valid round `vr`. */
const propose = (s: NodeState, block: Block, round: number, vr = -1): Run => {
  const p = proposal(acc(proposerIdx(round)), { height: 1, round, validRound: vr, blockHash: hashOf(block) })
  return recv(s, { type: "proposal", proposal: p, block }, proposerIdx(round))
}
/** Votes of `from` (validator indices) for `hash` at (1, round), delivered one by one; all outputs collected. */
const votes = (s: NodeState, type: VoteType, round: number, hash: Uint8Array | null, from: ReadonlyArray<number>): Run => {
  let cur = s
  const outs: NodeOutput[] = []
  for (const i of from) {
    const r = recv(cur, { type: "vote", vote: vote(acc(i), { type, height: 1, round, blockHash: hash }) }, i)
    cur = r.s
    outs.push(...r.outs)
  }
  return { s: cur, outs }
}
const timeout = (s: NodeState, kind: "propose" | "prevote" | "precommit", round: number): Run => feed(s, { type: "timeout", kind, height: 1, round })

const ownVotes = (outs: Out, type?: VoteType): Vote[] =>
  outs.flatMap((o) =>
    o.type === "broadcast" && o.message.type === "vote" && toHex(o.message.vote.validator) === net.keys[ME]!.pubHex && (type === undefined || o.message.vote.type === type)
      ? [o.message.vote]
      : [],
  )
const hex = (h: Uint8Array | null) => (h === null ? "nil" : toHex(h))
const timersOf = (outs: Out, kind: string) => outs.filter((o) => o.type === "timer" && o.kind === kind)
/** The only own vote of `type` in `outs`, as "nil" or a hex hash. */
const onlyVote = (outs: Out, type: VoteType): string => {
  const v = ownVotes(outs, type)
  expect(v, `own ${type}s`).toHaveLength(1)
  return hex(v[0]!.blockHash)
}

const started = (): NodeState => feed(initNode(ctx, net.genesis, net.keys[ME]!), { type: "start" }).s

/** ME locked on A at round 0: proposal A, own prevote A, prevotes for A from 0 and 2 (a polka). */
const lockedOnA = (() => {
  const p = propose(started(), A, 0)
  const v = votes(p.s, "prevote", 0, hA, [O0, O1])
  return { prevoteOuts: p.outs, polkaOuts: v.outs, s: v.s }
})()

/**
 * From `s`, move to round `to` by the round skip (CONS-RULE.9): nil precommits at `to` from two other
 * validators (> 1/3 of the power). Precommits, so that they never add to a prevote tally of that round.
 */
const skipTo = (s: NodeState, to: number, from: ReadonlyArray<number> = [O0, O2]): Run => votes(s, "precommit", to, null, from)

describe("setup", () => {
  it("ME proposes none of rounds 0..2 and proposes round R_ME; the blocks A, B, BAD are distinct", () => {
    expect([0, 1, 2].map(proposerIdx)).not.toContain(ME)
    expect(proposerIdx(R_ME)).toBe(ME)
    expect(new Set([hex(hA), hex(hB), hex(hBAD)]).size).toBe(3)
  })
})

describe("CONS-RULE.5: a polka in step prevote locks and sets validValue", () => {
  it("the node prevotes the fresh proposal, then on > 2/3 prevotes for it precommits it, locks it and sets validValue (round 0)", () => {
    expect(onlyVote(lockedOnA.prevoteOuts, "prevote")).toBe(hex(hA))
    expect(onlyVote(lockedOnA.polkaOuts, "precommit")).toBe(hex(hA))
    const c = lockedOnA.s.cons
    expect(c.step).toBe("precommit")
    expect(c.lockedRound).toBe(0)
    expect(c.lockedValue?.blockHash).toBe(hex(hA))
    expect(c.validRound).toBe(0)
    expect(c.validValue?.blockHash).toBe(hex(hA))
  })

  it("no polka, no precommit for the value: 2 of 4 prevotes for A and one nil (> 2/3 for anything) only arm the prevote timer", () => {
    const p = propose(started(), A, 0)
    const v1 = votes(p.s, "prevote", 0, hA, [O0])
    const v2 = votes(v1.s, "prevote", 0, null, [O1])
    expect(ownVotes([...v1.outs, ...v2.outs], "precommit")).toEqual([])
    expect(timersOf(v2.outs, "prevote")).toHaveLength(1) // CONS-RULE.4
    expect(v2.s.cons.lockedRound).toBe(-1)
    expect(v2.s.cons.validRound).toBe(-1)
    // the prevote timeout then precommits nil (CONS-TIMEOUT.2), not A
    const t = timeout(v2.s, "prevote", 0)
    expect(onlyVote(t.outs, "precommit")).toBe("nil")
  })

  it("a polka for an invalid block locks nothing: the node prevoted nil and does not precommit it (CONS-VALID.1)", () => {
    const p = propose(started(), BAD, 0)
    expect(onlyVote(p.outs, "prevote")).toBe("nil") // CONS-RULE.2: valid(v) is false
    const v = votes(p.s, "prevote", 0, hBAD, [O0, O1, O2])
    expect(ownVotes(v.outs, "precommit").map((x) => hex(x.blockHash))).not.toContain(hex(hBAD))
    expect(v.s.cons.lockedRound).toBe(-1)
    expect(v.s.cons.validValue).toBeNull()
  })
})

describe("CONS-RULE.5 in step precommit: validValue is updated, the lock is not, no second precommit", () => {
  // ME prevotes A; prevotes A (2) and nil (0) make > 2/3 for anything: prevote timeout, precommit nil.
  // Then validator 3's prevote for A completes a polka while ME is already in step precommit.
  const p = propose(started(), A, 0)
  const v = votes(p.s, "prevote", 0, hA, [O1])
  const n = votes(v.s, "prevote", 0, null, [O0])
  const t = timeout(n.s, "prevote", 0)
  const late = votes(t.s, "prevote", 0, hA, [O2])

  it("the late polka sets validValue/validRound to (A, 0) and leaves lockedRound at -1", () => {
    expect(onlyVote(t.outs, "precommit")).toBe("nil")
    expect(t.s.cons.step).toBe("precommit")
    expect(late.s.cons.validValue?.blockHash).toBe(hex(hA))
    expect(late.s.cons.validRound).toBe(0)
    expect(late.s.cons.lockedRound).toBe(-1)
    expect(late.s.cons.lockedValue).toBeNull()
  })

  it("the node signs no second precommit in round 0 (one vote per height, round and type)", () => {
    expect(ownVotes(late.outs)).toEqual([])
    expect(late.s.cons.precommits.get(0)?.get(net.keys[ME]!.pubHex)).toHaveLength(1)
  })

  it("CONS-RULE.1: as proposer of a later round the node re-proposes validValue with validRound and relays its polka (CONS-RELAY.1)", () => {
    // ME proposes round R_ME: skip there by votes of two validators at that round
    const r3 = skipTo(late.s, R_ME)
    expect(r3.s.cons.round).toBe(R_ME)
    const props = r3.outs.filter((o) => o.type === "broadcast" && o.message.type === "proposal")
    expect(props).toHaveLength(1)
    const m = (props[0] as Extract<NodeOutput, { type: "broadcast" }>).message as Extract<Message, { type: "proposal" }>
    expect(m.proposal.round).toBe(R_ME)
    expect(m.proposal.validRound).toBe(0)
    expect(hex(m.proposal.blockHash)).toBe(hex(hA))
    expect(hex(hashOf(m.block))).toBe(hex(hA))
    const relayed = r3.outs.flatMap((o) => (o.type === "broadcast" && o.message.type === "vote" && o.message.vote.round === 0 && o.message.vote.type === "prevote" ? [o.message.vote] : []))
    expect(new Set(relayed.filter((x) => hex(x.blockHash) === hex(hA)).map((x) => toHex(x.validator))).size).toBe(3)
    // and, the re-proposal being justified by the polka at round 0, it prevotes its own re-proposal
    expect(ownVotes(r3.outs, "prevote").filter((x) => x.round === R_ME).map((x) => hex(x.blockHash))).toEqual([hex(hA)])
  })
})

describe("CONS-RULE.6 / CONS-VOTE.1: after precommitting a value, a later nil polka adds no second precommit", () => {
  it("locked and precommitted A at round 0; validators O0, O1 equivocate with nil prevotes and O2 prevotes nil: no own vote", () => {
    const n = votes(lockedOnA.s, "prevote", 0, null, [O0, O1, O2])
    expect(n.outs.some((o) => o.type === "evidence")).toBe(true)
    expect(ownVotes(n.outs)).toEqual([])
    expect(n.s.cons.precommits.get(0)?.get(net.keys[ME]!.pubHex)?.map((v) => hex(v.blockHash))).toEqual([hex(hA)])
  })
})

describe("CONS-RULE.2: a locked node prevotes nil on a fresh proposal of another value", () => {
  // lockedOnA, then round 1 by the round skip (ME is not its proposer: proposer 2)
  const r1 = skipTo(lockedOnA.s, 1)

  it("fresh proposal (vr = -1) of B at round 1: prevote nil, lock kept", () => {
    expect(r1.s.cons.round).toBe(1)
    expect(r1.s.cons.step).toBe("propose")
    const p = propose(r1.s, B, 1)
    expect(onlyVote(p.outs, "prevote")).toBe("nil")
    expect(p.s.cons.lockedValue?.blockHash).toBe(hex(hA))
    expect(p.s.cons.lockedRound).toBe(0)
  })

  it("fresh proposal of the locked value itself at round 1: prevote it", () => {
    const p = propose(r1.s, A, 1)
    expect(onlyVote(p.outs, "prevote")).toBe(hex(hA))
  })

  it("an unlocked node prevotes the same fresh proposal of B", () => {
    const t = timeout(started(), "propose", 0) // prevote nil at round 0, no lock
    expect(onlyVote(t.outs, "prevote")).toBe("nil")
    const r = skipTo(t.s, 1)
    const p = propose(r.s, B, 1)
    expect(onlyVote(p.outs, "prevote")).toBe(hex(hB))
  })

  it("a polka for B at round 1 while prevoting nil moves the lock to (B, 1) and precommits B (the unlock path)", () => {
    const p = propose(r1.s, B, 1)
    const v = votes(p.s, "prevote", 1, hB, [O0, O1, O2])
    expect(onlyVote(v.outs, "precommit")).toBe(hex(hB))
    expect(v.s.cons.lockedRound).toBe(1)
    expect(v.s.cons.lockedValue?.blockHash).toBe(hex(hB))
  })
})

describe("CONS-RULE.3: a re-proposal is accepted iff vr >= lockedRound (or it is the locked value), and needs a quorum at vr", () => {
  it("locked on A at round 0; re-proposal of B with vr = 1 and a polka for B at round 1: prevote B (vr >= lockedRound)", () => {
    // ME skips round 1 (sees round-1 prevotes for B from 0, 2, 3: a polka, but not the round-1 proposal)
    const pol = votes(lockedOnA.s, "prevote", 1, hB, [O0, O1, O2])
    expect(pol.s.cons.round).toBe(1)
    expect(ownVotes(pol.outs)).toEqual([]) // no proposal of round 1 held: no vote
    const r2 = skipTo(pol.s, 2, [O0, O2])
    expect(r2.s.cons.round).toBe(2)
    const p = propose(r2.s, B, 2, 1)
    expect(onlyVote(p.outs, "prevote")).toBe(hex(hB))
  })

  it("locked on B at round 1; re-proposal of A with vr = 0 and a polka for A at round 0: prevote nil (vr < lockedRound)", () => {
    // round 0: no proposal seen; propose timeout: prevote nil; then a polka for A at round 0 arrives (no
    // proposal held, so no lock), and nil precommits move the node on to round 1.
    const t = timeout(started(), "propose", 0)
    const pol0 = votes(t.s, "prevote", 0, hA, [O0, O1, O2])
    expect(pol0.s.cons.lockedRound).toBe(-1)
    const r1 = skipTo(pol0.s, 1)
    // round 1: fresh proposal of B, polka for B: lock (B, 1)
    const p1 = propose(r1.s, B, 1)
    expect(onlyVote(p1.outs, "prevote")).toBe(hex(hB))
    const l1 = votes(p1.s, "prevote", 1, hB, [O0, O2])
    expect(l1.s.cons.lockedRound).toBe(1)
    expect(l1.s.cons.lockedValue?.blockHash).toBe(hex(hB))
    // round 2: proposer 3 re-proposes A with the stale valid round 0
    const r2 = skipTo(l1.s, 2, [O0, O2])
    const p2 = propose(r2.s, A, 2, 0)
    expect(onlyVote(p2.outs, "prevote")).toBe("nil")
    expect(p2.s.cons.lockedValue?.blockHash).toBe(hex(hB))
  })

  it("the same re-proposal of the locked value B with vr = 0 < lockedRound is still prevoted (lockedValue = v)", () => {
    const t = timeout(started(), "propose", 0)
    const pol0 = votes(t.s, "prevote", 0, hB, [O0, O1, O2]) // a polka for B at round 0 (B proposed elsewhere)
    const r1 = skipTo(pol0.s, 1)
    const l1 = votes(propose(r1.s, B, 1).s, "prevote", 1, hB, [O0, O2])
    expect(l1.s.cons.lockedRound).toBe(1)
    const r2 = skipTo(l1.s, 2, [O0, O2])
    const p2 = propose(r2.s, B, 2, 0)
    expect(onlyVote(p2.outs, "prevote")).toBe(hex(hB))
  })

  it("vr = lockedRound with another value is accepted (lockedRound <= vr): two polkas at round 0, which needs > 1/3 equivocators", () => {
    // locked on A at round 0 by ME, O0, O1; then O0 and O1 equivocate: with O2 a polka for B at round 0 too
    const pol = votes(lockedOnA.s, "prevote", 0, hB, [O0, O1, O2])
    expect(pol.s.cons.lockedRound).toBe(0)
    const r1 = skipTo(pol.s, 1)
    const p = propose(r1.s, B, 1, 0)
    expect(onlyVote(p.outs, "prevote")).toBe(hex(hB))
  })

  it("> 1/3 but not > 2/3 prevotes at vr do not justify a re-proposal: no prevote until the propose timeout, then nil", () => {
    const half = votes(lockedOnA.s, "prevote", 1, hB, [O0, O1]) // 2 of 4: > 1/3, not a quorum
    expect(half.s.cons.round).toBe(1)
    const r2 = skipTo(half.s, 2, [O0, O2])
    expect(r2.s.cons.round).toBe(2)
    const p = propose(r2.s, B, 2, 1)
    expect(ownVotes(p.outs)).toEqual([])
    expect(p.s.cons.step).toBe("propose")
    const t = timeout(p.s, "propose", 2)
    expect(onlyVote(t.outs, "prevote")).toBe("nil")
  })

  it("an unlocked node also needs the quorum at vr: with it, it prevotes the re-proposal", () => {
    const t = timeout(started(), "propose", 0)
    const pol = votes(t.s, "prevote", 1, hB, [O0, O1]) // skip to round 1 and 2 of 4 prevotes for B there
    const r2 = skipTo(pol.s, 2, [O0, O2])
    const p = propose(r2.s, B, 2, 1)
    expect(ownVotes(p.outs)).toEqual([])
    const q = votes(p.s, "prevote", 1, hB, [O2]) // the third prevote for B at round 1 arrives: a quorum
    expect(onlyVote(q.outs, "prevote")).toBe(hex(hB))
  })
})

describe("CONS-RULE.6: nil precommit needs > 2/3 nil prevotes", () => {
  it("2 of 4 nil prevotes (> 1/3) do not precommit nil; the third does", () => {
    const p = propose(started(), A, 0)
    const n2 = votes(p.s, "prevote", 0, null, [O0, O1])
    expect(ownVotes(n2.outs, "precommit")).toEqual([])
    expect(n2.s.cons.step).toBe("prevote")
    const n3 = votes(n2.s, "prevote", 0, null, [O2])
    expect(onlyVote(n3.outs, "precommit")).toBe("nil")
  })
})

describe("CONS-VOTE.2: an equivocator's votes count once per validator", () => {
  it("own prevote plus two conflicting prevotes of validator 3 are 2 of 4 validators: no prevote timer (CONS-RULE.4)", () => {
    const p = propose(started(), A, 0)
    const e1 = votes(p.s, "prevote", 0, hB, [O2])
    const e2 = votes(e1.s, "prevote", 0, null, [O2])
    expect(e2.outs.some((o) => o.type === "evidence")).toBe(true)
    expect(timersOf([...e1.outs, ...e2.outs], "prevote")).toEqual([])
    expect(ownVotes([...e1.outs, ...e2.outs])).toEqual([])
    // a second validator's vote makes 3 of 4: now the timer is armed
    const v = votes(e2.s, "prevote", 0, null, [O0])
    expect(timersOf(v.outs, "prevote")).toHaveLength(1)
  })

  it("two conflicting precommits of one validator plus one other are 2 of 4: no precommit timer (CONS-RULE.7)", () => {
    const t = timeout(started(), "propose", 0)
    const e = votes(votes(t.s, "precommit", 0, hA, [O2]).s, "precommit", 0, null, [O2])
    const o = votes(e.s, "precommit", 0, hB, [O1])
    expect(timersOf([...e.outs, ...o.outs], "precommit")).toEqual([])
  })
})

describe("CONS-RULE.8 and CONS-RULE.7: an invalid block is never decided, and the precommit timer still starts", () => {
  it("> 2/3 precommits for an invalid proposal: no commit, the round's precommit timeout is armed", () => {
    const p = propose(started(), BAD, 0)
    const v = votes(p.s, "precommit", 0, hBAD, [O0, O1, O2])
    expect(v.outs.some((o) => o.type === "commit")).toBe(false)
    expect(v.s.chain.height).toBe(0)
    expect(timersOf(v.outs, "precommit")).toHaveLength(1)
    const t = timeout(v.s, "precommit", 0)
    expect(t.s.cons.round).toBe(1)
  })

  it("> 2/3 precommits for a valid proposal decide it; round 0 of height 2 waits for the commit timer (CONS-COMMITWAIT.1)", () => {
    const p = propose(started(), A, 0)
    const v = votes(p.s, "precommit", 0, hA, [O0, O1, O2])
    const c = v.outs.filter((o) => o.type === "commit")
    expect(c).toHaveLength(1)
    expect(v.s.cons.height).toBe(2)
    expect(v.s.cons.step).toBe("newHeight")
    expect(timersOf(v.outs, "commit")).toHaveLength(1)
    expect(timersOf(v.outs, "propose")).toEqual([])
  })
})

describe("CONS-ROUNDSKIP.1: the round skip counts stake, not validators", () => {
  // stakes 1000, 1000, 100, 100: validators 2 and 3 hold 200 of 2200 (< 1/3) although they are half the set
  const unequal = testnet({ nodes: 4, seed: 1, users: 1, stakes: [1000, 1000, 100, 100] })
  const a = (i: number): Account => ({ secretKey: unequal.keys[i]!.secretKey, pubKey: unequal.keys[i]!.pubKey })
  const node = feed(initNode(ctx, unequal.genesis, unequal.keys[0]!), { type: "start" }).s
  const far = (s: NodeState, i: number, round: number) =>
    feed(s, { type: "receive", from: i, bytes: encodeMsg({ type: "vote", vote: vote(a(i), { type: "prevote", height: 1, round, blockHash: null }) }) }).s

  it("two small validators at round 5 (200 of 2200) do not move the node; a large one (1100 > 733) does", () => {
    const s2 = far(far(node, 2, 5), 3, 5)
    expect(s2.cons.round).toBe(0)
    const s3 = far(s2, 1, 5)
    expect(s3.cons.round).toBe(5)
  })

  it("exactly one third of the power at a higher round is not enough (CONS-POWER.3); one unit more is", () => {
    // stakes 1000, 1000, 600, 400: T = 3000, T / 3 = 1000 exactly
    const net3 = testnet({ nodes: 4, seed: 2, users: 1, stakes: [1000, 1000, 600, 400] })
    const power = powerTable(genesisState(sha, net3.genesis)).power
    const idx = (p: number) => net3.keys.findIndex((k) => power.get(k.pubHex) === p)
    const me = idx(400)
    const x = idx(1000)
    const z = idx(600)
    const a3 = (i: number): Account => ({ secretKey: net3.keys[i]!.secretKey, pubKey: net3.keys[i]!.pubKey })
    const far3 = (s: NodeState, i: number, round: number) =>
      feed(s, { type: "receive", from: i, bytes: encodeMsg({ type: "vote", vote: vote(a3(i), { type: "prevote", height: 1, round, blockHash: null }) }) }).s
    const n0 = feed(initNode(ctx, net3.genesis, net3.keys[me]!), { type: "start" }).s
    // 1000 of 3000 (exactly one third) at round 4: the node stays
    const s1 = far3(n0, x, 4)
    expect(s1.cons.round).toBe(0)
    // with 600 more at round 4: 1600 > 1000, the node skips to round 4
    expect(far3(s1, z, 4).cons.round).toBe(4)
  })
})

describe("NODE-RECV.2: round hints and votes of past rounds are stored without moving the node back", () => {
  it("a polka of an earlier round, arriving late, is kept for a later re-proposal", () => {
    const r2 = skipTo(started(), 2, [O0, O2])
    const pol = votes(r2.s, "prevote", 1, hB, [O0, O1, O2])
    expect(pol.s.cons.round).toBe(2)
    expect(pol.s.cons.prevotes.get(1)?.size).toBe(3)
  })
})

// A transfer makes a second valid block of round 0 (used only to show distinct valid values exist).
describe("setup: distinct valid values of one round", () => {
  it("a round-0 block with a transfer differs from A", () => {
    const tx = signTransfer(net.users[0]!, { to: net.users[1]!.pubKey, amount: 1, fee: 1, nonce: 0 })
    const A2 = nextBlock(net, chain0, { txs: [tx] }, { real: true, round: 0 }).block
    expect(hex(hashOf(A2))).not.toBe(hex(hA))
  })
})
