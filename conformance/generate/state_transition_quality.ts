// Generator of the quality/economics handlers of the "state_transition" suite (deterministic):
// <outRoot>/state_transition/{committee_selection,audit_selection,trimmed_mean,yuma,quality,economics}/{valid,invalid}.json.
// Every case states what it was built to show; the generator computes the expected result with the
// handler (the implementation under src/) and throws unless that result has the designed property
// (a rejected case gets its designed code, a boundary case sits on its boundary, an exact case differs
// from what doubles would give), checked where possible against an independent re-derivation here.
import { bytesToBigInt, concatBytes, toHex, u64be, utf8 } from "../../src/codec/Bytes.ts"
import { DOMAIN, tagged } from "../../src/codec/Canonical.ts"
import { nobleCrypto } from "../../src/crypto/NobleCrypto.ts"
import { defaultQualityParams } from "../../src/quality/QualityParams.ts"
import {
  DESCRIPTIONS,
  QUALITY_PARAM_FIELDS,
  SPEC,
  SUITE,
  runAuditSelection,
  runCommitteeSelection,
  runEconomics,
  runQuality,
  runTrimmedMean,
  runYuma,
} from "../../src/conformance/suites/state_transition_quality.ts"
import { genericFile, type CaseResult, type Json, type JsonObject } from "../../src/conformance/Types.ts"
import { writeVector } from "./write.ts"

const sha256 = nobleCrypto.sha256
const PPM = 1_000_000
const PPMn = 1_000_000n
const TWO_64 = 1n << 64n

class DesignError extends Error {
  override readonly name = "DesignError"
}
const check = (cond: boolean, what: string): void => {
  if (!cond) throw new DesignError(`state_transition_quality generator: ${what}`)
}

/** 32 bytes derived from a label (keys, beacons, ids): SHA-256("poai-conformance/state_transition/" + label). */
const b32 = (label: string): Uint8Array => sha256(utf8(`poai-conformance/state_transition/${label}`))
const h32 = (label: string): string => toHex(b32(label))

interface Built {
  readonly name: string
  readonly description: string
  readonly input: Json
  readonly result: CaseResult
}
type Run = (input: Json) => CaseResult

const out = (r: CaseResult, name: string): JsonObject => {
  if (!("output" in r)) throw new DesignError(`${name}: expected an output, got reject ${r.reject}`)
  return r.output as JsonObject
}
/** A case built to succeed: its output must pass `expect`. */
const valid = (run: Run, name: string, description: string, input: Json, expect: (o: JsonObject) => boolean | string): Built => {
  const result = run(input)
  const o = out(result, name)
  const e = expect(o)
  if (e !== true) throw new DesignError(`${name}: designed expectation failed${typeof e === "string" ? `: ${e}` : ""} (output ${JSON.stringify(o)})`)
  return { name, description, input, result }
}
/** A case built to be rejected with `code`. */
const invalid = (run: Run, name: string, description: string, input: Json, code: string): Built => {
  const result = run(input)
  check("reject" in result && result.reject === code, `${name}: designed reject ${code}, got ${JSON.stringify(result)}`)
  return { name, description, input, result }
}
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

const write = (outRoot: string, handler: keyof typeof SPEC, file: "valid" | "invalid", description: string, cases: ReadonlyArray<Built>): void => {
  check(new Set(cases.map((c) => c.name)).size === cases.length, `${handler}/${file}: duplicate case names`)
  check(cases.length > 0, `${handler}/${file}: no cases`)
  writeVector(outRoot, SUITE, handler, `${file}.json`, genericFile(SUITE, handler, `${DESCRIPTIONS[handler]}. ${description}`, SPEC[handler], cases))
}

// ------------------------------------------------------------------------------------------------
// committee_selection

/** Independent re-derivation of QUAL-COMMITTEE.1..3 (linear scan, as LE-DRAW.1 states it). */
const oracleCommittee = (beacon: Uint8Array, claimId: Uint8Array, k: number, worker: string | null, cands: ReadonlyArray<{ pubKey: string; stake: string }>) => {
  const merged = new Map<string, bigint>()
  for (const c of cands) if (c.pubKey !== worker && BigInt(c.stake) > 0n) merged.set(c.pubKey, (merged.get(c.pubKey) ?? 0n) + BigInt(c.stake))
  const list = [...merged.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) // same-length lowercase hex: byte order
  const T = list.reduce((a, [, s]) => a + s, 0n)
  const seats: string[] = []
  for (let j = 0; j < k; j++) {
    const x = bytesToBigInt(sha256(tagged(DOMAIN.committeeSeat, concatBytes(beacon, claimId, u64be(j))))) % T
    let acc = 0n
    for (const [key, s] of list) {
      acc += s
      if (x < acc) {
        seats.push(key)
        break
      }
    }
  }
  const members = list.filter(([key]) => seats.includes(key)).map(([key]) => ({ evaluator: key, seats: seats.filter((s) => s === key).length }))
  return { eligibleStake: T.toString(), seats, members }
}
const seatX = (beacon: Uint8Array, claimId: Uint8Array, j: number): bigint =>
  bytesToBigInt(sha256(tagged(DOMAIN.committeeSeat, concatBytes(beacon, claimId, u64be(j)))))

