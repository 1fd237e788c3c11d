// spec: QUAL-WIRE.1..6 (spec/17-quality-incentives.md; paper Algorithm 1 step 4, Algorithm 2)
// Quality assessment inside block application: open a scoring round per revealed claim (committee
// from the next block's beacon), apply sealed score commitments and reveals carried in blocks,
// finalize rounds (evaluator settlements, Q(W) of eq. 5) once the claim's audit is settled, and split
// the block reward between workers, evaluators and validators. Deterministic; integers only.
// These are the state changes; the calculations they use (committee draw, scoring rounds, settlements,
// aggregation, Q, the reward split) are pure and live in src/quality/.
import { Either } from "effect"
import { fromHex, toHex } from "../codec/Bytes.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import type { CryptoService } from "../crypto/Crypto.ts"
import type { ScoreCommitment, ScoreReveal } from "../domain/Scoring.ts"
import { PPM } from "../domain/Primitives.ts"
import { aggregatorFor } from "../quality/Aggregation.ts"
import { drawCommittee } from "../quality/Committee.ts"
import { settleRound } from "../quality/Incentives.ts"
import { quality, type AuditFact } from "../quality/Quality.ts"
import type { QualityParams } from "../quality/QualityParams.ts"
import { splitBlockReward } from "../quality/Rewards.ts"
import { applyScoreCommitment, applyScoreReveal, finalizeScoring, idsOf, openScoringRound, scoreCommitmentAcceptable, scoreRevealAcceptable, scoringSchedule, type ScoringErrorCode, type ScoringRound } from "../quality/Scoring.ts"
import { type ChainState, type DraftState, type Hex, type OpenRound, accountOf } from "./ChainState.ts"
import { ProtocolError } from "./Errors.ts"
import { credit } from "./Ledger.ts"

type Readable = ChainState | DraftState

/**
 * QUAL-WIRE.1: at block `height` with this block's beacon value, open a round for every claim revealed
 * in an earlier block that has none yet: committee of `committeeSeats` seats drawn with
 * claimId = the claim's commitment value (QUAL-COMMITTEE.4) over the validators with positive stake,
 * the worker excluded; schedule of QUAL-SCORE.5 from the claim's reveal height. If no committee can be
 * drawn the claim is scored without evaluators (QUAL-Q.3, no quorum) at once.
 */
