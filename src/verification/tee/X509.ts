// spec: VER-X509.1..7 (spec/12-tee-sgx-dcap.md)
// X.509 helpers shared by the hardware platform adapters (SGX DCAP PCK chains, SEV-SNP VCEK chains,
// PSA). Parsing and signature checks are OpenSSL's, through node:crypto's X509Certificate; the
// chain rules (names chain, every issuer is a CA, the chain ends at a configured root, bounded
// sizes) are ours. Validity dates, revocation and policy are deliberately not checked (VER-X509.5):
// consensus code has no wall clock, and every node must reach the same verdict on the same bytes.
// Nothing here throws: every failure is an AttestationError.
import { X509Certificate, type KeyObject } from "node:crypto"
import { Either } from "effect"
import { bytesEqual } from "../../codec/Bytes.ts"
import { attFail, type AttestationError } from "../Attestation.ts"

/** Largest DER certificate accepted (VER-X509.1). Real PCK/VCEK/ARK certificates are under 2 KiB. */
export const MAX_CERT_BYTES = 8 * 1024
/** Largest number of certificates in a chain, leaf and (optional) root included (VER-X509.3). */
export const MAX_CHAIN_LENGTH = 5

export interface ParsedCert {
  /** The certificate's DER bytes, exactly as given. */
  readonly der: Uint8Array
  /** Subject distinguished name as OpenSSL prints it ("CN=...\nO=..."), used for name chaining. */
  readonly subject: string
  /** Issuer distinguished name, same format as `subject`. */
  readonly issuer: string
  readonly publicKey: KeyObject
  /** Serial number, upper-case hex as OpenSSL prints it. */
  readonly serialNumber: string
}

// The OpenSSL handle of every ParsedCert this module made; a ParsedCert built elsewhere is re-parsed
// from its `der` when needed.
const handles = new WeakMap<ParsedCert, X509Certificate>()

// OpenSSL's certificate parse costs more than an ECDSA verification, and the same PCK/VCEK chains
// arrive again and again: successfully parsed certificates are memoised by their exact DER bytes
// (least recently used first out). The result depends only on the bytes, so this changes no verdict.
const PARSED_CACHE_ENTRIES = 512
const parsedCache = new Map<string, ParsedCert>()

const errMsg = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/**
 * Length of the DER TLV at the start of `b` (header + content), or -1 if the header is not a
 * definite-length DER SEQUENCE header. Used to require that the input is exactly one certificate.
 */
const derSequenceLength = (b: Uint8Array): number => {
  if (b.length < 2 || b[0] !== 0x30) return -1
  const l0 = b[1] as number
  if (l0 < 0x80) return 2 + l0
  const n = l0 & 0x7f
  if (n === 0 || n > 3 || b.length < 2 + n) return -1
  let len = 0
  for (let i = 0; i < n; i++) len = len * 256 + (b[2 + i] as number)
  if (len < 0x80 || (n > 1 && (b[2] as number) === 0)) return -1 // not minimal: not DER
  return 2 + n + len
}

/**
 * Parse one DER certificate (VER-X509.1): at most MAX_CERT_BYTES, exactly one DER SEQUENCE with no
 * trailing bytes, accepted by OpenSSL, and re-encoding to the same bytes. ATT_DECODE otherwise.
 */
export const parseCertDer = (der: Uint8Array): Either.Either<ParsedCert, AttestationError> => {
  if (!(der instanceof Uint8Array)) return attFail("ATT_DECODE", "certificate: not bytes")
  if (der.length > MAX_CERT_BYTES) return attFail("ATT_DECODE", `certificate: ${der.length} bytes > ${MAX_CERT_BYTES}`)
  const outer = derSequenceLength(der)
  if (outer !== der.length)
    return attFail("ATT_DECODE", `certificate: not a single DER SEQUENCE (${outer} vs ${der.length} bytes)`)
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64")
  const hit = parsedCache.get(key)
  if (hit !== undefined && bytesEqual(hit.der, der)) {
    parsedCache.delete(key) // refresh its LRU position
    parsedCache.set(key, hit)
    return Either.right(hit)
  }
  try {
    const x = new X509Certificate(Buffer.from(der.buffer, der.byteOffset, der.byteLength))
    if (!bytesEqual(new Uint8Array(x.raw), der)) return attFail("ATT_DECODE", "certificate: not in DER form")
    const parsed: ParsedCert = Object.freeze({
      der: der.slice(),
      subject: x.subject,
      issuer: x.issuer,
      publicKey: x.publicKey,
      serialNumber: x.serialNumber,
    })
    handles.set(parsed, x)
    parsedCache.delete(key)
    parsedCache.set(key, parsed)
    if (parsedCache.size > PARSED_CACHE_ENTRIES) {
      const oldest = parsedCache.keys().next()
      if (oldest.done !== true) parsedCache.delete(oldest.value)
    }
    return Either.right(parsed)
  } catch (e) {
    return attFail("ATT_DECODE", `certificate: ${errMsg(e)}`)
  }
}

