// VER-SNP.1..9: the AMD SEV-SNP adapter; one tampering per error code, offsets and the measurement mapping.
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { canonicalEncode } from "../../src/codec/Canonical.ts"
import { concatBytes, toHex } from "../../src/codec/Bytes.ts"
import { nodeCryptoService as crypto } from "../../src/crypto/NodeCrypto.ts"
import {
  AttestationCodecs,
  verifyAttestation,
  type AttestationConfig,
  type AttestationErrorCode,
  type ExpectedAttestation,
} from "../../src/verification/Attestation.ts"
import {
  SNP_OFFSET,
  SNP_REPORT_BYTES,
  SnpEvidenceCodec,
  inspectSnp,
  parseSnpReport,
  sevSnpAdapter,
  snpMeasurement,
  SNP_CERT_GUID,
  buildSnpCertTable,
  parseSnpCertTable,
  snpEvidenceFromParts,
} from "../../src/verification/tee/SevSnp.ts"
import { makeCertificate, p256Key, rsaKey } from "../fixtures/tee/Certs.ts"
import {
  buildSnpEvidence,
  buildSnpReport,
  leComponent,
  signSnpReport,
  snpAttest,
  snpChain,
  snpEvidence,
  snpReportBody,
  snpReportMeasurement,
} from "../fixtures/tee/SnpBuilder.ts"

const fill = (b: number, n = 32) => new Uint8Array(n).fill(b)
const chain = snpChain()
const roots = [chain.ark]
const codeOf = (r: Either.Either<unknown, { code: AttestationErrorCode }>): AttestationErrorCode | "ok" =>
  Either.isLeft(r) ? r.left.code : "ok"
