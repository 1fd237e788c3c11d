// Conformance runner: signing vectors (conformance/README.md) against both crypto layers.
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { bytesEqual, toHex } from "../src/codec/Bytes.ts"
import { DOMAIN, tagged, type DomainTag } from "../src/codec/Canonical.ts"
import { Hashes, SigningBytes, omitSignature } from "../src/codec/Hashing.ts"
import { Codecs, type Codec, type CodecName } from "../src/codec/index.ts"
import { blsSecretScalar } from "../src/crypto/BlsKey.ts"
import type { CryptoService, SignatureScheme } from "../src/crypto/Crypto.ts"
import { nobleCrypto } from "../src/crypto/NobleCrypto.ts"
import { nodeCryptoService } from "../src/crypto/NodeCrypto.ts"
import { fromJson, hexField, toJson, type Json } from "./json.ts"
import { EXPECTED_FILES, listVectorFiles, loadVectorFile } from "./load.ts"
import { scoreCommitSigningBytes, scoreRevealSigningBytes } from "../src/quality/Scoring.ts"

const LAYERS: ReadonlyArray<CryptoService> = [nobleCrypto, nodeCryptoService]

/** The signing-bytes function of each signed type, and its domain tag (ENC-SIG.1). */
const SIGNING: Record<string, { readonly bytes: (u: never) => Uint8Array; readonly tag: DomainTag; readonly scheme: "ed25519" | "bls12-381" }> = {
  Transfer: { bytes: SigningBytes.transfer, tag: DOMAIN.tx, scheme: "ed25519" },
  Vote: { bytes: SigningBytes.vote, tag: DOMAIN.vote, scheme: "ed25519" },
  ProposalHeader: { bytes: SigningBytes.proposal, tag: DOMAIN.proposal, scheme: "ed25519" },
  WorkCommitment: { bytes: SigningBytes.workCommitment, tag: DOMAIN.workCommitMsg, scheme: "ed25519" },
  WorkReveal: { bytes: SigningBytes.workReveal, tag: DOMAIN.workReveal, scheme: "ed25519" },
  AuditReport: { bytes: SigningBytes.auditReport, tag: DOMAIN.auditReport, scheme: "ed25519" },
  ScoreCommitment: { bytes: scoreCommitSigningBytes, tag: DOMAIN.scoreCommitMsg, scheme: "ed25519" },
  ScoreReveal: { bytes: scoreRevealSigningBytes, tag: DOMAIN.scoreReveal, scheme: "ed25519" },
  BeaconEntry: { bytes: SigningBytes.beacon, tag: DOMAIN.beacon, scheme: "bls12-381" },
}

interface ValidCase {
  readonly secretSeed: string
  readonly publicKey: string
  readonly unsigned: Json
  readonly signingBytes: string
  readonly signature: string
  readonly signed: Json
  readonly canonical: string
  readonly blsSecretScalar?: string
  readonly beaconValue?: string
}
interface InvalidCase {
  readonly publicKey: string
  readonly signingBytes: string
  readonly signature: string
  readonly unsigned?: Json
}

/**
 * The schemes to check, one entry per distinct implementation: both layers share noble's BLS, so BLS
 * cases run once (each BLS verification costs ~80 ms) while ed25519 cases run on both layers.
 */
const schemesFor = (scheme: "ed25519" | "bls12-381"): ReadonlyArray<readonly [string, SignatureScheme]> => {
  const all = LAYERS.map((l) => [l.name, scheme === "ed25519" ? l.ed25519 : l.bls] as const)
  return all.filter(([, s], i) => all.findIndex(([, t]) => t === s) === i)
}

describe("vector files are all present", () => {
  it("signing: exactly the expected files, none empty", () => {
    expect(listVectorFiles("signing")).toEqual([...EXPECTED_FILES.signing].sort())
    expect(Object.keys(SIGNING).sort()).toEqual([...EXPECTED_FILES.signing].sort())
    for (const name of EXPECTED_FILES.signing) expect(() => loadVectorFile("signing", name)).not.toThrow()
  })
})

