// Quality-pipeline micro-benchmarks (spec/17-quality-incentives.md): committee draws, aggregation per
// claim (trimmed mean vs Yuma-style clipping on the same inputs), SimHash fingerprints and the novelty
// check against windows of growing size. Each line has a baseline measured in the same process:
//   committee.draw      baseline: the k raw SHA-256 calls of the seat seeds (ratio = draw / raw hashing)
//   aggregate.*         baseline: a plain float weighted mean of the same scores
//   novelty.simhash     baseline: one SHA-256 over the whole output
//   novelty.window      baseline: the window of the smallest size
import { concatBytes, u64be } from "../src/codec/Bytes.ts"
import { DOMAIN, tagged } from "../src/codec/Canonical.ts"
import { nodeCryptoService } from "../src/crypto/NodeCrypto.ts"
import { Prng } from "../src/drivers/Prng.ts"
import { trimmedMeanAggregator, yumaAggregator, type WeightedScores } from "../src/quality/Aggregation.ts"
import { drawCommittee, type Candidate } from "../src/quality/Committee.ts"
import { admitFingerprint, emptyNoveltyWindow, noveltyOf, simhash64 } from "../src/quality/Novelty.ts"
import { defaultQualityParams as P } from "../src/quality/QualityParams.ts"

export interface QualityBenchLine {
  readonly bench: "quality"
  readonly op: string
  readonly case: string
  readonly opsPerSec: number
  readonly microsPerOp: number
  readonly baseline: string
  readonly baselineOpsPerSec: number
  readonly ratioToBaseline: number
  readonly iterations: number
}

let sink = 0
const consume = (x: unknown) => {
  if (typeof x === "number") sink ^= x | 0
  else if (typeof x === "bigint") sink ^= Number(x & 0xffn)
  else if (x instanceof Uint8Array) sink ^= x[0] ?? 0
  else if (x !== null && typeof x === "object") sink ^= 1
}

const measure = (fn: () => unknown, minMs: number): { ops: number; iterations: number } => {
  const w0 = performance.now()
  do consume(fn())
  while (performance.now() - w0 < minMs / 5)
  let iterations = 0
  const start = performance.now()
  let now = start
  let batch = 1
  for (;;) {
    for (let i = 0; i < batch; i++) consume(fn())
    iterations += batch
    now = performance.now()
    if (now - start >= minMs) break
    if (now - start < minMs / 20) batch *= 2
  }
  return { ops: (iterations * 1000) / (now - start), iterations }
}

export async function benchQuality(emit: (o: object) => void, progress: (s: string) => void, quick: boolean): Promise<void> {
  const crypto = nodeCryptoService
  const sha = crypto.sha256
  const ms = quick ? 150 : 1000
  const rng = new Prng(2026)
  const line = (op: string, kase: string, r: { ops: number; iterations: number }, baseline: string, b: { ops: number }) => {
    const l: QualityBenchLine = {
      bench: "quality",
      op,
      case: kase,
      opsPerSec: Math.round(r.ops * 10) / 10,
      microsPerOp: Math.round((1e6 / r.ops) * 100) / 100,
      baseline,
      baselineOpsPerSec: Math.round(b.ops * 10) / 10,
      ratioToBaseline: Number((r.ops / b.ops).toPrecision(3)),
      iterations: r.iterations,
    }
    emit(l)
  }

  // Committee draws: k = 16 seats over n stakers.
  for (const n of quick ? [100] : [10, 100, 1000]) {
    progress(`quality: committee draw, ${n} stakers`)
    const candidates: Candidate[] = Array.from({ length: n }, (_, i) => {
      const pubKey = sha(u64be(i))
      return { key: Buffer.from(pubKey).toString("hex"), pubKey, stake: rng.range(1, 1_000_000) }
    })
    const beacon = sha(u64be(1))
    let c = 0
    const r = measure(() => drawCommittee(sha, { beacon, claimId: sha(u64be(++c)), candidates, worker: candidates[0]!.key, seats: P.committeeSeats }), ms)
    const claimId = sha(u64be(7))
    const b = measure(() => {
      let x: Uint8Array = beacon
      for (let j = 0; j < P.committeeSeats; j++) x = sha(tagged(DOMAIN.committeeSeat, concatBytes(beacon, claimId, u64be(j))))
      return x
    }, ms)
    line("committee.draw", `n=${n} k=${P.committeeSeats}`, r, `${P.committeeSeats} x sha256(seat seed)`, b)
  }

  // Aggregation per claim: 16 seats over 10 evaluators, 3 dimensions.
  progress("quality: aggregation")
  const seats: WeightedScores[] = Array.from({ length: 10 }, (_, i) => ({
    evaluator: `e${i}`,
    weight: 1 + (i % 3),
    scores: { correctness: rng.range(0, 1e6), utility: rng.range(0, 1e6), novelty: rng.range(0, 1e6) },
  }))
  const floatMean = () => {
    let w = 0
    let a = 0
    let b = 0
    let c = 0
    for (const s of seats) {
      w += s.weight
      a += s.weight * s.scores.correctness
      b += s.weight * s.scores.utility
      c += s.weight * s.scores.novelty
    }
    return (a + b + c) / w
  }
  const base = measure(floatMean, ms)
  const tm = trimmedMeanAggregator(P.trimPpm)
  const yu = yumaAggregator(P.yumaKappaPpm)
  line("aggregate.trimmed-mean", "10 evaluators, 20 seats, 3 dims", measure(() => tm.aggregate(seats), ms), "float weighted mean", base)
  line("aggregate.yuma", "10 evaluators, 20 seats, 3 dims", measure(() => yu.aggregate(seats), ms), "float weighted mean", base)

  // SimHash fingerprint of an output, and the novelty check against windows.
  for (const size of quick ? [1024] : [1024, 4096, 16384]) {
    progress(`quality: simhash ${size} B`)
    const out = rng.bytes(size)
    line("novelty.simhash", `${size} B, K=${P.noveltyShingleBytes}`, measure(() => simhash64(sha, out, P), ms), "sha256(output)", measure(() => sha(out), ms))
  }
  const windows = quick ? [64, 1024] : [64, 1024, 16384]
  let w = emptyNoveltyWindow(Math.max(...windows))
  const fps = Array.from({ length: Math.max(...windows) }, () => (BigInt(rng.u32()) << 32n) | BigInt(rng.u32()))
  let smallest: { ops: number } | undefined
  for (const size of windows) {
    progress(`quality: novelty window ${size}`)
    w = emptyNoveltyWindow(size)
    for (const f of fps.slice(0, size)) w = admitFingerprint(w, f)
    const probe = (BigInt(rng.u32()) << 32n) | BigInt(rng.u32())
    const r = measure(() => noveltyOf(w, probe, P).ppm, ms)
    smallest ??= r
    line("novelty.window", `window=${size}`, r, `window=${windows[0]}`, smallest)
  }
  if (sink === 0.5) progress("unreachable")
}
