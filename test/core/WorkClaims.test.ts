// spec: WORK-CR.1..7 (spec/06-work-claims.md; paper §3.2 eq. 1, §6.3), LE-WINDOW.1, LEDGER-REWARD.1
// Commit-reveal of work claims and "earliest finalized commitment wins" (front-running protection).
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { Hashes } from "../../src/codec/Hashing.ts"
import { decideAudits, expireAudits } from "../../src/core/Audits.ts"
import { type ChainState, type DraftState, cloneState, genesisState } from "../../src/core/ChainState.ts"
import type { ErrorCode } from "../../src/core/Errors.ts"
import { proposerWeights, windowQ } from "../../src/core/LeaderElection.ts"
import { initNode, mempoolCandidates, step } from "../../src/core/Node.ts"
import { applyCommitment, applyReveal, commitmentKey, matureClaims } from "../../src/core/WorkClaims.ts"
import type { WorkClaim, WorkReveal } from "../../src/domain/Work.ts"
import {
  type Account,
  commitTo,
  ctx,
  flipBit,
  nextBlock,
  outsider,
  saltOf,
  sha,
  signCommitment,
  signReveal,
  testnet,
  workClaim,
} from "../fixtures/core.ts"

const W = 3 // revealWindow
const net = testnet({ nodes: 4, seed: 21, users: 2, params: { revealWindow: W, blockReward: 1_000_000, auditPpm: 0 } })
const s0: ChainState = genesisState(sha, net.genesis)
const victim: Account = outsider("victim")
const copier: Account = outsider("copier")
const V = toHex(victim.pubKey)
const X = toHex(copier.pubKey)

const claim = workClaim("job-1", 40)
const salt = saltOf("victim-salt")
const copierSalt = saltOf("copier-salt")
const workId = toHex(Hashes.workId(sha, claim))
const commitmentHex = (c: WorkClaim, w: Account, s: Uint8Array) => toHex(Hashes.workCommitment(sha, c, w.pubKey, s))

const code = (e: { code: ErrorCode } | undefined) => e?.code ?? "accepted"

/**
 * End-of-block bookkeeping as BlockExecution does it: audit selection (auditPpm = 0 here, so every
 * claim is skipped: VER-AUDIT.2), missed audits, then maturity (WORK-CR.7, VER-AUDIT.10).
 */
const mature = (d: DraftState, height: number) => {
  decideAudits(sha, d, new Uint8Array(32), height)
  expireAudits(d, height)
  return matureClaims(d, height)
}

/** Register `worker`'s commitment to `c` at (height, index) in `d`, asserting success. */
const commitAt = (d: DraftState, worker: Account, c: WorkClaim, s: Uint8Array, height: number, index = 0) => {
  expect(code(applyCommitment(ctx, d, commitTo(worker, c, s), height, index))).toBe("accepted")
}
const revealAt = (d: DraftState, r: WorkReveal, height: number) => code(applyReveal(ctx, d, r, height))

/** applyX must leave the draft untouched when it rejects. */
const unchanged = (d: DraftState, f: () => ErrorCode | "accepted", expected: ErrorCode) => {
  const before = JSON.stringify([[...d.commitments], [...d.claims]])
  expect(f()).toBe(expected)
  expect(JSON.stringify([[...d.commitments], [...d.claims]])).toBe(before)
}

