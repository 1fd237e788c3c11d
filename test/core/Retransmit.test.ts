// spec: NODE-RETRANSMIT.1 items 6-8 (spec/03-consensus.md), WORK-CR.8; issue 9 item 12.
// A worker's commitment and reveal, and the transfers of the node's own client, are re-gossiped on
// every tick until a block includes them: one lost copy no longer costs the worker its claim.
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { Hashes } from "../../src/codec/Hashing.ts"
import { Codecs } from "../../src/codec/index.ts"
import { type NodeInput, type NodeOutput, initNode, nodeDigest, step } from "../../src/core/Node.ts"
import type { NodeState } from "../../src/core/NodeState.ts"
import type { Message } from "../../src/domain/Message.ts"
import { ctx, sha, signTransfer, testnet, workClaim } from "../fixtures/core.ts"

// Node 0 holds all the power; node 1 (stake 0) is a full node whose worker and client use it.
const net = testnet({ nodes: 2, seed: 12, users: 2, stakes: [1000, 0] })
const run = (s: NodeState, input: NodeInput) => step(ctx, s, input)
const sent = (outs: ReadonlyArray<NodeOutput>, type: Message["type"]) =>
  outs.filter((o): o is Extract<NodeOutput, { type: "broadcast" }> => o.type === "broadcast" && o.message.type === type)
const gossip = (s: NodeState) => run(s, { type: "timeout", kind: "gossip", height: s.cons.height, round: s.cons.round })
/** Deliver every broadcast of `outs` to `s` (as from peer `from`). */
const deliver = (s: NodeState, outs: ReadonlyArray<NodeOutput>, from: number): NodeState => {
  for (const o of outs) if (o.type === "broadcast") s = run(s, { type: "receive", from, bytes: o.bytes })[0]
  return s
}

describe("NODE-RETRANSMIT.1: own commitments, reveals and client transfers are re-sent until included", () => {
  const claim = workClaim("retransmitted")
  const tx = signTransfer(net.users[0]!, { to: net.users[1]!.pubKey, amount: 5, fee: 1, nonce: 0 })
  const txId = toHex(Hashes.txId(sha, tx))

  it("re-sends on every gossip tick until the block includes them, then re-sends the reveal until it is included", () => {
    // the worker's node: its first copies of the commitment and the transfer are lost
    let w = run(initNode(ctx, net.genesis, net.keys[1]!), { type: "start" })[0]
    let outs: ReadonlyArray<NodeOutput>
    ;[w, outs] = run(w, { type: "work", claim })
    const commitment = sent(outs, "commitment")
    expect(commitment).toHaveLength(1)
    ;[w, outs] = run(w, { type: "client-tx", bytes: Codecs.Transfer.encode(tx) })
    expect(sent(outs, "tx")).toHaveLength(1)
    expect(w.clientTxs.has(txId)).toBe(true)
    // the worker's height is quiet: the commitment at quiet ticks 0, 1, 2 (NODE-RETRANSMIT.9), the
    // transfer at ages 1, 2 and 4 (NODE-RETRANSMIT.10)
    const copies: NodeOutput[] = []
    for (const [cmCopies, txCopies] of [[1, 1], [1, 1], [1, 0], [0, 1]] as const) {
      ;[w, outs] = gossip(w)
      expect(sent(outs, "commitment").map((o) => toHex(o.bytes))).toEqual(cmCopies === 1 ? commitment.map((o) => toHex(o.bytes)) : [])
      expect(sent(outs, "tx")).toHaveLength(txCopies)
      expect(sent(outs, "reveal")).toHaveLength(0)
      copies.push(...outs)
    }
    outs = copies
    // the validator decides height 1 at start; the worker follows it, then gets the retransmitted items
    let [v, vOuts] = run(initNode(ctx, net.genesis, net.keys[0]!), { type: "start" })
    w = deliver(w, vOuts, 0)
    expect(w.chain.height).toBe(1)
    v = deliver(v, outs, 1) // the ticks' copies reach the validator
    expect(v.mempool.commitments.size).toBe(1)
    expect(v.mempool.txs.has(txId)).toBe(true)
    // height 2 (after both commit waits) includes the commitment and the transfer
    ;[w] = run(w, { type: "timeout", kind: "commit", height: 2, round: 0 })
    ;[v, vOuts] = run(v, { type: "timeout", kind: "commit", height: 2, round: 0 })
    expect(vOuts.some((o) => o.type === "commit" && o.height === 2 && o.block.body.commitments.length === 1 && o.block.body.txs.length === 1)).toBe(true)
    let wOuts: ReadonlyArray<NodeOutput> = []
    for (const o of vOuts) if (o.type === "broadcast") {
      const [w2, x] = run(w, { type: "receive", from: 0, bytes: o.bytes })
      w = w2
      wOuts = [...wOuts, ...x]
    }
    expect(w.chain.height).toBe(2)
    // the commitment is finalized: the worker reveals; the transfer is no longer the client's to re-send
    const reveal = sent(wOuts, "reveal")
    expect(reveal).toHaveLength(1)
    expect(w.clientTxs.size).toBe(0)
    for (let tick = 0; tick < 2; tick++) {
      ;[w, outs] = gossip(w)
      expect(sent(outs, "commitment")).toHaveLength(0)
      expect(sent(outs, "tx")).toHaveLength(0)
      expect(sent(outs, "reveal").map((o) => toHex(o.bytes))).toEqual(reveal.map((o) => toHex(o.bytes)))
    }
    // once a block includes the reveal, nothing is re-sent
    v = deliver(v, outs, 1)
    expect(v.mempool.reveals.size).toBe(1)
    ;[w] = run(w, { type: "timeout", kind: "commit", height: 3, round: 0 })
    ;[v, vOuts] = run(v, { type: "timeout", kind: "commit", height: 3, round: 0 })
    expect(vOuts.some((o) => o.type === "commit" && o.height === 3 && o.block.body.reveals.length === 1)).toBe(true)
    w = deliver(w, vOuts, 0)
    expect(w.chain.height).toBe(3)
    ;[w, outs] = gossip(w)
    expect(sent(outs, "reveal")).toHaveLength(0)
    expect(sent(outs, "commitment")).toHaveLength(0)
  })

  it("a peer's transfer relayed to this node is not re-sent by it (only its own client's)", () => {
    let n = run(initNode(ctx, net.genesis, net.keys[1]!), { type: "start" })[0]
    ;[n] = run(n, { type: "receive", from: 0, bytes: Codecs.Message.encode({ type: "tx", tx }) })
    expect(n.mempool.txs.has(txId)).toBe(true)
    expect(n.clientTxs.size).toBe(0)
    const [, outs] = gossip(n)
    expect(sent(outs, "tx")).toHaveLength(0)
  })
})

