// Generator of the "attestation" suite (conformance/docs/attestation.md): writes
//   <outRoot>/attestation/{sgx_dcap,sev_snp,psa,sim,unified}/*.json
// Evidence is built with test keys derived from fixed labels (test/fixtures/tee: SgxBuilder, SnpBuilder,
// PsaBuilder, deterministic RSA and ECDSA), plus the real vendor evidence of test/fixtures/tee/*.hex
// (provenance in each case's description). Every case states the verdict it was designed for
// ("ok" or an ATT_* code); the generator runs the handler's reference implementation and throws when
// the verdict differs, so the files are not snapshots of whatever the code does. Deterministic.
import { X509Certificate } from "node:crypto"
import { sha256 } from "@noble/hashes/sha2.js"
import { Either } from "effect"
import { concatBytes, toHex } from "../../src/codec/Bytes.ts"
import { nodeCryptoService as crypto } from "../../src/crypto/NodeCrypto.ts"
import { PLATFORM_HANDLERS, handlers, toPemText } from "../../src/conformance/suites/attestation.ts"
import { genericFile, type CaseResult, type HandlerDef, type Json, type JsonObject } from "../../src/conformance/Types.ts"
import {
  ATTESTATION_ERROR_CODES,
  AttestationCodecs,
  bindingReportData,
  type AttestationErrorCode,
  type AttestationPlatform,
  type BindingFields,
  type UnifiedAttestation,
} from "../../src/verification/Attestation.ts"
import { SimTee } from "../../src/verification/SimTee.ts"
import { SNP_CERT_GUID, SNP_OFFSET, buildSnpCertTable } from "../../src/verification/tee/SevSnp.ts"
import { parseSgxQuote } from "../../src/verification/tee/SgxDcap.ts"
import { PSA_CLAIM } from "../../src/verification/tee/Psa.ts"
import { PSA_OTHER_IAK_SK, PSA_TEST_IAK_SK, buildPsaToken, iakInstanceId, iakSpki, psaAttest, psaTokenMeasurement } from "../../test/fixtures/tee/PsaBuilder.ts"
import { REAL, fixtureProvenance, readHexFixture } from "../../test/fixtures/tee/Real.ts"
import { buildSgxQuote, makeSgxPki, sgxAttest, type SgxQuoteOptions } from "../../test/fixtures/tee/SgxBuilder.ts"
import { buildSnpEvidence, buildSnpReport, signSnpReport, snpAttest, snpChain, snpEvidence, snpReportBody, snpReportMeasurement, type SnpReportOptions } from "../../test/fixtures/tee/SnpBuilder.ts"
import { clearHandlerDir } from "./encoding.ts"
import { writeVector } from "./write.ts"

const SUITE = "attestation"
/** Inside every certificate's validity period used here (checked below); dates are not part of the verdict (VER-X509.5). */
export const VERIFICATION_TIME = "2025-06-01T00:00:00Z"

type Expect = "ok" | AttestationErrorCode
interface Spec {
  readonly name: string
  readonly description: string
  readonly input: JsonObject
  readonly expect: Expect
  /** Further designed properties of the output (e.g. the padding count). */
  readonly check?: (output: JsonObject) => boolean
}

const fail = (msg: string): never => {
  throw new Error(`attestation generator: ${msg}`)
}
const fill = (b: number, n = 32) => new Uint8Array(n).fill(b)
const flip = (b: Uint8Array, i: number, x = 1) => {
  const c = b.slice()
  c[i] = (c[i] as number) ^ x
  return c
}
const handler = (name: string): HandlerDef => handlers.find((h) => h.handler === name) ?? fail(`no handler ${name}`)

/** Run every case through the reference implementation and require its designed verdict. */
const realise = (h: HandlerDef, specs: ReadonlyArray<Spec>) => {
  const names = new Set<string>()
  return specs.map((s) => {
    if (names.has(s.name)) fail(`${h.handler}: duplicate case ${s.name}`)
    names.add(s.name)
    const r = h.run(s.input) as CaseResult
    const got = "reject" in r ? r.reject : "ok"
    if (got !== s.expect) fail(`${h.handler}/${s.name}: designed ${s.expect}, the implementation gives ${got}${"reject" in r ? "" : ""}`)
    if ("output" in r && s.check !== undefined && !s.check(r.output as JsonObject)) fail(`${h.handler}/${s.name}: output does not have its designed property`)
    return { name: s.name, description: s.description, input: s.input as Json, result: r }
  })
}

/** Every certificate named must be valid at VERIFICATION_TIME (so that a verifier that checks dates agrees). */
const assertValidAt = (ders: ReadonlyArray<Uint8Array>) => {
  const t = Date.parse(VERIFICATION_TIME)
  for (const d of ders) {
    const x = new X509Certificate(Buffer.from(d))
    if (!(Date.parse(x.validFrom) <= t && t <= Date.parse(x.validTo))) fail(`certificate ${x.subject} not valid at ${VERIFICATION_TIME}`)
  }
}

const certPem = (der: Uint8Array) => toPemText("CERTIFICATE", der)
const keyPem = (spki: Uint8Array) => toPemText("PUBLIC KEY", spki)
const ed25519Pem = (pub: Uint8Array) => keyPem(concatBytes(Uint8Array.from(Buffer.from("302a300506032b6570032100", "hex")), pub))

/** The claim every test-key evidence binds (VER-ATT.4). */
const CLAIM: BindingFields & { readonly measurement: Uint8Array } = {
  measurement: fill(0xe1),
  codeHash: fill(0x11),
  inputHash: fill(0x12),
  outputHash: fill(0x13),
  taskId: fill(0x14),
  worker: crypto.ed25519.publicKey(fill(0x15)),
  nonce: fill(0x16),
}
const REPORT_DATA = bindingReportData(crypto.sha256, CLAIM)

