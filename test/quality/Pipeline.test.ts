// spec: QUAL-WIRE.1..9 (spec/17-quality-incentives.md), QUAL-SCORE.5..9, QUAL-INCENTIVE.2..4, QUAL-Q.3/5,
// QUAL-REWARD.1..4, CONS-VALID.1 (spec/03-consensus.md)
// The quality pipeline inside block execution: rounds opened with the next block's beacon, score
// commitments and reveals carried in blocks (every SCORE_* rejection surfaces as SCORE_INVALID and
// leaves the state untouched), finalization once the audit settled (settlements, Q of eq. 5),
// maturity gated on scoring, the block reward split, and the same through buildBlock/validateBlock.
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { fromHex, toHex, utf8 } from "../../src/codec/Bytes.ts"
import { Hashes, SigningBytes } from "../../src/codec/Hashing.ts"
import { applyAuditReport, decideAudits, expireAudits } from "../../src/core/Audits.ts"
import { buildBlock, makeBeacon, validateBlock, type Candidates } from "../../src/core/BlockExecution.ts"
import { type ChainState, type DraftState, accountOf, cloneState, stateRoot } from "../../src/core/ChainState.ts"
import type { CoreContext } from "../../src/core/Context.ts"
import { ProtocolError } from "../../src/core/Errors.ts"
import { proposerFor } from "../../src/core/LeaderElection.ts"
import type { Params } from "../../src/core/Params.ts"
import {
  applyScoreCommitItem,
  applyScoreRevealItem,
  finalizeRounds,
  openRounds,
  payBlockReward,
} from "../../src/core/QualityRounds.ts"
import { powerTable } from "../../src/core/Votes.ts"
import { applyCommitment, applyReveal, matureClaims } from "../../src/core/WorkClaims.ts"
import type { Block, BlockBody } from "../../src/domain/Block.ts"
import type { CommitCertificate } from "../../src/domain/Consensus.ts"
import { PPM } from "../../src/domain/Primitives.ts"
import type { AuditReport } from "../../src/domain/Work.ts"
import type { Testnet } from "../../src/drivers/Testnet.ts"
import { aggregatorFor, trimmedMean1D, yumaClippedMean1D } from "../../src/quality/Aggregation.ts"
import { drawCommittee } from "../../src/quality/Committee.ts"
import { quality, type AuditFact } from "../../src/quality/Quality.ts"
import { defaultQualityParams, type QualityParams } from "../../src/quality/QualityParams.ts"
import { splitBlockReward } from "../../src/quality/Rewards.ts"
import { DIMENSIONS, type Scores, sealScores, scoringSchedule } from "../../src/quality/Scoring.ts"
import { simExecute } from "../../src/verification/Audit.ts"
import { simAudit } from "../../src/verification/Verifiers.ts"
import {
  type Account,
  certify,
  commitTo,
  ctx,
  emptyCandidates,
  flipBit,
  genesisOf,
  keysOf,
  nextBlock,
  outsider,
  saltOf,
  sha,
  signReveal,
  testCrypto,
  testnet,
  workClaim,
} from "../fixtures/core.ts"

// ---------------------------------------------------------------------------------------------
// Harness

/** Smaller committees than the default (k = 12), quorum 5 seats; everything else the defaults. */
const P: QualityParams = { ...defaultQualityParams, committeeSeats: 12, minRevealedSeats: 5 }
/** Worker = validator 0; five eligible evaluators with unequal stakes (large enough that no cap binds). */
const STAKES = [1_000_000, 2_000_000, 1_000_000, 3_000_000, 1_500_000, 1_000_000]
const mkNet = (params: Partial<Params>): Testnet => testnet({ nodes: 6, seed: 57, stakes: STAKES, params })
/** No audits; revealWindow 2 so a claim committed at 1 reaches maturesAt = 4 long before its round ends. */
const net = mkNet({ auditPpm: 0, revealWindow: 2 })
const sctx: CoreContext = { ...ctx, scoring: P, verifier: (req) => simAudit(sha, req) }
const R = net.genesis.params.blockReward
const CU = 10

const acct = (n: Testnet, i: number): Account => ({ secretKey: n.keys[i]!.secretKey, pubKey: n.keys[i]!.pubKey })

interface Revealed {
  readonly d: DraftState
  readonly workId: string
  /** The claim id of its scoring round: the claim's commitment value (QUAL-COMMITTEE.4). */
  readonly claimId: string
  readonly worker: string
}

/** Validator 0 commits (height 1) and reveals (height 2) one claim of v(t) = CU. */
const revealed = (n: Testnet = net, label = "pipeline", c: CoreContext = sctx): Revealed => {
  const w = acct(n, 0)
  const claim = workClaim(label, CU)
  const salt = saltOf(label)
  const d = cloneState(genesisOf(n))
  const e1 = applyCommitment(c, d, commitTo(w, claim, salt), 1, 0)
  if (e1) throw new Error(e1.message)
  d.height = 1
  const e2 = applyReveal(c, d, signReveal(w, claim, salt), 2)
  if (e2) throw new Error(e2.message)
  d.height = 2
  const workId = toHex(Hashes.workId(sha, claim))
  return { d, workId, claimId: d.claims.get(workId)!.commitment, worker: n.keys[0]!.pubHex }
}

const candidatesOf = (d: DraftState | ChainState) =>
  [...d.validators.entries()].map(([key, v]) => ({ key, pubKey: v.pubKey, stake: accountOf(d, key).stake })).filter((c) => c.stake > 0)

const beaconAt = (t: number): Uint8Array => sha(utf8(`poai-test/pipeline-beacon/${t}`))

/** The first test beacon whose committee for `r` satisfies `pred` (deterministic). */
const beaconWhere = (r: Revealed, pred: (members: ReadonlyArray<{ evaluator: string; seats: number }>) => boolean): Uint8Array => {
  for (let t = 0; t < 1000; t++) {
    const b = beaconAt(t)
    const c = drawCommittee(sha, { beacon: b, claimId: fromHex(r.claimId), candidates: candidatesOf(r.d), worker: r.worker, seats: P.committeeSeats })
    if (Either.isRight(c) && pred(c.right.members)) return b
  }
  throw new Error("no beacon found")
}
/** Every one of the five eligible validators holds a seat. */
const allSeated = (m: ReadonlyArray<unknown>) => m.length === 5

/** Block 3 (the block after the reveal): audit decision and round opening with `beacon`. */
const openAt3 = (r: Revealed, beacon: Uint8Array, p: QualityParams = P): void => {
  decideAudits(sha, r.d, beacon, 3)
  openRounds(sha, p, r.d, beacon, 3, false)
  r.d.height = 3
}

const roundOf = (r: Revealed) => r.d.scoring.get(r.claimId)!.round
/** Committee members (key, seats), in key order. */
const members = (r: Revealed): Array<[string, number]> => [...roundOf(r).seats.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))

