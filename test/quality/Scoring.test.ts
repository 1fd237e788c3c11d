// QUAL-SCORE.1..10, NoScoreAfterSeeing: sealed scores, the ScoringRound state machine and its errors.
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { concatBytes, toHex, utf8 } from "../../src/codec/Bytes.ts"
import { canonicalEncode } from "../../src/codec/Canonical.ts"
import type { ScoreCommitment, ScoreReveal } from "../../src/domain/Scoring.ts"
import type { Committee } from "../../src/quality/Committee.ts"
import {
  SCORING_ERROR_CODES,
  ScoringCodecs,
  applyScoreCommitment,
  applyScoreReveal,
  decodeScoreCommitment,
  decodeScoreReveal,
  finalizeScoring,
  noScoreAfterSeeing,
  openScoringRound,
  scoreCommitSigningBytes,
  scoreCommitmentValue,
  scoreRevealSigningBytes,
  scoreSalt,
  scoringSchedule,
  scoreCommitmentAcceptable,
  scoreRevealAcceptable,
  sealScoreCommitment,
  sealScoreReveal,
  sealScores,
  type ScoringErrorCode,
  type ScoringRound,
} from "../../src/quality/Scoring.ts"
import { bytes32, crypto, key, scores, sha } from "./helpers.ts"

const chainId = "poai-test"
const claimId = bytes32("claim-1")
const [e1, e2, e3, outsider] = ["e1", "e2", "e3", "outsider"].map(key) as [ReturnType<typeof key>, ReturnType<typeof key>, ReturnType<typeof key>, ReturnType<typeof key>]
const committee: Committee = {
  claimId: toHex(claimId),
  seats: [e1.hex, e1.hex, e2.hex, e3.hex],
  members: [
    { evaluator: e1.hex, pubKey: e1.pubKey, seats: 2 },
    { evaluator: e2.hex, pubKey: e2.pubKey, seats: 1 },
    { evaluator: e3.hex, pubKey: e3.pubKey, seats: 1 },
  ],
  eligibleStake: 100n,
}
// claim revealed in block 10: commitments in 12..13, reveals in 14..15
const schedule = scoringSchedule(10, { commitBlocks: 2, revealBlocks: 2 })
const round0 = openScoringRound(chainId, committee, schedule)
const s1 = scores(900_000, 700_000, 500_000)
const sealed = (k: typeof e1, s = s1, claim = claimId) => sealScores(crypto, { chainId, secretKey: k.secretKey, claimId: claim, scores: s })

const codeOf = (r: Either.Either<ScoringRound, { code: ScoringErrorCode }>): ScoringErrorCode | "ok" => (Either.isLeft(r) ? r.left.code : "ok")
const commit = (r: ScoringRound, m: ScoreCommitment | Uint8Array, h: number) => applyScoreCommitment(crypto, r, m, h)
const reveal = (r: ScoringRound, m: ScoreReveal | Uint8Array, h: number) => applyScoreReveal(crypto, r, m, h)
const ok = (r: Either.Either<ScoringRound, unknown>): ScoringRound => Either.getOrThrow(r)
const resign = <T extends ScoreCommitment | ScoreReveal>(m: T, sk: Uint8Array): T => {
  const { signature: _s, ...u } = m
  const bytes = "commitment" in u ? scoreCommitSigningBytes(u as never) : scoreRevealSigningBytes(u as never)
  return { ...m, signature: crypto.ed25519.sign(bytes, sk) }
}

