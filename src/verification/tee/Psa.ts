// spec: VER-PSA.1..9 (spec/13-tee-sev-snp-psa.md)
// Sources: RFC 9783 (Arm's PSA Attestation Token), RFC 9052 (COSE structures).
// Arm PSA attestation token adapter. The evidence is the token exactly as the device emits it: a
// COSE_Sign1 (RFC 9052 §4.2; CBOR tag 18 optional) signed ES256 by the Initial Attestation Key (IAK),
// whose payload is the PSA claims map of RFC 9783. PSA has no certificate chain in the token: the
// verifier is configured with the IAK public keys of the devices it accepts (the "roots" for psa,
// DER SubjectPublicKeyInfo P-256 keys), and the token's instance id selects one of them.
import { createPublicKey, verify as nodeVerify, type KeyObject } from "node:crypto"
import { decode as cborDecode, encode as cborEncode } from "cborg"
import { Either } from "effect"
import { bytesEqual, bytesToBigInt, compareBytes, concatBytes, toHex } from "../../codec/Bytes.ts"
import { DOMAIN, canonicalEncode, tagged } from "../../codec/Canonical.ts"
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js"
import {
  MAX_EVIDENCE_BYTES,
  REPORT_DATA_BYTES,
  attFail,
  type AttestationError,
  type EvidenceFacts,
  type PlatformAdapter,
} from "../Attestation.ts"

// ------------------------------------------------------------------------------------------------
// Constants (VER-PSA.1..3)

/** Largest token accepted (VER-PSA.2): the unified attestation's evidence bound. */
export const PSA_MAX_TOKEN_BYTES = MAX_EVIDENCE_BYTES
/** Deepest CBOR nesting accepted in the COSE envelope and in the claims (VER-PSA.2). */
export const PSA_MAX_DEPTH = 8
/** Most software components accepted (VER-PSA.3). */
export const PSA_MAX_SW_COMPONENTS = 32
/** COSE algorithm ES256 (ECDSA P-256 with SHA-256), RFC 9053 §2.1. */
export const COSE_ALG_ES256 = -7
/** CBOR tag of COSE_Sign1 (RFC 9052 §2). */
export const COSE_SIGN1_TAG = 18
/** Profiles accepted (VER-PSA.3): RFC 9783's, and "http://arm.com/psa/2.0.0" of the drafts before it (-08 onwards). */
export const PSA_PROFILES = ["tag:psacertified.org,2023:psa#tfm", "http://arm.com/psa/2.0.0"] as const

/** Claim keys (RFC 9783, claims and CDDL). */
export const PSA_CLAIM = {
  nonce: 10,
  instanceId: 256,
  profile: 265,
  clientId: 2394,
  securityLifecycle: 2395,
  implementationId: 2396,
  bootSeed: 2397,
  certificationReference: 2398,
  swComponents: 2399,
  verificationServiceIndicator: 2400,
} as const

/** Software-component keys (RFC 9783, Software Components claim). */
export const PSA_SW = { measurementType: 1, measurementValue: 2, version: 4, signerId: 5, measurementDesc: 6 } as const

/** P-256 group order n. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

// ------------------------------------------------------------------------------------------------
// Bounded CBOR (VER-PSA.2)

export interface LooseCborLimits {
  readonly maxBytes: number
  readonly maxDepth: number
}

/**
 * The first well-formedness problem of `b` as exactly one CBOR data item under `limits`, or
 * undefined: size, truncation, trailing bytes, indefinite lengths, nesting depth (arrays, maps and
 * tags each count one level), floats and simple values other than false/true/null.
 */
export const scanCbor = (b: Uint8Array, limits: LooseCborLimits): string | undefined => {
  const r = scanCborPrefix(b, limits)
  if (typeof r === "string") return r
  if (r !== b.length) return `${b.length - r} trailing bytes`
  return undefined
}

/**
 * The length of the one CBOR data item at the start of `b` under `limits` (scanCbor's rules, bytes
 * after the item allowed), or the first problem as text.
 */
