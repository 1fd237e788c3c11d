// VER-EXT.1..19: experience extraction: pipeline determinism (golden vector cross-checked by an
// independent re-implementation written from the spec text), canonical order, Merkle commitment,
// sampled verification with one case per error code, and the measured detection rate.
import { Either } from "effect"
import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { bytesToBigInt, compareBytes, concatBytes, fromHex, toHex, u64be, utf8 } from "../../src/codec/Bytes.ts"
import { nobleCrypto } from "../../src/crypto/NobleCrypto.ts"
import { nodeCryptoService } from "../../src/crypto/NodeCrypto.ts"
import {
  DEFAULT_SAMPLE_K,
  EXT_DIM,
  EXT_SCALE,
  ExtractionCodecs,
  MAX_LOG_ENTRIES,
  MAX_SAMPLE_K,
  MAX_TEXT_BYTES,
  OUTCOMES,
  ROLES,
  commitRecords,
  decodeExtractionInput,
  detectionProbability,
  extract,
  extractRecords,
  extractionInputHash,
  inclusionProof,
  isqrt,
  leafHash,
  merkleLevels,
  merkleTreeHash,
  openRecords,
  partitionLogs,
  prepareLogs,
  quantizeQ15,
  recordBytes,
  recordKey,
  rootHash,
  sampleDraws,
  sampleIndices,
  sampleSeed,
  tokenize,
  treeHashFromProof,
  verifyExtraction,
  verifyOpening,
  type ExperienceRecord,
  type ExtractionErrorCode,
  type ExtractionInput,
  type ExtractionOpening,
  type LogEntry,
} from "../../src/ml/Extraction.ts"
import { int, sortEntries, text, write, type Item } from "../fixtures/cbor.ts"
import { Rng } from "../fixtures/samples.ts"

const sha = nodeCryptoService.sha256

// ------------------------------------------------------------------------------------------------
// Fixtures

const entry = (session: string, role: LogEntry["role"], t: string, outcome: LogEntry["outcome"] = "none"): LogEntry => ({
  session: utf8(session),
  role,
  text: t,
  outcome,
})

/** The golden log set (also conformance vector pipeline.json "golden"). */
const GOLDEN: ExtractionInput = {
  entries: [
    entry("s-2", "user", "How do I reverse a list in Python?"),
    entry("s-1", "user", "The build FAILS: TypeError in parse()"),
    entry("s-2", "assistant", "Use list.reverse() or slicing: xs[::-1].", "success"),
    entry("s-1", "tool", "Re-ran the build \u2014 caf\u00e9 nai\u0308ve \u6570\u636e OK", "success"),
    entry("s-3", "system", "", "none"),
    entry("s-1", "assistant", "Fixed: parse() now handles None.", "success"),
  ],
}

const WORDS = ["the", "Test", "fails", "because", "list", "reverse", "python", "ERROR", "fix", "timeout", "retry", "cache",
  "null", "pointer", "deploy", "build", "ok", "merge", "caf\u00e9", "nai\u0308ve", "\u6570\u636e", "\u{1F600}", "x1", "v2.0", "\u212Aelvin"]
const SEPS = [" ", ", ", "! ", "\n", " - ", "\u2014", "(", ") ", ": "]

/** A deterministic synthetic log: `sessions` sessions of 1..maxEntries entries, randomly interleaved. */
const synth = (seed: number, sessions: number, maxEntries: number, maxWords = 12): ExtractionInput => {
  const r = new Rng(seed, "ext-synth")
  const queues: LogEntry[][] = []
  for (let s = 0; s < sessions; s++) {
    const id = utf8(`sess-${String(s).padStart(4, "0")}-${r.below(1000)}`)
    const q: LogEntry[] = []
    for (let m = 1 + r.below(maxEntries); m > 0; m--) {
      let t = ""
      for (let w = r.below(maxWords + 1); w > 0; w--) t += r.pick(WORDS) + r.pick(SEPS)
      q.push({ session: id, role: r.pick(ROLES), text: t, outcome: r.pick(OUTCOMES) })
    }
    queues.push(q)
  }
  const entries: LogEntry[] = []
  while (queues.some((q) => q.length > 0)) {
    const live = queues.filter((q) => q.length > 0)
    entries.push(r.pick(live).shift() as LogEntry)
  }
  return { entries }
}

const seedOf = (s: number) => sha(concatBytes(utf8("test-seed"), u64be(s)))

interface Claim {
  readonly input: ExtractionInput
  readonly logs: Uint8Array
  readonly inputHash: Uint8Array
}
const claimOf = (input: ExtractionInput): Claim => {
  const logs = ExtractionCodecs.ExtractionInput.encode(input)
  return { input, logs, inputHash: extractionInputHash(sha, logs) }
}

const codeOf = (r: Either.Either<unknown, { code: ExtractionErrorCode }>): ExtractionErrorCode | "ok" =>
  Either.isLeft(r) ? r.left.code : "ok"

const verifyWith = (
  c: Claim,
  outputHash: Uint8Array,
  opening: Uint8Array | ExtractionOpening,
  seed: Uint8Array,
  k: number,
  logs: Uint8Array | ExtractionInput = c.logs,
) => codeOf(verifyExtraction(sha, { logs, inputHash: c.inputHash, outputHash }, { seed, k }, opening))

