// spec: VER-EXT.1..19 (spec/16-experience-extraction.md): experience extraction.
//
// Properties, on arbitrary logs (1..14 entries over a few sessions; texts drawn from a vocabulary with
// combining marks, compatibility characters and separators, and from arbitrary Unicode strings):
//   (1) the pipeline is deterministic: same logs -> same record bytes and output hash, under both crypto
//       layers and after an encode/decode round trip of the logs; recordBytes equals the codec's
//       canonical encoding (VER-EXT.10, VER-EXT.18);
//   (2) it is order-canonical: records come out sorted by session id, and re-interleaving the sessions
//       of the log (each session's own order kept) changes only the log indices in the records, which
//       follow the permutation (VER-EXT.3);
//   (3) honest claims always verify, for any seed and k in 1..40 (VER-EXT.13..15);
//   (4) a faked record that the sample hits is always EXT_RECORD_MISMATCH (VER-EXT.17);
//   (5) the verifier never throws on mutated claims: bit flips, byte changes, insertions, truncations
//       and the structural CBOR mutations of test/fixtures/cbor.ts applied to the opening bytes or the
//       log bytes, a changed output hash, random bytes and arbitrary JS values as opening or logs; and
//       whenever the opening or the logs bytes differ from the honest ones, the claim is rejected with
//       a catalogued code (VER-EXT.16).
//
// Runs (CI default): 200 per property, seed fixed below; POAI_PROPERTY_RUNS / POAI_PROPERTY_SEED override.
import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { bytesEqual, compareBytes, toHex, utf8 } from "../src/codec/Bytes.ts"
import { nobleCrypto } from "../src/crypto/NobleCrypto.ts"
import { nodeCryptoService } from "../src/crypto/NodeCrypto.ts"
import {
  EXTRACTION_ERROR_CODES,
  ExtractionCodecs,
  OUTCOMES,
  ROLES,
  extract,
  extractRecords,
  extractionInputHash,
  openRecords,
  commitRecords,
  partitionLogs,
  recordBytes,
  sampleIndices,
  verifyExtraction,
  type ExperienceRecord,
  type ExtractionInput,
  type LogEntry,
} from "../src/ml/Extraction.ts"
import { Mutations, mutate, type MutationName } from "../test/fixtures/cbor.ts"
import { propertyRuns, propertySeed } from "./config.ts"

const sha = nodeCryptoService.sha256
const RUNS = propertyRuns(200)
const params = (offset: number) => ({ numRuns: RUNS, seed: propertySeed(0x0e47 + offset) })

const VOCAB = ["The", "build", "FAILS", "parse()", "caf\u00e9", "Cafe\u0301", "nai\u0308ve", "\u212Aelvin", "\u2126", "\u6570\u636e",
  "\uFF21\uFF22", "x_y", "don't", "v2.0", "\u{1F600}", "retry", "ok", "a\u0301\u0327"]
const SEPS = [" ", ", ", "\u2014", "\u00a0", "\u3001", "\n", "", "\uFF0C"]

const textArb: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.tuple(fc.constantFrom(...VOCAB), fc.constantFrom(...SEPS)), { maxLength: 8 }).map((ws) => ws.map(([w, s]) => w + s).join("")),
  fc.string({ unit: "grapheme", maxLength: 24 }),
  fc.string({ unit: "binary", maxLength: 24 }),
)
const sessionArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.integer({ min: 0, max: 4 }).map((i) => utf8(`s${i}`)),
  fc.uint8Array({ minLength: 1, maxLength: 3, max: 3 }),
)
const entryArb: fc.Arbitrary<LogEntry> = fc.record({
  session: sessionArb,
  role: fc.constantFrom(...ROLES),
  text: textArb,
  outcome: fc.constantFrom(...OUTCOMES),
})
const inputArb: fc.Arbitrary<ExtractionInput> = fc.array(entryArb, { minLength: 1, maxLength: 14 }).map((entries) => ({ entries }))
const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 })

const codeOf = (r: Either.Either<unknown, { code: string }>): string => (Either.isLeft(r) ? r.left.code : "ok")
const bytesOfRecords = (rs: ReadonlyArray<ExperienceRecord>) => rs.map((r) => toHex(recordBytes(r)))

