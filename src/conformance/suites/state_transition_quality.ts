// spec: CONF-SUITE.1..4 (conformance/docs/state_transition_quality.md); QUAL-COMMITTEE.1..3, VER-AUDIT.2..3,
// QUAL-AGG.1..4, QUAL-Q.1..3, VER-ECON.1..4, QUAL-PARAMS.2, PARAMS.2 (spec/17, spec/11, spec/00)
// Handlers of the "state_transition" suite for committee selection, audit selection, trimmed mean,
// Yuma aggregation, Q(W) and the Theorem 4.1 economics (inputs -> outputs). Every `run` recomputes
// its result from the case's input with the functions of src/quality and src/verification.
//
// Reject codes. Where the function itself returns a typed error (drawCommittee: COMMITTEE_*), the
// vector's code is that error's code. The aggregators, Q(W) and the economics functions have no typed
// errors of their own: an out-of-domain argument is a programming error there (RangeError,
// QUAL-AGG.1) because the protocol stops such a value earlier, with a typed code. The handler runs
// that earlier check and answers its code:
//   - a parameter outside its range (auditPpm, trimPpm, yumaKappaPpm, the eq. 5 weights, the
//     correctness table): the genesis check (validateGenesis, PARAMS.2 / QUAL-PARAMS.2) fails, and a
//     node refuses the genesis with GENESIS_MISMATCH (LEDGER-GENESIS.4);
//   - a revealed score above 10^6 ppm: the reveal is refused with SCORE_OUT_OF_RANGE (QUAL-SCORE.7,
//     `scoresInRange`);
//   - a claim whose computeUnits is outside 1..10^9 (TaskSpec schema, DT-WORK.1): WORK_INVALID_CLAIM
//     (WORK-CR.3/.8).
import { Either, Schema } from "effect"
import { fromHex, toHex } from "../../codec/Bytes.ts"
import type { Genesis } from "../../core/Genesis.ts"
import { validateGenesis } from "../../core/Genesis.ts"
import { defaultParams, type Params } from "../../core/Params.ts"
import { nobleCrypto } from "../../crypto/NobleCrypto.ts"
import { TaskSpec } from "../../domain/Work.ts"
import { trimmedMeanAggregator, yumaAggregator, yumaLevel1D, type AggregateResult, type WeightedScores } from "../../quality/Aggregation.ts"
import { drawCommittee, type Candidate } from "../../quality/Committee.ts"
import { correctnessFromVerification, quality, type AttestationFact, type AuditFact, type CanaryFact } from "../../quality/Quality.ts"
import { defaultQualityParams, type QualityParams } from "../../quality/QualityParams.ts"
import { DIMENSIONS, scoresInRange, type Scores } from "../../quality/Scoring.ts"
import { assignAuditor, auditDraw, isAuditSelected } from "../../verification/Audit.ts"
import { cheatingEvScaled, correctedConditionHolds, honestEvScaled, minAuditPpm, paperConditionHolds, type AuditTerms } from "../../verification/Economics.ts"
import {
  ConformanceInputError,
  arr,
  field,
  genericCases,
  num,
  str,
  type CaseResult,
  type HandlerDef,
  type Json,
  type JsonObject,
} from "../Types.ts"

export const SUITE = "state_transition"
export const FORMAT_VERSION = "1"

const sha256 = nobleCrypto.sha256

// ------------------------------------------------------------------------------------------------
// Input helpers

const HEX = /^([0-9a-f]{2})*$/
const DEC = /^(0|[1-9][0-9]*)$/