describe("commit then reveal (WORK-CR.1..2)", () => {
  it("happy path: commitment at height 1, reveal at height 2 registers the claim with Q = v(t)", () => {
    const d = cloneState(s0)
    commitAt(d, victim, claim, salt, 1, 0)
    const cid = commitmentHex(claim, victim, salt)
    // WORK-CR.1: the registry key is worker || commitment
    expect([...d.commitments.keys()]).toEqual([V + cid])
    expect(commitmentKey(V, cid)).toBe(V + cid)
    expect(d.commitments.get(V + cid)).toEqual({ worker: V, commitment: cid, height: 1, index: 0, revealed: false })
    expect(revealAt(d, signReveal(victim, claim, salt), 2)).toBe("accepted")
    expect(d.commitments.get(V + cid)?.revealed).toBe(true)
    expect(d.claims.get(workId)).toEqual({
      worker: V,
      commitment: cid,
      commitHeight: 1,
      commitIndex: 0,
      revealHeight: 2,
      maturesAt: 1 + W + 1,
      q: 40, // provisionalQuality: Q(W) = computeUnits
      matured: false,
      outputHash: toHex(claim.outputHash),
      audit: "undecided",
      auditor: "",
      auditDue: 0,
      computeUnits: 40,
      scoring: "none", // no scoring configured: Q fixed at reveal (QUAL-SEAM.2)
      consensus: null,
      noveltySketch: toHex(claim.noveltySketch),
      noveltyPpm: 1_000_000, // QUAL-NOVELTY.8: without scoring, n = 10^6 and the window stays empty
    })
    expect(d.novelty).toEqual([])
  })

  it("the quality seam decides Q at reveal (floored, never negative)", () => {
    const d = cloneState(s0)
    commitAt(d, victim, claim, salt, 1)
    const seen: Array<{ worker: string; height: number }> = []
    const quality = (_c: WorkClaim, info: { worker: string; height: number }) => (seen.push(info), 7.9)
    expect(code(applyReveal({ ...ctx, quality }, d, signReveal(victim, claim, salt), 2))).toBe("accepted")
    expect(d.claims.get(workId)?.q).toBe(7)
    expect(seen).toEqual([{ worker: V, height: 2 }])
    const d2 = cloneState(s0)
    commitAt(d2, victim, claim, salt, 1)
    expect(code(applyReveal({ ...ctx, quality: () => -5 }, d2, signReveal(victim, claim, salt), 2))).toBe("accepted")
    expect(d2.claims.get(workId)?.q).toBe(0)
  })

  it("a reveal exactly revealWindow blocks after its commitment is accepted", () => {
    const d = cloneState(s0)
    commitAt(d, victim, claim, salt, 1)
    expect(revealAt(d, signReveal(victim, claim, salt), 1 + W)).toBe("accepted")
    expect(d.claims.get(workId)?.maturesAt).toBe(1 + W + 1)
  })
})

