// spec: WORK-CR.1..8 (spec/06-work-claims.md; paper §3.2 eq. 1, §6.3), QUAL-NOVELTY.8/9 (spec/17)
// Commit-then-reveal for work claims with "earliest finalized commitment wins" (front-running protection).
import { fromHex, toHex } from "../codec/Bytes.ts"
import { Hashes, SigningBytes, omitSignature } from "../codec/Hashing.ts"
import { PPM } from "../domain/Primitives.ts"
import type { WorkCommitment, WorkReveal } from "../domain/Work.ts"
import { appendFingerprint, noveltyOf, noveltyWindowOf, sketchFingerprint } from "../quality/Novelty.ts"
import type { QualityParams } from "../quality/QualityParams.ts"
import type { ChainState, ClaimRecord, DraftState, Hex } from "./ChainState.ts"
import type { CoreContext } from "./Context.ts"
import { type ProtocolError, reject } from "./Errors.ts"
import { checkClaimAttestation } from "../verification/Audit.ts"
import { penalize } from "./Audits.ts"
import { itemMemo } from "./ItemMemo.ts"

/** NODE-STEP.10: signature checks of work commitments and reveals, memoized per item object and crypto service. */
const commitmentSignature = itemMemo<boolean>()
const revealSignature = itemMemo<boolean>()

type Readable = ChainState | DraftState

export const checkCommitmentStateless = (ctx: CoreContext, s: Readable, c: WorkCommitment): ProtocolError | undefined => {
  if (c.chainId !== s.chainId) return reject("WORK_BAD_CHAIN", c.chainId)
  if (!commitmentSignature(ctx.crypto, c, () => ctx.crypto.ed25519.verify(c.signature, SigningBytes.workCommitment(omitSignature(c)), c.worker)))
    return reject("WORK_BAD_SIGNATURE", "commitment")
  return undefined
}

/**
 * WORK-CR.1: the registry key of a commitment is (worker, commitment value), so a third party that
 * copies a commitment value from the mempool and registers it under its own key blocks nobody: the
 * copy can never be revealed (the value binds the worker) and the worker's own registration is distinct.
 */
export const commitmentKey = (workerHex: Hex, commitmentHex: Hex): Hex => workerHex + commitmentHex

/** Hex length of the worker part of a registry key (a 32-byte Ed25519 key, DT-PRIM.1). */
const WORKER_HEX = 64

/**
 * CONS-BUILD.2: the order of registry keys for block building: by commitment value, then by worker
 * (a squatted copy and the original share the value). Not the order of the keys themselves, which put
 * the worker first: the proposer's order gives the within-block index, the tie-break of WORK-CR.5, and
 * stays a hash order rather than one that favours small public keys.
 */