const committeeCases = (): { valid: Built[]; invalid: Built[] } => {
  const run = runCommitteeSelection
  const keys = ["a", "b", "c", "d", "e", "f"].map((l) => h32(`key/${l}`))
  const k = (i: number) => keys[i] as string
  const beacon = h32("beacon/committee")
  const claimId = h32("claim/committee")
  const inp = (o: { beacon?: string; claimId?: string; seats?: number; worker?: string | null; candidates: Array<{ pubKey: string; stake: string }> }): JsonObject => ({
    beacon: o.beacon ?? beacon,
    claimId: o.claimId ?? claimId,
    seats: o.seats ?? 16,
    worker: o.worker === undefined ? null : o.worker,
    candidates: o.candidates,
  })
  const six = keys.map((pubKey, i) => ({ pubKey, stake: String((i + 1) * 100) }))
  const matchesOracle = (input: JsonObject) => (o: JsonObject) => {
    const c = input["candidates"] as Array<{ pubKey: string; stake: string }>
    const want = oracleCommittee(Buffer.from(input["beacon"] as string, "hex"), Buffer.from(input["claimId"] as string, "hex"), input["seats"] as number, input["worker"] as string | null, c)
    return same(o, want) || `oracle ${JSON.stringify(want)}`
  }
  const withOracle = (name: string, description: string, input: JsonObject, extra: (o: JsonObject) => boolean | string = () => true) =>
    valid(run, name, description, input, (o) => {
      const m = matchesOracle(input)(o)
      return m === true ? extra(o) : m
    })
  const seatsOf = (o: JsonObject) => o["seats"] as string[]
  const V: Built[] = []
  V.push(withOracle("six-stakers-worker-excluded", "six stakers (100..600), k = 16, the worker (stake 300) is excluded: the other 1800 units are drawn from", inp({ worker: k(2), candidates: six }), (o) =>
    o["eligibleStake"] === "1800" && seatsOf(o).length === 16 && !seatsOf(o).includes(k(2))))
  V.push(withOracle("six-stakers-no-worker", "the same stakers with no worker to exclude (worker null): all 2100 units", inp({ candidates: six }), (o) => o["eligibleStake"] === "2100"))
  V.push(withOracle("worker-with-largest-stake-excluded", "the worker holds 10^12 of 10^12 + 5 units and still gets no seat", inp({ worker: k(0), candidates: [{ pubKey: k(0), stake: "1000000000000" }, ...keys.slice(1).map((pubKey) => ({ pubKey, stake: "1" }))] }), (o) =>
    o["eligibleStake"] === "5" && !seatsOf(o).includes(k(0))))
  V.push(withOracle("fewer-evaluators-than-seats", "one eligible evaluator besides the worker and k = 16: it holds every seat (seats are drawn with replacement)", inp({ worker: k(1), candidates: [{ pubKey: k(0), stake: "7" }, { pubKey: k(1), stake: "900" }] }), (o) =>
    seatsOf(o).every((s) => s === k(0)) && same(o["members"], [{ evaluator: k(0), seats: 16 }])))
  V.push(withOracle("zero-stakes-excluded", "candidates with zero stake are never drawn and do not count in the eligible stake", inp({ worker: k(5), candidates: keys.map((pubKey, i) => ({ pubKey, stake: i % 2 === 0 ? "0" : String(1000 * i) })) }), (o) =>
    o["eligibleStake"] === "4000" && seatsOf(o).every((s) => s === k(1) || s === k(3))))
  const dup = inp({ candidates: [{ pubKey: k(0), stake: "50" }, { pubKey: k(1), stake: "100" }, { pubKey: k(0), stake: "70" }, { pubKey: k(2), stake: "30" }] })
  const merged = runCommitteeSelection(inp({ candidates: [{ pubKey: k(0), stake: "120" }, { pubKey: k(1), stake: "100" }, { pubKey: k(2), stake: "30" }] }))
  V.push(withOracle("duplicate-key-merged", "the same key twice counts once with the summed stake (50 + 70): the committee equals that of the merged table", dup, (o) =>
    o["eligibleStake"] === "250" && same({ output: o }, merged)))
  const shuffled = inp({ worker: k(2), candidates: [...six].reverse() })
  V.push(withOracle("input-order-irrelevant", "the stakers listed in reverse order: the eligible list is sorted by public key, so the committee is that of six-stakers-worker-excluded", shuffled, (o) =>
    same({ output: o }, runCommitteeSelection(inp({ worker: k(2), candidates: six })))))
  V.push(withOracle("one-seat", "k = 1 (the smallest committee)", inp({ seats: 1, candidates: six }), (o) => seatsOf(o).length === 1))
  V.push(withOracle("max-seats-1024", "k = 1024 (the largest committee): every eligible staker holds seats", inp({ seats: 1024, worker: k(0), candidates: six }), (o) =>
    seatsOf(o).length === 1024 && (o["members"] as unknown[]).length === 5))
  const big = "9007199254740991"
  V.push(withOracle("stake-sum-above-max-safe", "three stakes of 2^53 - 1: each is a safe integer, their sum 3·(2^53 - 1) is not; the cumulative sums and the draw mod T are exact", inp({ candidates: [0, 1, 2].map((i) => ({ pubKey: k(i), stake: big })) }), (o) =>
    o["eligibleStake"] === (3n * 9007199254740991n).toString()))
  // Seat 0 at an exact cumulative boundary: two candidates A < B with T = 1000 and stake(A) = x_0 mod 1000.
  {
    const [A, B] = [k(3), k(4)].sort() as [string, string]
    let bl = 0
    let bcn = h32(`beacon/boundary/${bl}`)
    const d = () => Number(seatX(Buffer.from(bcn, "hex"), Buffer.from(claimId, "hex"), 0) % 1000n)
    while (d() === 0 || d() === 999) bcn = h32(`beacon/boundary/${++bl}`)
    const x0 = d()
    V.push(withOracle("seat-at-cumulative-boundary", `x_0 mod T = ${x0} = stake of the first candidate in key order: c_1 <= x_0 < c_2, so seat 0 goes to the second (the pick is 'first cumulative stake > x', not >=)`, inp({ beacon: bcn, seats: 1, candidates: [{ pubKey: A, stake: String(x0) }, { pubKey: B, stake: String(1000 - x0) }] }), (o) =>
      seatsOf(o)[0] === B))
    V.push(withOracle("seat-one-below-boundary", `the first candidate's stake is x_0 mod T + 1 = ${x0 + 1}: x_0 < c_1, so seat 0 goes to the first`, inp({ beacon: bcn, seats: 1, candidates: [{ pubKey: A, stake: String(x0 + 1) }, { pubKey: B, stake: String(999 - x0) }] }), (o) =>
      seatsOf(o)[0] === A))
  }
  // Rejects (QUAL-COMMITTEE.3), in the order drawCommittee checks: k, beacon/claim id, stakes, eligibility.
  const I: Built[] = []
  I.push(invalid(run, "only-the-worker-has-stake", "every other staker has zero stake: no eligible candidate", inp({ worker: k(0), candidates: [{ pubKey: k(0), stake: "500" }, { pubKey: k(1), stake: "0" }] }), "COMMITTEE_EMPTY"))
  I.push(invalid(run, "all-stakes-zero", "no staker has positive stake", inp({ candidates: keys.map((pubKey) => ({ pubKey, stake: "0" })) }), "COMMITTEE_EMPTY"))
  I.push(invalid(run, "no-candidates", "the stake table is empty", inp({ candidates: [] }), "COMMITTEE_EMPTY"))
  I.push(invalid(run, "zero-seats", "k = 0", inp({ seats: 0, candidates: six }), "COMMITTEE_BAD_INPUT"))
  I.push(invalid(run, "seats-1025", "k = 1025, one above the limit", inp({ seats: 1025, candidates: six }), "COMMITTEE_BAD_INPUT"))
  I.push(invalid(run, "negative-seats", "k = -1", inp({ seats: -1, candidates: six }), "COMMITTEE_BAD_INPUT"))
  I.push(invalid(run, "beacon-31-bytes", "the beacon is 31 bytes", inp({ beacon: beacon.slice(2), candidates: six }), "COMMITTEE_BAD_INPUT"))
  I.push(invalid(run, "claim-id-33-bytes", "the claim id is 33 bytes", inp({ claimId: `${claimId}00`, candidates: six }), "COMMITTEE_BAD_INPUT"))
  I.push(invalid(run, "stake-max-safe-plus-one", "a stake of 2^53 is not a safe integer", inp({ candidates: [...six, { pubKey: h32("key/g"), stake: "9007199254740992" }] }), "COMMITTEE_BAD_INPUT"))
  I.push(invalid(run, "unsafe-stake-of-the-worker", "the stake check covers every listed staker, the worker included, before exclusion", inp({ worker: h32("key/g"), candidates: [...six, { pubKey: h32("key/g"), stake: "100000000000000000000" }] }), "COMMITTEE_BAD_INPUT"))
  I.push(invalid(run, "bad-seats-before-empty", "k = 0 and no candidates: the seat count is checked first", inp({ seats: 0, candidates: [] }), "COMMITTEE_BAD_INPUT"))
  return { valid: V, invalid: I }
}