const seal = (n: Testnet, evaluator: string, claimId: string, scores: Scores, chainId = "poai-sim") =>
  sealScores(testCrypto, { chainId, secretKey: keysOf(n, evaluator).secretKey, claimId: fromHex(claimId), scores })

const s3 = (c: number, u: number, n: number): Scores => ({ correctness: c, utility: u, novelty: n })
const root = (d: DraftState | ChainState) => toHex(stateRoot(sha, d))
const holdings = (d: DraftState | ChainState, k: string) => accountOf(d, k).balance + accountOf(d, k).stake

/** A rejection is SCORE_INVALID whose detail starts with the SCORE_* code, and the state is untouched. */
const expectRejected = (d: DraftState, apply: () => ProtocolError | undefined, code: string) => {
  const before = root(d)
  const rounds = new Map(d.scoring)
  const e = apply()
  expect(e).toBeInstanceOf(ProtocolError)
  expect(e?.code).toBe("SCORE_INVALID")
  expect(e?.detail.startsWith(`${code}:`), e?.detail).toBe(true)
  expect(e?.scoring).toBe(code)
  expect(root(d)).toBe(before)
  for (const [k, v] of rounds) expect(d.scoring.get(k)).toBe(v)
}

const VERIFY_NONE = { attestation: "absent", canary: "not-run" } as const
const expectedQ = (consensus: Scores | undefined, audit: AuditFact = "not-audited"): number =>
  quality({ computeUnits: CU, verification: { ...VERIFY_NONE, audit }, noveltyPpm: PPM, evaluators: consensus }, P).q

// ---------------------------------------------------------------------------------------------

describe("QUAL-WIRE.1 opening a round", () => {
  it("opens at the block after the reveal, k seats drawn with this block's beacon, never the worker, schedule of QUAL-SCORE.5", () => {
    const r = revealed()
    const b = beaconAt(0)
    // not in the reveal's own block
    openRounds(sha, P, r.d, b, 2, false)
    expect(r.d.scoring.size).toBe(0)
    expect(r.d.claims.get(r.workId)?.scoring).toBe("unopened")
    openAt3(r, b)
    const open = r.d.scoring.get(r.claimId)
    expect(open?.workId).toBe(r.workId)
    expect(r.d.claims.get(r.workId)?.scoring).toBe("open")
    const round = open!.round
    expect(round.claimId).toBe(r.claimId)
    expect(round.chainId).toBe("poai-sim")
    expect([...round.seats.values()].reduce((a, x) => a + x, 0)).toBe(P.committeeSeats)
    expect(round.seats.has(r.worker)).toBe(false)
    for (const k of round.seats.keys()) expect(r.d.validators.has(k)).toBe(true)
    expect(round.schedule).toEqual(scoringSchedule(2, P))
    expect(round.schedule).toEqual({ openHeight: 4, commitDeadline: 5, revealDeadline: 7 })
    expect(round.commits.size + round.reveals.size).toBe(0)
    // the committee is exactly QUAL-COMMITTEE.2 over the positive-stake validators, claim id = commitment
    const c = Either.getOrThrow(drawCommittee(sha, { beacon: b, claimId: fromHex(r.claimId), candidates: candidatesOf(r.d), worker: r.worker, seats: P.committeeSeats }))
    expect(members(r)).toEqual(c.members.map((m) => [m.evaluator, m.seats]).sort((x, y) => (x[0]! < y[0]! ? -1 : 1)))
    // a later block does not reopen or redraw it
    const before = r.d.scoring.get(r.claimId)
    openRounds(sha, P, r.d, beaconAt(1), 4, false)
    expect(r.d.scoring.get(r.claimId)).toBe(before)
  })

  it("over 40 beacons the worker never holds a seat and seats follow the beacon", () => {
    const base = revealed()
    const seen = new Set<string>()
    for (let t = 0; t < 40; t++) {
      const r = { ...base, d: cloneState(base.d as ChainState) }
      openAt3(r, beaconAt(t))
      expect(roundOf(r).seats.has(r.worker)).toBe(false)
      seen.add(JSON.stringify(members(r)))
    }
    expect(seen.size).toBeGreaterThan(30)
  })

  it("with no eligible evaluator the claim is scored at once without evaluators (QUAL-Q.3, no quorum)", () => {
    const r = revealed()
    for (const k of r.d.validators.keys()) if (k !== r.worker) r.d.accounts.set(k, { ...accountOf(r.d, k), stake: 0 })
    openAt3(r, beaconAt(0))
    expect(r.d.scoring.size).toBe(0)
    const c = r.d.claims.get(r.workId)!
    expect(c.scoring).toBe("scored")
    expect(c.consensus).toBeNull()
    // correctness unverified 0.5, utility 0 (no quorum), novelty 1: floor(10 * (0.4*0.5 + 0 + 0.2*1)) = 4
    expect(c.q).toBe(4)
    expect(c.q).toBe(expectedQ(undefined))
    // and it matures like any scored claim
    const m = matureClaims(r.d, 4)
    expect(m.get(r.worker)).toBe(4)
  })
})