describe("WORK_* rejections (WORK-CR.1..5)", () => {
  it("WORK_BAD_CHAIN: commitment and reveal for another chain", () => {
    const d = cloneState(s0)
    unchanged(d, () => code(applyCommitment(ctx, d, commitTo(victim, claim, salt, "other-chain"), 1, 0)), "WORK_BAD_CHAIN")
    commitAt(d, victim, claim, salt, 1)
    unchanged(d, () => revealAt(d, signReveal(victim, claim, salt, { chainId: "other-chain" }), 2), "WORK_BAD_CHAIN")
  })

  it("WORK_BAD_SIGNATURE: corrupted commitment and reveal signatures", () => {
    const d = cloneState(s0)
    const c = commitTo(victim, claim, salt)
    unchanged(d, () => code(applyCommitment(ctx, d, { ...c, signature: flipBit(c.signature, 3) }, 1, 0)), "WORK_BAD_SIGNATURE")
    commitAt(d, victim, claim, salt, 1)
    const r = signReveal(victim, claim, salt)
    unchanged(d, () => revealAt(d, { ...r, signature: flipBit(r.signature, 40) }, 2), "WORK_BAD_SIGNATURE")
  })

  it("WORK_BAD_SIGNATURE: a reveal naming the victim as worker but signed by the copier", () => {
    const d = cloneState(s0)
    commitAt(d, victim, claim, salt, 1)
    unchanged(d, () => revealAt(d, signReveal(copier, claim, salt, { worker: victim.pubKey }), 2), "WORK_BAD_SIGNATURE")
  })

  it("WORK_DUPLICATE_COMMITMENT: the same (worker, commitment) twice, in a later block or in the same one", () => {
    const d = cloneState(s0)
    const c = commitTo(victim, claim, salt)
    commitAt(d, victim, claim, salt, 1)
    unchanged(d, () => code(applyCommitment(ctx, d, c, 2, 0)), "WORK_DUPLICATE_COMMITMENT")
    unchanged(d, () => code(applyCommitment(ctx, d, c, 1, 1)), "WORK_DUPLICATE_COMMITMENT")
    // the same value re-signed by another key is another registration (squatting, below), also only once
    const copy = signCommitment(copier, c.commitment)
    expect(code(applyCommitment(ctx, d, copy, 2, 0))).toBe("accepted")
    unchanged(d, () => code(applyCommitment(ctx, d, copy, 3, 0)), "WORK_DUPLICATE_COMMITMENT")
    expect(d.commitments.size).toBe(2)
  })

  it("WORK_NOT_COMMITTED: no commitment, wrong salt, or a changed claim", () => {
    const d = cloneState(s0)
    unchanged(d, () => revealAt(d, signReveal(victim, claim, salt), 2), "WORK_NOT_COMMITTED")
    commitAt(d, victim, claim, salt, 1)
    unchanged(d, () => revealAt(d, signReveal(victim, claim, saltOf("other")), 2), "WORK_NOT_COMMITTED")
    const better = { ...claim, qualityClaims: { ...claim.qualityClaims, correctness: 1_000_000 } }
    unchanged(d, () => revealAt(d, signReveal(victim, better, salt), 2), "WORK_NOT_COMMITTED")
  })

  it("WORK_NOT_COMMITTED: a reveal in the same block as its commitment", () => {
    const d = cloneState(s0)
    commitAt(d, victim, claim, salt, 5, 0)
    unchanged(d, () => revealAt(d, signReveal(victim, claim, salt), 5), "WORK_NOT_COMMITTED")
    expect(revealAt(d, signReveal(victim, claim, salt), 6)).toBe("accepted")
  })

  it("WORK_NOT_COMMITTED: buildBlock leaves out a reveal whose commitment is in the same block", () => {
    const c = commitTo(victim, claim, salt)
    const r = signReveal(victim, claim, salt)
    const b1 = nextBlock(net, s0, { commitments: [c], reveals: [r] })
    expect(b1.block.body.commitments).toHaveLength(1)
    expect(b1.block.body.reveals).toHaveLength(0)
    const b2 = nextBlock(net, b1.state, { reveals: [r] })
    expect(b2.block.body.reveals).toHaveLength(1)
    expect(b2.state.claims.get(workId)?.worker).toBe(V)
  })

  it("WORK_REVEAL_EXPIRED: a reveal revealWindow + 1 blocks after its commitment", () => {
    const d = cloneState(s0)
    commitAt(d, victim, claim, salt, 1)
    unchanged(d, () => revealAt(d, signReveal(victim, claim, salt), 1 + W + 1), "WORK_REVEAL_EXPIRED")
  })

  it("after the window the commitment is pruned at the end of the block, so later reveals are NOT_COMMITTED", () => {
    const d = cloneState(s0)
    commitAt(d, victim, claim, salt, 1)
    mature(d, 1 + W)
    expect(d.commitments.size).toBe(1)
    mature(d, 1 + W + 1)
    expect(d.commitments.size).toBe(0)
    expect(revealAt(d, signReveal(victim, claim, salt), 1 + W + 2)).toBe("WORK_NOT_COMMITTED")
  })

  it("WORK_ALREADY_REVEALED: the same reveal twice", () => {
    const d = cloneState(s0)
    commitAt(d, victim, claim, salt, 1)
    const r = signReveal(victim, claim, salt)
    expect(revealAt(d, r, 2)).toBe("accepted")
    unchanged(d, () => revealAt(d, r, 3), "WORK_ALREADY_REVEALED")
  })

  it("WORK_ALREADY_CLAIMED: a duplicate claim on the same work id under a later commitment", () => {
    const d = cloneState(s0)
    commitAt(d, victim, claim, salt, 1)
    commitAt(d, victim, claim, saltOf("second"), 2) // the same worker claiming the same work twice
    expect(revealAt(d, signReveal(victim, claim, salt), 3)).toBe("accepted")
    unchanged(d, () => revealAt(d, signReveal(victim, claim, saltOf("second")), 3), "WORK_ALREADY_CLAIMED")
  })

  it("WORK_ALREADY_CLAIMED: same height, the higher index loses", () => {
    const d = cloneState(s0)
    commitAt(d, victim, claim, salt, 1, 0)
    commitAt(d, copier, claim, copierSalt, 1, 1)
    expect(revealAt(d, signReveal(victim, claim, salt), 2)).toBe("accepted")
    unchanged(d, () => revealAt(d, signReveal(copier, claim, copierSalt), 2), "WORK_ALREADY_CLAIMED")
  })

  it("WORK_ALREADY_CLAIMED: a matured claim is never displaced", () => {
    const d = cloneState(s0)
    commitAt(d, copier, claim, copierSalt, 1, 1)
    commitAt(d, victim, claim, salt, 1, 0) // earlier position, revealed too late to matter
    expect(revealAt(d, signReveal(copier, claim, copierSalt), 2)).toBe("accepted")
    d.claims.set(workId, { ...d.claims.get(workId)!, matured: true })
    unchanged(d, () => revealAt(d, signReveal(victim, claim, salt), 3), "WORK_ALREADY_CLAIMED")
  })

  it("WORK_INVALID_CLAIM: work whose claim fails the schema is refused before anything is committed", () => {
    // applyReveal's own computeUnits check cannot be reached by a decoded (schema-valid) reveal; the
    // rejection happens where claims enter: a node's `work` input (WORK-CR.8).
    const keys = net.keys[0]!
    const node = initNode(ctx, net.genesis, keys)
    const bad = { ...claim, task: { ...claim.task, computeUnits: 0 } }
    const [after, outs] = step(ctx, node, { type: "work", claim: bad })
    expect(after).toBe(node)
    expect(outs).toHaveLength(1)
    const o = outs[0]!
    expect(o.type === "rejected" && o.error._tag === "ProtocolError" ? o.error.code : o.type).toBe("WORK_INVALID_CLAIM")
    const [, outs2] = step(ctx, node, { type: "work", claim: { ...claim, inputHash: new Uint8Array(31) } })
    const o2 = outs2[0]!
    expect(o2.type === "rejected" && o2.error._tag === "ProtocolError" ? o2.error.code : o2.type).toBe("WORK_INVALID_CLAIM")
  })

  it("WORK_NOT_COMMITTED: the value is registered only under another key (the worker's own pair is not)", () => {
    // The copier re-signs the victim's commitment value and gets it registered (squatting); the victim's
    // own commitment is not (yet) registered. The registry is keyed by (worker, commitment), so the
    // victim's reveal finds no record of its own.
    const d = cloneState(s0)
    const cid = commitmentHex(claim, victim, salt)
    expect(code(applyCommitment(ctx, d, signCommitment(copier, commitTo(victim, claim, salt).commitment), 1, 0))).toBe("accepted")
    unchanged(d, () => revealAt(d, signReveal(victim, claim, salt), 2), "WORK_NOT_COMMITTED")
    // ...and the copier cannot reveal the claim under it: the commitment binds the victim's key.
    unchanged(d, () => revealAt(d, signReveal(copier, claim, salt), 2), "WORK_NOT_COMMITTED")
    expect(d.claims.size).toBe(0)
    // The victim registers its own commitment later (the copy is no duplicate of it) and reveals it.
    commitAt(d, victim, claim, salt, 2, 0)
    expect(revealAt(d, signReveal(victim, claim, salt), 3)).toBe("accepted")
    expect(d.claims.get(workId)).toMatchObject({ worker: V, commitment: cid, commitHeight: 2, commitIndex: 0 })
    expect(d.commitments.get(commitmentKey(X, cid))?.revealed).toBe(false)
  })
})