// ------------------------------------------------------------------------------------------------
// An independent implementation, written from spec/16-experience-extraction.md without reusing
// src/ml/Extraction.ts: node:crypto SHA-256, a regex tokenizer, a direct rounding inequality, float
// cosines for the representative, the test CBOR writer (not cborg) and a recursive RFC 9162 tree.

const H = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest())
const tg = (tag: string, p: Uint8Array) => concatBytes(new Uint8Array([tag.length]), utf8(tag), p)
const SEPARATORS =
  "\\x00-\\x2F\\x3A-\\x60\\x7B-\\x7F\\u0080-\\u00BF\\u00D7\\u00F7\\u2000-\\u206F\\u2E00-\\u2E7F\\u3000-\\u303F" +
  "\\uFE10-\\uFE1F\\uFE30-\\uFE6F\\uFEFF\\uFF00-\\uFF0F\\uFF1A-\\uFF20\\uFF3B-\\uFF40\\uFF5B-\\uFF65\\uFFF0-\\uFFFF"
const TOKEN_RE = new RegExp(`[^${SEPARATORS}]+`, "gu")
const refTokens = (t: string): string[] => t.normalize("NFC").replace(/[A-Z]/g, (c) => c.toLowerCase()).match(TOKEN_RE) ?? []

const refVector = (t: string): number[] => {
  const v = new Array<number>(EXT_DIM).fill(0)
  const toks = refTokens(t)
  const add = (f: Uint8Array) => {
    const h = H(tg("POAI/v1/ext-feature", f))
    const i = (h[0] as number) % EXT_DIM
    v[i] = (v[i] as number) + (((h[1] as number) & 1) === 0 ? 1 : -1)
  }
  toks.forEach((a, j) => {
    add(concatBytes(new Uint8Array([1]), utf8(a)))
    const b = toks[j + 1]
    if (b !== undefined) add(concatBytes(new Uint8Array([2]), utf8(a), new Uint8Array([0]), utf8(b)))
  })
  return v
}

/** q = sign * (largest m >= 0 with m = 0 or (2m-1)^2 * N <= 4 a^2 S^2), searched near the float estimate. */
const refQuantize = (v: number[]): number[] => {
  const N = v.reduce((s, x) => s + BigInt(x) * BigInt(x), 0n)
  if (N === 0n) return v.map(() => 0)
  const S = BigInt(EXT_SCALE)
  return v.map((x) => {
    const a = BigInt(Math.abs(x))
    const ok = (m: number) => m === 0 || BigInt(2 * m - 1) ** 2n * N <= 4n * a * a * S * S
    let m = Math.round((Math.abs(x) * EXT_SCALE) / Math.sqrt(Number(N)))
    while (!ok(m)) m--
    while (ok(m + 1)) m++
    return x < 0 ? -m : m
  })
}

const refRecord = (input: ExtractionInput, session: Uint8Array): { record: ExperienceRecord; raw: number[] } => {
  const idx = input.entries.flatMap((e, i) => (toHex(e.session) === toHex(session) ? [i] : []))
  const vecs = idx.map((i) => refVector((input.entries[i] as LogEntry).text))
  const raw = new Array<number>(EXT_DIM).fill(0).map((_, j) => vecs.reduce((s, v) => s + (v[j] as number), 0))
  const q = refQuantize(raw)
  const key = new Uint8Array(8)
  q.forEach((x, i) => {
    const b = Math.floor(i / 8)
    if (x > 0) key[b] = (key[b] as number) + 2 ** (7 - (i % 8))
  })
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0))
  let best = -1
  let bestCos = -Infinity
  vecs.forEach((v, i) => {
    if (norm(v) === 0) return
    const c = v.reduce((s, x, j) => s + x * (raw[j] as number), 0) / norm(v)
    if (c > bestCos) [best, bestCos] = [i, c]
  })
  const count = <K extends string>(ks: ReadonlyArray<K>, f: (e: LogEntry) => K) =>
    Object.fromEntries(ks.map((k) => [k, idx.filter((i) => f(input.entries[i] as LogEntry) === k).length])) as Record<K, number>
  const record: ExperienceRecord = {
    session,
    key,
    embedding: q,
    tokens: idx.reduce((s, i) => s + refTokens((input.entries[i] as LogEntry).text).length, 0),
    roles: count(ROLES, (e) => e.role),
    outcomes: count(OUTCOMES, (e) => e.outcome),
    representative: idx[Math.max(best, 0)] as number,
    sourceIndices: idx,
  }
  return { record, raw }
}

const refCbor = (r: ExperienceRecord): Uint8Array => {
  const bytes = (v: Uint8Array): Item => ({ t: "bytes", v })
  const map = (o: Record<string, Item>): Item => ({ t: "map", entries: sortEntries(Object.entries(o).map(([k, v]) => [text(k), v] as const)) })
  const counts = (o: Record<string, number>) => map(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, int(v)])))
  return write(
    map({
      session: bytes(r.session),
      key: bytes(r.key),
      embedding: { t: "array", items: r.embedding.map(int) },
      tokens: int(r.tokens),
      roles: counts(r.roles),
      outcomes: counts(r.outcomes),
      representative: int(r.representative),
      sourceIndices: { t: "array", items: r.sourceIndices.map(int) },
    }),
  )
}

