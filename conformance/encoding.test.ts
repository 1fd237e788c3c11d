// Conformance runner: encoding and hashing vectors (conformance/README.md) against this implementation.
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { bytesEqual, toHex } from "../src/codec/Bytes.ts"
import { tagged, type DomainTag } from "../src/codec/Canonical.ts"
import { Hashes } from "../src/codec/Hashing.ts"
import { Codecs, type Codec, type CodecName } from "../src/codec/index.ts"
import type { CryptoService } from "../src/crypto/Crypto.ts"
import { nobleCrypto } from "../src/crypto/NobleCrypto.ts"
import { nodeCryptoService } from "../src/crypto/NodeCrypto.ts"
import type { WorkClaim } from "../src/domain/Work.ts"
import { fromJson, hexField, toJson, type Json } from "./json.ts"
import { EXPECTED_FILES, listVectorFiles, loadVectorFile } from "./load.ts"

const LAYERS: ReadonlyArray<CryptoService> = [nobleCrypto, nodeCryptoService]

interface ValidCase {
  readonly value: Json
  readonly canonical: string
  readonly hash?: string
}
interface InvalidCase {
  readonly bytes: string
  readonly reason: string
  readonly zeroPadTo?: number
  readonly canonical?: unknown
}
interface HashSpec {
  readonly function: keyof typeof Hashes
  readonly domainTag: DomainTag
}

const HASHED_TYPES = ["BlockBody", "BlockHeader", "CommitCertificate", "Evidence", "Transfer"]

describe("vector files are all present", () => {
  it.each(["encoding", "hashing"] as const)("%s: exactly the expected files, none empty", (kind) => {
    expect(listVectorFiles(kind)).toEqual([...EXPECTED_FILES[kind]].sort())
    for (const name of EXPECTED_FILES[kind]) expect(() => loadVectorFile(kind, name)).not.toThrow()
  })

  it("one encoding file per codec (28)", () => {
    expect(EXPECTED_FILES.encoding.length).toBe(Object.keys(Codecs).length)
    expect(EXPECTED_FILES.encoding.length).toBe(28)
  })
})

describe.each(EXPECTED_FILES.encoding)("encoding/%s.json", (name) => {
  const load = () => loadVectorFile<ValidCase, InvalidCase>("encoding", name)
  const codec = () => Codecs[name as CodecName] as unknown as Codec<unknown>

  it("names its type and carries a hash rule exactly for hashed types", () => {
    const v = load()
    expect(v["type"]).toBe(name)
    expect(v["hash"] !== undefined).toBe(HASHED_TYPES.includes(name))
  })

  it("valid: value encodes to `canonical`, `canonical` decodes to value, hash matches", () => {
    const v = load()
    const hash = v["hash"] as HashSpec | undefined
    for (const c of v.valid) {
      const value = fromJson(c.value)
      const canonical = hexField(c.canonical, `${c.name}.canonical`)
      expect(Either.isRight(codec().validate(value)), c.name).toBe(true)
      expect(toHex(codec().encode(value)), c.name).toBe(c.canonical)
      const decoded = codec().decode(canonical)
      expect(Either.isRight(decoded), c.name).toBe(true)
      expect(Either.getOrThrow(decoded), c.name).toEqual(value)
      expect(toJson(Either.getOrThrow(decoded)), c.name).toEqual(c.value)
      if (hash !== undefined) {
        expect(typeof c.hash, c.name).toBe("string")
        for (const l of LAYERS) {
          const fn = Hashes[hash.function] as (sha: (d: Uint8Array) => Uint8Array, v: unknown) => Uint8Array
          expect(toHex(fn(l.sha256, value)), `${c.name} ${l.name}`).toBe(c.hash)
          // the documented rule, independently of Hashes
          expect(toHex(l.sha256(tagged(hash.domainTag, canonical))), `${c.name} ${l.name} rule`).toBe(c.hash)
        }
      } else expect(c.hash, c.name).toBeUndefined()
    }
  })

  it("invalid: decoding is rejected with exactly the stated reason", () => {
    const v = load()
    for (const c of v.invalid) {
      expect(c.canonical, `${c.name}: an invalid case has no canonical form`).toBeUndefined()
      expect(["oversized", "malformed", "non-canonical", "schema"]).toContain(c.reason)
      let bytes = hexField(c.bytes, `${c.name}.bytes`)
      if (c.zeroPadTo !== undefined) {
        const padded = new Uint8Array(c.zeroPadTo)
        padded.set(bytes)
        bytes = padded
      }
      const r = codec().decode(bytes)
      expect(Either.isLeft(r) ? r.left.reason : "accepted", c.name).toBe(c.reason)
    }
  })

  it("covers every rejection reason that applies to every type", () => {
    const reasons = new Set(load().invalid.map((c) => c.reason))
    expect([...reasons].sort()).toEqual(["malformed", "non-canonical", "oversized", "schema"])
  })
})

// ---------------------------------------------------------------------------------------------
// Hashing vectors

describe("hashing/workCommitment.json", () => {
  interface Case {
    readonly claim: Json
    readonly worker: string
    readonly salt: string
    readonly commitment: string
  }
  const load = () => loadVectorFile<Case, Case>("hashing", "workCommitment")
  const args = (c: Case) =>
    [
      Either.getOrThrow(Codecs.WorkClaim.validate(fromJson(c.claim))) as WorkClaim,
      hexField(c.worker, "worker"),
      hexField(c.salt, "salt"),
    ] as const

  it("valid: the commitment opens with (claim, worker, salt) on both layers", () => {
    for (const c of load().valid)
      for (const l of LAYERS) expect(toHex(Hashes.workCommitment(l.sha256, ...args(c))), `${c.name} ${l.name}`).toBe(c.commitment)
  })

  it("invalid: the stated commitment does not open", () => {
    for (const c of load().invalid)
      for (const l of LAYERS)
        expect(bytesEqual(Hashes.workCommitment(l.sha256, ...args(c)), hexField(c.commitment, "commitment")), `${c.name} ${l.name}`).toBe(false)
  })
})

describe("hashing/workId.json", () => {
  interface Case {
    readonly claim: Json
    readonly workId: string
  }
  const load = () => loadVectorFile<Case, Case>("hashing", "workId")
  const claimOf = (c: Case) => Either.getOrThrow(Codecs.WorkClaim.validate(fromJson(c.claim))) as WorkClaim

  it("valid: workId matches on both layers", () => {
    for (const c of load().valid) for (const l of LAYERS) expect(toHex(Hashes.workId(l.sha256, claimOf(c))), `${c.name} ${l.name}`).toBe(c.workId)
  })

  it("invalid: the stated workId does not match", () => {
    for (const c of load().invalid)
      for (const l of LAYERS) expect(toHex(Hashes.workId(l.sha256, claimOf(c))), `${c.name} ${l.name}`).not.toBe(c.workId)
  })
})
