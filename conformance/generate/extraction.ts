// Generator of the "extraction" suite (spec/16-experience-extraction.md "Conformance vectors",
// conformance/docs/extraction.md): writes
//   <outRoot>/extraction/pipeline/pipeline.json          logs -> tokens, partitions, records, Merkle root
//   <outRoot>/extraction/merkle/merkle.json              RFC 9162 trees and audit paths
//   <outRoot>/extraction/verification/verification.json  the verifier's sampling and verdicts (VER-EXT.15)
// Deterministic: every value comes from fixed text or from SHA-256 counter streams over integer seeds
// (test/fixtures/samples.ts Rng). Every vector is checked against this implementation as it is written.
import { Either } from "effect"
import { concatBytes, toHex, u64be, utf8 } from "../../src/codec/Bytes.ts"
import { MAX_WIRE_BYTES, canonicalEncode } from "../../src/codec/Canonical.ts"
import { nobleCrypto } from "../../src/crypto/NobleCrypto.ts"
import {
  EXT_DIM,
  ExtractionCodecs,
  FeatureHasher,
  MAX_LOG_ENTRIES,
  MAX_TEXT_BYTES,
  OUTCOMES,
  ROLES,
  commitRecords,
  decodeExtractionInput,
  derivePartition,
  extract,
  extractionInputHash,
  inclusionProof,
  merkleLevels,
  openRecords,
  partitionLogs,
  rootHash,
  sampleDraws,
  sampleIndices,
  sampleSeed,
  tokenize,
  treeHashFromProof,
  verifyExtraction,
  type ExperienceRecord,
  type ExtractionErrorCode,
  type ExtractionInput,
  type ExtractionOpening,
  type LogEntry,
} from "../../src/ml/Extraction.ts"
import { Mutations, mutate } from "../../test/fixtures/cbor.ts"
import { Rng } from "../../test/fixtures/samples.ts"
import { valueToJson as toJson } from "../../src/conformance/suites/encoding.ts"
import { clearHandlerDir } from "./encoding.ts"
import { writeVector } from "./write.ts"

const sha = nobleCrypto.sha256 // the reference layer

const check = (ok: boolean, what: string) => {
  if (!ok) throw new Error(`generator self-check failed: ${what}`)
}
const codeOf = (r: Either.Either<unknown, { code: ExtractionErrorCode }>): ExtractionErrorCode | "ok" =>
  Either.isLeft(r) ? r.left.code : "ok"
const padTo = (b: Uint8Array, n: number) => {
  const out = new Uint8Array(n)
  out.set(b)
  return out
}

const entry = (session: string | Uint8Array, role: LogEntry["role"], text: string, outcome: LogEntry["outcome"] = "none"): LogEntry => ({
  session: typeof session === "string" ? utf8(session) : session,
  role,
  text,
  outcome,
})
const logs = (...entries: LogEntry[]): ExtractionInput => ({ entries })

// ---------------------------------------------------------------------------------------------
// Inputs

export const GOLDEN = logs(
  entry("s-2", "user", "How do I reverse a list in Python?"),
  entry("s-1", "user", "The build FAILS: TypeError in parse()"),
  entry("s-2", "assistant", "Use list.reverse() or slicing: xs[::-1].", "success"),
  entry("s-1", "tool", "Re-ran the build \u2014 caf\u00e9 nai\u0308ve \u6570\u636e OK", "success"),
  entry("s-3", "system", "", "none"),
  entry("s-1", "assistant", "Fixed: parse() now handles None.", "success"),
)

const WORDS = ["the", "Test", "fails", "because", "list", "reverse", "python", "ERROR", "fix", "timeout", "retry", "cache",
  "null", "pointer", "deploy", "build", "ok", "merge", "caf\u00e9", "nai\u0308ve", "\u6570\u636e", "x1", "v2.0", "\u212Aelvin"]
const SEPS = [" ", ", ", "! ", "\n", " - ", "\u2014", "(", ") ", ": "]

