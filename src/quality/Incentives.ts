// spec: QUAL-INCENTIVE.1..6 (spec/17-quality-incentives.md; paper Algorithm 2 step 5, §5.3 Theorem 5.1)
// Evaluator settlement of one scored claim: per seat R_e − α·Σ_d (s_i,d − s̄_d)², credited when
// positive, slashed (capped by the evaluator's bond) when negative; fixed per-seat penalties for seats
// whose commitment was never validly revealed and for seats never committed. Exact (big integers).
import { PPM } from "../domain/Primitives.ts"
import type { AggregateResult, Aggregator } from "./Aggregation.ts"
import type { Hex } from "./Committee.ts"
import type { QualityParams } from "./QualityParams.ts"
import type { Scores, ScoringOutcome } from "./Scoring.ts"

export type IncentiveParams = Pick<
  QualityParams,
  "evaluatorRewardPerSeat" | "deviationPenalty" | "unrevealedPenaltyPerSeat" | "absentPenaltyPerSeat"
>

const P2 = BigInt(PPM) * BigInt(PPM)

/** Σ_d dev_d², in ppm² (≤ 3·10^12). */
export const squaredDeviation = (dev: Scores): bigint =>
  BigInt(dev.correctness) ** 2n + BigInt(dev.utility) ** 2n + BigInt(dev.novelty) ** 2n

/**
 * QUAL-INCENTIVE.1: utility of one revealed seat, base units (may be negative):
 *   u = R_e − floor(α · Σ_d dev_d² / 10^12)
 * i.e. the paper's R − α(s_i − s̄)² with deviations as fractions of 1 and summed over the three dimensions.
 */
export const seatUtility = (dev: Scores, p: IncentiveParams): bigint =>
  BigInt(p.evaluatorRewardPerSeat) - (BigInt(p.deviationPenalty) * squaredDeviation(dev)) / P2

export type SettlementKind = "revealed" | "no-reveal" | "no-commit"

export interface Settlement {
  readonly evaluator: Hex
  readonly seats: number
  readonly kind: SettlementKind
  /** Base units owed to the evaluator from the evaluator pool (QUAL-REWARD.2), ≥ 0. */
  readonly credit: bigint
  /** Base units slashed from the evaluator's bond, 0 ≤ slash ≤ bond. */
  readonly slash: bigint
}

/** credit − slash: what the settlement is worth to the evaluator. */
export const settlementValue = (s: Settlement): bigint => s.credit - s.slash

const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b)

/**
 * QUAL-INCENTIVE.2..3: settle every seat holder of a finalized round. `bondOf` gives the bond still
 * slashable (QUAL-INCENTIVE.4). The consensus for deviations is `aggregator` over the revealed
 * evaluators weighted by seats (whether or not the round reached quorum); undefined when nobody revealed.
 *   revealed:  U = seats·u (QUAL-INCENTIVE.1); credit = max(U, 0); slash = min(bond, max(−U, 0))
 *   no-reveal: credit 0; slash = min(bond, seats·unrevealedPenaltyPerSeat)
 *   no-commit: credit 0; slash = min(bond, seats·absentPenaltyPerSeat)
 */
export const settleRound = (
  outcome: ScoringOutcome,
  aggregator: Aggregator,
  bondOf: (evaluator: Hex) => bigint,
  p: IncentiveParams,
): { readonly aggregate: AggregateResult | undefined; readonly settlements: ReadonlyArray<Settlement> } => {
  const aggregate =
    outcome.revealed.length === 0
      ? undefined
      : aggregator.aggregate(outcome.revealed.map((r) => ({ evaluator: r.evaluator, weight: r.seats, scores: r.scores })))
  const settlements: Settlement[] = []
  outcome.revealed.forEach((r, i) => {
    const dev = (aggregate as AggregateResult).deviations[i]?.deviation as Scores
    const U = BigInt(r.seats) * seatUtility(dev, p)
    const bond = bondOf(r.evaluator)
    settlements.push({
      evaluator: r.evaluator,
      seats: r.seats,
      kind: "revealed",
      credit: U > 0n ? U : 0n,
      slash: U < 0n ? minBig(bond > 0n ? bond : 0n, -U) : 0n,
    })
  })
  for (const f of outcome.faults) {
    const per = f.fault === "no-reveal" ? p.unrevealedPenaltyPerSeat : p.absentPenaltyPerSeat
    const bond = bondOf(f.evaluator)
    settlements.push({ evaluator: f.evaluator, seats: f.seats, kind: f.fault, credit: 0n, slash: minBig(bond > 0n ? bond : 0n, BigInt(f.seats) * BigInt(per)) })
  }
  settlements.sort((a, b) => (a.evaluator < b.evaluator ? -1 : a.evaluator > b.evaluator ? 1 : 0))
  return { aggregate, settlements }
}