export const scanCborPrefix = (b: Uint8Array, limits: LooseCborLimits): number | string => {
  if (b.length > limits.maxBytes) return `${b.length} bytes exceeds ${limits.maxBytes}`
  let pos = 0
  const stack: number[] = [1] // remaining child items of each open container; bottom = the top-level item
  while (stack.length > 0) {
    stack[stack.length - 1] = (stack[stack.length - 1] as number) - 1
    if (pos >= b.length) return "truncated"
    const ib = b[pos++] as number
    const major = ib >> 5
    const ai = ib & 31
    let arg: number
    if (ai < 24) arg = ai
    else if (ai <= 27) {
      const n = 1 << (ai - 24)
      if (pos + n > b.length) return "truncated"
      arg = 0
      for (let i = 0; i < n; i++) arg = arg * 256 + (b[pos + i] as number)
      pos += n
    } else return ai === 31 ? "indefinite-length item" : `reserved additional information ${ai}`
    const left = b.length - pos
    if (major === 2 || major === 3) {
      if (arg > left) return "truncated string"
      pos += arg
    } else if (major === 4 || major === 5) {
      const children = major === 4 ? arg : 2 * arg
      if (children > left) return "truncated container"
      if (children > 0) {
        if (stack.length > limits.maxDepth) return `nesting deeper than ${limits.maxDepth}`
        stack.push(children)
      }
    } else if (major === 6) {
      if (stack.length > limits.maxDepth) return `nesting deeper than ${limits.maxDepth}`
      stack.push(1)
    } else if (major === 7 && (ai < 20 || ai > 22)) return "float or simple value"
    while (stack.length > 0 && stack[stack.length - 1] === 0) stack.pop()
  }
  return pos
}

const looseOptions = {
  strict: false,
  allowIndefinite: false,
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  allowBigInt: true,
  rejectDuplicateMapKeys: true,
  useMaps: true,
} as const

/** Decode one bounded CBOR item (maps as Map, byte strings as Uint8Array, no tags). Never throws. */
export const decodeLooseCbor = (b: Uint8Array, limits: LooseCborLimits): Either.Either<unknown, string> => {
  if (!(b instanceof Uint8Array)) return Either.left("input is not a byte array")
  const problem = scanCbor(b, limits)
  if (problem !== undefined) return Either.left(problem)
  try {
    return Either.right(cborDecode(b, looseOptions))
  } catch (e) {
    return Either.left(e instanceof Error ? e.message : String(e))
  }
}

const LIMITS: LooseCborLimits = { maxBytes: PSA_MAX_TOKEN_BYTES, maxDepth: PSA_MAX_DEPTH }

// ------------------------------------------------------------------------------------------------
// Token structure (VER-PSA.1, VER-PSA.3)

export interface PsaSwComponent {
  readonly measurementType: string | undefined
  readonly measurementValue: Uint8Array
  readonly version: string | undefined
  readonly signerId: Uint8Array
  readonly measurementDesc: string | undefined
}

export interface PsaClaims {
  readonly profile: string
  readonly clientId: number
  readonly securityLifecycle: number
  readonly implementationId: Uint8Array
  readonly bootSeed: Uint8Array | undefined
  readonly certificationReference: string | undefined
  readonly swComponents: ReadonlyArray<PsaSwComponent>
  readonly verificationServiceIndicator: string | undefined
  readonly nonce: Uint8Array
  readonly instanceId: Uint8Array
}

export interface PsaToken {
  /** Whether the COSE_Sign1 carried CBOR tag 18. */
  readonly tagged: boolean
  /** The protected-header bucket exactly as received (it is signed as these bytes). */
  readonly protectedBytes: Uint8Array
  /** The `alg` header parameter (label 1) from the protected bucket, as decoded. */
  readonly alg: unknown
  readonly payload: Uint8Array
  readonly signature: Uint8Array
  readonly claims: PsaClaims
}

const decodeFail = (detail: string): Either.Either<never, AttestationError> => attFail("ATT_DECODE", `psa token: ${detail}`)

const isHashType = (b: unknown): b is Uint8Array => b instanceof Uint8Array && (b.length === 32 || b.length === 48 || b.length === 64)

