// spec: QUAL-NOVELTY.6..9 (spec/17-quality-incentives.md; paper §5.1 "novelty"), QUAL-WIRE.4,
//       LEDGER-ROOT.1 / LEDGER-SNAPSHOT.1 (the novelty window is state).
//
// The chain computes n. Every claim carries the sketch of its output (QUAL-NOVELTY.6); when its reveal
// is applied in a block (buildBlock: the proposer's code path, the same executeBody that validation
// runs) on a chain that scores claims, n is taken against the window of the last `noveltyWindow`
// admitted sketches and the sketch is admitted (QUAL-NOVELTY.8).
//
// Property, for every schedule: an original output O revealed by worker X, and a duplicate of O
// revealed under another task id by X itself or by another worker, in either order, in the same block
// or blocks apart, with g unrelated claims revealed between the two (0 ≤ g ≤ 2·window), a few
// before, and a claim with an unrelated ("far") output after:
//   (1) the first of the two copies scores n > 0;
//   (2) the second scores n = 0 iff the first is still in the window (g < noveltyWindow), else n > 0;
//   (3) the far output and every unrelated claim score n > 0;
//   (4) the window in the state is the last noveltyWindow sketches in reveal order, and it survives a
//       snapshot round trip (LEDGER-SNAPSHOT.1..3) with the same state root.
// Unrelated outputs are SHA-256 based, so their sketches are ~32 bits apart: n > 0 fails for one only
// if it lands within D0 = 8 bits of another (probability ≈ 3·10^-10 per pair).
//
// Examples: the displacement regression (QUAL-NOVELTY.9 (b): the earlier commitment that displaces a
// copy of the same work is not scored as a copy of it), and Q at finalization uses the record's n
// (QUAL-WIRE.4).
//
// Runs (CI default): 100, seed fixed below; POAI_PROPERTY_RUNS / POAI_PROPERTY_SEED override.
import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { concatBytes, toHex, u64be, utf8 } from "../src/codec/Bytes.ts"
import { Hashes } from "../src/codec/Hashing.ts"
import { buildBlock } from "../src/core/BlockExecution.ts"
import { type ChainState, genesisState, stateRoot } from "../src/core/ChainState.ts"
import type { CoreContext } from "../src/core/Context.ts"
import { proposerFor } from "../src/core/LeaderElection.ts"
import { decodeSnapshot, encodeSnapshot } from "../src/core/Snapshot.ts"
import { PPM } from "../src/domain/Primitives.ts"
import type { WorkClaim, WorkReveal } from "../src/domain/Work.ts"
import type { Testnet } from "../src/drivers/Testnet.ts"
import { noveltySketch, sketchFingerprint } from "../src/quality/Novelty.ts"
import { quality } from "../src/quality/Quality.ts"
import { type QualityParams, defaultQualityParams } from "../src/quality/QualityParams.ts"
import { type Account, commitTo, ctx, emptyCandidates, fakeBeacon, keysOf, outsider, saltOf, sha, signReveal, testnet, workClaim } from "../test/fixtures/core.ts"
import { propertyRuns, propertySeed } from "./config.ts"

const net: Testnet = testnet({ nodes: 2, seed: 61, stakes: [100_000_000, 100_000_000], params: { auditPpm: 0, revealWindow: 40 } })
const scoringCtx = (p: QualityParams): CoreContext => ({ ...ctx, scoring: p })

/** One block on top of `s` with these commitments and reveals, in list order (buildBlock). */
const block = (c: CoreContext, s: ChainState, items: { commitments?: WorkCommitmentList; reveals?: ReadonlyArray<WorkReveal> }): ChainState => {
  const proposer = keysOf(net, proposerFor(sha, s, 0)!.key)
  return buildBlock(c, s, 0, proposer.pubKey, fakeBeacon(s, proposer.pubKey), { ...emptyCandidates, ...items }, null).state
}
type WorkCommitmentList = ReadonlyArray<ReturnType<typeof commitTo>>

/** A claim whose output is `output`: task `label`, output hash SHA-256(output), the sketch of `output`. */
const claimOf = (label: string, output: Uint8Array, p: QualityParams, computeUnits = 10): WorkClaim => ({
  ...workClaim(label, computeUnits),
  outputHash: sha(output),
  noveltySketch: noveltySketch(sha, output, p),
})

