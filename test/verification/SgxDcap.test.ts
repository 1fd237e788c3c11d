// VER-X509.1..7 and VER-SGX.1..9: the test certificate builder, the shared X.509 chain rules, and the
// Intel SGX DCAP quote adapter (v3 and v4), one rejection per rule, and the full VER-ATT.6 pipeline.
import { p256 } from "@noble/curves/nist.js"
import { X509Certificate, createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { concatBytes, toHex } from "../../src/codec/Bytes.ts"
import { nodeCryptoService as crypto } from "../../src/crypto/NodeCrypto.ts"
import { nobleCrypto } from "../../src/crypto/NobleCrypto.ts"
import {
  AttestationCodecs,
  verifyAttestation,
  type AttestationConfig,
  type AttestationErrorCode,
  type ExpectedAttestation,
  type UnifiedAttestation,
} from "../../src/verification/Attestation.ts"
import { inspectSgxQuote, parseSgxQuote, sgxDcapAdapter, verifyP256Raw } from "../../src/verification/tee/SgxDcap.ts"
import {
  MAX_CHAIN_LENGTH,
  parseCertDer,
  parsePemChain,
  signatureAlgorithmOf,
  verifyChain,
  type ParsedCert,
} from "../../src/verification/tee/X509.ts"
import {
  derNull,
  explicit,
  makeCertificate,
  oid,
  seq,
  sigAlgorithmIdentifier,
  tlv,
  makeTestChain,
  p256Key,
  p384Key,
  rsaKey,
  toPem,
  type CertSigAlg,
} from "../fixtures/tee/Certs.ts"
import {
  buildSgxQuote,
  makeSgxPki,
  sgxAttest,
  signP256,
  type SgxClaim,
  type SgxQuoteOptions,
} from "../fixtures/tee/SgxBuilder.ts"

type R = Either.Either<unknown, { code: AttestationErrorCode; detail: string }>
const codeOf = (r: R): AttestationErrorCode | "ok" => (Either.isLeft(r) ? r.left.code : "ok")
const detailOf = (r: R): string => (Either.isLeft(r) ? r.left.detail : "")
const fill = (b: number, n = 32) => new Uint8Array(n).fill(b)
const right = <A>(e: Either.Either<A, unknown>): A => {
  if (Either.isLeft(e)) throw new Error(`expected Right, got ${String(e.left)}`)
  return e.right
}

// ------------------------------------------------------------------------------------------------
// Certificate builder and X.509 chain rules

describe("test certificate builder (test/fixtures/tee/Certs.ts)", () => {
  const cases: ReadonlyArray<[CertSigAlg, () => { privateKey: import("node:crypto").KeyObject; publicKey: import("node:crypto").KeyObject }]> = [
    ["ecdsa-sha256", () => p256Key("builder/p256")],
    ["ecdsa-sha384", () => p384Key("builder/p384")],
    ["rsa-pss-sha384", () => rsaKey("builder/rsa")],
  ]
  for (const [alg, key] of cases)
    it(`${alg}: node's X509Certificate parses it and verifies the signature`, () => {
      const issuer = key()
      const subject = p256Key("builder/subject")
      const der = makeCertificate({
        subjectPublicKey: subject.publicKey, issuerPrivateKey: issuer.privateKey, subject: "Leaf", issuer: "Issuer", serial: 0x1234, sigAlg: alg,
      })
      const x = new X509Certificate(Buffer.from(der))
      expect(x.subject).toBe("CN=Leaf")
      expect(x.issuer).toBe("CN=Issuer")
      expect(x.serialNumber).toBe("1234")
      expect(x.ca).toBe(false)
      expect(x.verify(issuer.publicKey)).toBe(true)
      expect(x.verify(p256Key("builder/other").publicKey)).toBe(false)
      expect(toHex(new Uint8Array(x.publicKey.export({ type: "spki", format: "der" })))).toBe(
        toHex(new Uint8Array(subject.publicKey.export({ type: "spki", format: "der" }))),
      )
      const p = right(parseCertDer(der))
      expect([p.subject, p.issuer, p.serialNumber]).toEqual(["CN=Leaf", "CN=Issuer", "1234"])
      expect(toHex(p.der)).toBe(toHex(der))
      // PEM round trip
      expect(toHex(right(parsePemChain(toPem(der)))[0]?.der ?? new Uint8Array())).toBe(toHex(der))
    })

  it("ECDSA chains are deterministic; CA flag set on root and intermediate only", () => {
    const a = makeTestChain("det")
    const b = makeTestChain("det")
    expect(a.certs.map(toHex)).toEqual(b.certs.map(toHex))
    expect(a.certs.map((d) => new X509Certificate(Buffer.from(d)).ca)).toEqual([false, true, true])
  })
})

describe("X.509 helpers (VER-X509.1..6)", () => {
  const c = makeTestChain("X509")
  const chain = right(parsePemChain(c.pem))
  const [leafDer, intDer, rootDer] = c.certs
  const other = makeTestChain("X509", { root: "X509 Root CA", intermediate: "X509 Intermediate CA", leaf: "X509 Leaf" })
  // same names, different keys: a look-alike PKI
  const lookAlike = makeTestChain("X509-lookalike", { root: "X509 Root CA", intermediate: "X509 Intermediate CA", leaf: "X509 Leaf" })

  it("VER-X509.1: parseCertDer rejects non-certificates with ATT_DECODE and never throws", () => {
    const bad: ReadonlyArray<Uint8Array> = [
      new Uint8Array(0),
      Uint8Array.of(0x30),
      Uint8Array.of(0x30, 0x00),
      leafDer.slice(0, leafDer.length - 1),
      concatBytes(leafDer, Uint8Array.of(0)),
      new TextEncoder().encode(toPem(leafDer)),
      fill(0x30, 100),
      new Uint8Array(9000).fill(0x30),
      // long-form length where short form fits: not DER
      concatBytes(Uint8Array.of(0x30, 0x81, 0x05), fill(0, 5)),
    ]
    for (const b of bad) expect(codeOf(parseCertDer(b))).toBe("ATT_DECODE")
    expect(codeOf(parseCertDer("not bytes" as unknown as Uint8Array))).toBe("ATT_DECODE")
  })

  it("VER-X509.2: parsePemChain accepts whitespace, CRLF and trailing NULs; rejects anything else", () => {
    expect(right(parsePemChain(c.pem)).map((x) => x.subject)).toEqual(["CN=X509 Leaf", "CN=X509 Intermediate CA", "CN=X509 Root CA"])
    expect(right(parsePemChain(new TextEncoder().encode(c.pem)))).toHaveLength(3)
    expect(right(parsePemChain(`\r\n${c.pem.replace(/\n/g, "\r\n")}\n\0\0`))).toHaveLength(3)
    const bad: ReadonlyArray<string | Uint8Array> = [
      "",
      "\n\0",
      `${c.pem}junk`,
      `junk${c.pem}`,
      `${toPem(leafDer)}x${toPem(intDer)}`,
      c.pem.replace("-----END CERTIFICATE-----", "-----END CERTIFICATE----"),
      toPem(leafDer).replace(/[A-Za-z0-9]{4}\n/, "!!!!\n"),
      `-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`,
      `${toPem(leafDer)}\0${toPem(intDer)}`,
      Array.from({ length: MAX_CHAIN_LENGTH + 1 }, () => toPem(leafDer)).join(""),
      Uint8Array.of(0xff, 0xfe, 0x2d),
    ]
    for (const b of bad) expect(codeOf(parsePemChain(b))).toBe("ATT_DECODE")
  })

  it("VER-X509.3/4: a chain ending at, or signed by, a configured root verifies and yields the leaf", () => {
    expect(right(verifyChain(chain, [rootDer])).subject).toBe("CN=X509 Leaf")
    expect(codeOf(verifyChain(chain.slice(0, 2), [rootDer]))).toBe("ok") // root omitted
    expect(codeOf(verifyChain(chain.slice(2), [rootDer]))).toBe("ok") // the root itself
    expect(codeOf(verifyChain(chain, [other.certs[2], Uint8Array.of(1, 2), rootDer]))).toBe("ok") // garbage roots ignored
  })

  it("VER-X509.3/4: ATT_BAD_CHAIN for an unconfigured root, broken links, non-CA issuers and bad lengths", () => {
    const bad = (ch: ReadonlyArray<ParsedCert>, roots: ReadonlyArray<Uint8Array> = [rootDer]) => codeOf(verifyChain(ch, roots))
    const parse = (...ds: ReadonlyArray<Uint8Array>) => ds.map((d) => right(parseCertDer(d)))
    expect(bad(chain, [lookAlike.certs[2]])).toBe("ATT_BAD_CHAIN") // same name, other key
    expect(bad(chain.slice(0, 2), [lookAlike.certs[2]])).toBe("ATT_BAD_CHAIN")
    expect(bad(chain, [])).toBe("ATT_BAD_CHAIN")
    expect(bad([])).toBe("ATT_BAD_CHAIN")
    // swapped intermediate: same names, other key
    expect(bad(parse(leafDer, lookAlike.certs[1], rootDer))).toBe("ATT_BAD_CHAIN")
    // names do not chain (leaf directly under the root)
    expect(bad(parse(leafDer, rootDer))).toBe("ATT_BAD_CHAIN")
    // a leaf (not a CA) issuing a certificate: signature and names fine, CA flag missing
    const rogue = p256Key("X509/rogue")
    const rogueDer = makeCertificate({
      subjectPublicKey: rogue.publicKey, issuerPrivateKey: c.leaf.privateKey, subject: "Rogue", issuer: "X509 Leaf", sigAlg: "ecdsa-sha256",
    })
    expect(bad(parse(rogueDer, leafDer, intDer, rootDer))).toBe("ATT_BAD_CHAIN")
    // a non-CA root configured: the last certificate names it but it may not issue
    const nonCaRoot = makeCertificate({
      subjectPublicKey: c.root.publicKey, issuerPrivateKey: c.root.privateKey, subject: "X509 Root CA", issuer: "X509 Root CA", sigAlg: "ecdsa-sha256",
    })
    expect(bad(chain.slice(0, 2), [nonCaRoot])).toBe("ATT_BAD_CHAIN")
    // too long
    expect(bad([...chain, ...chain])).toBe("ATT_BAD_CHAIN")
    // a ParsedCert built by hand whose DER does not parse
    expect(bad([{ ...(chain[0] as ParsedCert), der: Uint8Array.of(1) }, ...chain.slice(1)])).toBe("ATT_BAD_CHAIN")
  })

  it("VER-X509.5: validity dates are not checked (an expired chain verifies)", () => {
    const old: readonly [Date, Date] = [new Date(Date.UTC(1990, 0, 1)), new Date(Date.UTC(1991, 0, 1))]
    const leaf = p256Key("X509/expired")
    const expired = makeCertificate({
      subjectPublicKey: leaf.publicKey, issuerPrivateKey: c.intermediate.privateKey, subject: "Expired", issuer: "X509 Intermediate CA", sigAlg: "ecdsa-sha256", validity: old,
    })
    expect(new X509Certificate(Buffer.from(expired)).validTo).toContain("1991")
    expect(codeOf(verifyChain([right(parseCertDer(expired)), ...chain.slice(1)], [rootDer]))).toBe("ok")
  })

  it("VER-X509.6: only ECDSA/RSA with SHA-2, RSASSA-PSS with explicit SHA-2 parameters, or Ed25519", () => {
    const fake = (alg: Uint8Array) => seq(seq(), alg, tlv(0x03, Uint8Array.of(0)))
    const sha = (o: string) => seq(oid(o), derNull)
    const pss = (...p: ReadonlyArray<Uint8Array>) => fake(seq(oid("1.2.840.113549.1.1.10"), seq(...p)))
    const S256 = "2.16.840.1.101.3.4.2.1"
    const mgf1 = (h: string) => explicit(1, seq(oid("1.2.840.113549.1.1.8"), sha(h)))
    for (const a of ["ecdsa-sha256", "ecdsa-sha384", "rsa-pss-sha384"] as const)
      expect(signatureAlgorithmOf(fake(sigAlgorithmIdentifier(a)))).toBeDefined()
    expect(signatureAlgorithmOf(fake(sigAlgorithmIdentifier("rsa-pss-sha384")))).toBe("RSASSA-PSS/SHA-384")
    expect(signatureAlgorithmOf(pss(explicit(0, sha(S256)), mgf1(S256)))).toBe("RSASSA-PSS/SHA-256")
    expect(signatureAlgorithmOf(fake(seq(oid("1.3.101.112"))))).toBe("Ed25519")
    const rejected = [
      fake(sigAlgorithmIdentifier("ecdsa-sha1")),
      fake(seq(oid("1.2.840.113549.1.1.5"), derNull)), // sha1WithRSAEncryption
      fake(seq(oid("1.2.840.113549.1.1.4"), derNull)), // md5WithRSAEncryption
      fake(seq(oid("1.2.840.113549.1.1.10"))), // PSS, default (SHA-1) parameters
      pss(), // PSS, empty parameters (SHA-1)
      pss(explicit(0, sha(S256))), // MGF1 defaulted to SHA-1
      pss(explicit(0, sha(S256)), mgf1("1.3.14.3.2.26")), // MGF1-SHA-1
      pss(explicit(0, sha("1.3.14.3.2.26")), mgf1("1.3.14.3.2.26")), // SHA-1
      pss(explicit(0, sha(S256)), mgf1("2.16.840.1.101.3.4.2.2")), // mixed hashes
      Uint8Array.of(1, 2, 3),
    ]
    for (const r of rejected) expect(signatureAlgorithmOf(r)).toBeUndefined()
    // a SHA-1 link in an otherwise valid chain (OpenSSL itself would verify it)
    const mid = p256Key("X509/sha1-mid")
    const midDer = makeCertificate({
      subjectPublicKey: mid.publicKey, issuerPrivateKey: c.root.privateKey, subject: "X509 Intermediate CA", issuer: "X509 Root CA", sigAlg: "ecdsa-sha1", isCa: true,
    })
    expect(new X509Certificate(Buffer.from(midDer)).verify(c.root.publicKey)).toBe(true)
    const sha1Leaf = makeCertificate({
      subjectPublicKey: c.leaf.publicKey, issuerPrivateKey: mid.privateKey, subject: "X509 Leaf", issuer: "X509 Intermediate CA", sigAlg: "ecdsa-sha256",
    })
    const ch = [sha1Leaf, midDer].map((d) => right(parseCertDer(d)))
    expect(codeOf(verifyChain(ch, [rootDer]))).toBe("ATT_BAD_CHAIN")
    expect(detailOf(verifyChain([...ch, right(parseCertDer(rootDer))], [rootDer]))).toMatch(/unsupported signature algorithm/)
    expect(codeOf(verifyChain(ch, [midDer]))).toBe("ok") // a configured root is trusted as given
  })

  it("VER-X509.3/6: an AMD-style chain (RSA-PSS/SHA-384 root and intermediate, P-384 leaf) verifies", () => {
    const ark = rsaKey("X509/ark")
    const ask = rsaKey("X509/ask")
    const vcek = p384Key("X509/vcek")
    const arkDer = makeCertificate({ subjectPublicKey: ark.publicKey, issuerPrivateKey: ark.privateKey, subject: "ARK-Test", issuer: "ARK-Test", sigAlg: "rsa-pss-sha384", isCa: true })
    const askDer = makeCertificate({ subjectPublicKey: ask.publicKey, issuerPrivateKey: ark.privateKey, subject: "SEV-Test", issuer: "ARK-Test", sigAlg: "rsa-pss-sha384", isCa: true })
    const vcekDer = makeCertificate({ subjectPublicKey: vcek.publicKey, issuerPrivateKey: ask.privateKey, subject: "SEV-VCEK", issuer: "SEV-Test", sigAlg: "rsa-pss-sha384" })
    const ch = [vcekDer, askDer].map((d) => right(parseCertDer(d)))
    expect(right(verifyChain(ch, [arkDer])).publicKey.asymmetricKeyDetails?.namedCurve).toBe("secp384r1")
    expect(codeOf(verifyChain(ch, [rootDer]))).toBe("ATT_BAD_CHAIN")
  })
})

// ------------------------------------------------------------------------------------------------
// SGX DCAP quotes

const pki = makeSgxPki()
const otherPki = makeSgxPki("SGX other")
const mrEnclave = fill(0x42)
const reportData = Uint8Array.from({ length: 64 }, (_, i) => i)
const quote = (o: Partial<SgxQuoteOptions> = {}) => buildSgxQuote({ mrEnclave, reportData, pki, ...o })
const verifyQ = (q: Uint8Array, roots: ReadonlyArray<Uint8Array> = pki.roots) => sgxDcapAdapter.verifyEvidence(crypto, q, roots)
const codeQ = (q: Uint8Array, roots?: ReadonlyArray<Uint8Array>) => codeOf(verifyQ(q, roots))
const flip = (b: Uint8Array, i: number, mask = 0x01) => {
  const c = b.slice()
  c[i] = (c[i] as number) ^ mask
  return c
}
const setU16 = (b: Uint8Array, off: number, v: number) => {
  const c = b.slice()
  c[off] = v & 0xff
  c[off + 1] = v >>> 8
  return c
}

describe.each([3, 4] as const)("SGX DCAP quote v%i (VER-SGX.1..9)", (version) => {
  const q = quote({ version })

  it("a valid quote verifies (node and noble CryptoService) and yields MRENCLAVE and REPORTDATA", () => {
    for (const cs of [crypto, nobleCrypto]) {
      const f = right(sgxDcapAdapter.verifyEvidence(cs, q, pki.roots))
      expect(f.devicePubKey).toBeUndefined()
      expect(toHex(f.measurement)).toBe(toHex(mrEnclave))
      expect(toHex(f.reportData)).toBe(toHex(reportData))
    }
    const p = right(parseSgxQuote(q))
    expect(p.version).toBe(version)
    expect(p.certificationDataType).toBe(version === 3 ? 5 : 6)
    expect(p.pckChain).toHaveLength(3)
  })

  it("VER-SGX.6: high-S signatures are accepted (Intel does not normalise S)", () => {
    expect(codeQ(quote({ version, highS: true }))).toBe("ok")
  })

  it("VER-SGX.6: node:crypto and @noble/curves (lowS: false) agree on valid, high-S and broken signatures", () => {
    const msg = q.slice(0, 432)
    const n = p256.Point.CURVE().n
    const be = (x: bigint) => Uint8Array.from(Buffer.from(x.toString(16).padStart(64, "0"), "hex"))
    const good = signP256(msg, pki.attestationKey.secret)
    const r = good.subarray(0, 32)
    const sigs = [
      good,
      signP256(msg, pki.attestationKey.secret, true),
      flip(good, 3),
      flip(good, 63),
      concatBytes(r, be(0n)),
      concatBytes(be(0n), good.subarray(32)),
      concatBytes(r, be(n)),
      concatBytes(be(n), good.subarray(32)),
      concatBytes(r, be(n - 1n)),
      fill(0xff, 64),
    ]
    const pub = Uint8Array.of(0x04, ...pki.attestationKey.publicRaw)
    const noble = (s: Uint8Array) => {
      try {
        return p256.verify(s, msg, pub, { prehash: true, lowS: false, format: "compact" })
      } catch {
        return false
      }
    }
    const verdicts = sigs.map((s) => [verifyP256Raw(s, msg, pki.attestationKey.publicKey), noble(s)])
    for (const [a, b] of verdicts) expect(a).toBe(b)
    expect(verdicts.map(([a]) => a)).toEqual([true, true, false, false, false, false, false, false, false, false])
  })

  it("VER-SGX.5: truncated at any of several cut points, or padded, is ATT_DECODE", () => {
    for (const cut of [0, 1, 2, 7, 47, 48, 100, 431, 432, 435, 436, 437, 499, 500, 564, 948, 1012, 1013, 1050, q.length - 700, q.length - 1])
      expect([cut, codeQ(q.slice(0, cut))]).toEqual([cut, "ATT_DECODE"])
    expect(codeQ(concatBytes(q, Uint8Array.of(0)))).toBe("ATT_DECODE")
    // trailing byte with signature_data_len adjusted: the certification data size no longer matches
    const padded = concatBytes(q, Uint8Array.of(0x0a))
    const len = new DataView(padded.buffer).getUint32(432, true)
    new DataView(padded.buffer).setUint32(432, len + 1, true)
    expect(codeQ(padded)).toBe("ATT_DECODE")
    // signature_data_len too small / too large
    for (const d of [-1, 1, 0x10000]) {
      const c = q.slice()
      new DataView(c.buffer).setUint32(432, len + d, true)
      expect(codeQ(c)).toBe("ATT_DECODE")
    }
  })

  it("VER-SGX.1: other versions and key types are ATT_DECODE; TDX quotes (v4/v5, tee_type 0x81) ATT_UNSUPPORTED_TEE", () => {
    for (const v of [0, 1, 2, 5, 0x0300]) expect(detailOf(verifyQ(setU16(q, 0, v)))).toMatch(/unsupported quote version/)
    expect(detailOf(verifyQ(quote({ version, attKeyType: 3 })))).toMatch(/attestation key type/)
    expect(codeQ(quote({ version, attKeyType: 0 }))).toBe("ATT_DECODE")
    if (version === 4) {
      expect(codeQ(quote({ version, teeType: 0x81 }))).toBe("ATT_UNSUPPORTED_TEE")
      expect(detailOf(verifyQ(quote({ version, teeType: 0x81 })))).toMatch(/Intel TDX quote/)
      expect(codeQ(setU16(quote({ version, teeType: 0x81 }), 0, 5))).toBe("ATT_UNSUPPORTED_TEE")
    } else expect(detailOf(verifyQ(quote({ version, teeType: 0x81 })))).toMatch(/unsupported tee type 0x81/) // v3 has no tee_type
    expect(codeQ(quote({ version, teeType: 1 }))).toBe("ATT_DECODE")
  })

  it("VER-SGX.3/4: wrong certification data types and a malformed PCK chain are ATT_DECODE", () => {
    expect(codeQ(quote({ version, certType: version === 3 ? 4 : 5 }))).toBe("ATT_DECODE")
    if (version === 4) expect(codeQ(quote({ version, innerCertType: 6 }))).toBe("ATT_DECODE")
    expect(codeQ(quote({ version, pckCertChain: new TextEncoder().encode("hello") }))).toBe("ATT_DECODE")
    expect(codeQ(quote({ version, pckCertChain: new Uint8Array(0) }))).toBe("ATT_DECODE")
  })

  it("VER-SGX.6: a wrong or tampered quote signature is ATT_BAD_SIGNATURE", () => {
    expect(codeQ(quote({ version, quoteSigner: p256Key("SGX/other-att").secret }))).toBe("ATT_BAD_SIGNATURE")
    expect(codeQ(flip(q, 436 + 5))).toBe("ATT_BAD_SIGNATURE") // r
    expect(codeQ(flip(q, 436 + 40))).toBe("ATT_BAD_SIGNATURE") // s
    // signed bytes changed after signing: header user_data, mr_enclave, report_data
    for (const i of [30, 48 + 64, 48 + 320, 48 + 383]) expect([i, codeQ(flip(q, i))]).toEqual([i, "ATT_BAD_SIGNATURE"])
    // r = s = 0
    const z = q.slice()
    z.fill(0, 436, 436 + 64)
    expect(codeQ(z)).toBe("ATT_BAD_SIGNATURE")
    // an attestation key that is not a curve point (QE report binds it, so only the key check fails)
    expect(detailOf(verifyQ(quote({ version, attestPubKey: fill(7, 64) })))).toMatch(/not a P-256 point/)
  })

  it("VER-SGX.7: a wrong QE report signature or binding is ATT_BAD_CHAIN", () => {
    expect(detailOf(verifyQ(quote({ version, qeReportSigner: p256Key("SGX/not-pck").secret })))).toMatch(/QE report signature/)
    const qeSigOff = version === 3 ? 436 + 128 + 384 : 436 + 128 + 6 + 384
    expect(codeQ(flip(q, qeSigOff + 3))).toBe("ATT_BAD_CHAIN")
    expect(codeQ(flip(q, qeSigOff - 10))).toBe("ATT_BAD_CHAIN") // QE report body byte
    expect(detailOf(verifyQ(quote({ version, qeReportData: fill(0, 64) })))).toMatch(/does not bind the attestation key/)
    const good = right(parseSgxQuote(q)).qeReport.reportData
    expect(codeQ(quote({ version, qeReportData: concatBytes(good.subarray(0, 32), fill(0, 31), Uint8Array.of(1)) }))).toBe("ATT_BAD_CHAIN")
    // attestation key swapped after the QE report was signed (binding breaks)
    expect(codeQ(quote({ version, attestPubKey: otherPki.attestationKey.publicRaw, qeReportData: good }))).toBe("ATT_BAD_CHAIN")
    // QE auth data changed (binding covers it)
    const authOff = qeSigOff + 64 + 2
    expect(codeQ(flip(q, authOff))).toBe("ATT_BAD_CHAIN")
  })

  it("VER-SGX.7: PCK chain to an unconfigured root, a swapped intermediate or a non-P-256 PCK key is ATT_BAD_CHAIN", () => {
    expect(codeQ(q, otherPki.roots)).toBe("ATT_BAD_CHAIN")
    expect(codeQ(q, [])).toBe("ATT_BAD_CHAIN")
    expect(codeQ(quote({ version, pki: otherPki }))).toBe("ATT_BAD_CHAIN")
    const names = {
      root: "Intel SGX Root CA (SGX test)",
      intermediate: "Intel SGX PCK Platform CA (SGX test)",
      leaf: "Intel SGX PCK Certificate (SGX test)",
    }
    const look = makeTestChain("SGX lookalike", names)
    const swapped = [pki.chain.certs[0], look.certs[1], pki.chain.certs[2]].map(toPem).join("")
    expect(codeQ(quote({ version, pckCertChain: new TextEncoder().encode(swapped) }))).toBe("ATT_BAD_CHAIN")
    // the whole look-alike chain (same names, other root key) against the real root
    expect(codeQ(quote({ version, pckCertChain: new TextEncoder().encode(look.pem), qeReportSigner: look.leaf.secret }))).toBe("ATT_BAD_CHAIN")
    // a P-384 PCK leaf, properly certified
    const p384 = p384Key("SGX/p384-pck")
    const leaf384 = makeCertificate({
      subjectPublicKey: p384.publicKey, issuerPrivateKey: pki.chain.intermediate.privateKey, subject: names.leaf, issuer: names.intermediate, sigAlg: "ecdsa-sha256",
    })
    const chain384 = [leaf384, pki.chain.certs[1], pki.chain.certs[2]].map(toPem).join("")
    expect(detailOf(verifyQ(quote({ version, pckCertChain: new TextEncoder().encode(chain384) })))).toMatch(/not an ECDSA P-256 key/)
  })

  it("VER-SGX.7: a debug enclave is ATT_DEBUG (its own reason, after the signature check)", () => {
    const debugAttrs = concatBytes(Uint8Array.of(0x07), fill(0, 7), Uint8Array.of(0x03), fill(0, 7))
    expect(codeQ(quote({ version, report: { attributes: debugAttrs } }))).toBe("ATT_DEBUG")
    // a debug quote whose signature is broken is a signature failure first
    expect(codeQ(quote({ version, report: { attributes: debugAttrs }, quoteSigner: fill(9) }))).toBe("ATT_BAD_SIGNATURE")
  })

  it("VER-X509.2: a PCK chain in non-canonical base64 (nonzero padding bits) is ATT_DECODE", () => {
    const pem = makeSgxPki().chain.pem
    // the first block's last base64 character before '=': set its unused low bits
    const m = /([A-Za-z0-9+/])(=+)\n-----END CERTIFICATE-----/.exec(pem)
    if (m === null) throw new Error("test chain has no padded block")
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    const idx = alphabet.indexOf(m[1] as string)
    const tweaked = alphabet[idx | ((m[2] as string).length === 2 ? 0x0f : 0x03)] as string
    expect(tweaked).not.toBe(m[1])
    const bad = pem.slice(0, m.index) + tweaked + pem.slice(m.index + 1)
    expect(Buffer.from(bad.split("-----")[2]!.replace(/\s/g, ""), "base64")).toEqual(Buffer.from(pem.split("-----")[2]!.replace(/\s/g, ""), "base64"))
    expect(codeQ(quote({ version, pckCertChain: new TextEncoder().encode(bad) }))).toBe("ATT_DECODE")
    expect(detailOf(verifyQ(quote({ version, pckCertChain: new TextEncoder().encode(bad) })))).toMatch(/not canonical base64/)
  })

  it("inspectSgxQuote: Intel's field names, hex bytes", () => {
    const j = right(inspectSgxQuote(q))
    expect(Object.keys(j)).toEqual([
      "version", "att_key_type", "tee_type", "qe_svn", "pce_svn", "qe_vendor_id", "user_data",
      "cpu_svn", "misc_select", "isv_ext_prod_id", "attributes", "mr_enclave", "mr_signer", "config_id",
      "isv_prod_id", "isv_svn", "config_svn", "isv_family_id", "report_data",
      "signature_data_len", "signature", "attest_pub_key", "certification_data_type",
      "qe_report", "qe_report_sig", "qe_auth_data", "pck_cert_chain_type", "pck_chain",
    ])
    expect(j).toMatchObject({
      version,
      att_key_type: 2,
      tee_type: 0,
      qe_svn: 8,
      pce_svn: 13,
      qe_vendor_id: "939a7233f79c4ca9940a0db3957f0607",
      attributes: "05000000000000000300000000000000",
      mr_enclave: toHex(mrEnclave),
      report_data: toHex(reportData),
      isv_prod_id: 1,
      isv_svn: 1,
      signature_data_len: q.length - 436,
      attest_pub_key: toHex(pki.attestationKey.publicRaw),
      certification_data_type: version === 3 ? 5 : 6,
      qe_auth_data: toHex(Uint8Array.from({ length: 32 }, (_, i) => i)),
      pck_cert_chain_type: 5,
      pck_chain: [
        { subject: "CN=Intel SGX PCK Certificate (SGX test)", issuer: "CN=Intel SGX PCK Platform CA (SGX test)" },
        { subject: "CN=Intel SGX PCK Platform CA (SGX test)", issuer: "CN=Intel SGX Root CA (SGX test)" },
        { subject: "CN=Intel SGX Root CA (SGX test)", issuer: "CN=Intel SGX Root CA (SGX test)" },
      ],
    })
    expect(JSON.parse(JSON.stringify(j))).toEqual(j)
    expect(Object.keys(j.qe_report as object)).toEqual([
      "cpu_svn", "misc_select", "isv_ext_prod_id", "attributes", "mr_enclave", "mr_signer", "config_id",
      "isv_prod_id", "isv_svn", "config_svn", "isv_family_id", "report_data",
    ])
    expect(codeOf(inspectSgxQuote(q.slice(0, 100)))).toBe("ATT_DECODE")
    // every report-body field at its VER-SGX.2 offset
    const body = Uint8Array.from({ length: 384 }, (_, i) => i & 0xff)
    const k = right(inspectSgxQuote(concatBytes(q.subarray(0, 48), body, q.subarray(432))))
    const hex = (a: number, b: number) => toHex(body.subarray(a, b))
    expect(k).toMatchObject({
      cpu_svn: hex(0, 16), misc_select: 0x13121110, isv_ext_prod_id: hex(32, 48), attributes: hex(48, 64),
      mr_enclave: hex(64, 96), mr_signer: hex(128, 160), config_id: hex(192, 256), isv_prod_id: 0x0100,
      isv_svn: 0x0302, config_svn: 0x0504, isv_family_id: hex(304, 320), report_data: hex(320, 384),
    })
  })
})

describe("SGX DCAP through verifyAttestation (VER-ATT.6 with VER-SGX.8)", () => {
  const claim: SgxClaim = {
    measurement: mrEnclave,
    codeHash: fill(0x11),
    inputHash: fill(0x12),
    outputHash: fill(0x13),
    taskId: fill(0x14),
    worker: crypto.ed25519.publicKey(fill(0x15)),
    nonce: fill(0x16),
  }
  const expected: ExpectedAttestation = {
    taskId: claim.taskId,
    inputHash: claim.inputHash,
    outputHash: claim.outputHash,
    worker: claim.worker,
    nonce: claim.nonce,
  }
  const config: AttestationConfig = {
    roots: { "sgx-dcap": pki.roots },
    approvedMeasurements: new Set([toHex(mrEnclave)]),
    adapters: { "sgx-dcap": sgxDcapAdapter },
  }
  const verify = (a: Uint8Array | UnifiedAttestation, cfg = config) => codeOf(verifyAttestation(crypto, cfg, a, expected))

  it.each([3, 4] as const)("a v%i quote binding the claim passes the full pipeline, from bytes and value", (version) => {
    const att = sgxAttest(crypto, claim, { version, pki })
    const r = verifyAttestation(crypto, config, AttestationCodecs.UnifiedAttestation.encode(att), expected)
    expect(codeOf(r)).toBe("ok")
    expect(right(r).devicePubKey).toBeUndefined()
    expect(verify(att)).toBe("ok")
  })

  it("rejections through the pipeline", () => {
    const att = sgxAttest(crypto, claim, { pki })
    // report data for another claim
    const otherEvidence = sgxAttest(crypto, { ...claim, outputHash: fill(0x55) }, { pki }).evidence
    expect(verify({ ...att, evidence: otherEvidence })).toBe("ATT_BINDING_MISMATCH")
    // attestation fields changed after quoting
    expect(verify({ ...att, inputHash: fill(0x77) })).toBe("ATT_BINDING_MISMATCH")
    // quote of another enclave
    expect(verify(sgxAttest(crypto, claim, { pki, mrEnclave: fill(0x43) }))).toBe("ATT_BINDING_MISMATCH")
    // a device signature where none may be
    expect(verify({ ...att, signature: fill(1, 64) })).toBe("ATT_BAD_SIGNATURE")
    // no SGX root configured / wrong root
    expect(verify(att, { ...config, roots: {} })).toBe("ATT_BAD_CHAIN")
    expect(verify(att, { ...config, roots: { "sgx-dcap": otherPki.roots } })).toBe("ATT_BAD_CHAIN")
    // measurement not approved
    expect(verify(att, { ...config, approvedMeasurements: new Set() })).toBe("ATT_MEASUREMENT_NOT_APPROVED")
    // malformed evidence
    expect(verify({ ...att, evidence: att.evidence.slice(0, 600) })).toBe("ATT_DECODE")
    // claim / freshness
    expect(codeOf(verifyAttestation(crypto, config, att, { ...expected, nonce: fill(0x99) }))).toBe("ATT_STALE")
  })
})

describe("a real Intel SGX quote (test/fixtures/tee/intel-sgx-quote-v3.hex)", () => {
  const text = readFileSync(new URL("../fixtures/tee/intel-sgx-quote-v3.hex", import.meta.url), "utf8")
  const q = Uint8Array.from(Buffer.from(text.split("\n").filter((l) => !l.startsWith("#")).join("").trim(), "hex"))
  const parsed = right(parseSgxQuote(q))
  const root = parsed.pckChain[parsed.pckChain.length - 1] as ParsedCert
  // SHA-256 of the Intel SGX Root CA certificate's DER, as carried by this quote's chain (two real
  // quotes from different platforms, one with a Processor CA and one with a Platform CA, carry it)
  const INTEL_SGX_ROOT_CA_SHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"

  it("VER-SGX.1..5: decodes with Intel's layout", () => {
    expect(q.length).toBe(4734)
    expect(right(inspectSgxQuote(q))).toMatchObject({
      version: 3,
      att_key_type: 2,
      tee_type: 0,
      qe_svn: 9,
      pce_svn: 14,
      qe_vendor_id: "939a7233f79c4ca9940a0db3957f0607",
      attributes: "0500000000000000e700000000000000",
      mr_enclave: "a4f45c39dac622cb1dd32ddb35a52ec92db41d0fa88a1c911c49e59c534f61cd",
      mr_signer: "1bda23eb3a807dfe735ddcebbfa2eac05e04a00df2804296612f770b594180ba",
      signature_data_len: 4298,
      certification_data_type: 5,
      qe_report: { mr_signer: "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff", isv_prod_id: 1 },
    })
    expect(parsed.pckChain.map((c) => c.subject.split("\n")[0])).toEqual([
      "CN=Intel SGX PCK Certificate",
      "CN=Intel SGX PCK Platform CA",
      "CN=Intel SGX Root CA",
    ])
    expect(createHash("sha256").update(root.der).digest("hex")).toBe(INTEL_SGX_ROOT_CA_SHA256)
    // the quote generator counted the PEM text's C terminator
    expect(parsed.pckCertChain[parsed.pckCertChain.length - 1]).toBe(0)
  })

  it("VER-SGX.6..8: verifies against the Intel SGX Root CA, and only against it", () => {
    const f = right(verifyQ(q, [root.der]))
    expect(toHex(f.measurement)).toBe("a4f45c39dac622cb1dd32ddb35a52ec92db41d0fa88a1c911c49e59c534f61cd")
    expect(codeQ(q, pki.roots)).toBe("ATT_BAD_CHAIN")
    expect(codeQ(flip(q, 48 + 320), [root.der])).toBe("ATT_BAD_SIGNATURE") // report_data
    expect(codeQ(flip(q, 436 + 128 + 10), [root.der])).toBe("ATT_BAD_CHAIN") // QE report
  })
})
