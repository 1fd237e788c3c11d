// NODE-STEP.6 / NODE-STEP.12: the memoized message decoder interns a block body's signed items. A body
// item equal to an item the decoder decoded before becomes that earlier object (so the per-object
// memos of NODE-STEP.9/10 and QUAL-SCORE.11 hit for the block's copy); anything else is left as
// decoded, and the decoded message always equals what Codecs.Message.decode returns.
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { utf8 } from "../../src/codec/Bytes.ts"
import { Codecs, MAX_INTERNED_ITEMS, itemInterner, memoizedMessageDecoder, sameData } from "../../src/codec/index.ts"
import type { Block } from "../../src/domain/Block.ts"
import type { Message } from "../../src/domain/Message.ts"
import { sealScoreCommitment, sealScoreReveal } from "../../src/quality/Scoring.ts"
import { auditReport } from "../fixtures/samples.ts"
import { commitTo, encodeMsg, genesisOf, nextBlock, outsider, proposal, saltOf, sha, signReveal, signTransfer, testCrypto, testnet, workClaim } from "../fixtures/core.ts"

const net = testnet({ nodes: 4 })
const s0 = genesisOf(net)
const alice = outsider("alice")
const bob = outsider("bob")
const claim = workClaim("interning")
const tx = signTransfer(alice, { to: bob.pubKey, amount: 5, fee: 1, nonce: 0 })
const commitment = commitTo(alice, claim, saltOf("interning"))
const reveal = signReveal(alice, claim, saltOf("interning"))
const audit = auditReport(7) // schema-valid (its signature is not checked by decoding)
const seal = { chainId: "poai-sim", secretKey: bob.secretKey, claimId: sha(utf8("claim")), scores: { correctness: 700_000, utility: 500_000, novelty: 100_000 } }
const scoreCommit = sealScoreCommitment(testCrypto, seal)
const scoreReveal = sealScoreReveal(testCrypto, seal)

const base = nextBlock(net, s0).block
const withBody = (body: Partial<Block["body"]>): Block => ({ header: base.header, body: { ...base.body, ...body } })
const proposalMsg = (block: Block, signer = alice, tag = "h"): Message => ({ type: "proposal", proposal: proposal(signer, { height: 1, blockHash: sha(utf8(tag)) }), block })

const kinds = [
  { name: "tx", msg: { type: "tx", tx } as Message, body: { txs: [tx] }, pick: (b: Block["body"]) => b.txs[0] },
  { name: "commitment", msg: { type: "commitment", commitment } as Message, body: { commitments: [commitment] }, pick: (b: Block["body"]) => b.commitments[0] },
  { name: "reveal", msg: { type: "reveal", reveal } as Message, body: { reveals: [reveal] }, pick: (b: Block["body"]) => b.reveals[0] },
  { name: "audit", msg: { type: "audit", audit } as Message, body: { audits: [audit] }, pick: (b: Block["body"]) => b.audits[0] },
  { name: "score-commit", msg: { type: "score-commit", commitment: scoreCommit } as Message, body: { scoreCommits: [scoreCommit] }, pick: (b: Block["body"]) => b.scoreCommits[0] },
  { name: "score-reveal", msg: { type: "score-reveal", reveal: scoreReveal } as Message, body: { scoreReveals: [scoreReveal] }, pick: (b: Block["body"]) => b.scoreReveals[0] },
] as const

const right = <A>(e: Either.Either<A, unknown>): A => {
  if (Either.isLeft(e)) throw new Error(`expected Right: ${String(e.left)}`)
  return e.right
}
const itemOf = (m: Message): unknown =>
  m.type === "tx" ? m.tx : m.type === "commitment" || m.type === "score-commit" ? m.commitment : m.type === "reveal" || m.type === "score-reveal" ? m.reveal : m.type === "audit" ? m.audit : undefined
const bodyOf = (m: Message): Block["body"] => {
  if (m.type !== "proposal") throw new Error("not a proposal")
  return m.block.body
}