export const compareCommitmentKeys = (a: Hex, b: Hex): number => {
  const ca = a.slice(WORKER_HEX)
  const cb = b.slice(WORKER_HEX)
  if (ca !== cb) return ca < cb ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** WORK-CR.1: register a commitment at (height, index); the same (worker, commitment) twice is rejected. */
export const applyCommitment = (
  ctx: CoreContext,
  d: DraftState,
  c: WorkCommitment,
  height: number,
  index: number,
): ProtocolError | undefined => {
  const e = checkCommitmentStateless(ctx, d, c)
  if (e) return e
  const commitment = toHex(c.commitment)
  const worker = toHex(c.worker)
  const k = commitmentKey(worker, commitment)
  if (d.commitments.has(k)) return reject("WORK_DUPLICATE_COMMITMENT", commitment.slice(0, 16))
  d.commitments.set(k, { worker, commitment, height, index, revealed: false })
  return undefined
}

export const checkRevealStateless = (ctx: CoreContext, s: Readable, r: WorkReveal): ProtocolError | undefined => {
  if (r.chainId !== s.chainId) return reject("WORK_BAD_CHAIN", r.chainId)
  if (!revealSignature(ctx.crypto, r, () => ctx.crypto.ed25519.verify(r.signature, SigningBytes.workReveal(omitSignature(r)), r.worker)))
    return reject("WORK_BAD_SIGNATURE", "reveal")
  return undefined
}

/** Position of a commitment in chain order: earlier height first, then earlier index in the block. */
const earlier = (h1: number, i1: number, h2: number, i2: number) => h1 < h2 || (h1 === h2 && i1 < i2)

/**
 * WORK-CR.2..6: a reveal at `height` is accepted iff (worker, H(claim||worker||salt)) was registered in
 * an earlier block, at most revealWindow blocks ago, and not yet revealed; and
 * no claim on the same work id holds an earlier commitment. A claim holding the work id under a later
 * commitment is displaced (earliest finalized commitment wins). The claim's Q is fixed at reveal and
 * counts only when it matures, after every earlier commitment's reveal window has closed.
 */
export const applyReveal = (
  ctx: CoreContext,
  d: DraftState,
  r: WorkReveal,
  height: number,
  verifySignature = true,
): ProtocolError | undefined => {
  const e = verifySignature ? checkRevealStateless(ctx, d, r) : undefined
  if (e) return e
  const sha = ctx.crypto.sha256
  const commitment = toHex(Hashes.workCommitment(sha, r.claim, r.worker, r.salt))
  const worker = toHex(r.worker)
  const key = commitmentKey(worker, commitment)
  const rec = d.commitments.get(key)
  if (rec === undefined || rec.height >= height) return reject("WORK_NOT_COMMITTED", commitment.slice(0, 16))
  if (height - rec.height > d.params.revealWindow)
    return reject("WORK_REVEAL_EXPIRED", `committed at ${rec.height}, now ${height}`)
  if (rec.revealed) return reject("WORK_ALREADY_REVEALED")
  if (r.claim.task.computeUnits < 1) return reject("WORK_INVALID_CLAIM", "computeUnits < 1")
  const workId = toHex(Hashes.workId(sha, r.claim))
  const holder = d.claims.get(workId)
  if (holder !== undefined) {
    if (holder.matured || !earlier(rec.height, rec.index, holder.commitHeight, holder.commitIndex))
      return reject("WORK_ALREADY_CLAIMED", `held since commitment at height ${holder.commitHeight}`)
  }
  d.commitments.set(key, { ...rec, revealed: true })
  d.totals.claims += 1
  // VER-AUDIT.4 (Algorithm 1 step 2): a reveal whose attestation fails is a valid block item that
  // proves the worker signed a claim no approved TEE vouches for: charge auditPenalty, record nothing.
  if (ctx.attestation !== undefined) {
    const bad = checkClaimAttestation(ctx.crypto, ctx.attestation, d.chainId, r.claim, r.worker)
    if (bad !== undefined) {
      d.totals.attestationRejected += 1
      penalize(d, worker, d.params.auditPenalty)
      return undefined
    }
  }
  // QUAL-NOVELTY.8: with scoring, n against the novelty window, then the sketch is admitted
  const noveltyPpm = ctx.scoring !== undefined ? admitNovelty(d, ctx.scoring, r.claim.noveltySketch, holder) : PPM
  // QUAL-WIRE.1/QUAL-Q.5: with scoring, Q is fixed when the claim's scoring round finalizes
  const q = ctx.scoring !== undefined ? 0 : Math.max(0, Math.floor(ctx.quality(r.claim, { worker, height })))
  d.claims.set(workId, {
    worker,
    commitment,
    commitHeight: rec.height,
    commitIndex: rec.index,
    revealHeight: height,
    // WORK-CR.6: no commitment earlier than this one can still be revealed after commitHeight + revealWindow.
    maturesAt: Math.max(height, rec.height + d.params.revealWindow + 1),
    q,
    matured: false,
    outputHash: toHex(r.claim.outputHash),
    audit: "undecided",
    auditor: "",
    auditDue: 0,
    computeUnits: r.claim.task.computeUnits,
    scoring: ctx.scoring !== undefined ? "unopened" : "none",
    consensus: null,
    noveltySketch: toHex(r.claim.noveltySketch),
    noveltyPpm,
  })
  return undefined
}

/**
 * QUAL-NOVELTY.8/9: n of a revealed claim's sketch against the chain's novelty window, then the sketch
 * is admitted (the oldest evicted beyond noveltyWindow). A claim that displaces `displaced` (WORK-CR.5:
 * same work id, so the same output) is scored without the displaced claim's sketch: the most recent
 * window entry equal to it is removed first, so the earlier commitment is not scored as a copy of
 * the claim it displaces.
 */
const admitNovelty = (d: DraftState, p: QualityParams, sketch: Uint8Array, displaced: ClaimRecord | undefined): number => {
  let fps = d.novelty
  if (displaced !== undefined) {
    const i = fps.lastIndexOf(sketchFingerprint(fromHex(displaced.noveltySketch)))
    if (i >= 0) fps = [...fps.slice(0, i), ...fps.slice(i + 1)]
  }
  const fp = sketchFingerprint(sketch)
  const w = noveltyWindowOf(p.noveltyWindow, fps)
  const n = noveltyOf(w, fp, p).ppm
  d.novelty = appendFingerprint(p.noveltyWindow, fps, fp)
  return n
}

/**
 * WORK-CR.7: at the end of block `height`, claims with maturesAt <= height mature: their Q enters the
 * leader-election window and the block's reward split. Expired, unrevealed commitments are pruned.
 * Returns matured Q per worker.
 */
export const matureClaims = (d: DraftState, height: number): Map<Hex, number> => {
  const out = new Map<Hex, number>()
  for (const [id, c] of d.claims) {
    // VER-AUDIT.10: a claim matures only once its audit is settled (skipped, passed or missed).
    const settled = c.audit === "skipped" || c.audit === "passed" || c.audit === "missed"
    // QUAL-Q.5: with scoring, only once the claim's round has finalized
    const scored = c.scoring === "none" || c.scoring === "scored"
    if (!c.matured && settled && scored && c.maturesAt <= height) {
      d.claims.set(id, { ...c, matured: true })
      out.set(c.worker, (out.get(c.worker) ?? 0) + c.q)
      d.totals.maturedClaims += 1
    }
  }
  for (const [k, c] of d.commitments) if (height - c.height > d.params.revealWindow) d.commitments.delete(k)
  return out
}
