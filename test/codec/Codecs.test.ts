// spec: ENC-CBOR.3, ERR-DECODE (spec/02-encoding.md, spec/07-errors.md), DT-* (spec/01-data-types.md)
// Every codec in `Codecs`: round trip on deterministic samples, and the exact DecodeError reason for
// every class of bad input. Decoding must never throw (fast-check property at the end).
import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { bytesEqual, concatBytes, toHex } from "../../src/codec/Bytes.ts"
import { MAX_WIRE_BYTES, canonicalEncode } from "../../src/codec/Canonical.ts"
import { Codecs, DecodeError, type Codec, type CodecName } from "../../src/codec/index.ts"
import { MAX_VALIDATORS } from "../../src/domain/Consensus.ts"
import { MAX_TASK_PARAMS_BYTES } from "../../src/domain/Work.ts"
import { Mutations, mutate, parse, write, type MutationName } from "../fixtures/cbor.ts"
import { CODEC_NAMES, MESSAGE_TYPES, commitCertificate, message, sampleOf, taskSpec, transfer, vote } from "../fixtures/samples.ts"

type Reason = DecodeError["reason"]
const SEEDS = [0, 1, 2, 3, 4, 5, 6, 7] as const

const codec = (name: CodecName): Codec<unknown> => Codecs[name] as unknown as Codec<unknown>
const encodeSample = (name: CodecName, seed: number) => codec(name).encode(sampleOf(name, seed))

/** The reason `name` rejects `bytes` with, or "ok". Also checks the error's shape. */
const reasonOf = (name: CodecName, bytes: Uint8Array): Reason | "ok" => {
  const r = codec(name).decode(bytes)
  if (Either.isRight(r)) return "ok"
  expect(r.left).toBeInstanceOf(DecodeError)
  expect(r.left._tag).toBe("DecodeError")
  expect(r.left.type).toBe(name)
  expect(r.left.message).toContain(r.left.reason)
  return r.left.reason
}

/** Canonical bytes of an arbitrary (schema-unchecked) plain value. */
const raw = (v: unknown) => canonicalEncode(v)

it("there is a sample builder for every codec and the codec list is the expected one", () => {
  expect([...CODEC_NAMES].sort()).toEqual(
    [
      "AuditReport",
      "Block",
      "BlockBody",
      "BlockHeader",
      "BeaconEntry",
      "BeaconInput",
      "CommitCertificate",
      "Evidence",
      "Message",
      "Precommit",
      "Prevote",
      "ProposalHeader",
      "ScoreCommitment",
      "ScoreReveal",
      "TaskSpec",
      "Transfer",
      "UnsignedProposalHeader",
      "UnsignedScoreCommitment",
      "UnsignedScoreReveal",
      "UnsignedAuditReport",
      "UnsignedTransfer",
      "UnsignedVote",
      "UnsignedWorkCommitment",
      "UnsignedWorkReveal",
      "Vote",
      "WorkClaim",
      "WorkCommitment",
      "WorkReveal",
    ].sort(),
  )
})

