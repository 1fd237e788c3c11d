// spec: VER-SNP.1..9 (spec/13-tee-sev-snp-psa.md)
// Source: AMD pub. 56860 "SEV Secure Nested Paging Firmware ABI Specification", table
// "ATTESTATION_REPORT Structure".
// AMD SEV-SNP adapter. The vendor part of the evidence is the 1184-byte ATTESTATION_REPORT exactly as
// the AMD Secure Processor returns it; poai wraps it with the VCEK and ASK certificates in a canonical
// CBOR container (VER-SNP.1) so that the evidence is self-contained. The chain ARK -> ASK -> VCEK is
// checked with the shared X.509 rules (VER-X509.*), the report signature (ECDSA P-384/SHA-384, little-
// endian R and S) under the VCEK key.
import { verify as nodeVerify, type KeyObject } from "node:crypto"
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js"
import { Either, Schema } from "effect"
import { concatBytes, toHex } from "../../codec/Bytes.ts"
import { DOMAIN, tagged } from "../../codec/Canonical.ts"
import { makeCodec } from "../../codec/Codec.ts"
import { boundedBytes } from "../../domain/Primitives.ts"
import { attFail, type AttestationError, type EvidenceFacts, type PlatformAdapter } from "../Attestation.ts"
import { MAX_CERT_BYTES, parseCertDer, verifyChain, type ParsedCert } from "./X509.ts"

// ------------------------------------------------------------------------------------------------
// Layout (VER-SNP.2)

/** Size of ATTESTATION_REPORT (0x4A0). */
export const SNP_REPORT_BYTES = 0x4a0
/** The signature covers report[0x000 .. 0x2A0). */
export const SNP_SIGNED_BYTES = 0x2a0
/** Report versions accepted (VER-SNP.2). */
export const SNP_SUPPORTED_VERSIONS: ReadonlyArray<number> = [2, 3, 5]
/** SIGNATURE_ALGO value of ECDSA P-384 with SHA-384 (pub. 56860, Table "Signature Algorithm Encodings"). */
export const SNP_SIG_ALGO_ECDSA_P384_SHA384 = 1
/** Width of each of R and S in the signature field (little-endian, zero-extended). */
export const SNP_SIG_COMPONENT_BYTES = 72

/** Field offsets of ATTESTATION_REPORT (pub. 56860, Table "ATTESTATION_REPORT Structure"). */
export const SNP_OFFSET = {
  version: 0x000,
  guestSvn: 0x004,
  policy: 0x008,
  familyId: 0x010,
  imageId: 0x020,
  vmpl: 0x030,
  signatureAlgo: 0x034,
  currentTcb: 0x038,
  platformInfo: 0x040,
  signerInfo: 0x048,
  reportData: 0x050,
  measurement: 0x090,
  hostData: 0x0c0,
  idKeyDigest: 0x0e0,
  authorKeyDigest: 0x110,
  reportId: 0x140,
  reportIdMa: 0x160,
  reportedTcb: 0x180,
  cpuidFamId: 0x188,
  cpuidModId: 0x189,
  cpuidStep: 0x18a,
  chipId: 0x1a0,
  committedTcb: 0x1e0,
  currentBuild: 0x1e8,
  currentMinor: 0x1e9,
  currentMajor: 0x1ea,
  committedBuild: 0x1ec,
  committedMinor: 0x1ed,
  committedMajor: 0x1ee,
  launchTcb: 0x1f0,
  launchMitVector: 0x1f8,
  currentMitVector: 0x200,
  signature: 0x2a0,
} as const

/** POLICY bit 19 (DEBUG): the host may debug, i.e. decrypt and change, the guest (pub. 56860, "Guest Policy"). */
export const SNP_POLICY_DEBUG = 1n << 19n

/** P-384 group order n. */
const P384_N = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n

