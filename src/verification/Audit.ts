// spec: VER-AUDIT.1..12 (spec/11-compute-verification.md; paper §4.2, Algorithm 1 steps 2-3)
// Probabilistic verification of work claims as part of the replicated state machine: the attestation
// check when a claim is revealed, per-claim audit selection from the beacon, auditor assignment,
// audit reports and their settlement (slash P and void the reward, or pass), missed audits.
// Everything here is a deterministic function of the chain state and the block being applied.
import { Either } from "effect"
import { bytesToBigInt, concatBytes, fromHex, toHex } from "../codec/Bytes.ts"
import { DOMAIN, canonicalEncode, tagged } from "../codec/Canonical.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import { SigningBytes, omitSignature } from "../codec/Hashing.ts"
import type { CryptoService } from "../crypto/Crypto.ts"
import type { AuditReport, WorkClaim } from "../domain/Work.ts"
import { PPM } from "../domain/Primitives.ts"
import { type ChainState, type DraftState, type Hex, accountOf } from "../core/ChainState.ts"
import { type ProtocolError, reject } from "../core/Errors.ts"
import { credit } from "../core/Ledger.ts"
import { type AttestationConfig, verifyAttestation } from "./Attestation.ts"

type Readable = ChainState | DraftState

/** 2^64: audit draws are the first 8 bytes of a hash read as an unsigned integer (VER-AUDIT.2). */
const TWO_64 = 1n << 64n

/**
 * VER-AUDIT.1: the freshness nonce an attestation for (chainId, taskId, worker) must carry:
 * SHA-256(tagged("POAI/v1/att-nonce", cbor([chainId, taskId, worker]))). It pins the attestation to
 * this chain, task and worker; replay in time is excluded by commit-reveal (a work id is held once).
 */
export const attestationNonce = (sha256: Sha256, chainId: string, taskId: Uint8Array, worker: Uint8Array): Uint8Array =>
  sha256(tagged(DOMAIN.attNonce, canonicalEncode([chainId, taskId, worker])))

/**
 * VER-AUDIT.2: a claim revealed in block h is audited iff
 *   u = uint64be(SHA-256(tagged("POAI/v1/audit-select", beacon_{h+1} || workId))[0..8])
 *   u · 10^6 < auditPpm · 2^64.
 * The draw depends on the work id and the beacon only, never on who the worker is or how many claims
 * it has: each claim is audited independently with probability auditPpm / 10^6 (Sybil-neutral).
 */
export const auditDraw = (sha256: Sha256, beacon: Uint8Array, workId: Uint8Array): bigint =>
  bytesToBigInt(sha256(tagged(DOMAIN.auditSelect, concatBytes(beacon, workId))).subarray(0, 8))

export const isAuditSelected = (sha256: Sha256, beacon: Uint8Array, workId: Uint8Array, auditPpm: number): boolean =>
  auditDraw(sha256, beacon, workId) * BigInt(PPM) < BigInt(auditPpm) * TWO_64

/**
 * VER-AUDIT.3: the auditor of a selected claim: a stake-weighted draw over the validators with positive
 * stake other than the worker, sorted by key, with d = uint256(SHA-256(tagged("POAI/v1/audit-assign",
 * beacon_{h+1} || workId))) mod total stake: the first validator whose cumulative stake exceeds d.
 * `undefined` when no other validator has stake.
 */
export const assignAuditor = (sha256: Sha256, s: Readable, beacon: Uint8Array, workId: Uint8Array, worker: Hex): Hex | undefined => {
  const candidates: Array<[Hex, bigint]> = []
  for (const k of [...s.validators.keys()].sort()) {
    const stake = accountOf(s, k).stake
    if (k !== worker && stake > 0) candidates.push([k, BigInt(stake)])
  }
  const total = candidates.reduce((a, [, x]) => a + x, 0n)
  if (total === 0n) return undefined
  const d = bytesToBigInt(sha256(tagged(DOMAIN.auditAssign, concatBytes(beacon, workId)))) % total
  let acc = 0n
  for (const [k, x] of candidates) {
    acc += x
    if (d < acc) return k
  }
  return undefined
}

/**
 * VER-AUDIT.11: the reference executor of the simulation. A task's correct output hash is
 * SHA-256(tagged("POAI/v1/sim-exec", cbor([kind, taskId, modelHash, params, inputHash]))): the stand-in
 * for running the model, identical on every node, so honest work and honest audits agree exactly.
 */
export const simExecute = (sha256: Sha256, claim: WorkClaim): Uint8Array =>
  sha256(
    tagged(
      DOMAIN.simExec,
      canonicalEncode([claim.task.kind, claim.task.taskId, claim.task.modelHash, claim.task.params, claim.inputHash]),
    ),
  )

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
 * VER-AUDIT.4 (Algorithm 1 step 2): the attestation check of a revealed claim, when the chain is
 * configured to require one. The expected fields come from the claim and the revealing worker, the
 * nonce from VER-AUDIT.1. Returns the attestation error's message, or undefined when it verifies.
 */
export const checkClaimAttestation = (
  crypto: CryptoService,
  config: AttestationConfig,
  chainId: string,
  claim: WorkClaim,
  worker: Uint8Array,
): string | undefined => {
  const r = verifyAttestation(crypto, config, claim.attestation, {
    taskId: claim.task.taskId,
    inputHash: claim.inputHash,
    outputHash: claim.outputHash,
    worker,
    nonce: attestationNonce(crypto.sha256, chainId, claim.task.taskId, worker),
  })
  return Either.isLeft(r) ? r.left.message : undefined
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
      ? assignAuditor(sha256, d, beacon, workId, c.worker)
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
  if (!crypto.ed25519.verify(a.signature, SigningBytes.auditReport(omitSignature(a)), a.auditor))
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
