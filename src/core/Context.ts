// The environment the pure core is given: the crypto port and the quality seam.
import type { Either } from "effect"
import type { DecodeError } from "../codec/Codec.ts"
import type { CryptoService } from "../crypto/Crypto.ts"
import type { Block } from "../domain/Block.ts"
import type { Message } from "../domain/Message.ts"
import type { ProtocolError } from "./Errors.ts"
import type { WorkClaim } from "../domain/Work.ts"
import type { AttestationConfig } from "../verification/Attestation.ts"
import type { QualityParams } from "../quality/QualityParams.ts"
import type { Scores } from "../quality/Scoring.ts"
import type { AuditRequest, AuditVerdict } from "../verification/Verifiers.ts"

/**
 * Q(W) seam (QUAL-SEAM.1, spec/06-work-claims.md): the quality-weighted value of a revealed claim, a
 * non-negative integer in quality units. Called once per claim when it is revealed; must be pure.
 * Until the quality pipeline (committee scoring) exists, `provisionalQuality` gives Q(W) = v(t).
 */
export type QualityFn = (claim: WorkClaim, info: { readonly worker: string; readonly height: number }) => number

/** QUAL-SEAM.2: provisional Q(W) = v(t) (the task's declared compute units); quality factor 1. */
export const provisionalQuality: QualityFn = (claim) => claim.task.computeUnits

/**
 * VER-PORT.1: the verifier port of an auditor: given a claim, its work id and its audit seed
 * (VER-VERDICT.5), the typed verdict the auditor signs (VER-VERDICT.1..4), or undefined when this auditor
 * cannot judge the claim (e.g. VER-TRAIN.13: its backend cannot recompute): then it reports nothing and
 * the audit is missed. Used only by a node's auditing duty, never by block validation.
 */
export type AuditPort = (req: AuditRequest) => AuditVerdict | undefined

export interface CoreContext {
  readonly crypto: CryptoService
  readonly quality: QualityFn
  /**
   * VER-AUDIT.4: when set, every revealed claim's attestation is verified against this configuration
   * (vendor roots, approved measurements, adapters). Consensus-critical: every validator of a chain
   * MUST use the same configuration, like the genesis. Unset: claims are not attested (tests of the core).
   */
  readonly attestation?: AttestationConfig
  /** VER-PORT.1: the auditor's verifier; unset: the node does not audit (its audits are missed). */
  readonly verifier?: AuditPort
  /**
   * QUAL-WIRE.1: when set, revealed claims are scored by evaluator committees and Q(W) is eq. 5 with
   * these parameters (consensus-critical, like `attestation`); unset: Q(W) is `quality` at reveal.
   */
  readonly scoring?: QualityParams
  /** NODE-SCORE.1: how this node scores a claim when it sits on its committee; unset: it never scores. */
  readonly evaluator?: (claim: WorkClaim, worker: string) => Scores
  /**
   * NODE-STEP.6: how a `receive` input's bytes are decoded; unset: Codecs.Message.decode. When set it
   * MUST return exactly what Codecs.Message.decode returns for the same bytes (a simulator memoizes
   * it, so that a broadcast is decoded once, not once per receiving node: SIM-NET.7).
   */
  readonly decodeMessage?: (bytes: Uint8Array) => Either.Either<Message, DecodeError>
  /**
   * NODE-STEP.7: how a received block is validated against the node's chain state (CONS-VALID.1);
   * unset: validateBlock(ctx, chain, block). When set it MUST return what validateBlock returns for
   * the same state and block (a simulator memoizes it by the identity of both objects, so that a
   * block proposed to N nodes on one shared parent state is executed once: SIM-NET.7).
   */
  // S is ChainState (./ChainState.ts), not imported here: ChainState depends on this file through Genesis
  readonly validateBlock?: <S extends object>(chain: S, block: Block) => Either.Either<S, ProtocolError>
}