/** A byte field of any length (lengths are checked by the function under test). */
const anyHex = (input: Json, name: string): Uint8Array => {
  const s = str(input, name)
  if (!HEX.test(s)) throw new ConformanceInputError(`input field ${name} is not lowercase hex`)
  return fromHex(s)
}
/** A 32-byte key or id as lowercase hex (64 characters). */
const key32 = (input: Json, name: string): string => {
  const s = str(input, name)
  if (!/^[0-9a-f]{64}$/.test(s)) throw new ConformanceInputError(`input field ${name} is not 32 bytes of lowercase hex`)
  return s
}
const int = (input: Json, name: string): number => {
  const v = num(input, name)
  if (!Number.isSafeInteger(v)) throw new ConformanceInputError(`input field ${name} is not a safe integer`)
  return v
}
const nonNegInt = (input: Json, name: string): number => {
  const v = int(input, name)
  if (v < 0) throw new ConformanceInputError(`input field ${name} is negative`)
  return v
}
/** A non-negative decimal string (stakes); returned as the JS number the implementation holds (may be unsafe). */
const decimal = (input: Json, name: string): bigint => {
  const s = str(input, name)
  if (!DEC.test(s)) throw new ConformanceInputError(`input field ${name} is not a non-negative decimal integer string`)
  return BigInt(s)
}
const obj = (input: Json, name: string): JsonObject => {
  const v = field(input, name)
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new ConformanceInputError(`input field ${name} is not an object`)
  return v as JsonObject
}
const oneOf = <T extends string>(input: Json, name: string, values: ReadonlyArray<T>): T => {
  const s = str(input, name)
  if (!(values as ReadonlyArray<string>).includes(s)) throw new ConformanceInputError(`input field ${name} is not one of ${values.join(", ")}`)
  return s as T
}
/** A score vector {correctness, utility, novelty}: non-negative integers (ppm; > 10^6 is a reject, not an input error). */
const scoresOf = (v: Json, what: string): Scores => {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new ConformanceInputError(`${what} is not an object`)
  const keys = Object.keys(v)
  if (keys.length !== 3 || !DIMENSIONS.every((d) => keys.includes(d))) throw new ConformanceInputError(`${what} must have exactly correctness, utility, novelty`)
  return { correctness: nonNegInt(v, "correctness"), utility: nonNegInt(v, "utility"), novelty: nonNegInt(v, "novelty") }
}
const scoresJson = (s: Scores): JsonObject => ({ correctness: s.correctness, utility: s.utility, novelty: s.novelty })

const reject = (code: string): CaseResult => ({ reject: code })
const output = (o: Json): CaseResult => ({ output: o })

// ------------------------------------------------------------------------------------------------
// The protocol's earlier checks (see the header): genesis parameters (PARAMS.2, QUAL-PARAMS.2).

const GENESIS_VALIDATOR_KEY = new Uint8Array(32).fill(1)

/** A minimal valid genesis with the given params and scoring parameters; its violations (empty = valid). */
export const genesisViolations = (params: Partial<Params>, scoring: Partial<QualityParams> | null): ReadonlyArray<string> => {
  const g: Genesis = {
    chainId: "conformance",
    validators: [{ pubKey: GENESIS_VALIDATOR_KEY, blsPubKey: new Uint8Array(48), stake: 1 }],
    accounts: [],
    params: { ...defaultParams, ...params },
    attestation: null,
    scoring: scoring === null ? null : { ...defaultQualityParams, ...scoring },
  }
  return validateGenesis(g)
}

// ------------------------------------------------------------------------------------------------
// 1. committee_selection (QUAL-COMMITTEE.1..3)

export const runCommitteeSelection = (input: Json): CaseResult => {
  const beacon = anyHex(input, "beacon")
  const claimId = anyHex(input, "claimId")
  const seats = int(input, "seats")
  const w = field(input, "worker")
  if (w !== null && typeof w !== "string") throw new ConformanceInputError("input field worker is neither null nor a string")
  const worker = w === null ? undefined : key32(input, "worker")
  const candidates: Candidate[] = arr(input, "candidates").map((c) => {
    const pk = key32(c, "pubKey")
    return { key: pk, pubKey: fromHex(pk), stake: Number(decimal(c, "stake")) }
  })
  const r = drawCommittee(sha256, { beacon, claimId, candidates, worker, seats })
  if (Either.isLeft(r)) return reject(r.left.code)
  const c = r.right
  return output({
    eligibleStake: c.eligibleStake.toString(),
    seats: [...c.seats],
    members: c.members.map((m) => ({ evaluator: m.evaluator, seats: m.seats })),
  })
}

// ------------------------------------------------------------------------------------------------
// 2. audit_selection (VER-AUDIT.2..3)

export const runAuditSelection = (input: Json): CaseResult => {
  const beacon = fromHex(key32(input, "beacon"))
  const workId = fromHex(key32(input, "workId"))
  const auditPpm = int(input, "auditPpm")
  const worker = key32(input, "worker")
  const candidates = new Map<string, number>()
  for (const v of arr(input, "validators")) {
    const k = key32(v, "key")
    const stake = decimal(v, "stake")
    if (stake > BigInt(Number.MAX_SAFE_INTEGER)) throw new ConformanceInputError(`stake of ${k} is not a safe integer (no state holds one)`)
    if (candidates.has(k)) throw new ConformanceInputError(`validator ${k} is listed twice`)
    candidates.set(k, Number(stake))
  }
  // auditPpm is a genesis parameter (PARAMS.2: an integer in 0..10^6).
  if (genesisViolations({ auditPpm }, null).length > 0) return reject("GENESIS_MISMATCH")
  const draw = auditDraw(sha256, beacon, workId)
  const selected = isAuditSelected(sha256, beacon, workId, auditPpm)
  const auditor = selected ? assignAuditor(sha256, [...candidates].map(([key, stake]) => ({ key, stake })), beacon, workId, worker) : undefined
  return output({
    draw: draw.toString(),
    selected,
    auditor: auditor ?? null,
    audit: auditor === undefined ? "skipped" : "pending",
  })
}