const refMth = (leaves: Uint8Array[]): Uint8Array => {
  if (leaves.length === 1) return leaves[0] as Uint8Array
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return H(tg("POAI/v1/ext-node", concatBytes(refMth(leaves.slice(0, k)), refMth(leaves.slice(k)))))
}

const refOutput = (input: ExtractionInput) => {
  const sessions = [...new Map(input.entries.map((e) => [toHex(e.session), e.session])).values()].sort(compareBytes)
  const derived = sessions.map((s) => refRecord(input, s))
  const leaves = derived.map((d) => H(tg("POAI/v1/ext-leaf", refCbor(d.record))))
  const root = H(tg("POAI/v1/ext-root", concatBytes(u64be(leaves.length), refMth(leaves))))
  return { derived, leaves, root }
}

// ------------------------------------------------------------------------------------------------

describe("tokenization (VER-EXT.4)", () => {
  it.each([
    ["Hello, World!", ["hello", "world"]],
    ["don't x_y a-b", ["don", "t", "x", "y", "a", "b"]],
    ["Cafe\u0301 caf\u00e9 CAF\u00c9", ["caf\u00e9", "caf\u00e9", "caf\u00c9"]], // NFC composes; non-ASCII case is kept
    ["\u212Aelvin \u2126hm", ["kelvin", "\u03a9hm"]], // Kelvin sign -> K -> k; Ohm sign -> Greek capital omega (kept)
    ["\u201cquoted\u201d \u2014 dash\u00a0nbsp", ["quoted", "dash", "nbsp"]],
    ["\u6570\u636e\u3001\u5206\u6790\u3002", ["\u6570\u636e", "\u5206\u6790"]],
    ["\uFF21\uFF22\uFF0C\uFF43", ["\uFF21\uFF22", "\uFF43"]], // fullwidth letters are tokens, fullwidth comma is not
    ["x\u00d7y\u00f7z 2\u00b3", ["x", "y", "z", "2"]],
    ["\u{1F600}ok \u{1F600}", ["\u{1F600}ok", "\u{1F600}"]],
    ["", []],
    ["  ...  ", []],
  ])("%j", (t, want) => {
    expect(tokenize(t)).toEqual(want)
    expect(refTokens(t)).toEqual(want)
  })

  it("matches the regex re-implementation on the synthetic corpus", () => {
    for (const e of synth(1, 30, 5).entries) expect(tokenize(e.text)).toEqual(refTokens(e.text))
  })
})

describe("fixed-point arithmetic (VER-EXT.7..8)", () => {
  it("isqrt is floor(sqrt(n)) exactly", () => {
    for (let n = 0n; n < 5000n; n++) {
      const r = isqrt(n)
      expect(r * r <= n && (r + 1n) * (r + 1n) > n).toBe(true)
    }
    const r = new Rng(3, "isqrt")
    for (let i = 0; i < 300; i++) {
      const n = bytesToBigInt(r.bytes(1 + r.below(40)))
      const s = isqrt(n)
      expect(s * s <= n && (s + 1n) * (s + 1n) > n).toBe(true)
    }
  })

  it("quantizeQ15 rounds half up exactly and agrees with the direct inequality", () => {
    expect(quantizeQ15([3, 4, ...new Array(62).fill(0)]).slice(0, 2)).toEqual([19660, 26214]) // 0.6, 0.8 * 32767 rounded
    expect(quantizeQ15([5, ...new Array(63).fill(0)])[0]).toBe(EXT_SCALE)
    expect(quantizeQ15([-5, ...new Array(63).fill(0)])[0]).toBe(-EXT_SCALE)
    expect(quantizeQ15(new Array(64).fill(0))).toEqual(new Array(64).fill(0))
    // exact halves round up: N = 1 + 65533^2 + 362^2 + 3^2 + 3^2 + 2^2 = (2S)^2, so q_i = v_i / 2
    // exactly: 0.5 -> 1, 32766.5 -> 32767, 181 -> 181, 1.5 -> 2, 1 -> 1 (and -1.5 -> -2)
    const halves = [1, 65533, 362, 3, -3, 2, ...new Array<number>(58).fill(0)]
    expect(quantizeQ15(halves).slice(0, 6)).toEqual([1, 32767, 181, 2, -2, 1])
    expect(refQuantize(halves).slice(0, 6)).toEqual([1, 32767, 181, 2, -2, 1])
    const r = new Rng(4, "quant")
    for (let i = 0; i < 300; i++) {
      const big = r.below(3)
      const v = Array.from({ length: 64 }, () => (r.bool() ? 1 : -1) * r.below(big === 0 ? 3 : big === 1 ? 1000 : 4_000_000))
      const q = quantizeQ15(v)
      expect(q).toEqual(refQuantize(v))
      // unit length in Q15, up to rounding: | sum q^2 - S^2 | <= 64 * S
      const s2 = q.reduce((s, x) => s + x * x, 0)
      if (v.some((x) => x !== 0)) expect(Math.abs(s2 - EXT_SCALE * EXT_SCALE)).toBeLessThanOrEqual(64 * EXT_SCALE)
    }
  })

  it("recordKey: bit i is MSB-first in byte i >> 3, set iff q_i > 0", () => {
    const q = new Array<number>(64).fill(0)
    q[0] = 5
    q[9] = 1
    q[63] = 2
    q[10] = -3
    expect(toHex(recordKey(q))).toBe("8040000000000001")
  })
})

