// spec: CLI-ATTEST.7..9 (spec/13-tee-sev-snp-psa.md), VER-SNP.10, VER-ATT.6
// Vendor evidence as operators hold it, outside a unified attestation: quotes and reports written into
// fixed-size buffers (trailing zero padding), a raw SEV-SNP report with its VCEK and ASK in separate
// files or in the certificate table of an extended report. This module turns such input into the exact
// evidence the adapters read (which stay strict: inside a unified attestation no padding is allowed,
// VER-ATT.1), runs the adapter, and checks the expected report data and the approved measurements, in
// the order `poai attest verify` and the conformance vectors of the platform handlers use. Never throws.
import { Either } from "effect"
import { bytesEqual, toHex } from "../../codec/Bytes.ts"
import type { CryptoService } from "../../crypto/Crypto.ts"
import { AttestationError, MAX_EVIDENCE_BYTES, attFail, type AttestationPlatform } from "../Attestation.ts"
import { TEE_ADAPTERS, inspectEvidence } from "./index.ts"
import { PSA_MAX_DEPTH, scanCborPrefix } from "./Psa.ts"
import { SNP_REPORT_BYTES, parseSnpCertTable, snpEvidenceFromParts } from "./SevSnp.ts"
import { sgxQuoteDeclaredLength } from "./SgxDcap.ts"

/** Largest evidence input (padding included) on every platform: the unified evidence bound (VER-ATT.1). */
export const MAX_OPERATOR_EVIDENCE_BYTES = MAX_EVIDENCE_BYTES

/** The first byte of poai's SEV-SNP container (a CBOR map of 3 entries); a raw report starts with VERSION. */
const SNP_CONTAINER_FIRST_BYTE = 0xa3

/** Whether sev-snp input is a raw ATTESTATION_REPORT (possibly padded) rather than poai's container. */
export const isRawSnpReport = (bytes: Uint8Array): boolean => bytes.length > 0 && bytes[0] !== SNP_CONTAINER_FIRST_BYTE

export interface Unpadded {
  /** The evidence without its padding. */
  readonly evidence: Uint8Array
  /** Number of zero bytes that followed it. */
  readonly padding: number
}

const zeroTail = (bytes: Uint8Array, end: number, what: string): Either.Either<Unpadded, AttestationError> => {
  if (end >= bytes.length) return Either.right({ evidence: bytes, padding: 0 })
  for (let i = end; i < bytes.length; i++)
    if (bytes[i] !== 0)
      return attFail("ATT_DECODE", `${bytes.length - end} bytes after the ${end}-byte ${what} are not zero padding (nonzero byte at offset ${i})`)
  return Either.right({ evidence: bytes.slice(0, end), padding: bytes.length - end })
}

/**
 * Split the zero padding of a fixed-size buffer off vendor evidence (CLI-ATTEST.7): an SGX quote
 * (length from its signature_data_len), a raw SEV-SNP report (1184 bytes) or a PSA token (one CBOR
 * item) may be followed by zero bytes, which are dropped and counted; any nonzero byte after it is
 * ATT_DECODE. poai's own formats (the SNP container, sim evidence) take no padding. Input over
 * MAX_OPERATOR_EVIDENCE_BYTES is ATT_DECODE. Evidence that is too short is left to the parser.
 */
export const splitPadding = (platform: AttestationPlatform, bytes: Uint8Array): Either.Either<Unpadded, AttestationError> => {
  if (bytes.length > MAX_OPERATOR_EVIDENCE_BYTES)
    return attFail("ATT_DECODE", `evidence is larger than ${MAX_OPERATOR_EVIDENCE_BYTES} bytes`)
  switch (platform) {
    case "sgx-dcap": {
      const n = sgxQuoteDeclaredLength(bytes)
      return n === undefined ? Either.right({ evidence: bytes, padding: 0 }) : zeroTail(bytes, n, "quote")
    }
    case "sev-snp":
      return isRawSnpReport(bytes) ? zeroTail(bytes, SNP_REPORT_BYTES, "report") : Either.right({ evidence: bytes, padding: 0 })
    case "psa": {
      const n = scanCborPrefix(bytes, { maxBytes: MAX_OPERATOR_EVIDENCE_BYTES, maxDepth: PSA_MAX_DEPTH })
      return typeof n === "string" ? Either.right({ evidence: bytes, padding: 0 }) : zeroTail(bytes, n, "token")
    }
    case "sim":
      return Either.right({ evidence: bytes, padding: 0 })
  }
}

/** The SEV-SNP certificates an operator supplies beside a raw report (DER), or the extended report's table. */
export interface SnpCertificates {
  readonly vcek?: Uint8Array | undefined
  readonly ask?: Uint8Array | undefined
  /** The certificate table SNP_GET_EXT_REPORT fills (VER-SNP.10). Its ARK, if any, is never a root. */
  readonly certTable?: Uint8Array | undefined
}