/** An unrelated output of `len` bytes: SHA-256 blocks of a label. */
const unrelated = (label: string, len = 96): Uint8Array => {
  const parts: Uint8Array[] = []
  for (let i = 0; i * 32 < len; i++) parts.push(sha(concatBytes(utf8(`poai-properties/novelty/${label}`), u64be(i))))
  return concatBytes(...parts).subarray(0, len)
}

interface Item {
  readonly name: string
  readonly worker: Account
  readonly claim: WorkClaim
  readonly salt: Uint8Array
  /** Revealed in the same block as the previous item. */
  readonly sameBlock: boolean
}

/** Commit every item in block 1, then reveal them in order; returns the final state. */
const runSchedule = (c: CoreContext, items: ReadonlyArray<Item>): ChainState => {
  let s = block(c, genesisState(sha, net.genesis), { commitments: items.map((x) => commitTo(x.worker, x.claim, x.salt)) })
  let pending: WorkReveal[] = []
  for (const [i, x] of items.entries()) {
    if (i > 0 && !x.sameBlock) {
      s = block(c, s, { reveals: pending })
      pending = []
    }
    pending.push(signReveal(x.worker, x.claim, x.salt))
  }
  return block(c, s, { reveals: pending })
}

const noveltyOfClaim = (s: ChainState, claim: WorkClaim): number => {
  const rec = s.claims.get(toHex(Hashes.workId(sha, claim)))
  if (rec === undefined) throw new Error("claim not recorded")
  return rec.noveltyPpm
}

const X = outsider("novelty-x")
const Y = outsider("novelty-y")
const FILLER_WORKERS = [outsider("novelty-f0"), outsider("novelty-f1")]

describe("the chain computes n through block application (QUAL-NOVELTY.8)", () => {
  it("a duplicate output scores n = 0 whoever reveals it, within the window; others score n > 0", () => {
    fc.assert(
      fc.property(
        fc.record({
          window: fc.integer({ min: 1, max: 6 }),
          output: fc.uint8Array({ minLength: 1, maxLength: 300 }),
          sameWorker: fc.boolean(),
          duplicateFirst: fc.boolean(),
          before: fc.integer({ min: 0, max: 3 }),
          between: fc.integer({ min: 0, max: 12 }),
          sameBlock: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
        }),
        (g) => {
          const between = Math.min(g.between, 2 * g.window)
          const p: QualityParams = { ...defaultQualityParams, noveltyWindow: g.window }
          const filler = (k: number): Omit<Item, "sameBlock"> => ({
            name: `filler-${k}`,
            worker: FILLER_WORKERS[k % 2] as Account,
            claim: claimOf(`novelty-filler-${k}`, unrelated(`filler-${k}`), p),
            salt: saltOf(`novelty-filler-${k}`),
          })
          const original = { name: "original", worker: X, claim: claimOf("novelty-original", g.output, p), salt: saltOf("novelty-original") }
          const duplicate = { name: "duplicate", worker: g.sameWorker ? X : Y, claim: claimOf("novelty-duplicate", g.output, p), salt: saltOf("novelty-duplicate") }
          const far = { name: "far", worker: Y, claim: claimOf("novelty-far", unrelated("far"), p), salt: saltOf("novelty-far") }
          const [first, second] = g.duplicateFirst ? [duplicate, original] : [original, duplicate]
          const seq = [
            ...Array.from({ length: g.before }, (_, k) => filler(k)),
            first,
            ...Array.from({ length: between }, (_, k) => filler(g.before + k)),
            second,
            far,
          ]
          const items: Item[] = seq.map((x, i) => ({ ...x, sameBlock: g.sameBlock[i % g.sameBlock.length] as boolean }))
          const s = runSchedule(scoringCtx(p), items)

          expect(noveltyOfClaim(s, first.claim), "(1) the first copy").toBeGreaterThan(0)
          const n2 = noveltyOfClaim(s, second.claim)
          if (between < g.window) expect(n2, "(2) the second copy, first still in the window").toBe(0)
          else expect(n2, "(2) the second copy, first evicted").toBeGreaterThan(0)
          for (const x of seq) if (x !== first && x !== second) expect(noveltyOfClaim(s, x.claim), `(3) ${x.name}`).toBeGreaterThan(0)

          const admitted = seq.map((x) => sketchFingerprint(x.claim.noveltySketch))
          expect(s.novelty.map(String), "(4) the window").toEqual(admitted.slice(Math.max(0, admitted.length - g.window)).map(String))
          const back = decodeSnapshot(encodeSnapshot(s))
          if (Either.isLeft(back)) throw back.left
          expect(back.right.novelty.map(String)).toEqual(s.novelty.map(String))
          expect(toHex(stateRoot(sha, back.right))).toBe(toHex(stateRoot(sha, s)))
        },
      ),
      { numRuns: propertyRuns(100), seed: propertySeed(1106) },
    )
  })

  it("without scoring parameters n = 10^6 for every claim and the window stays empty", () => {
    const p = defaultQualityParams
    const output = unrelated("no-scoring")
    const items: Item[] = [
      { name: "a", worker: X, claim: claimOf("novelty-ns-a", output, p), salt: saltOf("novelty-ns-a"), sameBlock: false },
      { name: "b", worker: Y, claim: claimOf("novelty-ns-b", output, p), salt: saltOf("novelty-ns-b"), sameBlock: false },
    ]
    const s = runSchedule(ctx, items)
    expect(items.map((x) => noveltyOfClaim(s, x.claim))).toEqual([PPM, PPM])
    expect(s.novelty).toEqual([])
  })
})