const adapt = (ev: Uint8Array, rs: ReadonlyArray<Uint8Array> = roots) => codeOf(sevSnpAdapter.verifyEvidence(crypto, ev, rs))
const withReport = (report: Uint8Array) => adapt(snpEvidence(report))
const setU32 = (b: Uint8Array, o: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(o, v, true)
const P384_N_BE = Buffer.from(
  "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
  "hex",
)

describe("SEV-SNP adapter (VER-SNP.1..7)", () => {
  const report = buildSnpReport()
  const evidence = snpEvidence(report)

  it("valid evidence verifies for report versions 2, 3 and 5 and yields REPORT_DATA and the mapped measurement", () => {
    const r = sevSnpAdapter.verifyEvidence(crypto, evidence, roots)
    expect(Either.isRight(r)).toBe(true)
    if (Either.isRight(r)) {
      expect(r.right.devicePubKey).toBeUndefined()
      expect(toHex(r.right.reportData)).toBe(toHex(fill(0x5d, 64)))
      expect(toHex(r.right.measurement)).toBe(toHex(snpReportMeasurement()))
    }
    for (const version of [2, 3, 5]) expect(adapt(buildSnpEvidence({ version }))).toBe("ok")
  })

  it("end to end through verifyAttestation: REPORT_DATA = binding report data, zero unified signature", () => {
    const claim = {
      codeHash: fill(0x11), inputHash: fill(0x12), outputHash: fill(0x13), taskId: fill(0x14), worker: fill(0x15), nonce: fill(0x16),
    }
    const att = snpAttest(crypto, claim)
    const config: AttestationConfig = {
      roots: { "sev-snp": roots },
      approvedMeasurements: new Set([toHex(att.measurement)]),
      adapters: { "sev-snp": sevSnpAdapter },
    }
    const expected: ExpectedAttestation = { taskId: claim.taskId, inputHash: claim.inputHash, outputHash: claim.outputHash, worker: claim.worker, nonce: claim.nonce }
    const v = (a: typeof att, cfg = config) => codeOf(verifyAttestation(crypto, cfg, AttestationCodecs.UnifiedAttestation.encode(a), expected))
    expect(v(att)).toBe("ok")
    // wrong binding: REPORT_DATA of another claim, or not binding at all
    expect(v({ ...att, evidence: snpAttest(crypto, { ...claim, inputHash: fill(0x99) }).evidence })).toBe("ATT_BINDING_MISMATCH")
    expect(v(snpAttest(crypto, claim, { reportData: fill(0, 64) }))).toBe("ATT_BINDING_MISMATCH")
    expect(v({ ...att, measurement: fill(0x66) })).toBe("ATT_BINDING_MISMATCH")
    expect(v({ ...att, signature: fill(1, 64) })).toBe("ATT_BAD_SIGNATURE")
    expect(v(att, { ...config, approvedMeasurements: new Set() })).toBe("ATT_MEASUREMENT_NOT_APPROVED")
    expect(v(att, { ...config, roots: {} })).toBe("ATT_BAD_CHAIN")
  })

  it("ATT_DECODE: truncated (1183) or padded (1185) reports, wrong version, bad container", () => {
    expect(codeOf(parseSnpReport(report.subarray(0, SNP_REPORT_BYTES - 1)))).toBe("ATT_DECODE")
    expect(codeOf(parseSnpReport(concatBytes(report, new Uint8Array([0]))))).toBe("ATT_DECODE")
    expect(codeOf(parseSnpReport(report))).toBe("ok")
    // the container's schema requires exactly 1184 bytes
    const raw = (r: Uint8Array) => canonicalEncode({ ask: chain.ask, report: r, vcek: chain.vcek })
    expect(adapt(raw(report))).toBe("ok") // same bytes as SnpEvidenceCodec.encode
    expect(adapt(raw(report.subarray(0, SNP_REPORT_BYTES - 1)))).toBe("ATT_DECODE")
    expect(adapt(raw(concatBytes(report, new Uint8Array([0]))))).toBe("ATT_DECODE")
    // a validly signed report of an unsupported version
    for (const version of [0, 1, 4, 6, 0x02000000]) expect(adapt(buildSnpEvidence({ version }))).toBe("ATT_DECODE")
    // nonzero bytes after R and S in the (unsigned) signature field: not silently accepted
    const tail = report.slice()
    tail[SNP_OFFSET.signature + 144] = 1
    expect(withReport(tail)).toBe("ATT_DECODE")
    // the container: raw report instead of CBOR, trailing byte, unknown or missing field, bad certificate
    expect(adapt(report)).toBe("ATT_DECODE")
    expect(adapt(concatBytes(evidence, new Uint8Array([0])))).toBe("ATT_DECODE")
    expect(adapt(canonicalEncode({ ask: chain.ask, report, vcek: chain.vcek, x: 1 }))).toBe("ATT_DECODE")
    expect(adapt(canonicalEncode({ report, vcek: chain.vcek }))).toBe("ATT_DECODE")
    expect(adapt(snpEvidence(report, "snp", { vcek: fill(0x30, 40) }))).toBe("ATT_DECODE")
  })

  it("ATT_BAD_CHAIN: an unconfigured root, a broken or reordered chain, a non-P-384 VCEK", () => {
    const other = snpChain("snp-other")
    expect(adapt(evidence, [other.ark])).toBe("ATT_BAD_CHAIN") // chains to an unconfigured root
    expect(adapt(evidence, [])).toBe("ATT_BAD_CHAIN")
    expect(adapt(evidence, [other.ark, chain.ark])).toBe("ok")
    // the other vendor's whole evidence against our root
    expect(adapt(buildSnpEvidence({}, "snp-other"))).toBe("ATT_BAD_CHAIN")
    // a VCEK from another ASK presented with ours; ASK and VCEK swapped
    expect(adapt(snpEvidence(report, "snp", { vcek: other.vcek }))).toBe("ATT_BAD_CHAIN")
    expect(adapt(snpEvidence(report, "snp", { vcek: chain.ask, ask: chain.vcek }))).toBe("ATT_BAD_CHAIN")
    // the ARK itself as the "ASK" (a self-signed root is not an issuer of the VCEK)
    expect(adapt(snpEvidence(report, "snp", { ask: chain.ark }))).toBe("ATT_BAD_CHAIN")
    // a correctly chained leaf with a P-256 key
    const leaf = p256Key("snp/p256-leaf")
    const p256Vcek = makeCertificate({
      subjectPublicKey: leaf.publicKey, issuerPrivateKey: rsaKey("snp/ask").privateKey, subject: "SEV-VCEK", issuer: "SEV-Milan", serial: 9, sigAlg: "rsa-pss-sha384",
    })
    expect(adapt(snpEvidence(report, "snp", { vcek: p256Vcek }))).toBe("ATT_BAD_CHAIN")
  })

  it("ATT_BAD_SIGNATURE: wrong signature_algo, tampered signed bytes, wrong key, R or S out of range", () => {
    expect(adapt(buildSnpEvidence({ signatureAlgo: 2 }))).toBe("ATT_BAD_SIGNATURE")
    expect(adapt(buildSnpEvidence({ signatureAlgo: 0 }))).toBe("ATT_BAD_SIGNATURE")
    for (const off of [0x000, 0x008, SNP_OFFSET.reportData + 3, SNP_OFFSET.measurement, SNP_OFFSET.chipId, 0x29f]) {
      const t = report.slice()
      t[off] = (t[off] as number) ^ 0x01
      expect(withReport(t), `offset ${off}`).not.toBe("ok")
    }
    const t = report.slice()
    t[SNP_OFFSET.measurement] = (t[SNP_OFFSET.measurement] as number) ^ 0x80
    expect(withReport(t)).toBe("ATT_BAD_SIGNATURE")
    // a flipped bit in R, in S
    const r1 = report.slice()
    r1[SNP_OFFSET.signature] = (r1[SNP_OFFSET.signature] as number) ^ 1
    expect(withReport(r1)).toBe("ATT_BAD_SIGNATURE")
    const s1 = report.slice()
    s1[SNP_OFFSET.signature + 72 + 10] = (s1[SNP_OFFSET.signature + 72 + 10] as number) ^ 1
    expect(withReport(s1)).toBe("ATT_BAD_SIGNATURE")
    // signed by another VCEK key (same certificates)
    expect(withReport(signSnpReport(snpReportBody(), snpChain("snp-other").vcekKey.secret))).toBe("ATT_BAD_SIGNATURE")
    // R = 0, R = n, S = n, and nonzero high bytes (48..71) of a component
    const setSig = (rLe: Uint8Array | undefined, sLe: Uint8Array | undefined) => {
      const b = report.slice()
      if (rLe !== undefined) b.set(rLe, SNP_OFFSET.signature)
      if (sLe !== undefined) b.set(sLe, SNP_OFFSET.signature + 72)
      return b
    }
    expect(withReport(setSig(new Uint8Array(72), undefined))).toBe("ATT_BAD_SIGNATURE")
    expect(withReport(setSig(leComponent(P384_N_BE), undefined))).toBe("ATT_BAD_SIGNATURE")
    expect(withReport(setSig(undefined, leComponent(P384_N_BE)))).toBe("ATT_BAD_SIGNATURE")
    const high = report.slice()
    high[SNP_OFFSET.signature + 50] = 1
    expect(withReport(high)).toBe("ATT_BAD_SIGNATURE")
    // s and n - s: both verify under ECDSA (AMD firmware does not normalise S); the adapter accepts both
    const sBE = Buffer.from(report.subarray(SNP_OFFSET.signature + 72, SNP_OFFSET.signature + 120)).reverse()
    const negS = (BigInt(`0x${P384_N_BE.toString("hex")}`) - BigInt(`0x${sBE.toString("hex")}`)).toString(16).padStart(96, "0")
    expect(withReport(setSig(undefined, leComponent(Buffer.from(negS, "hex"))))).toBe("ok")
  })
})

describe("SEV-SNP layout and measurement mapping (VER-SNP.2, VER-SNP.6)", () => {
  it("reads every field at the offset of pub. 56860's ATTESTATION_REPORT table", () => {
    const b = snpReportBody({ version: 5 })
    setU32(b, SNP_OFFSET.guestSvn, 0x01020304)
    b.set(fill(0x21, 32), SNP_OFFSET.hostData)
    b.set(fill(0x22, 48), SNP_OFFSET.idKeyDigest)
    b.set(fill(0x23, 48), SNP_OFFSET.authorKeyDigest)
    new DataView(b.buffer).setBigUint64(SNP_OFFSET.launchMitVector, 0x0102n, true)
    new DataView(b.buffer).setBigUint64(SNP_OFFSET.currentMitVector, 0x0304n, true)
    const r = parseSnpReport(signSnpReport(b))
    if (Either.isLeft(r)) throw r.left
    const x = r.right
    expect([x.version, x.guestSvn, x.vmpl, x.signatureAlgo]).toEqual([5, 0x01020304, 0, 1])
    expect(x.policy).toBe(0x30000n)
    expect(toHex(x.familyId)).toBe("01".repeat(16))
    expect(toHex(x.imageId)).toBe("02".repeat(16))
    expect(toHex(x.reportData)).toBe("5d".repeat(64))
    expect(toHex(x.measurement)).toBe("3e".repeat(48))
    expect(toHex(x.hostData)).toBe("21".repeat(32))
    expect(toHex(x.idKeyDigest)).toBe("22".repeat(48))
    expect(toHex(x.authorKeyDigest)).toBe("23".repeat(48))
    expect(toHex(x.reportId)).toBe("4b".repeat(32))
    expect(toHex(x.reportIdMa)).toBe("ff".repeat(32))
    expect(toHex(x.chipId)).toBe("c1".repeat(64))
    expect(x.cpuid).toEqual({ famId: 0x19, modId: 1, step: 1 })
    expect(x.current).toEqual({ build: 21, minor: 55, major: 1 })
    expect(x.mitVectors).toEqual({ launch: 0x0102n, current: 0x0304n })
    expect(x.reportedTcb).toBe(0xdb18000000000004n)
    // version 2 has no CPUID or mitigation-vector fields
    const v2 = parseSnpReport(buildSnpReport({ version: 2 }))
    if (Either.isLeft(v2)) throw v2.left
    expect(v2.right.cpuid).toBeUndefined()
    expect(v2.right.mitVectors).toBeUndefined()
  })

  it("measurement = SHA-256(tagged(snp-measurement, MEASUREMENT || POLICY || VMPL)): covers exactly those fields", () => {
    const m = (o = {}) => toHex(snpReportMeasurement(o))
    const r = parseSnpReport(buildSnpReport())
    if (Either.isLeft(r)) throw r.left
    const pre = concatBytes(
      new Uint8Array([23]), new TextEncoder().encode("POAI/v1/snp-measurement"),
      fill(0x3e, 48), Uint8Array.from([0, 0, 3, 0, 0, 0, 0, 0]), new Uint8Array(4),
    )
    expect(toHex(snpMeasurement(r.right, crypto.sha256))).toBe(toHex(crypto.sha256(pre)))
    expect(m({ measurement: fill(0x3f, 48) })).not.toBe(m())
    expect(m({ policy: 0xb0000n })).not.toBe(m()) // DEBUG allowed
    expect(m({ vmpl: 1 })).not.toBe(m())
    expect(m({ reportData: fill(1, 64), hostData: fill(2, 32), version: 5 })).toBe(m())
  })
})

describe("inspectSnp (CLI-ATTEST.2)", () => {
  it("accepts the container or a raw report and names fields as AMD's spec", () => {
    const c = inspectSnp(buildSnpEvidence())
    if (Either.isLeft(c)) throw c.left
    expect(c.right.format).toBe("poai-snp-evidence")
    const rep = c.right.report as Record<string, unknown>
    for (const k of ["version", "guest_svn", "policy", "family_id", "image_id", "vmpl", "signature_algo", "current_tcb", "platform_info", "report_data", "measurement", "host_data", "id_key_digest", "author_key_digest", "report_id", "report_id_ma", "reported_tcb", "chip_id", "committed_tcb", "launch_tcb", "signature_r", "signature_s"])
      expect(rep, k).toHaveProperty(k)
    expect(rep.policy).toBe("0x0000000000030000")
    expect(rep.measurement).toBe("3e".repeat(48))
    expect((c.right.vcek as Record<string, unknown>).subject).toMatch(/SEV-VCEK/)
    const raw = inspectSnp(buildSnpReport())
    if (Either.isLeft(raw)) throw raw.left
    expect(raw.right.format).toBe("raw-attestation-report")
    expect(JSON.parse(JSON.stringify(raw.right))).toEqual(raw.right)
    expect(codeOf(inspectSnp(fill(0, 100)))).toBe("ATT_DECODE")
    expect(codeOf(inspectSnp(buildSnpReport({ version: 4 })))).toBe("ATT_DECODE")
    expect(SnpEvidenceCodec.name).toBe("SnpEvidence")
  })
})

describe("SEV-SNP debug policy and certificate table (VER-SNP.10, VER-SNP.11)", () => {
  it("VER-SNP.11: POLICY bit 19 (DEBUG) is ATT_DEBUG, checked after the signature", () => {
    expect(adapt(buildSnpEvidence({ policy: 0x30000n | (1n << 19n) }))).toBe("ATT_DEBUG")
    expect(adapt(buildSnpEvidence({ policy: 0x30000n | (1n << 18n) }))).toBe("ok") // migration agent: a measurement matter
    const debugBadSig = buildSnpReport({ policy: 0x30000n | (1n << 19n) })
    debugBadSig[SNP_OFFSET.signature] = (debugBadSig[SNP_OFFSET.signature] as number) ^ 1
    expect(withReport(debugBadSig)).toBe("ATT_BAD_SIGNATURE")
  })

  it("VER-SNP.10: the certificate table gives the VCEK, ASK and ARK by GUID; malformed tables are ATT_DECODE", () => {
    const table = buildSnpCertTable([[SNP_CERT_GUID.ark, chain.ark], [SNP_CERT_GUID.vcek, chain.vcek], [SNP_CERT_GUID.ask, chain.ask]])
    const t = parseSnpCertTable(table)
    if (Either.isLeft(t)) throw t.left
    expect([t.right.vcek, t.right.ask, t.right.ark].map((x) => toHex(x ?? new Uint8Array()))).toEqual([chain.vcek, chain.ask, chain.ark].map(toHex))
    expect(t.right.guids).toEqual([SNP_CERT_GUID.ark, SNP_CERT_GUID.vcek, SNP_CERT_GUID.ask])
    // page padding after the certificates is fine; unknown GUIDs are ignored
    expect(codeOf(parseSnpCertTable(concatBytes(table, new Uint8Array(100))))).toBe("ok")
    const unknown = buildSnpCertTable([["00000000-0000-0000-0000-000000000001", chain.ark], [SNP_CERT_GUID.vcek, chain.vcek]])
    expect(codeOf(parseSnpCertTable(unknown))).toBe("ok")
    // no terminator, a repeated GUID, an entry outside the table
    expect(codeOf(parseSnpCertTable(table.subarray(0, 24 * 3)))).toBe("ATT_DECODE")
    expect(codeOf(parseSnpCertTable(buildSnpCertTable([[SNP_CERT_GUID.vcek, chain.vcek], [SNP_CERT_GUID.vcek, chain.vcek]])))).toBe("ATT_DECODE")
    const outside = table.slice()
    new DataView(outside.buffer).setUint32(20, 0x10000, true)
    expect(codeOf(parseSnpCertTable(outside))).toBe("ATT_DECODE")
    const intoHeader = table.slice()
    new DataView(intoHeader.buffer).setUint32(16, 0, true)
    expect(codeOf(parseSnpCertTable(intoHeader))).toBe("ATT_DECODE")
    expect(codeOf(parseSnpCertTable(new Uint8Array(0)))).toBe("ATT_DECODE")
  })

  it("snpEvidenceFromParts builds the container the adapter reads", () => {
    const e = snpEvidenceFromParts(buildSnpReport(), chain.vcek, chain.ask)
    if (Either.isLeft(e)) throw e.left
    expect(toHex(e.right)).toBe(toHex(buildSnpEvidence()))
    expect(codeOf(snpEvidenceFromParts(buildSnpReport().subarray(1), chain.vcek, chain.ask))).toBe("ATT_DECODE")
  })
})