const platformInput = (evidence: Uint8Array, roots: ReadonlyArray<string>, extra: JsonObject = {}): JsonObject => ({
  evidence: toHex(evidence),
  roots: [...roots],
  ...extra,
  verification_time: VERIFICATION_TIME,
})

// ------------------------------------------------------------------------------------------------
// sgx_dcap

const sgxSpecs = (): { testKeys: Spec[]; real: Spec[] } => {
  const pki = makeSgxPki("SGX conformance")
  const other = makeSgxPki("SGX conformance other")
  assertValidAt([...pki.chain.certs, ...other.chain.certs])
  const root = [certPem(pki.roots[0] as Uint8Array)]
  const m = toHex(CLAIM.measurement)
  const base = { report_data: toHex(REPORT_DATA), approved_measurements: [m] }
  const q = (o: Partial<SgxQuoteOptions> = {}) => buildSgxQuote({ mrEnclave: CLAIM.measurement, reportData: REPORT_DATA, pki, ...o })
  const v3 = q()
  const v4 = q({ version: 4 })
  const debugAttrs = concatBytes(Uint8Array.of(0x07), fill(0, 7), Uint8Array.of(0x03), fill(0, 7))
  const u32at = (b: Uint8Array, off: number, v: number) => {
    const c = b.slice()
    new DataView(c.buffer).setUint32(off, v, true)
    return c
  }
  // non-canonical base64: set the unused low bits of the first PEM block's last character before '='
  const pem = pki.chain.pem
  const pad = /([A-Za-z0-9+/])(=+)\n-----END CERTIFICATE-----/.exec(pem) ?? fail("test PCK chain has no padded block")
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  const tweaked = B64[B64.indexOf(pad[1] as string) | ((pad[2] as string).length === 2 ? 0x0f : 0x03)] as string
  if (tweaked === pad[1]) fail("base64 tweak changed nothing")
  const malleable = pem.slice(0, pad.index) + tweaked + pem.slice(pad.index + 1)
  if (Buffer.compare(Buffer.from(malleable.split("-----")[2]!.replace(/\s/g, ""), "base64"), Buffer.from(pem.split("-----")[2]!.replace(/\s/g, ""), "base64")) !== 0)
    fail("the tweaked base64 must decode to the same certificate")
  const padded = concatBytes(v3, new Uint8Array(1024))
  const trailing = padded.slice()
  trailing[trailing.length - 1] = 0x01
  const testKeys: Spec[] = [
    { name: "v3-valid", description: "A v3 quote (test PKI: root -> PCK platform CA -> PCK leaf -> QE report -> attestation key) whose REPORTDATA binds the claim", input: platformInput(v3, root, base), expect: "ok" },
    { name: "v4-valid", description: "The same as a v4 quote (certification data type 6 holding the QE report and the type-5 PCK chain)", input: platformInput(v4, root, base), expect: "ok" },
    { name: "v3-no-expectations", description: "Without expected report data or approved measurements only the evidence is checked", input: platformInput(v3, root), expect: "ok" },
    { name: "v3-high-s", description: "High-S quote and QE report signatures verify (Intel does not normalise S, VER-SGX.6)", input: platformInput(q({ highS: true }), root, base), expect: "ok" },
    { name: "v3-zero-padding", description: "A quote followed by 1024 zero bytes (a fixed-size buffer): the padding is dropped and counted (CLI-ATTEST.7)", input: platformInput(padded, root, base), expect: "ok", check: (o) => o.padding === 1024 },
    { name: "v3-old-tcb-not-judged", description: "TCB is not judged (VER-SGX.9: Intel collateral is out of scope): a report body with CPUSVN 0 and ISVSVN 0 verifies", input: platformInput(q({ report: { cpuSvn: fill(0, 16), isvSvn: 0 } }), root, base), expect: "ok" },
    { name: "chain-unconfigured-root", description: "Chain check: the PCK chain ends at a root that is not configured (another test root is)", input: platformInput(v3, [certPem(other.roots[0] as Uint8Array)], base), expect: "ATT_BAD_CHAIN" },
    { name: "chain-no-root", description: "Chain check: no root configured at all", input: platformInput(v3, [], base), expect: "ATT_BAD_CHAIN" },
    { name: "qe-report-signature", description: "QE report check: the QE report is signed by another key than the PCK leaf's", input: platformInput(q({ qeReportSigner: fill(0x77) }), root, base), expect: "ATT_BAD_CHAIN" },
    { name: "qe-report-binding-key", description: "Attestation-key binding: the QE report's REPORTDATA[0..32] is not SHA-256(attest_pub_key || qe_auth_data) (its reserved half is zero)", input: platformInput(q({ qeReportData: concatBytes(fill(0x42, 32), new Uint8Array(32)) }), root, base), expect: "ATT_BAD_CHAIN" },
    { name: "qe-report-binding-reserved", description: "Attestation-key binding: the QE report's REPORTDATA[32..64] is not zero (its first half binds the key)", input: platformInput(q({ qeReportData: concatBytes(sha256(concatBytes(pki.attestationKey.publicRaw, Uint8Array.from({ length: 32 }, (_, i) => i))), fill(1, 32)) }), root, base), expect: "ATT_BAD_CHAIN" },
    { name: "quote-signature", description: "Quote signature check: signed by a key other than the certified attestation key", input: platformInput(q({ quoteSigner: fill(0x78) }), root, base), expect: "ATT_BAD_SIGNATURE" },
    { name: "quote-signature-tampered-body", description: "Quote signature check: one MRENCLAVE bit changed after signing", input: platformInput(flip(v3, 48 + 64), root), expect: "ATT_BAD_SIGNATURE" },
    { name: "debug-enclave", description: "Debug check: ATTRIBUTES.FLAGS.DEBUG set in an authentic quote (own reason, VER-SGX.7 step 6)", input: platformInput(q({ report: { attributes: debugAttrs } }), root, base), expect: "ATT_DEBUG" },
    { name: "debug-enclave-bad-signature", description: "Order: a debug quote whose signature fails is a signature failure", input: platformInput(q({ report: { attributes: debugAttrs }, quoteSigner: fill(0x78) }), root, base), expect: "ATT_BAD_SIGNATURE" },
    { name: "binding-mismatch", description: "Binding: REPORTDATA differs from the expected report data", input: platformInput(q({ reportData: fill(0x5d, 64) }), root, base), expect: "ATT_BINDING_MISMATCH" },
    { name: "measurement-not-approved", description: "Measurement: MRENCLAVE is not in the approved measurements", input: platformInput(v3, root, { ...base, approved_measurements: [toHex(fill(0xe2))] }), expect: "ATT_MEASUREMENT_NOT_APPROVED" },
    { name: "truncated", description: "Truncation: the quote without its last byte (signature_data_len no longer matches)", input: platformInput(v3.subarray(0, v3.length - 1), root, base), expect: "ATT_DECODE" },
    { name: "truncated-header", description: "Truncation: 47 bytes, less than a header", input: platformInput(v3.subarray(0, 47), root, base), expect: "ATT_DECODE" },
    { name: "trailing-nonzero", description: "Trailing bytes: zero padding whose last byte is 1 (only zero bytes may follow a quote)", input: platformInput(trailing, root, base), expect: "ATT_DECODE" },
    { name: "signature-data-len-short", description: "signature_data_len one less than the bytes that follow", input: platformInput(u32at(v3, 432, v3.length - 437), root, base), expect: "ATT_DECODE" },
    { name: "wrong-version-2", description: "Wrong version: an EPID-era version 2 header", input: platformInput(flip(v3, 0, 1), root, base), expect: "ATT_DECODE" },
    { name: "wrong-version-5-sgx", description: "Wrong version: a version 5 SGX quote is not read", input: platformInput(flip(v3, 0, 6), root, base), expect: "ATT_DECODE" },
    { name: "att-key-type-p384", description: "Attestation key type 3 (ECDSA P-384) is not supported", input: platformInput(q({ attKeyType: 3 }), root, base), expect: "ATT_DECODE" },
    { name: "tdx-tee-type-test-key", description: "A v4 header with tee_type 0x81 (TDX): unsupported TEE, its own code", input: platformInput(q({ version: 4, teeType: 0x81 }), root, base), expect: "ATT_UNSUPPORTED_TEE" },
    { name: "pem-non-canonical-base64", description: "Malleability: the PCK chain's first certificate in base64 whose padding bits are not zero (decodes to the same DER); one attestation must have one byte string (VER-X509.2)", input: platformInput(q({ pckCertChain: new TextEncoder().encode(malleable) }), root, base), expect: "ATT_DECODE" },
    { name: "pem-garbage", description: "The PCK chain is not a PEM chain", input: platformInput(q({ pckCertChain: new TextEncoder().encode("hello") }), root, base), expect: "ATT_DECODE" },
  ]
  // real quotes: the Intel SGX Root CA their chains carry is the configured root
  const realQuote = (name: string) => {
    const bytes = readHexFixture(name)
    const parsed = Either.getOrThrowWith(parseSgxQuote(bytes), (e) => new Error(`attestation generator: ${name}: ${e.message}`))
    const chain = parsed.pckChain.map((c) => c.der)
    assertValidAt(chain)
    return { bytes, intelRoot: certPem(chain[chain.length - 1] as Uint8Array), mrEnclave: toHex(parsed.reportBody.mrEnclave), reportData: toHex(parsed.reportBody.reportData) }
  }
  const a = realQuote(REAL.sgxQuoteV3)
  const b = realQuote(REAL.sgxQuoteV3b)
  const tdx = readHexFixture(REAL.tdxQuoteV4)
  const prov = (f: string) => `Provenance: ${fixtureProvenance(f)}`
  const real: Spec[] = [
    { name: "real-dcap-rs-v3", description: `A real SGX quote verifies against the Intel SGX Root CA. ${prov(REAL.sgxQuoteV3)}`, input: platformInput(a.bytes, [a.intelRoot], { report_data: a.reportData, approved_measurements: [a.mrEnclave] }), expect: "ok" },
    { name: "real-dcap-qvl-v3", description: `A second real SGX quote, another platform. ${prov(REAL.sgxQuoteV3b)}`, input: platformInput(b.bytes, [b.intelRoot], { report_data: b.reportData, approved_measurements: [b.mrEnclave] }), expect: "ok" },
    { name: "real-dcap-rs-v3-padded", description: `The real quote written into an 8 KiB buffer (zero padding). ${prov(REAL.sgxQuoteV3)}`, input: platformInput(concatBytes(a.bytes, new Uint8Array(8192 - a.bytes.length)), [a.intelRoot]), expect: "ok", check: (o) => o.padding === 8192 - a.bytes.length },
    { name: "real-dcap-rs-v3-test-root", description: `The real quote against a test root instead of Intel's. ${prov(REAL.sgxQuoteV3)}`, input: platformInput(a.bytes, root), expect: "ATT_BAD_CHAIN" },
    { name: "real-dcap-rs-v3-report-data-flipped", description: `The real quote with one REPORTDATA bit changed. ${prov(REAL.sgxQuoteV3)}`, input: platformInput(flip(a.bytes, 48 + 320), [a.intelRoot]), expect: "ATT_BAD_SIGNATURE" },
    { name: "real-dcap-rs-v3-qe-report-flipped", description: `The real quote with one QE report bit changed. ${prov(REAL.sgxQuoteV3)}`, input: platformInput(flip(a.bytes, 436 + 128 + 10), [a.intelRoot]), expect: "ATT_BAD_CHAIN" },
    { name: "real-dcap-rs-v3-not-approved", description: `The real quote whose MRENCLAVE is not approved. ${prov(REAL.sgxQuoteV3)}`, input: platformInput(a.bytes, [a.intelRoot], { approved_measurements: [toHex(fill(0))] }), expect: "ATT_MEASUREMENT_NOT_APPROVED" },
    { name: "tdx-quote-v4", description: `A real Intel TDX quote (v4, tee_type 0x81): well formed, but TDX is not supported (VER-SGX.1). ${prov(REAL.tdxQuoteV4)}`, input: platformInput(tdx, [a.intelRoot]), expect: "ATT_UNSUPPORTED_TEE" },
  ]
  return { testKeys, real }
}