describe("record encoding (VER-EXT.10)", () => {
  it("recordBytes equals the schema codec's canonical encoding, at every CBOR head width", () => {
    const r = new Rng(9, "record-bytes")
    const edges = [0, 1, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]
    const small = [0, 1, 23, 24, 255, 256, 16383]
    const q15 = [0, 1, -1, 23, 24, -24, -25, 255, 256, -256, -257, 32767, -32767]
    for (let i = 0; i < 300; i++) {
      const rec: ExperienceRecord = {
        session: r.bytes(1 + r.below(32)),
        key: r.bytes(8),
        embedding: Array.from({ length: EXT_DIM }, () => (r.bool() ? r.pick(q15) : r.between(-EXT_SCALE, EXT_SCALE))),
        tokens: r.pick(edges),
        roles: { user: r.pick(small), assistant: r.pick(small), tool: r.pick(small), system: r.pick(small) },
        outcomes: { success: r.pick(small), failure: r.pick(small), none: r.pick(small) },
        representative: r.pick(small),
        sourceIndices: Array.from({ length: 1 + r.below(r.bool() ? 3 : 300) }, () => r.pick(small)),
      }
      expect(toHex(recordBytes(rec))).toBe(toHex(ExtractionCodecs.ExperienceRecord.encode(rec)))
    }
  })
})

describe("pipeline: golden vector and determinism (VER-EXT.3..11, VER-EXT.18)", () => {
  const GOLDEN_INPUT_HASH = "378f011f2b3ce36da79ce27efa1ffbe8bdde5da672cb2d8f894e3f02b97fccac"
  const GOLDEN_OUTPUT_HASH = "3d141ff20edba82cfe65aa69fe36a3b5875fba820e4cdae5b209355979c9a21f"
  // record of session "s-1": {key, roles, tokens, session, outcomes, embedding, sourceIndices, representative}
  const GOLDEN_RECORD_0 =
    "a8636b6579481010108a2082080065726f6c6573a464746f6f6c016475736572016673797374656d0069617373697374616e7401" +
    "66746f6b656e73136773657373696f6e43732d31686f7574636f6d6573a3646e6f6e6501676661696c7572650067737563636573" +
    "730269656d62656464696e67984000003912ab1912ac0039255600392556003912ab001912ac000000000000001912ac00003912" +
    "ab001912ac3912ab00001912ac001912ac0000001912ac3912ab000000001912ac000000000019380300000000001938033912ab" +
    "003912ab00003912ab3912ab0000392556006d736f75726365496e6469636573830103056e726570726573656e74617469766503"

  it("golden log set: fixed hashes, reproduced by the independent implementation", () => {
    const ext = extract(sha, GOLDEN)
    const ref = refOutput(GOLDEN)
    expect(ext.records.map((r) => toHex(recordBytes(r)))).toEqual(ref.derived.map((d) => toHex(refCbor(d.record))))
    expect(ext.leaves.map(toHex)).toEqual(ref.leaves.map(toHex))
    expect(toHex(ext.outputHash)).toBe(toHex(ref.root))
    expect(ext.records.map((r) => new TextDecoder().decode(r.session))).toEqual(["s-1", "s-2", "s-3"])
    expect(toHex(extractionInputHash(sha, GOLDEN))).toBe(GOLDEN_INPUT_HASH)
    expect(toHex(ext.outputHash)).toBe(GOLDEN_OUTPUT_HASH)
    expect(toHex(recordBytes(ext.records[0] as ExperienceRecord))).toBe(GOLDEN_RECORD_0)
  })

  it("the empty-text session has the zero embedding, zero key and its first entry as representative", () => {
    const r = extractRecords(sha, GOLDEN)[2] as ExperienceRecord
    expect(r.embedding).toEqual(new Array(64).fill(0))
    expect(toHex(r.key)).toBe("0000000000000000")
    expect(r.representative).toBe(4)
    expect(r.tokens).toBe(0)
  })

  it("synthetic logs: the independent implementation agrees record for record", () => {
    for (const seed of [1, 2, 3]) {
      const input = synth(seed, 12, 6)
      const ext = extract(sha, input)
      const ref = refOutput(input)
      expect(ext.records.map((r) => toHex(recordBytes(r)))).toEqual(ref.derived.map((d) => toHex(refCbor(d.record))))
      expect(toHex(ext.outputHash)).toBe(toHex(ref.root))
    }
  })

  it("same logs -> same bytes, under both crypto layers", () => {
    const input = synth(7, 20, 5)
    const a = extract(sha, input)
    const b = extract(nobleCrypto.sha256, input)
    const c = extract(sha, ExtractionCodecs.ExtractionInput.decode(ExtractionCodecs.ExtractionInput.encode(input)).pipe(Either.getOrThrow))
    expect(toHex(a.outputHash)).toBe(toHex(b.outputHash))
    expect(toHex(a.outputHash)).toBe(toHex(c.outputHash))
    expect(a.records.map((r) => toHex(recordBytes(r)))).toEqual(b.records.map((r) => toHex(recordBytes(r))))
  })

  it("records are in canonical session order whatever the log's interleaving; only log indices follow the permutation", () => {
    const input = synth(8, 10, 5)
    // Reverse the order in which sessions interleave while keeping each session's own order.
    const parts = partitionLogs(input)
    const perm: number[] = [] // perm[newIndex] = oldIndex
    const queues = parts.map((p) => [...p.indices]).reverse()
    while (queues.some((q) => q.length > 0)) for (const q of queues) if (q.length > 0) perm.push(q.shift() as number)
    const permuted: ExtractionInput = { entries: perm.map((i) => input.entries[i] as LogEntry) }
    const oldToNew = new Map(perm.map((o, n) => [o, n]))
    const a = extractRecords(sha, input)
    const b = extractRecords(sha, permuted)
    expect(b.map((r) => toHex(r.session))).toEqual(a.map((r) => toHex(r.session)))
    expect([...b.map((r) => r.session)].sort(compareBytes).map(toHex)).toEqual(b.map((r) => toHex(r.session)))
    a.forEach((ra, i) => {
      const rb = b[i] as ExperienceRecord
      expect(rb.embedding).toEqual(ra.embedding)
      expect(toHex(rb.key)).toBe(toHex(ra.key))
      expect([rb.tokens, rb.roles, rb.outcomes]).toEqual([ra.tokens, ra.roles, ra.outcomes])
      expect(rb.sourceIndices).toEqual(ra.sourceIndices.map((x) => oldToNew.get(x)))
      expect(rb.representative).toBe(oldToNew.get(ra.representative))
    })
    // ... and the input hash does change: the log order is part of the input.
    expect(toHex(extractionInputHash(sha, permuted))).not.toBe(toHex(extractionInputHash(sha, input)))
  })
})