// ------------------------------------------------------------------------------------------------
// audit_selection

const auditU = (beacon: string, workId: string): bigint =>
  bytesToBigInt(sha256(tagged(DOMAIN.auditSelect, concatBytes(Buffer.from(beacon, "hex"), Buffer.from(workId, "hex")))).subarray(0, 8))
const assignX = (beacon: string, workId: string): bigint =>
  bytesToBigInt(sha256(tagged(DOMAIN.auditAssign, concatBytes(Buffer.from(beacon, "hex"), Buffer.from(workId, "hex")))))

const auditCases = (): { valid: Built[]; invalid: Built[] } => {
  const run = runAuditSelection
  const vkeys = ["v1", "v2", "v3", "v4", "v5"].map((l) => h32(`key/${l}`))
  const worker = vkeys[0] as string
  const vals = vkeys.map((key, i) => ({ key, stake: String(1000 * (i + 1)) }))
  const beacon = h32("beacon/audit")
  const inp = (o: { beacon?: string; workId: string; auditPpm?: number; worker?: string; validators?: Array<{ key: string; stake: string }> }): JsonObject => ({
    beacon: o.beacon ?? beacon,
    workId: o.workId,
    auditPpm: o.auditPpm ?? 100_000,
    worker: o.worker ?? worker,
    validators: o.validators ?? vals,
  })
  /** Independent re-derivation of VER-AUDIT.2/3. */
  const oracle = (i: JsonObject) => {
    const u = auditU(i["beacon"] as string, i["workId"] as string)
    const selected = u * PPMn < BigInt(i["auditPpm"] as number) * TWO_64
    let auditor: string | null = null
    if (selected) {
      const cands = (i["validators"] as Array<{ key: string; stake: string }>).filter((v) => v.key !== i["worker"] && BigInt(v.stake) > 0n).sort((a, b) => (a.key < b.key ? -1 : 1))
      const S = cands.reduce((a, v) => a + BigInt(v.stake), 0n)
      if (S > 0n) {
        const d = assignX(i["beacon"] as string, i["workId"] as string) % S
        let acc = 0n
        for (const v of cands) if (d < (acc += BigInt(v.stake))) {
          auditor = v.key
          break
        }
      }
    }
    return { draw: u.toString(), selected, auditor, audit: auditor === null ? "skipped" : "pending" }
  }
  const withOracle = (name: string, description: string, input: JsonObject, extra: (o: JsonObject) => boolean | string = () => true) =>
    valid(run, name, description, input, (o) => (same(o, oracle(input)) ? extra(o) : `oracle ${JSON.stringify(oracle(input))}`))
  const V: Built[] = []
  // Eight work ids at the default p = 0.1: find one selected and one not (deterministic search).
  let sel: string | undefined
  let notSel: string | undefined
  for (let i = 0; (sel === undefined || notSel === undefined) && i < 1000; i++) {
    const w = h32(`work/${i}`)
    const s = auditU(beacon, w) * PPMn < 100_000n * TWO_64
    if (s && sel === undefined) sel = w
    if (!s && notSel === undefined) notSel = w
  }
  check(sel !== undefined && notSel !== undefined, "audit: no selected / unselected work id found")
  V.push(withOracle("default-p-selected", "auditPpm = 100,000 (p = 0.1); this work id's draw is below the threshold: audited, auditor drawn by stake from v2..v5 (the worker v1 excluded)", inp({ workId: sel as string }), (o) =>
    o["selected"] === true && o["auditor"] !== worker && o["audit"] === "pending"))
  V.push(withOracle("default-p-not-selected", "auditPpm = 100,000; this work id's draw is above the threshold: skipped", inp({ workId: notSel as string }), (o) => o["selected"] === false && o["auditor"] === null))
  V.push(withOracle("p-zero-never", "auditPpm = 0: no claim is audited, even the one selected at p = 0.1", inp({ workId: sel as string, auditPpm: 0 }), (o) => o["selected"] === false))
  V.push(withOracle("p-one-always", "auditPpm = 10^6: every claim is audited (u < 2^64 always)", inp({ workId: notSel as string, auditPpm: PPM }), (o) => o["selected"] === true && o["auditor"] !== worker))
  // Threshold of one draw: selected iff auditPpm >= m + 1 with m = floor(u·10^6 / 2^64).
  const wT = h32("work/threshold")
  const u = auditU(beacon, wT)
  const m = Number((u * PPMn) / TWO_64)
  check(m > 0 && m < PPM - 1, "audit: threshold draw at an end")
  V.push(withOracle("p-just-below-draw", `u = ${u}; auditPpm = floor(u·10^6/2^64) = ${m}: u·10^6 >= auditPpm·2^64, not audited`, inp({ workId: wT, auditPpm: m }), (o) => o["selected"] === false))
  V.push(withOracle("p-just-above-draw", `the same draw with auditPpm = ${m + 1}: u·10^6 < auditPpm·2^64, audited`, inp({ workId: wT, auditPpm: m + 1 }), (o) => o["selected"] === true))
  V.push(withOracle("selected-no-other-staker", "audited, but every validator other than the worker has zero stake: no auditor, the claim is skipped", inp({ workId: wT, auditPpm: PPM, validators: vals.map((v) => (v.key === worker ? v : { ...v, stake: "0" })) }), (o) =>
    o["selected"] === true && o["auditor"] === null && o["audit"] === "skipped"))
  {
    // A work id whose auditor, with a worker outside the validator set, is v1 (the worker of the other cases):
    // an implementation that excludes anything but the worker's own key fails it.
    const outsider = h32("key/outsider")
    let wo: string | undefined
    for (let i = 0; wo === undefined && i < 1000; i++) {
      const w = h32(`work/outsider/${i}`)
      if (oracle(inp({ workId: w, auditPpm: PPM, worker: outsider }))["auditor"] === worker) wo = w
    }
    check(wo !== undefined, "audit: no work id assigns v1")
    V.push(withOracle("worker-not-a-validator", "the worker holds no validator entry: every validator with stake is a candidate, and this draw assigns v1 (excluded in the other cases)", inp({ workId: wo as string, auditPpm: PPM, worker: outsider }), (o) =>
      o["auditor"] === worker))
  }
  // Auditor pick at an exact cumulative boundary: candidates A < B (worker excluded), S = 10^6, stake(A) = X mod S.
  {
    const [A, B] = [vkeys[1] as string, vkeys[2] as string].sort() as [string, string]
    const d = Number(assignX(beacon, wT) % 1_000_000n)
    check(d > 0 && d < 999_999, "audit: boundary draw at an end")
    const two = (a: number) => [{ key: worker, stake: "5000" }, { key: A, stake: String(a) }, { key: B, stake: String(1_000_000 - a) }]
    V.push(withOracle("auditor-at-cumulative-boundary", `d = X mod S = ${d} = stake of the first candidate: the auditor is the second (the first whose cumulative stake exceeds d)`, inp({ workId: wT, auditPpm: PPM, validators: two(d) }), (o) => o["auditor"] === B))
    V.push(withOracle("auditor-one-below-boundary", `the first candidate's stake is d + 1 = ${d + 1}: it is the auditor`, inp({ workId: wT, auditPpm: PPM, validators: two(d + 1) }), (o) => o["auditor"] === A))
  }
  const I: Built[] = [
    invalid(run, "p-above-one", "auditPpm = 1,000,001: a genesis with it is invalid (PARAMS.2)", inp({ workId: wT, auditPpm: PPM + 1 }), "GENESIS_MISMATCH"),
    invalid(run, "p-negative", "auditPpm = -1: not a non-negative integer (PARAMS.2)", inp({ workId: wT, auditPpm: -1 }), "GENESIS_MISMATCH"),
  ]
  return { valid: V, invalid: I }
}

