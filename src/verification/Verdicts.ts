// spec: VER-VERDICT.1..5, VER-PORT.4, QUAL-NOVELTY.7 (spec/11-compute-verification.md, spec/17)
// The typed verdicts of audits and the reference executor's audit: everything of the verifiers that
// needs no ML runtime, so that the core and the reference simulation load without tfjs (CLI-BUILD.2).
// The per-kind verifiers are in ./Verifiers.ts, which re-exports this module.
import type { Sha256 } from "../codec/Hashing.ts"
import { type AuditEvidence, type AuditMetric, type AuditReason, type AuditVerdictKind, MAX_AUDIT_METRICS, MAX_AUDIT_SAMPLES, type WorkClaim } from "../domain/Work.ts"
import { type NoveltyParams, noveltySketch } from "../quality/Novelty.ts"
import { defaultQualityParams } from "../quality/QualityParams.ts"
import { simExecute } from "./Audit.ts"

/** QUAL-NOVELTY.6: the chain's sketch parameters an auditor checks sketches with. */
export interface SketchPolicy {
  readonly sketch: Pick<NoveltyParams, "noveltyShingleBytes" | "noveltyMaxBytes">
}

/** VER-VERDICT.1: an auditor's judgement of one claim: what its signed report carries. */
export interface AuditVerdict {
  readonly verdict: AuditVerdictKind
  readonly reason: AuditReason
  readonly evidence: AuditEvidence
}

/** VER-PORT.1: what the auditor is asked: the claim, its work id, its worker and the audit seed (VER-VERDICT.5). */
export interface AuditRequest {
  readonly claim: WorkClaim
  readonly workId: Uint8Array
  /** The worker's key, hex (consistency, VER-INF.9, compares a worker's answers with its own earlier ones). */
  readonly worker: string
  readonly seed: Uint8Array
}

export { auditSeed } from "./Audit.ts"

const NO_EVIDENCE: AuditEvidence = { sampled: [], recomputed: [], item: -1, metrics: [] }

/** VER-VERDICT.4: a pass carries reason "NONE"; a fail any other reason. */
export const pass = (evidence: AuditEvidence = NO_EVIDENCE): AuditVerdict => ({ verdict: "pass", reason: "NONE", evidence })
export const fail = (reason: Exclude<AuditReason, "NONE">, evidence: AuditEvidence = NO_EVIDENCE): AuditVerdict => ({ verdict: "fail", reason, evidence })

/** VER-VERDICT.3: a float metric in units of 10^-9, saturated to a safe integer (NaN as the maximum). */
export const nano = (x: number): number => {
  if (Number.isNaN(x)) return Number.MAX_SAFE_INTEGER
  const v = Math.round(x * 1e9)
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, v))
}
export const metric = (name: string, value: number, threshold: number): AuditMetric => ({ name, valueNano: nano(value), thresholdNano: nano(threshold) })

/** VER-VERDICT.3: evidence within the wire bounds (longer lists are cut, never rejected). */
export const evidence = (sampled: ReadonlyArray<number>, recomputed: ReadonlyArray<Uint8Array>, item: number, metrics: ReadonlyArray<AuditMetric>): AuditEvidence => ({
  sampled: sampled.slice(0, MAX_AUDIT_SAMPLES),
  recomputed: recomputed.slice(0, MAX_AUDIT_SAMPLES),
  item: Math.max(-1, item),
  metrics: metrics.slice(0, MAX_AUDIT_METRICS),
})

export const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/**
 * QUAL-NOVELTY.7: the claim's committed sketch is the sketch of its novelty bytes (QUAL-NOVELTY.6),
 * else the claim fails NOVELTY_SKETCH_MISMATCH.
 */
export const sketchMatches = (sha256: Sha256, claim: WorkClaim, noveltyBytes: Uint8Array, policy: SketchPolicy): boolean =>
  bytesEqual(noveltySketch(sha256, noveltyBytes, policy.sketch), claim.noveltySketch)

// ------------------------------------------------------------------------------------------------
// The reference executor (VER-AUDIT.11)

/**
 * VER-PORT.4: the audit of the simulation's reference executor: recompute the output hash (VER-AUDIT.11)
 * and pass iff it is the claim's; the evidence is the recomputed hash.
 */
export const simAudit = (sha256: Sha256, req: AuditRequest, policy: SketchPolicy = { sketch: defaultQualityParams }): AuditVerdict => {
  const h = simExecute(sha256, req.claim)
  const ev = evidence([0], [h], -1, [])
  if (!bytesEqual(h, req.claim.outputHash)) return fail("OUTPUT_MISMATCH", { ...ev, item: 0 })
  // QUAL-NOVELTY.7: the reference executor's novelty bytes are its 32-byte output
  return sketchMatches(sha256, req.claim, h, policy) ? pass(ev) : fail("NOVELTY_SKETCH_MISMATCH", ev)
}

