// spec: VER-SGX.1..9 (spec/12-tee-sgx-dcap.md); paper §4.1, §7.2
// The Intel SGX DCAP adapter (platform "sgx-dcap"): reads ECDSA quotes of version 3 and 4 for SGX
// enclaves in Intel's binary layout (sgx_quote_3.h, sgx_quote_4.h of Intel's
// SGXDataCenterAttestationPrimitives) and checks the certification path
//   configured Intel root -> PCK intermediate -> PCK leaf -> QE report -> attestation key -> quote.
// ECDSA P-256 signatures are checked with node:crypto (OpenSSL), the same library that checks the
// X.509 chain; Intel's signatures are not low-S normalised, so no low-S rule applies (VER-SGX.6).
// What a production verifier must add (Intel TCB info, QE identity, CRLs, dates) is listed in
// VER-SGX.9. Nothing here throws: malformed input is an AttestationError.
import { createPublicKey, verify as nodeVerify, type KeyObject } from "node:crypto"
import { Either } from "effect"
import { bytesEqual, concatBytes, toHex } from "../../codec/Bytes.ts"
import type { CryptoService } from "../../crypto/Crypto.ts"
import {
  MAX_EVIDENCE_BYTES,
  attFail,
  type AttestationError,
  type EvidenceFacts,
  type PlatformAdapter,
} from "../Attestation.ts"
import { parsePemChain, verifyChain, type ParsedCert } from "./X509.ts"

// ------------------------------------------------------------------------------------------------
// Layout constants (VER-SGX.1..4)

export const SGX_QUOTE_HEADER_BYTES = 48
export const SGX_REPORT_BODY_BYTES = 384
/** header || report body: the bytes the attestation key signs (VER-SGX.6). */
export const SGX_QUOTE_SIGNED_BYTES = SGX_QUOTE_HEADER_BYTES + SGX_REPORT_BODY_BYTES // 432
/** Offset of signature_data (after the u32 signature_data_len). */
export const SGX_SIGNATURE_DATA_OFFSET = SGX_QUOTE_SIGNED_BYTES + 4 // 436
export const SGX_ATT_KEY_TYPE_ECDSA_P256 = 2
export const SGX_TEE_TYPE_SGX = 0x00000000
export const SGX_TEE_TYPE_TDX = 0x00000081
export const SGX_CERT_TYPE_PCK_CERT_CHAIN = 5
export const SGX_CERT_TYPE_QE_REPORT_CERT_DATA = 6
/** SGX_FLAGS_DEBUG in ATTRIBUTES.FLAGS (bit 1 of the little-endian u64). */
export const SGX_FLAGS_DEBUG = 0x02
/** Largest quote accepted: the attestation's evidence bound (VER-ATT.1). */
export const MAX_SGX_QUOTE_BYTES = MAX_EVIDENCE_BYTES

// ------------------------------------------------------------------------------------------------
// Parsed form

/** sgx_report_body_t (384 bytes, sgx_report.h), VER-SGX.2. Reserved fields are kept only inside `raw`. */
export interface SgxReportBody {
  /** The 384 bytes as they appear in the quote (what signatures cover). */
  readonly raw: Uint8Array
  readonly cpuSvn: Uint8Array
  readonly miscSelect: number
  readonly isvExtProdId: Uint8Array
  readonly attributes: Uint8Array
  readonly mrEnclave: Uint8Array
  readonly mrSigner: Uint8Array
  readonly configId: Uint8Array
  readonly isvProdId: number
  readonly isvSvn: number
  readonly configSvn: number
  readonly isvFamilyId: Uint8Array
  readonly reportData: Uint8Array
}

