// Real vendor evidence (test/fixtures/tee/*.hex, provenance in each file): a second SGX quote, an Intel
// TDX quote (unsupported: ATT_UNSUPPORTED_TEE, VER-SGX.1) and an AMD SEV-SNP Milan report with AMD's
// real VCEK, ASK and ARK (VER-SNP.*), whose guest policy allows debugging (ATT_DEBUG, VER-SNP.11).
import { createHash } from "node:crypto"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { concatBytes, toHex } from "../../src/codec/Bytes.ts"
import { nodeCryptoService as crypto } from "../../src/crypto/NodeCrypto.ts"
import { SNP_CERT_GUID, buildSnpCertTable, inspectSnp, parseSnpReport, snpEvidenceFromParts, verifySnpEvidence } from "../../src/verification/tee/SevSnp.ts"
import { parseSgxQuote, sgxDcapAdapter } from "../../src/verification/tee/SgxDcap.ts"
import { verifyOperatorEvidence } from "../../src/verification/tee/OperatorEvidence.ts"
import { REAL, readHexFixture } from "../fixtures/tee/Real.ts"
import { snpChain } from "../fixtures/tee/SnpBuilder.ts"

const right = <A>(e: Either.Either<A, unknown>): A => {
  if (Either.isLeft(e)) throw new Error(`expected Right, got ${JSON.stringify(e.left)}`)
  return e.right
}
const code = (e: Either.Either<unknown, { code: string }>) => (Either.isLeft(e) ? e.left.code : "ok")

describe("real Intel quotes", () => {
  it("a second real SGX v3 quote (dcap-qvl) verifies against the Intel SGX Root CA it carries", () => {
    const q = readHexFixture(REAL.sgxQuoteV3b)
    expect(q.length).toBe(4600)
    const p = right(parseSgxQuote(q))
    const root = p.pckChain[p.pckChain.length - 1]!
    expect(createHash("sha256").update(root.der).digest("hex")).toBe("44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3")
    expect(code(sgxDcapAdapter.verifyEvidence(crypto, q, [root.der]))).toBe("ok")
  })

  it("a real TDX v4 quote is ATT_UNSUPPORTED_TEE, not ATT_DECODE", () => {
    const q = readHexFixture(REAL.tdxQuoteV4)
    expect(q.length).toBe(5006)
    expect([q[0], q[4]]).toEqual([4, 0x81])
    const r = sgxDcapAdapter.verifyEvidence(crypto, q, [])
    expect(code(r)).toBe("ATT_UNSUPPORTED_TEE")
  })
})

describe("a real AMD SEV-SNP Milan report (go-sev-guest)", () => {
  const report = readHexFixture(REAL.snpReport)
  const vcek = readHexFixture(REAL.snpVcek)
  const ask = readHexFixture(REAL.milanAsk)
  const ark = readHexFixture(REAL.milanArk)
  const container = right(snpEvidenceFromParts(report, vcek, ask))

  it("parses (version 2, policy 0xb0000: DEBUG allowed) and chains to AMD's Milan ARK; its debug policy is ATT_DEBUG", () => {
    const r = right(parseSnpReport(report))
    expect(r.version).toBe(2)
    expect(r.policy).toBe(0xb0000n)
    expect(code(verifySnpEvidence(crypto.sha256, container, [ark]))).toBe("ATT_DEBUG")
    expect(code(verifySnpEvidence(crypto.sha256, container, [snpChain().ark]))).toBe("ATT_BAD_CHAIN") // a test ARK
    const tampered = report.slice()
    tampered[0x50] = (tampered[0x50] as number) ^ 1 // REPORT_DATA
    expect(code(verifySnpEvidence(crypto.sha256, right(snpEvidenceFromParts(tampered, vcek, ask)), [ark]))).toBe("ATT_BAD_SIGNATURE")
    expect((right(inspectSnp(container)).report as Record<string, unknown>).policy).toBe("0x00000000000b0000")
  })

  it("as an operator holds it: raw report (zero-padded) with VCEK/ASK, or with the extended report's certificate table", () => {
    const padded = concatBytes(report, new Uint8Array(4000 - report.length))
    const direct = verifyOperatorEvidence(crypto, { platform: "sev-snp", evidence: padded, roots: [ark], snp: { vcek, ask } })
    expect(Either.isLeft(direct) && direct.left.error.code).toBe("ATT_DEBUG")
    const table = buildSnpCertTable([[SNP_CERT_GUID.vcek, vcek], [SNP_CERT_GUID.ask, ask], [SNP_CERT_GUID.ark, ark]])
    const viaTable = verifyOperatorEvidence(crypto, { platform: "sev-snp", evidence: report, roots: [ark], snp: { certTable: table } })
    expect(Either.isLeft(viaTable) && viaTable.left.error.code).toBe("ATT_DEBUG")
    // the table's ARK is not a root: without a configured root the chain fails
    const noRoot = verifyOperatorEvidence(crypto, { platform: "sev-snp", evidence: report, roots: [], snp: { certTable: table } })
    expect(Either.isLeft(noRoot) && noRoot.left.error.code).toBe("ATT_BAD_CHAIN")
    expect(toHex(container).length).toBeGreaterThan(2 * report.length)
  })
})