const handleOf = (c: ParsedCert): X509Certificate | undefined => {
  const h = handles.get(c)
  if (h !== undefined) return h
  try {
    const x = new X509Certificate(Buffer.from(c.der))
    handles.set(c, x)
    return x
  } catch {
    return undefined
  }
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\r\n\t ]*)-----END CERTIFICATE-----/y
const WS = /[ \t\r\n]*/y

/**
 * Parse concatenated PEM certificates, leaf first (VER-X509.2). The text (UTF-8) is one or more
 * `-----BEGIN CERTIFICATE-----` ... `-----END CERTIFICATE-----` blocks separated and surrounded by
 * ASCII whitespace, optionally followed by NUL bytes (quote generators often count a C string's
 * terminator); anything else, an empty chain, more than MAX_CHAIN_LENGTH blocks, bad base64 or a
 * block that is not a valid DER certificate (VER-X509.1) is ATT_DECODE.
 */
export const parsePemChain = (pem: Uint8Array | string): Either.Either<ReadonlyArray<ParsedCert>, AttestationError> => {
  let text: string
  if (typeof pem === "string") text = pem
  else if (pem instanceof Uint8Array) {
    if (pem.length > MAX_CHAIN_LENGTH * MAX_CERT_BYTES * 2) return attFail("ATT_DECODE", "PEM chain too large")
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(pem)
    } catch {
      return attFail("ATT_DECODE", "PEM chain is not UTF-8")
    }
  } else return attFail("ATT_DECODE", "PEM chain: not bytes or text")
  if (text.length > MAX_CHAIN_LENGTH * MAX_CERT_BYTES * 2) return attFail("ATT_DECODE", "PEM chain too large")
  let end = text.length
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--
  const certs: Array<ParsedCert> = []
  let pos = 0
  const skipWs = () => {
    WS.lastIndex = pos
    WS.exec(text)
    pos = WS.lastIndex
  }
  skipWs()
  while (pos < end) {
    if (certs.length >= MAX_CHAIN_LENGTH) return attFail("ATT_DECODE", `PEM chain has more than ${MAX_CHAIN_LENGTH} certificates`)
    PEM_BLOCK.lastIndex = pos
    const m = PEM_BLOCK.exec(text)
    if (m === null || PEM_BLOCK.lastIndex > end) return attFail("ATT_DECODE", `PEM chain: no certificate block at offset ${pos}`)
    pos = PEM_BLOCK.lastIndex
    const b64 = (m[1] ?? "").replace(/[\r\n\t ]/g, "")
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64))
      return attFail("ATT_DECODE", `PEM chain: certificate ${certs.length} is not valid base64`)
    const der = Buffer.from(b64, "base64")
    // canonical base64 only: the unused low bits of the last character before '=' must be zero, else
    // several texts decode to one certificate and the evidence is byte-malleable (VER-X509.2)
    if (der.toString("base64") !== b64)
      return attFail("ATT_DECODE", `PEM chain: certificate ${certs.length} is not canonical base64 (nonzero padding bits)`)
    const c = parseCertDer(new Uint8Array(der))
    if (Either.isLeft(c)) return attFail("ATT_DECODE", `PEM chain: certificate ${certs.length}: ${c.left.detail}`)
    certs.push(c.right)
    skipWs()
  }
  if (pos !== end) return attFail("ATT_DECODE", "PEM chain: trailing bytes")
  if (certs.length === 0) return attFail("ATT_DECODE", "PEM chain is empty")
  return Either.right(certs)
}