describe("Merkle commitment and proofs (VER-EXT.11..12)", () => {
  const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => sha(u64be(i)))

  it("bottom-up levels give the RFC 9162 tree hash; every proof verifies, and only at its position", () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = leavesOf(n)
      const levels = merkleLevels(sha, leaves)
      const mth = merkleTreeHash(sha, leaves)
      expect(toHex(mth)).toBe(toHex(refMth(leaves)))
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(levels, i)
        expect(toHex(treeHashFromProof(sha, leaves[i] as Uint8Array, i, n, proof) ?? new Uint8Array())).toBe(toHex(mth))
        if (n > 1) {
          const other = (i + 1) % n
          const t = treeHashFromProof(sha, leaves[i] as Uint8Array, other, n, proof)
          expect(t === undefined || toHex(t) !== toHex(mth)).toBe(true)
          const bigger = treeHashFromProof(sha, leaves[i] as Uint8Array, i, n + 1, proof)
          expect(bigger === undefined || toHex(rootHash(sha, n + 1, bigger)) !== toHex(rootHash(sha, n, mth))).toBe(true)
        }
        expect(treeHashFromProof(sha, leaves[i] as Uint8Array, i, n, [...proof, leaves[0] as Uint8Array])).toBeUndefined()
        if (proof.length > 0) expect(treeHashFromProof(sha, leaves[i] as Uint8Array, i, n, proof.slice(1))).toBeUndefined()
      }
      expect(treeHashFromProof(sha, leaves[0] as Uint8Array, n, n, [])).toBeUndefined()
    }
  })

  it("the output hash binds the record count: u64(n) || MTH under ext-root", () => {
    const leaves = leavesOf(3)
    expect(toHex(rootHash(sha, 3, refMth(leaves)))).toBe(
      toHex(H(tg("POAI/v1/ext-root", concatBytes(fromHex("0000000000000003"), refMth(leaves))))),
    )
    expect(toHex(rootHash(sha, 4, refMth(leaves)))).not.toBe(toHex(rootHash(sha, 3, refMth(leaves))))
  })
})

describe("sampling (VER-EXT.13)", () => {
  it("draws are H(tagged(ext-sample, seed || u64(j))) mod n, deterministic and in range; the sample is their distinct sorted set", () => {
    const seed = seedOf(1)
    const d = sampleDraws(sha, seed, 1000, 50)
    expect(d[0]).toBe(Number(bytesToBigInt(H(tg("POAI/v1/ext-sample", concatBytes(seed, u64be(0))))) % 1000n))
    expect(d.every((x) => x >= 0 && x < 1000)).toBe(true)
    expect(sampleDraws(sha, seed, 1000, 50)).toEqual(d)
    expect(sampleIndices(sha, seed, 1000, 50)).toEqual([...new Set(d)].sort((a, b) => a - b))
    expect(sampleIndices(sha, seed, 1, 10)).toEqual([0])
    const s = sampleSeed(sha, new Uint8Array(32).fill(1), new Uint8Array(32).fill(2))
    expect(toHex(s)).toBe(toHex(H(tg("POAI/v1/ext-seed", concatBytes(new Uint8Array(32).fill(1), new Uint8Array(32).fill(2))))))
  })
})

