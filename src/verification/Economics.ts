// spec: VER-ECON.1..4 (spec/11-compute-verification.md; paper §4.2 Theorem 4.1, DESIGN.md errata)
// Deterrence of cheating by random audits. Exact integer arithmetic: the audit probability p is in
// ppm, R (reward), P (penalty) and C (compute cost a cheater saves) in base units.
import { PPM } from "../domain/Primitives.ts"

export interface AuditTerms {
  /** Probability that a claim is audited, ppm (0..1_000_000). */
  readonly pPpm: number
  /** Reward of an accepted claim, base units. */
  readonly reward: number
  /** Penalty (slash) of a claim caught cheating, base units. */
  readonly penalty: number
  /** Compute cost the cheater saves by not doing the work, base units. */
  readonly cost: number
}

const check = (t: AuditTerms): void => {
  if (!Number.isSafeInteger(t.pPpm) || t.pPpm < 0 || t.pPpm > PPM) throw new RangeError(`pPpm must be an integer in 0..${PPM}`)
  for (const k of ["reward", "penalty", "cost"] as const)
    if (!Number.isSafeInteger(t[k]) || t[k] < 0) throw new RangeError(`${k} must be a non-negative safe integer`)
}

/** VER-ECON.1: expected value of honest work, R - C, scaled by PPM (exact). */
export const honestEvScaled = (t: AuditTerms): bigint => {
  check(t)
  return (BigInt(t.reward) - BigInt(t.cost)) * BigInt(PPM)
}

/** VER-ECON.1: expected value of a cheating claim, (1-p)R - pP, scaled by PPM (exact). */
export const cheatingEvScaled = (t: AuditTerms): bigint => {
  check(t)
  const p = BigInt(t.pPpm)
  return (BigInt(PPM) - p) * BigInt(t.reward) - p * BigInt(t.penalty)
}

/** VER-ECON.2: the paper's Theorem 4.1 condition p·P > (1-p)·R, i.e. cheating has negative expected value. */
export const paperConditionHolds = (t: AuditTerms): boolean => cheatingEvScaled(t) < 0n

/**
 * VER-ECON.3: the corrected condition p·(R + P) > C: cheating earns less in expectation than honest
 * work, the comparison a rational worker makes (DESIGN.md errata).
 */
export const correctedConditionHolds = (t: AuditTerms): boolean => {
  check(t)
  return BigInt(t.pPpm) * (BigInt(t.reward) + BigInt(t.penalty)) > BigInt(t.cost) * BigInt(PPM)
}

/**
 * VER-ECON.4: the smallest audit probability, in ppm, that makes cheating strictly unprofitable under
 * the corrected condition: floor(C·PPM / (R + P)) + 1, capped at PPM; null when even p = 1 does not
 * deter (R + P ≤ C: the work costs more than everything a cheater could lose).
 */
export const minAuditPpm = (t: Omit<AuditTerms, "pPpm">): number | null => {
  check({ ...t, pPpm: 0 })
  const rp = BigInt(t.reward) + BigInt(t.penalty)
  if (rp <= BigInt(t.cost)) return null
  const p = (BigInt(t.cost) * BigInt(PPM)) / rp + 1n
  return Number(p > BigInt(PPM) ? BigInt(PPM) : p)
}
