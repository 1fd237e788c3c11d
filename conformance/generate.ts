// Regenerates every vector file under conformance/vectors from deterministic samples
// (test/fixtures/samples.ts: SHA-256 counter-mode streams over integer seeds; no other randomness).
// Run: node bin/run-ts.js conformance/generate.ts
//
// Every vector is checked against this implementation while it is generated (a generator that wrote a
// vector our own code fails would be a bug), and conformance/*.test.ts re-checks the files on disk.
import { ed25519 } from "@noble/curves/ed25519.js"
import { sha512 } from "@noble/hashes/sha2.js"
import { Either } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { bytesEqual, concatBytes, toHex, utf8 } from "../src/codec/Bytes.ts"
import { DOMAIN, MAX_WIRE_BYTES, canonicalEncode, tagged, type DomainTag } from "../src/codec/Canonical.ts"
import { Hashes, SigningBytes } from "../src/codec/Hashing.ts"
import { Codecs, type Codec, type CodecName } from "../src/codec/index.ts"
import { blsSecretScalar } from "../src/crypto/BlsKey.ts"
import { nobleCrypto } from "../src/crypto/NobleCrypto.ts"
import type { WorkClaim } from "../src/domain/Work.ts"
import { Mutations, mutate, parse as parseOrThrow, setTopText, write as writeItem, type MutationName } from "../test/fixtures/cbor.ts"
import {
  CODEC_NAMES,
  MESSAGE_TYPES,
  beaconInput,
  blsSeed,
  sampleOf,
  secretSeed,
  unsignedProposalHeader,
  unsignedTransfer,
  unsignedVote,
  unsignedWorkCommitment,
  unsignedWorkReveal,
  unsignedAuditReport,
  unsignedScoreCommitment,
  unsignedScoreReveal,
  workClaim,
  Rng,
} from "../test/fixtures/samples.ts"
import { toJson, type Json } from "./json.ts"
import { scoreCommitSigningBytes, scoreRevealSigningBytes } from "../src/quality/Scoring.ts"

type Reason = "oversized" | "malformed" | "non-canonical" | "schema"
const crypto = nobleCrypto // the reference layer
const sha = crypto.sha256
const codec = (name: CodecName) => Codecs[name] as unknown as Codec<unknown>

const reasonOf = (name: CodecName, bytes: Uint8Array): Reason | "ok" =>
  Either.match(codec(name).decode(bytes), { onLeft: (e) => e.reason, onRight: () => "ok" as const })

const check = (ok: boolean, what: string) => {
  if (!ok) throw new Error(`generator self-check failed: ${what}`)
}

// ---------------------------------------------------------------------------------------------
// Encoding vectors

/** Every structural mutation, with the reason a conforming decoder gives and a description. */
const MUTATIONS: Record<MutationName, readonly [Reason, string]> = {
  swapMapKeys: ["non-canonical", "the first two keys of the first map are swapped (keys out of canonical order)"],
  swapNestedMapKeys: ["non-canonical", "the first two keys of a nested map are swapped"],
  widenUint: ["non-canonical", "an unsigned integer is encoded with a head one size wider than needed"],
  widenBytesLength: ["non-canonical", "a byte string length is encoded with a head one size wider than needed"],
  widenMapLength: ["non-canonical", "the top-level map's entry count is encoded with a 1-byte argument (0xb8 nn)"],
  uintAsFloat: ["non-canonical", "an integer field is encoded as a float64 of the same integral value"],
  indefiniteArray: ["malformed", "an array is encoded with indefinite length (0x9f ... 0xff)"],
  indefiniteMap: ["malformed", "the top-level map is encoded with indefinite length (0xbf ... 0xff)"],
  duplicateKey: ["malformed", "the top-level map repeats its first key"],
  uintToFraction: ["malformed", "an integer field holds the float 0.5"],
  uintTo2p53: ["malformed", "an integer field holds 2^53 (outside the safe integer range)"],
  uintToU64Max: ["malformed", "an integer field holds 2^64-1"],
  tagged: ["malformed", "the value is wrapped in CBOR tag 24"],
  uintToNegative: ["schema", "an integer field holds -2"],
  shortenFixedBytes: ["schema", "a fixed-size byte field (hash, key or signature) is one byte short, e.g. a 31-byte hash"],
  lengthenFixedBytes: ["schema", "a fixed-size byte field is one byte long"],
  extraProperty: ["schema", 'an extra property "zzzzzz": 0, keys still in canonical order'],
  missingProperty: ["schema", "the first property is missing"],
  mapAsArray: ["schema", "the top-level map is replaced by the array of its values"],
  bytesAsText: ["schema", "a byte field is replaced by a text string"],
  wrongUnionTag: ["schema", 'the union discriminator ("type" or "kind") holds an unknown value'],
}

