// spec: CONS-COMMIT.1, CONS-COMMIT.3, CONS-POWER.2, NODE-SYNC.1, CONS-EVIDENCE.1..2, LEDGER-SLASH.2 (spec/03-consensus.md,
//       spec/05-ledger.md)
//
// Checks that a node applies to what others signed: a commit certificate carries > 2/3 of the *stake*
// (not of the validators) and signs the block it comes with; evidence is checked on both of its
// messages; the evidence a node builds itself is canonical. Each case kills a mutant of
// `npm run mutants` (properties/mutants/mutants.json).
import { describe, expect, it } from "vitest"
import { toHex, utf8 } from "../../src/codec/Bytes.ts"
import { Hashes } from "../../src/codec/Hashing.ts"
import { genesisState } from "../../src/core/ChainState.ts"
import { checkEvidence, makeProposalEvidence, makeVoteEvidence } from "../../src/core/Evidence.ts"
import { proposerFor } from "../../src/core/LeaderElection.ts"
import { type NodeOutput, initNode, nodeDigest, step } from "../../src/core/Node.ts"
import { powerTable, verifyCertificate } from "../../src/core/Votes.ts"
import { simulate } from "../../src/drivers/InProcessNetwork.ts"
import type { Evidence } from "../../src/domain/Consensus.ts"
import { type Account, certify, ctx, encodeMsg, nextBlock, proposal, sha, signTransfer, testCrypto, testnet, vote } from "../fixtures/core.ts"

// Stakes 3000, 1000, 1000, 1000: the three small validators are 3 of 4 validators but 3000 of 6000 power.
const net = testnet({ nodes: 4, seed: 7, users: 2, stakes: [3000, 1000, 1000, 1000] })
const s0 = genesisState(sha, net.genesis)
const acc = (i: number): Account => ({ secretKey: net.keys[i]!.secretKey, pubKey: net.keys[i]!.pubKey })
const table = powerTable(s0)
const BIG = net.keys.findIndex((k) => table.power.get(k.pubHex) === 3000)
const small = [0, 1, 2, 3].filter((i) => i !== BIG)
const A = nextBlock(net, s0, {}, { real: true }).block
const tx = signTransfer(net.users[0]!, { to: net.users[1]!.pubKey, amount: 1, fee: 1, nonce: 0 })
const B = nextBlock(net, s0, { txs: [tx] }, { real: true }).block
const hA = Hashes.blockHash(sha, A.header)
const hB = Hashes.blockHash(sha, B.header)
const verify = (cert: ReturnType<typeof certify>, blockHash: Uint8Array) => verifyCertificate(ctx.crypto, s0.chainId, table, cert, { height: 1, blockHash })

describe("CONS-COMMIT.1: a certificate carries > 2/3 of the power, by stake", () => {
  it("setup: one validator holds half the stake; A and B are distinct valid blocks of height 1", () => {
    expect(table.total).toBe(6000n)
    expect(small).toHaveLength(3)
    expect(toHex(hA)).not.toBe(toHex(hB))
  })

  it("three of four validators holding 3000 of 6000 do not make a certificate; the large one and one small (4000, exactly 2/3) neither", () => {
    expect(verify(certify(A, small.map(acc)), hA)?.code).toBe("SYNC_BAD_CERTIFICATE")
    expect(verify(certify(A, [acc(BIG), acc(small[0]!)]), hA)?.code).toBe("SYNC_BAD_CERTIFICATE")
  })

  it("the large one and two small (5000 of 6000) do", () => {
    expect(verify(certify(A, [acc(BIG), acc(small[0]!), acc(small[1]!)]), hA)).toBeUndefined()
  })

  it("a signer listed twice, or a bad signature, voids the certificate", () => {
    const good = certify(A, [acc(BIG), acc(small[0]!), acc(small[1]!)])
    const twice = { ...good, signatures: [...good.signatures, good.signatures[0]!] }
    expect(verify(twice, hA)?.detail).toMatch(/twice/)
    const sigs = good.signatures.map((x, i) => (i === 0 ? { ...x, signature: new Uint8Array(x.signature).map((b, j) => (j === 5 ? b ^ 1 : b)) } : x))
    expect(verify({ ...good, signatures: sigs }, hA)?.detail).toMatch(/bad signature/)
  })

  it("a valid certificate of block A does not certify block B (the block hash is checked)", () => {
    const good = certify(A, [acc(BIG), acc(small[0]!), acc(small[1]!)])
    expect(verify(good, hB)?.code).toBe("SYNC_BAD_CERTIFICATE")
  })
})