/**
 * The adapter's evidence for `platform` from operator input (CLI-ATTEST.7, CLI-ATTEST.8): padding
 * split off, and for a raw SEV-SNP report the container built with the VCEK and ASK (given directly,
 * or taken from the certificate table). A raw report without both certificates is ATT_DECODE.
 */
export const operatorEvidence = (
  platform: AttestationPlatform,
  bytes: Uint8Array,
  certs: SnpCertificates = {},
): Either.Either<Unpadded, AttestationError> => {
  const u = splitPadding(platform, bytes)
  if (Either.isLeft(u) || platform !== "sev-snp" || !isRawSnpReport(u.right.evidence)) return u
  let { vcek, ask } = certs
  if (certs.certTable !== undefined) {
    const t = parseSnpCertTable(certs.certTable)
    if (Either.isLeft(t)) return Either.left(t.left)
    vcek ??= t.right.vcek
    ask ??= t.right.ask
  }
  if (vcek === undefined || ask === undefined)
    return attFail("ATT_DECODE", `raw snp report without its ${vcek === undefined ? "VCEK" : "ASK"} certificate`)
  const c = snpEvidenceFromParts(u.right.evidence, vcek, ask)
  return Either.map(c, (evidence) => ({ evidence, padding: u.right.padding }))
}

export interface OperatorCheck {
  readonly platform: AttestationPlatform
  readonly evidence: Uint8Array
  readonly roots: ReadonlyArray<Uint8Array>
  readonly snp?: SnpCertificates
  /** The 64-byte report data the evidence must carry (VER-ATT.4's binding), if the caller knows it. */
  readonly reportData?: Uint8Array | undefined
  /** Approved measurements (lower-case hex); undefined = no registry check. */
  readonly approved?: ReadonlySet<string> | undefined
}

export interface OperatorVerdict {
  readonly measurement: Uint8Array
  readonly reportData: Uint8Array
  readonly padding: number
  /** The exact evidence the adapter verified (padding removed; SNP: the container). */
  readonly evidence: Uint8Array
}

/** A rejection, with the facts when the adapter accepted the evidence and a later check failed. */
export interface OperatorRejection {
  readonly error: AttestationError
  readonly facts: OperatorVerdict | undefined
}

/**
 * Verify operator evidence (CLI-ATTEST.3, CLI-ATTEST.7..8): operatorEvidence, the platform's adapter
 * (decode, chain, signature, debug), then report data = `reportData` (ATT_BINDING_MISMATCH), then the
 * measurement in `approved` (ATT_MEASUREMENT_NOT_APPROVED). Never throws.
 */
export const verifyOperatorEvidence = (crypto: CryptoService, c: OperatorCheck): Either.Either<OperatorVerdict, OperatorRejection> => {
  const reject = (error: AttestationError, facts?: OperatorVerdict) => Either.left({ error, facts })
  const u = operatorEvidence(c.platform, c.evidence, c.snp)
  if (Either.isLeft(u)) return reject(u.left)
  let facts
  try {
    facts = TEE_ADAPTERS[c.platform].verifyEvidence(crypto, u.right.evidence, c.roots)
  } catch (e) {
    return reject(new AttestationError({ code: "ATT_DECODE", detail: `adapter threw: ${e instanceof Error ? e.message : String(e)}` }))
  }
  if (Either.isLeft(facts)) return reject(facts.left)
  const f = facts.right
  const v: OperatorVerdict = { measurement: f.measurement, reportData: f.reportData, padding: u.right.padding, evidence: u.right.evidence }
  if (c.reportData !== undefined && !bytesEqual(c.reportData, f.reportData))
    return reject(new AttestationError({ code: "ATT_BINDING_MISMATCH", detail: "report data differs from the expected report data" }), v)
  if (c.approved !== undefined && !c.approved.has(toHex(f.measurement)))
    return reject(new AttestationError({ code: "ATT_MEASUREMENT_NOT_APPROVED", detail: `measurement ${toHex(f.measurement)} is not approved` }), v)
  return Either.right(v)
}

/** JSON form of inspect output: bigints as decimal strings, byte arrays as lower-case hex. */
export const jsonSafe = (_k: string, v: unknown): unknown =>
  typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? toHex(v) : v

/** `poai attest inspect`'s object for operator evidence (CLI-ATTEST.2): the fields, plus `padding` when nonzero. */
export const inspectOperatorEvidence = (
  platform: AttestationPlatform,
  bytes: Uint8Array,
): Either.Either<Record<string, unknown>, AttestationError> => {
  const u = splitPadding(platform, bytes)
  if (Either.isLeft(u)) return Either.left(u.left)
  const r = inspectEvidence(platform, u.right.evidence)
  if (Either.isLeft(r)) return r
  const o = JSON.parse(JSON.stringify(r.right, jsonSafe)) as Record<string, unknown>
  return Either.right(u.right.padding > 0 ? { ...o, padding: u.right.padding } : o)
}
