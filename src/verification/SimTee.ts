// spec: VER-ATT.10 (spec/11-compute-verification.md)
// The software "sim" TEE for testnets and tests. A sim vendor root (Ed25519) certifies device keys;
// a device key signs sim reports {measurement, reportData}; the evidence is the canonical CBOR of
// {certificate, report, reportSignature}. It gives no hardware isolation: a testnet that accepts
// the "sim" platform trusts whoever holds the sim root key.
import { Either, Schema } from "effect"
import { DOMAIN, tagged } from "../codec/Canonical.ts"
import { makeCodec } from "../codec/Codec.ts"
import { bytesEqual } from "../codec/Bytes.ts"
import type { CryptoService } from "../crypto/Crypto.ts"
import { Hash32, PubKey, Signature } from "../domain/Primitives.ts"
import {
  ATTESTATION_VERSION,
  REPORT_DATA_BYTES,
  attFail,
  attestationSigningBytes,
  bindingReportData,
  type EvidenceFacts,
  type PlatformAdapter,
  type UnifiedAttestation,
} from "./Attestation.ts"

const ReportData = Schema.Uint8ArrayFromSelf.pipe(
  Schema.filter((b) => b.length === REPORT_DATA_BYTES || `expected ${REPORT_DATA_BYTES} bytes, got ${b.length}`),
  Schema.annotations({ identifier: "ReportData" }),
)

/** Device certificate: the root's signature over {devicePubKey, issuer}; independent of any measurement. */
export const SimDeviceCertificate = Schema.Struct({
  devicePubKey: PubKey,
  issuer: PubKey,
  signature: Signature,
}).annotations({ identifier: "SimDeviceCertificate" })
export type SimDeviceCertificate = typeof SimDeviceCertificate.Type
export const UnsignedSimDeviceCertificate = SimDeviceCertificate.pipe(Schema.omit("signature"))

export const SimReport = Schema.Struct({
  measurement: Hash32,
  reportData: ReportData,
}).annotations({ identifier: "SimReport" })
export type SimReport = typeof SimReport.Type

export const SimEvidence = Schema.Struct({
  certificate: SimDeviceCertificate,
  report: SimReport,
  reportSignature: Signature,
}).annotations({ identifier: "SimEvidence" })
export type SimEvidence = typeof SimEvidence.Type

export const SimCodecs = {
  SimDeviceCertificate: makeCodec("SimDeviceCertificate", SimDeviceCertificate),
  UnsignedSimDeviceCertificate: makeCodec("UnsignedSimDeviceCertificate", UnsignedSimDeviceCertificate),
  SimReport: makeCodec("SimReport", SimReport),
  SimEvidence: makeCodec("SimEvidence", SimEvidence),
} as const

export const simCertSigningBytes = (c: { devicePubKey: Uint8Array; issuer: Uint8Array }): Uint8Array =>
  tagged(DOMAIN.simDeviceCert, SimCodecs.UnsignedSimDeviceCertificate.encode(c))
export const simReportSigningBytes = (r: SimReport): Uint8Array => tagged(DOMAIN.simReport, SimCodecs.SimReport.encode(r))

/** The sim adapter (VER-ATT.10): decode, chain to a configured root, report signature. Never throws. */
export const simAdapter: PlatformAdapter = {
  platform: "sim",
  verifyEvidence: (crypto, evidence, roots) => {
    const d = SimCodecs.SimEvidence.decode(evidence)
    if (Either.isLeft(d)) return attFail("ATT_DECODE", `sim evidence: ${d.left.message}`)
    const { certificate: c, report, reportSignature } = d.right
    const root = roots.find((r) => bytesEqual(r, c.issuer))
    if (root === undefined) return attFail("ATT_BAD_CHAIN", "certificate issuer is not a configured sim root")
    if (!crypto.ed25519.verify(c.signature, simCertSigningBytes(c), root))
      return attFail("ATT_BAD_CHAIN", "device certificate signature does not verify under the sim root")
    if (!crypto.ed25519.verify(reportSignature, simReportSigningBytes(report), c.devicePubKey))
      return attFail("ATT_BAD_SIGNATURE", "sim report signature does not verify under the device key")
    const facts: EvidenceFacts = {
      devicePubKey: c.devicePubKey,
      measurement: report.measurement,
      reportData: report.reportData,
    }
    return Either.right(facts)
  },
}

export interface SimDevice {
  readonly secretKey: Uint8Array
  readonly certificate: SimDeviceCertificate
}

export interface SimClaim {
  readonly measurement: Uint8Array
  readonly codeHash: Uint8Array
  readonly inputHash: Uint8Array
  readonly outputHash: Uint8Array
  readonly taskId: Uint8Array
  readonly worker: Uint8Array
  readonly nonce: Uint8Array
}

export const SimTee = {
  /** Certify a device key under a sim root secret key. */
  makeDevice: (crypto: CryptoService, rootSecretKey: Uint8Array, deviceSecretKey: Uint8Array): SimDevice => {
    const unsigned = { devicePubKey: crypto.ed25519.publicKey(deviceSecretKey), issuer: crypto.ed25519.publicKey(rootSecretKey) }
    return {
      secretKey: deviceSecretKey,
      certificate: { ...unsigned, signature: crypto.ed25519.sign(simCertSigningBytes(unsigned), rootSecretKey) },
    }
  },
  /**
   * Produce a full unified attestation for a claim. `reportData` overrides the VER-ATT.4 binding
   * (tests use it to build non-binding evidence).
   */
  attest: (
    crypto: CryptoService,
    device: SimDevice,
    claim: SimClaim,
    opts: { readonly reportData?: Uint8Array } = {},
  ): UnifiedAttestation => {
    const report: SimReport = {
      measurement: claim.measurement,
      reportData: opts.reportData ?? bindingReportData(crypto.sha256, claim),
    }
    const evidence = SimCodecs.SimEvidence.encode({
      certificate: device.certificate,
      report,
      reportSignature: crypto.ed25519.sign(simReportSigningBytes(report), device.secretKey),
    })
    const unsigned = {
      version: ATTESTATION_VERSION,
      platform: "sim",
      measurement: claim.measurement,
      codeHash: claim.codeHash,
      inputHash: claim.inputHash,
      outputHash: claim.outputHash,
      taskId: claim.taskId,
      worker: claim.worker,
      nonce: claim.nonce,
      evidence,
    } as const
    return { ...unsigned, signature: crypto.ed25519.sign(attestationSigningBytes(unsigned), device.secretKey) }
  },
} as const
