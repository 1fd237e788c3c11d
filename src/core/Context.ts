// The environment the pure core is given: the crypto port and the quality seam.
import type { CryptoService } from "../crypto/Crypto.ts"
import type { WorkClaim } from "../domain/Work.ts"

/**
 * Q(W) seam (QUAL-SEAM.1, spec/06-work-claims.md): the quality-weighted value of a revealed claim, a
 * non-negative integer in quality units. Called once per claim when it is revealed; must be pure.
 * Until the quality pipeline (committee scoring) exists, `provisionalQuality` gives Q(W) = v(t).
 */
export type QualityFn = (claim: WorkClaim, info: { readonly worker: string; readonly height: number }) => number

/** QUAL-SEAM.2: provisional Q(W) = v(t) (the task's declared compute units); quality factor 1. */
export const provisionalQuality: QualityFn = (claim) => claim.task.computeUnits

export interface CoreContext {
  readonly crypto: CryptoService
  readonly quality: QualityFn
}
