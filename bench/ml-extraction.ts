// Experience extraction benchmark (spec/16-experience-extraction.md): pipeline throughput and the cost
// of sampled verification against a full re-run, on deterministic synthetic logs.
//
// Lines emitted (bench: "ml-extraction"):
//   op "extract":      full pipeline + commitment (VER-EXT.3..11): records/s, entries/s, tokens/s and
//                      feature hashes/s; ratioToRawSha256 = feature hashes/s over raw SHA-256 calls/s on
//                      inputs of the same size, measured in the same process (1.0 = the pipeline costs
//                      no more than its feature hashes).
//   op "verify-full":  what a verifier pays without sampling: decode + hash + partition the logs, re-run
//                      everything, compare the output hash.
//   op "verify-sample": verifyExtraction with k draws (VER-EXT.15); msPerSampledRecord = total / distinct
//                      sampled records; ratioToFullRerun = sampled verification time / full re-run time;
//                      prepareMs = the log part (decode, input hash, partition) that any verifier pays.
// Times are wall-clock medians of several runs, via nodeCryptoService (OpenSSL SHA-256).
import { Either } from "effect"
import { utf8 } from "../src/codec/Bytes.ts"
import { DOMAIN, tagged } from "../src/codec/Canonical.ts"
import { nodeCryptoService } from "../src/crypto/NodeCrypto.ts"
import { Prng } from "../src/drivers/Prng.ts"
import {
  ExtractionCodecs,
  OUTCOMES,
  ROLES,
  extract,
  extractionInputHash,
  featureBytes,
  openRecords,
  prepareLogs,
  sampleIndices,
  tokenize,
  verifyExtraction,
  verifyOpening,
  type ExtractionInput,
  type LogEntry,
} from "../src/ml/Extraction.ts"

const VOCAB_SIZE = 2000
const SEPS = [" ", " ", " ", ", ", ". ", "\n", ": ", " - "]

/** Synthetic log: `sessions` sessions of `entries` entries of ~`words` words from a Zipf-ish vocabulary. */
export const syntheticLog = (seed: number, sessions: number, entries: number, words: number): ExtractionInput => {
  const r = new Prng(seed)
  const vocab = Array.from({ length: VOCAB_SIZE }, (_, i) => (i % 7 === 0 ? `Term${i}` : `w${i.toString(36)}`))
  const word = () => vocab[Math.floor(VOCAB_SIZE * r.next() ** 3)] as string
  const queues: LogEntry[][] = []
  for (let s = 0; s < sessions; s++) {
    const session = utf8(`session-${s.toString(16).padStart(6, "0")}`)
    queues.push(
      Array.from({ length: entries }, () => {
        let text = ""
        for (let w = words - 3 + r.int(7); w > 0; w--) text += word() + (SEPS[r.int(SEPS.length)] as string)
        return { session, role: ROLES[r.int(ROLES.length)] as LogEntry["role"], text, outcome: OUTCOMES[r.int(OUTCOMES.length)] as LogEntry["outcome"] }
      }),
    )
  }
  const out: LogEntry[] = []
  while (queues.some((q) => q.length > 0)) {
    const live = queues.filter((q) => q.length > 0)
    out.push((live[r.int(live.length)] as LogEntry[]).shift() as LogEntry)
  }
  return { entries: out }
}

/** Median wall time (ms) of `fn` over `reps` runs after one warm-up. */
const medianMs = (fn: () => unknown, reps: number): number => {
  fn()
  const ts: number[] = []
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now()
    fn()
    ts.push(performance.now() - t0)
  }
  ts.sort((a, b) => a - b)
  return ts[ts.length >> 1] as number
}

const round = (x: number, d = 3) => Number(x.toFixed(d))