// Configured roots are long-lived values: parse each once (keyed by identity, re-checked by bytes).
const rootCache = new WeakMap<Uint8Array, ParsedCert | null>()
const parsedRoot = (r: Uint8Array): ParsedCert | undefined => {
  if (!(r instanceof Uint8Array)) return undefined
  const hit = rootCache.get(r)
  if (hit === null) return undefined
  if (hit !== undefined && bytesEqual(hit.der, r)) return hit
  const p = parseCertDer(r)
  const v = Either.isRight(p) ? p.right : null
  rootCache.set(r, v)
  return v ?? undefined
}

// ------------------------------------------------------------------------------------------------
// Signature algorithms (VER-X509.6)

interface Tlv {
  readonly tag: number
  /** Offset of the content. */
  readonly start: number
  /** Offset just past the content. */
  readonly end: number
}

/** The DER TLV at `off` within `[off, limit)` (single-byte tags, definite lengths), or undefined. */
const readTlv = (b: Uint8Array, off: number, limit: number): Tlv | undefined => {
  if (off + 2 > limit) return undefined
  const tag = b[off] as number
  const l0 = b[off + 1] as number
  let len = l0
  let start = off + 2
  if (l0 >= 0x80) {
    const n = l0 & 0x7f
    if (n === 0 || n > 3 || start + n > limit) return undefined
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + (b[start + i] as number)
    start += n
  }
  if (start + len > limit) return undefined
  return { tag, start, end: start + len }
}

const hexOf = (b: Uint8Array, t: Tlv): string => Buffer.from(b.buffer, b.byteOffset + t.start, t.end - t.start).toString("hex")

/** Signature algorithm OIDs (content bytes, hex) accepted without parameters inspection. */
const SIG_OIDS: Readonly<Record<string, string>> = {
  "2a8648ce3d040302": "ecdsa-with-SHA256",
  "2a8648ce3d040303": "ecdsa-with-SHA384",
  "2a8648ce3d040304": "ecdsa-with-SHA512",
  "2a864886f70d01010b": "sha256WithRSAEncryption",
  "2a864886f70d01010c": "sha384WithRSAEncryption",
  "2a864886f70d01010d": "sha512WithRSAEncryption",
  "2b6570": "Ed25519",
}
const OID_RSASSA_PSS = "2a864886f70d01010a"
const OID_MGF1 = "2a864886f70d010108"
const PSS_HASHES: Readonly<Record<string, string>> = {
  "608648016503040201": "SHA-256",
  "608648016503040202": "SHA-384",
  "608648016503040203": "SHA-512",
}

/** The OID (hex) of the AlgorithmIdentifier SEQUENCE at `t`, and its parameters TLV if any. */
const algId = (b: Uint8Array, t: Tlv): { oid: string; params: Tlv | undefined } | undefined => {
  if (t.tag !== 0x30) return undefined
  const o = readTlv(b, t.start, t.end)
  if (o === undefined || o.tag !== 0x06) return undefined
  return { oid: hexOf(b, o), params: o.end < t.end ? readTlv(b, o.end, t.end) : undefined }
}

/** RSASSA-PSS-params naming SHA-256/384/512 explicitly for both the hash and MGF1 (no SHA-1 defaults). */
const pssName = (b: Uint8Array, p: Tlv | undefined): string | undefined => {
  if (p === undefined || p.tag !== 0x30) return undefined
  const h0 = readTlv(b, p.start, p.end)
  if (h0 === undefined || h0.tag !== 0xa0) return undefined
  const h = readTlv(b, h0.start, h0.end)
  const hash = h === undefined ? undefined : algId(b, h)
  const hashName = hash === undefined ? undefined : PSS_HASHES[hash.oid]
  if (hash === undefined || hashName === undefined) return undefined
  const m0 = readTlv(b, h0.end, p.end)
  if (m0 === undefined || m0.tag !== 0xa1) return undefined
  const m = readTlv(b, m0.start, m0.end)
  const mgf = m === undefined ? undefined : algId(b, m)
  if (mgf === undefined || mgf.oid !== OID_MGF1 || mgf.params === undefined) return undefined
  const mh = algId(b, mgf.params)
  if (mh === undefined || mh.oid !== hash.oid) return undefined
  return `RSASSA-PSS/${hashName}`
}

