// spec: ENC-SIG.1, ENC-HASH.1, CRYPTO-2, CRYPTO-3, LE-BEACON.1 (spec/02-encoding.md)
// Handlers of the "signing" suite (conformance/vectors/signing/<handler>/, conformance/docs/signing.md):
//   ed25519    one file per Ed25519-signed wire type (<Type>.json): sign (seed + unsigned value ->
//              public key, signing bytes, signature, signed value and its bytes) and verify under the
//              CRYPTO-2 acceptance rule (valid, tampered, malleated, small-order keys and R)
//   bls12_381  BeaconEntry.json: the BLS key derivation, beacon signing and verification, beacon value
import { Either } from "effect"
import { toHex } from "../../codec/Bytes.ts"
import { DOMAIN, tagged, type DomainTag } from "../../codec/Canonical.ts"
import { Hashes } from "../../codec/Hashing.ts"
import { Codecs, type Codec, type CodecName } from "../../codec/index.ts"
import { blsSecretScalar } from "../../crypto/BlsKey.ts"
import type { SignatureScheme } from "../../crypto/Crypto.ts"
import { nobleCrypto } from "../../crypto/NobleCrypto.ts"
import { ConformanceInputError, hexField, str, type CaseResult, type ConformanceCase, type HandlerDef, type Json, type JsonObject } from "../Types.ts"
import { valueField, valueToJson } from "./encoding.ts"

/** Every signed wire type: its unsigned type, signer field, domain tag and scheme (ENC-SIG.1). */
export const SIGNED_TYPES: Readonly<
  Record<string, { readonly unsignedType: CodecName; readonly signerField: string; readonly tag: DomainTag; readonly scheme: "ed25519" | "bls12-381" }>
> = {
  Transfer: { unsignedType: "UnsignedTransfer", signerField: "from", tag: DOMAIN.tx, scheme: "ed25519" },
  Vote: { unsignedType: "UnsignedVote", signerField: "validator", tag: DOMAIN.vote, scheme: "ed25519" },
  ProposalHeader: { unsignedType: "UnsignedProposalHeader", signerField: "proposer", tag: DOMAIN.proposal, scheme: "ed25519" },
  WorkCommitment: { unsignedType: "UnsignedWorkCommitment", signerField: "worker", tag: DOMAIN.workCommitMsg, scheme: "ed25519" },
  WorkReveal: { unsignedType: "UnsignedWorkReveal", signerField: "worker", tag: DOMAIN.workReveal, scheme: "ed25519" },
  AuditReport: { unsignedType: "UnsignedAuditReport", signerField: "auditor", tag: DOMAIN.auditReport, scheme: "ed25519" },
  ScoreCommitment: { unsignedType: "UnsignedScoreCommitment", signerField: "evaluator", tag: DOMAIN.scoreCommitMsg, scheme: "ed25519" },
  ScoreReveal: { unsignedType: "UnsignedScoreReveal", signerField: "evaluator", tag: DOMAIN.scoreReveal, scheme: "ed25519" },
  BeaconEntry: { unsignedType: "BeaconInput", signerField: "signer", tag: DOMAIN.beacon, scheme: "bls12-381" },
}

/** The rich file format of signing/<handler>/<Type>.json (conformance/schema/signing/<handler>.json). */
export interface SigningFile {
  readonly type: string
  readonly unsignedType: string
  readonly signerField: string
  readonly scheme: string
  readonly domainTag: string
  readonly rule: string
  readonly ciphersuite?: string
  readonly valid: ReadonlyArray<{
    readonly name: string
    readonly description?: string
    readonly secretSeed: string
    readonly blsSecretScalar?: string
    readonly publicKey: string
    readonly unsigned: Json
    readonly signingBytes: string
    readonly signature: string
    readonly signed: JsonObject
    readonly canonical: string
    readonly beaconValue?: string
  }>
  readonly invalid: ReadonlyArray<{
    readonly name: string
    readonly description: string
    readonly publicKey: string
    readonly unsigned?: Json
    readonly signingBytes: string
    readonly signature: string
  }>
}

/**
 * A valid case gives `<name>/sign` and `<name>/verify` (bls12_381 also `<name>/keygen` and
 * `<name>/beacon_value`); an invalid case gives `<name>`, a verify that must answer valid: false. A
 * verify with `unsigned` also answers the signing bytes it computed; one with `signingBytes` does not.
 */
const signingCases = (file: Json): ReadonlyArray<ConformanceCase> => {
  const f = file as unknown as SigningFile
  const bls = f.scheme === "bls12-381"
  const out: ConformanceCase[] = []
  for (const c of f.valid) {
    if (bls) out.push({ name: `${c.name}/keygen`, input: { op: "keygen", secretSeed: c.secretSeed }, expected: { output: { blsSecretScalar: c.blsSecretScalar ?? "" } } })
    out.push({
      name: `${c.name}/sign`,
      input: { op: "sign", type: f.type, secretSeed: c.secretSeed, unsigned: c.unsigned, ...(bls ? { signer: String(c.signed[f.signerField]).replace(/^0x/, "") } : {}) },
      expected: { output: { publicKey: c.publicKey, signingBytes: c.signingBytes, signature: c.signature, signed: c.signed, canonical: c.canonical } },
    })
    out.push({
      name: `${c.name}/verify`,
      input: { op: "verify", type: f.type, publicKey: c.publicKey, signature: c.signature, unsigned: c.unsigned },
      expected: { output: { signingBytes: c.signingBytes, valid: true } },
    })
    if (bls) out.push({ name: `${c.name}/beacon_value`, input: { op: "beacon_value", signature: c.signature }, expected: { output: { beaconValue: c.beaconValue ?? "" } } })
  }
  for (const c of f.invalid)
    out.push(
      c.unsigned !== undefined
        ? {
            name: c.name,
            input: { op: "verify", type: f.type, publicKey: c.publicKey, signature: c.signature, unsigned: c.unsigned },
            expected: { output: { signingBytes: c.signingBytes, valid: false } },
          }
        : {
            name: c.name,
            input: { op: "verify", type: f.type, publicKey: c.publicKey, signature: c.signature, signingBytes: c.signingBytes },
            expected: { output: { valid: false } },
          },
    )
  return out
}