describe("commitment squatting (WORK-CR.1..2): a copy of a worker's commitment value blocks nothing", () => {
  it("a copy registered first under another key: the worker still registers, reveals and matures its claim", () => {
    const d = cloneState(s0)
    const own = commitTo(victim, claim, salt)
    const copy = signCommitment(copier, own.commitment)
    const cid = commitmentHex(claim, victim, salt)
    // block 1: the copier's copy comes first (it saw the victim's commitment in the mempool), then the
    // victim's own commitment: two registrations, neither a duplicate of the other.
    expect(code(applyCommitment(ctx, d, copy, 1, 0))).toBe("accepted")
    expect(code(applyCommitment(ctx, d, own, 1, 1))).toBe("accepted")
    expect(d.commitments.get(commitmentKey(X, cid))).toEqual({ worker: X, commitment: cid, height: 1, index: 0, revealed: false })
    expect(d.commitments.get(commitmentKey(V, cid))).toEqual({ worker: V, commitment: cid, height: 1, index: 1, revealed: false })
    // block 2: the copier can never open its copy (naming itself, it opens H(claim || copier || salt),
    // which it never registered; naming the victim, its signature does not verify)...
    unchanged(d, () => revealAt(d, signReveal(copier, claim, salt), 2), "WORK_NOT_COMMITTED")
    unchanged(d, () => revealAt(d, signReveal(copier, claim, salt, { worker: victim.pubKey }), 2), "WORK_BAD_SIGNATURE")
    // ...and the victim reveals its own registration, with its own position (1, 1).
    expect(revealAt(d, signReveal(victim, claim, salt), 2)).toBe("accepted")
    expect(d.claims.get(workId)).toMatchObject({ worker: V, commitment: cid, commitHeight: 1, commitIndex: 1, revealHeight: 2 })
    expect(d.commitments.get(commitmentKey(V, cid))?.revealed).toBe(true)
    expect(d.commitments.get(commitmentKey(X, cid))?.revealed).toBe(false)
    // The copy stays unrevealable for its whole window, is pruned with it, and the victim's claim matures.
    unchanged(d, () => revealAt(d, signReveal(copier, claim, salt), 1 + W), "WORK_NOT_COMMITTED")
    expect(mature(d, 1 + W + 1)).toEqual(new Map([[V, 40]]))
    expect(d.commitments.size).toBe(0)
    expect(d.claims.get(workId)).toMatchObject({ worker: V, matured: true })
  })

  it("CONS-BUILD.2: a proposer orders commitments and reveals by commitment value, then worker (not by registry key)", () => {
    const own = commitTo(victim, claim, salt)
    const copy = signCommitment(copier, own.commitment)
    const others = [commitTo(copier, claim, copierSalt), commitTo(victim, workClaim("job-2"), salt), commitTo(copier, workClaim("job-3"), copierSalt)]
    const all = [own, copy, ...others]
    const commitments = new Map(all.map((c) => [commitmentKey(toHex(c.worker), toHex(c.commitment)), c] as const))
    const order = (xs: ReadonlyArray<{ commitment: string; worker: string }>) =>
      [...xs].sort((a, b) => (a.commitment !== b.commitment ? (a.commitment < b.commitment ? -1 : 1) : a.worker < b.worker ? -1 : 1))
    const got = mempoolCandidates({ txs: new Map(), commitments, reveals: new Map(), evidence: new Map(), audits: new Map(), scoreCommits: new Map(), scoreReveals: new Map() }).commitments
    const view = (c: (typeof all)[number]) => ({ commitment: toHex(c.commitment), worker: toHex(c.worker) })
    expect(got.map(view)).toEqual(order(all.map(view)))
    const rs = [signReveal(victim, claim, salt), signReveal(copier, claim, copierSalt), signReveal(victim, workClaim("job-2"), salt)]
    const rview = (r: WorkReveal) => ({ commitment: toHex(Hashes.workCommitment(sha, r.claim, r.worker, r.salt)), worker: toHex(r.worker) })
    const reveals = new Map(rs.map((r) => [commitmentKey(rview(r).worker, rview(r).commitment), r] as const))
    const gotR = mempoolCandidates({ txs: new Map(), commitments: new Map(), reveals, evidence: new Map(), audits: new Map(), scoreCommits: new Map(), scoreReveals: new Map() }).reveals
    expect(gotR.map(rview)).toEqual(order(rs.map(rview)))
  })

})