describe("memoized decoder interns block body items (NODE-STEP.6, NODE-STEP.12)", () => {
  it("covers every signed body item kind", () => {
    expect(kinds.map((k) => k.name)).toEqual(["tx", "commitment", "reveal", "audit", "score-commit", "score-reveal"])
  })

  for (const k of kinds) {
    it(`${k.name}: the block's copy is the object decoded from the item's own message, and the message equals the plain decode`, () => {
      const decode = memoizedMessageDecoder()
      const first = itemOf(right(decode(encodeMsg(k.msg))))
      const bytes = encodeMsg(proposalMsg(withBody(k.body)))
      const m = right(decode(bytes))
      expect(k.pick(bodyOf(m))).toBe(first)
      expect(m).toEqual(right(Codecs.Message.decode(bytes)))
    })

    it(`${k.name}: without the item's message first, the block's item stays as decoded (and a second block shares it)`, () => {
      const decode = memoizedMessageDecoder()
      const a = right(decode(encodeMsg(proposalMsg(withBody(k.body)))))
      const b = right(decode(encodeMsg(proposalMsg(withBody(k.body), bob, "h2"))))
      expect(k.pick(bodyOf(b))).toBe(k.pick(bodyOf(a)))
    })
  }

  it("an item with the same signature but another value is not replaced (equality, not the signature, decides)", () => {
    const decode = memoizedMessageDecoder()
    right(decode(encodeMsg({ type: "tx", tx })))
    const forged = { ...tx, amount: tx.amount + 1 }
    const m = right(decode(encodeMsg(proposalMsg(withBody({ txs: [forged] })))))
    const got = bodyOf(m).txs[0]
    expect(got?.amount).toBe(tx.amount + 1)
    expect(got).toEqual(forged)
  })

  it("a reveal that shares a commitment's signature bytes is not replaced by it (their values differ)", () => {
    const decode = memoizedMessageDecoder()
    right(decode(encodeMsg({ type: "commitment", commitment })))
    const r = { ...reveal, signature: commitment.signature }
    const m = right(decode(encodeMsg(proposalMsg(withBody({ reveals: [r] })))))
    expect(bodyOf(m).reveals[0]).toEqual(r)
  })

  it("sync responses are interned like proposals", () => {
    const decode = memoizedMessageDecoder()
    const first = right(decode(encodeMsg({ type: "tx", tx })))
    const cert = { height: 1, round: 0, blockHash: sha(utf8("h")), signatures: [] }
    const m = right(decode(encodeMsg({ type: "sync-response", block: withBody({ txs: [tx] }), commit: cert })))
    if (m.type !== "sync-response" || first.type !== "tx") throw new Error("unexpected")
    expect(m.block.body.txs[0]).toBe(first.tx)
  })

  it(`remembers at most MAX_INTERNED_ITEMS (${MAX_INTERNED_ITEMS}) items, then starts over`, () => {
    const { intern, size } = itemInterner()
    const sig = (i: number) => {
      const b = new Uint8Array(64)
      new DataView(b.buffer).setUint32(0, i)
      return b
    }
    const msg = (i: number): Message => ({ type: "tx", tx: { ...tx, signature: sig(i) } })
    const first = msg(0)
    intern(first)
    for (let i = 1; i < MAX_INTERNED_ITEMS; i++) intern(msg(i))
    expect(size()).toBe(MAX_INTERNED_ITEMS)
    const again = (m: Message) => bodyOf(intern(proposalMsg(withBody({ txs: [itemOf(m) as typeof tx] }))))
    // still remembered: a fresh equal copy becomes the first object
    const copy = { ...tx, signature: sig(0) }
    expect(again({ type: "tx", tx: copy }).txs[0]).toBe(itemOf(first))
    intern(msg(MAX_INTERNED_ITEMS)) // one more: the table starts over with it
    expect(size()).toBe(1)
    expect(again({ type: "tx", tx: { ...tx, signature: sig(0) } }).txs[0]).not.toBe(itemOf(first))
  })
})

describe("sameData (NODE-STEP.12)", () => {
  it("compares decoded values by content", () => {
    expect(sameData(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true)
    expect(sameData(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false)
    expect(sameData(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false)
    expect(sameData(new Uint8Array([1]), [1])).toBe(false)
    expect(sameData([1], new Uint8Array([1]))).toBe(false)
    expect(sameData([1, [2n, "x"]], [1, [2n, "x"]])).toBe(true)
    expect(sameData([1, [2n, "x"]], [1, [2n, "y"]])).toBe(false)
    expect(sameData([1], [1, 2])).toBe(false)
    expect(sameData({ a: 1, b: null }, { b: null, a: 1 })).toBe(true)
    expect(sameData({ a: 1 }, { a: 1, b: undefined })).toBe(false)
    expect(sameData({ a: 1, c: 2 }, { a: 1, b: 2 })).toBe(false)
    expect(sameData({ a: [] }, { a: {} })).toBe(false)
    expect(sameData({}, [])).toBe(false)
    expect(sameData(null, {})).toBe(false)
    expect(sameData(1, 1n)).toBe(false)
    expect(sameData(tx, { ...tx, signature: tx.signature.slice() })).toBe(true)
    expect(sameData(tx, { ...tx, nonce: 1 })).toBe(false)
  })
})