/** Deterministic synthetic log: `sessions` sessions of 1..maxEntries entries, interleaved at random. */
export const synthLogs = (seed: number, sessions: number, maxEntries: number): ExtractionInput => {
  const r = new Rng(seed, "ext-conformance")
  const queues: LogEntry[][] = []
  for (let s = 0; s < sessions; s++) {
    const id = r.bytes(1 + r.below(4))
    const q: LogEntry[] = []
    for (let m = 1 + r.below(maxEntries); m > 0; m--) {
      let t = ""
      for (let w = r.below(10); w > 0; w--) t += r.pick(WORDS) + r.pick(SEPS)
      q.push({ session: id, role: r.pick(ROLES), text: t, outcome: r.pick(OUTCOMES) })
    }
    queues.push(q)
  }
  const entries: LogEntry[] = []
  while (queues.some((q) => q.length > 0)) {
    const live = queues.filter((q) => q.length > 0)
    entries.push(r.pick(live).shift() as LogEntry)
  }
  // distinct random ids may collide; merging such sessions is fine (the pipeline partitions by id)
  return { entries }
}

const PIPELINE_CASES: ReadonlyArray<readonly [string, string, ExtractionInput]> = [
  ["golden", "the worked example of spec/16-experience-extraction.md: three sessions, interleaved, one empty text", GOLDEN],
  ["single-entry", "one session, one entry", logs(entry("only", "user", "Hello, World!"))],
  [
    "tokenization",
    "NFC composition, KELVIN SIGN, ASCII-only lowercasing, fullwidth and CJK separators, combining marks, digits, emoji",
    logs(
      entry("t", "user", "Cafe\u0301 caf\u00e9 CAF\u00c9 \u212Aelvin \u2126hm"),
      entry("t", "assistant", "\u201cquoted\u201d \u2014 dash\u00a0nbsp x\u00d7y\u00f7z 2\u00b3 don't x_y a-b"),
      entry("t", "tool", "\u6570\u636e\u3001\u5206\u6790\u3002 \uFF21\uFF22\uFF0C\uFF43 \u{1F600}ok \u{1F600}", "failure"),
      entry("t", "system", "a\u0301\u0327 a\u0327\u0301 \u00c5 A\u030a \u212b", "success"),
    ),
  ],
  [
    "zero-vectors",
    "sessions whose texts have no tokens: zero embedding, zero key, first entry as representative",
    logs(entry("z", "user", ""), entry("z", "assistant", "... !!! \u2014 \u3002"), entry("y", "tool", "?", "failure")),
  ],
  [
    "representative-tie",
    "identical entries tie on the cosine score: the smallest log index wins",
    logs(entry("r", "user", "retry the build"), entry("r", "assistant", "retry the build"), entry("r", "tool", "ok", "success")),
  ],
  [
    "byte-session-order",
    "raw byte session ids: bytewise order, a shorter prefix first (01 < 0100 < 02 < ff)",
    logs(
      entry(Uint8Array.of(0xff), "user", "last"),
      entry(Uint8Array.of(0x02), "user", "third"),
      entry(Uint8Array.of(0x01, 0x00), "user", "second"),
      entry(Uint8Array.of(0x01), "user", "first"),
    ),
  ],
  ["synthetic-10", "a synthetic log of 10 sessions (seed 1)", synthLogs(1, 10, 5)],
]

// ---------------------------------------------------------------------------------------------
// pipeline.json

