// spec: VER-EXT.1..17 (spec/16-experience-extraction.md)
// Handlers of the "extraction" suite (conformance/vectors/extraction/<handler>/, conformance/docs/extraction.md):
//   pipeline      extract: canonical log bytes -> decoded logs, input hash, tokens, partitions, raw
//                 vectors, records, leaves, tree hash, output hash (or EXT_MALFORMED / EXT_TOO_LARGE);
//                 encode: logs (JSON form) -> canonical bytes
//   merkle        tree: leaf hashes -> tree hash, output hash, every audit path; verify: one audit path
//   verification  seed: (beacon, workId) -> sample seed; sample: (seed, n, k) -> draws and sample;
//                 verify: a claim + opening -> {recordCount, sample} or the EXT_* code (VER-EXT.15 order)
import { Either } from "effect"
import { toHex } from "../../codec/Bytes.ts"
import { nobleCrypto } from "../../crypto/NobleCrypto.ts"
import {
  ExtractionCodecs,
  FeatureHasher,
  decodeExtractionInput,
  derivePartition,
  extract,
  extractionInputHash,
  inclusionProof,
  merkleLevels,
  partitionLogs,
  rootHash,
  sampleDraws,
  sampleIndices,
  sampleSeed,
  tokenize,
  treeHashFromProof,
  verifyExtraction,
  type ExtractionInput,
} from "../../ml/Extraction.ts"
import {
  ConformanceInputError,
  arr,
  field,
  hexField,
  num,
  str,
  type CaseResult,
  type ConformanceCase,
  type HandlerDef,
  type Json,
  type JsonObject,
} from "../Types.ts"
import { paddedBytes, valueField, valueToJson } from "./encoding.ts"

const sha = nobleCrypto.sha256 // the reference layer

type Named = { readonly name: string; readonly [k: string]: Json | undefined }
interface RichFile {
  readonly valid: ReadonlyArray<Named>
  readonly invalid: ReadonlyArray<Named>
  readonly [k: string]: unknown
}
const pick = (c: Named, keys: ReadonlyArray<string>): JsonObject => {
  const out: Record<string, Json> = {}
  for (const k of keys) if (c[k] !== undefined) out[k] = c[k] as Json
  return out
}
const opOf = (input: Json, ops: ReadonlyArray<string>): string => {
  const op = str(input, "op")
  if (!ops.includes(op)) throw new ConformanceInputError(`unknown op ${op} (expected ${ops.join(", ")})`)
  return op
}
const safeInt = (input: Json, name: string): number => {
  const n = num(input, name)
  if (!Number.isSafeInteger(n) || n < 0) throw new ConformanceInputError(`${name} must be a non-negative integer`)
  return n
}
const hexList = (input: Json, name: string): Uint8Array[] =>
  arr(input, name).map((h, i) => {
    if (typeof h !== "string" || !/^([0-9a-f]{2})*$/.test(h)) throw new ConformanceInputError(`${name}[${i}] is not lowercase hex`)
    return Uint8Array.from(Buffer.from(h, "hex"))
  })

// ---------------------------------------------------------------------------------------------
// pipeline

const PIPELINE_OUTPUT = ["input", "inputHash", "tokens", "partitions", "raw", "records", "recordCanonical", "leafHashes", "treeHash", "outputHash"]

/** valid: `<name>/extract` {logs: inputCanonical} -> every derived field, `<name>/encode` {input} -> {bytes}; invalid: `<name>` -> reject code. */
const pipelineCases = (file: Json): ReadonlyArray<ConformanceCase> => {
  const f = file as unknown as RichFile
  return [
    ...f.valid.flatMap((c): ConformanceCase[] => [
      { name: `${c.name}/extract`, input: { op: "extract", logs: c["inputCanonical"] ?? null }, expected: { output: pick(c, PIPELINE_OUTPUT) } },
      { name: `${c.name}/encode`, input: { op: "encode", input: c["input"] ?? null }, expected: { output: { bytes: c["inputCanonical"] ?? null } } },
    ]),
    ...f.invalid.map(
      (c): ConformanceCase => ({
        name: c.name,
        input: { op: "extract", logs: c["bytes"] ?? null, ...(c["zeroPadTo"] !== undefined ? { zeroPadTo: c["zeroPadTo"] } : {}) },
        expected: { reject: String(c["code"]) },
      }),
    ),
  ]
}