describe.each(CODEC_NAMES)("%s", (name) => {
  const c = codec(name)

  it("samples are schema-valid, deterministic and distinct across seeds", () => {
    const hexes = SEEDS.map((s) => toHex(encodeSample(name, s)))
    for (const s of SEEDS) expect(Either.isRight(c.validate(sampleOf(name, s)))).toBe(true)
    expect(SEEDS.map((s) => toHex(encodeSample(name, s)))).toEqual(hexes)
    expect(new Set(hexes).size).toBeGreaterThan(1)
  })

  it("round trips: decode(encode(x)) equals x and re-encodes to identical bytes", () => {
    for (const s of SEEDS) {
      const x = sampleOf(name, s)
      const bytes = c.encode(x)
      const back = Either.getOrThrow(c.decode(bytes))
      expect(back).toEqual(x)
      expect(toHex(c.encode(back))).toBe(toHex(bytes))
      // the independent test writer reproduces the encoding byte for byte
      expect(toHex(write(parse(bytes)))).toBe(toHex(bytes))
    }
  })

  it("rejects empty input as malformed", () => {
    expect(reasonOf(name, new Uint8Array(0))).toBe("malformed")
  })

  it("rejects truncated encodings as malformed", () => {
    const b = encodeSample(name, 1)
    for (const n of [1, 2, b.length >> 1, b.length - 2, b.length - 1]) expect(reasonOf(name, b.slice(0, n))).toBe("malformed")
  })

  it("rejects trailing garbage as malformed", () => {
    const b = encodeSample(name, 1)
    expect(reasonOf(name, concatBytes(b, new Uint8Array([0])))).toBe("malformed")
    expect(reasonOf(name, concatBytes(b, new Uint8Array([0xff])))).toBe("malformed")
    expect(reasonOf(name, concatBytes(b, b))).toBe("malformed")
  })

  it("rejects input over MAX_WIRE_BYTES as oversized", () => {
    const b = encodeSample(name, 1)
    const padded = new Uint8Array(MAX_WIRE_BYTES + 1)
    padded.set(b)
    expect(reasonOf(name, padded)).toBe("oversized")
  })

  it("never throws on non-byte input", () => {
    for (const x of [undefined, null, "a0", 42, {}]) expect(reasonOf(name, x as unknown as Uint8Array)).toBe("malformed")
  })
})

// ---------------------------------------------------------------------------------------------
// Structural mutations of canonical encodings. Each row: mutation, expected reason, and the codecs
// it cannot apply to (so a mutation that silently stops applying fails the test).

const NO_INT: ReadonlyArray<CodecName> = ["WorkCommitment", "UnsignedWorkCommitment", "ScoreCommitment", "UnsignedScoreCommitment"]
const ARRAYS: ReadonlyArray<CodecName> = ["BlockBody", "Block", "CommitCertificate", "Message", "AuditReport", "UnsignedAuditReport"]
const DISCRIMINATED: ReadonlyArray<CodecName> = ["TaskSpec", "Vote", "Prevote", "Precommit", "UnsignedVote", "Evidence", "Message"]
const FLAT: ReadonlyArray<CodecName> = [
  "ScoreCommitment",
  "UnsignedScoreCommitment",
  "Transfer",
  "UnsignedTransfer",
  "TaskSpec",
  "WorkCommitment",
  "UnsignedWorkCommitment",
  "ProposalHeader",
  "UnsignedProposalHeader",
  "Vote",
  "Prevote",
  "Precommit",
  "UnsignedVote",
  "BeaconEntry",
  "BeaconInput",
]
const except = (xs: ReadonlyArray<CodecName>) => CODEC_NAMES.filter((n) => !xs.includes(n))
const only = (xs: ReadonlyArray<CodecName>) => CODEC_NAMES.filter((n) => xs.includes(n))

const table: ReadonlyArray<readonly [MutationName, Reason, ReadonlyArray<CodecName>]> = [
  ["swapMapKeys", "non-canonical", CODEC_NAMES],
  ["swapNestedMapKeys", "non-canonical", except(FLAT)],
  ["widenUint", "non-canonical", except(NO_INT)],
  ["widenBytesLength", "non-canonical", CODEC_NAMES],
  ["widenMapLength", "non-canonical", CODEC_NAMES],
  ["uintAsFloat", "non-canonical", except(NO_INT)],
  ["indefiniteArray", "malformed", only(ARRAYS)],
  ["indefiniteMap", "malformed", CODEC_NAMES],
  ["duplicateKey", "malformed", CODEC_NAMES],
  ["uintToFraction", "malformed", except(NO_INT)],
  ["uintTo2p53", "malformed", except(NO_INT)],
  ["uintToU64Max", "malformed", except(NO_INT)],
  ["tagged", "malformed", CODEC_NAMES],
  ["uintToNegative", "schema", except(NO_INT)],
  ["shortenFixedBytes", "schema", CODEC_NAMES],
  ["lengthenFixedBytes", "schema", CODEC_NAMES],
  ["extraProperty", "schema", CODEC_NAMES],
  ["missingProperty", "schema", CODEC_NAMES],
  ["mapAsArray", "schema", CODEC_NAMES],
  ["bytesAsText", "schema", CODEC_NAMES],
  ["wrongUnionTag", "schema", only(DISCRIMINATED)],
]