/**
 * The name of a certificate's signatureAlgorithm if it is one VER-X509.6 accepts, else undefined:
 * ECDSA with SHA-256/384/512, RSA PKCS#1 v1.5 with SHA-256/384/512, RSASSA-PSS whose parameters name
 * SHA-256/384/512 for both hash and MGF1, or Ed25519.
 */
export const signatureAlgorithmOf = (der: Uint8Array): string | undefined => {
  const outer = readTlv(der, 0, der.length)
  if (outer === undefined || outer.tag !== 0x30) return undefined
  const tbs = readTlv(der, outer.start, outer.end)
  if (tbs === undefined) return undefined
  const sig = readTlv(der, tbs.end, outer.end)
  const a = sig === undefined ? undefined : algId(der, sig)
  if (a === undefined) return undefined
  if (a.oid === OID_RSASSA_PSS) return pssName(der, a.params)
  return SIG_OIDS[a.oid]
}

const signedBy = (child: X509Certificate, issuer: X509Certificate): boolean => {
  try {
    return child.verify(issuer.publicKey)
  } catch {
    return false
  }
}

/**
 * Verify a certificate chain, leaf first (VER-X509.3, VER-X509.4). For each adjacent pair the
 * child's issuer name equals the parent's subject name, the parent is a CA (basicConstraints
 * cA = TRUE) and the child's signature verifies under the parent's key. The last certificate must
 * either be byte-equal to a configured root, or name a configured root as issuer, be signed by it,
 * and that root must be a CA. Roots that are not valid DER certificates are ignored. Returns the
 * leaf; every failure is ATT_BAD_CHAIN. Dates, revocation and policies are not checked (VER-X509.5).
 */
export const verifyChain = (
  chain: ReadonlyArray<ParsedCert>,
  roots: ReadonlyArray<Uint8Array>,
): Either.Either<ParsedCert, AttestationError> => {
  if (chain.length === 0) return attFail("ATT_BAD_CHAIN", "empty certificate chain")
  if (chain.length > MAX_CHAIN_LENGTH) return attFail("ATT_BAD_CHAIN", `chain longer than ${MAX_CHAIN_LENGTH}`)
  const xs: Array<X509Certificate> = []
  for (const [i, c] of chain.entries()) {
    const x = handleOf(c)
    if (x === undefined) return attFail("ATT_BAD_CHAIN", `certificate ${i} does not parse`)
    xs.push(x)
  }
  for (let i = 0; i + 1 < xs.length; i++) {
    const child = xs[i] as X509Certificate
    const parent = xs[i + 1] as X509Certificate
    if (child.issuer !== parent.subject) return attFail("ATT_BAD_CHAIN", `certificate ${i}'s issuer is not certificate ${i + 1}'s subject`)
    if (!parent.ca) return attFail("ATT_BAD_CHAIN", `certificate ${i + 1} is not a CA`)
    if (signatureAlgorithmOf((chain[i] as ParsedCert).der) === undefined)
      return attFail("ATT_BAD_CHAIN", `certificate ${i} uses an unsupported signature algorithm`)
    if (!signedBy(child, parent)) return attFail("ATT_BAD_CHAIN", `certificate ${i}'s signature does not verify under certificate ${i + 1}'s key`)
  }
  const last = chain[chain.length - 1] as ParsedCert
  const lastX = xs[xs.length - 1] as X509Certificate
  // the leaf as parsed from its own DER (a hand-built ParsedCert's other fields are not trusted)
  const leaf = (): Either.Either<ParsedCert, AttestationError> => {
    const l = parseCertDer((chain[0] as ParsedCert).der)
    return Either.isRight(l) ? l : attFail("ATT_BAD_CHAIN", "leaf certificate does not parse")
  }
  for (const r of roots) if (r instanceof Uint8Array && bytesEqual(r, last.der)) return leaf()
  for (const r of roots) {
    const pr = parsedRoot(r)
    if (pr === undefined) continue
    const rx = handleOf(pr)
    if (rx === undefined || rx.subject !== lastX.issuer || !rx.ca || signatureAlgorithmOf(last.der) === undefined) continue
    if (signedBy(lastX, rx)) return leaf()
  }
  return attFail("ATT_BAD_CHAIN", "chain does not end at a configured root")
}