export interface SgxQuote {
  readonly version: 3 | 4
  readonly attKeyType: number
  /** v4 tee_type; v3 att_key_data_0. Always 0 (SGX) in an accepted quote. */
  readonly teeType: number
  readonly qeSvn: number
  readonly pceSvn: number
  readonly qeVendorId: Uint8Array
  readonly userData: Uint8Array
  readonly reportBody: SgxReportBody
  /** header || report body (432 bytes): what `signature` signs. */
  readonly signedBytes: Uint8Array
  readonly signatureDataLen: number
  /** ECDSA P-256 signature r || s (big-endian) by the attestation key. */
  readonly signature: Uint8Array
  /** Attestation public key x || y (big-endian, 64 bytes). */
  readonly attestPubKey: Uint8Array
  /** Outer certification data type: 5 (v3) or 6 (v4). */
  readonly certificationDataType: number
  readonly qeReport: SgxReportBody
  /** ECDSA P-256 signature r || s by the PCK leaf key over qeReport.raw. */
  readonly qeReportSignature: Uint8Array
  readonly qeAuthData: Uint8Array
  /** The PEM PCK certificate chain bytes (certification data type 5), as in the quote. */
  readonly pckCertChain: Uint8Array
  /** The parsed PCK chain, leaf first. */
  readonly pckChain: ReadonlyArray<ParsedCert>
}

// ------------------------------------------------------------------------------------------------
// Parsing (VER-SGX.1..5)

class Reader {
  pos: number
  constructor(
    readonly b: Uint8Array,
    readonly start: number,
    readonly end: number,
  ) {
    this.pos = start
  }
  get left(): number {
    return this.end - this.pos
  }
  take(n: number): Uint8Array | undefined {
    if (n > this.left) return undefined
    const out = this.b.slice(this.pos, this.pos + n)
    this.pos += n
    return out
  }
  u16(): number | undefined {
    if (this.left < 2) return undefined
    const v = (this.b[this.pos] as number) | ((this.b[this.pos + 1] as number) << 8)
    this.pos += 2
    return v
  }
  u32(): number | undefined {
    if (this.left < 4) return undefined
    const v = u32le(this.b, this.pos)
    this.pos += 4
    return v
  }
}

const u16le = (b: Uint8Array, o: number): number => (b[o] as number) | ((b[o + 1] as number) << 8)
const u32le = (b: Uint8Array, o: number): number =>
  ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16)) + (b[o + 3] as number) * 0x1000000

/** Decode a 384-byte sgx_report_body_t (VER-SGX.2). */
export const parseReportBody = (raw: Uint8Array): SgxReportBody => ({
  raw,
  cpuSvn: raw.slice(0, 16),
  miscSelect: u32le(raw, 16),
  isvExtProdId: raw.slice(32, 48),
  attributes: raw.slice(48, 64),
  mrEnclave: raw.slice(64, 96),
  mrSigner: raw.slice(128, 160),
  configId: raw.slice(192, 256),
  isvProdId: u16le(raw, 256),
  isvSvn: u16le(raw, 258),
  configSvn: u16le(raw, 260),
  isvFamilyId: raw.slice(304, 320),
  reportData: raw.slice(320, 384),
})

const truncated = (what: string) => attFail("ATT_DECODE", `SGX quote truncated: ${what}`)

interface QeSection {
  readonly qeReport: SgxReportBody
  readonly qeReportSignature: Uint8Array
  readonly qeAuthData: Uint8Array
  readonly pckCertChain: Uint8Array
}

/**
 * qe_report || qe_report_sig || auth data || certification data (type 5), filling `r` exactly:
 * the v3 tail (VER-SGX.3) and the content of v4's type-6 certification data (VER-SGX.4).
 */
const parseQeSection = (r: Reader): Either.Either<QeSection, AttestationError> => {
  const qeRaw = r.take(SGX_REPORT_BODY_BYTES)
  if (qeRaw === undefined) return truncated("qe_report")
  const qeReportSignature = r.take(64)
  if (qeReportSignature === undefined) return truncated("qe_report_sig")
  const authSize = r.u16()
  if (authSize === undefined) return truncated("qe_auth_data size")
  const qeAuthData = r.take(authSize)
  if (qeAuthData === undefined) return truncated("qe_auth_data")
  const certType = r.u16()
  if (certType === undefined) return truncated("certification data type")
  if (certType !== SGX_CERT_TYPE_PCK_CERT_CHAIN)
    return attFail("ATT_DECODE", `SGX quote: PCK certification data type ${certType}, expected ${SGX_CERT_TYPE_PCK_CERT_CHAIN}`)
  const certSize = r.u32()
  if (certSize === undefined) return truncated("certification data size")
  if (certSize !== r.left)
    return attFail("ATT_DECODE", `SGX quote: PCK certification data size ${certSize}, ${r.left} bytes remain`)
  const pckCertChain = r.take(certSize) as Uint8Array
  return Either.right({ qeReport: parseReportBody(qeRaw), qeReportSignature, qeAuthData, pckCertChain })
}

