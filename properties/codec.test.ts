// spec: ENC-CBOR.1..4 (spec/02-encoding.md), ERR-DECODE (spec/07-errors.md), DT-* and NET-MSG.1
//       (spec/01-data-types.md), NODE-STEP.1..2 and NODE-DIGEST.1 (spec/03-consensus.md).
//
// Codec properties, for every wire type of the `Codecs` registry (src/codec/index.ts), on schema-valid
// values drawn by fast-check (test/fixtures/samples.ts builds one from any seed, with CBOR edge widths):
//   - round trip: decode(encode(v)) succeeds and equals v;
//   - canonical uniqueness (ENC-CBOR.3): whenever decode(b) succeeds, encode(decode(b)) is b byte for
//     byte, for b drawn from mutations of valid encodings (bit flips, byte changes, insertions,
//     deletions, the structural mutations of test/fixtures/cbor.ts) and from random bytes;
//   - rejection: every strict prefix (truncation) and every extension (trailing bytes) of a valid
//     encoding, and every structural mutation (non-canonical heads, indefinite lengths, duplicate keys,
//     floats, tags, wrong field sizes, extra or missing properties, ...), is rejected with a typed
//     DecodeError {type: codec name, reason: oversized | malformed | non-canonical | schema}; a bit flip
//     is either rejected that way or is the canonical encoding of another valid value; decode never
//     throws.
// Node property (NODE-STEP.1..2): a node, in states captured from a real run (several heights, rounds,
// mempools), fed arbitrary bytes as a `receive` from a peer or as a `client-tx` never throws; random
// bytes are always rejected; and whenever an input is rejected, the node's protocol state is unchanged:
// nodeDigest (NODE-DIGEST.1) is equal and the returned state is the same object, or a copy that differs
// only in the sync hint (syncRequested, aheadPeer). Inputs: random bytes, mutated real messages of
// every type, schema-valid messages with garbage signatures, and exact replays; a schema-valid message
// aimed at the node (its chain, heights h - 1 .. h + 2, real validator keys) with garbage signatures is
// always rejected (it must not even enter the height + 1 buffer, NODE-BUFFER.1).
//
// Runs (CI default): 100 per codec and property, 400 node inputs; seeds fixed below;
// POAI_PROPERTY_RUNS / POAI_PROPERTY_SEED override.
import { Either } from "effect"
import fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { fromHex, toHex } from "../src/codec/Bytes.ts"
import { Codecs, DecodeError, type Codec, type CodecName } from "../src/codec/index.ts"
import { type NodeInput, nodeDigest, step } from "../src/core/Node.ts"
import type { NodeState } from "../src/core/NodeState.ts"
import type { Block, BlockHeader } from "../src/domain/Block.ts"
import type { CommitCertificate, Vote } from "../src/domain/Consensus.ts"
import type { Message } from "../src/domain/Message.ts"
import { simulate } from "../src/drivers/InProcessNetwork.ts"
import { Mutations, type MutationName, mutate } from "../test/fixtures/cbor.ts"
import { CODEC_NAMES, sampleOf } from "../test/fixtures/samples.ts"
import { ctx } from "../test/fixtures/core.ts"
import { propertyRuns, propertySeed } from "./config.ts"

const codec = (name: CodecName): Codec<unknown> => Codecs[name] as unknown as Codec<unknown>
const REASONS = ["oversized", "malformed", "non-canonical", "schema"]

/** A DecodeError of the right shape; never an exception (a throw fails the property by itself). */
const expectDecodeError = (name: CodecName, r: Either.Either<unknown, DecodeError>, what: string) => {
  if (Either.isRight(r)) throw new Error(`${name}: ${what} was accepted`)
  expect(r.left).toBeInstanceOf(DecodeError)
  expect(r.left._tag).toBe("DecodeError")
  expect(r.left.type).toBe(name)
  expect(REASONS).toContain(r.left.reason)
}

