// Generator of the "signing" suite (conformance/docs/signing.md): writes
//   <outRoot>/signing/ed25519/<Type>.json    Transfer, Vote, ProposalHeader, WorkCommitment, WorkReveal,
//                                            AuditReport, ScoreCommitment, ScoreReveal
//   <outRoot>/signing/bls12_381/BeaconEntry.json
// Deterministic (RFC 8032 signing and BLS signing are deterministic; seeds from test/fixtures/samples.ts).
// Every valid case verifies and every invalid case fails under the reference layer as it is written.
import { ed25519 } from "@noble/curves/ed25519.js"
import { sha512 } from "@noble/hashes/sha2.js"
import { bytesEqual, concatBytes, toHex } from "../../src/codec/Bytes.ts"
import { DOMAIN, tagged, type DomainTag } from "../../src/codec/Canonical.ts"
import { Hashes, SigningBytes } from "../../src/codec/Hashing.ts"
import { Codecs, type Codec, type CodecName } from "../../src/codec/index.ts"
import type { Json } from "../../src/conformance/Types.ts"
import { valueToJson as toJson } from "../../src/conformance/suites/encoding.ts"
import type { SigningFile } from "../../src/conformance/suites/signing.ts"
import { blsSecretScalar } from "../../src/crypto/BlsKey.ts"
import { nobleCrypto } from "../../src/crypto/NobleCrypto.ts"
import type { BeaconInput } from "../../src/domain/Beacon.ts"
import { scoreCommitSigningBytes, scoreRevealSigningBytes } from "../../src/quality/Scoring.ts"
import {
  beaconInput,
  blsSeed,
  secretSeed,
  unsignedAuditReport,
  unsignedProposalHeader,
  unsignedScoreCommitment,
  unsignedScoreReveal,
  unsignedTransfer,
  unsignedVote,
  unsignedWorkCommitment,
  unsignedWorkReveal,
} from "../../test/fixtures/samples.ts"
import { check, clearHandlerDir, specExamples, type SpecExamples } from "./encoding.ts"
import { writeVector } from "./write.ts"

const crypto = nobleCrypto // the reference layer
const sha = crypto.sha256
const codec = (name: CodecName) => Codecs[name] as unknown as Codec<unknown>

const L = ed25519.Point.Fn.ORDER
const le = (b: Uint8Array) => b.reduceRight((x, v) => (x << 8n) | BigInt(v), 0n)
const le32 = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn))

interface SignedSpec {
  readonly example?: { readonly name: string; readonly description: string; readonly seed: Uint8Array; readonly unsigned: Record<string, unknown> }
  readonly type: CodecName
  readonly unsignedType: CodecName
  readonly signerField: string
  readonly tag: DomainTag
  readonly otherTag: DomainTag
  readonly unsigned: (seed: number) => Record<string, unknown>
  readonly signingBytes: (u: never) => Uint8Array
}