// ------------------------------------------------------------------------------------------------
// trimmed_mean and yuma

type Sc = { correctness: number; utility: number; novelty: number }
const DIMS = ["correctness", "utility", "novelty"] as const
const flat = (v: number): Sc => ({ correctness: v, utility: v, novelty: v })
const sc = (correctness: number, utility: number, novelty: number): Sc => ({ correctness, utility, novelty })
interface Rev {
  evaluator: string
  weight: number
  scores: Sc
}
const ev = (i: number) => h32(`key/evaluator/${i}`)
const revs = (list: ReadonlyArray<[number, Sc]>): Rev[] => list.map(([weight, scores], i) => ({ evaluator: ev(i), weight, scores }))

/** round half up of a/b, a >= 0, b > 0 */
const roundHalfUp = (a: bigint, b: bigint): number => Number((2n * a + b) / (2n * b))

/** Independent trimmed mean: rationals with denominator 10^6 (cuts at τ·W), kept weight per point. */
const oracleTrimmed1 = (pts: ReadonlyArray<{ s: number; w: bigint }>, trimPpm: number): number => {
  const sorted = [...pts].sort((a, b) => a.s - b.s)
  const W = sorted.reduce((a, p) => a + p.w, 0n)
  // positions scaled by 10^6
  const lo = BigInt(trimPpm) * W
  const hi = W * PPMn - lo
  let c = 0n
  let num = 0n
  for (const p of sorted) {
    const a = c
    c += p.w * PPMn
    const from = a > lo ? a : lo
    const to = c < hi ? c : hi
    if (to > from) num += (to - from) * BigInt(p.s)
  }
  return roundHalfUp(num, hi - lo)
}
const oracleTrimmed = (r: ReadonlyArray<Rev>, trimPpm: number) => {
  const consensus = {} as Sc
  for (const d of DIMS) consensus[d] = oracleTrimmed1(r.map((x) => ({ s: x.scores[d], w: BigInt(x.weight) })), trimPpm)
  return {
    consensus,
    deviations: r.map((x) => ({ evaluator: x.evaluator, weight: x.weight, deviation: { correctness: Math.abs(x.scores.correctness - consensus.correctness), utility: Math.abs(x.scores.utility - consensus.utility), novelty: Math.abs(x.scores.novelty - consensus.novelty) } })),
  }
}
/** Independent Yuma level: the largest score c whose support Σ_{s >= c} w reaches κ·W (scanning candidate values). */
const oracleLevel1 = (pts: ReadonlyArray<{ s: number; w: bigint }>, kappa: number): number => {
  const W = pts.reduce((a, p) => a + p.w, 0n)
  const values = [...new Set(pts.map((p) => p.s))].sort((a, b) => b - a)
  for (const c of values) {
    const support = pts.filter((p) => p.s >= c).reduce((a, p) => a + p.w, 0n)
    if (support * PPMn >= BigInt(kappa) * W) return c
  }
  return values[values.length - 1] as number
}
const oracleYuma = (r: ReadonlyArray<Rev>, kappa: number) => {
  const levels = {} as Sc
  const consensus = {} as Sc
  for (const d of DIMS) {
    const pts = r.map((x) => ({ s: x.scores[d], w: BigInt(x.weight) }))
    levels[d] = oracleLevel1(pts, kappa)
    const W = pts.reduce((a, p) => a + p.w, 0n)
    consensus[d] = roundHalfUp(pts.reduce((a, p) => a + p.w * BigInt(Math.min(p.s, levels[d])), 0n), W)
  }
  return {
    levels,
    clipped: r.map((x) => ({ evaluator: x.evaluator, weight: x.weight, scores: { correctness: Math.min(x.scores.correctness, levels.correctness), utility: Math.min(x.scores.utility, levels.utility), novelty: Math.min(x.scores.novelty, levels.novelty) } })),
    consensus,
    deviations: r.map((x) => ({ evaluator: x.evaluator, weight: x.weight, deviation: { correctness: Math.abs(x.scores.correctness - consensus.correctness), utility: Math.abs(x.scores.utility - consensus.utility), novelty: Math.abs(x.scores.novelty - consensus.novelty) } })),
  }
}
const cons = (o: JsonObject): Sc => o["consensus"] as unknown as Sc