describe("QUAL-WIRE.2 score commitments carried in blocks", () => {
  const r0 = revealed()
  const b = beaconWhere(r0, allSeated)
  const fresh = (): Revealed => {
    const r = { ...r0, d: cloneState(r0.d as ChainState) }
    openAt3(r, b)
    return r
  }

  it("accepted at every height of [openHeight, commitDeadline] from committee members", () => {
    const r = fresh()
    const [m0, m1] = members(r).map(([k]) => k)
    const c0 = seal(net, m0!, r.claimId, s3(1, 2, 3)).commitment
    const c1 = seal(net, m1!, r.claimId, s3(4, 5, 6)).commitment
    expect(applyScoreCommitItem(testCrypto, r.d, c0, 4)).toBeUndefined()
    expect(applyScoreCommitItem(testCrypto, r.d, c1, 5)).toBeUndefined()
    const round = roundOf(r)
    expect(round.commits.get(m0!)).toEqual({ commitment: c0.commitment, height: 4 })
    expect(round.commits.get(m1!)).toEqual({ commitment: c1.commitment, height: 5 })
    expect(r.d.totals.scoreCommits).toBe(2)
  })

  it("rejects outside the window, wrong claim, bad chain, not on committee, bad signature, duplicate; state unchanged", () => {
    const r = fresh()
    const [m0, m1] = members(r).map(([k]) => k)
    const good = seal(net, m0!, r.claimId, s3(1, 2, 3)).commitment
    expectRejected(r.d, () => applyScoreCommitItem(testCrypto, r.d, good, 3), "SCORE_ROUND_NOT_OPEN")
    expectRejected(r.d, () => applyScoreCommitItem(testCrypto, r.d, good, 6), "SCORE_COMMIT_CLOSED")
    expectRejected(r.d, () => applyScoreCommitItem(testCrypto, r.d, good, 100), "SCORE_COMMIT_CLOSED")
    // a claim id with no open round (here: the work id, not the commitment value)
    const wrong = seal(net, m0!, r.workId, s3(1, 2, 3)).commitment
    expectRejected(r.d, () => applyScoreCommitItem(testCrypto, r.d, wrong, 4), "SCORE_WRONG_CLAIM")
    const otherChain = seal(net, m0!, r.claimId, s3(1, 2, 3), "other-chain").commitment
    expectRejected(r.d, () => applyScoreCommitItem(testCrypto, r.d, otherChain, 4), "SCORE_BAD_CHAIN")
    // the worker (never seated) and an outsider
    const byWorker = seal(net, r.worker, r.claimId, s3(1, 2, 3)).commitment
    expectRejected(r.d, () => applyScoreCommitItem(testCrypto, r.d, byWorker, 4), "SCORE_NOT_ON_COMMITTEE")
    const o = outsider("pipeline")
    const byOutsider = sealScores(testCrypto, { chainId: "poai-sim", secretKey: o.secretKey, claimId: fromHex(r.claimId), scores: s3(1, 2, 3) }).commitment
    expectRejected(r.d, () => applyScoreCommitItem(testCrypto, r.d, byOutsider, 4), "SCORE_NOT_ON_COMMITTEE")
    expectRejected(r.d, () => applyScoreCommitItem(testCrypto, r.d, { ...good, signature: flipBit(good.signature, 5) }, 4), "SCORE_BAD_SIGNATURE")
    // signed by another member than the one named
    expectRejected(r.d, () => applyScoreCommitItem(testCrypto, r.d, { ...good, evaluator: fromHex(m1!) }, 4), "SCORE_BAD_SIGNATURE")
    // accepted once; the same evaluator again (even with other scores, even later) is a duplicate
    expect(applyScoreCommitItem(testCrypto, r.d, good, 4)).toBeUndefined()
    expectRejected(r.d, () => applyScoreCommitItem(testCrypto, r.d, good, 4), "SCORE_DUPLICATE_COMMIT")
    const again = seal(net, m0!, r.claimId, s3(7, 8, 9)).commitment
    expectRejected(r.d, () => applyScoreCommitItem(testCrypto, r.d, again, 5), "SCORE_DUPLICATE_COMMIT")
    expect(r.d.totals.scoreCommits).toBe(1)
  })
})

describe("QUAL-WIRE.2 score reveals carried in blocks", () => {
  const r0 = revealed()
  const b = beaconWhere(r0, allSeated)
  /** Round open, members 0..2 committed at height 4 (member 2 to out-of-range scores). */
  const committed = () => {
    const r = { ...r0, d: cloneState(r0.d as ChainState) }
    openAt3(r, b)
    const [m0, m1, m2, m3] = members(r).map(([k]) => k) as [string, string, string, string]
    const sealed0 = seal(net, m0, r.claimId, s3(900_000, 600_000, 700_000))
    const sealed1 = seal(net, m1, r.claimId, s3(880_000, 620_000, 710_000))
    const sealed2 = seal(net, m2, r.claimId, s3(2_000_000, 0, 0))
    for (const s of [sealed0, sealed1, sealed2]) expect(applyScoreCommitItem(testCrypto, r.d, s.commitment, 4)).toBeUndefined()
    return { r, m0, m1, m2, m3, sealed0, sealed1, sealed2 }
  }

  it("a good reveal in [commitDeadline + 1, revealDeadline] is accepted with its scores", () => {
    const { r, m0, m1, sealed0, sealed1 } = committed()
    expect(applyScoreRevealItem(testCrypto, r.d, sealed0.reveal, 6)).toBeUndefined()
    expect(applyScoreRevealItem(testCrypto, r.d, sealed1.reveal, 7)).toBeUndefined()
    expect(roundOf(r).reveals.get(m0)).toEqual({ scores: s3(900_000, 600_000, 700_000), height: 6 })
    expect(roundOf(r).reveals.get(m1)?.height).toBe(7)
    expect(r.d.totals.scoreReveals).toBe(2)
  })

  it("rejects too early, late, no commit, mismatched, out of range, wrong claim, bad signature, duplicate; state unchanged", () => {
    const { r, m0, m3, sealed0, sealed2 } = committed()
    expectRejected(r.d, () => applyScoreRevealItem(testCrypto, r.d, sealed0.reveal, 5), "SCORE_REVEAL_TOO_EARLY")
    expectRejected(r.d, () => applyScoreRevealItem(testCrypto, r.d, sealed0.reveal, 4), "SCORE_REVEAL_TOO_EARLY")
    expectRejected(r.d, () => applyScoreRevealItem(testCrypto, r.d, sealed0.reveal, 8), "SCORE_LATE_REVEAL")
    // member 3 never committed
    expectRejected(r.d, () => applyScoreRevealItem(testCrypto, r.d, seal(net, m3, r.claimId, s3(1, 1, 1)).reveal, 6), "SCORE_NO_COMMIT")
    // member 0 reveals other scores than it committed to (same derived salt, validly signed)
    const other = seal(net, m0, r.claimId, s3(100_000, 600_000, 700_000)).reveal
    expectRejected(r.d, () => applyScoreRevealItem(testCrypto, r.d, other, 6), "SCORE_REVEAL_MISMATCH")
    // ... or the right scores with another salt
    const otherSalt = sealScores(testCrypto, { chainId: "poai-sim", secretKey: keysOf(net, m0).secretKey, claimId: fromHex(r.claimId), scores: s3(900_000, 600_000, 700_000), salt: sha(utf8("x")) }).reveal
    expectRejected(r.d, () => applyScoreRevealItem(testCrypto, r.d, otherSalt, 6), "SCORE_REVEAL_MISMATCH")
    // member 2 opens its commitment exactly, but a score is above 10^6
    expectRejected(r.d, () => applyScoreRevealItem(testCrypto, r.d, sealed2.reveal, 6), "SCORE_OUT_OF_RANGE")
    expectRejected(r.d, () => applyScoreRevealItem(testCrypto, r.d, seal(net, m0, r.workId, s3(1, 1, 1)).reveal, 6), "SCORE_WRONG_CLAIM")
    expectRejected(r.d, () => applyScoreRevealItem(testCrypto, r.d, { ...sealed0.reveal, signature: flipBit(sealed0.reveal.signature, 40) }, 6), "SCORE_BAD_SIGNATURE")
    expectRejected(r.d, () => applyScoreRevealItem(testCrypto, r.d, seal(net, r.worker, r.claimId, s3(1, 1, 1)).reveal, 6), "SCORE_NOT_ON_COMMITTEE")
    expect(applyScoreRevealItem(testCrypto, r.d, sealed0.reveal, 6)).toBeUndefined()
    expectRejected(r.d, () => applyScoreRevealItem(testCrypto, r.d, sealed0.reveal, 7), "SCORE_DUPLICATE_REVEAL")
    expect(r.d.totals.scoreReveals).toBe(1)
  })
})