describe("NODE-RETRANSMIT.9: while a height is quiet, votes go out at every tick and pooled items at exponentially spaced ticks", () => {
  const tickDelay = (outs: ReadonlyArray<NodeOutput>) => outs.filter((o) => o.type === "timer" && o.kind === "gossip").map((o) => (o as { delayMs: number }).delayMs)
  // 4 equal validators: node 0 alone can decide nothing, so its height stays quiet
  const quiet = testnet({ nodes: 4, seed: 13 })

  it("re-sends its own commitment at ticks 1, 2, 3, 5, 9, 17, 33, 65, 97 of 100 only, its prevote at every tick, all at the base interval; a new vote resets the count", () => {
    const base = quiet.genesis.params?.gossipIntervalMs ?? 1000
    let s = run(initNode(ctx, quiet.genesis, quiet.keys[0]!), { type: "start" })[0]
    s = run(s, { type: "timeout", kind: "commit", height: 1, round: 0 })[0]
    s = run(s, { type: "timeout", kind: "propose", height: 1, round: 0 })[0]
    s = run(s, { type: "work", claim: workClaim("quiet-height") })[0]
    expect(s.mempool.commitments.size).toBe(1)
    const itemTicks: number[] = []
    let outs: ReadonlyArray<NodeOutput>
    for (let tick = 1; tick <= 100; tick++) {
      ;[s, outs] = gossip(s)
      expect(tickDelay(outs)).toEqual([base])
      expect(sent(outs, "vote")).toHaveLength(1)
      if (sent(outs, "commitment").length > 0) itemTicks.push(s.gossipQuiet)
    }
    // ticks 1, 2, 3, 5, 9, 17, 33, 65, 97: after 32 quiet ticks, every 32nd (the count cycles 33..64)
    expect(itemTicks).toEqual([0, 1, 2, 4, 8, 16, 32, 64, 64])
    // a peer's prevote is something new: the quiet count restarts; on that moving tick the commitment
    // goes by its own age (NODE-RETRANSMIT.11: 101 ticks, bounded to 37, not due), then at quiet ticks 1, 2
    let [p] = run(initNode(ctx, quiet.genesis, quiet.keys[1]!), { type: "start" })
    let pOuts: ReadonlyArray<NodeOutput>
    ;[p, pOuts] = run(p, { type: "timeout", kind: "commit", height: 1, round: 0 })
    ;[p, pOuts] = run(p, { type: "timeout", kind: "propose", height: 1, round: 0 })
    expect(pOuts.some((o) => o.type === "broadcast" && o.message.type === "vote")).toBe(true)
    s = deliver(s, pOuts, 1)
    ;[s, outs] = gossip(s)
    expect(s.gossipQuiet).toBe(0)
    expect([...s.itemAges.values()]).toEqual([37])
    expect(sent(outs, "commitment")).toHaveLength(0)
    for (const copies of [1, 1, 0]) {
      ;[s, outs] = gossip(s)
      expect(sent(outs, "commitment")).toHaveLength(copies)
    }
    expect(s.gossipQuiet).toBe(3)
  })

  it("NODE-RETRANSMIT.11: on a height that moves at every tick, an own commitment goes out at its ages 1, 2, 4, .., 32, then every 32nd", () => {
    let s = run(initNode(ctx, quiet.genesis, quiet.keys[0]!), { type: "start" })[0]
    s = run(s, { type: "timeout", kind: "commit", height: 1, round: 0 })[0]
    s = run(s, { type: "work", claim: workClaim("moving-height") })[0]
    const ages: number[] = []
    let outs: ReadonlyArray<NodeOutput>
    for (let tick = 1; tick <= 70; tick++) {
      // the node's own round timeouts move it to the next round before every tick: the height is never quiet
      const r = s.cons.round
      for (const kind of ["propose", "prevote", "precommit"] as const) s = run(s, { type: "timeout", kind, height: 1, round: r })[0]
      expect(s.cons.round).toBe(r + 1)
      ;[s, outs] = gossip(s)
      expect(s.gossipQuiet).toBe(0)
      if (sent(outs, "commitment").length > 0) ages.push(tick)
    }
    expect(ages).toEqual([1, 2, 4, 8, 16, 32, 64])
  })
})