// ------------------------------------------------------------------------------------------------
// 3./4. trimmed_mean and yuma (QUAL-AGG.1..4)

const revealsOf = (input: Json): WeightedScores[] =>
  arr(input, "reveals").map((r, i) => {
    const weight = int(r, "weight")
    if (weight < 1) throw new ConformanceInputError(`reveal ${i}: weight must be a positive integer`)
    return { evaluator: key32(r, "evaluator"), weight, scores: scoresOf(field(r, "scores"), `reveal ${i} scores`) }
  })

const aggregateJson = (a: AggregateResult): JsonObject => ({
  consensus: scoresJson(a.consensus),
  deviations: a.deviations.map((d) => ({ evaluator: d.evaluator, weight: d.weight, deviation: scoresJson(d.deviation) })),
})

export const runTrimmedMean = (input: Json): CaseResult => {
  const trimPpm = int(input, "trimPpm")
  const reveals = revealsOf(input)
  if (reveals.length === 0) throw new ConformanceInputError("reveals must not be empty")
  if (genesisViolations({}, { aggregator: "trimmed-mean", trimPpm }).length > 0) return reject("GENESIS_MISMATCH")
  if (!reveals.every((r) => scoresInRange(r.scores))) return reject("SCORE_OUT_OF_RANGE")
  return output(aggregateJson(trimmedMeanAggregator(trimPpm).aggregate(reveals)))
}

export const runYuma = (input: Json): CaseResult => {
  const kappaPpm = int(input, "kappaPpm")
  const reveals = revealsOf(input)
  if (reveals.length === 0) throw new ConformanceInputError("reveals must not be empty")
  if (genesisViolations({}, { aggregator: "yuma", yumaKappaPpm: kappaPpm }).length > 0) return reject("GENESIS_MISMATCH")
  if (!reveals.every((r) => scoresInRange(r.scores))) return reject("SCORE_OUT_OF_RANGE")
  const agg = yumaAggregator(kappaPpm).aggregate(reveals)
  const levels = {} as { -readonly [K in keyof Scores]: number }
  for (const d of DIMENSIONS) levels[d] = yumaLevel1D(reveals.map((r) => ({ score: r.scores[d], weight: BigInt(r.weight) })), kappaPpm)
  return output({
    levels: scoresJson(levels),
    clipped: reveals.map((r) => ({
      evaluator: r.evaluator,
      weight: r.weight,
      scores: { correctness: Math.min(r.scores.correctness, levels.correctness), utility: Math.min(r.scores.utility, levels.utility), novelty: Math.min(r.scores.novelty, levels.novelty) },
    })),
    ...aggregateJson(agg),
  })
}

// ------------------------------------------------------------------------------------------------
// 5. quality (QUAL-Q.1..3)

export const QUALITY_PARAM_FIELDS = [
  "weightCorrectnessPpm",
  "weightUtilityPpm",
  "weightNoveltyPpm",
  "correctnessVerifiedPpm",
  "correctnessCanaryPpm",
  "correctnessUnverifiedPpm",
  "noQuorumUtilityPpm",
] as const

const isComputeUnits = Schema.is(TaskSpec.fields.computeUnits)

export const runQuality = (input: Json): CaseResult => {
  const computeUnits = int(input, "computeUnits")
  const vf = obj(input, "verification")
  const verification = {
    attestation: oneOf<AttestationFact>(vf, "attestation", ["verified", "absent", "failed"]),
    audit: oneOf<AuditFact>(vf, "audit", ["passed", "not-audited", "failed"]),
    canary: oneOf<CanaryFact>(vf, "canary", ["passed", "not-run", "failed"]),
  }
  const noveltyPpm = nonNegInt(input, "noveltyPpm")
  if (noveltyPpm > 1_000_000) throw new ConformanceInputError("noveltyPpm above 10^6 (QUAL-NOVELTY.3 never gives one)")
  const ev = field(input, "evaluators")
  const evaluators = ev === null ? undefined : scoresOf(ev, "evaluators")
  const po = obj(input, "params")
  const given: Partial<Record<(typeof QUALITY_PARAM_FIELDS)[number], number>> = {}
  for (const k of QUALITY_PARAM_FIELDS) given[k] = int(po, k)
  if (Object.keys(po).length !== QUALITY_PARAM_FIELDS.length) throw new ConformanceInputError("params has unknown fields")
  const p: QualityParams = { ...defaultQualityParams, ...given }
  if (genesisViolations({}, p).length > 0) return reject("GENESIS_MISMATCH")
  if (!isComputeUnits(computeUnits)) return reject("WORK_INVALID_CLAIM")
  if (evaluators !== undefined && !scoresInRange(evaluators)) return reject("SCORE_OUT_OF_RANGE")
  const r = quality({ computeUnits, verification, noveltyPpm, evaluators }, p)
  return output({ correctnessFromVerification: correctnessFromVerification(verification, p), scores: scoresJson(r.scores), q: r.q })
}