// ---------------------------------------------------------------------------------------------
// Finalization

/** A full round: member 0 never commits, member 1 commits but never reveals, 2 and 3 report close scores, 4 an outlier. */
const ROLE_SCORES: ReadonlyArray<Scores | "no-commit" | "no-reveal"> = [
  "no-commit",
  "no-reveal",
  s3(900_000, 600_000, 700_000),
  s3(880_000, 640_000, 720_000),
  s3(100_000, 0, 100_000),
]

/** Play the round of `r` (opened at 3): commits at 4, reveals at 6. Returns each member's role. */
const playRound = (n: Testnet, r: Revealed) => {
  const ms = members(r)
  expect(ms).toHaveLength(ROLE_SCORES.length)
  const roles = ms.map(([k, seats], i) => ({ key: k, seats, role: ROLE_SCORES[i]! }))
  for (const x of roles) {
    if (x.role === "no-commit") continue
    const sealed = seal(n, x.key, r.claimId, x.role === "no-reveal" ? s3(1, 1, 1) : x.role)
    expect(applyScoreCommitItem(testCrypto, r.d, sealed.commitment, 4)).toBeUndefined()
    if (x.role !== "no-reveal") expect(applyScoreRevealItem(testCrypto, r.d, sealed.reveal, 6)).toBeUndefined()
  }
  return roles
}

/** QUAL-INCENTIVE.1 by hand: u = R_e − floor(α Σ dev² / 10^12). */
const seatUtility = (s: Scores, c: Scores): bigint => {
  let sq = 0n
  for (const d of DIMENSIONS) sq += BigInt(s[d] - c[d]) ** 2n
  return BigInt(P.evaluatorRewardPerSeat) - (BigInt(P.deviationPenalty) * sq) / 10n ** 12n
}

describe("QUAL-WIRE.3/4 finalizing a round", () => {
  const r0 = revealed()
  // all five seated, and the three revealers hold a quorum
  const b = beaconWhere(r0, (m) => m.length === 5 && m.slice(2).reduce((a, x) => a + x.seats, 0) >= P.minRevealedSeats && m[4]!.seats < m[2]!.seats + m[3]!.seats)
  const played = () => {
    const r = { ...r0, d: cloneState(r0.d as ChainState) }
    openAt3(r, b)
    const roles = playRound(net, r)
    return { r, roles }
  }

  it("not before revealDeadline + 1", () => {
    const { r } = played()
    for (const h of [4, 5, 6, 7]) {
      const before = root(r.d)
      expect(finalizeRounds(P, r.d, h, false).size).toBe(0)
      expect(root(r.d)).toBe(before)
    }
    expect(r.d.claims.get(r.workId)?.scoring).toBe("open")
    expect(r.d.totals.roundsFinalized).toBe(0)
  })

  it("scores the claim with Q of the trimmed-mean consensus; charges absent and unrevealed seats; credits revealers", () => {
    const { r, roles } = played()
    const before = new Map([...r.d.accounts.entries()])
    const credits = finalizeRounds(P, r.d, 8, false)
    expect(r.d.scoring.has(r.claimId)).toBe(false)
    expect(r.d.totals.roundsFinalized).toBe(1)
    // consensus: the seat-weighted trimmed mean over the revealers, per dimension (QUAL-AGG.2)
    const revealers = roles.filter((x): x is typeof x & { role: Scores } => typeof x.role !== "string")
    const consensus = {} as Record<(typeof DIMENSIONS)[number], number>
    for (const d of DIMENSIONS) consensus[d] = trimmedMean1D(revealers.map((x) => ({ score: x.role[d], weight: BigInt(x.seats) })), P.trimPpm)
    expect(aggregatorFor(P).aggregate(revealers.map((x) => ({ evaluator: x.key, weight: x.seats, scores: x.role }))).consensus).toEqual(consensus)
    const c = r.d.claims.get(r.workId)!
    expect(c.scoring).toBe("scored")
    expect(c.consensus).toEqual(consensus)
    // Q of eq. 5 with the caps of QUAL-Q.3: correctness unverified (no attestation, not audited) 0.5
    expect(c.q).toBe(expectedQ(consensus))
    const mix = 400_000n * BigInt(Math.min(500_000, consensus.correctness)) + 400_000n * BigInt(consensus.utility) + 200_000n * BigInt(consensus.novelty)
    expect(c.q).toBe(Number((BigInt(CU) * mix) / 10n ** 12n))
    // settlements (QUAL-INCENTIVE.2..3): stake charged for faults and negative utility, credits otherwise
    let slashed = 0
    const expectedCredits = new Map<string, bigint>()
    for (const x of roles) {
      const stakeBefore = before.get(x.key)!.stake
      const stakeAfter = accountOf(r.d, x.key).stake
      let slash = 0
      if (x.role === "no-commit") slash = x.seats * P.absentPenaltyPerSeat
      else if (x.role === "no-reveal") slash = x.seats * P.unrevealedPenaltyPerSeat
      else {
        const U = BigInt(x.seats) * seatUtility(x.role, consensus)
        if (U > 0n) expectedCredits.set(x.key, U)
        else slash = Number(-U)
      }
      expect(stakeBefore - stakeAfter, `${x.role} with ${x.seats} seats`).toBe(slash)
      expect(accountOf(r.d, x.key).balance).toBe(before.get(x.key)!.balance) // credits are paid by payBlockReward
      slashed += slash
    }
    expect(credits).toEqual(expectedCredits)
    // the two close reporters are credited, the outlier pays
    const [, , a, b2, outlier] = roles
    expect(credits.get(a!.key)).toBeGreaterThan(0n)
    expect(credits.get(b2!.key)).toBeGreaterThan(0n)
    expect(credits.has(outlier!.key)).toBe(false)
    expect(slashed).toBeGreaterThan(0)
    expect(r.d.totals.slashedScoring).toBe(slashed)
    expect(r.d.totals.slashed).toBe(slashed)
    // the worker is untouched by scoring
    expect(accountOf(r.d, r.worker)).toEqual(before.get(r.worker))
  })

  it("with the yuma aggregator the consensus is the clipped mean (QUAL-AGG.4)", () => {
    const { r, roles } = played()
    const Y: QualityParams = { ...P, aggregator: "yuma" }
    finalizeRounds(Y, r.d, 8, false)
    const revealers = roles.filter((x): x is typeof x & { role: Scores } => typeof x.role !== "string")
    const consensus = {} as Record<(typeof DIMENSIONS)[number], number>
    for (const d of DIMENSIONS) consensus[d] = yumaClippedMean1D(revealers.map((x) => ({ score: x.role[d], weight: BigInt(x.seats) })), Y.yumaKappaPpm)
    const c = r.d.claims.get(r.workId)!
    expect(c.consensus).toEqual(consensus)
    expect(c.q).toBe(quality({ computeUnits: CU, verification: { ...VERIFY_NONE, audit: "not-audited" }, noveltyPpm: PPM, evaluators: consensus }, Y).q)
  })

  it("finalizes once: a later call changes nothing", () => {
    const { r } = played()
    finalizeRounds(P, r.d, 8, false)
    const after = root(r.d)
    expect(finalizeRounds(P, r.d, 9, false).size).toBe(0)
    expect(root(r.d)).toBe(after)
  })

  it("without quorum the claim gets Q without evaluators, and the seats are still settled", () => {
    const r = { ...r0, d: cloneState(r0.d as ChainState) }
    const bq = beaconWhere(r0, (m) => m.length >= 2 && m[0]!.seats < P.minRevealedSeats)
    openAt3(r, bq)
    const ms = members(r)
    const [lone, seats] = ms[0]!
    const sealed = seal(net, lone, r.claimId, s3(900_000, 900_000, 900_000))
    expect(applyScoreCommitItem(testCrypto, r.d, sealed.commitment, 5)).toBeUndefined()
    expect(applyScoreRevealItem(testCrypto, r.d, sealed.reveal, 7)).toBeUndefined()
    const stakes = new Map(ms.map(([k]) => [k, accountOf(r.d, k).stake]))
    const credits = finalizeRounds(P, r.d, 8, false)
    const c = r.d.claims.get(r.workId)!
    expect(c.scoring).toBe("scored")
    expect(c.consensus).toBeNull()
    expect(c.q).toBe(expectedQ(undefined))
    // the lone revealer is its own consensus: full credit; everyone else never committed
    expect(credits).toEqual(new Map([[lone, BigInt(seats * P.evaluatorRewardPerSeat)]]))
    for (const [k, n] of ms.slice(1)) expect(stakes.get(k)! - accountOf(r.d, k).stake).toBe(n * P.absentPenaltyPerSeat)
  })

  it("the slash of a fault is capped by the evaluator's stake (QUAL-INCENTIVE.4)", () => {
    const r = { ...r0, d: cloneState(r0.d as ChainState) }
    openAt3(r, b)
    const ms = members(r)
    const [k, seats] = ms[0]!
    expect(seats * P.absentPenaltyPerSeat).toBeGreaterThan(7)
    r.d.accounts.set(k, { ...accountOf(r.d, k), stake: 7 })
    finalizeRounds(P, r.d, 8, false) // nobody committed: every seat is absent
    expect(accountOf(r.d, k).stake).toBe(0)
    const others = ms.slice(1).reduce((a, [, n]) => a + n * P.absentPenaltyPerSeat, 0)
    expect(r.d.totals.slashedScoring).toBe(7 + others)
    expect(r.d.claims.get(r.workId)?.q).toBe(expectedQ(undefined))
  })
})