// ------------------------------------------------------------------------------------------------
// sev_snp

const snpSpecs = (): { testKeys: Spec[]; real: Spec[] } => {
  const label = "snp-conformance"
  const c = snpChain(label)
  const other = snpChain("snp-conformance-other")
  assertValidAt([c.ark, c.ask, c.vcek, other.ark])
  const root = [certPem(c.ark)]
  const o: SnpReportOptions = { reportData: REPORT_DATA }
  const report = buildSnpReport(o, label)
  const m = toHex(snpReportMeasurement(o))
  // snpReportMeasurement uses the default label's chain only to sign; the measurement does not depend on the key
  const base = { report_data: toHex(REPORT_DATA), approved_measurements: [m] }
  const container = snpEvidence(report, label)
  const raw = { vcek: certPem(c.vcek), ask: certPem(c.ask) }
  const table = buildSnpCertTable([[SNP_CERT_GUID.vcek, c.vcek], [SNP_CERT_GUID.ask, c.ask], [SNP_CERT_GUID.ark, c.ark]])
  const tablePadded = concatBytes(table, new Uint8Array(4096 - (table.length % 4096)))
  const sign = (b: Uint8Array) => signSnpReport(b, c.vcekKey.secret)
  const trailing = concatBytes(report, new Uint8Array(64))
  trailing[trailing.length - 1] = 0x01
  const sigAlgo2 = snpReportBody({ ...o, signatureAlgo: 2 })
  const reservedSig = report.slice()
  reservedSig[SNP_OFFSET.signature + 144] = 1
  const dupTable = buildSnpCertTable([[SNP_CERT_GUID.vcek, c.vcek], [SNP_CERT_GUID.vcek, c.vcek], [SNP_CERT_GUID.ask, c.ask]])
  const testKeys: Spec[] = [
    { name: "container-valid", description: "poai's container {report, vcek, ask} (VER-SNP.1), test ARK -> ASK (RSA-PSS/SHA-384) -> VCEK (P-384); REPORT_DATA binds the claim", input: platformInput(container, root, base), expect: "ok" },
    { name: "raw-report-vcek-ask", description: "A raw 1184-byte report with the VCEK and ASK given beside it (CLI-ATTEST.8, --vcek/--ask)", input: platformInput(report, root, { ...raw, ...base }), expect: "ok" },
    { name: "raw-report-cert-table", description: "A raw report with the certificate table of SNP_GET_EXT_REPORT (VCEK, ASK, ARK by GUID; page padding after it) (VER-SNP.10)", input: platformInput(report, root, { cert_table: toHex(tablePadded), ...base }), expect: "ok" },
    { name: "raw-report-zero-padding", description: "A raw report followed by 2816 zero bytes (a 4000-byte response buffer): dropped and counted", input: platformInput(concatBytes(report, new Uint8Array(4000 - 1184)), root, { ...raw, ...base }), expect: "ok", check: (x) => x.padding === 4000 - 1184 },
    { name: "version-2", description: "Report version 2 (no CPUID fields)", input: platformInput(buildSnpEvidence({ ...o, version: 2 }, label), root, { report_data: toHex(REPORT_DATA) }), expect: "ok" },
    { name: "version-5", description: "Report version 5 (mitigation vectors)", input: platformInput(buildSnpEvidence({ ...o, version: 5 }, label), root, { report_data: toHex(REPORT_DATA) }), expect: "ok" },
    { name: "chain-unconfigured-ark", description: "Chain check: the ASK is signed by an ARK that is not configured", input: platformInput(container, [certPem(other.ark)], base), expect: "ATT_BAD_CHAIN" },
    { name: "chain-wrong-ask", description: "Chain check: the VCEK is not signed by the ASK carried (the other product line's ASK)", input: platformInput(snpEvidence(report, label, { ask: other.ask }), [certPem(c.ark), certPem(other.ark)], base), expect: "ATT_BAD_CHAIN" },
    { name: "chain-table-ark-not-trusted", description: "The certificate table's ARK is never a root: only another ARK is configured", input: platformInput(report, [certPem(other.ark)], { cert_table: toHex(table) }), expect: "ATT_BAD_CHAIN" },
    { name: "signature-tampered", description: "Signature check: one REPORT_DATA bit changed after signing", input: platformInput(snpEvidence(flip(report, SNP_OFFSET.reportData), label), root), expect: "ATT_BAD_SIGNATURE" },
    { name: "signature-other-key", description: "Signature check: signed by another VCEK key than the certified one", input: platformInput(snpEvidence(signSnpReport(snpReportBody(o), other.vcekKey.secret), label), root), expect: "ATT_BAD_SIGNATURE" },
    { name: "signature-algo-2", description: "Signature check: SIGNATURE_ALGO is not 1 (ECDSA P-384/SHA-384)", input: platformInput(snpEvidence(sign(sigAlgo2), label), root), expect: "ATT_BAD_SIGNATURE" },
    { name: "debug-policy", description: "Debug check: POLICY bit 19 (DEBUG) set in an authentic report (VER-SNP.11)", input: platformInput(buildSnpEvidence({ ...o, policy: 0x30000n | (1n << 19n) }, label), root, { report_data: toHex(REPORT_DATA) }), expect: "ATT_DEBUG" },
    { name: "policy-not-approved", description: "Policy: the approved image launched with the migration-agent policy bit (18) has another measurement (VER-SNP.6)", input: platformInput(buildSnpEvidence({ ...o, policy: 0x30000n | (1n << 18n) }, label), root, base), expect: "ATT_MEASUREMENT_NOT_APPROVED" },
    { name: "vmpl-not-approved", description: "Policy: the same image reporting from VMPL 1 has another measurement (VER-SNP.6)", input: platformInput(buildSnpEvidence({ ...o, vmpl: 1 }, label), root, base), expect: "ATT_MEASUREMENT_NOT_APPROVED" },
    { name: "binding-mismatch", description: "Binding: REPORT_DATA differs from the expected report data", input: platformInput(buildSnpEvidence({ reportData: fill(0x5d, 64) }, label), root, base), expect: "ATT_BINDING_MISMATCH" },
    { name: "measurement-not-approved", description: "Measurement: the poai measurement is not approved", input: platformInput(container, root, { ...base, approved_measurements: [toHex(fill(0))] }), expect: "ATT_MEASUREMENT_NOT_APPROVED" },
    { name: "container-truncated", description: "Truncation: the container without its last byte", input: platformInput(container.subarray(0, container.length - 1), root, base), expect: "ATT_DECODE" },
    { name: "container-trailing-zero", description: "Trailing bytes: poai's own container takes no padding", input: platformInput(concatBytes(container, new Uint8Array(1)), root, base), expect: "ATT_DECODE" },
    { name: "raw-report-truncated", description: "Truncation: a raw report of 1183 bytes", input: platformInput(report.subarray(0, 1183), root, { ...raw, ...base }), expect: "ATT_DECODE" },
    { name: "raw-report-trailing-nonzero", description: "Trailing bytes: a raw report followed by zero bytes ending in 1", input: platformInput(trailing, root, { ...raw, ...base }), expect: "ATT_DECODE" },
    { name: "raw-report-without-certificates", description: "A raw report is not self-contained: without VCEK and ASK it cannot be verified", input: platformInput(report, root, base), expect: "ATT_DECODE" },
    { name: "cert-table-duplicate-guid", description: "A certificate table naming the VCEK twice (VER-SNP.10)", input: platformInput(report, root, { cert_table: toHex(dupTable) }), expect: "ATT_DECODE" },
    { name: "cert-table-no-terminator", description: "A certificate table without its all-zero entry", input: platformInput(report, root, { cert_table: toHex(table.subarray(0, 72)) }), expect: "ATT_DECODE" },
    { name: "wrong-version-4", description: "Wrong version: a validly signed report of version 4 (not in the revisions read, VER-SNP.2)", input: platformInput(buildSnpEvidence({ ...o, version: 4 }, label), root, base), expect: "ATT_DECODE" },
    { name: "signature-reserved-nonzero", description: "Unsigned bytes after R and S in the signature field must be zero", input: platformInput(snpEvidence(reservedSig, label), root, base), expect: "ATT_DECODE" },
  ]
  const rep = readHexFixture(REAL.snpReport)
  const vcek = readHexFixture(REAL.snpVcek)
  const ask = readHexFixture(REAL.milanAsk)
  const ark = readHexFixture(REAL.milanArk)
  assertValidAt([vcek, ask, ark])
  const prov = `Provenance: ${fixtureProvenance(REAL.snpReport)} ${fixtureProvenance(REAL.snpVcek)} ${fixtureProvenance(REAL.milanAsk)} ${fixtureProvenance(REAL.milanArk)}`
  const realCerts = { vcek: certPem(vcek), ask: certPem(ask) }
  const real: Spec[] = [
    { name: "real-milan-debug-policy", description: `A real Milan report with AMD's VCEK, ASK and ARK: chain and signature verify, then POLICY 0xb0000 allows debugging (VER-SNP.11). ${prov}`, input: platformInput(rep, [certPem(ark)], realCerts), expect: "ATT_DEBUG" },
    { name: "real-milan-cert-table", description: `The same report with the certificates in an extended report's table. ${prov}`, input: platformInput(rep, [certPem(ark)], { cert_table: toHex(buildSnpCertTable([[SNP_CERT_GUID.vcek, vcek], [SNP_CERT_GUID.ask, ask], [SNP_CERT_GUID.ark, ark]])) }), expect: "ATT_DEBUG" },
    { name: "real-milan-test-ark", description: `The real report against a test ARK. ${prov}`, input: platformInput(rep, root, realCerts), expect: "ATT_BAD_CHAIN" },
    { name: "real-milan-report-data-flipped", description: `The real report with one REPORT_DATA bit changed. ${prov}`, input: platformInput(flip(rep, SNP_OFFSET.reportData), [certPem(ark)], realCerts), expect: "ATT_BAD_SIGNATURE" },
  ]
  return { testKeys, real }
}