/**
 * Parse an SGX DCAP ECDSA-P256 quote, version 3 or 4, tee_type SGX (VER-SGX.1..5). Every length
 * field must match the bytes exactly (no truncation, no trailing bytes); the PCK chain must be a
 * PEM chain of DER certificates (VER-X509.1/2). ATT_DECODE otherwise. Checks no signature.
 */
export const parseSgxQuote = (bytes: Uint8Array): Either.Either<SgxQuote, AttestationError> => {
  if (!(bytes instanceof Uint8Array)) return attFail("ATT_DECODE", "SGX quote: not bytes")
  if (bytes.length > MAX_SGX_QUOTE_BYTES) return attFail("ATT_DECODE", `SGX quote: ${bytes.length} bytes > ${MAX_SGX_QUOTE_BYTES}`)
  if (bytes.length < SGX_QUOTE_HEADER_BYTES) return truncated("header")
  const version = u16le(bytes, 0)
  const attKeyType = u16le(bytes, 2)
  const teeType = u32le(bytes, 4)
  const tdx = (version === 4 || version === 5) && teeType === SGX_TEE_TYPE_TDX
  if (version !== 3 && version !== 4 && !tdx) return attFail("ATT_DECODE", `unsupported quote version ${version}`)
  if (attKeyType !== SGX_ATT_KEY_TYPE_ECDSA_P256)
    return attFail("ATT_DECODE", `unsupported attestation key type ${attKeyType}, expected ${SGX_ATT_KEY_TYPE_ECDSA_P256} (ECDSA-256-with-P-256)`)
  if (tdx)
    return attFail("ATT_UNSUPPORTED_TEE", `Intel TDX quote (version ${version}, tee_type 0x81): TDX is not a supported platform (VER-SGX.1)`)
  if (teeType !== SGX_TEE_TYPE_SGX) return attFail("ATT_DECODE", `unsupported tee type 0x${teeType.toString(16)}`)
  if (bytes.length < SGX_SIGNATURE_DATA_OFFSET) return truncated("report body")
  const signatureDataLen = u32le(bytes, SGX_QUOTE_SIGNED_BYTES)
  const rest = bytes.length - SGX_SIGNATURE_DATA_OFFSET
  if (signatureDataLen !== rest)
    return attFail("ATT_DECODE", `SGX quote: signature_data_len ${signatureDataLen}, ${rest} bytes follow`)
  const r = new Reader(bytes, SGX_SIGNATURE_DATA_OFFSET, bytes.length)
  const signature = r.take(64)
  if (signature === undefined) return truncated("signature")
  const attestPubKey = r.take(64)
  if (attestPubKey === undefined) return truncated("attest_pub_key")
  let certificationDataType = SGX_CERT_TYPE_PCK_CERT_CHAIN
  let qe: Either.Either<QeSection, AttestationError>
  if (version === 3) qe = parseQeSection(r)
  else {
    const t = r.u16()
    if (t === undefined) return truncated("certification data type")
    if (t !== SGX_CERT_TYPE_QE_REPORT_CERT_DATA)
      return attFail("ATT_DECODE", `SGX v4 quote: certification data type ${t}, expected ${SGX_CERT_TYPE_QE_REPORT_CERT_DATA}`)
    const size = r.u32()
    if (size === undefined) return truncated("certification data size")
    if (size !== r.left) return attFail("ATT_DECODE", `SGX v4 quote: certification data size ${size}, ${r.left} bytes remain`)
    certificationDataType = t
    qe = parseQeSection(new Reader(bytes, r.pos, r.end))
  }
  if (Either.isLeft(qe)) return Either.left(qe.left)
  const chain = parsePemChain(qe.right.pckCertChain)
  if (Either.isLeft(chain)) return attFail("ATT_DECODE", `SGX quote: PCK chain: ${chain.left.detail}`)
  return Either.right({
    version: version as 3 | 4, // 5 only with TDX, rejected above
    attKeyType,
    teeType,
    qeSvn: u16le(bytes, 8),
    pceSvn: u16le(bytes, 10),
    qeVendorId: bytes.slice(12, 28),
    userData: bytes.slice(28, 48),
    reportBody: parseReportBody(bytes.slice(SGX_QUOTE_HEADER_BYTES, SGX_QUOTE_SIGNED_BYTES)),
    signedBytes: bytes.slice(0, SGX_QUOTE_SIGNED_BYTES),
    signatureDataLen,
    signature,
    attestPubKey,
    certificationDataType,
    ...qe.right,
    pckChain: chain.right,
  })
}

