// spec: CONS-COMMITWAIT.1, CONS-TIMEOUT.4, NODE-STEP.5, CONS-POWER.2..3, CONS-HALT.1 (spec/03-consensus.md)
// Issue 9 defects 1-3, each with a regression test that fails on the code before the fix:
//   1. a decision starts the next height only after the commit wait; a stale timeout is a no-op;
//   2. quorum and one-third thresholds are exact at any total (doubles are wrong above ~3e15);
//   3. a voting set without power halts the chain with a typed output, never an exception.
import { describe, expect, it } from "vitest"
import { Either } from "effect"
import { genesisState } from "../../src/core/ChainState.ts"
import { validateBlock } from "../../src/core/BlockExecution.ts"
import { makeVoteEvidence } from "../../src/core/Evidence.ts"
import { proposerFor } from "../../src/core/LeaderElection.ts"
import { type NodeInput, type NodeOutput, initNode, step } from "../../src/core/Node.ts"
import type { NodeState } from "../../src/core/NodeState.ts"
import { isOneThird, isQuorum, powerTable } from "../../src/core/Votes.ts"
import { ctx, encodeMsg, sha, testnet, vote } from "../fixtures/core.ts"
import { toHex } from "../../src/codec/Bytes.ts"
import { Hashes, encodedBlock } from "../../src/codec/Hashing.ts"
import { Codecs } from "../../src/codec/index.ts"

const run = (s: NodeState, input: NodeInput) => step(ctx, s, input)
const commits = (outs: ReadonlyArray<NodeOutput>) => outs.filter((o) => o.type === "commit")
const timers = (outs: ReadonlyArray<NodeOutput>) => outs.filter((o): o is Extract<NodeOutput, { type: "timer" }> => o.type === "timer")