// ------------------------------------------------------------------------------------------------
// psa

const psaSpecs = (): Spec[] => {
  const root = [keyPem(iakSpki(PSA_TEST_IAK_SK))]
  const nonce = REPORT_DATA
  const m = toHex(psaTokenMeasurement({ nonce }))
  const base = { report_data: toHex(nonce), approved_measurements: [m] }
  const token = buildPsaToken({ nonce })
  const trailing = concatBytes(token, new Uint8Array(32))
  trailing[trailing.length - 1] = 0x02
  return [
    { name: "valid-tagged", description: "A COSE_Sign1 (tag 18) PSA token signed ES256 by the test IAK; the 64-byte nonce binds the claim", input: platformInput(token, root, base), expect: "ok" },
    { name: "valid-untagged", description: "The same without CBOR tag 18", input: platformInput(buildPsaToken({ nonce, tagged: false }), root, base), expect: "ok" },
    { name: "valid-second-iak", description: "Two IAKs configured; the instance id selects the right one", input: platformInput(token, [keyPem(iakSpki(PSA_OTHER_IAK_SK)), ...root], base), expect: "ok" },
    { name: "zero-padding", description: "A token followed by 512 zero bytes: dropped and counted", input: platformInput(concatBytes(token, new Uint8Array(512)), root, base), expect: "ok", check: (o) => o.padding === 512 },
    { name: "unknown-iak", description: "Chain check: the instance id names no configured IAK", input: platformInput(token, [keyPem(iakSpki(PSA_OTHER_IAK_SK))], base), expect: "ATT_BAD_CHAIN" },
    { name: "signature-other-key", description: "Signature check: signed by another key while claiming the registered IAK's instance id", input: platformInput(buildPsaToken({ nonce, iakSk: PSA_OTHER_IAK_SK, instanceId: iakInstanceId(PSA_TEST_IAK_SK) }), root, base), expect: "ATT_BAD_SIGNATURE" },
    { name: "alg-es384", description: "Signature check: alg -35 (ES384) is not ES256", input: platformInput(buildPsaToken({ nonce, alg: -35 }), root, base), expect: "ATT_BAD_SIGNATURE" },
    { name: "debug-lifecycle", description: "Debug check: security lifecycle 0x5000 (recoverable-psa-rot-debug) in an authentic token (VER-PSA.10)", input: platformInput(buildPsaToken({ nonce, lifecycle: 0x5000 }), root, { report_data: toHex(nonce) }), expect: "ATT_DEBUG" },
    { name: "nonce-32-bytes", description: "Binding: a valid 32-byte nonce cannot carry the 64-byte binding (VER-PSA.7)", input: platformInput(buildPsaToken({ nonce: fill(7, 32) }), root), expect: "ATT_BINDING_MISMATCH" },
    { name: "binding-mismatch", description: "Binding: the nonce differs from the expected report data", input: platformInput(buildPsaToken({ nonce: fill(0x77, 64) }), root, base), expect: "ATT_BINDING_MISMATCH" },
    { name: "measurement-not-approved", description: "Measurement: another firmware set is not approved", input: platformInput(buildPsaToken({ nonce, components: [{ type: "BL", value: fill(0xc1) }] }), root, base), expect: "ATT_MEASUREMENT_NOT_APPROVED" },
    { name: "client-id-not-approved", description: "Policy: the same firmware answering a non-secure caller (client id -1) has another measurement (VER-PSA.6)", input: platformInput(buildPsaToken({ nonce, clientId: -1 }), root, base), expect: "ATT_MEASUREMENT_NOT_APPROVED" },
    { name: "truncated", description: "Truncation: the token without its last byte", input: platformInput(token.subarray(0, token.length - 1), root, base), expect: "ATT_DECODE" },
    { name: "trailing-nonzero", description: "Trailing bytes: zero padding ending in 2", input: platformInput(trailing, root, base), expect: "ATT_DECODE" },
    { name: "wrong-profile", description: "Wrong version: the legacy PSA_IOT_PROFILE_1 profile is not read (VER-PSA.3)", input: platformInput(buildPsaToken({ nonce, profile: "PSA_IOT_PROFILE_1" }), root, base), expect: "ATT_DECODE" },
    { name: "missing-instance-id", description: "A mandatory claim (instance id, 256) is missing", input: platformInput(buildPsaToken({ nonce, omit: [PSA_CLAIM.instanceId] }), root, base), expect: "ATT_DECODE" },
  ]
}