const ed25519Signed = (x: SpecExamples): ReadonlyArray<SignedSpec> => [
  {
    type: "Transfer",
    unsignedType: "UnsignedTransfer",
    signerField: "from",
    tag: DOMAIN.tx,
    otherTag: DOMAIN.vote,
    unsigned: unsignedTransfer,
    signingBytes: SigningBytes.transfer,
    example: {
      name: "spec-example-2",
      description: "spec/02-encoding.md Example 2: K2 (seed 02 x 32) signs 1000 to K3",
      seed: x.keys.seedK2,
      unsigned: x.ex2.unsignedTransfer,
    },
  },
  {
    type: "Vote",
    unsignedType: "UnsignedVote",
    signerField: "validator",
    tag: DOMAIN.vote,
    otherTag: DOMAIN.proposal,
    unsigned: (s) => unsignedVote(s),
    signingBytes: SigningBytes.vote,
    example: {
      name: "spec-example-1",
      description: "spec/02-encoding.md Example 1: K1 (seed 01 x 32) signs its prevote",
      seed: x.keys.seedK1,
      unsigned: x.ex1.unsignedVote,
    },
  },
  {
    type: "ProposalHeader",
    unsignedType: "UnsignedProposalHeader",
    signerField: "proposer",
    tag: DOMAIN.proposal,
    otherTag: DOMAIN.vote,
    unsigned: unsignedProposalHeader,
    signingBytes: SigningBytes.proposal,
  },
  {
    type: "WorkCommitment",
    unsignedType: "UnsignedWorkCommitment",
    signerField: "worker",
    tag: DOMAIN.workCommitMsg,
    otherTag: DOMAIN.workReveal,
    unsigned: unsignedWorkCommitment,
    signingBytes: SigningBytes.workCommitment,
  },
  {
    type: "WorkReveal",
    unsignedType: "UnsignedWorkReveal",
    signerField: "worker",
    tag: DOMAIN.workReveal,
    otherTag: DOMAIN.workCommitMsg,
    unsigned: unsignedWorkReveal,
    signingBytes: SigningBytes.workReveal,
  },
  {
    type: "AuditReport",
    unsignedType: "UnsignedAuditReport",
    signerField: "auditor",
    tag: DOMAIN.auditReport,
    otherTag: DOMAIN.workReveal,
    unsigned: unsignedAuditReport,
    signingBytes: SigningBytes.auditReport,
  },
  {
    type: "ScoreCommitment",
    unsignedType: "UnsignedScoreCommitment",
    signerField: "evaluator",
    tag: DOMAIN.scoreCommitMsg,
    otherTag: DOMAIN.scoreReveal,
    unsigned: unsignedScoreCommitment,
    signingBytes: scoreCommitSigningBytes,
  },
  {
    type: "ScoreReveal",
    unsignedType: "UnsignedScoreReveal",
    signerField: "evaluator",
    tag: DOMAIN.scoreReveal,
    otherTag: DOMAIN.scoreCommitMsg,
    unsigned: unsignedScoreReveal,
    signingBytes: scoreRevealSigningBytes,
  },
]

const flipBit = (b: Uint8Array, i: number, bit = 0) => {
  const c = b.slice()
  c[i] = (c[i] as number) ^ (1 << bit)
  return c
}

/** Change one field of an unsigned value other than the signer: the first integer, else the first other byte field. */
const tamperField = (u: Record<string, unknown>, signerField: string): Record<string, unknown> => {
  for (const [k, v] of Object.entries(u))
    if (typeof v === "number") return { ...u, [k]: v === 0 ? 1 : v - 1 }
  for (const [k, v] of Object.entries(u))
    if (k !== signerField && v instanceof Uint8Array && v.length > 0) return { ...u, [k]: flipBit(v, 0) }
  throw new Error("nothing to tamper")
}

