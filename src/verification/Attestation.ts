// spec: VER-ATT.1..9 (spec/11-compute-verification.md); paper Def. 2.2, §4.1, §7.2
// The unified attestation: one signed, canonical format that binds the platform, the code
// measurement, H(code), H(input), H(output), the task id, the worker and a freshness nonce, and
// carries the vendor evidence. Verification delegates the vendor-specific evidence check to a
// PlatformAdapter and does everything else here, in the fixed order of VER-ATT.6.
import { Data, Either, Schema } from "effect"
import { bytesEqual, concatBytes, toHex } from "../codec/Bytes.ts"
import { DOMAIN, tagged } from "../codec/Canonical.ts"
import { makeCodec } from "../codec/Codec.ts"
import type { CryptoService } from "../crypto/Crypto.ts"
import { Hash32, PubKey, Signature, Uint, boundedBytes } from "../domain/Primitives.ts"

/** Platforms with a defined evidence format (VER-ATT.2). */
export const PLATFORMS = ["sgx-dcap", "sev-snp", "psa", "sim"] as const
export const AttestationPlatform = Schema.Literal(...PLATFORMS)
export type AttestationPlatform = typeof AttestationPlatform.Type

/** The only format version defined (VER-ATT.1). */
export const ATTESTATION_VERSION = 1
/** Upper bound on the vendor evidence carried in an attestation (VER-ATT.1). */
export const MAX_EVIDENCE_BYTES = 16 * 1024
/** Length of the report-data field every supported TEE signs (SGX REPORTDATA, SNP REPORT_DATA). */
export const REPORT_DATA_BYTES = 64

const fields = {
  measurement: Hash32,
  codeHash: Hash32,
  inputHash: Hash32,
  outputHash: Hash32,
  taskId: Hash32,
  worker: PubKey,
  nonce: Hash32,
  evidence: boundedBytes(MAX_EVIDENCE_BYTES, "AttestationEvidence"),
  signature: Signature,
}

/**
 * Unified attestation (VER-ATT.1). Encoded as a canonical CBOR map (ENC-CBOR.1); `signature` is the
 * Ed25519 signature of the attested device key over VER-ATT.3's signing bytes.
 */
export const UnifiedAttestation = Schema.Struct({
  version: Schema.Literal(ATTESTATION_VERSION),
  platform: AttestationPlatform,
  ...fields,
}).annotations({ identifier: "UnifiedAttestation" })
export type UnifiedAttestation = typeof UnifiedAttestation.Type
export const UnsignedUnifiedAttestation = UnifiedAttestation.pipe(Schema.omit("signature"))
export type UnsignedUnifiedAttestation = typeof UnsignedUnifiedAttestation.Type

/**
 * The decoding envelope: the same map with `version` any unsigned integer and `platform` any short
 * string, so that an unknown version or platform is reported as such (VER-ATT.6 steps 2-3), not as
 * a decode failure. Its canonical bytes equal UnifiedAttestation's for every valid attestation.
 */
export const UnifiedAttestationEnvelope = Schema.Struct({
  version: Uint,
  platform: Schema.String.pipe(Schema.maxLength(32)),
  ...fields,
}).annotations({ identifier: "UnifiedAttestationEnvelope" })
export type UnifiedAttestationEnvelope = typeof UnifiedAttestationEnvelope.Type

const envelopeCodec = makeCodec("UnifiedAttestationEnvelope", UnifiedAttestationEnvelope)
export const AttestationCodecs = {
  UnifiedAttestation: makeCodec("UnifiedAttestation", UnifiedAttestation),
  UnsignedUnifiedAttestation: makeCodec("UnsignedUnifiedAttestation", UnsignedUnifiedAttestation),
  UnifiedAttestationEnvelope: envelopeCodec,
} as const

// ------------------------------------------------------------------------------------------------
// Errors (VER-ATT.9)

export const ATTESTATION_ERROR_CODES = {
  ATT_DECODE: "attestation or its evidence is not a valid canonical encoding",
  ATT_UNSUPPORTED_VERSION: "attestation version is not 1",
  ATT_UNKNOWN_PLATFORM: "platform is not one this verifier has an adapter for",
  ATT_BAD_CHAIN: "device key is not certified by a configured vendor root",
  ATT_BAD_SIGNATURE: "a signature by the certified device key does not verify",
  ATT_DEBUG: "the evidence reports a debug (non-production) TEE, whose memory the host can read",
  ATT_UNSUPPORTED_TEE: "the evidence is well formed but from a TEE this verifier does not support (Intel TDX)",
  ATT_MEASUREMENT_NOT_APPROVED: "measurement is not in the approved-runtime registry",
  ATT_BINDING_MISMATCH: "the evidence's report data or measurement does not bind the attestation's fields",
  ATT_CLAIM_MISMATCH: "attested task, input, output or worker differ from the claim being verified",
  ATT_STALE: "nonce is not the expected freshness nonce",
} as const
export type AttestationErrorCode = keyof typeof ATTESTATION_ERROR_CODES