/**
 * The length of the quote at the start of `bytes` as its header declares it (436 + signature_data_len),
 * or undefined when fewer than 436 bytes are given. Used to tell a quote from the zero padding of the
 * fixed-size buffer it was written into (CLI-ATTEST.7); the quote itself is still parsed exactly.
 */
export const sgxQuoteDeclaredLength = (bytes: Uint8Array): number | undefined =>
  bytes.length < SGX_SIGNATURE_DATA_OFFSET ? undefined : SGX_SIGNATURE_DATA_OFFSET + u32le(bytes, SGX_QUOTE_SIGNED_BYTES)

// ------------------------------------------------------------------------------------------------
// Inspection

const reportBodyJson = (b: SgxReportBody): Record<string, unknown> => ({
  cpu_svn: toHex(b.cpuSvn),
  misc_select: b.miscSelect,
  isv_ext_prod_id: toHex(b.isvExtProdId),
  attributes: toHex(b.attributes),
  mr_enclave: toHex(b.mrEnclave),
  mr_signer: toHex(b.mrSigner),
  config_id: toHex(b.configId),
  isv_prod_id: b.isvProdId,
  isv_svn: b.isvSvn,
  config_svn: b.configSvn,
  isv_family_id: toHex(b.isvFamilyId),
  report_data: toHex(b.reportData),
})

/**
 * A JSON-able view of a quote (parse only, no signature checks), field names as in Intel's headers;
 * byte fields are lower-case hex.
 */
export const inspectSgxQuote = (bytes: Uint8Array): Either.Either<Record<string, unknown>, AttestationError> =>
  Either.map(parseSgxQuote(bytes), (q) => ({
    version: q.version,
    att_key_type: q.attKeyType,
    tee_type: q.teeType,
    qe_svn: q.qeSvn,
    pce_svn: q.pceSvn,
    qe_vendor_id: toHex(q.qeVendorId),
    user_data: toHex(q.userData),
    ...reportBodyJson(q.reportBody),
    signature_data_len: q.signatureDataLen,
    signature: toHex(q.signature),
    attest_pub_key: toHex(q.attestPubKey),
    certification_data_type: q.certificationDataType,
    qe_report: reportBodyJson(q.qeReport),
    qe_report_sig: toHex(q.qeReportSignature),
    qe_auth_data: toHex(q.qeAuthData),
    pck_cert_chain_type: SGX_CERT_TYPE_PCK_CERT_CHAIN,
    pck_chain: q.pckChain.map((c) => ({ subject: c.subject, issuer: c.issuer, serial_number: c.serialNumber })),
  }))

// ------------------------------------------------------------------------------------------------
// Verification (VER-SGX.6..8)

