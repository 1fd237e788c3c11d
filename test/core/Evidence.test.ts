// spec: LEDGER-SLASH.1..4 (spec/05-ledger.md), CONS-EVIDENCE.1 (spec/03-consensus.md), Accountability
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { type ChainState, type DraftState, cloneState, genesisState, stateRoot } from "../../src/core/ChainState.ts"
import type { ErrorCode } from "../../src/core/Errors.ts"
import { applyEvidence, checkEvidence, evidenceKey, makeProposalEvidence, makeVoteEvidence } from "../../src/core/Evidence.ts"
import type { Evidence } from "../../src/domain/Consensus.ts"
import { type Account, ctx, flipBit, nextBlock, outsider, proposal, sha, testnet, vote } from "../fixtures/core.ts"

const MAX_AGE = 10
const net = testnet({ nodes: 4, seed: 61, users: 1, params: { evidenceMaxAge: MAX_AGE, slashEquivocationPpm: 50_000 } })
const s0: ChainState = genesisState(sha, net.genesis)
const acc = (i: number): Account => ({ secretKey: net.keys[i]!.secretKey, pubKey: net.keys[i]!.pubKey })
const offender = acc(1)
const OFF = net.keys[1]!.pubHex
const hashA = sha(new Uint8Array([0xa]))
const hashB = sha(new Uint8Array([0xb]))

const dupVote = (signer = offender, f: { height?: number; round?: number; type?: "prevote" | "precommit"; chainId?: string } = {}) =>
  makeVoteEvidence(
    vote(signer, { type: f.type ?? "prevote", height: f.height ?? 1, round: f.round ?? 0, blockHash: hashA, ...(f.chainId ? { chainId: f.chainId } : {}) }),
    vote(signer, { type: f.type ?? "prevote", height: f.height ?? 1, round: f.round ?? 0, blockHash: hashB, ...(f.chainId ? { chainId: f.chainId } : {}) }),
  )
const dupProposal = (signer = offender, f: { height?: number; round?: number } = {}) =>
  makeProposalEvidence(
    proposal(signer, { height: f.height ?? 1, round: f.round ?? 0, blockHash: hashA }),
    proposal(signer, { height: f.height ?? 1, round: f.round ?? 0, blockHash: hashB }),
  )

const check = (e: Evidence, height = 1, s: ChainState | DraftState = s0): ErrorCode | "ok" => checkEvidence(testCryptoOf(), s, e, height)?.code ?? "ok"
const detail = (e: Evidence, height = 1) => checkEvidence(testCryptoOf(), s0, e, height)?.detail ?? ""
const testCryptoOf = () => ctx.crypto
const stakeOf = (d: DraftState | ChainState, k = OFF) => d.accounts.get(k)!.stake