describe.each(table)("mutation %s -> %s", (mutation, reason, applies) => {
  it.each(CODEC_NAMES)("%s", (name) => {
    let applied = 0
    for (const s of SEEDS) {
      const bad = mutate(encodeSample(name, s), Mutations[mutation])
      if (bad === undefined) continue
      applied++
      expect(reasonOf(name, bad), `seed ${s}: ${toHex(bad)}`).toBe(reason)
    }
    expect(applied > 0).toBe(applies.includes(name))
  })
})

describe("every prefix of an encoding is malformed", () => {
  const cases: ReadonlyArray<readonly [CodecName, number]> = [
    ["Transfer", 1],
    ["Vote", 2],
    ["Block", 1],
    ["Message", 0], // proposal with a block
  ]
  it.each(cases)("%s seed %d", (name, seed) => {
    const b = encodeSample(name, seed)
    expect(b.length).toBeGreaterThan(100)
    const reasons = new Set<string>()
    for (let n = 0; n < b.length; n++) reasons.add(reasonOf(name, b.subarray(0, n)))
    expect([...reasons]).toEqual(["malformed"])
  })
})

// ---------------------------------------------------------------------------------------------
// Field-level rules (DT-PRIM.1 and the per-type bounds), on hand-built values.

describe("field rules", () => {
  const withField = <N extends CodecName>(name: N, seed: number, patch: Record<string, unknown>) =>
    raw({ ...(sampleOf(name, seed) as object), ...patch })

  it("a 31-byte hash / public key / 63-byte signature is a schema error", () => {
    expect(reasonOf("Transfer", withField("Transfer", 1, { from: new Uint8Array(31) }))).toBe("schema")
    expect(reasonOf("Transfer", withField("Transfer", 1, { signature: new Uint8Array(63) }))).toBe("schema")
    expect(reasonOf("BlockHeader", withField("BlockHeader", 1, { prevHash: new Uint8Array(31) }))).toBe("schema")
    expect(reasonOf("BeaconEntry", withField("BeaconEntry", 1, { signature: new Uint8Array(95) }))).toBe("schema")
    expect(reasonOf("WorkReveal", withField("WorkReveal", 1, { salt: new Uint8Array(33) }))).toBe("schema")
  })

  it("unsigned integers: -1 is a schema error, 2^53-1 is accepted, 2^53 is malformed", () => {
    expect(reasonOf("Transfer", withField("Transfer", 1, { amount: -1 }))).toBe("schema")
    expect(reasonOf("Transfer", withField("Transfer", 1, { nonce: -1 }))).toBe("schema")
    expect(reasonOf("Transfer", withField("Transfer", 1, { amount: Number.MAX_SAFE_INTEGER }))).toBe("ok")
    const t = Codecs.Transfer.encode({ ...transfer(1), amount: Number.MAX_SAFE_INTEGER })
    const i = toHex(t).indexOf("1b001fffffffffffff") / 2 // the amount's head
    expect(i).toBeGreaterThan(0)
    expect(Number.isInteger(i)).toBe(true)
    const over = t.slice()
    over.set([0x1b, 0, 0x20, 0, 0, 0, 0, 0, 0], i)
    expect(reasonOf("Transfer", over)).toBe("malformed")
  })

  it("round: 1_000_000 accepted, 1_000_001 and -1 rejected; validRound: -1 accepted, -2 rejected", () => {
    expect(reasonOf("Vote", withField("Vote", 1, { round: 1_000_000 }))).toBe("ok")
    expect(reasonOf("Vote", withField("Vote", 1, { round: 1_000_001 }))).toBe("schema")
    expect(reasonOf("Vote", withField("Vote", 1, { round: -1 }))).toBe("schema")
    expect(reasonOf("ProposalHeader", withField("ProposalHeader", 1, { validRound: -1 }))).toBe("ok")
    expect(reasonOf("ProposalHeader", withField("ProposalHeader", 1, { validRound: -2 }))).toBe("schema")
  })

  it("an integer where bytes belong, bytes where an integer belongs, null where not nullable", () => {
    expect(reasonOf("Transfer", withField("Transfer", 1, { from: 7 }))).toBe("schema")
    expect(reasonOf("Transfer", withField("Transfer", 1, { amount: new Uint8Array(8) }))).toBe("schema")
    expect(reasonOf("Transfer", withField("Transfer", 1, { to: null }))).toBe("schema")
    expect(reasonOf("Vote", withField("Vote", 2, { blockHash: null }))).toBe("ok") // nil vote
    expect(reasonOf("Vote", withField("Vote", 2, { blockHash: true }))).toBe("schema")
  })

  it("chainId must match ^[a-z0-9-]{1,32}$", () => {
    for (const ok of ["a", "poai-1", "z".repeat(32)]) expect(reasonOf("Transfer", withField("Transfer", 1, { chainId: ok }))).toBe("ok")
    for (const bad of ["", "POAI", "poai_1", "z".repeat(33), "poai 1", "é"])
      expect(reasonOf("Transfer", withField("Transfer", 1, { chainId: bad }))).toBe("schema")
  })

  it("bounded byte fields: TaskSpec params up to MAX_TASK_PARAMS_BYTES", () => {
    expect(reasonOf("TaskSpec", raw({ ...taskSpec(1), params: new Uint8Array(MAX_TASK_PARAMS_BYTES) }))).toBe("ok")
    expect(reasonOf("TaskSpec", raw({ ...taskSpec(1), params: new Uint8Array(MAX_TASK_PARAMS_BYTES + 1) }))).toBe("schema")
    expect(reasonOf("TaskSpec", raw({ ...taskSpec(1), computeUnits: 0 }))).toBe("schema")
    expect(reasonOf("TaskSpec", raw({ ...taskSpec(1), kind: "mining" }))).toBe("schema")
  })

  it("bounded arrays: a commit certificate with MAX_VALIDATORS + 1 signatures is a schema error", () => {
    const sig = { validator: new Uint8Array(32), signature: new Uint8Array(64) }
    const cert = commitCertificate(1)
    expect(reasonOf("CommitCertificate", raw({ ...cert, signatures: Array(MAX_VALIDATORS).fill(sig) }))).toBe("ok")
    expect(reasonOf("CommitCertificate", raw({ ...cert, signatures: Array(MAX_VALIDATORS + 1).fill(sig) }))).toBe("schema")
  })

  it("Prevote and Precommit accept only their own vote type", () => {
    expect(reasonOf("Prevote", Codecs.Vote.encode(vote(1, "precommit")))).toBe("schema")
    expect(reasonOf("Precommit", Codecs.Vote.encode(vote(1, "prevote")))).toBe("schema")
    expect(reasonOf("Prevote", Codecs.Vote.encode(vote(1, "prevote")))).toBe("ok")
    expect(reasonOf("Vote", raw({ ...vote(1), type: "commit" }))).toBe("schema")
  })

  it("unions: every Message variant decodes; a known tag with another variant's fields does not", () => {
    const seen = new Set<string>()
    for (let s = 0; s < MESSAGE_TYPES.length; s++) {
      const m = message(s)
      seen.add(m.type)
      expect(Either.getOrThrow(Codecs.Message.decode(Codecs.Message.encode(m)))).toEqual(m)
    }
    expect(seen.size).toBe(MESSAGE_TYPES.length)
    expect(reasonOf("Message", raw({ type: "tx", vote: vote(1) }))).toBe("schema")
    expect(reasonOf("Message", raw({ type: "vote", vote: vote(1), extra: 1 }))).toBe("schema")
    expect(reasonOf("Message", raw({ vote: vote(1) }))).toBe("schema")
    expect(reasonOf("Evidence", raw({ kind: "duplicate-vote", a: sampleOf("ProposalHeader", 1), b: sampleOf("ProposalHeader", 2) }))).toBe(
      "schema",
    )
  })

  it("an unsigned type rejects its signed form (the signature is an excess property)", () => {
    expect(reasonOf("UnsignedTransfer", Codecs.Transfer.encode(transfer(1)))).toBe("schema")
    expect(reasonOf("UnsignedVote", Codecs.Vote.encode(vote(1)))).toBe("schema")
  })

  it("the top-level value must be a map", () => {
    for (const v of [0, "x", null, [], new Uint8Array(32)]) expect(reasonOf("Transfer", raw(v))).toBe("schema")
  })
})