describe("bytes (QUAL-SCORE.1..4)", () => {
  it("commitment = H(tagged(score-commitment, cbor(scores) || salt || evaluator || claimId))", () => {
    const salt = bytes32("salt")
    const manual = sha(concatBytes(new Uint8Array([24]), utf8("POAI/v1/score-commitment"), canonicalEncode(s1), salt, e1.pubKey, claimId))
    expect(toHex(scoreCommitmentValue(sha, s1, salt, e1.pubKey, claimId))).toBe(toHex(manual))
  })

  it("the commitment binds scores, salt, evaluator and claim", () => {
    const salt = bytes32("salt")
    const base = toHex(scoreCommitmentValue(sha, s1, salt, e1.pubKey, claimId))
    expect(toHex(scoreCommitmentValue(sha, { ...s1, novelty: 500_001 }, salt, e1.pubKey, claimId))).not.toBe(base)
    expect(toHex(scoreCommitmentValue(sha, s1, bytes32("salt2"), e1.pubKey, claimId))).not.toBe(base)
    expect(toHex(scoreCommitmentValue(sha, s1, salt, e2.pubKey, claimId))).not.toBe(base)
    expect(toHex(scoreCommitmentValue(sha, s1, salt, e1.pubKey, bytes32("other")))).not.toBe(base)
  })

  it("the derived salt is secret-key and claim specific; sealScores uses it by default", () => {
    expect(toHex(scoreSalt(sha, e1.secretKey, claimId))).not.toBe(toHex(scoreSalt(sha, e2.secretKey, claimId)))
    expect(toHex(scoreSalt(sha, e1.secretKey, claimId))).not.toBe(toHex(scoreSalt(sha, e1.secretKey, bytes32("x"))))
    expect(toHex(sealed(e1).reveal.salt)).toBe(toHex(scoreSalt(sha, e1.secretKey, claimId)))
  })

  it("canonical CBOR round trip of both messages; signatures verify over the tagged unsigned bytes", () => {
    const { commitment, reveal: rv } = sealed(e1)
    const cb = ScoringCodecs.ScoreCommitment.encode(commitment)
    const rb = ScoringCodecs.ScoreReveal.encode(rv)
    expect(Either.getOrThrow(decodeScoreCommitment(cb))).toEqual(commitment)
    expect(Either.getOrThrow(decodeScoreReveal(rb))).toEqual(rv)
    const { signature, ...u } = commitment
    expect(crypto.ed25519.verify(signature, scoreCommitSigningBytes(u), e1.pubKey)).toBe(true)
    expect(scoreCommitSigningBytes(u)[0]).toBe(24) // len("POAI/v1/score-commit-msg")
    const { signature: rs, ...ru } = rv
    expect(crypto.ed25519.verify(rs, scoreRevealSigningBytes(ru), e1.pubKey)).toBe(true)
    expect(scoreRevealSigningBytes(ru)[0]).toBe(20) // len("POAI/v1/score-reveal")
  })

  it("decoders never throw: garbage, truncation, trailing bytes, non-canonical and wrong fields are SCORE_MALFORMED", () => {
    const cb = ScoringCodecs.ScoreCommitment.encode(sealed(e1).commitment)
    const bad = [new Uint8Array(), new Uint8Array([0xff]), cb.subarray(0, cb.length - 1), concatBytes(cb, new Uint8Array([0])),
      canonicalEncode({ chainId }), canonicalEncode([1, 2, 3])]
    for (const b of bad) {
      const r = decodeScoreCommitment(b)
      expect(Either.isLeft(r) && r.left.code).toBe("SCORE_MALFORMED")
      const q = decodeScoreReveal(b)
      expect(Either.isLeft(q) && q.left.code).toBe("SCORE_MALFORMED")
    }
    // a reveal whose scores are negative or not integers is malformed (schema), not out of range
    const rv = sealed(e1).reveal
    expect(codeOf(reveal(ok(commit(round0, sealed(e1).commitment, 12)), { ...rv, scores: { ...rv.scores, utility: -1 } }, 14))).toBe("SCORE_MALFORMED")
  })
})