describe("valid evidence is accepted and slashes once (LEDGER-SLASH.1..3)", () => {
  for (const [name, make] of [
    ["duplicate-vote", () => dupVote()],
    ["duplicate-proposal", () => dupProposal()],
  ] as const) {
    it(`${name}: accepted, slashes 5% of stake once, EVIDENCE_DUPLICATE on the second`, () => {
      const e = make()
      expect(check(e)).toBe("ok")
      const d = cloneState(s0)
      expect(applyEvidence(ctx.crypto, d, e, 1)).toBeUndefined()
      expect(stakeOf(d)).toBe(950)
      expect(d.totals.evidence).toBe(1)
      expect(d.totals.slashed).toBe(50)
      expect(d.punished.has(evidenceKey(e))).toBe(true)
      const root = toHex(stateRoot(sha, d))
      expect(applyEvidence(ctx.crypto, d, e, 2)?.code).toBe("EVIDENCE_DUPLICATE")
      expect(toHex(stateRoot(sha, d))).toBe(root)
      expect(stakeOf(d)).toBe(950)
      // other validators are untouched
      expect(stakeOf(d, net.keys[0]!.pubHex)).toBe(1000)
    })
  }

  it("a different pair of conflicting votes for the same slot is the same offence: EVIDENCE_DUPLICATE", () => {
    const d = cloneState(s0)
    expect(applyEvidence(ctx.crypto, d, dupVote(), 1)).toBeUndefined()
    const third = makeVoteEvidence(
      vote(offender, { type: "prevote", height: 1, blockHash: hashA }),
      vote(offender, { type: "prevote", height: 1, blockHash: null }),
    )
    expect(check(third, 1, s0)).toBe("ok") // a valid equivocation in itself (value vs nil)
    expect(applyEvidence(ctx.crypto, d, third, 1)?.code).toBe("EVIDENCE_DUPLICATE")
    expect(stakeOf(d)).toBe(950)
  })

  it("vote and proposal offences, and different rounds or vote types, are distinct slots", () => {
    const d = cloneState(s0)
    for (const e of [dupVote(), dupVote(offender, { round: 1 }), dupVote(offender, { type: "precommit" }), dupProposal()])
      expect(applyEvidence(ctx.crypto, d, e, 1)).toBeUndefined()
    expect(d.totals.evidence).toBe(4)
    expect(stakeOf(d)).toBe(1000 - 50 - 47 - 45 - 42)
  })

  it("evidence inside a block slashes through block execution; the same evidence is left out of the next block", () => {
    const e = dupVote()
    const b1 = nextBlock(net, s0, { evidence: [e] })
    expect(b1.block.body.evidence).toHaveLength(1)
    expect(stakeOf(b1.state)).toBe(950)
    expect(b1.state.totals.evidence).toBe(1)
    const b2 = nextBlock(net, b1.state, { evidence: [e] })
    expect(b2.block.body.evidence).toHaveLength(0)
    expect(stakeOf(b2.state)).toBe(950)
  })

  it("punished keys are forgotten only once the evidence has expired anyway", () => {
    const small = testnet({ nodes: 4, seed: 61, users: 1, params: { evidenceMaxAge: 2 } })
    const e = dupVote()
    let st = nextBlock(small, genesisState(sha, small.genesis), { evidence: [e] }).state // height 1
    st = nextBlock(small, st).state // 2
    st = nextBlock(small, st).state // 3
    expect(st.punished.has(evidenceKey(e))).toBe(true)
    expect(checkEvidence(ctx.crypto, st, e, 3)).toBeUndefined() // still within the age: the punished set blocks it
    expect(applyEvidence(ctx.crypto, cloneState(st), e, 3)?.code).toBe("EVIDENCE_DUPLICATE")
    st = nextBlock(small, st).state // 4: 4 - 1 > 2, pruned
    expect(st.punished.has(evidenceKey(e))).toBe(false)
    expect(applyEvidence(ctx.crypto, cloneState(st), e, 5)?.code).toBe("EVIDENCE_EXPIRED")
  })
})