describe("validate (in-memory values)", () => {
  it("accepts samples and rejects extra / missing properties and wrong lengths as schema errors", () => {
    const t = transfer(3)
    expect(Either.getOrThrow(Codecs.Transfer.validate(t))).toEqual(t)
    const reason = (v: unknown) => Either.match(Codecs.Transfer.validate(v), { onLeft: (e) => e.reason, onRight: () => "ok" })
    expect(reason({ ...t, memo: "hi" })).toBe("schema")
    const { fee: _fee, ...noFee } = t
    expect(reason(noFee)).toBe("schema")
    expect(reason({ ...t, to: new Uint8Array(31) })).toBe("schema")
    expect(reason({ ...t, amount: 1.5 })).toBe("schema")
  })
})

describe("decoded byte fields do not alias the input", () => {
  it("mutating the input after decoding leaves the value unchanged", () => {
    const bytes = Codecs.Transfer.encode(transfer(5))
    const v = Either.getOrThrow(Codecs.Transfer.decode(bytes))
    const before = toHex(Codecs.Transfer.encode(v))
    bytes.fill(0)
    expect(toHex(Codecs.Transfer.encode(v))).toBe(before)
  })
})

// ---------------------------------------------------------------------------------------------
// decode never throws (ENC-CBOR.3, ERR-DECODE): arbitrary bytes and damaged valid encodings give
// Left(DecodeError) or a value whose canonical encoding is exactly the input.