/** Security lifecycle values RFC 9783 defines: 0x0000-0x00ff, then 0x1000-0x10ff ... 0x6000-0x60ff. */
export const isValidLifecycle = (v: number): boolean => {
  const hi = v >> 8
  return Number.isInteger(v) && v >= 0 && v <= 0xffff && (hi === 0 || ((hi & 0x0f) === 0 && hi >= 0x10 && hi <= 0x60))
}

/**
 * Debug lifecycle states (RFC 9783): non-psa-rot-debug 0x4000-0x40ff and recoverable-psa-rot-debug
 * 0x5000-0x50ff, in which a debugger can read the device's (non-)secure state (VER-PSA.10).
 */
export const isDebugLifecycle = (v: number): boolean => (v >= 0x4000 && v <= 0x40ff) || (v >= 0x5000 && v <= 0x50ff)

const parseSwComponent = (v: unknown, i: number): Either.Either<PsaSwComponent, string> => {
  if (!(v instanceof Map)) return Either.left(`software component ${i} is not a map`)
  const text = (k: number): string | undefined | null => {
    const x = v.get(k)
    if (x === undefined) return undefined
    return typeof x === "string" ? x : null
  }
  const measurementType = text(PSA_SW.measurementType)
  const version = text(PSA_SW.version)
  const measurementDesc = text(PSA_SW.measurementDesc)
  if (measurementType === null || version === null || measurementDesc === null)
    return Either.left(`software component ${i}: measurement-type, version and measurement-desc must be text`)
  const measurementValue = v.get(PSA_SW.measurementValue)
  if (!isHashType(measurementValue)) return Either.left(`software component ${i}: measurement-value must be 32, 48 or 64 bytes`)
  const signerId = v.get(PSA_SW.signerId)
  if (!isHashType(signerId)) return Either.left(`software component ${i}: signer-id must be 32, 48 or 64 bytes`)
  return Either.right({ measurementType, measurementValue, version, signerId, measurementDesc })
}

/** Validate the claims map (VER-PSA.3). Unknown claims are ignored, as EAT prescribes. */
const parseClaims = (m: unknown): Either.Either<PsaClaims, string> => {
  if (!(m instanceof Map)) return Either.left("payload is not a claims map")
  for (const k of m.keys()) if (typeof k !== "number" && typeof k !== "string") return Either.left("claims map has a key that is neither an integer nor text")
  const profile = m.get(PSA_CLAIM.profile)
  if (profile === undefined) return Either.left("profile claim (265) missing")
  if (typeof profile !== "string" || !(PSA_PROFILES as ReadonlyArray<string>).includes(profile))
    return Either.left(`unsupported profile ${JSON.stringify(typeof profile === "string" ? profile : typeof profile)}`)
  const clientId = m.get(PSA_CLAIM.clientId)
  if (typeof clientId !== "number" || !Number.isInteger(clientId) || clientId < -(2 ** 31) || clientId > 2 ** 31 - 1)
    return Either.left("client id claim (2394) missing or not a 32-bit integer")
  const securityLifecycle = m.get(PSA_CLAIM.securityLifecycle)
  if (typeof securityLifecycle !== "number" || !isValidLifecycle(securityLifecycle))
    return Either.left("security lifecycle claim (2395) missing or not a defined lifecycle value")
  const implementationId = m.get(PSA_CLAIM.implementationId)
  if (!(implementationId instanceof Uint8Array) || implementationId.length !== 32)
    return Either.left("implementation id claim (2396) missing or not 32 bytes")
  const bootSeed = m.get(PSA_CLAIM.bootSeed)
  if (bootSeed !== undefined && (!(bootSeed instanceof Uint8Array) || bootSeed.length < 8 || bootSeed.length > 32))
    return Either.left("boot seed claim (2397) is not 8..32 bytes")
  const certificationReference = m.get(PSA_CLAIM.certificationReference)
  if (certificationReference !== undefined && (typeof certificationReference !== "string" || !/^[0-9]{13}(-[0-9]{5})?$/.test(certificationReference)))
    return Either.left("certification reference claim (2398) is not EAN-13 or EAN-13+5")
  const vsi = m.get(PSA_CLAIM.verificationServiceIndicator)
  if (vsi !== undefined && (typeof vsi !== "string" || vsi.length === 0))
    return Either.left("verification service indicator claim (2400) is not non-empty text")
  const nonce = m.get(PSA_CLAIM.nonce)
  if (nonce === undefined) return Either.left("nonce claim (10) missing")
  if (!isHashType(nonce)) return Either.left("nonce claim (10) is not a 32, 48 or 64-byte string")
  const instanceId = m.get(PSA_CLAIM.instanceId)
  if (!(instanceId instanceof Uint8Array) || instanceId.length !== 33 || instanceId[0] !== 0x01)
    return Either.left("instance id claim (256) missing or not 0x01 followed by 32 bytes")
  const sw = m.get(PSA_CLAIM.swComponents)
  if (!Array.isArray(sw) || sw.length === 0 || sw.length > PSA_MAX_SW_COMPONENTS)
    return Either.left(`software components claim (2399) missing or not an array of 1..${PSA_MAX_SW_COMPONENTS} components`)
  const swComponents: PsaSwComponent[] = []
  for (const [i, c] of sw.entries()) {
    const p = parseSwComponent(c, i)
    if (Either.isLeft(p)) return Either.left(p.left)
    swComponents.push(p.right)
  }
  return Either.right({
    profile,
    clientId,
    securityLifecycle,
    implementationId,
    bootSeed,
    certificationReference,
    swComponents,
    verificationServiceIndicator: vsi,
    nonce,
    instanceId,
  })
}