/** ENC-CBOR.3: bytes that decode are the canonical encoding of what they decode to. */
const expectCanonicalIfAccepted = (name: CodecName, b: Uint8Array) => {
  const r = codec(name).decode(b)
  if (Either.isRight(r)) expect(toHex(codec(name).encode(r.right))).toBe(toHex(b))
  else expectDecodeError(name, r, "")
  return r
}

type ByteMutation =
  | { readonly kind: "flip"; readonly at: number; readonly bit: number }
  | { readonly kind: "set"; readonly at: number; readonly value: number }
  | { readonly kind: "insert"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: "delete"; readonly at: number; readonly count: number }

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 9 }) }),
)

const applyByteMutation = (b: Uint8Array, m: ByteMutation): Uint8Array => {
  const at = b.length === 0 ? 0 : m.at % b.length
  switch (m.kind) {
    case "flip": {
      const c = new Uint8Array(b)
      c[at] = (c[at] as number) ^ (1 << m.bit)
      return c
    }
    case "set": {
      const c = new Uint8Array(b)
      c[at] = m.value
      return c
    }
    case "insert":
      return new Uint8Array([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)])
    case "delete":
      return new Uint8Array([...b.subarray(0, at), ...b.subarray(at + m.count)])
  }
}

const MUTATION_NAMES = Object.keys(Mutations) as MutationName[]
const seedArb = fc.nat({ max: 1_000_000 })
const options = (offset: number) => ({ numRuns: propertyRuns(100), seed: propertySeed(20240307 + offset) })

describe.each(CODEC_NAMES.map((n, i) => [n, i] as const))("codec %s", (name, i) => {
  const sample = (seed: number) => sampleOf(name, seed) as unknown
  const encoded = (seed: number) => codec(name).encode(sample(seed))

  it("round trip: decode(encode(v)) = v", () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const v = sample(seed)
        const b = codec(name).encode(v)
        const r = codec(name).decode(b)
        if (Either.isLeft(r)) throw new Error(`valid ${name} rejected: ${r.left.message}`)
        expect(r.right).toEqual(v)
        expect(toHex(codec(name).encode(r.right))).toBe(toHex(b))
      }),
      options(i),
    )
  })

  it("truncation and extension are rejected with a DecodeError", () => {
    fc.assert(
      fc.property(seedArb, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 }), (seed, cut, tail) => {
        const b = encoded(seed)
        expectDecodeError(name, codec(name).decode(b.subarray(0, cut % b.length)), `a ${cut % b.length}-byte prefix`)
        expectDecodeError(name, codec(name).decode(new Uint8Array([...b, ...tail])), "an extension")
      }),
      options(i),
    )
  })

  it("mutated bytes: rejected with a DecodeError, or the canonical encoding of another value; never a throw", () => {
    fc.assert(
      fc.property(seedArb, fc.array(byteMutation, { minLength: 1, maxLength: 3 }), (seed, ms) => {
        const b = encoded(seed)
        const bad = ms.reduce(applyByteMutation, b)
        expectCanonicalIfAccepted(name, bad)
      }),
      options(i),
    )
  })

  it("structural CBOR mutations (non-canonical, malformed, wrong schema) are rejected with a DecodeError", () => {
    fc.assert(
      fc.property(seedArb, fc.constantFrom(...MUTATION_NAMES), (seed, m) => {
        let bad: Uint8Array | undefined
        try {
          bad = mutate(encoded(seed), Mutations[m])
        } catch {
          return // the fixture could not change this particular encoding with this mutation
        }
        if (bad !== undefined) expectDecodeError(name, codec(name).decode(bad), `mutation ${m}`)
      }),
      options(i),
    )
  })

  it("random bytes decode only if canonical", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (b) => void expectCanonicalIfAccepted(name, b)),
      options(i),
    )
  })
})

// ---------------------------------------------------------------------------------------------
// A node fed arbitrary bytes (NODE-STEP.1..2)