// ------------------------------------------------------------------------------------------------
// 6. economics (VER-ECON.1..4, paper Theorem 4.1 and its erratum)

export const runEconomics = (input: Json): CaseResult => {
  const pPpm = int(input, "pPpm")
  const t = { reward: nonNegInt(input, "reward"), penalty: nonNegInt(input, "penalty"), cost: nonNegInt(input, "cost") }
  // p is the chain's auditPpm (VER-AUDIT.12): a genesis parameter, an integer in 0..10^6 (PARAMS.2).
  if (genesisViolations({ auditPpm: pPpm }, null).length > 0) return reject("GENESIS_MISMATCH")
  const terms: AuditTerms = { pPpm, ...t }
  return output({
    honestEvScaled: honestEvScaled(terms).toString(),
    cheatingEvScaled: cheatingEvScaled(terms).toString(),
    paperConditionHolds: paperConditionHolds(terms),
    deterred: correctedConditionHolds(terms),
    minAuditPpm: minAuditPpm(t),
  })
}

// ------------------------------------------------------------------------------------------------

const def = (handler: string, description: string, spec: ReadonlyArray<string>, run: (input: Json) => CaseResult): HandlerDef => ({
  suite: SUITE,
  handler,
  description,
  spec,
  formatVersion: FORMAT_VERSION,
  cases: (file) => genericCases(file),
  run,
})

export const SPEC = {
  committee_selection: ["QUAL-COMMITTEE.1", "QUAL-COMMITTEE.2", "QUAL-COMMITTEE.3", "SybilNeutral"],
  audit_selection: ["VER-AUDIT.2", "VER-AUDIT.3", "PARAMS.2"],
  trimmed_mean: ["QUAL-AGG.1", "QUAL-AGG.2", "QUAL-AGG.3", "QUAL-PARAMS.2", "QUAL-SCORE.7"],
  yuma: ["QUAL-AGG.1", "QUAL-AGG.3", "QUAL-AGG.4", "QUAL-PARAMS.2", "QUAL-SCORE.7"],
  quality: ["QUAL-Q.1", "QUAL-Q.2", "QUAL-Q.3", "QUAL-PARAMS.2", "QUAL-SCORE.7", "DT-WORK.1"],
  economics: ["VER-ECON.1", "VER-ECON.2", "VER-ECON.3", "VER-ECON.4", "VER-AUDIT.12", "PARAMS.2"],
} as const

export const DESCRIPTIONS = {
  committee_selection: "beacon, claim id, stakers and seat count k -> the k seats (stake-weighted draws with replacement, worker excluded) and the members with their seat counts",
  audit_selection: "beacon, work id, auditPpm and the validators' stakes -> the 64-bit audit draw, whether the claim is audited, and its auditor",
  trimmed_mean: "seat-weighted revealed scores and trimPpm -> the trimmed-mean consensus per dimension and each evaluator's deviation",
  yuma: "seat-weighted revealed scores and kappaPpm -> the Yuma kappa-level, the clipped scores, the clipped-mean consensus and the deviations",
  quality: "compute units, verification facts, novelty, evaluators' consensus and the eq. 5 parameters -> the three scores and Q(W)",
  economics: "audit probability (ppm), reward R, penalty P, compute cost C -> expected values, the paper's and the corrected deterrence conditions, the smallest deterrent audit probability",
} as const

export const handlers: ReadonlyArray<HandlerDef> = [
  def("committee_selection", DESCRIPTIONS.committee_selection, SPEC.committee_selection, runCommitteeSelection),
  def("audit_selection", DESCRIPTIONS.audit_selection, SPEC.audit_selection, runAuditSelection),
  def("trimmed_mean", DESCRIPTIONS.trimmed_mean, SPEC.trimmed_mean, runTrimmedMean),
  def("yuma", DESCRIPTIONS.yuma, SPEC.yuma, runYuma),
  def("quality", DESCRIPTIONS.quality, SPEC.quality, runQuality),
  def("economics", DESCRIPTIONS.economics, SPEC.economics, runEconomics),
]

/** Hex of bytes (re-exported for the generator). */
export const hexOf = toHex