describe("NODE-SYNC.1: a sync response is adopted only if its certificate signs its block", () => {
  const me = small[2]!
  const node = step(ctx, initNode(ctx, net.genesis, net.keys[me]!), { type: "start" })[0]
  const certA = certify(A, [acc(BIG), acc(small[0]!), acc(small[1]!)])
  const sync = (block: typeof A, commit: typeof certA) =>
    step(ctx, node, { type: "receive", from: BIG, bytes: encodeMsg({ type: "sync-response", block, commit }) })

  it("block B with the (valid) certificate of block A: SYNC_BAD_CERTIFICATE, state kept, nothing committed", () => {
    const [after, outs] = sync(B, certA)
    expect(outs.some((o) => o.type === "commit")).toBe(false)
    expect(outs.find((o): o is Extract<NodeOutput, { type: "rejected" }> => o.type === "rejected")?.error).toMatchObject({ code: "SYNC_BAD_CERTIFICATE" })
    expect(after.chain.height).toBe(0)
    expect(nodeDigest(ctx, after)).toBe(nodeDigest(ctx, node))
  })

  it("block A with its certificate is adopted", () => {
    const [after, outs] = sync(A, certA)
    expect(outs.filter((o) => o.type === "commit")).toHaveLength(1)
    expect(toHex(after.chain.lastBlockHash)).toBe(toHex(hA))
  })

  it("block A with a certificate of 3 of 4 validators but half the stake: rejected", () => {
    const [after, outs] = sync(A, certify(A, small.map(acc)))
    expect(outs.some((o) => o.type === "commit")).toBe(false)
    expect(after.chain.height).toBe(0)
  })
})

describe("CONS-EVIDENCE.1 / LEDGER-SLASH.2: evidence is checked on both of its messages", () => {
  const off = acc(small[0]!)
  // Pairs (this chain, another chain) for many values: the canonical order puts the foreign vote
  // first for some and second for others; both must be rejected.
  const cases = ["x", "a-much-longer-chain-id", "poai-sin", "poai-sil"].flatMap((chainId) =>
    Array.from({ length: 4 }, (_, i) =>
      makeVoteEvidence(
        vote(off, { type: "prevote", height: 1, blockHash: sha(utf8(`here/${i}`)) }),
        vote(off, { type: "prevote", height: 1, blockHash: sha(utf8(`there/${i}`)), chainId }),
      ),
    ),
  )
  const foreignIsB = (e: Evidence) => e.kind === "duplicate-vote" && e.b.chainId !== s0.chainId

  it("a vote of another chain is rejected whether it is `a` or `b`", () => {
    expect(cases.some(foreignIsB)).toBe(true)
    expect(cases.some((e) => !foreignIsB(e))).toBe(true)
    for (const e of cases) expect(checkEvidence(ctx.crypto, s0, e, 1)?.code).toBe("EVIDENCE_INVALID")
  })

  it("proposals of another chain likewise, whether `a` or `b`", () => {
    const P = net.keys.findIndex((k) => k.pubHex === proposerFor(sha, s0, 0)!.key)
    const evs = ["x", "a-much-longer-chain-id"].flatMap((chainId) =>
      Array.from({ length: 4 }, (_, i) =>
        makeProposalEvidence(
          proposal(acc(P), { height: 1, blockHash: sha(utf8(`p-here/${i}`)) }),
          proposal(acc(P), { height: 1, blockHash: sha(utf8(`p-there/${i}`)), chainId }),
        ),
      ),
    )
    const bForeign = (e: Evidence) => e.kind === "duplicate-proposal" && e.b.chainId !== s0.chainId
    expect(evs.some(bForeign)).toBe(true)
    expect(evs.some((e) => !bForeign(e))).toBe(true)
    for (const e of evs) expect(checkEvidence(ctx.crypto, s0, e, 1)?.code).toBe("EVIDENCE_INVALID")
  })
})