const pipelineRun = (input: Json): CaseResult => {
  if (opOf(input, ["extract", "encode"]) === "encode") {
    const v = ExtractionCodecs.ExtractionInput.validate(valueField(input, "input"))
    if (Either.isLeft(v)) return { reject: "EXT_MALFORMED" }
    return { output: { bytes: toHex(ExtractionCodecs.ExtractionInput.encode(v.right)) } }
  }
  const bytes = paddedBytes(input, "logs")
  const decoded = decodeExtractionInput(bytes)
  if (Either.isLeft(decoded)) return { reject: decoded.left.code }
  const logs: ExtractionInput = decoded.right
  const parts = partitionLogs(logs)
  const hasher = new FeatureHasher(sha)
  const ext = extract(sha, logs)
  return {
    output: {
      input: valueToJson(logs),
      inputHash: toHex(extractionInputHash(sha, bytes)),
      tokens: logs.entries.map((e) => tokenize(e.text)),
      partitions: parts.map((p) => ({ session: toHex(p.session), indices: [...p.indices] })),
      raw: parts.map((p) => [...derivePartition(hasher, logs, p).raw]),
      records: ext.records.map((r) => valueToJson(r)),
      recordCanonical: ext.records.map((r) => toHex(ExtractionCodecs.ExperienceRecord.encode(r))),
      leafHashes: ext.leaves.map(toHex),
      treeHash: toHex(ext.treeHash),
      outputHash: toHex(ext.outputHash),
    },
  }
}

// ---------------------------------------------------------------------------------------------
// merkle

/** valid: `<name>/tree` {leafHashes} -> {treeHash, outputHash, proofs} and `<name>/verify-<i>` for every leaf; invalid: `<name>` verify -> {valid: false}. */
const merkleCases = (file: Json): ReadonlyArray<ConformanceCase> => {
  const f = file as unknown as RichFile
  return [
    ...f.valid.flatMap((c): ConformanceCase[] => {
      const leaves = c["leafHashes"] as ReadonlyArray<string>
      const proofs = c["proofs"] as ReadonlyArray<Json>
      return [
        { name: `${c.name}/tree`, input: { op: "tree", leafHashes: leaves }, expected: { output: pick(c, ["treeHash", "outputHash", "proofs"]) } },
        ...leaves.map(
          (leaf, i): ConformanceCase => ({
            name: `${c.name}/verify-${i}`,
            input: { op: "verify", leafHash: leaf, index: i, size: leaves.length, proof: proofs[i] ?? null, outputHash: c["outputHash"] ?? null },
            expected: { output: { valid: true } },
          }),
        ),
      ]
    }),
    ...f.invalid.map(
      (c): ConformanceCase => ({
        name: c.name,
        input: { op: "verify", ...pick(c, ["leafHash", "index", "size", "proof", "outputHash"]) },
        expected: { output: { valid: false } },
      }),
    ),
  ]
}

const merkleRun = (input: Json): CaseResult => {
  if (opOf(input, ["tree", "verify"]) === "tree") {
    const leaves = hexList(input, "leafHashes")
    if (leaves.length === 0) throw new ConformanceInputError("a tree needs at least one leaf")
    const levels = merkleLevels(sha, leaves)
    const tree = (levels[levels.length - 1] as Uint8Array[])[0] as Uint8Array
    return {
      output: {
        treeHash: toHex(tree),
        outputHash: toHex(rootHash(sha, leaves.length, tree)),
        proofs: leaves.map((_, i) => inclusionProof(levels, i).map(toHex)),
      },
    }
  }
  const size = safeInt(input, "size")
  const t = treeHashFromProof(sha, hexField(input, "leafHash"), safeInt(input, "index"), size, hexList(input, "proof"))
  return { output: { valid: t !== undefined && toHex(rootHash(sha, size, t)) === str(input, "outputHash") } }
}

// ---------------------------------------------------------------------------------------------
// verification

const VERIFY_FIELDS = ["logs", "inputHash", "outputHash", "seed", "k", "opening", "zeroPadTo"]