describe("front-running (WORK-CR.4..5, paper §6.3): the earliest finalized commitment wins", () => {
  it("a copier who commits the same claim after seeing the reveal cannot win", () => {
    const d = cloneState(s0)
    commitAt(d, victim, claim, salt, 1)
    expect(revealAt(d, signReveal(victim, claim, salt), 2)).toBe("accepted") // the claim is now public
    commitAt(d, copier, claim, copierSalt, 2, 0)
    unchanged(d, () => revealAt(d, signReveal(copier, claim, copierSalt), 3), "WORK_ALREADY_CLAIMED")
    expect(d.claims.get(workId)?.worker).toBe(V)
  })

  it("an earlier commitment revealed after a later one displaces it", () => {
    const d = cloneState(s0)
    commitAt(d, victim, claim, salt, 1, 0)
    commitAt(d, copier, claim, copierSalt, 2, 0) // copier saw the victim's reveal in a mempool
    expect(revealAt(d, signReveal(copier, claim, copierSalt), 3)).toBe("accepted")
    expect(d.claims.get(workId)?.worker).toBe(X)
    expect(revealAt(d, signReveal(victim, claim, salt), 4)).toBe("accepted")
    const holder = d.claims.get(workId)!
    expect(holder.worker).toBe(V)
    expect(holder.commitHeight).toBe(1)
    expect(holder.revealHeight).toBe(4)
    expect(holder.maturesAt).toBe(Math.max(4, 1 + W + 1))
    expect(d.claims.size).toBe(1)
    // maturity pays only the winner
    const matured = mature(d, holder.maturesAt)
    expect([...matured.keys()]).toEqual([V])
  })

  it("a copy committed later matures no earlier than every earlier commitment's window closes", () => {
    const d = cloneState(s0)
    commitAt(d, copier, claim, copierSalt, 2, 0)
    expect(revealAt(d, signReveal(copier, claim, copierSalt), 3)).toBe("accepted")
    // Any commitment at height <= 2 can still be revealed up to 2 + W, so the copy cannot mature before 2 + W + 1.
    expect(d.claims.get(workId)?.maturesAt).toBe(2 + W + 1)
  })
})