const trimmedCases = (): { valid: Built[]; invalid: Built[] } => {
  const run = runTrimmedMean
  const inp = (trimPpm: number, reveals: Rev[]): JsonObject => ({ trimPpm, reveals: reveals as unknown as Json })
  const t = (name: string, description: string, trimPpm: number, reveals: Rev[], extra: (o: JsonObject) => boolean | string = () => true) => {
    const input = inp(trimPpm, reveals)
    return valid(run, name, description, input, (o) => (same(o, oracleTrimmed(reveals, trimPpm)) ? extra(o) : `oracle ${JSON.stringify(oracleTrimmed(reveals, trimPpm))}`))
  }
  const V: Built[] = []
  V.push(t("spec-example", "QUAL-AGG.2's example in correctness: 0, 300, 900 (one seat each), τ = 0.2: (0.4·0 + 300 + 0.4·900) / 1.8 = 366.67 -> 367; utility 0, 500, 1000 -> 500; novelty all 7", 200_000,
    revs([[1, sc(0, 0, 7)], [1, sc(300, 500, 7)], [1, sc(900, 1000, 7)]]), (o) => same(cons(o), sc(367, 500, 7))))
  V.push(t("tau-zero-is-weighted-mean", "τ = 0: the seat-weighted mean (4·100 + 1·600)/5 = 200", 0, revs([[4, flat(100)], [1, flat(600)]]), (o) => cons(o).correctness === 200))
  V.push(t("cut-on-seat-boundary", "four single seats, τ = 0.25: exactly the lowest and the highest seat are removed: (200 + 300)/2 = 250", 250_000,
    revs([[1, flat(100)], [1, flat(200)], [1, flat(300)], [1, flat(1_000_000)]]), (o) => cons(o).correctness === 250))
  V.push(t("cut-straddles-a-seat", "five single seats, τ = 0.1: half a seat is cut at each end: (0.5·0 + 10 + 20 + 30 + 0.5·1000)/4 = 140", 100_000,
    revs([[1, flat(0)], [1, flat(10)], [1, flat(20)], [1, flat(30)], [1, flat(1000)]]), (o) => cons(o).correctness === 140))
  V.push(t("round-half-up", "τ = 0, two single seats: correctness 0 and 1 (mean 0.5) -> 1; novelty 5 and 6 (5.5) -> 6; utility 0 and 0 -> 0", 0,
    revs([[1, sc(0, 0, 5)], [1, sc(1, 0, 6)]]), (o) => same(cons(o), sc(1, 0, 6))))
  V.push(t("round-half-up-thirds", "τ = 0, utility 0, 0, 1: 1/3 -> 0; correctness 1, 1, 0: 2/3 -> 1; novelty 1, 2, 2: 5/3 -> 2", 0,
    revs([[1, sc(1, 0, 1)], [1, sc(1, 0, 2)], [1, sc(0, 1, 2)]]), (o) => same(cons(o), sc(1, 0, 2))))
  V.push(t("default-tau-sixteen-seats", "τ = 0.25 (the default) over 16 seats held 4, 3, 5, 2, 2: 4 seats trimmed at each end", 250_000,
    revs([[4, sc(600_000, 550_000, 900_000)], [3, sc(650_000, 700_000, 100_000)], [5, sc(700_000, 600_000, 500_000)], [2, sc(0, 1_000_000, 450_000)], [2, sc(1_000_000, 0, 520_000)]])))
  V.push(t("max-tau-499999", "τ = 0.499999 (the largest allowed): only 2·10^-6 of the weight is kept, around the weighted median", 499_999,
    revs([[1, flat(100)], [1, flat(200)], [1, flat(300)], [1, flat(900_000)]]), (o) => cons(o).correctness === 250))
  V.push(t("single-evaluator", "one evaluator: the consensus is its scores whatever the trim, deviation 0", 250_000, revs([[3, sc(123_456, 654_321, 999_999)]]), (o) =>
    same(cons(o), sc(123_456, 654_321, 999_999))))
  const rep = t("seats-as-weight", "one evaluator with 3 seats acts exactly like three evaluators of one seat with the same scores (QUAL-AGG.2)", 300_000, revs([[3, flat(10)], [1, flat(500)], [1, flat(1_000_000)]]))
  V.push(rep)
  V.push(t("seats-as-weight-split", "the previous case with the 3-seat evaluator split into three: the same consensus", 300_000, revs([[1, flat(10)], [1, flat(10)], [1, flat(10)], [1, flat(500)], [1, flat(1_000_000)]]), (o) =>
    same(cons(o), cons((rep.result as { output: JsonObject }).output))))
  V.push(t("ties", "tied scores in any order give one value", 250_000, revs([[1, flat(500)], [2, flat(500)], [1, flat(100)], [1, flat(500)]])))
  V.push(t("extremes", "scores at 0 and 10^6 only, τ = 0.25: half of each side kept equally: 500,000", 250_000, revs([[2, flat(0)], [2, flat(1_000_000)]]), (o) => cons(o).correctness === 500_000))
  V.push(t("colluders-below-trim", "14 honest seats at 550,000..700,000 and 3 colluder seats at 10^6 (17.6 % < τ = 25 %): the consensus stays inside the honest range (QUAL-AGG.6)", 250_000,
    revs([[4, flat(550_000)], [4, flat(600_000)], [3, flat(650_000)], [3, flat(700_000)], [3, flat(1_000_000)]]), (o) => cons(o).correctness >= 550_000 && cons(o).correctness <= 700_000))
  {
    const big = revs([[2 ** 44 + 1, flat(999_999)], [2 ** 45 - 7, flat(1)], [2 ** 43 + 3, flat(500_001)]])
    const W = big.reduce((a, r) => a + r.weight, 0)
    const dbl = Math.floor((big[0]!.weight * 999_999 + big[1]!.weight * 1 + big[2]!.weight * 500_001) / W + 0.5) // doubles, τ = 0
    const exact = oracleTrimmed1(big.map((r) => ({ s: r.scores.correctness, w: BigInt(r.weight) })), 0)
    V.push(t("large-weights-exact", "stake-like weights 2^44 + 1, 2^45 - 7, 2^43 + 3, τ = 0.123457: weight·10^6·score products far above 2^53 are exact in big integers", 123_457, big, (o) =>
      cons(o).correctness > 1 && cons(o).correctness < 999_999))
    V.push(t("large-weights-tau-zero", `the same weights with τ = 0: the exact weighted mean ${exact}${dbl !== exact ? ` (doubles give ${dbl})` : ""}`, 0, big, (o) => cons(o).correctness === exact))
  }
  const I: Built[] = [
    invalid(run, "tau-one-half", "trimPpm = 500,000 would trim everything (QUAL-PARAMS.2: trimPpm < 500,000)", inp(500_000, revs([[1, flat(1)], [1, flat(2)]])), "GENESIS_MISMATCH"),
    invalid(run, "tau-negative", "trimPpm = -1", inp(-1, revs([[1, flat(1)]])), "GENESIS_MISMATCH"),
    invalid(run, "score-above-ppm", "a revealed utility of 1,000,001 ppm is refused at reveal (QUAL-SCORE.7)", inp(250_000, revs([[1, flat(5)], [1, sc(5, 1_000_001, 5)]])), "SCORE_OUT_OF_RANGE"),
    invalid(run, "tau-checked-before-scores", "trimPpm = 600,000 and a score above 10^6: the parameter (genesis) is checked first", inp(600_000, revs([[1, sc(1_000_001, 0, 0)]])), "GENESIS_MISMATCH"),
  ]
  return { valid: V, invalid: I }
}