const HASHED: Partial<Record<CodecName, { fn: keyof typeof Hashes; tag: DomainTag; hash: (v: never) => Uint8Array }>> = {
  Transfer: { fn: "txId", tag: DOMAIN.txId, hash: (v) => Hashes.txId(sha, v) },
  BlockHeader: { fn: "blockHash", tag: DOMAIN.blockHeader, hash: (v) => Hashes.blockHash(sha, v) },
  BlockBody: { fn: "bodyHash", tag: DOMAIN.blockBody, hash: (v) => Hashes.bodyHash(sha, v) },
  CommitCertificate: { fn: "commitCert", tag: DOMAIN.commitCert, hash: (v) => Hashes.commitCert(sha, v) },
  Evidence: { fn: "evidence", tag: DOMAIN.evidence, hash: (v) => Hashes.evidence(sha, v) },
}

const validSeeds = (name: CodecName): ReadonlyArray<number> =>
  name === "Message" ? MESSAGE_TYPES.map((_, i) => i) : [0, 1, 2, 3]

const encodingVector = (name: CodecName) => {
  const c = codec(name)
  const h = HASHED[name]
  const valid = validSeeds(name).map((seed) => {
    const value = sampleOf(name, seed)
    const bytes = c.encode(value)
    const back = Either.getOrThrow(c.decode(bytes))
    check(bytesEqual(c.encode(back), bytes), `${name} seed ${seed} round trip`)
    const label = name === "Message" ? `seed-${seed}-${(value as { type: string }).type}` : `seed-${seed}`
    return {
      name: label,
      value: toJson(value),
      canonical: toHex(bytes),
      ...(h ? { hash: toHex(h.hash(value as never)) } : {}),
    }
  })

  // Invalid cases are cut from the smallest sample a mutation applies to.
  const bySize = Array.from({ length: 8 }, (_, s) => codec(name).encode(sampleOf(name, s))).sort((a, b) => a.length - b.length)
  const smallest = bySize[0] as Uint8Array
  const invalid: Array<{ name: string; description: string; bytes: string; reason: Reason; zeroPadTo?: number }> = []
  const add = (n: string, description: string, bytes: Uint8Array, reason: Reason) => {
    const got = reasonOf(name, bytes)
    check(got === reason, `${name} ${n}: expected ${reason}, implementation says ${got}`)
    invalid.push({ name: n, description, bytes: toHex(bytes), reason })
  }
  add("empty", "zero bytes", new Uint8Array(0), "malformed")
  add("truncated-last-byte", "the canonical encoding without its last byte", smallest.subarray(0, smallest.length - 1), "malformed")
  add("truncated-half", "the first half of the canonical encoding", smallest.subarray(0, smallest.length >> 1), "malformed")
  add("trailing-zero-byte", "the canonical encoding followed by 0x00", concatBytes(smallest, new Uint8Array([0])), "malformed")
  add("two-values", "the canonical encoding twice", concatBytes(smallest, smallest), "malformed")
  for (const [m, [reason, description]] of Object.entries(MUTATIONS) as Array<[MutationName, readonly [Reason, string]]>) {
    const bad = bySize.map((b) => mutate(b, Mutations[m])).find((b) => b !== undefined)
    if (bad !== undefined) add(m, description, bad, reason)
  }
  const badChain = setTopText(parseOrThrow(smallest), ["chainId"], "POAI")
  if (badChain !== undefined) add("chainIdUppercase", 'chainId "POAI" does not match ^[a-z0-9-]{1,32}$', writeItem(badChain), "schema")
  // oversized: the canonical encoding padded with zero bytes to MAX_WIRE_BYTES + 1 (given by length, not spelled out)
  const padded = new Uint8Array(MAX_WIRE_BYTES + 1)
  padded.set(smallest)
  check(reasonOf(name, padded) === "oversized", `${name} oversized`)
  invalid.push({
    name: "oversized",
    description: "the canonical encoding followed by zero bytes up to MAX_WIRE_BYTES + 1 bytes in all",
    bytes: toHex(smallest),
    reason: "oversized",
    zeroPadTo: MAX_WIRE_BYTES + 1,
  })

  return {
    type: name,
    ...(h
      ? { hash: { function: h.fn, domainTag: h.tag, rule: "SHA-256(u8(len(domainTag)) || ascii(domainTag) || canonical)" } }
      : {}),
    valid,
    invalid,
  }
}