describe("invalid evidence (LEDGER-SLASH.2)", () => {
  const a = vote(offender, { type: "prevote", height: 1, blockHash: hashA })

  it("same value: two copies of one vote, or two proposals of the same block", () => {
    expect(check({ kind: "duplicate-vote", a, b: a })).toBe("EVIDENCE_INVALID")
    expect(detail({ kind: "duplicate-vote", a, b: a })).toMatch(/do not conflict/)
    const nilA = vote(offender, { type: "prevote", height: 1, blockHash: null })
    expect(detail({ kind: "duplicate-vote", a: nilA, b: nilA })).toMatch(/do not conflict/)
    const p = proposal(offender, { height: 1, blockHash: hashA })
    const p2 = proposal(offender, { height: 1, validRound: -1, blockHash: hashA, round: 0 })
    expect(detail({ kind: "duplicate-proposal", a: p, b: p2 })).toMatch(/do not conflict/)
  })

  it("different slots: height, round, type or validator differ", () => {
    const other = (f: Partial<{ height: number; round: number; type: "prevote" | "precommit" }>, signer = offender) =>
      makeVoteEvidence(a, vote(signer, { type: f.type ?? "prevote", height: f.height ?? 1, round: f.round ?? 0, blockHash: hashB }))
    for (const e of [other({ height: 2 }), other({ round: 1 }), other({ type: "precommit" }), other({}, acc(2))]) {
      expect(check(e, 2)).toBe("EVIDENCE_INVALID")
      expect(detail(e, 2)).toMatch(/different slots/)
    }
    const p = (f: { height?: number; round?: number }, signer = offender) =>
      makeProposalEvidence(proposal(offender, { height: 1, blockHash: hashA }), proposal(signer, { height: f.height ?? 1, round: f.round ?? 0, blockHash: hashB }))
    for (const e of [p({ height: 2 }), p({ round: 1 }), p({}, acc(3))]) expect(detail(e, 2)).toMatch(/different slots/)
  })

  it("bad signature on either message", () => {
    const b = vote(offender, { type: "prevote", height: 1, blockHash: hashB })
    for (const e of [
      makeVoteEvidence({ ...a, signature: flipBit(a.signature, 10) }, b),
      makeVoteEvidence(a, { ...b, signature: flipBit(b.signature, 63, 7) }),
    ]) {
      expect(check(e)).toBe("EVIDENCE_INVALID")
      expect(detail(e)).toMatch(/bad signature/)
    }
    const pa = proposal(offender, { height: 1, blockHash: hashA })
    const pb = proposal(offender, { height: 1, blockHash: hashB })
    expect(detail(makeProposalEvidence(pa, { ...pb, signature: flipBit(pb.signature, 1) }))).toMatch(/bad signature/)
    // a vote signed by someone else than the validator it names
    const forged = { ...vote(acc(2), { type: "prevote", height: 1, blockHash: hashB }), validator: offender.pubKey }
    expect(detail(makeVoteEvidence(a, forged))).toMatch(/bad signature/)
  })

  it("non-canonical order: the message whose encoding sorts first must be `a`", () => {
    const e = dupVote()
    expect(check(e)).toBe("ok")
    const swapped = { ...e, a: e.b, b: e.a } as Evidence
    expect(check(swapped)).toBe("EVIDENCE_INVALID")
    expect(detail(swapped)).toMatch(/canonical order/)
    const p = dupProposal()
    expect(detail({ ...p, a: p.b, b: p.a } as Evidence)).toMatch(/canonical order/)
  })

  it("EVIDENCE_UNKNOWN_VALIDATOR: a validly signed equivocation by a key outside the validator set", () => {
    expect(check(dupVote(outsider("stranger")))).toBe("EVIDENCE_UNKNOWN_VALIDATOR")
    expect(check(dupProposal(outsider("stranger")))).toBe("EVIDENCE_UNKNOWN_VALIDATOR")
    const d = cloneState(s0)
    expect(applyEvidence(ctx.crypto, d, dupVote(outsider("stranger")), 1)?.code).toBe("EVIDENCE_UNKNOWN_VALIDATOR")
    expect(d.totals).toEqual(s0.totals)
  })

  it("another chain id", () => {
    expect(check(dupVote(offender, { chainId: "other-chain" }))).toBe("EVIDENCE_INVALID")
  })

  it("future height: evidence for a height above the current one", () => {
    expect(check(dupVote(offender, { height: 5 }), 5)).toBe("ok")
    expect(check(dupVote(offender, { height: 5 }), 4)).toBe("EVIDENCE_INVALID")
    expect(detail(dupVote(offender, { height: 5 }), 4)).toMatch(/future/)
    expect(check(dupProposal(offender, { height: 5 }), 4)).toBe("EVIDENCE_INVALID")
  })

  it("EVIDENCE_EXPIRED: older than evidenceMaxAge blocks", () => {
    expect(check(dupVote(offender, { height: 1 }), 1 + MAX_AGE)).toBe("ok")
    expect(check(dupVote(offender, { height: 1 }), 1 + MAX_AGE + 1)).toBe("EVIDENCE_EXPIRED")
    expect(check(dupProposal(offender, { height: 1 }), 1 + MAX_AGE + 1)).toBe("EVIDENCE_EXPIRED")
  })

  it("a rejected evidence changes nothing in the draft", () => {
    const d = cloneState(s0)
    const root = toHex(stateRoot(sha, d))
    const e = dupVote()
    for (const bad of [{ ...e, a: e.b, b: e.a } as Evidence, dupVote(outsider("x")), dupVote(offender, { height: 9 })])
      expect(applyEvidence(ctx.crypto, d, bad, 2)).toBeDefined()
    expect(toHex(stateRoot(sha, d))).toBe(root)
    expect(d.punished.size).toBe(0)
  })
})