/** Parse a PSA token (VER-PSA.1..3) without checking its signature. Never throws. */
export const parsePsaToken = (bytes: Uint8Array): Either.Either<PsaToken, AttestationError> => {
  if (!(bytes instanceof Uint8Array)) return decodeFail("not bytes")
  if (bytes.length > PSA_MAX_TOKEN_BYTES) return decodeFail(`${bytes.length} bytes exceeds ${PSA_MAX_TOKEN_BYTES}`)
  // tag 18 (one-byte head 0xd2) is optional; any other tag is rejected by the decoder
  const isTagged = bytes.length > 0 && bytes[0] === (0xc0 | COSE_SIGN1_TAG)
  const top = decodeLooseCbor(isTagged ? bytes.subarray(1) : bytes, LIMITS)
  if (Either.isLeft(top)) return decodeFail(`COSE_Sign1: ${top.left}`)
  const arr = top.right
  if (!Array.isArray(arr) || arr.length !== 4) return decodeFail("COSE_Sign1 is not an array of 4 items")
  const [protectedBytes, unprotected, payload, signature] = arr as [unknown, unknown, unknown, unknown]
  if (!(protectedBytes instanceof Uint8Array)) return decodeFail("protected header is not a byte string")
  if (!(unprotected instanceof Map)) return decodeFail("unprotected header is not a map")
  if (!(payload instanceof Uint8Array)) return decodeFail("payload is not a byte string (detached payloads are not supported)")
  if (!(signature instanceof Uint8Array)) return decodeFail("signature is not a byte string")
  const ph = decodeLooseCbor(protectedBytes, LIMITS)
  if (Either.isLeft(ph)) return decodeFail(`protected header: ${ph.left}`)
  if (!(ph.right instanceof Map)) return decodeFail("protected header is not a map")
  const alg = ph.right.get(1)
  if (alg === undefined) return decodeFail("protected header has no alg (1)")
  if (ph.right.has(2)) return decodeFail("protected header has crit (2); no critical parameters are understood")
  if (unprotected.has(1)) return decodeFail("alg (1) appears in the unprotected header")
  const claims = decodeLooseCbor(payload, LIMITS)
  if (Either.isLeft(claims)) return decodeFail(`claims: ${claims.left}`)
  const c = parseClaims(claims.right)
  if (Either.isLeft(c)) return decodeFail(c.left)
  return Either.right({ tagged: isTagged, protectedBytes, alg, payload, signature, claims: c.right })
}