// ---------------------------------------------------------------------------------------------
// Signing vectors

const L = ed25519.Point.Fn.ORDER
const le = (b: Uint8Array) => b.reduceRight((x, v) => (x << 8n) | BigInt(v), 0n)
const le32 = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn))

interface SignedSpec {
  readonly type: CodecName
  readonly unsignedType: CodecName
  readonly signerField: string
  readonly tag: DomainTag
  readonly otherTag: DomainTag
  readonly unsigned: (seed: number) => Record<string, unknown>
  readonly signingBytes: (u: never) => Uint8Array
}

const ED25519_SIGNED: ReadonlyArray<SignedSpec> = [
  {
    type: "Transfer",
    unsignedType: "UnsignedTransfer",
    signerField: "from",
    tag: DOMAIN.tx,
    otherTag: DOMAIN.vote,
    unsigned: unsignedTransfer,
    signingBytes: SigningBytes.transfer,
  },
  {
    type: "Vote",
    unsignedType: "UnsignedVote",
    signerField: "validator",
    tag: DOMAIN.vote,
    otherTag: DOMAIN.proposal,
    unsigned: (s) => unsignedVote(s),
    signingBytes: SigningBytes.vote,
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

const ed25519SigningVector = (spec: SignedSpec) => {
  const signingBytesOf = (u: Record<string, unknown>) => {
    const sb = spec.signingBytes(u as never)
    check(bytesEqual(sb, tagged(spec.tag, codec(spec.unsignedType).encode(u))), `${spec.type} signing bytes layout`)
    return sb
  }
  const valid = [0, 1, 2].map((seed) => {
    const sk = secretSeed(seed)
    const pk = crypto.ed25519.publicKey(sk)
    const unsigned = { ...spec.unsigned(seed), [spec.signerField]: pk }
    const sb = signingBytesOf(unsigned)
    const signature = crypto.ed25519.sign(sb, sk)
    check(crypto.ed25519.verify(signature, sb, pk), `${spec.type} seed ${seed} verifies`)
    const signed = { ...unsigned, signature }
    return {
      name: `seed-${seed}`,
      secretSeed: toHex(sk),
      publicKey: toHex(pk),
      unsigned: toJson(unsigned),
      signingBytes: toHex(sb),
      signature: toHex(signature),
      signed: toJson(signed),
      canonical: toHex(codec(spec.type).encode(signed)),
    }
  })

  const sk = secretSeed(0)
  const pk = crypto.ed25519.publicKey(sk)
  const unsigned = { ...spec.unsigned(0), [spec.signerField]: pk }
  const sb = signingBytesOf(unsigned)
  const sig = crypto.ed25519.sign(sb, sk)
  const invalid: Array<Record<string, Json>> = []
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

const beaconSigningVector = () => {
  const valid = [0, 1].map((seed) => {
    const blsSk = blsSeed(seed)
    const blsPk = crypto.bls.publicKey(blsSk)
    const input = beaconInput(seed)
    const sb = SigningBytes.beacon(input)
    check(bytesEqual(sb, tagged(DOMAIN.beacon, Codecs.BeaconInput.encode(input))), "beacon signing bytes layout")
    const signature = crypto.bls.sign(sb, blsSk)
    check(crypto.bls.verify(signature, sb, blsPk), "beacon verifies")
    const signed = { ...input, signer: crypto.ed25519.publicKey(secretSeed(seed)), signature }
    return {
      name: `seed-${seed}`,
      secretSeed: toHex(blsSk),
      blsSecretScalar: toHex(blsSecretScalar(blsSk, sha)),
      publicKey: toHex(blsPk),
      unsigned: toJson(input),
      signingBytes: toHex(sb),
      signature: toHex(signature),
      signed: toJson(signed),
      canonical: toHex(Codecs.BeaconEntry.encode(signed)),
      beaconValue: toHex(Hashes.beaconValue(sha, signature)),
    }
  })
  const blsSk = blsSeed(0)
  const pk = crypto.bls.publicKey(blsSk)
  const input = beaconInput(0)
  const sb = SigningBytes.beacon(input)
  const sig = crypto.bls.sign(sb, blsSk)
  const invalid: Array<Record<string, Json>> = []
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

// ---------------------------------------------------------------------------------------------
// Hashing vectors

const workCommitmentVector = () => {
  const valid = [0, 1, 2, 3].map((seed) => {
    const claim = workClaim(seed)
    const worker = crypto.ed25519.publicKey(secretSeed(seed))
    const salt = new Rng(seed, "salt").bytes(32)
    return {
      name: `seed-${seed}`,
      claim: toJson(claim),
      worker: toHex(worker),
      salt: toHex(salt),
      commitment: toHex(Hashes.workCommitment(sha, claim, worker, salt)),
    }
  })
  const claim = workClaim(0)
  const worker = crypto.ed25519.publicKey(secretSeed(0))
  const salt = new Rng(0, "salt").bytes(32)
  const c0 = Hashes.workCommitment(sha, claim, worker, salt)
  const invalid: Array<Record<string, Json>> = []
  const add = (name: string, description: string, cl: WorkClaim, w: Uint8Array, s: Uint8Array, commitment: Uint8Array) => {
    check(!bytesEqual(Hashes.workCommitment(sha, cl, w, s), commitment), `workCommitment ${name} must not open`)
    invalid.push({ name, description, claim: toJson(cl), worker: toHex(w), salt: toHex(s), commitment: toHex(commitment) })
  }
  add("other-salt", "seed-0's commitment opened with a different salt", claim, worker, flipBit(salt, 31), c0)
  add("other-worker", "seed-0's commitment claimed by another worker (front-running)", claim, crypto.ed25519.publicKey(secretSeed(1)), salt, c0)
  const otherOutput = { ...claim, outputHash: flipBit(claim.outputHash, 0) }
  add("other-output", "seed-0's commitment opened with a different output hash", otherOutput, worker, salt, c0)
  const otherQuality = { ...claim, qualityClaims: { ...claim.qualityClaims, correctness: claim.qualityClaims.correctness === 0 ? 1 : 0 } }
  add("other-quality-claims", "seed-0's commitment opened with different quality claims", otherQuality, worker, salt, c0)
  const untagged = sha(concatBytes(Codecs.WorkClaim.encode(claim), worker, salt))
  add("no-domain-tag", "SHA-256 of claim || worker || salt without the domain-separation prefix", claim, worker, salt, untagged)
  return {
    function: "workCommitment",
    domainTag: DOMAIN.workCommitment,
    rule: "commitment = SHA-256(u8(len(domainTag)) || ascii(domainTag) || canonical(claim) || worker (32 bytes) || salt (32 bytes)); `claim` is a WorkClaim",
    valid,
    invalid,
  }
}

const workIdVector = () => {
  const valid: Array<Record<string, Json>> = [0, 1, 2, 3].map((seed) => {
    const claim = workClaim(seed)
    return { name: `seed-${seed}`, claim: toJson(claim), workId: toHex(Hashes.workId(sha, claim)) }
  })
  const claim = workClaim(0)
  const id0 = Hashes.workId(sha, claim)
  // Only the task id, input and output are bound: attestation, quality claims and the rest of the task do not change it.
  const sameWork: WorkClaim = {
    ...claim,
    attestation: utf8("another attestation"),
    qualityClaims: { correctness: 1, utility: 2, novelty: 3 },
    task: { ...claim.task, computeUnits: claim.task.computeUnits === 1 ? 2 : 1 },
  }
  check(bytesEqual(Hashes.workId(sha, sameWork), id0), "workId ignores attestation")
  valid.push({ name: "same-work-other-attestation", claim: toJson(sameWork), workId: toHex(id0) })
  const invalid: Array<Record<string, Json>> = []
  const add = (name: string, description: string, cl: WorkClaim, id: Uint8Array) => {
    check(!bytesEqual(Hashes.workId(sha, cl), id), `workId ${name} must differ`)
    invalid.push({ name, description, claim: toJson(cl), workId: toHex(id) })
  }
  add("other-task", "seed-0's work id for a claim with another taskId", { ...claim, task: { ...claim.task, taskId: flipBit(claim.task.taskId, 0) } }, id0)
  add("other-input", "seed-0's work id for a claim with another inputHash", { ...claim, inputHash: flipBit(claim.inputHash, 0) }, id0)
  add("other-output", "seed-0's work id for a claim with another outputHash", { ...claim, outputHash: flipBit(claim.outputHash, 0) }, id0)
  add(
    "no-domain-tag",
    "SHA-256 of canonical([taskId, inputHash, outputHash]) without the domain-separation prefix",
    claim,
    sha(canonicalEncode([claim.task.taskId, claim.inputHash, claim.outputHash])),
  )
  return {
    function: "workId",
    domainTag: DOMAIN.workId,
    rule: "workId = SHA-256(u8(len(domainTag)) || ascii(domainTag) || canonical([claim.task.taskId, claim.inputHash, claim.outputHash]))",
    valid,
    invalid,
  }
}

// ---------------------------------------------------------------------------------------------

/** All vector files: path relative to conformance/vectors -> content. */
export const buildVectors = (): ReadonlyArray<readonly [string, object]> => [
  ...CODEC_NAMES.map((n) => [`encoding/${n}.json`, encodingVector(n)] as const),
  ...ED25519_SIGNED.map((s) => [`signing/${s.type}.json`, ed25519SigningVector(s)] as const),
  ["signing/BeaconEntry.json", beaconSigningVector()],
  ["hashing/workCommitment.json", workCommitmentVector()],
  ["hashing/workId.json", workIdVector()],
]

const main = () => {
  const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "vectors")
  const files = buildVectors()
  // Remove stale files so the folder is exactly what the generator produces.
  for (const dir of ["encoding", "signing", "hashing"]) {
    fs.mkdirSync(path.join(root, dir), { recursive: true })
    for (const f of fs.readdirSync(path.join(root, dir))) fs.rmSync(path.join(root, dir, f))
  }
  let cases = 0
  for (const [rel, content] of files) {
    fs.writeFileSync(path.join(root, rel), JSON.stringify(content, null, 2) + "\n")
    const c = content as { valid: unknown[]; invalid: unknown[] }
    cases += c.valid.length + c.invalid.length
  }
  process.stdout.write(`wrote ${files.length} files, ${cases} cases under ${path.relative(process.cwd(), root)}\n`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main()