describe("CONS-COMMITWAIT.1: a decision enters the commit wait; round 0 of the next height starts on the commit timer", () => {
  // One validator holds all the power: it decides alone, which is what made the old code loop.
  const net = testnet({ nodes: 1, seed: 5, users: 1, params: { timeoutCommitMs: 250 } })
  const s0 = initNode(ctx, net.genesis, net.keys[0]!)

  it("start decides height 1 once and arms a commit timer of timeoutCommitMs; no proposal of height 2 yet", () => {
    const [s1, outs] = run(s0, { type: "start" })
    expect(commits(outs).map((c) => (c as { height: number }).height)).toEqual([1])
    expect(s1.cons.height).toBe(2)
    expect(s1.cons.step).toBe("newHeight")
    const commitTimers = timers(outs).filter((t) => t.kind === "commit")
    expect(commitTimers).toEqual([{ type: "timer", kind: "commit", height: 2, round: 0, delayMs: 250 }])
    expect(outs.some((o) => o.type === "broadcast" && o.message.type === "proposal" && o.message.proposal.height === 2)).toBe(false)
  })

  it("the commit timer starts round 0 and (alone with > 2/3) decides exactly one more height", () => {
    const [s1] = run(s0, { type: "start" })
    const [s2, outs] = run(s1, { type: "timeout", kind: "commit", height: 2, round: 0 })
    expect(commits(outs).map((c) => (c as { height: number }).height)).toEqual([2])
    expect(s2.cons.height).toBe(3)
    expect(s2.cons.step).toBe("newHeight")
    // the commit timer of height 2, fired again, is stale: a no-op
    const [s2b, outs2] = run(s2, { type: "timeout", kind: "commit", height: 2, round: 0 })
    expect(s2b).toBe(s2)
    expect(outs2).toEqual([])
  })

  it("CONS-TIMEOUT.4: timeouts of an old height, of another round, or of a step already left return the same state and no output", () => {
    const [s1] = run(s0, { type: "start" })
    const stale: NodeInput[] = [
      { type: "timeout", kind: "propose", height: 1, round: 0 },
      { type: "timeout", kind: "prevote", height: 1, round: 0 },
      { type: "timeout", kind: "precommit", height: 1, round: 0 },
      { type: "timeout", kind: "gossip", height: 1, round: 0 },
      { type: "timeout", kind: "commit", height: 1, round: 0 },
      // height 2 is in its commit wait: no round timeout applies yet
      { type: "timeout", kind: "propose", height: 2, round: 0 },
      { type: "timeout", kind: "precommit", height: 2, round: 0 },
      { type: "timeout", kind: "prevote", height: 2, round: 3 },
    ]
    for (const input of stale) {
      const [s, outs] = run(s1, input)
      expect(s, JSON.stringify(input)).toBe(s1)
      expect(outs).toEqual([])
    }
    // a node in round 0 step prevote: the propose timeout of round 0 is stale, so is round 1's
    const net4 = testnet({ nodes: 4, seed: 81, users: 1 })
    const chain0 = genesisState(sha, net4.genesis)
    const P = net4.keys.findIndex((k) => k.pubHex === proposerFor(sha, chain0, 0)!.key)
    const me = (P + 1) % 4
    const [a] = run(initNode(ctx, net4.genesis, net4.keys[me]!), { type: "start" })
    const [b] = run(a, { type: "timeout", kind: "propose", height: 1, round: 0 }) // prevote nil
    expect(b.cons.step).toBe("prevote")
    for (const input of [
      { type: "timeout", kind: "propose", height: 1, round: 0 },
      { type: "timeout", kind: "propose", height: 1, round: 1 },
      { type: "timeout", kind: "prevote", height: 1, round: 1 },
      { type: "timeout", kind: "commit", height: 1, round: 0 },
    ] as NodeInput[]) {
      const [s, outs] = run(b, input)
      expect(s, JSON.stringify(input)).toBe(b)
      expect(outs).toEqual([])
    }
  })

  it("during the commit wait messages of the new height are stored but no rule fires", () => {
    const net4 = testnet({ nodes: 4, seed: 81, users: 1 })
    const chain0 = genesisState(sha, net4.genesis)
    const P = net4.keys.findIndex((k) => k.pubHex === proposerFor(sha, chain0, 0)!.key)
    const me = (P + 1) % 4
    // put the node in its commit wait of height 2 by a precommit quorum on the proposer's block
    const [, pOuts] = run(initNode(ctx, net4.genesis, net4.keys[P]!), { type: "start" })
    const prop = pOuts.find((o) => o.type === "broadcast" && o.message.type === "proposal")!
    let [s] = run(initNode(ctx, net4.genesis, net4.keys[me]!), { type: "start" })
    ;[s] = run(s, { type: "receive", from: P, bytes: (prop as { bytes: Uint8Array }).bytes })
    const hash = (prop as { message: { proposal: { blockHash: Uint8Array } } }).message.proposal.blockHash
    for (const i of [0, 1, 2, 3].filter((i) => i !== me)) {
      const acc = { secretKey: net4.keys[i]!.secretKey, pubKey: net4.keys[i]!.pubKey }
      ;[s] = run(s, { type: "receive", from: i, bytes: encodeMsg({ type: "vote", vote: vote(acc, { type: "precommit", height: 1, blockHash: hash }) }) })
    }
    expect(s.chain.height).toBe(1)
    expect(s.cons.step).toBe("newHeight")
    // a prevote quorum for nil at height 2 round 0 arrives: stored, nothing fires (no precommit, no timer)
    let outs: ReadonlyArray<NodeOutput> = []
    for (const i of [0, 1, 2, 3].filter((i) => i !== me)) {
      const acc = { secretKey: net4.keys[i]!.secretKey, pubKey: net4.keys[i]!.pubKey }
      ;[s, outs] = run(s, { type: "receive", from: i, bytes: encodeMsg({ type: "vote", vote: vote(acc, { type: "prevote", height: 2, blockHash: null }) }) })
      expect(outs.filter((o) => o.type !== "rejected")).toEqual([])
    }
    expect(s.cons.prevotes.get(0)?.size).toBe(3)
    expect(s.cons.step).toBe("newHeight")
    // the commit timer fires: round 0 starts and the stored polka for nil is acted on at once
    const [s3, outs3] = run(s, { type: "timeout", kind: "commit", height: 2, round: 0 })
    expect(s3.cons.step).not.toBe("newHeight")
    expect(outs3.some((o) => o.type === "timer" && o.kind === "propose" && o.height === 2)).toBe(true)
  })
})

describe("CONS-POWER.2..3: exact thresholds (issue 9 defect 2)", () => {
  it("the review's case: p = 3321546378281515, T = 4982319567422272 (3p = 2T + 1) is a quorum", () => {
    const p = 3321546378281515n
    const T = 4982319567422272n
    expect(3n * p - 2n * T).toBe(1n)
    expect(isQuorum(p, T)).toBe(true)
    expect(isQuorum(p - 1n, T)).toBe(false)
    // doubles get this wrong: the reason for bigint
    expect(3 * Number(p) > 2 * Number(T)).toBe(false)
  })

  it("boundary vectors: exactly 2/3 and exactly 1/3 are not enough; one unit more is", () => {
    for (const T of [3n, 300n, 3n * 2n ** 60n, 9_007_199_254_740_991n * 3n]) {
      expect(isQuorum((2n * T) / 3n, T)).toBe(false)
      expect(isQuorum((2n * T) / 3n + 1n, T)).toBe(true)
      expect(isOneThird(T / 3n, T)).toBe(false)
      expect(isOneThird(T / 3n + 1n, T)).toBe(true)
    }
    // T not divisible by 3
    expect(isQuorum(3n, 4n)).toBe(true) // 9 > 8
    expect(isQuorum(2n, 4n)).toBe(false)
    expect(isOneThird(2n, 4n)).toBe(true) // 6 > 4
    expect(isOneThird(1n, 4n)).toBe(false)
    expect(isQuorum(0n, 0n)).toBe(false) // no power: never a quorum (CONS-HALT.1)
  })

  it("powerTable sums stakes exactly above 2^53", () => {
    // genesis bounds the supply by 2^53 - 1, but minting grows it: set the stakes directly
    const g = genesisState(sha, testnet({ nodes: 3, seed: 2, users: 1 }).genesis)
    const stakes = [2 ** 52, 2 ** 52, 2 ** 52 - 1]
    const accounts = new Map(g.accounts)
    ;[...g.validators.keys()].forEach((k, i) => accounts.set(k, { ...accounts.get(k)!, stake: stakes[i]! }))
    const t = powerTable({ ...g, accounts })
    expect(t.total).toBe(3n * 2n ** 52n - 1n)
  })
})