const signedType = (input: Json, scheme: "ed25519" | "bls12-381") => {
  const t = str(input, "type")
  const s = Object.hasOwn(SIGNED_TYPES, t) ? SIGNED_TYPES[t] : undefined
  if (s === undefined || s.scheme !== scheme) throw new ConformanceInputError(`${t} is not a ${scheme}-signed type`)
  return { type: t as CodecName, ...s }
}

/** The unsigned value of a case, validated against its type; a schema failure is the reject "schema". */
const unsignedOf = (input: Json, unsignedType: CodecName): Either.Either<unknown, string> =>
  Either.mapLeft((Codecs[unsignedType] as unknown as Codec<unknown>).validate(valueField(input, "unsigned")), (e) => e.reason)

const makeRun =
  (scheme: "ed25519" | "bls12-381") =>
  (input: Json): CaseResult => {
    const crypto = nobleCrypto // the reference layer
    const sig: SignatureScheme = scheme === "ed25519" ? crypto.ed25519 : crypto.bls
    const op = str(input, "op")
    if (scheme === "bls12-381" && op === "keygen") return { output: { blsSecretScalar: toHex(blsSecretScalar(hexField(input, "secretSeed"), crypto.sha256)) } }
    if (scheme === "bls12-381" && op === "beacon_value") return { output: { beaconValue: toHex(Hashes.beaconValue(crypto.sha256, hexField(input, "signature"))) } }
    if (op !== "sign" && op !== "verify") throw new ConformanceInputError(`unknown op ${op}`)
    const t = signedType(input, scheme)
    const signingBytesOf = (u: unknown) => tagged(t.tag, (Codecs[t.unsignedType] as unknown as Codec<unknown>).encode(u))
    if (op === "sign") {
      const u = unsignedOf(input, t.unsignedType)
      if (Either.isLeft(u)) return { reject: u.left }
      const seed = hexField(input, "secretSeed")
      const sb = signingBytesOf(u.right)
      const signature = sig.sign(sb, seed)
      // Ed25519 objects carry their signer key; a beacon entry carries the proposer's Ed25519 identity (`signer`)
      const signed = { ...(u.right as object), ...(scheme === "bls12-381" ? { signer: hexField(input, "signer") } : {}), signature }
      const canonical = (Codecs[t.type] as unknown as Codec<unknown>).validate(signed)
      if (Either.isLeft(canonical)) return { reject: canonical.left.reason }
      return {
        output: {
          publicKey: toHex(sig.publicKey(seed)),
          signingBytes: toHex(sb),
          signature: toHex(signature),
          signed: valueToJson(signed),
          canonical: toHex((Codecs[t.type] as unknown as Codec<unknown>).encode(canonical.right)),
        },
      }
    }
    const publicKey = hexField(input, "publicKey")
    const signature = hexField(input, "signature")
    if ((input as JsonObject)["unsigned"] !== undefined) {
      const u = unsignedOf(input, t.unsignedType)
      if (Either.isLeft(u)) return { reject: u.left }
      const sb = signingBytesOf(u.right)
      return { output: { signingBytes: toHex(sb), valid: sig.verify(signature, sb, publicKey) } }
    }
    return { output: { valid: sig.verify(signature, hexField(input, "signingBytes"), publicKey) } }
  }

export const handlers: ReadonlyArray<HandlerDef> = [
  {
    suite: "signing",
    handler: "ed25519",
    description:
      "Ed25519 signatures of the signed wire types: sign (secretSeed + unsigned value -> publicKey, signingBytes, signature, signed value, canonical bytes) " +
      "and verify under the CRYPTO-2 acceptance rule (cofactorless, canonical encodings, S < L, no small-order key)",
    spec: ["ENC-SIG.1", "ENC-HASH.1", "ENC-HASH.2", "CRYPTO-2"],
    formatVersion: "poai/signing-vectors/v1",
    cases: signingCases,
    run: makeRun("ed25519"),
  },
  {
    suite: "signing",
    handler: "bls12_381",
    description:
      "BLS12-381 beacon signatures (BeaconEntry over BeaconInput): keygen (seed -> secret scalar), sign, verify, beacon_value (signature -> beacon value)",
    spec: ["ENC-SIG.1", "CRYPTO-3", "LE-BEACON.1"],
    formatVersion: "poai/signing-vectors/v1",
    cases: signingCases,
    run: makeRun("bls12-381"),
  },
]