describe.each(EXPECTED_FILES.signing)("signing/%s.json", (name) => {
  const spec = SIGNING[name] as (typeof SIGNING)[string]
  const load = () => loadVectorFile<ValidCase, InvalidCase>("signing", name)

  it("header: type, scheme and domain tag", () => {
    const v = load()
    expect(v["type"]).toBe(name)
    expect(v["scheme"]).toBe(spec.scheme)
    expect(v["domainTag"]).toBe(spec.tag)
  })

  it("valid: signing bytes, public key and signature are reproduced, and verify on every layer", () => {
    const v = load()
    const unsignedCodec = Codecs[v["unsignedType"] as CodecName] as unknown as Codec<unknown>
    const signedCodec = Codecs[name as CodecName] as unknown as Codec<unknown>
    for (const c of v.valid) {
      const unsigned = Either.getOrThrow(unsignedCodec.validate(fromJson(c.unsigned)))
      const sb = hexField(c.signingBytes, "signingBytes")
      const seed = hexField(c.secretSeed, "secretSeed")
      // signing bytes: via SigningBytes, and via the documented rule
      expect(toHex(spec.bytes(unsigned as never)), c.name).toBe(c.signingBytes)
      expect(toHex(tagged(spec.tag, unsignedCodec.encode(unsigned))), c.name).toBe(c.signingBytes)
      // the signed object is the unsigned one plus the signature, and has the stated canonical bytes
      const signed = Either.getOrThrow(signedCodec.decode(hexField(c.canonical, "canonical"))) as { signature: Uint8Array }
      expect(toJson(signed), c.name).toEqual(c.signed)
      expect(toHex(signed.signature), c.name).toBe(c.signature)
      if (spec.scheme === "ed25519") {
        expect(toJson(omitSignature(signed)), c.name).toEqual(c.unsigned)
        expect(toHex((signed as unknown as Record<string, Uint8Array>)[v["signerField"] as string] as Uint8Array), c.name).toBe(c.publicKey)
      } else {
        const { signer: _signer, ...input } = omitSignature(signed) as Record<string, unknown>
        expect(toJson(input), c.name).toEqual(c.unsigned)
        expect(toHex(blsSecretScalar(seed, nobleCrypto.sha256)), c.name).toBe(c.blsSecretScalar)
        for (const l of LAYERS) expect(toHex(Hashes.beaconValue(l.sha256, signed.signature)), c.name).toBe(c.beaconValue)
      }
      for (const [layer, s] of schemesFor(spec.scheme)) {
        expect(toHex(s.publicKey(seed)), `${c.name} ${layer}`).toBe(c.publicKey)
        expect(toHex(s.sign(sb, seed)), `${c.name} ${layer}`).toBe(c.signature)
        expect(s.verify(hexField(c.signature, "signature"), sb, hexField(c.publicKey, "publicKey")), `${c.name} ${layer}`).toBe(true)
      }
    }
  })

  it("invalid: every case fails verification on every layer", () => {
    const v = load()
    const unsignedCodec = Codecs[v["unsignedType"] as CodecName] as unknown as Codec<unknown>
    for (const c of v.invalid) {
      const sb = hexField(c.signingBytes, "signingBytes")
      if (c.unsigned !== undefined) {
        // the tampered value is well-formed and its signing bytes are the ones given
        const u = Either.getOrThrow(unsignedCodec.validate(fromJson(c.unsigned)))
        expect(bytesEqual(spec.bytes(u as never), sb), c.name).toBe(true)
      }
      for (const [layer, s] of schemesFor(spec.scheme))
        expect(s.verify(hexField(c.signature, "signature"), sb, hexField(c.publicKey, "publicKey")), `${c.name} ${layer}`).toBe(false)
    }
  })
})