describe("QUAL-WIRE.3/6 audits and scoring", () => {
  // every claim audited; the report is due long after the round's reveal deadline
  const anet = mkNet({ auditPpm: PPM, revealWindow: 2, auditWindow: 10 })
  const r0 = revealed(anet, "pipeline-audit")
  const b = beaconWhere(r0, (m) => m.length === 5 && m.slice(2).reduce((a, x) => a + x.seats, 0) >= P.minRevealedSeats)
  const played = () => {
    const r = { ...r0, d: cloneState(r0.d as ChainState) }
    openAt3(r, b)
    expect(r.d.claims.get(r.workId)?.audit).toBe("pending")
    const roles = playRound(anet, r)
    return { r, roles }
  }
  const report = (r: Revealed, outputHash: Uint8Array): AuditReport => {
    const c = r.d.claims.get(r.workId)!
    const k = keysOf(anet, c.auditor)
    // VER-VERDICT.1: the auditor's verdict: pass iff its recomputed hash is the claimed one
    const pass = toHex(outputHash) === c.outputHash
    const evidence = { sampled: [0], recomputed: [outputHash], item: pass ? -1 : 0, metrics: [] }
    const unsigned = { chainId: "poai-sim", auditor: k.pubKey, workId: fromHex(r.workId), verdict: pass ? ("pass" as const) : ("fail" as const), reason: pass ? ("NONE" as const) : ("OUTPUT_MISMATCH" as const), evidence }
    return { ...unsigned, signature: testCrypto.ed25519.sign(SigningBytes.auditReport(unsigned), k.secretKey) }
  }
  const applyReport = (r: Revealed, a: AuditReport, h: number) => applyAuditReport(testCrypto, r.d, a, h)

  it("a round past its reveal deadline waits while the audit is pending, then finalizes with the audit's correctness", () => {
    const { r } = played()
    expect(finalizeRounds(P, r.d, 8, false).size).toBe(0)
    expect(finalizeRounds(P, r.d, 9, false).size).toBe(0)
    expect(r.d.scoring.has(r.claimId)).toBe(true)
    expect(r.d.claims.get(r.workId)?.scoring).toBe("open")
    // nor does the claim mature, though maturesAt (4) has long passed
    expect(matureClaims(r.d, 9).size).toBe(0)
    // the auditor confirms the claimed output: audit passed, correctness verified (cap 10^6, not 0.5)
    expect(applyReport(r, report(r, fromHex(r.d.claims.get(r.workId)!.outputHash)), 10)).toBe("passed")
    const credits = finalizeRounds(P, r.d, 10, false)
    expect(credits.size).toBeGreaterThan(0)
    const c = r.d.claims.get(r.workId)!
    expect(c.scoring).toBe("scored")
    expect(c.consensus).not.toBeNull()
    expect(c.q).toBe(expectedQ(c.consensus!, "passed"))
    expect(c.q).toBeGreaterThan(expectedQ(c.consensus!, "not-audited")) // the consensus correctness is above 0.5
    expect(matureClaims(r.d, 10).get(r.worker)).toBe(c.q)
  })

  it("a missed audit settles it too (correctness unverified)", () => {
    const { r } = played()
    const due = r.d.claims.get(r.workId)!.auditDue
    expect(finalizeRounds(P, r.d, due - 1, false).size).toBe(0)
    expireAudits(r.d, due)
    expect(r.d.claims.get(r.workId)?.audit).toBe("missed")
    finalizeRounds(P, r.d, due, false)
    const c = r.d.claims.get(r.workId)!
    expect(c.scoring).toBe("scored")
    expect(c.q).toBe(expectedQ(c.consensus!, "not-audited"))
  })

  it("a claim voided by a failed audit cancels its round: no settlement, no credit, no slash (QUAL-WIRE.6)", () => {
    for (const at of [5, 8]) {
      const { r, roles } = played()
      const before = new Map([...r.d.accounts.entries()])
      const wrong = sha(utf8("not the claimed output"))
      expect(applyReport(r, report(r, wrong), at)).toBe("failed")
      expect(r.d.claims.has(r.workId)).toBe(false)
      const credits = finalizeRounds(P, r.d, at, false)
      expect(credits.size).toBe(0)
      expect(r.d.scoring.size).toBe(0)
      expect(r.d.totals.roundsCancelled).toBe(1)
      expect(r.d.totals.roundsFinalized).toBe(0)
      expect(r.d.totals.slashedScoring).toBe(0)
      // nobody on the committee is charged, not even the one that never committed (balances move only
      // for the auditor's reward, VER-AUDIT.7)
      for (const x of roles) expect(accountOf(r.d, x.key).stake).toBe(before.get(x.key)!.stake)
      // and nothing is left to finalize later
      finalizeRounds(P, r.d, 20, false)
      expect(r.d.totals.roundsCancelled).toBe(1)
    }
  })
})