// ------------------------------------------------------------------------------------------------
// sim

const simSpecs = (): Spec[] => {
  const rootSk = fill(0x21)
  const otherRootSk = fill(0x22)
  const device = SimTee.makeDevice(crypto, rootSk, fill(0x23))
  const claim = CLAIM
  const att = SimTee.attest(crypto, device, claim)
  const root = [ed25519Pem(crypto.ed25519.publicKey(rootSk))]
  const base = { report_data: toHex(REPORT_DATA), approved_measurements: [toHex(claim.measurement)] }
  const forged = SimTee.attest(crypto, { ...device, certificate: { ...device.certificate, signature: fill(0x11, 64) } }, claim)
  const otherDevice = SimTee.makeDevice(crypto, otherRootSk, fill(0x23))
  const wrongKey = SimTee.attest(crypto, { ...device, secretKey: fill(0x24) }, claim)
  return [
    { name: "valid", description: "Sim evidence: device certificate by the sim root, report {measurement, reportData} signed by the device key", input: platformInput(att.evidence, root, base), expect: "ok" },
    { name: "unknown-root", description: "Chain check: the certificate's issuer is not a configured sim root", input: platformInput(SimTee.attest(crypto, otherDevice, claim).evidence, root, base), expect: "ATT_BAD_CHAIN" },
    { name: "certificate-signature", description: "Chain check: the device certificate's signature does not verify under the root", input: platformInput(forged.evidence, root, base), expect: "ATT_BAD_CHAIN" },
    { name: "report-signature", description: "Signature check: the report is signed by a key other than the certified device key", input: platformInput(wrongKey.evidence, root, base), expect: "ATT_BAD_SIGNATURE" },
    { name: "binding-mismatch", description: "Binding: report data of another claim", input: platformInput(SimTee.attest(crypto, device, claim, { reportData: fill(0x5d, 64) }).evidence, root, base), expect: "ATT_BINDING_MISMATCH" },
    { name: "measurement-not-approved", description: "Measurement: not approved", input: platformInput(att.evidence, root, { ...base, approved_measurements: [toHex(fill(0))] }), expect: "ATT_MEASUREMENT_NOT_APPROVED" },
    { name: "truncated", description: "Truncation: the evidence without its last byte", input: platformInput(att.evidence.subarray(0, att.evidence.length - 1), root, base), expect: "ATT_DECODE" },
    { name: "trailing-zero", description: "Trailing bytes: poai's own format takes no padding", input: platformInput(concatBytes(att.evidence, new Uint8Array(1)), root, base), expect: "ATT_DECODE" },
  ]
}