// SubjectPublicKeyInfo prefix for an uncompressed P-256 point (id-ecPublicKey, prime256v1).
const P256_SPKI_PREFIX = Uint8Array.from(Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex"))

// Importing a key costs OpenSSL more than a verification, and a QE's attestation key signs many
// quotes: imported keys (and rejected encodings) are memoised by their 64 bytes, least recently used
// first out. The result depends only on the bytes.
const KEY_CACHE_ENTRIES = 512
const keyCache = new Map<string, KeyObject | null>()

/** A P-256 public key from x || y, or undefined if it is not a point on the curve. */
const p256KeyFromRaw = (xy: Uint8Array): KeyObject | undefined => {
  if (xy.length !== 64) return undefined
  const id = toHex(xy)
  const hit = keyCache.get(id)
  if (hit !== undefined) {
    keyCache.delete(id)
    keyCache.set(id, hit)
    return hit ?? undefined
  }
  let k: KeyObject | null
  try {
    k = createPublicKey({ key: Buffer.from(concatBytes(P256_SPKI_PREFIX, Uint8Array.of(0x04), xy)), format: "der", type: "spki" })
  } catch {
    k = null
  }
  keyCache.set(id, k)
  if (keyCache.size > KEY_CACHE_ENTRIES) {
    const oldest = keyCache.keys().next()
    if (oldest.done !== true) keyCache.delete(oldest.value)
  }
  return k ?? undefined
}

const isP256 = (k: KeyObject): boolean => k.asymmetricKeyType === "ec" && k.asymmetricKeyDetails?.namedCurve === "prime256v1"

/** ECDSA P-256 / SHA-256 verification of a raw r || s signature (VER-SGX.6). Never throws. */
export const verifyP256Raw = (sig: Uint8Array, msg: Uint8Array, key: KeyObject): boolean => {
  if (sig.length !== 64) return false
  try {
    return nodeVerify("sha256", msg, { key, dsaEncoding: "ieee-p1363" }, sig)
  } catch {
    return false
  }
}

/**
 * Verify a parsed quote (VER-SGX.6, VER-SGX.7) in this order: PCK chain to a configured root
 * (ATT_BAD_CHAIN); PCK leaf key is P-256 (ATT_BAD_CHAIN); QE report signature by the PCK leaf
 * (ATT_BAD_CHAIN); QE report_data binds the attestation key and the QE auth data (ATT_BAD_CHAIN);
 * quote signature by the attestation key (ATT_BAD_SIGNATURE); the enclave is not in debug mode
 * (ATT_DEBUG).
 */
export const verifySgxQuote = (
  crypto: CryptoService,
  q: SgxQuote,
  roots: ReadonlyArray<Uint8Array>,
): Either.Either<EvidenceFacts, AttestationError> => {
  const leaf = verifyChain(q.pckChain, roots)
  if (Either.isLeft(leaf)) return Either.left(leaf.left)
  const pck = leaf.right.publicKey
  if (!isP256(pck)) return attFail("ATT_BAD_CHAIN", "PCK leaf key is not an ECDSA P-256 key")
  if (!verifyP256Raw(q.qeReportSignature, q.qeReport.raw, pck))
    return attFail("ATT_BAD_CHAIN", "QE report signature does not verify under the PCK leaf key")
  const binding = crypto.sha256(concatBytes(q.attestPubKey, q.qeAuthData))
  const rd = q.qeReport.reportData
  if (!bytesEqual(rd.subarray(0, 32), binding) || !rd.subarray(32, 64).every((b) => b === 0))
    return attFail("ATT_BAD_CHAIN", "QE report data does not bind the attestation key (SHA-256(attest_pub_key || qe_auth_data) || 0^32)")
  const attKey = p256KeyFromRaw(q.attestPubKey)
  if (attKey === undefined) return attFail("ATT_BAD_SIGNATURE", "attestation key is not a P-256 point")
  if (!verifyP256Raw(q.signature, q.signedBytes, attKey))
    return attFail("ATT_BAD_SIGNATURE", "quote signature does not verify under the attestation key")
  if (((q.reportBody.attributes[0] as number) & SGX_FLAGS_DEBUG) !== 0)
    return attFail("ATT_DEBUG", "enclave runs in debug mode (ATTRIBUTES.FLAGS.DEBUG set)")
  return Either.right({ devicePubKey: undefined, measurement: q.reportBody.mrEnclave, reportData: q.reportBody.reportData })
}

/** The SGX DCAP adapter (VER-SGX.8): parse, then verify. Never throws. */
export const sgxDcapAdapter: PlatformAdapter = {
  platform: "sgx-dcap",
  verifyEvidence: (crypto, evidence, roots) => {
    try {
      const q = parseSgxQuote(evidence)
      if (Either.isLeft(q)) return Either.left(q.left)
      return verifySgxQuote(crypto, q.right, roots)
    } catch (e) {
      return attFail("ATT_DECODE", `SGX quote: ${e instanceof Error ? e.message : String(e)}`)
    }
  },
}