export class AttestationError extends Data.TaggedError("AttestationError")<{
  readonly code: AttestationErrorCode
  readonly detail: string
}> {
  override get message(): string {
    return `${this.code}: ${ATTESTATION_ERROR_CODES[this.code]}${this.detail ? ` (${this.detail})` : ""}`
  }
}

export const attFail = (code: AttestationErrorCode, detail = ""): Either.Either<never, AttestationError> =>
  Either.left(new AttestationError({ code, detail }))

// ------------------------------------------------------------------------------------------------
// Bytes

/** Signing bytes (VER-ATT.3): tagged("POAI/v1/attestation", canonical CBOR of the unsigned attestation). */
export const attestationSigningBytes = (u: UnsignedUnifiedAttestation): Uint8Array =>
  tagged(DOMAIN.attestation, AttestationCodecs.UnsignedUnifiedAttestation.encode(u))

export interface BindingFields {
  readonly codeHash: Uint8Array
  readonly inputHash: Uint8Array
  readonly outputHash: Uint8Array
  readonly taskId: Uint8Array
  readonly worker: Uint8Array
  readonly nonce: Uint8Array
}

/**
 * Report-data binding (VER-ATT.4): the 64-byte report data the TEE signs is
 *   reportData[0..32]  = SHA-256(tagged("POAI/v1/att-report-data",
 *                          codeHash || inputHash || outputHash || taskId || worker || nonce))
 *   reportData[32..64] = 32 zero bytes (reserved).
 * All six fields are exactly 32 bytes, so the 192-byte concatenation is unambiguous.
 */
export const bindingReportData = (sha256: (b: Uint8Array) => Uint8Array, f: BindingFields): Uint8Array => {
  const out = new Uint8Array(REPORT_DATA_BYTES)
  out.set(
    sha256(tagged(DOMAIN.attReportData, concatBytes(f.codeHash, f.inputHash, f.outputHash, f.taskId, f.worker, f.nonce))),
    0,
  )
  return out
}

// ------------------------------------------------------------------------------------------------
// Adapters and configuration (VER-ATT.5)

/** What a platform adapter extracts from verified vendor evidence. */
export interface EvidenceFacts {
  /**
   * The Ed25519 device key the vendor chain certifies, which signs the unified attestation (sim).
   * `undefined` for hardware platforms (SGX DCAP, SEV-SNP, PSA): their vendor signature over the
   * report data already covers every bound field (VER-ATT.4), and the unified `signature` must then
   * be 64 zero bytes (VER-ATT.3).
   */
  readonly devicePubKey: Uint8Array | undefined
  /** The code measurement the evidence reports (MRENCLAVE, MEASUREMENT, ...), 32 bytes. */
  readonly measurement: Uint8Array
  /** The 64-byte report-data field the TEE signed. */
  readonly reportData: Uint8Array
}

export interface PlatformAdapter {
  readonly platform: AttestationPlatform
  /**
   * Parse `evidence`, check its certificate chain ends at one of `roots` (ATT_BAD_CHAIN), its
   * report signature (ATT_BAD_SIGNATURE) and that it is not a debug TEE (ATT_DEBUG); malformed evidence
   * is ATT_DECODE, evidence of an unsupported TEE (TDX) ATT_UNSUPPORTED_TEE. Never throws.
   */
  readonly verifyEvidence: (
    crypto: CryptoService,
    evidence: Uint8Array,
    roots: ReadonlyArray<Uint8Array>,
  ) => Either.Either<EvidenceFacts, AttestationError>
}

/** Verifier configuration: vendor roots and the approved-runtime registry are data, not code. */
export interface AttestationConfig {
  readonly roots: Partial<Record<AttestationPlatform, ReadonlyArray<Uint8Array>>>
  /** Approved code measurements, lower-case hex. */
  readonly approvedMeasurements: ReadonlySet<string>
  readonly adapters: Partial<Record<AttestationPlatform, PlatformAdapter>>
}

/** What the verifier expects, taken from the work claim and the protocol (VER-ATT.7, VER-ATT.8). */
export interface ExpectedAttestation {
  readonly taskId: Uint8Array
  readonly inputHash: Uint8Array
  readonly outputHash: Uint8Array
  readonly worker: Uint8Array
  readonly nonce: Uint8Array
}

export interface VerifiedAttestation {
  readonly attestation: UnifiedAttestation
  /** The certified Ed25519 device key (sim), or undefined for hardware platforms. */
  readonly devicePubKey: Uint8Array | undefined
}