describe("QUAL-WIRE.6 a displaced claim", () => {
  it("cancels the round of the later commitment and opens one for the earlier commitment's claim", () => {
    const n = mkNet({ auditPpm: 0, revealWindow: 8 })
    const [a, b] = [acct(n, 0), acct(n, 1)]
    const claim = workClaim("pipeline-displaced", CU) // the same work, claimed by two workers
    const [saltA, saltB] = [saltOf("displaced-a"), saltOf("displaced-b")]
    const d = cloneState(genesisOf(n))
    // A's commitment is earlier (index 0), B's later (index 1), both at height 1
    expect(applyCommitment(sctx, d, commitTo(a, claim, saltA), 1, 0)).toBeUndefined()
    expect(applyCommitment(sctx, d, commitTo(b, claim, saltB), 1, 1)).toBeUndefined()
    expect(applyReveal(sctx, d, signReveal(b, claim, saltB), 2)).toBeUndefined()
    const workId = toHex(Hashes.workId(sha, claim))
    const claimB = d.claims.get(workId)!.commitment
    openRounds(sha, P, d, beaconAt(0), 3, false)
    expect(d.scoring.get(claimB)?.workId).toBe(workId)
    expect(d.scoring.get(claimB)?.round.seats.has(toHex(b.pubKey))).toBe(false)
    // A reveals at 4 and takes the work id over
    expect(applyReveal(sctx, d, signReveal(a, claim, saltA), 4)).toBeUndefined()
    const claimA = d.claims.get(workId)!.commitment
    expect(claimA).not.toBe(claimB)
    const stakes = new Map([...d.accounts.entries()].map(([k, x]) => [k, x.stake]))
    expect(finalizeRounds(P, d, 4, false).size).toBe(0)
    expect(d.scoring.has(claimB)).toBe(false)
    expect(d.totals.roundsCancelled).toBe(1)
    for (const [k, st] of stakes) expect(accountOf(d, k).stake).toBe(st)
    openRounds(sha, P, d, beaconAt(1), 5, false)
    const ra = d.scoring.get(claimA)
    expect(ra?.workId).toBe(workId)
    expect(ra?.round.schedule).toEqual(scoringSchedule(4, P))
    expect(ra?.round.seats.has(toHex(a.pubKey))).toBe(false)
    expect(d.claims.get(workId)?.scoring).toBe("open")
  })
})

describe("QUAL-Q.5 maturity waits for scoring", () => {
  it("a claim past maturesAt does not mature while its round is open, and matures with its Q once scored", () => {
    const r = revealed()
    openAt3(r, beaconWhere(r, (m) => m.length === 5 && m.slice(2).reduce((a, x) => a + x.seats, 0) >= P.minRevealedSeats))
    expect(r.d.claims.get(r.workId)?.maturesAt).toBe(4)
    playRound(net, r)
    for (const h of [4, 5, 6, 7]) {
      expect(matureClaims(r.d, h).size).toBe(0)
      expect(r.d.claims.get(r.workId)?.matured).toBe(false)
    }
    finalizeRounds(P, r.d, 8, false)
    const q = r.d.claims.get(r.workId)!.q
    expect(q).toBeGreaterThan(0)
    expect(matureClaims(r.d, 8)).toEqual(new Map([[r.worker, q]]))
    expect(r.d.claims.get(r.workId)?.matured).toBe(true)
    expect(r.d.totals.maturedClaims).toBe(1)
  })
})

// ---------------------------------------------------------------------------------------------
// The block reward split (QUAL-WIRE.5)