describe("ScoringRound (QUAL-SCORE.5..9)", () => {
  it("schedule of a claim revealed at h: open h+2, commit deadline h+1+commitBlocks, reveal deadline +revealBlocks", () => {
    expect(schedule).toEqual({ openHeight: 12, commitDeadline: 13, revealDeadline: 15 })
  })

  it("happy path: commit in the commit phase, reveal in the reveal phase, finalize after the deadline", () => {
    let r = round0
    r = ok(commit(r, sealed(e1).commitment, 12))
    r = ok(commit(r, ScoringCodecs.ScoreCommitment.encode(sealed(e2, scores(1, 2, 3)).commitment), 13)) // from bytes
    r = ok(reveal(r, sealed(e1).reveal, 14))
    r = ok(reveal(r, ScoringCodecs.ScoreReveal.encode(sealed(e2, scores(1, 2, 3)).reveal), 15))
    expect(noScoreAfterSeeing(r)).toBe(true)
    const out = Either.getOrThrow(finalizeScoring(r, 16, 3))
    expect(out.revealed).toEqual(
      [
        { evaluator: e1.hex, seats: 2, scores: s1 },
        { evaluator: e2.hex, seats: 1, scores: scores(1, 2, 3) },
      ].sort((a, b) => (a.evaluator < b.evaluator ? -1 : 1)),
    )
    expect(out.faults).toEqual([{ evaluator: e3.hex, seats: 1, fault: "no-commit" }])
    expect(out).toMatchObject({ revealedSeats: 3, totalSeats: 4, quorum: true })
    expect(Either.getOrThrow(finalizeScoring(r, 16, 4)).quorum).toBe(false)
  })

  it("one error code per check, in the specified order; a rejected message leaves the round unchanged", () => {
    const c1 = sealed(e1).commitment
    const r1 = ok(commit(round0, c1, 12))
    const cases: Array<[string, ScoringErrorCode, () => Either.Either<ScoringRound, { code: ScoringErrorCode }>]> = [
      ["bad chain", "SCORE_BAD_CHAIN", () => commit(round0, resign({ ...c1, chainId: "other" }, e1.secretKey), 12)],
      ["wrong claim", "SCORE_WRONG_CLAIM", () => commit(round0, sealed(e1, s1, bytes32("other")).commitment, 12)],
      ["outsider", "SCORE_NOT_ON_COMMITTEE", () => commit(round0, sealed(outsider).commitment, 12)],
      ["bad signature", "SCORE_BAD_SIGNATURE", () => commit(round0, { ...c1, signature: new Uint8Array(64) }, 12)],
      ["signed by another key", "SCORE_BAD_SIGNATURE", () => commit(round0, resign(c1, e2.secretKey), 12)],
      ["tampered commitment", "SCORE_BAD_SIGNATURE", () => commit(round0, { ...c1, commitment: bytes32("t") }, 12)],
      ["before open", "SCORE_ROUND_NOT_OPEN", () => commit(round0, c1, 11)],
      ["after deadline", "SCORE_COMMIT_CLOSED", () => commit(round0, c1, 14)],
      ["duplicate commit", "SCORE_DUPLICATE_COMMIT", () => commit(r1, sealed(e1, scores(0, 0, 0)).commitment, 13)],
      ["malformed value", "SCORE_MALFORMED", () => commit(round0, { ...c1, claimId: new Uint8Array(31) }, 12)],
    ]
    for (const [name, code, run] of cases) expect([name, codeOf(run())]).toEqual([name, code])
    // the round is a value: nothing above changed r1 or round0
    expect(round0.commits.size).toBe(0)
    expect(r1.commits.size).toBe(1)
  })

  it("reveal errors: early, late, no commit, duplicate, out of range, mismatch, bad signature, wrong claim", () => {
    const a = sealed(e1)
    const r1 = ok(commit(ok(commit(round0, a.commitment, 12)), sealed(e2).commitment, 12))
    const r2 = ok(reveal(r1, a.reveal, 14))
    const tamper = (m: ScoreReveal) => resign(m, e1.secretKey)
    const cases: Array<[string, ScoringErrorCode, () => Either.Either<ScoringRound, { code: ScoringErrorCode }>]> = [
      ["at the commit deadline", "SCORE_REVEAL_TOO_EARLY", () => reveal(r1, a.reveal, 13)],
      ["after the reveal deadline", "SCORE_LATE_REVEAL", () => reveal(r1, a.reveal, 16)],
      ["no commitment", "SCORE_NO_COMMIT", () => reveal(r1, sealed(e3).reveal, 14)],
      ["duplicate", "SCORE_DUPLICATE_REVEAL", () => reveal(r2, a.reveal, 15)],
      ["out of range (> 10^6)", "SCORE_OUT_OF_RANGE", () => reveal(r1, tamper({ ...a.reveal, scores: { ...s1, utility: 1_000_001 } }), 14)],
      ["other scores", "SCORE_REVEAL_MISMATCH", () => reveal(r1, tamper({ ...a.reveal, scores: { ...s1, utility: 1 } }), 14)],
      ["other salt", "SCORE_REVEAL_MISMATCH", () => reveal(r1, tamper({ ...a.reveal, salt: bytes32("s") }), 14)],
      ["unsigned change", "SCORE_BAD_SIGNATURE", () => reveal(r1, { ...a.reveal, scores: { ...s1, utility: 1 } }, 14)],
      ["bad chain", "SCORE_BAD_CHAIN", () => reveal(r1, tamper({ ...a.reveal, chainId: "x" }), 14)],
      ["wrong claim", "SCORE_WRONG_CLAIM", () => reveal(r1, sealed(e1, s1, bytes32("zz")).reveal, 14)],
      ["outsider", "SCORE_NOT_ON_COMMITTEE", () => reveal(r1, sealed(outsider).reveal, 14)],
      ["garbage bytes", "SCORE_MALFORMED", () => reveal(r1, new Uint8Array([1, 2, 3]), 14)],
    ]
    for (const [name, code, run] of cases) expect([name, codeOf(run())]).toEqual([name, code])
    // e2 copying e1's revealed scores cannot change its own commitment (binding)
    expect(codeOf(reveal(r2, sealed(e2, s1).reveal, 14))).toBe("ok") // e2 committed s1 too
    expect(codeOf(reveal(r2, sealed(e2, scores(1, 1, 1)).reveal, 14))).toBe("SCORE_REVEAL_MISMATCH")
  })

  it("penalized seats: mismatched, late and missing reveals all end as no-reveal faults; no commitment as no-commit", () => {
    let r = round0
    for (const k of [e1, e2, e3]) r = ok(commit(r, sealed(k).commitment, 12))
    // e1 reveals a mismatch (rejected), e2 reveals late (rejected), e3 never reveals
    expect(codeOf(reveal(r, resign({ ...sealed(e1).reveal, scores: scores(0, 0, 0) }, e1.secretKey), 14))).toBe("SCORE_REVEAL_MISMATCH")
    expect(codeOf(reveal(r, sealed(e2).reveal, 16))).toBe("SCORE_LATE_REVEAL")
    const out = Either.getOrThrow(finalizeScoring(r, 16, 1))
    expect(out.revealed).toEqual([])
    expect(new Set(out.faults.map((f) => `${f.evaluator}:${f.fault}:${f.seats}`))).toEqual(
      new Set([`${e1.hex}:no-reveal:2`, `${e2.hex}:no-reveal:1`, `${e3.hex}:no-reveal:1`]),
    )
    expect(out.quorum).toBe(false)
    const none = Either.getOrThrow(finalizeScoring(round0, 16, 1))
    expect(none.faults.every((f) => f.fault === "no-commit")).toBe(true)
  })

  it("finalize before the reveal deadline has passed is SCORE_ROUND_OPEN", () => {
    const r = finalizeScoring(round0, 15, 1)
    expect(Either.isLeft(r) && r.left.code).toBe("SCORE_ROUND_OPEN")
  })

  it("NoScoreAfterSeeing: no reveal is accepted before the commit phase closes, no commitment after it", () => {
    // every (message kind, height) pair around the phase boundary
    const a = sealed(e1)
    for (let h = 10; h <= 17; h++) {
      const c = codeOf(commit(round0, a.commitment, h))
      expect([h, c]).toEqual([h, h < 12 ? "SCORE_ROUND_NOT_OPEN" : h <= 13 ? "ok" : "SCORE_COMMIT_CLOSED"])
      const withCommit = ok(commit(round0, a.commitment, 12))
      const v = codeOf(reveal(withCommit, a.reveal, h))
      expect([h, v]).toEqual([h, h <= 13 ? "SCORE_REVEAL_TOO_EARLY" : h <= 15 ? "ok" : "SCORE_LATE_REVEAL"])
    }
    // the checker detects a round that violates it
    const bad: ScoringRound = { ...round0, commits: new Map([[e1.hex, { commitment: a.commitment.commitment, height: 13 }]]), reveals: new Map([[e2.hex, { scores: s1, height: 13 }]]) }
    expect(noScoreAfterSeeing(bad)).toBe(false)
  })

  it("the error catalogue names every code the round can return", () => {
    expect(Object.keys(SCORING_ERROR_CODES).sort()).toEqual(
      [
        "SCORE_MALFORMED", "SCORE_BAD_CHAIN", "SCORE_WRONG_CLAIM", "SCORE_NOT_ON_COMMITTEE", "SCORE_BAD_SIGNATURE", "SCORE_ROUND_NOT_OPEN",
        "SCORE_COMMIT_CLOSED", "SCORE_DUPLICATE_COMMIT", "SCORE_REVEAL_TOO_EARLY", "SCORE_LATE_REVEAL", "SCORE_NO_COMMIT",
        "SCORE_DUPLICATE_REVEAL", "SCORE_OUT_OF_RANGE", "SCORE_REVEAL_MISMATCH", "SCORE_ROUND_OPEN",
      ].sort(),
    )
  })
})