const pipelineVector = () => {
  const valid = PIPELINE_CASES.map(([name, description, input]) => {
    const bytes = ExtractionCodecs.ExtractionInput.encode(input)
    check(Either.isRight(decodeExtractionInput(bytes)), `${name} decodes`)
    const ext = extract(sha, input)
    const hasher = new FeatureHasher(sha)
    const parts = partitionLogs(input)
    const raw = parts.map((p) => derivePartition(hasher, input, p).raw)
    check(ext.records.length === parts.length, `${name} one record per session`)
    return {
      name,
      description,
      input: toJson(input),
      inputCanonical: toHex(bytes),
      inputHash: toHex(extractionInputHash(sha, bytes)),
      tokens: input.entries.map((e) => tokenize(e.text)),
      partitions: parts.map((p) => ({ session: toHex(p.session), indices: p.indices })),
      raw,
      records: ext.records.map((r) => toJson(r)),
      recordCanonical: ext.records.map((r) => toHex(ExtractionCodecs.ExperienceRecord.encode(r))),
      leafHashes: ext.leaves.map(toHex),
      treeHash: toHex(ext.treeHash),
      outputHash: toHex(ext.outputHash),
    }
  })

  const golden = ExtractionCodecs.ExtractionInput.encode(GOLDEN)
  const invalid: Array<{ name: string; description: string; bytes: string; code: ExtractionErrorCode; zeroPadTo?: number }> = []
  const add = (name: string, description: string, bytes: Uint8Array, code: ExtractionErrorCode) => {
    const got = codeOf(decodeExtractionInput(bytes))
    check(got === code, `pipeline invalid ${name}: expected ${code}, got ${got}`)
    invalid.push({ name, description, bytes: toHex(bytes), code })
  }
  const enc = (v: ExtractionInput) => canonicalEncode(v) // no schema: some of these exceed the limits
  const one = GOLDEN.entries[0] as LogEntry
  /** Canonical CBOR of a log map, bypassing the schema, to write invalid logs. */
  const withEntries = (entries: unknown[]) => canonicalEncode({ entries })
  const withEntry = (e: Record<string, unknown>) => withEntries([e])
  add("empty", "zero bytes", new Uint8Array(0), "EXT_MALFORMED")
  add("truncated", "the golden log without its last byte", golden.subarray(0, golden.length - 1), "EXT_MALFORMED")
  add("trailing-byte", "the golden log followed by 0x00", concatBytes(golden, Uint8Array.of(0)), "EXT_MALFORMED")
  add("no-entries", "entries is the empty array", withEntries([]), "EXT_MALFORMED")
  add("session-too-long", "a 33-byte session id", withEntry({ ...one, session: new Uint8Array(33) }), "EXT_MALFORMED")
  add("session-empty", "an empty session id", withEntry({ ...one, session: new Uint8Array(0) }), "EXT_MALFORMED")
  add("session-as-text", "a session id given as text", withEntry({ ...one, session: "s-1" }), "EXT_MALFORMED")
  add("unknown-role", 'role "robot"', withEntry({ ...one, role: "robot" }), "EXT_MALFORMED")
  add("unknown-outcome", 'outcome "maybe"', withEntry({ ...one, outcome: "maybe" }), "EXT_MALFORMED")
  add("extra-field", 'an entry with an extra field "score": 1', withEntry({ ...one, score: 1 }), "EXT_MALFORMED")
  const { outcome: _o, ...noOutcome } = one
  add("missing-field", "an entry without outcome", withEntry(noOutcome), "EXT_MALFORMED")
  add("not-a-map", "the entries array alone", canonicalEncode([one]), "EXT_MALFORMED")
  const swapped = mutate(golden, Mutations.swapNestedMapKeys)
  check(swapped !== undefined, "swapNestedMapKeys applies")
  add("keys-out-of-order", "two keys of an entry map swapped (non-canonical)", swapped as Uint8Array, "EXT_MALFORMED")
  const widened = mutate(golden, Mutations.widenBytesLength)
  check(widened !== undefined, "widenBytesLength applies")
  add("wide-length-head", "a session id's length written with a wider head than needed (non-canonical)", widened as Uint8Array, "EXT_MALFORMED")
  // invalid UTF-8 in a text: "ab" (62 61 62) after the key "text" (64 74 65 78 74) becomes 62 c3 28
  const ab = enc(logs(entry("s", "user", "ab")))
  const at = toHex(ab).indexOf("6474657874626162") / 2
  check(at > 0, "text ab found")
  const badUtf8 = ab.slice()
  badUtf8.set([0x62, 0xc3, 0x28], at + 5)
  add("invalid-utf8", "a text whose bytes are not UTF-8 (c3 28)", badUtf8, "EXT_MALFORMED")
  add("text-too-long", `a text of ${MAX_TEXT_BYTES + 1} bytes`, enc(logs(entry("s", "user", "a".repeat(MAX_TEXT_BYTES + 1)))), "EXT_TOO_LARGE")
  add(
    "text-too-long-utf8",
    `a text of ${MAX_TEXT_BYTES / 2 + 1} two-byte characters (${MAX_TEXT_BYTES + 2} UTF-8 bytes)`,
    enc(logs(entry("s", "user", "\u00e9".repeat(MAX_TEXT_BYTES / 2 + 1)))),
    "EXT_TOO_LARGE",
  )
  const big = padTo(golden, MAX_WIRE_BYTES + 1)
  check(codeOf(decodeExtractionInput(big)) === "EXT_TOO_LARGE", "oversized logs")
  invalid.push({
    name: "oversized",
    description: "the golden log followed by zero bytes up to MAX_WIRE_BYTES + 1 bytes in all",
    bytes: toHex(golden),
    code: "EXT_TOO_LARGE",
    zeroPadTo: MAX_WIRE_BYTES + 1,
  })
  // exactly at the text limit is fine
  check(
    codeOf(decodeExtractionInput(enc(logs(entry("s", "user", "\u00e9".repeat(MAX_TEXT_BYTES / 2)))))) === "ok",
    "a text of exactly MAX_TEXT_BYTES decodes",
  )

  return {
    kind: "extraction-pipeline",
    parameters: { D: EXT_DIM, S: 32767, maxLogEntries: MAX_LOG_ENTRIES, maxTextBytes: MAX_TEXT_BYTES, maxWireBytes: MAX_WIRE_BYTES },
    rule:
      "records = VER-EXT.3..10 of input, in session order; leaf = H(tagged(ext-leaf, cbor(record))); " +
      "outputHash = H(tagged(ext-root, u64(n) || MTH(leaves))) (VER-EXT.11)",
    valid,
    invalid,
  }
}

