// spec: VER-AUDIT.2..10 (spec/11-compute-verification.md; paper §4.2, Algorithm 1 steps 2-3)
// The state changes of probabilistic verification inside block application: audit decisions (selection
// and assignment from the beacon), audit reports and their settlement (slash P and void the reward, or
// pass), missed audits and the penalties. The calculations they use (draws, assignment over a candidate
// list, the attestation check, the reference executor) are pure and live in src/verification/Audit.ts.
// Everything here is a deterministic function of the chain state and the block being applied.
import { fromHex, toHex } from "../codec/Bytes.ts"
import { SigningBytes, omitSignature } from "../codec/Hashing.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import type { CryptoService } from "../crypto/Crypto.ts"
import type { AuditReport } from "../domain/Work.ts"
import { type AuditCandidate, assignAuditor, isAuditSelected } from "../verification/Audit.ts"
import { type ChainState, type DraftState, type Hex, accountOf } from "./ChainState.ts"
import { type ProtocolError, reject } from "./Errors.ts"
import { itemMemo } from "./ItemMemo.ts"

/** NODE-STEP.10: an audit report's signature check, memoized per report object and crypto service. */
const reportSignature = itemMemo<boolean>()
import { credit } from "./Ledger.ts"

type Readable = ChainState | DraftState

/** VER-AUDIT.3: the assignment's candidates: every validator with its account's stake. */
export const auditCandidates = (s: Readable): ReadonlyArray<AuditCandidate> =>
  [...s.validators.keys()].map((key) => ({ key, stake: accountOf(s, key).stake }))

/**
 * VER-AUDIT.8: charge `amount` base units to `who`: liquid balance first, then stake, never more than
 * the two hold. Returns the units burned; they count in totals.slashed and totals.slashedWork.
 */
export const penalize = (d: DraftState, who: Hex, amount: number): number => {
  const a = accountOf(d, who)
  const fromBalance = Math.min(a.balance, amount)
  const fromStake = Math.min(a.stake, amount - fromBalance)
  const burned = fromBalance + fromStake
  if (burned > 0) d.accounts.set(who, { ...a, balance: a.balance - fromBalance, stake: a.stake - fromStake })
  d.totals.slashed += burned
  d.totals.slashedWork += burned
  return burned
}

/**
 * VER-AUDIT.2/3: at block `height` with beacon `beacon` (this block's beacon value), decide every claim
 * revealed in an earlier block that is still undecided: skipped, or pending with an auditor and a due
 * height = height + auditWindow.
 */
export const decideAudits = (sha256: Sha256, d: DraftState, beacon: Uint8Array, height: number): void => {
  for (const [id, c] of [...d.claims.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (c.audit !== "undecided" || c.revealHeight >= height) continue
    const workId = fromHex(id)
    const auditor = isAuditSelected(sha256, beacon, workId, d.params.auditPpm)
      ? assignAuditor(sha256, auditCandidates(d), beacon, workId, c.worker)
      : undefined
    if (auditor === undefined) d.claims.set(id, { ...c, audit: "skipped" })
    else {
      d.claims.set(id, { ...c, audit: "pending", auditor, auditDue: height + d.params.auditWindow })
      d.totals.audited += 1
    }
  }
}

/** VER-AUDIT.5: the checks of an audit report that need no chain state. */
export const checkAuditStateless = (crypto: CryptoService, s: Readable, a: AuditReport): ProtocolError | undefined => {
  if (a.chainId !== s.chainId) return reject("AUDIT_BAD_CHAIN", a.chainId)
  // VER-VERDICT.4: a pass names no reason; a fail names one
  if ((a.verdict === "pass") !== (a.reason === "NONE")) return reject("AUDIT_MALFORMED", `${a.verdict} with reason ${a.reason}`)
  if (!reportSignature(crypto, a, () => crypto.ed25519.verify(a.signature, SigningBytes.auditReport(omitSignature(a)), a.auditor)))
    return reject("AUDIT_BAD_SIGNATURE")
  return undefined
}

/** VER-AUDIT.5: the checks against the state: a pending audit of this claim, by this auditor, not overdue. */
export const checkAuditStateful = (s: Readable, a: AuditReport, height: number): ProtocolError | undefined => {
  const id = toHex(a.workId)
  const c = s.claims.get(id)
  if (c === undefined || c.audit !== "pending") return reject("AUDIT_NOT_PENDING", id.slice(0, 16))
  if (c.auditor !== toHex(a.auditor)) return reject("AUDIT_WRONG_AUDITOR", id.slice(0, 16))
  if (height > c.auditDue) return reject("AUDIT_EXPIRED", `due at ${c.auditDue}, now ${height}`)
  return undefined
}

export type AuditOutcome = "passed" | "failed"

/**
 * VER-AUDIT.6/7, VER-VERDICT.6: apply an audit report in block `height`. Verdict pass: the audit passes.
 * Verdict fail: the claim fails: the worker is charged auditPenalty (VER-AUDIT.8) and the claim is
 * voided (deleted: its Q never counts, its work id is free). Either way the auditor is paid auditReward
 * (minted). The chain settles by the assigned auditor's signed verdict; what that trusts is spec/11
 * VER-VERDICT.6.
 */
export const applyAuditReport = (
  crypto: CryptoService,
  d: DraftState,
  a: AuditReport,
  height: number,
  verifySignature = true,
): ProtocolError | AuditOutcome => {
  const e = (verifySignature ? checkAuditStateless(crypto, d, a) : undefined) ?? checkAuditStateful(d, a, height)
  if (e) return e
  const id = toHex(a.workId)
  const c = d.claims.get(id)
  if (c === undefined) return reject("AUDIT_NOT_PENDING", id.slice(0, 16))
  credit(d, c.auditor, d.params.auditReward)
  d.totals.minted += d.params.auditReward
  if (a.verdict === "pass") {
    d.claims.set(id, { ...c, audit: "passed" })
    d.totals.auditsPassed += 1
    return "passed"
  }
  d.claims.delete(id)
  penalize(d, c.worker, d.params.auditPenalty)
  d.totals.auditsFailed += 1
  return "failed"
}

/**
 * VER-AUDIT.9: at the end of block `height`, a pending audit with auditDue < height + 1 (no report by
 * its due height) is missed: the auditor is charged auditMissPenalty and the claim counts unaudited.
 */
export const expireAudits = (d: DraftState, height: number): void => {
  for (const [id, c] of [...d.claims.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (c.audit !== "pending" || c.auditDue > height) continue
    d.claims.set(id, { ...c, audit: "missed" })
    penalize(d, c.auditor, d.params.auditMissPenalty)
    d.totals.auditsMissed += 1
  }
}