const yumaCases = (): { valid: Built[]; invalid: Built[] } => {
  const run = runYuma
  const inp = (kappaPpm: number, reveals: Rev[]): JsonObject => ({ kappaPpm, reveals: reveals as unknown as Json })
  const y = (name: string, description: string, kappa: number, reveals: Rev[], extra: (o: JsonObject) => boolean | string = () => true) => {
    const input = inp(kappa, reveals)
    return valid(run, name, description, input, (o) => (same(o, oracleYuma(reveals, kappa)) ? extra(o) : `oracle ${JSON.stringify(oracleYuma(reveals, kappa))}`))
  }
  const lv = (o: JsonObject): Sc => o["levels"] as unknown as Sc
  const V: Built[] = []
  V.push(y("kappa-half-weighted-median", "κ = 0.5 (the default): the level is the weighted upper median; scores above it are clipped to it", 500_000,
    revs([[1, flat(100_000)], [2, flat(400_000)], [1, flat(600_000)], [1, flat(900_000)]]), (o) => lv(o).correctness === 400_000))
  V.push(y("support-exactly-kappa", "two single seats at 300 and 700, κ = 0.5: the support of 700 is exactly κ·W (>= counts): level 700, nothing clipped, mean 500", 500_000,
    revs([[1, flat(300)], [1, flat(700)]]), (o) => lv(o).correctness === 700 && cons(o).correctness === 500))
  V.push(y("support-just-below-kappa", "the same seats with κ = 0.500001: the support of 700 is just below κ·W: level 300, 700 is clipped to 300", 500_001,
    revs([[1, flat(300)], [1, flat(700)]]), (o) => lv(o).correctness === 300 && cons(o).correctness === 300))
  V.push(y("ties-counted-together", "700 (1 seat), 700 (1 seat), 300 (2 seats), κ = 0.5: both 700s count together: support 2 of 4 reaches κ", 500_000,
    revs([[1, flat(700)], [2, flat(300)], [1, flat(700)]]), (o) => lv(o).correctness === 700))
  V.push(y("kappa-one-clips-to-minimum", "κ = 1: only the lowest score has full support: every score is clipped to the minimum", PPM,
    revs([[1, flat(200_000)], [3, flat(500_000)], [1, flat(1_000_000)]]), (o) => same(cons(o), flat(200_000))))
  V.push(y("kappa-tiny-no-clip", "κ = 10^-6: the highest score has enough support: no clipping, the weighted mean (rounded half up)", 1,
    revs([[1, flat(1)], [1, flat(2)]]), (o) => lv(o).correctness === 2 && cons(o).correctness === 2))
  V.push(y("inflation-clipped", "honest 12 seats at 550,000..650,000, colluders 4 seats at 10^6: the colluders are clipped to the level", 500_000,
    revs([[4, sc(550_000, 600_000, 500_000)], [4, sc(600_000, 620_000, 510_000)], [4, sc(650_000, 640_000, 520_000)], [4, flat(1_000_000)]]), (o) =>
      (o["clipped"] as Array<{ scores: Sc }>)[3]!.scores.correctness === lv(o).correctness && lv(o).correctness < 1_000_000))
  V.push(y("deflation-not-clipped", "the same honest seats, colluders at 0: not clipped (the clip is one-sided), the mean is pulled down", 500_000,
    revs([[4, sc(550_000, 600_000, 500_000)], [4, sc(600_000, 620_000, 510_000)], [4, sc(650_000, 640_000, 520_000)], [4, flat(0)]]), (o) =>
      (o["clipped"] as Array<{ scores: Sc }>)[3]!.scores.correctness === 0 && cons(o).correctness < 550_000))
  V.push(y("single-evaluator", "one evaluator: level and consensus are its scores", 500_000, revs([[2, sc(10, 20, 30)]]), (o) => same(cons(o), sc(10, 20, 30))))
  V.push(y("round-half-up", "κ = 1e-6, scores 0 and 1 with one seat each: mean 0.5 -> 1", 1, revs([[1, flat(0)], [1, flat(1)]]), (o) => cons(o).correctness === 1))
  {
    // W = 7·2^43 - 3; in correctness the support of 500,001 is 3·2^43 + 4, a share just above 3/7 = 0.4285714...
    const big = revs([[2 ** 44 + 1, sc(999_999, 999_999, 1)], [2 ** 45 - 7, sc(1, 500_001, 999_999)], [2 ** 43 + 3, sc(500_001, 1, 500_001)]])
    V.push(y("large-weights-level-kept", "stake-like weights 2^44 + 1, 2^45 - 7, 2^43 + 3 (W = 7·2^43 - 3), κ = 0.428571: in correctness 10^6·(3·2^43 + 4) >= κ·W, level 500,001 (products above 2^53, exact)", 428_571, big, (o) =>
      lv(o).correctness === 500_001))
    V.push(y("large-weights-level-dropped", "the same weights with κ = 0.428572: in correctness the support of 500,001 falls short, level 1", 428_572, big, (o) => lv(o).correctness === 1))
  }
  const I: Built[] = [
    invalid(run, "kappa-zero", "κ = 0 (QUAL-PARAMS.2: yumaKappaPpm in 1..10^6)", inp(0, revs([[1, flat(1)]])), "GENESIS_MISMATCH"),
    invalid(run, "kappa-above-one", "κ = 1,000,001", inp(PPM + 1, revs([[1, flat(1)]])), "GENESIS_MISMATCH"),
    invalid(run, "score-above-ppm", "a revealed novelty of 1,000,001 ppm is refused at reveal (QUAL-SCORE.7)", inp(500_000, revs([[1, sc(0, 0, 1_000_001)]])), "SCORE_OUT_OF_RANGE"),
  ]
  return { valid: V, invalid: I }
}

// ------------------------------------------------------------------------------------------------
// quality

