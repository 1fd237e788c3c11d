// QUAL-COMMITTEE.1..7: beacon-seeded, stake-weighted seats with replacement, excluding the worker.
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { bytesToBigInt, concatBytes, u64be, utf8 } from "../../src/codec/Bytes.ts"
import { DOMAIN, tagged } from "../../src/codec/Canonical.ts"
import { pickWeighted } from "../../src/core/LeaderElection.ts"
import {
  drawCommittee,
  eligibleCandidates,
  exactSeatProbability,
  idealSeatProbability,
  seatDraw,
  withoutReplacementSeats,
  type Candidate,
  type Committee,
} from "../../src/quality/Committee.ts"
import { bytes32, candidate, key, sha } from "./helpers.ts"

const keys = ["a", "b", "c", "d", "e", "f"].map(key)
const stakes = [100, 200, 300, 400, 500, 600]
const cands: Candidate[] = keys.map((k, i) => candidate(k, stakes[i]!))
const draw = (beacon: Uint8Array, claimId: Uint8Array, worker: string | undefined, k = 16, cs = cands): Committee =>
  Either.getOrThrow(drawCommittee(sha, { beacon, claimId, candidates: cs, worker, seats: k }))

describe("seat draw and pick (QUAL-COMMITTEE.1..2)", () => {
  it("seatDraw = OS2IP(H(tagged(committee-seat, beacon || claimId || u64(j))))", () => {
    const b = bytes32("beacon"), c = bytes32("claim")
    const manual = bytesToBigInt(sha(concatBytes(new Uint8Array([22]), utf8("POAI/v1/committee-seat"), b, c, u64be(7))))
    expect(seatDraw(sha, b, c, 7)).toBe(manual)
    expect(tagged(DOMAIN.committeeSeat, new Uint8Array())[0]).toBe(22)
  })

  it("each seat is the LE-DRAW.1 weighted pick over the eligible candidates in public-key order", () => {
    const b = bytes32("b1"), c = bytes32("c1")
    const worker = keys[2]!.hex
    const com = draw(b, c, worker)
    const eligible = eligibleCandidates(cands, worker)
    const ws = eligible.map((e) => ({ key: e.key, pubKey: e.pubKey, weight: BigInt(e.stake) }))
    com.seats.forEach((s, j) => expect(s).toBe(pickWeighted(ws, seatDraw(sha, b, c, j))!.key))
    expect(com.eligibleStake).toBe(2100n - 300n)
  })

  it("is deterministic in (beacon, claimId) and changes with either", () => {
    const b = bytes32("b2"), c = bytes32("c2")
    expect(draw(b, c, undefined)).toEqual(draw(b, c, undefined))
    expect(draw(b, bytes32("c3"), undefined).seats).not.toEqual(draw(b, c, undefined).seats)
    expect(draw(bytes32("b3"), c, undefined).seats).not.toEqual(draw(b, c, undefined).seats)
  })

  it("members list every distinct seat holder with its seat count, in key order; seat counts sum to k", () => {
    const com = draw(bytes32("b4"), bytes32("c4"), undefined, 40)
    expect(com.members.reduce((a, m) => a + m.seats, 0)).toBe(40)
    for (const m of com.members) expect(com.seats.filter((s) => s === m.evaluator).length).toBe(m.seats)
    const order = eligibleCandidates(cands, undefined).map((c) => c.key)
    const idx = com.members.map((m) => order.indexOf(m.evaluator))
    expect(idx).toEqual([...idx].sort((x, y) => x - y))
  })

  it("with replacement: a single eligible staker holds all k seats", () => {
    const com = draw(bytes32("b5"), bytes32("c5"), keys[0]!.hex, 16, [cands[0]!, cands[1]!])
    expect(com.members).toEqual([{ evaluator: keys[1]!.hex, pubKey: keys[1]!.pubKey, seats: 16 }])
  })
})