describe("CONS-EVIDENCE.2: the evidence a node builds from conflicting messages is canonical and valid", () => {
  const P = net.keys.findIndex((k) => k.pubHex === proposerFor(sha, s0, 0)!.key)
  const me = [0, 1, 2, 3].find((i) => i !== P)!
  const node = step(ctx, initNode(ctx, net.genesis, net.keys[me]!), { type: "start" })[0]
  const evidenceOf = (outs: ReadonlyArray<NodeOutput>) => outs.flatMap((o) => (o.type === "evidence" ? [o.evidence] : []))

  it("two proposals of one proposer for (1, 0), in either arrival order: one evidence, canonical, accepted by checkEvidence", () => {
    const pa = proposal(acc(P), { height: 1, blockHash: hA })
    const pb = proposal(acc(P), { height: 1, blockHash: hB })
    for (const [first, second, b1, b2] of [
      [pa, pb, A, B],
      [pb, pa, B, A],
    ] as const) {
      const [s1] = step(ctx, node, { type: "receive", from: P, bytes: encodeMsg({ type: "proposal", proposal: first, block: b1 }) })
      const [, outs] = step(ctx, s1, { type: "receive", from: P, bytes: encodeMsg({ type: "proposal", proposal: second, block: b2 }) })
      const ev = evidenceOf(outs)
      expect(ev).toHaveLength(1)
      expect(checkEvidence(ctx.crypto, s0, ev[0]!, 1)).toBeUndefined()
    }
  })

  it("two votes of one validator for one slot, in either arrival order: the evidence is accepted by checkEvidence", () => {
    const v = acc(small[0]!)
    const x = vote(v, { type: "prevote", height: 1, blockHash: hA })
    const y = vote(v, { type: "prevote", height: 1, blockHash: hB })
    for (const [first, second] of [
      [x, y],
      [y, x],
    ] as const) {
      const [s1] = step(ctx, node, { type: "receive", from: 0, bytes: encodeMsg({ type: "vote", vote: first }) })
      const [, outs] = step(ctx, s1, { type: "receive", from: 0, bytes: encodeMsg({ type: "vote", vote: second }) })
      const ev = evidenceOf(outs)
      expect(ev).toHaveLength(1)
      expect(checkEvidence(ctx.crypto, s0, ev[0]!, 1)).toBeUndefined()
    }
  })
})

describe("CONS-COMMIT.2: the certificate a node builds lists one precommit per validator, in public-key byte order", () => {
  it("in every commit of a 10-node simulation with scrambled arrival orders (4 seeds, 4 blocks each)", () => {
    let certs = 0
    let signatures = 0
    for (const seed of [1, 2, 3, 4]) {
      simulate(testCrypto, {
        nodes: 10,
        byzantine: 0,
        strategy: "equivocate",
        seed,
        blocks: 4,
        latencyMs: { min: 1, max: 400 },
        onStep: (e) => {
          for (const o of e.outputs) {
            if (o.type !== "commit") continue
            certs++
            const keys = o.cert.signatures.map((s) => toHex(s.validator))
            signatures += keys.length
            // strictly ascending: sorted, and no validator twice
            for (let i = 1; i < keys.length; i++) expect(keys[i - 1]! < keys[i]!, `cert of height ${o.height} at node ${e.node}`).toBe(true)
          }
        },
      })
    }
    expect(certs).toBeGreaterThanOrEqual(4 * 4 * 10)
    expect(signatures / certs).toBeGreaterThan(6) // more than 2/3 of 10 equal stakes in each
  })
})

describe("CONS-POWER.4: the power table is computed once per state object, from that state's stakes", () => {
  it("the same state gives the same table object; a state with other stakes (same validator registry) gets its own", () => {
    expect(powerTable(s0)).toBe(table)
    const bigKey = net.keys[BIG]!.pubHex
    const acct = s0.accounts.get(bigKey)!
    // as after a slash (LEDGER-SLASH.2): the big validator's stake drops, the registry is the same object
    const slashed = { ...s0, accounts: new Map(s0.accounts).set(bigKey, { ...acct, stake: 500 }) }
    expect(slashed.validators).toBe(s0.validators)
    const t2 = powerTable(slashed)
    expect(t2.power.get(bigKey)).toBe(500)
    expect(t2.total).toBe(3500n)
    expect(table.power.get(bigKey)).toBe(3000) // the first table is untouched
    // in public-key byte order
    expect([...t2.power.keys()]).toEqual([...t2.power.keys()].sort())
  })
})
