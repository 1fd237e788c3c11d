// spec: VER-AUDIT.1..4, VER-AUDIT.11 (spec/11-compute-verification.md; paper §4.2, Algorithm 1 steps 2-3)
// The pure calculations of probabilistic verification: the attestation nonce and check of a revealed
// claim, per-claim audit selection from the beacon, auditor assignment over a candidate list, and the
// reference executor. No chain state is read or written here: the state changes (audit decisions,
// reports and their settlement, missed audits, penalties) are core's, in src/core/Audits.ts.
import { Either } from "effect"
import { bytesToBigInt, concatBytes } from "../codec/Bytes.ts"
import { DOMAIN, canonicalEncode, tagged } from "../codec/Canonical.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import type { CryptoService } from "../crypto/Crypto.ts"
import type { WorkClaim } from "../domain/Work.ts"
import { PPM } from "../domain/Primitives.ts"
import { type AttestationConfig, type AttestationError, verifyAttestation } from "./Attestation.ts"

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

/** A validator that may audit a claim (VER-AUDIT.3): its key (hex) and its stake. */
export interface AuditCandidate {
  readonly key: string
  readonly stake: number
}

/**
 * VER-AUDIT.3: the auditor of a selected claim: a stake-weighted draw over the candidates with positive
 * stake other than the worker, sorted by key, with d = uint256(SHA-256(tagged("POAI/v1/audit-assign",
 * beacon_{h+1} || workId))) mod total stake: the first candidate whose cumulative stake exceeds d.
 * The candidates are the validators with their stakes, in any order (sorted here). `undefined` when no
 * candidate other than the worker has stake.
 */
export const assignAuditor = (
  sha256: Sha256,
  candidates: ReadonlyArray<AuditCandidate>,
  beacon: Uint8Array,
  workId: Uint8Array,
  worker: string,
): string | undefined => {
  const eligible: Array<[string, bigint]> = []
  for (const c of [...candidates].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)))
    if (c.key !== worker && c.stake > 0) eligible.push([c.key, BigInt(c.stake)])
  const total = eligible.reduce((a, [, x]) => a + x, 0n)
  if (total === 0n) return undefined
  const d = bytesToBigInt(sha256(tagged(DOMAIN.auditAssign, concatBytes(beacon, workId)))) % total
  let acc = 0n
  for (const [k, x] of eligible) {
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
 * VER-AUDIT.4 (Algorithm 1 step 2): the attestation check of a revealed claim, when the chain is
 * configured to require one. The expected fields come from the claim and the revealing worker, the
 * nonce from VER-AUDIT.1. Returns the typed attestation error, or undefined when it verifies.
 */
export const checkClaimAttestation = (
  crypto: CryptoService,
  config: AttestationConfig,
  chainId: string,
  claim: WorkClaim,
  worker: Uint8Array,
): AttestationError | undefined => {
  const r = verifyAttestation(crypto, config, claim.attestation, {
    taskId: claim.task.taskId,
    inputHash: claim.inputHash,
    outputHash: claim.outputHash,
    worker,
    nonce: attestationNonce(crypto.sha256, chainId, claim.task.taskId, worker),
  })
  return Either.isLeft(r) ? r.left : undefined
}

/**
 * VER-VERDICT.5: the audit seed of a claim whose audit was decided in block d:
 * SHA-256(tagged("POAI/v1/audit-seed", beacon_d || workId)). beacon_d is unknown when the worker commits,
 * so the worker cannot know which items, segments or records will be checked.
 */
export const auditSeed = (sha256: Sha256, beacon: Uint8Array, workId: Uint8Array): Uint8Array =>
  sha256(tagged(DOMAIN.auditSeed, concatBytes(beacon, workId)))