const ed25519SigningVector = (spec: SignedSpec): SigningFile => {
  const signingBytesOf = (u: Record<string, unknown>) => {
    const sb = spec.signingBytes(u as never)
    check(bytesEqual(sb, tagged(spec.tag, codec(spec.unsignedType).encode(u))), `${spec.type} signing bytes layout`)
    return sb
  }
  const validCase = (name: string, description: string | undefined, sk: Uint8Array, base: Record<string, unknown>) => {
    const pk = crypto.ed25519.publicKey(sk)
    const unsigned = { ...base, [spec.signerField]: pk }
    const sb = signingBytesOf(unsigned)
    const signature = crypto.ed25519.sign(sb, sk)
    check(crypto.ed25519.verify(signature, sb, pk), `${spec.type} ${name} verifies`)
    const signed = { ...unsigned, signature }
    return {
      name,
      ...(description !== undefined ? { description } : {}),
      secretSeed: toHex(sk),
      publicKey: toHex(pk),
      unsigned: toJson(unsigned),
      signingBytes: toHex(sb),
      signature: toHex(signature),
      signed: toJson(signed) as { readonly [k: string]: Json },
      canonical: toHex(codec(spec.type).encode(signed)),
    }
  }
  const valid = [
    ...[0, 1, 2].map((seed) => validCase(`seed-${seed}`, undefined, secretSeed(seed), spec.unsigned(seed))),
    ...(spec.example === undefined ? [] : [validCase(spec.example.name, spec.example.description, spec.example.seed, spec.example.unsigned)]),
  ]

  const sk = secretSeed(0)
  const pk = crypto.ed25519.publicKey(sk)
  const unsigned = { ...spec.unsigned(0), [spec.signerField]: pk }
  const sb = signingBytesOf(unsigned)
  const sig = crypto.ed25519.sign(sb, sk)
  const invalid: Array<SigningFile["invalid"][number]> = []
  const add = (name: string, description: string, p: Uint8Array, s: Uint8Array, bytes: Uint8Array, u?: Record<string, unknown>) => {
    check(!crypto.ed25519.verify(s, bytes, p), `${spec.type} ${name} must not verify`)
    invalid.push({
      name,
      description,
      publicKey: toHex(p),
      ...(u ? { unsigned: toJson(u) } : {}),
      signingBytes: toHex(bytes),
      signature: toHex(s),
    })
  }
  add("tampered-signature-r", "seed-0's signature with bit 0 of byte 0 (in R) flipped", pk, flipBit(sig, 0), sb)
  add("tampered-signature-s", "seed-0's signature with bit 0 of byte 40 (in S) flipped", pk, flipBit(sig, 40), sb)
  const tampered = tamperField(unsigned, spec.signerField)
  add("tampered-field", "seed-0's signature over a value with one field changed", pk, sig, signingBytesOf(tampered), tampered)
  const replay = { ...unsigned, chainId: "poai-other-chain" }
  add("other-chain", "seed-0's signature replayed on another chainId", pk, sig, signingBytesOf(replay), replay)
  add("wrong-public-key", "seed-0's signature checked against seed-1's public key", crypto.ed25519.publicKey(secretSeed(1)), sig, sb)
  const canonical = codec(spec.unsignedType).encode(unsigned)
  add("no-domain-tag", "a signature over the canonical bytes without the domain-separation prefix", pk, crypto.ed25519.sign(canonical, sk), sb)
  add(
    "wrong-domain-tag",
    `a signature over the same canonical bytes under the domain tag "${spec.otherTag}"`,
    pk,
    crypto.ed25519.sign(tagged(spec.otherTag, canonical), sk),
    sb,
  )
  add("malleated-s", "seed-0's signature with S replaced by S + L (S must be < L)", pk, concatBytes(sig.subarray(0, 32), le32(le(sig.subarray(32)) + L)), sb)
  const identity = ed25519.Point.ZERO.toBytes()
  add(
    "identity-key-forgery",
    "public key = identity point, R = identity, S = 0: satisfies [S]B = R + [k]A for every message; small-order keys are rejected",
    identity,
    concatBytes(identity, new Uint8Array(32)),
    sb,
  )
  {
    // R = [r]B + T with T of order 8; S = r + k a. Passes the cofactored equation, fails the cofactorless one.
    const { scalar: a } = ed25519.utils.getExtendedPublicKey(sk)
    const T = torsionPoint()
    const r = 12345n
    const R = ed25519.Point.BASE.multiply(r).add(T).toBytes()
    const k = ed25519.Point.Fn.create(le(sha512(concatBytes(R, pk, sb))))
    const S = ed25519.Point.Fn.create(r + k * a)
    add(
      "small-order-component-in-r",
      "R = [r]B + T with T of order 8, S = r + k*a: valid under the cofactored equation only; CRYPTO-2 is cofactorless",
      pk,
      concatBytes(R, le32(S)),
      sb,
    )
  }
  return {
    type: spec.type,
    unsignedType: spec.unsignedType,
    signerField: spec.signerField,
    scheme: "ed25519",
    domainTag: spec.tag,
    rule: "signingBytes = u8(len(domainTag)) || ascii(domainTag) || canonical(unsigned); signature = Ed25519-Sign(secretSeed, signingBytes) (RFC 8032, pure)",
    valid,
    invalid,
  }
}

const torsionPoint = () => {
  const P = ed25519.Point
  for (let i = 2; ; i++) {
    const b = new Uint8Array(32)
    b[0] = i
    let p: InstanceType<typeof P>
    try {
      p = P.fromBytes(b)
    } catch {
      continue
    }
    const t = p.multiplyUnsafe(L - 1n).add(p)
    if (!t.multiplyUnsafe(4n).is0()) return t
  }
}