describe("NODE-RETRANSMIT.10: the own client's transfers are re-sent at ages 1, 2, 4, .., 32 and then every 32 ticks", () => {
  const quiet = testnet({ nodes: 4, seed: 13, users: 2 })
  const tx = signTransfer(quiet.users[0]!, { to: quiet.users[1]!.pubKey, amount: 5, fee: 1, nonce: 0 })

  it("by the transfer's age, on a quiet height and on a moving one alike; the ids stay in the digest, the ages do not", () => {
    // node 0 of 4 equal validators cannot decide alone: the transfer stays pending
    let s = run(initNode(ctx, quiet.genesis, quiet.keys[0]!), { type: "start" })[0]
    s = run(s, { type: "timeout", kind: "commit", height: 1, round: 0 })[0]
    s = run(s, { type: "timeout", kind: "propose", height: 1, round: 0 })[0]
    let outs: ReadonlyArray<NodeOutput>
    ;[s, outs] = run(s, { type: "client-tx", bytes: Codecs.Transfer.encode(tx) })
    expect(sent(outs, "tx")).toHaveLength(1)
    const ages: number[] = []
    for (let tick = 1; tick <= 130; tick++) {
      ;[s, outs] = gossip(s)
      if (sent(outs, "tx").length > 0) ages.push(tick)
    }
    expect(ages).toEqual([1, 2, 4, 8, 16, 32, 64, 96, 128])
    // a moving height (the quiet count is reset by a peer's vote) does not re-send a transfer that is not due
    let [p, pOuts] = run(initNode(ctx, quiet.genesis, quiet.keys[1]!), { type: "start" })
    ;[p, pOuts] = run(p, { type: "timeout", kind: "commit", height: 1, round: 0 })
    ;[p, pOuts] = run(p, { type: "timeout", kind: "propose", height: 1, round: 0 })
    s = deliver(s, pOuts, 1)
    ;[s, outs] = gossip(s)
    expect(s.gossipQuiet).toBe(0)
    expect(sent(outs, "tx")).toHaveLength(0)
    // scheduling, not protocol state: two states that differ only in a transfer's age have one digest
    const older = { ...s, clientTxs: new Map([...s.clientTxs].map(([id]) => [id, 7])) }
    expect(nodeDigest(ctx, older)).toBe(nodeDigest(ctx, s))
  })
})

describe("NODE-MEMPOOL.5: a node holds at most MAX_OWN_PENDING_COMMITMENTS of its own commitments waiting for a block", () => {
  it("the 17th work input while 16 own commitments wait is rejected MSG_MEMPOOL_FULL and changes nothing", () => {
    let w = run(initNode(ctx, net.genesis, net.keys[1]!), { type: "start" })[0]
    for (let i = 0; i < 16; i++) {
      const [next, outs] = run(w, { type: "work", claim: workClaim(`backlog-${i}`) })
      expect(outs.some((o) => o.type === "rejected")).toBe(false)
      w = next
    }
    expect(w.mempool.commitments.size).toBe(16)
    const [after, outs] = run(w, { type: "work", claim: workClaim("backlog-16") })
    expect(outs.flatMap((o) => (o.type === "rejected" && o.error._tag === "ProtocolError" ? [o.error.code] : []))).toEqual(["MSG_MEMPOOL_FULL"])
    expect(after).toBe(w)
  })
})