/** Sig_structure for COSE_Sign1 (RFC 9052 §4.4): ["Signature1", protected, external_aad = h'', payload]. */
export const psaSigStructure = (protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array =>
  cborEncode(["Signature1", protectedBytes, new Uint8Array(0), payload])

// ------------------------------------------------------------------------------------------------
// IAK registry and instance id (VER-PSA.4)

/** Uncompressed SEC 1 point 0x04 || X || Y of a P-256 KeyObject, or undefined. */
const p256Point = (k: KeyObject): Uint8Array | undefined => {
  if (k.type !== "public" || k.asymmetricKeyType !== "ec" || k.asymmetricKeyDetails?.namedCurve !== "prime256v1") return undefined
  const jwk = k.export({ format: "jwk" })
  if (typeof jwk.x !== "string" || typeof jwk.y !== "string") return undefined
  const x = Buffer.from(jwk.x, "base64url")
  const y = Buffer.from(jwk.y, "base64url")
  if (x.length !== 32 || y.length !== 32) return undefined
  return concatBytes(new Uint8Array([0x04]), x, y)
}

/** Instance id of an IAK (VER-PSA.4): 0x01 || SHA-256(0x04 || X || Y). */
export const psaInstanceId = (uncompressedPoint: Uint8Array): Uint8Array =>
  concatBytes(new Uint8Array([0x01]), nobleSha256(uncompressedPoint))

interface Iak {
  readonly key: KeyObject
  readonly instanceId: Uint8Array
}

const iakCache = new Map<string, Iak | null>()

/** A configured psa root (DER SubjectPublicKeyInfo of a P-256 key) as an IAK, or null if it is not one. */
export const parseIak = (spki: Uint8Array): Iak | null => {
  if (!(spki instanceof Uint8Array) || spki.length > 1024) return null
  const id = toHex(spki)
  const hit = iakCache.get(id)
  if (hit !== undefined) return hit
  let out: Iak | null = null
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" })
    const point = p256Point(key)
    // the SPKI must be exactly the canonical encoding of that key (no trailing or alternative bytes)
    if (point !== undefined && bytesEqual(new Uint8Array(key.export({ format: "der", type: "spki" })), spki))
      out = { key, instanceId: psaInstanceId(point) }
  } catch {
    out = null
  }
  if (iakCache.size >= 1024) iakCache.clear()
  iakCache.set(id, out)
  return out
}

// ------------------------------------------------------------------------------------------------
// Measurement mapping (VER-PSA.6)

/**
 * The 32-byte poai measurement of a PSA token (VER-PSA.6):
 *   SHA-256(tagged("POAI/v1/psa-measurement",
 *           cbor([security_lifecycle, client_id, sorted [[measurement_type or "", measurement_value], ...]])))
 * with the component pairs sorted by their canonical CBOR bytes (a multiset: duplicates kept).
 */
export const psaMeasurement = (claims: PsaClaims, sha256: (b: Uint8Array) => Uint8Array = nobleSha256): Uint8Array => {
  const pairs = claims.swComponents
    .map((c) => {
      const pair = [c.measurementType ?? "", c.measurementValue] as const
      return { pair, key: canonicalEncode(pair) }
    })
    .sort((a, b) => compareBytes(a.key, b.key))
    .map((x) => x.pair)
  return sha256(tagged(DOMAIN.psaMeasurement, canonicalEncode([claims.securityLifecycle, claims.clientId, pairs])))
}

// ------------------------------------------------------------------------------------------------
// Adapter (VER-PSA.5, VER-PSA.7)

const ecdsaScalarOk = (b: Uint8Array): boolean => {
  const v = bytesToBigInt(b)
  return v >= 1n && v < P256_N
}