const beaconSigningVector = (x: SpecExamples): SigningFile => {
  const validCase = (name: string, description: string | undefined, blsSk: Uint8Array, input: BeaconInput, signer: Uint8Array) => {
    const blsPk = crypto.bls.publicKey(blsSk)
    const sb = SigningBytes.beacon(input)
    check(bytesEqual(sb, tagged(DOMAIN.beacon, Codecs.BeaconInput.encode(input))), "beacon signing bytes layout")
    const signature = crypto.bls.sign(sb, blsSk)
    check(crypto.bls.verify(signature, sb, blsPk), "beacon verifies")
    const signed = { ...input, signer, signature }
    return {
      name,
      ...(description !== undefined ? { description } : {}),
      secretSeed: toHex(blsSk),
      blsSecretScalar: toHex(blsSecretScalar(blsSk, sha)),
      publicKey: toHex(blsPk),
      unsigned: toJson(input),
      signingBytes: toHex(sb),
      signature: toHex(signature),
      signed: toJson(signed) as { readonly [k: string]: Json },
      canonical: toHex(Codecs.BeaconEntry.encode(signed)),
      beaconValue: toHex(Hashes.beaconValue(sha, signature)),
    }
  }
  const valid = [
    ...[0, 1].map((seed) => validCase(`seed-${seed}`, undefined, blsSeed(seed), beaconInput(seed), crypto.ed25519.publicKey(secretSeed(seed)))),
    validCase(
      "spec-example-4",
      "spec/02-encoding.md Example 4: B4 (BLS seed 04 x 32) signs beacon 1 over the genesis hash; the entry's signer is K1, the validator B4 belongs to",
      x.keys.seedB4,
      x.ex4.beaconInput,
      x.keys.K1,
    ),
  ]
  const blsSk = blsSeed(0)
  const pk = crypto.bls.publicKey(blsSk)
  const input = beaconInput(0)
  const sb = SigningBytes.beacon(input)
  const sig = crypto.bls.sign(sb, blsSk)
  const invalid: Array<SigningFile["invalid"][number]> = []
  const add = (name: string, description: string, p: Uint8Array, s: Uint8Array, bytes: Uint8Array, u?: Record<string, unknown>) => {
    check(!crypto.bls.verify(s, bytes, p), `beacon ${name} must not verify`)
    invalid.push({ name, description, publicKey: toHex(p), ...(u ? { unsigned: toJson(u) } : {}), signingBytes: toHex(bytes), signature: toHex(s) })
  }
  add("tampered-signature", "seed-0's signature with bit 0 of its last byte flipped", pk, flipBit(sig, 95), sb)
  const nextHeight = { ...input, height: input.height === 0 ? 1 : input.height - 1 }
  add("tampered-height", "seed-0's signature over another height", pk, sig, SigningBytes.beacon(nextHeight), nextHeight)
  const otherPrev = { ...input, prev: flipBit(input.prev, 0) }
  add("tampered-prev", "seed-0's signature over another previous beacon", pk, sig, SigningBytes.beacon(otherPrev), otherPrev)
  const replay = { ...input, chainId: "poai-other-chain" }
  add("other-chain", "seed-0's signature replayed on another chainId", pk, sig, SigningBytes.beacon(replay), replay)
  add("wrong-public-key", "seed-0's signature checked against seed-1's BLS key", crypto.bls.publicKey(blsSeed(1)), sig, sb)
  add("no-domain-tag", "a signature over the canonical input without the domain-separation prefix", pk, crypto.bls.sign(Codecs.BeaconInput.encode(input), blsSk), sb)
  add(
    "infinity-forgery",
    "public key and signature are the points at infinity (the identity key signs everything); rejected",
    Uint8Array.from([0xc0, ...new Uint8Array(47)]),
    Uint8Array.from([0xc0, ...new Uint8Array(95)]),
    sb,
  )
  return {
    type: "BeaconEntry",
    unsignedType: "BeaconInput",
    signerField: "signer",
    scheme: "bls12-381",
    ciphersuite: "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_ (public keys in G1, 48 bytes; signatures in G2, 96 bytes)",
    domainTag: DOMAIN.beacon,
    rule:
      "signingBytes = u8(len(domainTag)) || ascii(domainTag) || canonical(unsigned); signature = BLS-Sign(sk, signingBytes) with " +
      'sk = (OS2IP(SHA-256("POAI/v1/bls-keygen" || secretSeed)) mod (r - 1)) + 1; beaconValue = SHA-256(u8(len(tag)) || ascii(tag) || signature), tag "' +
      DOMAIN.beaconValue +
      '". The entry\'s `signer` is the proposer\'s ed25519 identity; its BLS key comes from the validator set.',
    valid,
    invalid,
  }
}


export const generate = async (outRoot: string): Promise<void> => {
  const x = specExamples()
  clearHandlerDir(outRoot, "signing", "ed25519")
  clearHandlerDir(outRoot, "signing", "bls12_381")
  for (const spec of ed25519Signed(x)) writeVector(outRoot, "signing", "ed25519", `${spec.type}.json`, ed25519SigningVector(spec))
  writeVector(outRoot, "signing", "bls12_381", "BeaconEntry.json", beaconSigningVector(x))
}