describe("a node fed arbitrary bytes never throws and a rejected input never changes its state", () => {
  const states: NodeState[] = []
  const valid: Uint8Array[] = []
  beforeAll(() => {
    // Node states and real messages from a short run: 4 validators, one double-voting (evidence), with
    // transfers and work claims, over three heights.
    const seen = new Set<string>()
    let k = 0
    simulate(ctx.crypto, {
      nodes: 4,
      byzantine: 1,
      strategy: "double-vote",
      seed: 4,
      blocks: 3,
      txRate: 20,
      workIntervalMs: 80,
      latencyMs: { min: 5, max: 40 },
      onStep: (e) => {
        if (e.input.type === "receive") {
          const h = toHex(e.input.bytes)
          if (!seen.has(h)) {
            seen.add(h)
            valid.push(e.input.bytes)
          }
        }
        if (e.node === 0 && k++ % 4 === 0) states.push(e.state)
      },
    })
  })

  /** NODE-STEP.2 on one input. Returns whether the input was rejected. */
  const stepChecked = (s: NodeState, input: NodeInput): boolean => {
    const before = nodeDigest(ctx, s)
    const [next, outs] = step(ctx, s, input) // a throw fails the property
    const rejected = outs.some((o) => o.type === "rejected")
    if (rejected) {
      expect(nodeDigest(ctx, next), "NODE-STEP.2: digest after a rejected input").toBe(before)
      if (next !== s)
        for (const key of Object.keys(s) as Array<keyof NodeState>)
          if (key !== "syncRequested" && key !== "aheadPeer") expect(next[key], `NODE-STEP.2: field ${key} changed`).toBe(s[key])
      for (const o of outs) if (o.type !== "rejected") expect(o.type === "send" && o.message.type === "sync-request", `output ${o.type}`).toBe(true)
    }
    return rejected
  }

  // States are drawn by index, so that a counterexample prints as a number, not as a whole NodeState.
  const stateArb = () => fc.nat()
  const stateAt = (i: number) => states[i % states.length] as NodeState
  const inputOf = (kind: "receive" | "client-tx", from: number, bytes: Uint8Array): NodeInput =>
    kind === "receive" ? { type: "receive", from, bytes } : { type: "client-tx", bytes }
  const kindArb = fc.constantFrom<"receive" | "client-tx">("receive", "client-tx")
  const fromArb = fc.integer({ min: 0, max: 3 })

  it("captured a useful set of states and messages", () => {
    expect(states.length).toBeGreaterThan(5)
    expect(new Set(states.map((s) => s.cons.height)).size).toBeGreaterThanOrEqual(3)
    const types = new Set(valid.map((b) => Either.getOrThrow(Codecs.Message.decode(b)).type))
    for (const t of ["proposal", "vote", "tx", "commitment", "reveal", "evidence"]) expect(types.has(t as never), t).toBe(true)
  })

  it("random bytes: never a throw, always rejected, state unchanged", () => {
    fc.assert(
      fc.property(stateArb(), kindArb, fromArb, fc.uint8Array({ maxLength: 300 }), (i, kind, from, bytes) => {
        expect(stepChecked(stateAt(i), inputOf(kind, from, bytes))).toBe(true)
      }),
      { numRuns: propertyRuns(400), seed: propertySeed(20240330) },
    )
  })

  /**
   * A schema-valid message aimed at the node (its chain id, heights h - 1 .. h + 2, low rounds, real
   * validator keys) whose signatures are garbage: it must be rejected, wherever it would go (current
   * height, the height + 1 buffer, sync), and leave the state as it was.
   */
  const garbageSigned = (s: NodeState, seed: number, dh: number, round: number, who: number): Uint8Array => {
    const chainId = s.chain.chainId
    const height = Math.max(0, s.cons.height + dh)
    const keys = [...s.cons.table.power.keys()]
    const validator = fromHex(keys[who % keys.length] as string)
    const m = sampleOf("Message", seed) as Message
    const vote = (v: Vote): Vote => ({ ...v, chainId, height, round, validator })
    switch (m.type) {
      case "vote":
        return Codecs.Message.encode({ ...m, vote: vote(m.vote) })
      case "proposal":
        return Codecs.Message.encode({
          ...m,
          proposal: { ...m.proposal, chainId, height, round, validRound: -1, proposer: validator },
          block: { ...m.block, header: { ...m.block.header, chainId, height } },
        })
      case "tx":
        return Codecs.Message.encode({ ...m, tx: { ...m.tx, chainId, nonce: 0 } })
      case "commitment":
        return Codecs.Message.encode({ ...m, commitment: { ...m.commitment, chainId } })
      case "reveal":
        return Codecs.Message.encode({ ...m, reveal: { ...m.reveal, chainId } })
      case "audit":
        return Codecs.Message.encode({ ...m, audit: { ...m.audit, chainId, auditor: validator } })
      case "score-commit":
        return Codecs.Message.encode({ ...m, commitment: { ...m.commitment, chainId, evaluator: validator } })
      case "score-reveal":
        return Codecs.Message.encode({ ...m, reveal: { ...m.reveal, chainId, evaluator: validator } })
      case "evidence":
        return Codecs.Message.encode(
          m.evidence.kind === "duplicate-vote"
            ? { ...m, evidence: { ...m.evidence, a: vote(m.evidence.a), b: vote(m.evidence.b) } }
            : {
                ...m,
                evidence: {
                  ...m.evidence,
                  a: { ...m.evidence.a, chainId, height, round, proposer: validator },
                  b: { ...m.evidence.b, chainId, height, round, proposer: validator },
                },
              },
        )
      case "sync-request":
      case "sync-response":
        return Codecs.Message.encode({
          type: "sync-response",
          block: { ...(sampleOf("Block", seed) as Block), header: { ...(sampleOf("BlockHeader", seed) as BlockHeader), chainId, height: s.cons.height } },
          commit: { ...(sampleOf("CommitCertificate", seed) as CommitCertificate), height: s.cons.height },
        })
    }
  }

  it("schema-valid messages aimed at the node with garbage signatures: always rejected, state unchanged", () => {
    fc.assert(
      fc.property(stateArb(), fromArb, seedArb, fc.integer({ min: -1, max: 2 }), fc.integer({ min: 0, max: 3 }), fc.nat(), (i, from, seed, dh, round, who) => {
        const s = stateAt(i)
        expect(stepChecked(s, { type: "receive", from, bytes: garbageSigned(s, seed, dh, round, who) })).toBe(true)
      }),
      { numRuns: propertyRuns(400), seed: propertySeed(20240332) },
    )
  })

  it("mutated real messages, schema-valid messages with garbage signatures, and replays: never a throw; rejected => state unchanged", () => {
    const bytesArb = fc.oneof(
      fc.tuple(fc.nat(), fc.array(byteMutation, { minLength: 1, maxLength: 3 })).map(([i, ms]) => ms.reduce(applyByteMutation, valid[i % valid.length] as Uint8Array)),
      fc.tuple(fc.nat(), fc.constantFrom(...MUTATION_NAMES)).map(([i, m]) => {
        try {
          return mutate(valid[i % valid.length] as Uint8Array, Mutations[m]) ?? (valid[i % valid.length] as Uint8Array)
        } catch {
          return valid[i % valid.length] as Uint8Array
        }
      }),
      seedArb.map((seed) => Codecs.Message.encode(sampleOf("Message", seed))),
      fc.nat().map((i) => valid[i % valid.length] as Uint8Array),
    )
    fc.assert(
      fc.property(stateArb(), kindArb, fromArb, bytesArb, (i, kind, from, bytes) => {
        stepChecked(stateAt(i), inputOf(kind, from, bytes))
      }),
      { numRuns: propertyRuns(400), seed: propertySeed(20240331) },
    )
  })
})