const FC_SEED = 0x0c0dec // fixed: failures reproduce
const FC_RUNS = 500

const REASONS: ReadonlyArray<Reason> = ["oversized", "malformed", "non-canonical", "schema"]

describe("decode never throws (fast-check, seed 0x0c0dec, 500 runs per codec)", () => {
  it.each(CODEC_NAMES)("%s", (name) => {
    const c = codec(name)
    const valid = Array.from({ length: 16 }, (_, s) => encodeSample(name, s))
    const damaged = fc
      .record({
        seed: fc.nat({ max: valid.length - 1 }),
        op: fc.constantFrom("flip", "truncate", "insert", "delete", "overwrite"),
        at: fc.nat(),
        bit: fc.nat({ max: 7 }),
        byte: fc.nat({ max: 255 }),
      })
      .map(({ seed, op, at, bit, byte }) => {
        const b = (valid[seed] as Uint8Array).slice()
        const i = at % b.length
        switch (op) {
          case "flip":
            b[i] = (b[i] as number) ^ (1 << bit)
            return b
          case "truncate":
            return b.slice(0, i)
          case "insert":
            return concatBytes(b.subarray(0, i), new Uint8Array([byte]), b.subarray(i))
          case "delete":
            return concatBytes(b.subarray(0, i), b.subarray(i + 1))
          case "overwrite":
            b[i] = byte
            return b
        }
      })
    let lefts = 0
    let rights = 0
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 256 }), damaged), (bytes) => {
        let r: Either.Either<unknown, DecodeError>
        try {
          r = c.decode(bytes)
        } catch (e) {
          throw new Error(`decode threw on ${toHex(bytes)}: ${String(e)}`)
        }
        if (Either.isLeft(r)) {
          lefts++
          return r.left instanceof DecodeError && REASONS.includes(r.left.reason) && r.left.type === name
        }
        rights++
        return bytesEqual(c.encode(r.right), bytes)
      }),
      { numRuns: FC_RUNS, seed: FC_SEED },
    )
    // both branches are exercised (bit flips inside byte fields give other valid values)
    expect(lefts).toBeGreaterThan(0)
    expect(rights).toBeGreaterThan(0)
  })
})