describe("eligibility (QUAL-COMMITTEE.3)", () => {
  it("the worker is never drawn for its own claim, over 300 claims", () => {
    const worker = keys[5]!.hex // the largest stake
    for (let i = 0; i < 300; i++) expect(draw(bytes32(`bw${i}`), bytes32(`cw${i}`), worker).seats).not.toContain(worker)
  })

  it("zero-stake candidates are excluded and duplicate keys merged", () => {
    const e = eligibleCandidates([candidate(keys[0]!, 0), candidate(keys[1]!, 5), candidate(keys[1]!, 7)], undefined)
    expect(e.map((c) => [c.key, c.stake])).toEqual([[keys[1]!.hex, 12]])
  })

  it("renormalizes over the others: ideal seat probability = stake / (total − worker's stake)", () => {
    const eligible = eligibleCandidates(cands, keys[5]!.hex)
    expect(idealSeatProbability(eligible, new Set([keys[0]!.hex]))).toEqual({ num: 100n, den: 1500n })
  })

  it("errors: COMMITTEE_EMPTY when only the worker or zero stakes remain; COMMITTEE_BAD_INPUT on bad k or lengths", () => {
    const code = (r: ReturnType<typeof drawCommittee>) => (Either.isLeft(r) ? r.left.code : "ok")
    const base = { beacon: bytes32("x"), claimId: bytes32("y"), candidates: cands, worker: undefined, seats: 4 }
    expect(code(drawCommittee(sha, { ...base, candidates: [cands[0]!], worker: keys[0]!.hex }))).toBe("COMMITTEE_EMPTY")
    expect(code(drawCommittee(sha, { ...base, candidates: [candidate(keys[1]!, 0)] }))).toBe("COMMITTEE_EMPTY")
    expect(code(drawCommittee(sha, { ...base, candidates: [] }))).toBe("COMMITTEE_EMPTY")
    expect(code(drawCommittee(sha, { ...base, seats: 0 }))).toBe("COMMITTEE_BAD_INPUT")
    expect(code(drawCommittee(sha, { ...base, seats: 1.5 }))).toBe("COMMITTEE_BAD_INPUT")
    expect(code(drawCommittee(sha, { ...base, beacon: new Uint8Array(31) }))).toBe("COMMITTEE_BAD_INPUT")
    expect(code(drawCommittee(sha, { ...base, candidates: [candidate(keys[0]!, 0.5)] }))).toBe("COMMITTEE_BAD_INPUT")
    expect(code(drawCommittee(sha, base))).toBe("ok")
  })
})

describe("statistics (QUAL-COMMITTEE.2, .6): seat frequencies match stake / eligible stake", () => {
  it("chi-square over 1500 committees × 16 seats with the worker excluded (p = 0.001 critical value)", () => {
    const worker = keys[3]!.hex
    const eligible = eligibleCandidates(cands, worker)
    const counts = new Map(eligible.map((c) => [c.key, 0]))
    let n = 0
    for (let i = 0; i < 1500; i++)
      for (const s of draw(bytes32(`sb${i}`), bytes32(`sc${i}`), worker).seats) {
        counts.set(s, (counts.get(s) ?? 0) + 1)
        n++
      }
    const T = eligible.reduce((a, c) => a + c.stake, 0)
    const chi2 = eligible.reduce((a, c) => {
      const e = (n * c.stake) / T
      return a + ((counts.get(c.key) ?? 0) - e) ** 2 / e
    }, 0)
    expect(chi2).toBeLessThan(18.467) // df = 4
    // and the check has power: against uniform weights it fails
    const chiUniform = eligible.reduce((a, c) => a + ((counts.get(c.key) ?? 0) - n / 5) ** 2 / (n / 5), 0)
    expect(chiUniform).toBeGreaterThan(18.467)
  })

  it("exact per-seat probability differs from stake/T by less than T/2^256", () => {
    const eligible = eligibleCandidates(cands, undefined)
    for (const c of eligible) {
      const ex = exactSeatProbability(eligible, new Set([c.key]))
      const id = idealSeatProbability(eligible, new Set([c.key]))
      // |ex.num/ex.den − id.num/id.den| < T / 2^256  <=>  |ex.num·id.den − id.num·ex.den| < T·ex.den/2^256·id.den
      const diff = ex.num * id.den - id.num * ex.den
      expect((diff < 0n ? -diff : diff) < id.den * id.den).toBe(true)
    }
  })
})

describe("why not k distinct identities (QUAL-COMMITTEE.7)", () => {
  // 9 honest stakers of 10 and one staker of 30 (25 %), k = 8: drawing k DISTINCT identities caps the
  // large staker at one seat; splitting it into m identities lifts its expected seats above its share.
  const honest = Array(9).fill(10) as number[]
  const split = (m: number) => {
    const stakesM = [...honest, ...Array(m).fill(30 / m)]
    return withoutReplacementSeats(stakesM, 8, new Set(Array.from({ length: m }, (_, i) => 9 + i)))
  }

  it("expected seats grow with the split: 0.98 (m = 1) -> 1.67 (2) -> 2.17 (4) -> 2.40 (8); with replacement always 2", () => {
    const e = [1, 2, 4, 8].map((m) => split(m).expectedSeats)
    expect(e.map((x) => Math.round(x * 100) / 100)).toEqual([0.98, 1.67, 2.17, 2.4])
    for (let i = 1; i < e.length; i++) expect(e[i]!).toBeGreaterThan(e[i - 1]!)
  })

  it("the probability of holding at least one seat does not change (only the seat count does)", () => {
    const p = [1, 2, 4, 8].map((m) => split(m).pAtLeastOne)
    for (const x of p) expect(x).toBeCloseTo(p[0]!, 12)
  })
})