// ------------------------------------------------------------------------------------------------
// unified

const unifiedSpecs = (): Spec[] => {
  const sgxPki = makeSgxPki()
  const snpC = snpChain()
  const simRootSk = fill(0x31)
  const device = SimTee.makeDevice(crypto, simRootSk, fill(0x32))
  const claim = { ...CLAIM, measurement: fill(0xe3) }
  const roots: Record<AttestationPlatform, string[]> = {
    "sgx-dcap": [certPem(sgxPki.roots[0] as Uint8Array)],
    "sev-snp": [certPem(snpC.ark)],
    psa: [keyPem(iakSpki(PSA_TEST_IAK_SK))],
    sim: [ed25519Pem(crypto.ed25519.publicKey(simRootSk))],
  }
  assertValidAt([...sgxPki.chain.certs, snpC.ark, snpC.ask, snpC.vcek])
  const atts: Record<AttestationPlatform, UnifiedAttestation> = {
    "sgx-dcap": sgxAttest(crypto, claim, { pki: sgxPki }),
    "sev-snp": snpAttest(crypto, claim),
    psa: psaAttest(crypto, claim),
    sim: SimTee.attest(crypto, device, claim),
  }
  const approved = Object.values(atts).map((a) => toHex(a.measurement))
  const expected = {
    task_id: toHex(claim.taskId),
    input_hash: toHex(claim.inputHash),
    output_hash: toHex(claim.outputHash),
    worker: toHex(claim.worker),
    nonce: toHex(claim.nonce),
  }
  const enc = (a: UnifiedAttestation) => AttestationCodecs.UnifiedAttestation.encode(a)
  const envelope = (a: UnifiedAttestation, x: Record<string, unknown>) => AttestationCodecs.UnifiedAttestationEnvelope.encode({ ...a, ...x } as never)
  const input = (bytes: Uint8Array, o: { platforms?: AttestationPlatform[]; roots?: Partial<Record<AttestationPlatform, string[]>>; approved?: string[]; expected?: Partial<typeof expected> } = {}): JsonObject => ({
    attestation: toHex(bytes),
    platforms: o.platforms ?? ["sgx-dcap", "sev-snp", "psa", "sim"],
    roots: (o.roots ?? roots) as JsonObject,
    approved_measurements: o.approved ?? approved,
    expected: { ...expected, ...o.expected },
    verification_time: VERIFICATION_TIME,
  })
  const debugAttrs = concatBytes(Uint8Array.of(0x07), fill(0, 7), Uint8Array.of(0x03), fill(0, 7))
  const sgxDebug = sgxAttest(crypto, claim, { pki: sgxPki, report: { attributes: debugAttrs } })
  const sgxTdx = sgxAttest(crypto, claim, { pki: sgxPki, version: 4, teeType: 0x81 })
  const sgxPadded = { ...atts["sgx-dcap"], evidence: concatBytes(atts["sgx-dcap"].evidence, new Uint8Array(16)) }
  const sim = atts.sim
  const specs: Spec[] = (["sgx-dcap", "sev-snp", "psa", "sim"] as const).map((p) => ({
    name: `valid-${PLATFORM_HANDLERS[p].replace(/_/g, "-")}`,
    description: `A ${p} attestation binding the claim (report data = VER-ATT.4 of its fields)${p === "sim" ? ", signed by the certified device key" : ", signature 64 zero bytes (VER-ATT.3)"}`,
    input: input(enc(atts[p])),
    expect: "ok" as const,
  }))
  specs.push(
    { name: "decode-garbage", description: "Step 1: not a canonical CBOR attestation", input: input(fill(0xff, 40)), expect: "ATT_DECODE" },
    { name: "decode-trailing-byte", description: "Step 1: a valid attestation followed by one zero byte", input: input(concatBytes(enc(sim), new Uint8Array(1))), expect: "ATT_DECODE" },
    { name: "version-2", description: "Step 2: version 2", input: input(envelope(sim, { version: 2 })), expect: "ATT_UNSUPPORTED_VERSION" },
    { name: "platform-tdx", description: "Step 3: platform \"tdx\" is not a platform (TDX is unsupported, VER-ATT.2)", input: input(envelope(sim, { platform: "tdx" })), expect: "ATT_UNKNOWN_PLATFORM" },
    { name: "platform-not-configured", description: "Step 3: a psa attestation to a verifier configured for sgx-dcap and sim only", input: input(enc(atts.psa), { platforms: ["sgx-dcap", "sim"] }), expect: "ATT_UNKNOWN_PLATFORM" },
    { name: "no-root-configured", description: "Step 4: the platform has an adapter but no vendor root", input: input(enc(atts["sev-snp"]), { roots: { ...roots, "sev-snp": [] } }), expect: "ATT_BAD_CHAIN" },
    { name: "evidence-padded", description: "Step 4: evidence inside an attestation takes no padding (one byte string per attestation, VER-ATT.1)", input: input(enc(sgxPadded)), expect: "ATT_DECODE" },
    { name: "evidence-tdx", description: "Step 4: a TDX quote as sgx-dcap evidence", input: input(enc(sgxTdx)), expect: "ATT_UNSUPPORTED_TEE" },
    { name: "evidence-debug", description: "Step 4: a debug enclave", input: input(enc(sgxDebug)), expect: "ATT_DEBUG" },
    { name: "hardware-signature-not-zero", description: "Step 5: a hardware platform's signature must be 64 zero bytes", input: input(enc({ ...atts.psa, signature: fill(1, 64) })), expect: "ATT_BAD_SIGNATURE" },
    { name: "sim-signature", description: "Step 5: the sim attestation's signature does not verify under the certified device key", input: input(enc({ ...sim, signature: flip(sim.signature, 0) })), expect: "ATT_BAD_SIGNATURE" },
    { name: "measurement-field", description: "Step 6: the attestation's measurement differs from the evidence's", input: input(enc({ ...atts["sev-snp"], measurement: fill(0x66) })), expect: "ATT_BINDING_MISMATCH" },
    { name: "report-data-other-claim", description: "Step 6: evidence produced for another output hash", input: input(enc({ ...atts["sgx-dcap"], evidence: sgxAttest(crypto, { ...claim, outputHash: fill(0x99) }, { pki: sgxPki }).evidence })), expect: "ATT_BINDING_MISMATCH" },
    { name: "code-hash-changed", description: "Step 6 (sim): codeHash changed and re-signed by the device: the report data no longer binds it", input: input(enc(SimTee.attest(crypto, device, claim, { reportData: bindingReportData(crypto.sha256, { ...claim, codeHash: fill(0x77) }) }))), expect: "ATT_BINDING_MISMATCH" },
    { name: "measurement-not-approved", description: "Step 7: the measurement is not in the registry", input: input(enc(atts.psa), { approved: [] }), expect: "ATT_MEASUREMENT_NOT_APPROVED" },
    { name: "claim-task-id", description: "Step 8: task id differs from the claim", input: input(enc(atts["sev-snp"]), { expected: { task_id: toHex(fill(0x41)) } }), expect: "ATT_CLAIM_MISMATCH" },
    { name: "claim-input-hash", description: "Step 8: input hash differs", input: input(enc(sim), { expected: { input_hash: toHex(fill(0x42)) } }), expect: "ATT_CLAIM_MISMATCH" },
    { name: "claim-output-hash", description: "Step 8: output hash differs", input: input(enc(atts["sgx-dcap"]), { expected: { output_hash: toHex(fill(0x43)) } }), expect: "ATT_CLAIM_MISMATCH" },
    { name: "claim-worker", description: "Step 8: worker differs", input: input(enc(atts.psa), { expected: { worker: toHex(fill(0x44)) } }), expect: "ATT_CLAIM_MISMATCH" },
    { name: "stale-nonce", description: "Step 9: nonce is not the expected freshness nonce (a replay)", input: input(enc(sim), { expected: { nonce: toHex(fill(0x45)) } }), expect: "ATT_STALE" },
  )
  return specs
}