describe("CONS-HALT.1: a voting set without power halts with a typed value, never an exception (issue 9 defect 3)", () => {
  // one validator, slashing burns 100 % of its stake: evidence of its own equivocation empties the set
  const net = testnet({ nodes: 1, seed: 6, users: 1, params: { slashEquivocationPpm: 1_000_000 } })
  const me = { secretKey: net.keys[0]!.secretKey, pubKey: net.keys[0]!.pubKey }

  it("deciding the block that burns the last stake emits `halted` once; later inputs decide nothing and throw nothing", () => {
    let [s, outs] = run(initNode(ctx, net.genesis, net.keys[0]!), { type: "start" })
    expect(commits(outs).length).toBe(1)
    const e = makeVoteEvidence(vote(me, { type: "prevote", height: 1, blockHash: null }), vote(me, { type: "prevote", height: 1, blockHash: new Uint8Array(32).fill(7) }))
    ;[s] = run(s, { type: "receive", from: 0, bytes: encodeMsg({ type: "evidence", evidence: e }) })
    expect(s.mempool.evidence.size).toBe(1)
    ;[s, outs] = run(s, { type: "timeout", kind: "commit", height: 2, round: 0 })
    expect(commits(outs).length).toBe(1) // height 2 carries the evidence
    expect(s.chain.height).toBe(2)
    expect(powerTable(s.chain).total).toBe(0n)
    const halted = outs.filter((o) => o.type === "halted")
    expect(halted.length).toBe(1)
    expect(halted[0]).toMatchObject({ height: 3, error: { code: "CHAIN_HALTED" } })
    expect(timers(outs).some((t) => t.kind === "commit")).toBe(false)
    // nothing more happens, and nothing throws
    for (const input of [
      { type: "timeout", kind: "commit", height: 3, round: 0 },
      { type: "timeout", kind: "propose", height: 3, round: 0 },
      { type: "timeout", kind: "gossip", height: 3, round: 0 },
    ] as NodeInput[]) {
      const [s2, o2] = run(s, input)
      expect(commits(o2)).toEqual([])
      expect(s2.chain.height).toBe(2)
    }
    // the leader election and block validation answer with a value
    expect(proposerFor(sha, s.chain, 0)).toBeUndefined()
    const blk = s.blocks.get(2)!.block
    const r = validateBlock(ctx, s.chain, { ...blk, header: { ...blk.header, height: 3, prevHash: s.chain.lastBlockHash } })
    expect(Either.isLeft(r) && r.left.code).toBe("CHAIN_HALTED")
  })
})

describe("NODE-SYNC.1: stored commits (kept as bytes once the next height is decided) answer sync requests with the block and certificate decided", () => {
  it("a single validator deciding heights 1-4 serves each of them exactly", () => {
    const net = testnet({ nodes: 1, seed: 3, users: 1 })
    let [s, outs] = run(initNode(ctx, net.genesis, net.keys[0]!), { type: "start" })
    const decided = [...commits(outs)]
    for (let h = 2; h <= 4; h++) {
      ;[s, outs] = run(s, { type: "timeout", kind: "commit", height: h, round: 0 })
      decided.push(...commits(outs))
    }
    expect(decided.map((c) => c.type === "commit" && c.height)).toEqual([1, 2, 3, 4])
    for (const c of decided) {
      if (c.type !== "commit") continue
      const [, o] = run(s, { type: "receive", from: 0, bytes: encodeMsg({ type: "sync-request", height: c.height }) })
      const resp = o.find((x) => x.type === "send")
      if (resp?.type !== "send" || resp.message.type !== "sync-response") throw new Error(`no sync response for height ${c.height}`)
      expect(resp.message.commit).toEqual(c.cert)
      expect(toHex(Hashes.blockHash(sha, resp.message.block.header))).toBe(c.blockHash)
      expect(toHex(Codecs.Block.encode(resp.message.block))).toBe(toHex(Codecs.Block.encode(s.blocks.get(c.height)!.block)))
    }
    // the block of every height: the header hashes to the decided block hash, the body to its bodyHash
    for (const c of decided)
      if (c.type === "commit") {
        const b = s.blocks.get(c.height)!.block
        expect(toHex(Hashes.blockHash(sha, b.header))).toBe(c.blockHash)
        expect(toHex(Hashes.bodyHash(sha, b.body))).toBe(toHex(b.header.bodyHash))
        expect(toHex(encodedBlock(b))).toBe(toHex(Codecs.Block.encode(b)))
      }
  })
})