export interface SnpReport {
  /** The 1184 report bytes as given. */
  readonly raw: Uint8Array
  readonly version: number
  readonly guestSvn: number
  readonly policy: bigint
  readonly familyId: Uint8Array
  readonly imageId: Uint8Array
  readonly vmpl: number
  readonly signatureAlgo: number
  readonly currentTcb: bigint
  readonly platformInfo: bigint
  /** The u32 at 0x48: AUTHOR_KEY_EN (bit 0), MASK_CHIP_KEY (bit 1), SIGNING_KEY (bits 4:2). */
  readonly signerInfo: number
  readonly reportData: Uint8Array
  readonly measurement: Uint8Array
  readonly hostData: Uint8Array
  readonly idKeyDigest: Uint8Array
  readonly authorKeyDigest: Uint8Array
  readonly reportId: Uint8Array
  readonly reportIdMa: Uint8Array
  readonly reportedTcb: bigint
  /** CPUID family/model/stepping (versions >= 3), else undefined. */
  readonly cpuid: { readonly famId: number; readonly modId: number; readonly step: number } | undefined
  readonly chipId: Uint8Array
  readonly committedTcb: bigint
  readonly current: { readonly build: number; readonly minor: number; readonly major: number }
  readonly committed: { readonly build: number; readonly minor: number; readonly major: number }
  readonly launchTcb: bigint
  /** LAUNCH_MIT_VECTOR and CURRENT_MIT_VECTOR (version 5), else undefined. */
  readonly mitVectors: { readonly launch: bigint; readonly current: bigint } | undefined
  /** R and S exactly as stored: 72 bytes each, little-endian. */
  readonly signatureR: Uint8Array
  readonly signatureS: Uint8Array
}

const u32 = (b: Uint8Array, o: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o, true)
const u64 = (b: Uint8Array, o: number): bigint => new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(o, true)
const slice = (b: Uint8Array, o: number, n: number): Uint8Array => b.slice(o, o + n)
const leToBigInt = (b: Uint8Array): bigint => {
  let x = 0n
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i] as number)
  return x
}
const allZero = (b: Uint8Array): boolean => b.every((x) => x === 0)

/**
 * Parse a raw ATTESTATION_REPORT (VER-SNP.2): exactly 1184 bytes, VERSION in {2, 3, 5}, and, for
 * SIGNATURE_ALGO = 1, the signature field's bytes after R and S (0x330..0x4A0) zero. Does not check
 * the signature. Never throws.
 */
export const parseSnpReport = (bytes: Uint8Array): Either.Either<SnpReport, AttestationError> => {
  if (!(bytes instanceof Uint8Array)) return attFail("ATT_DECODE", "snp report: not bytes")
  if (bytes.length !== SNP_REPORT_BYTES)
    return attFail("ATT_DECODE", `snp report: ${bytes.length} bytes, expected ${SNP_REPORT_BYTES}`)
  const b = bytes.slice()
  const O = SNP_OFFSET
  const version = u32(b, O.version)
  if (!SNP_SUPPORTED_VERSIONS.includes(version))
    return attFail("ATT_DECODE", `snp report: version ${version} is not one of ${SNP_SUPPORTED_VERSIONS.join(", ")}`)
  const signatureAlgo = u32(b, O.signatureAlgo)
  const sigField = b.subarray(O.signature)
  if (signatureAlgo === SNP_SIG_ALGO_ECDSA_P384_SHA384 && !allZero(sigField.subarray(2 * SNP_SIG_COMPONENT_BYTES)))
    return attFail("ATT_DECODE", "snp report: reserved bytes after the ECDSA signature are not zero")
  return Either.right({
    raw: b,
    version,
    guestSvn: u32(b, O.guestSvn),
    policy: u64(b, O.policy),
    familyId: slice(b, O.familyId, 16),
    imageId: slice(b, O.imageId, 16),
    vmpl: u32(b, O.vmpl),
    signatureAlgo,
    currentTcb: u64(b, O.currentTcb),
    platformInfo: u64(b, O.platformInfo),
    signerInfo: u32(b, O.signerInfo),
    reportData: slice(b, O.reportData, 64),
    measurement: slice(b, O.measurement, 48),
    hostData: slice(b, O.hostData, 32),
    idKeyDigest: slice(b, O.idKeyDigest, 48),
    authorKeyDigest: slice(b, O.authorKeyDigest, 48),
    reportId: slice(b, O.reportId, 32),
    reportIdMa: slice(b, O.reportIdMa, 32),
    reportedTcb: u64(b, O.reportedTcb),
    cpuid: version >= 3 ? { famId: b[O.cpuidFamId] as number, modId: b[O.cpuidModId] as number, step: b[O.cpuidStep] as number } : undefined,
    chipId: slice(b, O.chipId, 64),
    committedTcb: u64(b, O.committedTcb),
    current: { build: b[O.currentBuild] as number, minor: b[O.currentMinor] as number, major: b[O.currentMajor] as number },
    committed: { build: b[O.committedBuild] as number, minor: b[O.committedMinor] as number, major: b[O.committedMajor] as number },
    launchTcb: u64(b, O.launchTcb),
    mitVectors: version >= 5 ? { launch: u64(b, O.launchMitVector), current: u64(b, O.currentMitVector) } : undefined,
    signatureR: slice(sigField, 0, SNP_SIG_COMPONENT_BYTES),
    signatureS: slice(sigField, SNP_SIG_COMPONENT_BYTES, SNP_SIG_COMPONENT_BYTES),
  })
}