describe("QUAL-WIRE.5 payBlockReward", () => {
  const keys = net.keys.map((k) => k.pubHex)
  const draft = () => {
    const d = cloneState(genesisOf(net))
    d.lastPower = powerTable(genesisOf(net)).power // as executeBody does
    return d
  }
  const pay = (d: DraftState, matured: Map<string, number>, credits: Map<string, bigint>, signers: string[] | undefined, proposer: string) => {
    const before = new Map(keys.map((k) => [k, holdings(d, k)]))
    const totals = { ...d.totals }
    payBlockReward(P, d, matured, credits, signers, proposer)
    const delta = new Map(keys.map((k) => [k, holdings(d, k) - before.get(k)!]))
    return { delta, totals }
  }
  const sum = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, x) => a + x, 0)

  it("Σ payouts = blockReward exactly; workers by Q, evaluators their credits, lastCommit signers by power, remainder to the proposer", () => {
    const d = draft()
    const [v0, v1, v2, v3, v4, v5] = keys as [string, string, string, string, string, string]
    const matured = new Map([
      [v0, 30],
      [v1, 11],
    ])
    const credits = new Map([
      [v2, 5_000n],
      [v3, 3_000n],
    ])
    const signers = [v1, v3, v4]
    const { delta, totals } = pay(d, matured, credits, signers, v5)
    expect(sum(delta)).toBe(R)
    expect(d.totals.minted - totals.minted).toBe(R)
    // by hand (QUAL-REWARD.1..4): pools 700,000 / 200,000 / 100,000
    const w = (q: number) => Math.floor((700_000 * q) / 41)
    const power = (k: string) => d.lastPower.get(k)!
    const sp = power(v1) + power(v3) + power(v4)
    const val = (k: string) => Math.floor((100_000 * power(k)) / sp)
    const paid = w(30) + w(11) + 8_000 + val(v1) + val(v3) + val(v4)
    expect(Object.fromEntries(delta)).toEqual({
      [v0]: w(30),
      [v1]: w(11) + val(v1),
      [v2]: 5_000,
      [v3]: 3_000 + val(v3),
      [v4]: val(v4),
      [v5]: R - paid, // the proposer: remainder (evaluator pool left over, dust); not a signer
    })
    expect(d.totals.rewardWorkers - totals.rewardWorkers).toBe(w(30) + w(11))
    expect(d.totals.rewardEvaluators - totals.rewardEvaluators).toBe(8_000)
    expect(d.totals.rewardValidators - totals.rewardValidators).toBe(val(v1) + val(v3) + val(v4))
    // the same as splitBlockReward
    const split = splitBlockReward(
      { reward: R, workers: matured, evaluators: credits, validators: new Map(signers.map((k) => [k, power(k)])), remainderTo: v5 },
      P,
    )
    for (const k of keys) expect(BigInt(delta.get(k)!)).toBe(split.payouts.get(k) ?? 0n)
  })

  it("credits above the evaluator pool are paid pro rata; without lastCommit the whole voting set is weighted by power", () => {
    const d = draft()
    const [v0, v1, v2, v3, , v5] = keys as [string, string, string, string, string, string]
    const credits = new Map([
      [v1, 200_000n],
      [v2, 100_000n],
    ])
    const { delta, totals } = pay(d, new Map([[v0, 5]]), credits, undefined, v3)
    expect(sum(delta)).toBe(R)
    expect(d.totals.rewardEvaluators - totals.rewardEvaluators).toBe(Math.floor((200_000 * 2) / 3) + Math.floor(200_000 / 3))
    const total = sum(d.lastPower)
    const val = (k: string) => Math.floor((100_000 * d.lastPower.get(k)!) / total)
    expect(delta.get(v5)).toBe(val(v5))
    expect(delta.get(v2)).toBe(Math.floor(200_000 / 3) + val(v2))
    expect(d.totals.rewardValidators - totals.rewardValidators).toBe(keys.reduce((a, k) => a + val(k), 0))
  })

  it("a block with nothing matured and no credits: the proposer takes the worker and evaluator pools", () => {
    const d = draft()
    const [, v1, , v3, v4] = keys as [string, string, string, string, string]
    const { delta } = pay(d, new Map(), new Map(), [v1, v3, v4], v1)
    const sp = d.lastPower.get(v1)! + d.lastPower.get(v3)! + d.lastPower.get(v4)!
    const val = (k: string) => Math.floor((100_000 * d.lastPower.get(k)!) / sp)
    expect(delta.get(v3)).toBe(val(v3))
    expect(delta.get(v4)).toBe(val(v4))
    expect(delta.get(v1)).toBe(R - val(v3) - val(v4))
    expect(sum(delta)).toBe(R)
    expect(d.totals.rewardWorkers + d.totals.rewardEvaluators).toBe(0)
  })
})

// ---------------------------------------------------------------------------------------------
// Blocks: buildBlock on one node, validateBlock on another (CONS-VALID.1, QUAL-WIRE.2)

/** The round-0 proposer's block on `s` under `c`, with a real BLS beacon. */
const realBlock = (c: CoreContext, s: ChainState, cands: Partial<Candidates>, lastCommit: CommitCertificate | null) => {
  const proposer = keysOf(net, proposerFor(sha, s, 0)!.key)
  const beacon = makeBeacon(c, s, proposer.pubKey, proposer.blsSecret)
  const out = buildBlock(c, s, 0, proposer.pubKey, beacon, { ...emptyCandidates, ...cands }, lastCommit)
  return { ...out, proposer: proposer.pubHex }
}
const withBody = (block: Block, body: Partial<BlockBody>): Block => {
  const nb = { ...block.body, ...body }
  return { header: { ...block.header, bodyHash: Hashes.bodyHash(sha, nb) }, body: nb }
}
const validateCode = (c: CoreContext, s: ChainState, block: Block) => {
  const r = validateBlock(c, s, block)
  return Either.isRight(r) ? { code: "ok", detail: "" } : { code: r.left.code, detail: r.left.detail }
}