const qualityCases = (): { valid: Built[]; invalid: Built[] } => {
  const run = runQuality
  const dp: JsonObject = Object.fromEntries(QUALITY_PARAM_FIELDS.map((k) => [k, defaultQualityParams[k]]))
  type Facts = { attestation: string; audit: string; canary: string }
  const facts = (attestation: string, audit: string, canary: string): Facts => ({ attestation, audit, canary })
  const inp = (o: { v?: number; f?: Facts; novelty?: number; ev?: Sc | null; params?: JsonObject }): JsonObject => ({
    computeUnits: o.v ?? 1000,
    verification: (o.f ?? facts("verified", "not-audited", "not-run")) as unknown as Json,
    noveltyPpm: o.novelty ?? PPM,
    evaluators: (o.ev === undefined ? sc(900_000, 800_000, 700_000) : o.ev) as unknown as Json,
    params: o.params ?? dp,
  })
  /** Independent eq. 5 with the caps of QUAL-Q.3 and the table of QUAL-Q.2. */
  const oracle = (i: JsonObject) => {
    const p = i["params"] as Record<string, number>
    const f = i["verification"] as unknown as Facts
    const cv = f.attestation === "failed" || f.audit === "failed" || f.canary === "failed" ? 0
      : f.attestation === "verified" || f.audit === "passed" ? p["correctnessVerifiedPpm"]!
      : f.canary === "passed" ? p["correctnessCanaryPpm"]! : p["correctnessUnverifiedPpm"]!
    const e = i["evaluators"] as Sc | null
    const n = i["noveltyPpm"] as number
    const s = e === null ? sc(cv, p["noQuorumUtilityPpm"]!, n) : sc(Math.min(cv, e.correctness), e.utility, Math.min(n, e.novelty))
    const mix = BigInt(p["weightCorrectnessPpm"]!) * BigInt(s.correctness) + BigInt(p["weightUtilityPpm"]!) * BigInt(s.utility) + BigInt(p["weightNoveltyPpm"]!) * BigInt(s.novelty)
    return { correctnessFromVerification: cv, scores: s, q: Number((BigInt(i["computeUnits"] as number) * mix) / (PPMn * PPMn)) }
  }
  const q = (name: string, description: string, input: JsonObject, extra: (o: JsonObject) => boolean | string = () => true) =>
    valid(run, name, description, input, (o) => (same(o, oracle(input)) ? extra(o) : `oracle ${JSON.stringify(oracle(input))}`))
  const cfv = (o: JsonObject) => o["correctnessFromVerification"]
  const V: Built[] = []
  V.push(q("attested-with-quorum", "attestation verified, evaluators 0.9/0.8/0.7, novelty 1: correctness min(1, 0.9), Q = floor(1000·(0.4·0.9 + 0.4·0.8 + 0.2·0.7)) = 820", inp({}), (o) => o["q"] === 820 && cfv(o) === PPM))
  V.push(q("audit-passed", "no attestation, audit passed: correctness from verification 1", inp({ f: facts("absent", "passed", "not-run") }), (o) => cfv(o) === PPM))
  V.push(q("canary-only", "only canaries passed: 0.75 caps the evaluators' 0.9", inp({ f: facts("absent", "not-audited", "passed") }), (o) => cfv(o) === 750_000 && (o["scores"] as Sc).correctness === 750_000))
  V.push(q("nothing-checked", "nothing checked: 0.5", inp({ f: facts("absent", "not-audited", "not-run") }), (o) => cfv(o) === 500_000))
  V.push(q("attestation-failed", "attestation failed: correctness 0 whatever else passed", inp({ f: facts("failed", "passed", "passed") }), (o) => cfv(o) === 0))
  V.push(q("audit-failed-overrides-verified", "attestation verified but the audit failed: 0 (any failure wins, first row of QUAL-Q.2)", inp({ f: facts("verified", "failed", "not-run") }), (o) => cfv(o) === 0))
  V.push(q("canary-failed-overrides-verified", "attestation verified but a canary failed: 0", inp({ f: facts("verified", "not-audited", "failed") }), (o) => cfv(o) === 0))
  V.push(q("evaluators-cannot-raise-correctness", "nothing checked (0.5) and evaluators say 1.0: correctness stays 0.5", inp({ f: facts("absent", "not-audited", "not-run"), ev: sc(PPM, PPM, PPM) }), (o) => (o["scores"] as Sc).correctness === 500_000))
  V.push(q("evaluators-lower-novelty", "sketch novelty 0.9, evaluators 0.3: novelty min = 0.3", inp({ novelty: 900_000, ev: sc(PPM, PPM, 300_000) }), (o) => (o["scores"] as Sc).novelty === 300_000))
  V.push(q("novelty-capped-by-sketch", "sketch novelty 0.2 (near-duplicate), evaluators 1.0: novelty 0.2", inp({ novelty: 200_000, ev: sc(PPM, PPM, PPM) }), (o) => (o["scores"] as Sc).novelty === 200_000))
  V.push(q("no-quorum", "no quorum (evaluators null): verification correctness, utility = noQuorumUtilityPpm (0), sketch novelty", inp({ ev: null, novelty: 600_000 }), (o) =>
    same(o["scores"], sc(PPM, 0, 600_000)) && o["q"] === 520))
  V.push(q("no-quorum-custom-utility", "no quorum with noQuorumUtilityPpm = 300,000", inp({ ev: null, params: { ...dp, noQuorumUtilityPpm: 300_000 } }), (o) => (o["scores"] as Sc).utility === 300_000))
  V.push(q("perfect-is-v", "all scores 1: Q = v(t)", inp({ v: 123_456_789, ev: sc(PPM, PPM, PPM) }), (o) => o["q"] === 123_456_789))
  V.push(q("all-zero", "all scores 0: Q = 0", inp({ f: facts("failed", "not-audited", "not-run"), novelty: 0, ev: sc(0, 0, 0) }), (o) => o["q"] === 0))
  V.push(q("floor-at-one-unit", "v = 1 and a mix just below 1: Q = floor(0.999999...) = 0", inp({ v: 1, ev: sc(PPM, 999_999, PPM) }), (o) => o["q"] === 0))
  V.push(q("correctness-only-weights", "w = (1, 0, 0): Q = v·correctness", inp({ v: 1000, ev: sc(333_333, 0, 0), params: { ...dp, weightCorrectnessPpm: PPM, weightUtilityPpm: 0, weightNoveltyPpm: 0 } }), (o) => o["q"] === 333))
  {
    // v = 10^9 and a mix whose product with v exceeds 2^53: find scores where doubles give a different floor.
    const params = { ...dp, weightCorrectnessPpm: 333_333, weightUtilityPpm: 333_333, weightNoveltyPpm: 333_334 }
    let found: Sc | undefined
    for (let i = 1; i < 200_000 && found === undefined; i++) {
      const s = sc(PPM - i, 700_001 + (i % 97), 123_457 + i)
      const mix = 333_333 * s.correctness + 333_333 * s.utility + 333_334 * s.novelty
      const exact = Number((1_000_000_000n * BigInt(mix)) / (PPMn * PPMn))
      const dbl = Math.floor((1e9 * mix) / 1e12)
      if (exact !== dbl) found = s
    }
    check(found !== undefined, "quality: no case where doubles differ")
    const s = found as Sc
    const mix = 333_333 * s.correctness + 333_333 * s.utility + 333_334 * s.novelty
    V.push(q("exact-at-1e9-units", `v = 10^9, weights (333,333, 333,333, 333,334): v·mix exceeds 2^53; floor(v·mix/10^12) in doubles gives ${Math.floor((1e9 * mix) / 1e12)}, exactly ${Number((1_000_000_000n * BigInt(mix)) / (PPMn * PPMn))}`,
      inp({ v: 1_000_000_000, ev: s, params }), (o) => o["q"] !== Math.floor((1e9 * mix) / 1e12)))
  }
  const I: Built[] = [
    invalid(run, "weights-do-not-sum", "w1 + w2 + w3 = 999,999 (QUAL-PARAMS.2)", inp({ params: { ...dp, weightNoveltyPpm: 199_999 } }), "GENESIS_MISMATCH"),
    invalid(run, "correctness-table-not-monotone", "correctnessCanaryPpm above correctnessVerifiedPpm (QUAL-PARAMS.2)", inp({ params: { ...dp, correctnessVerifiedPpm: 700_000 } }), "GENESIS_MISMATCH"),
    invalid(run, "weight-above-ppm", "w1 = 1,000,001 (and w2 = -1 to keep the sum)", inp({ params: { ...dp, weightCorrectnessPpm: 1_000_001, weightUtilityPpm: -1, weightNoveltyPpm: 0 } }), "GENESIS_MISMATCH"),
    invalid(run, "evaluator-score-above-ppm", "an evaluators' score of 1,000,001 cannot come from accepted reveals (QUAL-SCORE.7)", inp({ ev: sc(1_000_001, 0, 0) }), "SCORE_OUT_OF_RANGE"),
    invalid(run, "zero-compute-units", "computeUnits = 0: the claim is invalid (DT-WORK.1: 1..10^9; WORK-CR.3)", inp({ v: 0 }), "WORK_INVALID_CLAIM"),
    invalid(run, "compute-units-above-1e9", "computeUnits = 10^9 + 1 (DT-WORK.1)", inp({ v: 1_000_000_001 }), "WORK_INVALID_CLAIM"),
    invalid(run, "params-checked-first", "bad weights and computeUnits 0: the parameters (genesis) are checked first", inp({ v: 0, params: { ...dp, weightNoveltyPpm: 0 } }), "GENESIS_MISMATCH"),
  ]
  return { valid: V, invalid: I }
}

// ------------------------------------------------------------------------------------------------
// economics