/** The `signature` value of an attestation whose platform signs no unified attestation (VER-ATT.3). */
export const NO_DEVICE_SIGNATURE: Uint8Array = new Uint8Array(64)

// ------------------------------------------------------------------------------------------------
// Decoding and verification (VER-ATT.6)

/** Decode untrusted bytes (VER-ATT.6 steps 1-3). Never throws. */
export const decodeAttestation = (bytes: Uint8Array): Either.Either<UnifiedAttestation, AttestationError> => {
  const env = envelopeCodec.decode(bytes)
  if (Either.isLeft(env)) return attFail("ATT_DECODE", env.left.message)
  return checkEnvelope(env.right)
}

const checkEnvelope = (e: UnifiedAttestationEnvelope): Either.Either<UnifiedAttestation, AttestationError> => {
  if (e.version !== ATTESTATION_VERSION) return attFail("ATT_UNSUPPORTED_VERSION", `version ${e.version}`)
  if (!(PLATFORMS as ReadonlyArray<string>).includes(e.platform))
    return attFail("ATT_UNKNOWN_PLATFORM", JSON.stringify(e.platform))
  return Either.right(e as UnifiedAttestation)
}

/**
 * Verify an attestation (bytes or an already decoded value) against the configuration and the claim
 * it is supposed to attest, in the order of VER-ATT.6. Never throws.
 */
export const verifyAttestation = (
  crypto: CryptoService,
  config: AttestationConfig,
  att: Uint8Array | UnifiedAttestationEnvelope,
  expected: ExpectedAttestation,
): Either.Either<VerifiedAttestation, AttestationError> => {
  // 1-3: decode, version, platform
  let a: UnifiedAttestation
  if (att instanceof Uint8Array) {
    const d = decodeAttestation(att)
    if (Either.isLeft(d)) return Either.left(d.left)
    a = d.right
  } else {
    const v = envelopeCodec.validate(att)
    if (Either.isLeft(v)) return attFail("ATT_DECODE", v.left.message)
    const c = checkEnvelope(v.right)
    if (Either.isLeft(c)) return Either.left(c.left)
    a = c.right
  }
  const adapter = config.adapters[a.platform]
  if (adapter === undefined || adapter.platform !== a.platform)
    return attFail("ATT_UNKNOWN_PLATFORM", `no adapter configured for ${a.platform}`)
  // 4: vendor evidence and its chain to a configured root
  const roots = config.roots[a.platform] ?? []
  if (roots.length === 0) return attFail("ATT_BAD_CHAIN", `no vendor root configured for ${a.platform}`)
  let facts: Either.Either<EvidenceFacts, AttestationError>
  try {
    facts = adapter.verifyEvidence(crypto, a.evidence, roots)
  } catch (e) {
    return attFail("ATT_DECODE", `adapter threw: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (Either.isLeft(facts)) return Either.left(facts.left)
  const f = facts.right
  // 5: the unified attestation is signed by the certified device key (sim); hardware platforms
  // sign nothing beyond their report, and the field must then be all zero (VER-ATT.3)
  const { signature, ...unsigned } = a
  if (f.devicePubKey === undefined) {
    if (!bytesEqual(signature, NO_DEVICE_SIGNATURE))
      return attFail("ATT_BAD_SIGNATURE", `platform ${a.platform} carries no device signature; signature must be 64 zero bytes`)
  } else if (!crypto.ed25519.verify(signature, attestationSigningBytes(unsigned), f.devicePubKey))
    return attFail("ATT_BAD_SIGNATURE", "attestation signature does not verify under the certified device key")
  // 6: evidence binds the attestation: same measurement, report data = VER-ATT.4 of the fields
  if (!bytesEqual(f.measurement, a.measurement))
    return attFail("ATT_BINDING_MISMATCH", "evidence measurement differs from the attestation's")
  if (!bytesEqual(f.reportData, bindingReportData(crypto.sha256, a)))
    return attFail("ATT_BINDING_MISMATCH", "report data does not bind codeHash/inputHash/outputHash/taskId/worker/nonce")
  // 7: approved runtime
  if (!config.approvedMeasurements.has(toHex(a.measurement)))
    return attFail("ATT_MEASUREMENT_NOT_APPROVED", toHex(a.measurement))
  // 8: claim
  for (const k of ["taskId", "inputHash", "outputHash", "worker"] as const)
    if (!bytesEqual(a[k], expected[k])) return attFail("ATT_CLAIM_MISMATCH", `${k} differs from the claim`)
  // 9: freshness
  if (!bytesEqual(a.nonce, expected.nonce)) return attFail("ATT_STALE", "nonce is not the expected freshness nonce")
  return Either.right({ attestation: a, devicePubKey: f.devicePubKey })
}