describe("experience extraction pipeline (VER-EXT.3..10, VER-EXT.18)", () => {
  it("(1) is deterministic: same logs, same bytes, under both crypto layers and after a round trip", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const a = extract(sha, input)
        const b = extract(nobleCrypto.sha256, input)
        const back = Either.getOrThrow(ExtractionCodecs.ExtractionInput.decode(ExtractionCodecs.ExtractionInput.encode(input)))
        const c = extract(sha, back)
        expect(toHex(b.outputHash)).toBe(toHex(a.outputHash))
        expect(toHex(c.outputHash)).toBe(toHex(a.outputHash))
        expect(bytesOfRecords(b.records)).toEqual(bytesOfRecords(a.records))
        for (const r of a.records) expect(toHex(recordBytes(r))).toBe(toHex(ExtractionCodecs.ExperienceRecord.encode(r)))
      }),
      params(1),
    )
  })

  it("(2) is order-canonical: sorted by session; re-interleaving moves only the log indices", () => {
    fc.assert(
      fc.property(inputArb, fc.array(fc.nat(), { minLength: 14, maxLength: 14 }), (input, picks) => {
        const queues = partitionLogs(input).map((p) => [...p.indices])
        const perm: number[] = [] // perm[new] = old
        for (let t = 0; queues.some((q) => q.length > 0); t++) {
          const live = queues.filter((q) => q.length > 0)
          perm.push((live[(picks[t % picks.length] as number) % live.length] as number[]).shift() as number)
        }
        const oldToNew = new Map(perm.map((o, i) => [o, i]))
        const permuted: ExtractionInput = { entries: perm.map((i) => input.entries[i] as LogEntry) }
        const a = extractRecords(sha, input)
        const b = extractRecords(sha, permuted)
        const sessions = b.map((r) => r.session)
        expect([...sessions].sort(compareBytes).map(toHex)).toEqual(sessions.map(toHex))
        expect(new Set(sessions.map(toHex)).size).toBe(sessions.length)
        expect(b.length).toBe(a.length)
        a.forEach((ra, i) => {
          const moved: ExperienceRecord = {
            ...ra,
            representative: oldToNew.get(ra.representative) as number,
            sourceIndices: ra.sourceIndices.map((x) => oldToNew.get(x) as number),
          }
          expect(toHex(recordBytes(b[i] as ExperienceRecord))).toBe(toHex(recordBytes(moved)))
        })
      }),
      params(2),
    )
  })
})