describe("displacement (QUAL-NOVELTY.9 (b), WORK-CR.5)", () => {
  it("regression: the earlier commitment that displaces a copy of the same work is not scored as a copy of it", () => {
    const p = defaultQualityParams
    const c = scoringCtx(p)
    const claim = claimOf("novelty-displaced", unrelated("displaced"), p)
    const fp = sketchFingerprint(claim.noveltySketch)
    // X commits in block 1, Y commits the same work in block 2 and reveals first (block 3); X's reveal
    // in block 4 displaces Y (earliest commitment wins).
    const s1 = block(c, genesisState(sha, net.genesis), { commitments: [commitTo(X, claim, saltOf("dx"))] })
    const s2 = block(c, s1, { commitments: [commitTo(Y, claim, saltOf("dy"))] })
    const s3 = block(c, s2, { reveals: [signReveal(Y, claim, saltOf("dy"))] })
    const workId = toHex(Hashes.workId(sha, claim))
    expect(s3.claims.get(workId)?.worker).toBe(toHex(Y.pubKey))
    expect(s3.claims.get(workId)?.noveltyPpm).toBe(PPM)
    expect(s3.novelty.map(String)).toEqual([String(fp)])
    const s4 = block(c, s3, { reveals: [signReveal(X, claim, saltOf("dx"))] })
    expect(s4.claims.get(workId)?.worker).toBe(toHex(X.pubKey))
    // Without the rule X would score n = 0 against Y's copy of its own output.
    expect(s4.claims.get(workId)?.noveltyPpm).toBe(PPM)
    expect(s4.novelty.map(String)).toEqual([String(fp)])
  })
})

describe("Q at finalization uses the record's n (QUAL-WIRE.4)", () => {
  it("an original and its duplicate, scored without quorum: Q differs by exactly the novelty term", () => {
    const p: QualityParams = { ...defaultQualityParams, committeeSeats: 4, minRevealedSeats: 1 }
    const c = scoringCtx(p)
    const output = unrelated("finalized")
    const a = claimOf("novelty-q-a", output, p, 1000)
    const b = claimOf("novelty-q-b", output, p, 1000)
    let s = block(c, genesisState(sha, net.genesis), { commitments: [commitTo(X, a, saltOf("qa")), commitTo(Y, b, saltOf("qb"))] })
    s = block(c, s, { reveals: [signReveal(X, a, saltOf("qa"))] })
    s = block(c, s, { reveals: [signReveal(Y, b, saltOf("qb"))] })
    const rec = (w: WorkClaim) => s.claims.get(toHex(Hashes.workId(sha, w)))
    for (let i = 0; i < 12 && !(rec(a)?.scoring === "scored" && rec(b)?.scoring === "scored"); i++) s = block(c, s, {})
    expect([rec(a)?.scoring, rec(b)?.scoring]).toEqual(["scored", "scored"])
    expect([rec(a)?.noveltyPpm, rec(b)?.noveltyPpm]).toEqual([PPM, 0])
    const qOf = (noveltyPpm: number) =>
      quality({ computeUnits: 1000, verification: { attestation: "absent", audit: "not-audited", canary: "not-run" }, noveltyPpm, evaluators: undefined }, p).q
    expect(rec(a)?.q).toBe(qOf(PPM))
    expect(rec(b)?.q).toBe(qOf(0))
    expect(qOf(PPM)).toBeGreaterThan(qOf(0))
  })
})