export const openRounds = (sha256: Sha256, p: QualityParams, d: DraftState, beacon: Uint8Array, height: number, attested: boolean): void => {
  const candidates = [...d.validators.entries()]
    .map(([key, v]) => ({ key, pubKey: v.pubKey, stake: accountOf(d, key).stake }))
    .filter((c) => c.stake > 0)
  for (const [id, c] of [...d.claims.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (c.scoring !== "unopened" || c.revealHeight >= height) continue
    const committee = drawCommittee(sha256, { beacon, claimId: fromHex(c.commitment), candidates, worker: c.worker, seats: p.committeeSeats })
    if (Either.isLeft(committee)) {
      d.claims.set(id, { ...c, scoring: "scored", q: scoreClaim(p, attested, c, undefined) })
      continue
    }
    d.scoring.set(c.commitment, { workId: id, round: openScoringRound(d.chainId, committee.right, scoringSchedule(c.revealHeight, p)) })
    d.claims.set(id, { ...c, scoring: "open" })
  }
}

const auditFact = (audit: string): AuditFact => (audit === "passed" ? "passed" : "not-audited")

/** QUAL-WIRE.4: Q of a claim from its verification facts and the evaluators' consensus (or none). */
const scoreClaim = (
  p: QualityParams,
  attested: boolean,
  c: { readonly audit: string; readonly computeUnits: number; readonly noveltyPpm: number },
  evaluators: { correctness: number; utility: number; novelty: number } | undefined,
): number =>
  quality(
    {
      computeUnits: c.computeUnits,
      // a claim reaches scoring only if its attestation verified (VER-AUDIT.4) or none is required
      verification: { attestation: attested ? "verified" : "absent", audit: auditFact(c.audit), canary: "not-run" },
      // QUAL-NOVELTY.8: n fixed at the claim's reveal against the chain's novelty window
      noveltyPpm: c.noveltyPpm,
      evaluators,
    },
    p,
  ).q

/** Map a scoring error to the block-level protocol error (QUAL-WIRE.2). */
const scoreError = (code: ScoringErrorCode, detail: string): ProtocolError =>
  new ProtocolError({ code: "SCORE_INVALID", detail: `${code}: ${detail}`, scoring: code })

/** QUAL-WIRE.2: a score commitment carried in block `height`. */
export const applyScoreCommitItem = (crypto: CryptoService, d: DraftState, c: ScoreCommitment, height: number): ProtocolError | undefined => {
  const r = checkScoreCommit(crypto, d, c, height)
  if (Either.isLeft(r)) return r.left
  const open = d.scoring.get(toHex(c.claimId)) as OpenRound
  d.scoring.set(toHex(c.claimId), { ...open, round: r.right })
  d.totals.scoreCommits += 1
  return undefined
}

/** QUAL-WIRE.2: the checks of a score commitment against a state (also the mempool's, NODE-SCORE.2). */
export const checkScoreCommit = (crypto: CryptoService, s: Readable, c: ScoreCommitment, height: number): Either.Either<ScoringRound, ProtocolError> => {
  const open = s.scoring.get(toHex(c.claimId))
  if (open === undefined) return Either.left(scoreError("SCORE_WRONG_CLAIM", "no open scoring round for this claim id"))
  const r = applyScoreCommitment(crypto, open.round, c, height)
  return Either.isLeft(r) ? Either.left(scoreError(r.left.code, r.left.detail)) : Either.right(r.right)
}

/**
 * QUAL-SCORE.13: whether checkScoreCommit / checkScoreReveal would accept the item (same checks, same
 * order), without building the round or an error: the mempool's re-check after each decision
 * (NODE-SCORE.2) and a delivery's accept path.
 */
export const scoreCommitOk = (crypto: CryptoService, s: Readable, c: ScoreCommitment, height: number): boolean => {
  const open = s.scoring.get(idsOf(c).claim)
  return open !== undefined && scoreCommitmentAcceptable(crypto, open.round, c, height)
}
export const scoreRevealOk = (crypto: CryptoService, s: Readable, r: ScoreReveal, height: number): boolean => {
  const open = s.scoring.get(idsOf(r).claim)
  return open !== undefined && scoreRevealAcceptable(crypto, open.round, r, height)
}

/** QUAL-WIRE.2: a score reveal carried in block `height`. */
export const applyScoreRevealItem = (crypto: CryptoService, d: DraftState, r: ScoreReveal, height: number): ProtocolError | undefined => {
  const x = checkScoreReveal(crypto, d, r, height)
  if (Either.isLeft(x)) return x.left
  const open = d.scoring.get(toHex(r.claimId)) as OpenRound
  d.scoring.set(toHex(r.claimId), { ...open, round: x.right })
  d.totals.scoreReveals += 1
  return undefined
}

export const checkScoreReveal = (crypto: CryptoService, s: Readable, r: ScoreReveal, height: number): Either.Either<ScoringRound, ProtocolError> => {
  const open = s.scoring.get(toHex(r.claimId))
  if (open === undefined) return Either.left(scoreError("SCORE_WRONG_CLAIM", "no open scoring round for this claim id"))
  const x = applyScoreReveal(crypto, open.round, r, height)
  return Either.isLeft(x) ? Either.left(scoreError(x.left.code, x.left.detail)) : Either.right(x.right)
}

/**
 * QUAL-WIRE.3/4: at the end of block `height`, finalize every round whose reveal deadline has passed
 * and whose claim's audit is settled (or whose claim was voided by a failed audit): settle the seat
 * holders (QUAL-INCENTIVE.2..4; slashes burn stake, capped by it), fix the claim's Q (QUAL-Q.5) and
 * close the round. Returns the evaluators' credits, to be paid from this block's evaluator pool.
 */
export const finalizeRounds = (p: QualityParams, d: DraftState, height: number, attested: boolean): Map<Hex, bigint> => {
  const credits = new Map<Hex, bigint>()
  const aggregator = aggregatorFor(p)
  for (const [claimId, open] of [...d.scoring.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const c = d.claims.get(open.workId)
    if (c === undefined || c.commitment !== claimId) {
      // QUAL-WIRE.6: the claim was voided (failed audit) or displaced: its round closes with no
      // settlement, so no evaluator is paid or penalized for scoring work that no longer exists
      d.scoring.delete(claimId)
      d.totals.roundsCancelled += 1
      continue
    }
    if (height <= open.round.schedule.revealDeadline) continue
    const settled = c.audit === "skipped" || c.audit === "passed" || c.audit === "missed"
    if (!settled) continue
    const outcome = finalizeScoring(open.round, height, p.minRevealedSeats)
    if (Either.isLeft(outcome)) continue
    const { aggregate, settlements } = settleRound(outcome.right, aggregator, (e) => BigInt(accountOf(d, e).stake), p)
    for (const s of settlements) {
      if (s.credit > 0n) credits.set(s.evaluator, (credits.get(s.evaluator) ?? 0n) + s.credit)
      if (s.slash > 0n) {
        const a = accountOf(d, s.evaluator)
        const burned = Math.min(a.stake, Number(s.slash))
        d.accounts.set(s.evaluator, { ...a, stake: a.stake - burned })
        d.totals.slashed += burned
        d.totals.slashedScoring += burned
      }
    }
    d.scoring.delete(claimId)
    d.totals.roundsFinalized += 1
    {
      const consensus = outcome.right.quorum && aggregate !== undefined ? aggregate.consensus : undefined
      d.claims.set(open.workId, { ...c, scoring: "scored", q: scoreClaim(p, attested, c, consensus), consensus: consensus ?? null })
    }
  }
  return credits
}

/**
 * QUAL-WIRE.5 (QUAL-REWARD.1..4): mint `blockReward` and split it: workers by matured Q, evaluators by
 * this block's credits, validators by the stake of the `lastCommit` signers (the whole voting set when
 * there is none); the remainder goes to the proposer. Per-role totals accumulate in `totals`.
 */
export const payBlockReward = (
  p: QualityParams,
  d: DraftState,
  matured: ReadonlyMap<Hex, number>,
  credits: ReadonlyMap<Hex, bigint>,
  signers: ReadonlyArray<Hex> | undefined,
  proposer: Hex,
): void => {
  const validators = new Map<Hex, number>()
  const who = signers ?? [...d.lastPower.keys()]
  for (const k of who) validators.set(k, d.lastPower.get(k) ?? accountOf(d, k).stake)
  const split = splitBlockReward({ reward: d.params.blockReward, workers: matured, evaluators: credits, validators, remainderTo: proposer }, p)
  for (const [k, v] of [...split.payouts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) credit(d, k, Number(v))
  d.totals.minted += d.params.blockReward
  const sum = (m: ReadonlyMap<Hex, bigint>) => Number([...m.values()].reduce((a, x) => a + x, 0n))
  d.totals.rewardWorkers += sum(split.byRole.workers)
  d.totals.rewardEvaluators += sum(split.byRole.evaluators)
  d.totals.rewardValidators += sum(split.byRole.validators)
}