describe("experience extraction verification (VER-EXT.13..17)", () => {
  it("(3) honest claims always verify", () => {
    fc.assert(
      fc.property(inputArb, seedArb, fc.integer({ min: 1, max: 40 }), (input, seed, k) => {
        const logs = ExtractionCodecs.ExtractionInput.encode(input)
        const ext = extract(sha, input)
        const opening = ExtractionCodecs.ExtractionOpening.encode(openRecords(ext, sampleIndices(sha, seed, ext.records.length, k)))
        const r = verifyExtraction(sha, { logs, inputHash: extractionInputHash(sha, logs), outputHash: ext.outputHash }, { seed, k }, opening)
        expect(codeOf(r)).toBe("ok")
      }),
      params(3),
    )
  })

  it("(4) a faked record in the sample is always EXT_RECORD_MISMATCH", () => {
    const fakeArb = fc.constantFrom<(r: ExperienceRecord) => ExperienceRecord>(
      (r) => ({ ...r, tokens: r.tokens + 1 }),
      (r) => ({ ...r, embedding: r.embedding.map((x, i) => (i === 5 ? (x > 0 ? x - 1 : x + 1) : x)) }),
      (r) => ({ ...r, key: r.key.map((b, i) => (i === 7 ? b ^ 1 : b)) }),
      (r) => ({ ...r, roles: { ...r.roles, system: r.roles.system + 1 } }),
      (r) => ({ ...r, representative: r.representative + 1 }),
    )
    fc.assert(
      fc.property(inputArb, seedArb, fc.integer({ min: 1, max: 8 }), fakeArb, fc.nat(), (input, seed, k, fake, which) => {
        const logs = ExtractionCodecs.ExtractionInput.encode(input)
        const honest = extract(sha, input)
        const sample = sampleIndices(sha, seed, honest.records.length, k)
        const target = sample[which % sample.length] as number
        const cheat = commitRecords(sha, honest.records.map((r, i) => (i === target ? fake(r) : r)))
        const r = verifyExtraction(sha, { logs, inputHash: extractionInputHash(sha, logs), outputHash: cheat.outputHash }, { seed, k }, openRecords(cheat, sample))
        expect(codeOf(r)).toBe("EXT_RECORD_MISMATCH")
      }),
      params(4),
    )
  })

  const MUTATION_NAMES = Object.keys(Mutations) as MutationName[]
  type Change =
    | { readonly t: "flip"; readonly at: number; readonly bit: number }
    | { readonly t: "set"; readonly at: number; readonly v: number }
    | { readonly t: "insert"; readonly at: number; readonly v: number }
    | { readonly t: "truncate"; readonly at: number }
    | { readonly t: "structural"; readonly m: MutationName }
    | { readonly t: "random"; readonly b: Uint8Array }
  const changeArb: fc.Arbitrary<Change> = fc.oneof(
    fc.record({ t: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ t: fc.constant("set" as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ t: fc.constant("insert" as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ t: fc.constant("truncate" as const), at: fc.nat() }),
    fc.record({ t: fc.constant("structural" as const), m: fc.constantFrom(...MUTATION_NAMES) }),
    fc.record({ t: fc.constant("random" as const), b: fc.uint8Array({ maxLength: 64 }) }),
  )
  /** The changed bytes; structural CBOR mutations apply to CBOR only (`cbor`), else the bytes stay. */
  const apply = (b: Uint8Array, c: Change, cbor = true): Uint8Array => {
    const at = "at" in c ? c.at % (b.length + 1) : 0
    switch (c.t) {
      case "flip":
        return b.map((x, i) => (i === at % b.length ? x ^ (1 << c.bit) : x))
      case "set":
        return b.map((x, i) => (i === at % b.length ? c.v : x))
      case "insert":
        return Uint8Array.from([...b.subarray(0, at), c.v, ...b.subarray(at)])
      case "truncate":
        return b.subarray(0, Math.min(at, b.length - 1))
      case "structural":
        return cbor ? (mutate(b, Mutations[c.m]) ?? b) : b
      case "random":
        return c.b
    }
  }
  const target = fc.constantFrom("opening" as const, "logs" as const, "outputHash" as const)

  it("(5) the verifier never throws on mutated claims, and rejects every changed claim with a catalogued code", () => {
    fc.assert(
      fc.property(inputArb, seedArb, fc.integer({ min: 1, max: 6 }), target, changeArb, (input, seed, k, where, change) => {
        const logs = ExtractionCodecs.ExtractionInput.encode(input)
        const ext = extract(sha, input)
        const opening = ExtractionCodecs.ExtractionOpening.encode(openRecords(ext, sampleIndices(sha, seed, ext.records.length, k)))
        const claim = { logs, inputHash: extractionInputHash(sha, logs), outputHash: ext.outputHash }
        let r: Either.Either<unknown, { code: string }>
        let changed: boolean
        if (where === "opening") {
          const m = apply(opening, change)
          changed = !bytesEqual(m, opening)
          r = verifyExtraction(sha, claim, { seed, k }, m)
        } else if (where === "logs") {
          const m = apply(logs, change)
          changed = !bytesEqual(m, logs)
          r = verifyExtraction(sha, { ...claim, logs: m }, { seed, k }, opening)
        } else {
          const m = apply(ext.outputHash, change, false)
          changed = !bytesEqual(m, ext.outputHash)
          r = verifyExtraction(sha, { ...claim, outputHash: m }, { seed, k }, opening)
        }
        const code = codeOf(r)
        expect(code === "ok" || code in EXTRACTION_ERROR_CODES).toBe(true)
        expect(code === "ok").toBe(!changed)
      }),
      params(5),
    )
  })

  it("(5') arbitrary values as opening or logs never make the verifier throw", () => {
    fc.assert(
      fc.property(inputArb, fc.anything(), fc.boolean(), (input, junk, asOpening) => {
        const logs = ExtractionCodecs.ExtractionInput.encode(input)
        const ext = extract(sha, input)
        const claim = { logs, inputHash: extractionInputHash(sha, logs), outputHash: ext.outputHash }
        const seed = new Uint8Array(32)
        const r = asOpening
          ? verifyExtraction(sha, claim, { seed, k: 3 }, junk as never)
          : verifyExtraction(sha, { ...claim, logs: junk as never }, { seed, k: 3 }, openRecords(ext, sampleIndices(sha, seed, ext.records.length, 3)))
        expect(codeOf(r) in EXTRACTION_ERROR_CODES).toBe(true)
      }),
      params(6),
    )
  })
})