describe("verification (VER-EXT.13..16)", () => {
  const input = synth(11, 9, 5)
  const c = claimOf(input)
  const ext = extract(sha, input)
  const n = ext.records.length
  const seed = seedOf(5)
  const k = 6
  const sample = sampleIndices(sha, seed, n, k)
  const honest = openRecords(ext, sample)
  const honestBytes = ExtractionCodecs.ExtractionOpening.encode(honest)

  it("an honest opening verifies, from bytes and from values, for many seeds and k", () => {
    expect(verifyWith(c, ext.outputHash, honestBytes, seed, k)).toBe("ok")
    expect(verifyWith(c, ext.outputHash, honest, seed, k, input)).toBe("ok")
    for (const kk of [1, 2, 9, DEFAULT_SAMPLE_K, MAX_SAMPLE_K])
      for (let s = 0; s < 5; s++) {
        const o = openRecords(ext, sampleIndices(sha, seedOf(s), n, kk))
        expect(verifyWith(c, ext.outputHash, ExtractionCodecs.ExtractionOpening.encode(o), seedOf(s), kk)).toBe("ok")
      }
    const one = claimOf(GOLDEN)
    const e1 = extract(sha, GOLDEN)
    expect(verifyWith(one, e1.outputHash, openRecords(e1, sampleIndices(sha, seed, 3, 1)), seed, 1)).toBe("ok")
    const r = verifyExtraction(sha, { logs: c.logs, inputHash: c.inputHash, outputHash: ext.outputHash }, { seed, k }, honestBytes)
    expect(Either.isRight(r) && r.right.sampled).toEqual(sample)
  })

  it("EXT_RECORD_MISMATCH: a faked record committed in the tree is re-derived and caught", () => {
    const target = sample[0] as number
    const fakes: Array<(r: ExperienceRecord) => ExperienceRecord> = [
      (r) => ({ ...r, tokens: r.tokens + 1 }),
      (r) => ({ ...r, embedding: r.embedding.map((x, i) => (i === 0 ? (x === EXT_SCALE ? x - 1 : x + 1) : x)) }),
      (r) => ({ ...r, key: new Uint8Array(8).fill(0xff) }),
      (r) => ({ ...r, representative: (r.sourceIndices[r.sourceIndices.length - 1] as number) === r.representative ? (r.sourceIndices[0] as number) + 1 : r.representative + 1 }),
      (r) => ({ ...r, outcomes: { ...r.outcomes, success: r.outcomes.success + 1 } }),
      (r) => ({ ...r, sourceIndices: r.sourceIndices.slice(0, -1).concat([MAX_LOG_ENTRIES - 1]) }),
    ]
    for (const fake of fakes) {
      const records = ext.records.map((r, i) => (i === target ? fake(r) : r))
      const cheat = commitRecords(sha, records)
      expect(verifyWith(c, cheat.outputHash, openRecords(cheat, sample), seed, k)).toBe("EXT_RECORD_MISMATCH")
    }
    // a fake outside the sample goes unnoticed by this sample (that is what sampling means)
    const outside = [...Array(n).keys()].find((i) => !sample.includes(i))
    if (outside !== undefined) {
      const cheat = commitRecords(sha, ext.records.map((r, i) => (i === outside ? { ...r, tokens: r.tokens + 1 } : r)))
      expect(verifyWith(c, cheat.outputHash, openRecords(cheat, sample), seed, k)).toBe("ok")
    }
  })

  it("EXT_MISSING_PARTITION / EXT_EXTRA_RECORD: coverage is checked against the committed count, whatever the sample", () => {
    for (let drop = 0; drop < n; drop++) {
      const cheat = commitRecords(sha, ext.records.filter((_, i) => i !== drop))
      const s = sampleIndices(sha, seed, n - 1, k)
      expect(verifyWith(c, cheat.outputHash, openRecords(cheat, s), seed, k)).toBe("EXT_MISSING_PARTITION")
    }
    const extra = commitRecords(sha, [...ext.records, { ...(ext.records[0] as ExperienceRecord), session: utf8("zzzz") }])
    expect(verifyWith(c, extra.outputHash, openRecords(extra, sampleIndices(sha, seed, n + 1, k)), seed, k)).toBe("EXT_EXTRA_RECORD")
  })

  it("EXT_BAD_PROOF: a wrong sibling, a lying record count, a swapped record, a shifted index, another root", () => {
    const o0 = honest.openings[0] as ExtractionOpening["openings"][number]
    const flip = (b: Uint8Array) => Uint8Array.from(b, (x, i) => (i === 0 ? x ^ 1 : x))
    const withFirst = (f: Partial<typeof o0>): ExtractionOpening => ({ ...honest, openings: [{ ...o0, ...f }, ...honest.openings.slice(1)] })
    expect(verifyWith(c, ext.outputHash, withFirst({ proof: o0.proof.map((p, i) => (i === 0 ? flip(p) : p)) }), seed, k)).toBe("EXT_BAD_PROOF")
    expect(verifyWith(c, ext.outputHash, withFirst({ proof: o0.proof.slice(1) }), seed, k)).toBe("EXT_BAD_PROOF")
    expect(verifyWith(c, ext.outputHash, withFirst({ index: (o0.index + 1) % n }), seed, k)).toBe("EXT_BAD_PROOF")
    expect(verifyWith(c, ext.outputHash, withFirst({ record: ext.records[(o0.index + 1) % n] as ExperienceRecord }), seed, k)).toBe("EXT_BAD_PROOF")
    expect(verifyWith(c, ext.outputHash, { ...honest, recordCount: n + 1 }, seed, k)).toBe("EXT_BAD_PROOF")
    expect(verifyWith(c, ext.outputHash, { ...honest, recordCount: n - 1 }, seed, k)).toBe("EXT_BAD_PROOF")
    expect(verifyWith(c, flip(ext.outputHash), honest, seed, k)).toBe("EXT_BAD_PROOF")
    expect(verifyWith(c, ext.treeHash, honest, seed, k)).toBe("EXT_BAD_PROOF") // the bare MTH is not the output hash
  })

  it("EXT_WRONG_SAMPLE: other indices, a missing index, unsorted or repeated indices, another seed or k", () => {
    const others = [...Array(n).keys()].filter((i) => !sample.includes(i)).slice(0, sample.length)
    expect(verifyWith(c, ext.outputHash, openRecords(ext, others), seed, k)).toBe("EXT_WRONG_SAMPLE")
    expect(verifyWith(c, ext.outputHash, openRecords(ext, sample.slice(1)), seed, k)).toBe("EXT_WRONG_SAMPLE")
    expect(verifyWith(c, ext.outputHash, openRecords(ext, [...sample].reverse()), seed, k)).toBe(sample.length > 1 ? "EXT_WRONG_SAMPLE" : "ok")
    expect(verifyWith(c, ext.outputHash, openRecords(ext, [...sample, sample[0] as number]), seed, k)).toBe("EXT_WRONG_SAMPLE")
    expect(verifyWith(c, ext.outputHash, openRecords(ext, [...Array(n).keys()]), seed, k)).toBe("EXT_WRONG_SAMPLE")
    expect(verifyWith(c, ext.outputHash, honest, seedOf(6), k)).toBe("EXT_WRONG_SAMPLE")
  })

  it("EXT_MALFORMED: garbage, truncated, trailing and non-canonical bytes; bad fields", () => {
    const id = (o: ExtractionOpening) => ExtractionCodecs.ExtractionOpening.encode(o)
    expect(verifyWith(c, ext.outputHash, new Uint8Array(0), seed, k)).toBe("EXT_MALFORMED")
    expect(verifyWith(c, ext.outputHash, new Uint8Array([0xff, 0, 1]), seed, k)).toBe("EXT_MALFORMED")
    expect(verifyWith(c, ext.outputHash, honestBytes.subarray(0, honestBytes.length - 1), seed, k)).toBe("EXT_MALFORMED")
    expect(verifyWith(c, ext.outputHash, concatBytes(honestBytes, new Uint8Array([0])), seed, k)).toBe("EXT_MALFORMED")
    expect(verifyWith(c, ext.outputHash, { ...honest, recordCount: 0 }, seed, k)).toBe("EXT_MALFORMED")
    expect(verifyWith(c, ext.outputHash, { ...honest, openings: [] }, seed, k)).toBe("EXT_MALFORMED")
    const o0 = honest.openings[0] as ExtractionOpening["openings"][number]
    const bad = (record: unknown) => ({ ...honest, openings: [{ ...o0, record }] }) as unknown as ExtractionOpening
    expect(verifyWith(c, ext.outputHash, bad({ ...o0.record, embedding: o0.record.embedding.slice(1) }), seed, k)).toBe("EXT_MALFORMED")
    expect(verifyWith(c, ext.outputHash, bad({ ...o0.record, embedding: o0.record.embedding.map(() => 32768) }), seed, k)).toBe("EXT_MALFORMED")
    expect(verifyWith(c, ext.outputHash, bad({ ...o0.record, key: new Uint8Array(7) }), seed, k)).toBe("EXT_MALFORMED")
    expect(verifyWith(c, ext.outputHash, bad({ ...o0.record, extra: 1 }), seed, k)).toBe("EXT_MALFORMED")
    expect(verifyWith(c, ext.outputHash, bad({ ...o0.record, session: new Uint8Array(33) }), seed, k)).toBe("EXT_MALFORMED")
    // logs
    expect(verifyWith(c, ext.outputHash, honestBytes, seed, k, new Uint8Array([0xa0]))).toBe("EXT_MALFORMED")
    expect(verifyWith(c, ext.outputHash, honestBytes, seed, k, c.logs.subarray(1))).toBe("EXT_MALFORMED")
    expect(codeOf(decodeExtractionInput(ExtractionCodecs.ExtractionOpening.encode(honest)))).toBe("EXT_MALFORMED")
    const logsWith = (e: Record<string, unknown>) => ({ entries: [{ ...(GOLDEN.entries[0] as LogEntry), ...e }] }) as unknown as ExtractionInput
    expect(verifyWith(c, ext.outputHash, honest, seed, k, logsWith({ role: "robot" }))).toBe("EXT_MALFORMED")
    expect(verifyWith(c, ext.outputHash, honest, seed, k, logsWith({ outcome: "maybe" }))).toBe("EXT_MALFORMED")
    expect(verifyWith(c, ext.outputHash, honest, seed, k, logsWith({ session: new Uint8Array(0) }))).toBe("EXT_MALFORMED")
    expect(verifyWith(c, ext.outputHash, honest, seed, k, logsWith({ text: "a\uD800b" }))).toBe("EXT_MALFORMED")
    expect(verifyWith(c, ext.outputHash, honest, seed, k, { entries: [] })).toBe("EXT_MALFORMED")
    expect(id(honest)).toEqual(honestBytes)
  })

  it("EXT_TOO_LARGE: oversized bytes, too many entries, too long a text, too many openings, too large a count", () => {
    const big = new Uint8Array(4 * 1024 * 1024 + 1)
    expect(verifyWith(c, ext.outputHash, honest, seed, k, big)).toBe("EXT_TOO_LARGE")
    expect(verifyWith(c, ext.outputHash, big, seed, k)).toBe("EXT_TOO_LARGE")
    const tooMany: ExtractionInput = { entries: Array.from({ length: MAX_LOG_ENTRIES + 1 }, () => GOLDEN.entries[4] as LogEntry) }
    expect(verifyWith(c, ext.outputHash, honest, seed, k, tooMany)).toBe("EXT_TOO_LARGE")
    const longText: ExtractionInput = { entries: [entry("s", "user", "a".repeat(MAX_TEXT_BYTES + 1))] }
    expect(verifyWith(c, ext.outputHash, honest, seed, k, longText)).toBe("EXT_TOO_LARGE")
    const exact: ExtractionInput = { entries: [entry("s", "user", "\u00e9".repeat(MAX_TEXT_BYTES / 2))] }
    expect(codeOf(decodeExtractionInput(ExtractionCodecs.ExtractionInput.encode(exact)))).toBe("ok")
    const o0 = honest.openings[0] as ExtractionOpening["openings"][number]
    expect(verifyWith(c, ext.outputHash, { ...honest, openings: new Array(MAX_SAMPLE_K + 1).fill(o0) }, seed, k)).toBe("EXT_TOO_LARGE")
    expect(verifyWith(c, ext.outputHash, { ...honest, recordCount: MAX_LOG_ENTRIES + 1 }, seed, k)).toBe("EXT_TOO_LARGE")
  })

  it("EXT_BAD_PARAMS and EXT_INPUT_MISMATCH", () => {
    expect(verifyWith(c, ext.outputHash, honest, new Uint8Array(31), k)).toBe("EXT_BAD_PARAMS")
    expect(verifyWith(c, ext.outputHash, honest, seed, 0)).toBe("EXT_BAD_PARAMS")
    expect(verifyWith(c, ext.outputHash, honest, seed, MAX_SAMPLE_K + 1)).toBe("EXT_BAD_PARAMS")
    expect(verifyWith(c, ext.outputHash, honest, seed, 1.5)).toBe("EXT_BAD_PARAMS")
    expect(verifyWith(c, ext.outputHash.subarray(1), honest, seed, k)).toBe("EXT_BAD_PARAMS")
    expect(verifyWith(c, ext.outputHash, honest, seed, k, ExtractionCodecs.ExtractionInput.encode(GOLDEN))).toBe("EXT_INPUT_MISMATCH")
    const other = claimOf(GOLDEN)
    expect(verifyWith({ ...c, inputHash: other.inputHash }, ext.outputHash, honest, seed, k)).toBe("EXT_INPUT_MISMATCH")
  })
})