// ------------------------------------------------------------------------------------------------
// Evidence container (VER-SNP.1)

const ReportBytes = Schema.Uint8ArrayFromSelf.pipe(
  Schema.filter((b) => b.length === SNP_REPORT_BYTES || `expected ${SNP_REPORT_BYTES} bytes, got ${b.length}`),
  Schema.annotations({ identifier: "SnpReportBytes" }),
)

/** poai's SEV-SNP evidence: canonical CBOR map {report, vcek, ask} (VER-SNP.1). */
export const SnpEvidence = Schema.Struct({
  report: ReportBytes,
  vcek: boundedBytes(MAX_CERT_BYTES, "VcekCertificate"),
  ask: boundedBytes(MAX_CERT_BYTES, "AskCertificate"),
}).annotations({ identifier: "SnpEvidence" })
export type SnpEvidence = typeof SnpEvidence.Type
export const SnpEvidenceCodec = makeCodec("SnpEvidence", SnpEvidence)

// ------------------------------------------------------------------------------------------------
// Certificate table of an extended report (VER-SNP.10)

/** GUIDs of the certificate table SNP_GET_EXT_REPORT fills (GHCB spec, RFC 4122 byte order). */
export const SNP_CERT_GUID = {
  vcek: "63da758d-e664-4564-adc5-f4b93be8accd",
  ask: "4ab7b379-bbac-4fe4-a02f-05aef327c782",
  ark: "c0b406a4-a803-4952-9743-3fb6014cd0ae",
  vlek: "a8074bc2-a25a-483e-aae6-39c045a0b8a1",
} as const
/** Largest certificate table read (the host's certificate buffer is a few pages). */
export const SNP_MAX_CERT_TABLE_BYTES = 64 * 1024
const CERT_TABLE_ENTRY_BYTES = 24