describe("memoized item checks (QUAL-SCORE.11)", () => {
  it("an item's signature reaches the crypto once per item object and per crypto; a forged copy is still rejected", () => {
    let calls = 0
    const counting = { ...crypto, ed25519: { ...crypto.ed25519, verify: (s: Uint8Array, m: Uint8Array, p: Uint8Array) => (calls++, crypto.ed25519.verify(s, m, p)) } }
    const c = sealed(e2).commitment
    for (let i = 0; i < 3; i++) expect(codeOf(applyScoreCommitment(counting, round0, c, 12))).toBe("ok")
    expect(calls).toBe(1)
    // at another height the memoized signature still comes before the height checks
    expect(codeOf(applyScoreCommitment(counting, round0, c, 14))).toBe("SCORE_COMMIT_CLOSED")
    expect(calls).toBe(1)
    const sig = c.signature.slice()
    sig[0] = (sig[0] as number) ^ 1
    expect(codeOf(applyScoreCommitment(counting, round0, { ...c, signature: sig }, 12))).toBe("SCORE_BAD_SIGNATURE")
    expect(calls).toBe(2)
    const r = sealed(e2).reveal
    const after = ok(commit(round0, c, 12))
    expect(codeOf(applyScoreReveal(counting, after, r, 14))).toBe("ok")
    expect(codeOf(applyScoreReveal(counting, after, r, 15))).toBe("ok")
    expect(calls).toBe(3)
    expect(codeOf(applyScoreReveal(counting, after, { ...r, signature: sig }, 14))).toBe("SCORE_BAD_SIGNATURE")
  })

  it("an item sealed under a crypto service has its signature checked there, once, on the bytes it signed", () => {
    let calls = 0
    let valid = 0
    const counting = {
      ...crypto,
      ed25519: { ...crypto.ed25519, verify: (s: Uint8Array, m: Uint8Array, p: Uint8Array) => (calls++, crypto.ed25519.verify(s, m, p) && ++valid > 0) },
    }
    const i = { chainId, secretKey: e2.secretKey, claimId, scores: s1 }
    const c = sealScoreCommitment(counting, i)
    expect([calls, valid]).toEqual([1, 1]) // checked at sealing, and it verified
    for (let k = 0; k < 3; k++) expect(codeOf(applyScoreCommitment(counting, round0, c, 12))).toBe("ok")
    expect(calls).toBe(1)
    const r = sealScoreReveal(counting, i)
    expect([calls, valid]).toEqual([2, 2])
    const after = ok(commit(round0, c, 12))
    for (const h of [14, 15]) expect(codeOf(applyScoreReveal(counting, after, r, h))).toBe("ok")
    expect(calls).toBe(2)
  })

  it("a reveal's opening is hashed once per reveal object and hash function; another opening still mismatches", () => {
    let hashes = 0
    const counting = { ...crypto, sha256: (d: Uint8Array) => (hashes++, crypto.sha256(d)) }
    const c = sealed(e3).commitment
    const r = sealed(e3).reveal
    const after = ok(commit(round0, c, 12))
    expect(codeOf(applyScoreReveal(counting, after, r, 14))).toBe("ok")
    const once = hashes
    expect(once).toBeGreaterThan(0)
    for (let i = 0; i < 3; i++) expect(codeOf(applyScoreReveal(counting, after, r, 15))).toBe("ok")
    expect(hashes).toBe(once)
    // other scores under a valid signature: a new object, hashed anew, and it does not open the commitment
    const other = resign({ ...r, scores: scores(1, 2, 3) }, e3.secretKey)
    expect(codeOf(applyScoreReveal(counting, after, other, 14))).toBe("SCORE_REVEAL_MISMATCH")
    expect(hashes).toBeGreaterThan(once)
  })
})