// ------------------------------------------------------------------------------------------------

const HANDLER_FILES = ["sgx_dcap", "sev_snp", "psa", "sim", "unified"] as const

export const generate = async (outRoot: string): Promise<void> => {
  for (const h of HANDLER_FILES) clearHandlerDir(outRoot, SUITE, h)
  const files: Array<[string, string, ReadonlyArray<Spec>]> = []
  const sgx = sgxSpecs()
  const snp = snpSpecs()
  files.push(["sgx_dcap", "test-keys.json", sgx.testKeys], ["sgx_dcap", "real-evidence.json", sgx.real])
  files.push(["sev_snp", "test-keys.json", snp.testKeys], ["sev_snp", "real-evidence.json", snp.real])
  files.push(["psa", "test-keys.json", psaSpecs()], ["sim", "test-keys.json", simSpecs()], ["unified", "unified.json", unifiedSpecs()])
  const seen = new Set<string>()
  for (const [name, file, specs] of files) {
    const h = handler(name)
    for (const s of specs) seen.add(s.expect)
    writeVector(outRoot, SUITE, name, file, genericFile(SUITE, name, `${h.description} (${file.replace(/\.json$/, "")})`, h.spec, realise(h, specs)))
  }
  // every ATT_* code of the catalogue is the designed verdict of at least one case (VER-ATT.9)
  for (const code of Object.keys(ATTESTATION_ERROR_CODES)) if (!seen.has(code)) fail(`no vector rejects with ${code}`)
}