describe("maturity (WORK-CR.6..7) and the Q window (LE-WINDOW.1)", () => {
  it("matureClaims marks claims with maturesAt <= height, once, and returns Q per worker", () => {
    const d = cloneState(s0)
    commitAt(d, victim, claim, salt, 1, 0)
    const other = workClaim("job-2", 15)
    commitAt(d, victim, other, salt, 1, 1)
    expect(revealAt(d, signReveal(victim, claim, salt), 2)).toBe("accepted")
    expect(revealAt(d, signReveal(victim, other, salt), 2)).toBe("accepted")
    expect(mature(d, 1 + W).size).toBe(0)
    expect(d.totals.maturedClaims).toBe(0)
    const m = mature(d, 1 + W + 1)
    expect(m).toEqual(new Map([[V, 55]]))
    expect(d.totals.maturedClaims).toBe(2)
    expect([...d.claims.values()].every((c) => c.matured)).toBe(true)
    expect(mature(d, 1 + W + 2).size).toBe(0) // not twice
    expect(d.totals.maturedClaims).toBe(2)
  })

  it("VER-AUDIT.10: a claim whose audit is not settled does not mature, whatever its maturesAt", () => {
    const d = cloneState(s0)
    commitAt(d, victim, claim, salt, 1, 0)
    expect(revealAt(d, signReveal(victim, claim, salt), 2)).toBe("accepted")
    expect(matureClaims(d, 1 + W + 1).size).toBe(0) // still undecided: no selection has run
    expect(d.claims.get(workId)?.matured).toBe(false)
    expect(mature(d, 1 + W + 1)).toEqual(new Map([[V, 40]]))
  })

  it("Q enters the window only at the maturity height, then drives leader election", () => {
    // The worker is a validator, so its matured Q gives it proposer weight.
    const wk = net.keys[2]!
    const worker: Account = { secretKey: wk.secretKey, pubKey: wk.pubKey }
    const c = workClaim("job-validator", 33)
    const s = saltOf("validator-salt")
    const states: ChainState[] = [s0]
    let st = s0
    const chain = (cands: Parameters<typeof nextBlock>[2]) => {
      const b = nextBlock(net, st, cands)
      st = b.state
      states.push(st)
      return b
    }
    chain({ commitments: [commitTo(worker, c, s)] }) // height 1
    expect(chain({ reveals: [signReveal(worker, c, s)] }).block.body.reveals).toHaveLength(1) // height 2
    const maturesAt = st.claims.get(toHex(Hashes.workId(sha, c)))!.maturesAt
    expect(maturesAt).toBe(1 + W + 1)
    while (st.height < maturesAt + 1) chain({})
    for (const sh of states.slice(1)) {
      const entry = sh.qWindow[sh.qWindow.length - 1]!
      expect(entry.height).toBe(sh.height)
      expect(entry.perWorker.get(wk.pubHex) ?? 0).toBe(sh.height === maturesAt ? 33 : 0)
      const mature = sh.height >= maturesAt
      expect(windowQ(sh).get(wk.pubHex) ?? 0n).toBe(mature ? 33n : 0n)
      expect(sh.totals.maturedClaims).toBe(mature ? 1 : 0)
      expect(proposerWeights(sh, 0).source).toBe(mature ? "quality" : "stake")
    }
    // The maturity block's reward goes entirely to the only worker whose claim matured in it.
    const before = states[maturesAt - 1]!.accounts.get(wk.pubHex)!.balance
    const at = states[maturesAt]!
    const proposerFee = 0 // no transfers in these blocks
    expect(at.accounts.get(wk.pubHex)!.balance - before).toBe(1_000_000 + proposerFee)
    const qw = proposerWeights(at, 0).weights
    expect(qw.find((x) => x.key === wk.pubHex)?.weight).toBe(33n)
    expect(qw.filter((x) => x.key !== wk.pubHex).every((x) => x.weight === 0n)).toBe(true)
  })

  it("the window keeps only the last qWindow blocks", () => {
    const small = testnet({ nodes: 4, seed: 21, users: 1, params: { revealWindow: 1, qWindow: 2 } })
    const wk = small.keys[1]!
    const worker: Account = { secretKey: wk.secretKey, pubKey: wk.pubKey }
    const c = workClaim("short", 9)
    const s = saltOf("short")
    let st = genesisState(sha, small.genesis)
    st = nextBlock(small, st, { commitments: [commitTo(worker, c, s, small.genesis.chainId)] }).state // 1
    st = nextBlock(small, st, { reveals: [signReveal(worker, c, s, { chainId: small.genesis.chainId })] }).state // 2: matures at 1+1+1 = 3
    st = nextBlock(small, st).state // 3
    expect(windowQ(st).get(wk.pubHex)).toBe(9n)
    st = nextBlock(small, st).state // 4: window = heights 3..4
    expect(st.qWindow.map((e) => e.height)).toEqual([3, 4])
    expect(windowQ(st).get(wk.pubHex)).toBe(9n)
    st = nextBlock(small, st).state // 5: window = heights 4..5, Q gone
    expect(st.qWindow.map((e) => e.height)).toEqual([4, 5])
    expect(windowQ(st).get(wk.pubHex) ?? 0n).toBe(0n)
    expect(proposerWeights(st, 0).source).toBe("stake")
  })
})