// ---------------------------------------------------------------------------------------------
// merkle.json

const leafOf = (i: number) => sha(concatBytes(utf8("poai/conformance/ext-leaf"), u64be(i)))

const merkleVector = () => {
  const valid = [1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17].map((n) => {
    const leaves = Array.from({ length: n }, (_, i) => leafOf(i))
    const levels = merkleLevels(sha, leaves)
    const treeHash = (levels[levels.length - 1] as Uint8Array[])[0] as Uint8Array
    const outputHash = rootHash(sha, n, treeHash)
    const proofs = leaves.map((l, i) => {
      const p = inclusionProof(levels, i)
      const t = treeHashFromProof(sha, l, i, n, p)
      check(t !== undefined && toHex(t) === toHex(treeHash), `merkle n=${n} i=${i}`)
      return p.map(toHex)
    })
    return { name: `n-${n}`, leafHashes: leaves.map(toHex), treeHash: toHex(treeHash), outputHash: toHex(outputHash), proofs }
  })
  const n = 7
  const leaves = Array.from({ length: n }, (_, i) => leafOf(i))
  const levels = merkleLevels(sha, leaves)
  const treeHash = (levels[levels.length - 1] as Uint8Array[])[0] as Uint8Array
  const outputHash = rootHash(sha, n, treeHash)
  const proof = (i: number) => inclusionProof(levels, i)
  const flip = (b: Uint8Array) => b.map((x, j) => (j === 31 ? x ^ 0x80 : x))
  const invalid: Array<Record<string, unknown>> = []
  const add = (name: string, description: string, leaf: Uint8Array, index: number, size: number, p: Uint8Array[], out = outputHash) => {
    const t = treeHashFromProof(sha, leaf, index, size, p)
    check(t === undefined || toHex(rootHash(sha, size, t)) !== toHex(out), `merkle invalid ${name} must fail`)
    invalid.push({ name, description, leafHash: toHex(leaf), index, size, proof: p.map(toHex), outputHash: toHex(out) })
  }
  const l2 = leaves[2] as Uint8Array
  add("wrong-sibling", "leaf 2 of 7 with the first sibling's last bit flipped", l2, 2, n, proof(2).map((h, j) => (j === 0 ? flip(h) : h)))
  add("wrong-index", "leaf 2's proof presented for index 3", l2, 3, n, proof(2))
  add("wrong-leaf", "leaf 3 with leaf 2's proof at index 2", leaves[3] as Uint8Array, 2, n, proof(2))
  add("size-plus-one", "leaf 2's proof with size 8", l2, 2, n + 1, proof(2))
  add("size-minus-one", "leaf 2's proof with size 6", l2, 2, n - 1, proof(2))
  add("proof-truncated", "leaf 2's proof without its last hash", l2, 2, n, proof(2).slice(0, -1))
  add("proof-extended", "leaf 2's proof with one more hash", l2, 2, n, [...proof(2), leaves[0] as Uint8Array])
  add("proof-swapped", "leaf 2's proof with its first two hashes swapped", l2, 2, n, [proof(2)[1], proof(2)[0], ...proof(2).slice(2)] as Uint8Array[])
  add("index-equals-size", "index 7 in a tree of 7", leaves[6] as Uint8Array, 7, n, proof(6))
  add("bare-tree-hash", "a correct proof checked against the tree hash instead of the output hash", l2, 2, n, proof(2), treeHash)
  add("last-leaf-promoted", "leaf 6 (promoted twice) with leaf 5's proof", leaves[6] as Uint8Array, 6, n, proof(5))
  add("zero-size", "size 0", l2, 0, 0, [])
  return {
    kind: "extraction-merkle",
    rule:
      "RFC 9162 tree: node = H(tagged(ext-node, left || right)), split at the largest power of 2 below n; " +
      "outputHash = H(tagged(ext-root, u64(n) || treeHash)); proofs are RFC 9162 §2.1.3.1 audit paths, leaf to root",
    valid,
    invalid,
  }
}