describe("score items in blocks: buildBlock then validateBlock", () => {
  const all = net.keys.map((_, i) => acct(net, i))
  const [v0, v1, v2, v3, v4] = net.keys.map((k) => k.pubHex) as [string, string, string, string, string]
  const label = "pipeline-block"
  const claim = workClaim(label, CU)
  const salt = saltOf(label)
  const workId = toHex(Hashes.workId(sha, claim))

  // Chain A: built block by block; chain B: each block validated on B's own state.
  const states: ChainState[] = [genesisOf(net)]
  const blocks: Block[] = []
  const scoresOf = (k: string): Scores => ({ correctness: 900_000, utility: 400_000 + (parseInt(k.slice(0, 2), 16) % 5) * 10_000, novelty: 800_000 })
  let certSigners: Account[] = all
  const extend = (cands: Partial<Candidates>) => {
    const s = states[states.length - 1]!
    const last = blocks[blocks.length - 1]
    const lc = last === undefined ? null : certify(last, certSigners)
    const b = realBlock(sctx, s, cands, lc)
    states.push(b.state)
    blocks.push(b.block)
    return b
  }
  extend({ commitments: [commitTo(all[0]!, claim, salt)] }) // 1
  extend({ reveals: [signReveal(all[0]!, claim, salt)] }) // 2
  extend({}) // 3: the round opens with this block's beacon
  const claimId = states[3]!.claims.get(workId)!.commitment
  const round3 = states[3]!.scoring.get(claimId)!.round
  const committee = [...round3.seats.keys()].sort()
  const sealed = new Map(committee.map((k) => [k, seal(net, k, claimId, scoresOf(k))]))
  const notOnCommittee = net.keys.map((k) => k.pubHex).find((k) => !round3.seats.has(k))! // at least the worker
  const stray = seal(net, notOnCommittee, claimId, scoresOf(notOnCommittee))
  // 4: every commitment, plus a stray one (left out by the builder)
  const b4 = extend({ scoreCommits: [...committee.map((k) => sealed.get(k)!.commitment), stray.commitment] })
  extend({}) // 5
  // 6: every reveal, plus a mismatched one (left out)
  const b6 = extend({ scoreReveals: [...committee.map((k) => sealed.get(k)!.reveal), seal(net, committee[0]!, claimId, s3(1, 2, 3)).reveal] })
  certSigners = [all[1]!, all[3]!, all[4]!] // 6.5 of 9.5 million stake: > 2/3; carried by block 7
  const b7 = extend({}) // 7
  certSigners = all
  extend({}) // 8: finalize, mature, pay

  it("the builder keeps valid score items and leaves invalid ones out", () => {
    expect(b4.block.body.scoreCommits).toHaveLength(committee.length)
    expect(b4.block.body.scoreCommits.map((c) => toHex(c.evaluator))).toEqual(committee)
    expect(b6.block.body.scoreReveals).toHaveLength(committee.length)
    expect(states[4]!.totals.scoreCommits).toBe(committee.length)
    expect(states[6]!.totals.scoreReveals).toBe(committee.length)
  })

  it("another node validates every block to the same state root", () => {
    let sB: ChainState = genesisOf(net)
    for (const [i, block] of blocks.entries()) {
      const r = validateBlock(sctx, sB, block)
      expect(Either.isRight(r), `block ${i + 1}: ${Either.isLeft(r) ? r.left.message : ""}`).toBe(true)
      sB = Either.getOrThrow(r)
      expect(root(sB)).toBe(toHex(block.header.stateRoot))
      expect(root(sB)).toBe(root(states[i + 1]!))
    }
    const c = sB.claims.get(workId)!
    expect(c.scoring).toBe("scored")
    expect(c.matured).toBe(true)
    expect(c.consensus).not.toBeNull()
    expect(c.q).toBe(expectedQ(c.consensus!))
    expect(sB.totals.roundsFinalized).toBe(1)
    expect(sB.totals.slashedScoring).toBe(0)
    expect(sB.scoring.size).toBe(0)
  })

  it("block 8 pays the worker's Q share, every evaluator's credit and the signers; Σ = blockReward", () => {
    const [s7, s8] = [states[7]!, states[8]!]
    const keys = net.keys.map((k) => k.pubHex)
    const delta = new Map(keys.map((k) => [k, holdings(s8, k) - holdings(s7, k)]))
    expect([...delta.values()].reduce((a, x) => a + x, 0)).toBe(R)
    expect(s8.totals.minted - s7.totals.minted).toBe(R)
    expect(s8.totals.rewardWorkers - s7.totals.rewardWorkers).toBe(700_000) // one worker: the whole pool
    // every evaluator revealed close to the consensus: seats · u (QUAL-INCENTIVE.1), all positive, pool covers
    const consensus = s8.claims.get(workId)!.consensus!
    let credits = 0
    for (const k of committee) {
      const u = Number(seatUtility(scoresOf(k), consensus))
      expect(u).toBeGreaterThan(0)
      credits += round3.seats.get(k)! * u
    }
    expect(credits).toBeGreaterThan(P.committeeSeats * (P.evaluatorRewardPerSeat - 10))
    expect(s8.totals.rewardEvaluators - s7.totals.rewardEvaluators).toBe(credits)
    expect(s8.totals.slashedScoring).toBe(0)
  })

  it("validators are weighted by the power of the lastCommit signers (block 7: no Q matured, no credit)", () => {
    const [s6, s7] = [states[6]!, states[7]!]
    const signers = [v1, v3, v4]
    expect(b7.block.body.lastCommit?.signatures.map((x) => toHex(x.validator)).sort()).toEqual([...signers].sort())
    const power = (k: string) => s6.lastPower.get(k) ?? 0
    // the power table the block is decided with is the stake table after block 6
    for (const k of signers) expect(power(k)).toBe(accountOf(s6, k).stake)
    const sp = signers.reduce((a, k) => a + accountOf(s6, k).stake, 0)
    const val = (k: string) => (signers.includes(k) ? Math.floor((100_000 * accountOf(s6, k).stake) / sp) : 0)
    const paid = signers.reduce((a, k) => a + val(k), 0)
    for (const k of net.keys.map((x) => x.pubHex)) {
      const expected = val(k) + (k === b7.proposer ? R - paid : 0)
      expect(holdings(s7, k) - holdings(s6, k), k.slice(0, 8)).toBe(expected)
    }
    expect(s7.totals.rewardValidators - s6.totals.rewardValidators).toBe(paid)
    expect([v0, v2].every((k) => k === b7.proposer || holdings(s7, k) === holdings(s6, k))).toBe(true)
  })

  it("a block carrying an invalid score item is rejected with BLOCK_BAD_SCORE", () => {
    const [s3v, s5v] = [states[3]!, states[5]!]
    const goodCommits = b4.block.body.scoreCommits
    const cases: Array<[ChainState, Block, string]> = [
      [s3v, withBody(b4.block, { scoreCommits: [...goodCommits, stray.commitment] }), "SCORE_NOT_ON_COMMITTEE"],
      [s3v, withBody(b4.block, { scoreCommits: [...goodCommits, goodCommits[0]!] }), "SCORE_DUPLICATE_COMMIT"],
      [s3v, withBody(b4.block, { scoreCommits: [{ ...goodCommits[0]!, signature: flipBit(goodCommits[0]!.signature) }] }), "SCORE_BAD_SIGNATURE"],
      [s3v, withBody(b4.block, { scoreReveals: [sealed.get(committee[0]!)!.reveal] }), "SCORE_REVEAL_TOO_EARLY"],
      [s5v, withBody(b6.block, { scoreReveals: [seal(net, committee[0]!, claimId, s3(1, 2, 3)).reveal] }), "SCORE_REVEAL_MISMATCH"],
      // a commitment after the commit deadline (checked before the duplicate, QUAL-SCORE.6)
      [s5v, withBody(b6.block, { scoreCommits: [sealed.get(committee[0]!)!.commitment] }), "SCORE_COMMIT_CLOSED"],
    ]
    for (const [s, block, code] of cases) {
      const r = validateCode(sctx, s, block)
      expect(r.code, code).toBe("BLOCK_BAD_SCORE")
      expect(r.detail).toContain(code)
    }
    // the unmodified blocks are fine on the same states
    expect(validateCode(sctx, s3v, b4.block).code).toBe("ok")
    expect(validateCode(sctx, s5v, b6.block).code).toBe("ok")
  })

  it("a chain without scoring rejects blocks carrying score items, and its builder never includes them", () => {
    // the scored chain's block validated by a node whose chain scores no claims
    expect(validateCode(ctx, states[3]!, b4.block)).toMatchObject({ code: "BLOCK_BAD_SCORE" })
    // a plain chain from genesis
    const g = genesisOf(net)
    const plain = nextBlock(net, g, { scoreCommits: [stray.commitment], scoreReveals: [stray.reveal] }, { real: true })
    expect(plain.block.body.scoreCommits).toHaveLength(0)
    expect(plain.block.body.scoreReveals).toHaveLength(0)
    expect(validateCode(ctx, g, plain.block).code).toBe("ok")
    expect(validateCode(ctx, g, withBody(plain.block, { scoreCommits: [stray.commitment] })).code).toBe("BLOCK_BAD_SCORE")
    expect(validateCode(ctx, g, withBody(plain.block, { scoreReveals: [stray.reveal] })).code).toBe("BLOCK_BAD_SCORE")
    // claims on a plain chain have Q fixed at reveal and no round
    expect(plain.state.scoring.size).toBe(0)
  })
})