/**
 * The file-level seed derivation gives `seed-derivation`; every case with `draws` gives `<name>/sample`
 * {seed, n: recordCount, k} -> {draws, sample}; every case gives `<name>` (valid: `<name>/verify`) with
 * the file's logs and inputHash unless the case overrides them: valid -> {recordCount, sample}, invalid -> code.
 */
const verificationCases = (file: Json): ReadonlyArray<ConformanceCase> => {
  const f = file as unknown as RichFile & { seedDerivation: { beacon: string; workId: string; seed: string }; logs: string; inputHash: string; recordCount: number }
  const verifyInput = (c: Named): JsonObject => ({ op: "verify", ...pick({ logs: f.logs, inputHash: f.inputHash, ...c }, VERIFY_FIELDS) })
  const sampleCase = (c: Named): ReadonlyArray<ConformanceCase> =>
    c["draws"] === undefined
      ? []
      : [{ name: `${c.name}/sample`, input: { op: "sample", seed: c["seed"] ?? null, n: f.recordCount, k: c["k"] ?? null }, expected: { output: pick(c, ["draws", "sample"]) } }]
  return [
    {
      name: "seed-derivation",
      input: { op: "seed", beacon: f.seedDerivation.beacon, workId: f.seedDerivation.workId },
      expected: { output: { seed: f.seedDerivation.seed } },
    },
    ...f.valid.flatMap((c): ConformanceCase[] => [
      ...sampleCase(c),
      { name: `${c.name}/verify`, input: verifyInput(c), expected: { output: { recordCount: f.recordCount, sample: c["sample"] ?? null } } },
    ]),
    ...f.invalid.flatMap((c): ConformanceCase[] => [...sampleCase(c), { name: c.name, input: verifyInput(c), expected: { reject: String(c["code"]) } }]),
  ]
}

const verificationRun = (input: Json): CaseResult => {
  const op = opOf(input, ["seed", "sample", "verify"])
  if (op === "seed") return { output: { seed: toHex(sampleSeed(sha, hexField(input, "beacon"), hexField(input, "workId"))) } }
  if (op === "sample") {
    const seed = hexField(input, "seed")
    const n = safeInt(input, "n")
    const k = safeInt(input, "k")
    if (n === 0 || k > 4096) throw new ConformanceInputError("n must be positive and k at most 4096")
    return { output: { draws: sampleDraws(sha, seed, n, k), sample: sampleIndices(sha, seed, n, k) } }
  }
  field(input, "k")
  const r = verifyExtraction(
    sha,
    { logs: hexField(input, "logs"), inputHash: hexField(input, "inputHash"), outputHash: hexField(input, "outputHash") },
    { seed: hexField(input, "seed"), k: num(input, "k") },
    paddedBytes(input, "opening"),
  )
  if (Either.isLeft(r)) return { reject: r.left.code }
  return { output: { recordCount: r.right.recordCount, sample: [...r.right.sampled] } }
}

export const handlers: ReadonlyArray<HandlerDef> = [
  {
    suite: "extraction",
    handler: "pipeline",
    description: "experience extraction: canonical logs -> tokens, partitions, raw session vectors, records, Merkle leaves, output hash (VER-EXT.1..11)",
    spec: ["VER-EXT.1", "VER-EXT.2", "VER-EXT.3", "VER-EXT.4", "VER-EXT.5", "VER-EXT.6", "VER-EXT.7", "VER-EXT.8", "VER-EXT.9", "VER-EXT.10", "VER-EXT.11", "VER-EXT.16"],
    formatVersion: "poai/extraction-vectors/v1",
    cases: pipelineCases,
    run: pipelineRun,
  },
  {
    suite: "extraction",
    handler: "merkle",
    description: "the extraction Merkle tree (RFC 9162 shape, poai domain tags): tree hash, output hash, audit paths and their verification",
    spec: ["VER-EXT.11", "VER-EXT.12", "VER-EXT.14"],
    formatVersion: "poai/extraction-vectors/v1",
    cases: merkleCases,
    run: merkleRun,
  },
  {
    suite: "extraction",
    handler: "verification",
    description: "the extraction verifier: sample seed, draws and sample, and the verdict on an opening in the order of VER-EXT.15",
    spec: ["VER-EXT.13", "VER-EXT.14", "VER-EXT.15", "VER-EXT.16"],
    formatVersion: "poai/extraction-vectors/v1",
    cases: verificationCases,
    run: verificationRun,
  },
]