describe("sealing by phase (QUAL-SCORE.12)", () => {
  it("sealScoreCommitment and sealScoreReveal are exactly sealScores' two items, with the derived or a given salt", () => {
    const hexOf = (x: object) => JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v))
    for (const salt of [undefined, bytes32("given-salt")]) {
      const i = { chainId, secretKey: e1.secretKey, claimId, scores: s1, ...(salt ? { salt } : {}) }
      const both = sealScores(crypto, i)
      expect(hexOf(sealScoreCommitment(crypto, i))).toBe(hexOf(both.commitment))
      expect(hexOf(sealScoreReveal(crypto, i))).toBe(hexOf(both.reveal))
    }
  })
})

describe("acceptance without building (QUAL-SCORE.13)", () => {
  it("scoreCommitmentAcceptable / scoreRevealAcceptable agree with applyScoreCommitment / applyScoreReveal on every error and every height", () => {
    const flip = (b: Uint8Array) => {
      const x = b.slice()
      x[1] = (x[1] as number) ^ 1
      return x
    }
    const c1 = sealed(e1).commitment
    const r1 = ok(commit(round0, c1, 12))
    const commits: ScoreCommitment[] = [
      c1,
      sealed(e2).commitment,
      { ...c1, chainId: "other" },
      sealed(e1, s1, bytes32("other")).commitment,
      sealed(outsider).commitment,
      { ...c1, signature: flip(c1.signature) },
      { ...c1, commitment: new Uint8Array(3) }, // schema: SCORE_MALFORMED
    ]
    const reveals: ScoreReveal[] = [
      sealed(e1).reveal,
      sealed(e2).reveal, // no commit
      sealed(e1, scores(1, 2, 3)).reveal, // mismatch
      resign({ ...sealed(e1).reveal, scores: scores(2_000_000, 0, 0) }, e1.secretKey), // out of range
      { ...sealed(e1).reveal, chainId: "other" },
      sealed(e1, s1, bytes32("zz")).reveal,
      sealed(outsider).reveal,
      { ...sealed(e1).reveal, signature: flip(sealed(e1).reveal.signature) },
    ]
    const revealed = ok(reveal(r1, sealed(e1).reveal, 14))
    const seen = new Set<string>()
    for (let h = 10; h <= 17; h++) {
      for (const round of [round0, r1, revealed]) {
        for (const c of commits) {
          const want = applyScoreCommitment(crypto, round, c, h)
          seen.add(codeOf(want))
          expect(scoreCommitmentAcceptable(crypto, round, c, h)).toBe(Either.isRight(want))
        }
        for (const r of reveals) {
          const want = applyScoreReveal(crypto, round, r, h)
          seen.add(codeOf(want))
          expect(scoreRevealAcceptable(crypto, round, r, h)).toBe(Either.isRight(want))
        }
      }
    }
    // every check was reached, so each one was compared
    expect([...seen].sort()).toEqual(
      [
        "ok",
        "SCORE_BAD_CHAIN",
        "SCORE_BAD_SIGNATURE",
        "SCORE_COMMIT_CLOSED",
        "SCORE_DUPLICATE_COMMIT",
        "SCORE_DUPLICATE_REVEAL",
        "SCORE_LATE_REVEAL",
        "SCORE_MALFORMED",
        "SCORE_NOT_ON_COMMITTEE",
        "SCORE_NO_COMMIT",
        "SCORE_OUT_OF_RANGE",
        "SCORE_REVEAL_MISMATCH",
        "SCORE_REVEAL_TOO_EARLY",
        "SCORE_ROUND_NOT_OPEN",
        "SCORE_WRONG_CLAIM",
      ].sort(),
    )
  })
})