const economicsCases = (): { valid: Built[]; invalid: Built[] } => {
  const run = runEconomics
  const inp = (pPpm: number, reward: number, penalty: number, cost: number): JsonObject => ({ pPpm, reward, penalty, cost })
  /** Independent VER-ECON.1..4 in big integers. */
  const oracle = (i: JsonObject) => {
    const p = BigInt(i["pPpm"] as number), R = BigInt(i["reward"] as number), P = BigInt(i["penalty"] as number), C = BigInt(i["cost"] as number)
    const honest = (R - C) * PPMn
    const cheat = (PPMn - p) * R - p * P
    const min = R + P <= C ? null : Number((C * PPMn) / (R + P) + 1n > PPMn ? PPMn : (C * PPMn) / (R + P) + 1n)
    return { honestEvScaled: honest.toString(), cheatingEvScaled: cheat.toString(), paperConditionHolds: cheat < 0n, deterred: cheat < honest, minAuditPpm: min }
  }
  const e = (name: string, description: string, input: JsonObject, extra: (o: JsonObject) => boolean | string) =>
    valid(run, name, description, input, (o) => (same(o, oracle(input)) ? extra(o) : `oracle ${JSON.stringify(oracle(input))}`))
  const V: Built[] = []
  V.push(e("paper-example", "Theorem 4.1's example: P = 10R, p = 0.1, C = 0: EV_c = 0.9R - 1.0R = -0.1R (scaled by 10^6: -100·10^6)", inp(100_000, 1000, 10_000, 0), (o) =>
    o["cheatingEvScaled"] === "-100000000" && o["paperConditionHolds"] === true && o["deterred"] === true && o["minAuditPpm"] === 1))
  V.push(e("paper-not-sufficient", "p = 0.1, P = 10R, C = 2R: EV_c < 0 (the paper's condition holds) but p(R+P) = 1.1R < C: cheating beats honest work (erratum)", inp(100_000, 1000, 10_000, 2000), (o) =>
    o["paperConditionHolds"] === true && o["deterred"] === false && o["minAuditPpm"] === 181_819))
  V.push(e("paper-not-necessary", "p = 0.2, P = 0, C = 0.1R: EV_c = 0.8R > 0 (paper fails) yet honest work (0.9R) pays more", inp(200_000, 1000, 0, 100), (o) =>
    o["paperConditionHolds"] === false && o["deterred"] === true))
  V.push(e("min-audit-p-example", "P = 10R, C = R: p_min = 1/11, minAuditPpm = floor(10^6/11) + 1 = 90,910; at p = 90,910 cheating does not pay", inp(90_910, 1000, 10_000, 1000), (o) =>
    o["minAuditPpm"] === 90_910 && o["deterred"] === true))
  V.push(e("one-below-min-audit-p", "the same terms at p = 90,909 ppm: 90,909·11,000 < 1000·10^6, cheating pays", inp(90_909, 1000, 10_000, 1000), (o) => o["deterred"] === false))
  V.push(e("equality-is-not-deterrence", "p(R + P) = C exactly (p = 0.1, R = 1, P = 9, C = 1): the condition is strict, not deterred; EV_c = 0 so the paper's condition fails too", inp(100_000, 1, 9, 1), (o) =>
    o["deterred"] === false && o["paperConditionHolds"] === false && o["cheatingEvScaled"] === "0" && o["minAuditPpm"] === 100_001))
  V.push(e("one-above-equality", "the same terms at p = 100,001 ppm: deterred, and EV_c < 0", inp(100_001, 1, 9, 1), (o) => o["deterred"] === true && o["paperConditionHolds"] === true))
  V.push(e("no-p-deters", "R + P = C: even p = 1 does not deter (minAuditPpm null)", inp(PPM, 10, 5, 15), (o) => o["deterred"] === false && o["minAuditPpm"] === null))
  V.push(e("p-zero", "p = 0: cheating is never caught: EV_c = R, never deterred when C >= 0", inp(0, 1000, 10_000, 0), (o) => o["deterred"] === false && o["cheatingEvScaled"] === "1000000000"))
  V.push(e("p-one", "p = 1: cheating is always caught: EV_c = -P", inp(PPM, 1000, 10_000, 5000), (o) => o["cheatingEvScaled"] === "-10000000000" && o["deterred"] === true))
  V.push(e("all-zero", "R = P = C = 0: nothing to gain or lose: not deterred (strict), no minimum p", inp(500_000, 0, 0, 0), (o) => o["deterred"] === false && o["minAuditPpm"] === null))
  V.push(e("min-audit-p-is-one", "R + P = 10^7, C = 10^7 - 1: minAuditPpm = floor(999,999.9) + 1 = 10^6", inp(PPM, 4_000_000, 6_000_000, 9_999_999), (o) => o["minAuditPpm"] === PPM && o["deterred"] === true))
  V.push(e("protocol-defaults", "the chain's defaults: auditPpm 100,000, auditPenalty 10^7, R = blockReward 10^6, C = R/2", inp(100_000, 1_000_000, 10_000_000, 500_000), (o) => o["deterred"] === true && o["paperConditionHolds"] === true))
  {
    // p·(R+P) − C·10^6 = 1 with R + P near 2^53: doubles cannot see the difference.
    const p = 999_999, S = 9_007_199_253_999_999n
    const C = (BigInt(p) * S - 1n) / PPMn
    check(BigInt(p) * S - C * PPMn === 1n, "economics: exactness case off")
    const R = 4_000_000_000_000_000, P = Number(S) - R
    check(BigInt(R) + BigInt(P) === S && Number.isSafeInteger(Number(C)), "economics: exactness terms unsafe")
    check(!(p * (R + P) > Number(C) * PPM), "economics: doubles already see it")
    V.push(e("exact-near-max-safe", `R + P = ${S} (near 2^53), p = 999,999 ppm, C = ${C}: p(R+P) exceeds C·10^6 by 1 (of ~10^22); doubles compare them equal`, inp(p, R, P, Number(C)), (o) => o["deterred"] === true))
  }
  const I: Built[] = [
    invalid(run, "p-above-one", "pPpm = 1,000,001: p is the chain's auditPpm, an integer in 0..10^6 (PARAMS.2)", inp(PPM + 1, 1000, 10_000, 0), "GENESIS_MISMATCH"),
    invalid(run, "p-negative", "pPpm = -1", inp(-1, 1000, 10_000, 0), "GENESIS_MISMATCH"),
  ]
  return { valid: V, invalid: I }
}

// ------------------------------------------------------------------------------------------------

export const generate = async (outRoot: string): Promise<void> => {
  const all = {
    committee_selection: committeeCases(),
    audit_selection: auditCases(),
    trimmed_mean: trimmedCases(),
    yuma: yumaCases(),
    quality: qualityCases(),
    economics: economicsCases(),
  } as const
  for (const [handler, cs] of Object.entries(all) as Array<[keyof typeof SPEC, { valid: Built[]; invalid: Built[] }]>) {
    write(outRoot, handler, "valid", "Cases with an output.", cs.valid)
    write(outRoot, handler, "invalid", "Cases without output: each must be rejected with the stated code.", cs.invalid)
  }
}