export async function benchMlExtraction(emit: (o: object) => void, progress: (s: string) => void, quick: boolean): Promise<void> {
  const crypto = nodeCryptoService
  const sha = crypto.sha256
  const cases = quick
    ? [{ sessions: 200, entries: 6, words: 20 }]
    : [
        { sessions: 200, entries: 6, words: 20 },
        { sessions: 2000, entries: 6, words: 20 },
      ]
  const reps = quick ? 3 : 5
  for (const c of cases) {
    progress(`ml-extraction: ${c.sessions} sessions x ${c.entries} entries`)
    const input = syntheticLog(1, c.sessions, c.entries, c.words)
    const logs = ExtractionCodecs.ExtractionInput.encode(input)
    const inputHash = extractionInputHash(sha, logs)
    const entries = input.entries.length
    let tokens = 0
    let features = 0
    const featureSamples: Uint8Array[] = []
    for (const e of input.entries) {
      const t = tokenize(e.text)
      tokens += t.length
      features += t.length === 0 ? 0 : 2 * t.length - 1
      if (featureSamples.length < 4096) t.forEach((a, j) => featureSamples.push(tagged(DOMAIN.extFeature, featureBytes(a, t[j + 1]))))
    }
    const distinct = new Set(input.entries.flatMap((e) => tokenize(e.text))).size

    // raw baseline: SHA-256 of feature preimages of the same sizes
    const rawMs = medianMs(() => {
      for (const f of featureSamples) sha(f)
    }, reps)
    const rawShaPerSec = featureSamples.length / (rawMs / 1000)

    let ext = extract(sha, input)
    const extractMs = medianMs(() => (ext = extract(sha, input)), reps)
    const records = ext.records.length
    emit({
      bench: "ml-extraction",
      op: "extract",
      impl: crypto.name,
      sessions: c.sessions,
      entries,
      logBytes: logs.length,
      tokens,
      distinctTokens: distinct,
      featureHashes: features,
      ms: round(extractMs),
      recordsPerSec: Math.round(records / (extractMs / 1000)),
      entriesPerSec: Math.round(entries / (extractMs / 1000)),
      tokensPerSec: Math.round(tokens / (extractMs / 1000)),
      featureHashesPerSec: Math.round(features / (extractMs / 1000)),
      rawSha256PerSec: Math.round(rawShaPerSec),
      ratioToRawSha256: round(features / (extractMs / 1000) / rawShaPerSec),
      note: "the pipeline memoizes feature slots per run, so repeated features cost no hash: the ratio can exceed 1",
    })

    const fullMs = medianMs(() => {
      const p = Either.getOrThrow(prepareLogs(sha, logs, inputHash))
      const again = extract(sha, p.input)
      if (again.outputHash.length !== 32) throw new Error("unreachable")
    }, reps)
    const prepareMs = medianMs(() => Either.getOrThrow(prepareLogs(sha, logs, inputHash)), reps)
    emit({ bench: "ml-extraction", op: "verify-full", impl: crypto.name, sessions: c.sessions, entries, ms: round(fullMs), prepareMs: round(prepareMs) })

    const prepared = Either.getOrThrow(prepareLogs(sha, logs, inputHash))
    for (const k of [8, 32, 128]) {
      const seed = sha(utf8(`bench-seed-${k}`))
      const sample = sampleIndices(sha, seed, records, k)
      const opening = ExtractionCodecs.ExtractionOpening.encode(openRecords(ext, sample))
      const claim = { logs, inputHash, outputHash: ext.outputHash }
      const check = verifyExtraction(sha, claim, { seed, k }, opening)
      if (Either.isLeft(check)) throw new Error(`honest opening rejected: ${check.left.message}`)
      const totalMs = medianMs(() => verifyExtraction(sha, claim, { seed, k }, opening), reps)
      const openingMs = medianMs(() => verifyOpening(sha, prepared, ext.outputHash, { seed, k }, opening), reps)
      emit({
        bench: "ml-extraction",
        op: "verify-sample",
        impl: crypto.name,
        sessions: c.sessions,
        k,
        sampled: sample.length,
        openingBytes: opening.length,
        ms: round(totalMs),
        prepareMs: round(prepareMs),
        openingMs: round(openingMs),
        msPerSampledRecord: round(openingMs / sample.length, 4),
        fullRerunMs: round(fullMs),
        ratioToFullRerun: round(totalMs / fullMs),
        openingRatioToFullRerun: round(openingMs / fullMs),
      })
    }
  }
}