/** Verify a PSA token against configured IAKs; returns the facts (VER-PSA.5..7). Never throws. */
export const verifyPsaToken = (
  sha256: (b: Uint8Array) => Uint8Array,
  evidence: Uint8Array,
  roots: ReadonlyArray<Uint8Array>,
): Either.Either<EvidenceFacts & { readonly token: PsaToken }, AttestationError> => {
  const t = parsePsaToken(evidence)
  if (Either.isLeft(t)) return Either.left(t.left)
  const token = t.right
  const c = token.claims
  let iak: Iak | undefined
  for (const r of roots) {
    const k = parseIak(r)
    if (k !== null && bytesEqual(k.instanceId, c.instanceId)) {
      iak = k
      break
    }
  }
  if (iak === undefined) return attFail("ATT_BAD_CHAIN", `psa instance id ${toHex(c.instanceId)} is not a configured IAK`)
  if (token.alg !== COSE_ALG_ES256) return attFail("ATT_BAD_SIGNATURE", `psa token alg ${String(token.alg)} is not ES256 (-7)`)
  const sig = token.signature
  if (sig.length !== 64) return attFail("ATT_BAD_SIGNATURE", `ES256 signature is ${sig.length} bytes, not 64`)
  if (!ecdsaScalarOk(sig.subarray(0, 32)) || !ecdsaScalarOk(sig.subarray(32)))
    return attFail("ATT_BAD_SIGNATURE", "ES256 signature r or s is not in [1, n-1]")
  let ok = false
  try {
    ok = nodeVerify("sha256", psaSigStructure(token.protectedBytes, token.payload), { key: iak.key, dsaEncoding: "ieee-p1363" }, sig)
  } catch {
    ok = false
  }
  if (!ok) return attFail("ATT_BAD_SIGNATURE", "psa token signature does not verify under the IAK")
  if (isDebugLifecycle(c.securityLifecycle))
    return attFail("ATT_DEBUG", `psa security lifecycle 0x${c.securityLifecycle.toString(16).padStart(4, "0")} is a debug state`)
  if (c.nonce.length !== REPORT_DATA_BYTES)
    return attFail("ATT_BINDING_MISMATCH", `psa nonce is ${c.nonce.length} bytes; poai binds a ${REPORT_DATA_BYTES}-byte nonce`)
  return Either.right({ devicePubKey: undefined, measurement: psaMeasurement(c, sha256), reportData: c.nonce, token })
}

/** The psa platform adapter (VER-PSA.5..7). */
export const psaAdapter: PlatformAdapter = {
  platform: "psa",
  verifyEvidence: (crypto, evidence, roots) => {
    const r = verifyPsaToken(crypto.sha256, evidence, roots)
    if (Either.isLeft(r)) return Either.left(r.left)
    const { devicePubKey, measurement, reportData } = r.right
    return Either.right({ devicePubKey, measurement, reportData })
  },
}

// ------------------------------------------------------------------------------------------------
// Inspection (CLI-ATTEST.2)

const hexOrNull = (b: Uint8Array | undefined): string | null => (b === undefined ? null : toHex(b))

/** The token's fields as JSON-able values (byte strings as lower-case hex); does not check the signature. */
export const inspectPsa = (bytes: Uint8Array): Either.Either<Record<string, unknown>, AttestationError> => {
  const t = parsePsaToken(bytes)
  if (Either.isLeft(t)) return Either.left(t.left)
  const { claims: c, alg, tagged: isTagged, signature } = t.right
  return Either.right({
    cose_sign1_tagged: isTagged,
    alg: typeof alg === "bigint" ? alg.toString() : alg,
    profile: c.profile,
    client_id: c.clientId,
    security_lifecycle: c.securityLifecycle,
    implementation_id: toHex(c.implementationId),
    boot_seed: hexOrNull(c.bootSeed),
    certification_reference: c.certificationReference ?? null,
    sw_components: c.swComponents.map((s) => ({
      measurement_type: s.measurementType ?? null,
      measurement_value: toHex(s.measurementValue),
      version: s.version ?? null,
      signer_id: toHex(s.signerId),
      measurement_desc: s.measurementDesc ?? null,
    })),
    verification_service_indicator: c.verificationServiceIndicator ?? null,
    nonce: toHex(c.nonce),
    instance_id: toHex(c.instanceId),
    signature: toHex(signature),
    poai_measurement: toHex(psaMeasurement(c)),
  })
}