describe("detection probability (VER-EXT.17): measured over seeds", () => {
  // 100 one-entry sessions; the worker fakes m of them and commits to its faked records (so every
  // proof verifies). Detection rate over 2000 sampling seeds per case, each with a fresh choice of
  // faked records; the first 60 trials of each case run the whole verifier (commit, open, verify) and
  // must reject exactly when the sample hits a faked record, the rest count those hits.
  const n = 100
  const input: ExtractionInput = {
    entries: Array.from({ length: n }, (_, i) => entry(`s${String(i).padStart(3, "0")}`, "user", `task ${i % 7} step ${i}`, "success")),
  }
  const c = claimOf(input)
  const ext = extract(sha, input)
  const prepared = Either.getOrThrow(prepareLogs(sha, c.logs, c.inputHash))
  const TRIALS = 2000
  const FULL = 60

  it.each([
    [10, 16],
    [5, 32],
    [30, 4],
  ])("f = %i/100, k = %i: the measured rate is 1 - (1 - f)^k within 4 sigma", (m, k) => {
    const r = new Rng(m * 1000 + k, "fakes")
    let detected = 0
    for (let t = 0; t < TRIALS; t++) {
      const faked = new Set<number>()
      while (faked.size < m) faked.add(r.below(n))
      const seed = seedOf(100_000 + t)
      const sample = sampleIndices(sha, seed, n, k)
      const hit = sample.some((i) => faked.has(i))
      if (hit) detected++
      if (t < FULL) {
        const cheat = commitRecords(sha, ext.records.map((rec, i) => (faked.has(i) ? { ...rec, tokens: rec.tokens + 1 } : rec)))
        const code = codeOf(verifyOpening(sha, prepared, cheat.outputHash, { seed, k }, openRecords(cheat, sample)))
        expect(code).toBe(hit ? "EXT_RECORD_MISMATCH" : "ok")
      }
    }
    const [num, den] = detectionProbability(n, m, k)
    const p = Number((num * 1_000_000n) / den) / 1_000_000
    expect(Math.abs(p - (1 - (1 - m / n) ** k))).toBeLessThan(1e-6)
    const sigma = Math.sqrt((p * (1 - p)) / TRIALS)
    expect(Math.abs(detected / TRIALS - p)).toBeLessThanOrEqual(4 * sigma)
  })
})