const guidString = (b: Uint8Array): string => {
  const h = toHex(b)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

export interface SnpCertTable {
  readonly vcek: Uint8Array | undefined
  readonly ask: Uint8Array | undefined
  readonly ark: Uint8Array | undefined
  /** GUID of every entry, in table order. */
  readonly guids: ReadonlyArray<string>
}

/**
 * Parse the certificate table of SNP_GET_EXT_REPORT (VER-SNP.10): entries {GUID (16 B), offset (u32
 * LE), length (u32 LE)} up to an all-zero entry; each certificate lies at [offset, offset + length)
 * from the table's start, after the entries and inside the table. A repeated GUID, a missing
 * terminator or a range outside the table is ATT_DECODE. Unknown GUIDs are ignored. Never throws.
 */
export const parseSnpCertTable = (table: Uint8Array): Either.Either<SnpCertTable, AttestationError> => {
  if (!(table instanceof Uint8Array)) return attFail("ATT_DECODE", "snp certificate table: not bytes")
  if (table.length > SNP_MAX_CERT_TABLE_BYTES)
    return attFail("ATT_DECODE", `snp certificate table: ${table.length} bytes > ${SNP_MAX_CERT_TABLE_BYTES}`)
  const entries: Array<{ guid: string; offset: number; length: number }> = []
  let pos = 0
  for (;;) {
    if (pos + CERT_TABLE_ENTRY_BYTES > table.length) return attFail("ATT_DECODE", "snp certificate table: no all-zero terminating entry")
    const e = table.subarray(pos, pos + CERT_TABLE_ENTRY_BYTES)
    pos += CERT_TABLE_ENTRY_BYTES
    if (allZero(e)) break
    entries.push({ guid: guidString(e.subarray(0, 16)), offset: u32(e, 16), length: u32(e, 20) })
  }
  const found: Record<string, Uint8Array> = {}
  for (const [i, e] of entries.entries()) {
    if (e.guid in found) return attFail("ATT_DECODE", `snp certificate table: GUID ${e.guid} appears twice`)
    if (e.offset < pos || e.offset + e.length > table.length)
      return attFail("ATT_DECODE", `snp certificate table: entry ${i} (${e.guid}) lies outside the table's data`)
    found[e.guid] = table.slice(e.offset, e.offset + e.length)
  }
  return Either.right({
    vcek: found[SNP_CERT_GUID.vcek],
    ask: found[SNP_CERT_GUID.ask],
    ark: found[SNP_CERT_GUID.ark],
    guids: entries.map((e) => e.guid),
  })
}

/** Build a certificate table (VER-SNP.10) from (GUID, DER) pairs: entries, terminator, then the certificates. */
export const buildSnpCertTable = (certs: ReadonlyArray<readonly [guid: string, der: Uint8Array]>): Uint8Array => {
  const header = (certs.length + 1) * CERT_TABLE_ENTRY_BYTES
  const total = header + certs.reduce((n, [, d]) => n + d.length, 0)
  const out = new Uint8Array(total)
  const dv = new DataView(out.buffer)
  let off = header
  for (const [i, [guid, der]] of certs.entries()) {
    out.set(Uint8Array.from(Buffer.from(guid.replace(/-/g, ""), "hex")), i * CERT_TABLE_ENTRY_BYTES)
    dv.setUint32(i * CERT_TABLE_ENTRY_BYTES + 16, off, true)
    dv.setUint32(i * CERT_TABLE_ENTRY_BYTES + 20, der.length, true)
    out.set(der, off)
    off += der.length
  }
  return out
}

/**
 * poai's container (VER-SNP.1) from a raw report and the DER VCEK and ASK an operator holds
 * (CLI-ATTEST.8). Checks only the report's size: verification then reads the container. Never throws.
 */
export const snpEvidenceFromParts = (
  report: Uint8Array,
  vcek: Uint8Array,
  ask: Uint8Array,
): Either.Either<Uint8Array, AttestationError> => {
  if (report.length !== SNP_REPORT_BYTES) return attFail("ATT_DECODE", `snp report: ${report.length} bytes, expected ${SNP_REPORT_BYTES}`)
  if (vcek.length > MAX_CERT_BYTES) return attFail("ATT_DECODE", `snp vcek: ${vcek.length} bytes > ${MAX_CERT_BYTES}`)
  if (ask.length > MAX_CERT_BYTES) return attFail("ATT_DECODE", `snp ask: ${ask.length} bytes > ${MAX_CERT_BYTES}`)
  return Either.right(SnpEvidenceCodec.encode({ report, vcek, ask }))
}

// ------------------------------------------------------------------------------------------------
// Measurement mapping (VER-SNP.6)

/**
 * The 32-byte poai measurement of an SNP report (VER-SNP.6):
 *   SHA-256(tagged("POAI/v1/snp-measurement", MEASUREMENT (48 B) || POLICY (u64 LE) || VMPL (u32 LE)))
 * i.e. the 60 bytes at 0x090, 0x008 and 0x030 of the report, in that order.
 */
export const snpMeasurement = (r: SnpReport, sha256: (b: Uint8Array) => Uint8Array = nobleSha256): Uint8Array =>
  sha256(
    tagged(
      DOMAIN.snpMeasurement,
      concatBytes(r.measurement, r.raw.subarray(SNP_OFFSET.policy, SNP_OFFSET.policy + 8), r.raw.subarray(SNP_OFFSET.vmpl, SNP_OFFSET.vmpl + 4)),
    ),
  )

// ------------------------------------------------------------------------------------------------
// Signature (VER-SNP.4) and adapter (VER-SNP.5..7)

const isP384 = (k: KeyObject): boolean => k.asymmetricKeyType === "ec" && k.asymmetricKeyDetails?.namedCurve === "secp384r1"

/** Big-endian 48-byte form of a 72-byte little-endian component, or undefined if it is out of range. */
const componentBE = (le: Uint8Array): Uint8Array | undefined => {
  if (!allZero(le.subarray(48))) return undefined
  const v = leToBigInt(le.subarray(0, 48))
  if (v < 1n || v >= P384_N) return undefined
  return le.slice(0, 48).reverse()
}

/** Check the report signature under a P-384 key (VER-SNP.4). Never throws. */
export const verifySnpReportSignature = (r: SnpReport, key: KeyObject): Either.Either<void, AttestationError> => {
  if (r.signatureAlgo !== SNP_SIG_ALGO_ECDSA_P384_SHA384)
    return attFail("ATT_BAD_SIGNATURE", `snp signature_algo ${r.signatureAlgo} is not ECDSA P-384 with SHA-384 (1)`)
  const rBE = componentBE(r.signatureR)
  const sBE = componentBE(r.signatureS)
  if (rBE === undefined || sBE === undefined)
    return attFail("ATT_BAD_SIGNATURE", "snp signature R or S is not in [1, n-1] (or its bytes 48..71 are not zero)")
  let ok = false
  try {
    ok = nodeVerify("sha384", r.raw.subarray(0, SNP_SIGNED_BYTES), { key, dsaEncoding: "ieee-p1363" }, concatBytes(rBE, sBE))
  } catch {
    ok = false
  }
  return ok ? Either.right(undefined) : attFail("ATT_BAD_SIGNATURE", "snp report signature does not verify under the VCEK key")
}

export interface SnpVerified {
  readonly report: SnpReport
  readonly vcek: ParsedCert
}

/** Decode the container, parse the report and certificates (VER-SNP.1..2). Never throws. */
const decodeSnpEvidence = (
  evidence: Uint8Array,
): Either.Either<{ readonly report: SnpReport; readonly vcek: ParsedCert; readonly ask: ParsedCert }, AttestationError> => {
  const d = SnpEvidenceCodec.decode(evidence)
  if (Either.isLeft(d)) return attFail("ATT_DECODE", `snp evidence: ${d.left.message}`)
  const report = parseSnpReport(d.right.report)
  if (Either.isLeft(report)) return Either.left(report.left)
  const vcek = parseCertDer(d.right.vcek)
  if (Either.isLeft(vcek)) return attFail("ATT_DECODE", `snp evidence: vcek: ${vcek.left.detail}`)
  const ask = parseCertDer(d.right.ask)
  if (Either.isLeft(ask)) return attFail("ATT_DECODE", `snp evidence: ask: ${ask.left.detail}`)
  return Either.right({ report: report.right, vcek: vcek.right, ask: ask.right })
}

/** Verify SNP evidence against ARK roots (VER-SNP.3..7): chain, signature, debug policy. Never throws. */
export const verifySnpEvidence = (
  sha256: (b: Uint8Array) => Uint8Array,
  evidence: Uint8Array,
  roots: ReadonlyArray<Uint8Array>,
): Either.Either<EvidenceFacts & SnpVerified, AttestationError> => {
  const d = decodeSnpEvidence(evidence)
  if (Either.isLeft(d)) return Either.left(d.left)
  const { report, vcek, ask } = d.right
  const leaf = verifyChain([vcek, ask], roots)
  if (Either.isLeft(leaf)) return Either.left(leaf.left)
  if (!isP384(leaf.right.publicKey)) return attFail("ATT_BAD_CHAIN", "VCEK public key is not an EC P-384 key")
  const sig = verifySnpReportSignature(report, leaf.right.publicKey)
  if (Either.isLeft(sig)) return Either.left(sig.left)
  if ((report.policy & SNP_POLICY_DEBUG) !== 0n)
    return attFail("ATT_DEBUG", `snp guest policy 0x${report.policy.toString(16)} allows debugging (POLICY bit 19)`)
  return Either.right({
    devicePubKey: undefined,
    measurement: snpMeasurement(report, sha256),
    reportData: report.reportData,
    report,
    vcek: leaf.right,
  })
}

/** The sev-snp platform adapter (VER-SNP.3..7). */
export const sevSnpAdapter: PlatformAdapter = {
  platform: "sev-snp",
  verifyEvidence: (crypto, evidence, roots) => {
    const r = verifySnpEvidence(crypto.sha256, evidence, roots)
    if (Either.isLeft(r)) return Either.left(r.left)
    const { devicePubKey, measurement, reportData } = r.right
    return Either.right({ devicePubKey, measurement, reportData })
  },
}

// ------------------------------------------------------------------------------------------------
// Inspection (CLI-ATTEST.2)

const hex64 = (v: bigint): string => `0x${v.toString(16).padStart(16, "0")}`

/** The report's fields as JSON-able values: byte arrays lower-case hex, u64 as "0x" + 16 hex digits. */
export const snpReportFields = (r: SnpReport): Record<string, unknown> => ({
  version: r.version,
  guest_svn: r.guestSvn,
  policy: hex64(r.policy),
  family_id: toHex(r.familyId),
  image_id: toHex(r.imageId),
  vmpl: r.vmpl,
  signature_algo: r.signatureAlgo,
  current_tcb: hex64(r.currentTcb),
  platform_info: hex64(r.platformInfo),
  signer_info: r.signerInfo,
  report_data: toHex(r.reportData),
  measurement: toHex(r.measurement),
  host_data: toHex(r.hostData),
  id_key_digest: toHex(r.idKeyDigest),
  author_key_digest: toHex(r.authorKeyDigest),
  report_id: toHex(r.reportId),
  report_id_ma: toHex(r.reportIdMa),
  reported_tcb: hex64(r.reportedTcb),
  ...(r.cpuid === undefined ? {} : { cpuid_fam_id: r.cpuid.famId, cpuid_mod_id: r.cpuid.modId, cpuid_step: r.cpuid.step }),
  chip_id: toHex(r.chipId),
  committed_tcb: hex64(r.committedTcb),
  current_build: r.current.build,
  current_minor: r.current.minor,
  current_major: r.current.major,
  committed_build: r.committed.build,
  committed_minor: r.committed.minor,
  committed_major: r.committed.major,
  launch_tcb: hex64(r.launchTcb),
  ...(r.mitVectors === undefined ? {} : { launch_mit_vector: hex64(r.mitVectors.launch), current_mit_vector: hex64(r.mitVectors.current) }),
  signature_r: toHex(r.signatureR),
  signature_s: toHex(r.signatureS),
  poai_measurement: toHex(snpMeasurement(r)),
})

const certFields = (c: ParsedCert): Record<string, unknown> => ({
  subject: c.subject,
  issuer: c.issuer,
  serial_number: c.serialNumber,
  key_type: c.publicKey.asymmetricKeyType ?? null,
  sha256: toHex(nobleSha256(c.der)),
})

/**
 * Inspect SNP evidence (CLI-ATTEST.2): the poai container (report plus VCEK/ASK summaries) or a raw
 * 1184-byte report. Checks structure only, not the chain or signature. Never throws.
 */
export const inspectSnp = (bytes: Uint8Array): Either.Either<Record<string, unknown>, AttestationError> => {
  const c = decodeSnpEvidence(bytes)
  if (Either.isRight(c))
    return Either.right({ format: "poai-snp-evidence", report: snpReportFields(c.right.report), vcek: certFields(c.right.vcek), ask: certFields(c.right.ask) })
  if (bytes instanceof Uint8Array && bytes.length === SNP_REPORT_BYTES) {
    const r = parseSnpReport(bytes)
    if (Either.isLeft(r)) return Either.left(r.left)
    return Either.right({ format: "raw-attestation-report", report: snpReportFields(r.right) })
  }
  return Either.left(c.left)
}