// ---------------------------------------------------------------------------------------------
// verification.json

const verificationVector = () => {
  const input = synthLogs(2, 7, 3)
  const bytes = ExtractionCodecs.ExtractionInput.encode(input)
  const inputHash = extractionInputHash(sha, bytes)
  const ext = extract(sha, input)
  const n = ext.records.length
  const beacon = sha(utf8("poai/conformance/ext-beacon"))
  const workId = sha(utf8("poai/conformance/ext-work-id"))
  const seed = sampleSeed(sha, beacon, workId)
  const encOpening = (o: ExtractionOpening) => ExtractionCodecs.ExtractionOpening.encode(o)

  interface Case {
    name: string
    description: string
    outputHash: Uint8Array
    seed?: Uint8Array
    k: number
    opening: Uint8Array
    logs?: Uint8Array
    inputHash?: Uint8Array
    zeroPadTo?: number
  }
  const run = (c: Case) => {
    const op = c.zeroPadTo !== undefined ? padTo(c.opening, c.zeroPadTo) : c.opening
    return codeOf(
      verifyExtraction(sha, { logs: c.logs ?? bytes, inputHash: c.inputHash ?? inputHash, outputHash: c.outputHash }, { seed: c.seed ?? seed, k: c.k }, op),
    )
  }
  const json = (c: Case) => ({
    name: c.name,
    description: c.description,
    ...(c.logs !== undefined ? { logs: toHex(c.logs) } : {}),
    ...(c.inputHash !== undefined ? { inputHash: toHex(c.inputHash) } : {}),
    outputHash: toHex(c.outputHash),
    seed: toHex(c.seed ?? seed),
    k: c.k,
    ...(c.seed === undefined || c.seed.length === 32
      ? { draws: sampleDraws(sha, c.seed ?? seed, n, c.k), sample: sampleIndices(sha, c.seed ?? seed, n, c.k) }
      : {}),
    opening: toHex(c.opening),
    ...(c.zeroPadTo !== undefined ? { zeroPadTo: c.zeroPadTo } : {}),
  })

  const valid = [1, 3, 8, 256].map((k) => {
    const c: Case = {
      name: `honest-k-${k}`,
      description: `honest opening of the sample of k = ${k} draws`,
      outputHash: ext.outputHash,
      k,
      opening: encOpening(openRecords(ext, sampleIndices(sha, seed, n, k))),
    }
    check(run(c) === "ok", `verification ${c.name}`)
    return json(c)
  })

  const k = 4
  const sample = sampleIndices(sha, seed, n, k)
  const honest = openRecords(ext, sample)
  const target = sample[0] as number
  const faked = (f: (r: ExperienceRecord) => ExperienceRecord) => {
    const cheat = commitRecords(sha, ext.records.map((r, i) => (i === target ? f(r) : r)))
    return { outputHash: cheat.outputHash, opening: encOpening(openRecords(cheat, sample)) }
  }
  const o0 = honest.openings[0] as ExtractionOpening["openings"][number]
  const dropped = commitRecords(sha, ext.records.slice(1))
  const extra = commitRecords(sha, [...ext.records, { ...(ext.records[0] as ExperienceRecord), session: new Uint8Array(32).fill(0xff) }])
  const honestBytes = encOpening(honest)
  const otherLogs = ExtractionCodecs.ExtractionInput.encode(GOLDEN)
  const others = [...Array(n).keys()].filter((i) => !sample.includes(i)).slice(0, sample.length)
  const cases: Array<Case & { code: ExtractionErrorCode }> = [
    { name: "faked-tokens", description: "the first sampled record's token count + 1, committed in the tree", ...faked((r) => ({ ...r, tokens: r.tokens + 1 })), k, code: "EXT_RECORD_MISMATCH" },
    {
      name: "faked-embedding",
      description: "one embedding coordinate of the first sampled record off by one, committed",
      ...faked((r) => ({ ...r, embedding: r.embedding.map((x, i) => (i === 0 ? (x > 0 ? x - 1 : x + 1) : x)) })),
      k,
      code: "EXT_RECORD_MISMATCH",
    },
    {
      name: "faked-key",
      description: "the first sampled record's key with all bits set, committed",
      ...faked((r) => ({ ...r, key: new Uint8Array(8).fill(0xff) })),
      k,
      code: "EXT_RECORD_MISMATCH",
    },
    {
      name: "dropped-partition",
      description: "the tree holds the records of all sessions but the first (n - 1 leaves), opened honestly",
      outputHash: dropped.outputHash,
      k,
      opening: encOpening(openRecords(dropped, sampleIndices(sha, seed, n - 1, k))),
      code: "EXT_MISSING_PARTITION",
    },
    {
      name: "extra-record",
      description: "the tree holds one more record than the logs have sessions",
      outputHash: extra.outputHash,
      k,
      opening: encOpening(openRecords(extra, sampleIndices(sha, seed, n + 1, k))),
      code: "EXT_EXTRA_RECORD",
    },
    {
      name: "wrong-sibling",
      description: "the first opening's first proof hash with one bit flipped",
      outputHash: ext.outputHash,
      k,
      opening: encOpening({ ...honest, openings: [{ ...o0, proof: o0.proof.map((h, j) => (j === 0 ? h.map((x, b) => (b === 0 ? x ^ 1 : x)) : h)) }, ...honest.openings.slice(1)] }),
      code: "EXT_BAD_PROOF",
    },
    { name: "lying-count", description: "recordCount n + 1 with honest proofs", outputHash: ext.outputHash, k, opening: encOpening({ ...honest, recordCount: n + 1 }), code: "EXT_BAD_PROOF" },
    { name: "other-root", description: "an honest opening checked against another output hash", outputHash: dropped.outputHash, k, opening: honestBytes, code: "EXT_BAD_PROOF" },
    { name: "wrong-sample", description: "honest openings of indices that are not the sample", outputHash: ext.outputHash, k, opening: encOpening(openRecords(ext, others)), code: "EXT_WRONG_SAMPLE" },
    { name: "missing-sampled-index", description: "the sample without its first index", outputHash: ext.outputHash, k, opening: encOpening(openRecords(ext, sample.slice(1))), code: "EXT_WRONG_SAMPLE" },
    { name: "other-seed", description: "an honest opening for another seed", outputHash: ext.outputHash, k, seed: sha(utf8("another seed")), opening: honestBytes, code: "EXT_WRONG_SAMPLE" },
    { name: "opening-truncated", description: "the honest opening without its last byte", outputHash: ext.outputHash, k, opening: honestBytes.subarray(0, honestBytes.length - 1), code: "EXT_MALFORMED" },
    { name: "opening-non-canonical", description: "the honest opening with two map keys swapped", outputHash: ext.outputHash, k, opening: mutate(honestBytes, Mutations.swapMapKeys) as Uint8Array, code: "EXT_MALFORMED" },
    { name: "opening-count-zero", description: "recordCount 0", outputHash: ext.outputHash, k, opening: encOpeningLax({ ...honest, recordCount: 0 }), code: "EXT_MALFORMED" },
    { name: "opening-count-too-large", description: `recordCount ${MAX_LOG_ENTRIES + 1}`, outputHash: ext.outputHash, k, opening: encOpeningLax({ ...honest, recordCount: MAX_LOG_ENTRIES + 1 }), code: "EXT_TOO_LARGE" },
    { name: "opening-oversized", description: "the honest opening followed by zero bytes up to MAX_WIRE_BYTES + 1", outputHash: ext.outputHash, k, opening: honestBytes, zeroPadTo: MAX_WIRE_BYTES + 1, code: "EXT_TOO_LARGE" },
    { name: "input-mismatch", description: "other logs than the claim's input hash", logs: otherLogs, outputHash: ext.outputHash, k, opening: honestBytes, code: "EXT_INPUT_MISMATCH" },
    { name: "logs-malformed", description: "log bytes that are not an ExtractionInput", logs: Uint8Array.of(0xa0), outputHash: ext.outputHash, k, opening: honestBytes, code: "EXT_MALFORMED" },
    { name: "k-zero", description: "k = 0", outputHash: ext.outputHash, k: 0, opening: honestBytes, code: "EXT_BAD_PARAMS" },
    { name: "k-too-large", description: "k = 257", outputHash: ext.outputHash, k: 257, opening: honestBytes, code: "EXT_BAD_PARAMS" },
    { name: "seed-short", description: "a 31-byte seed", outputHash: ext.outputHash, k, seed: seed.subarray(1), opening: honestBytes, code: "EXT_BAD_PARAMS" },
  ]
  const invalid = cases.map((c) => {
    const got = run(c)
    check(got === c.code, `verification ${c.name}: expected ${c.code}, got ${got}`)
    return { ...json(c), code: c.code }
  })
  return {
    kind: "extraction-verification",
    recordCount: n,
    rule: "verifyExtraction(sha256, {logs, inputHash, outputHash}, {seed, k}, opening) in the order of VER-EXT.15",
    logs: toHex(bytes),
    inputHash: toHex(inputHash),
    seedDerivation: { beacon: toHex(beacon), workId: toHex(workId), seed: toHex(seed), rule: "seed = H(tagged(ext-seed, beacon || workId))" },
    valid,
    invalid,
  }
}

/** Encodes an opening without the schema's bounds (for out-of-range counts). */
const encOpeningLax = (o: { recordCount: number; openings: ExtractionOpening["openings"] }) => canonicalEncode(o)

// ---------------------------------------------------------------------------------------------

export const generate = async (outRoot: string): Promise<void> => {
  for (const h of ["pipeline", "merkle", "verification"]) clearHandlerDir(outRoot, "extraction", h)
  writeVector(outRoot, "extraction", "merkle", "merkle.json", merkleVector())
  writeVector(outRoot, "extraction", "pipeline", "pipeline.json", pipelineVector())
  writeVector(outRoot, "extraction", "verification", "verification.json", verificationVector())
}
