// Shared harness of the network properties (safety, liveness): schedule arbitraries, the partition /
// GST link filter, and an observer on the simulator's onStep hook that re-checks every commit of every
// honest node (Agreement, Validity) and records entry and commit times per height.
//
// Crypto: nodeCryptoService (node:crypto Ed25519 + noble BLS) behind the memoising wrapper of
// test/fixtures/core.ts. Every primitive is a pure function, so memoising changes no result, only wall
// time: BLS signing and verification (~0.1-0.3 s each on a small CI machine) are paid once per distinct
// (key, message), which is why the schedule arbitraries draw the simulator seed (it also derives the
// validator keys) from a small pool most of the time.
import fc from "fast-check"
import { Either } from "effect"
import { fromHex, toHex } from "../../src/codec/Bytes.ts"
import { Hashes } from "../../src/codec/Hashing.ts"
import { validateBlock } from "../../src/core/BlockExecution.ts"
import { type ChainState, type Hex, genesisState, stateRoot } from "../../src/core/ChainState.ts"
import { type CoreContext, provisionalQuality } from "../../src/core/Context.ts"
import type { NodeOutput } from "../../src/core/Node.ts"
import { powerTable, verifyCertificate } from "../../src/core/Votes.ts"
import type { StrategyChoice } from "../../src/drivers/Byzantine.ts"
import { type SimConfig, type SimSummary, byzantineIndices, simChain, simulate } from "../../src/drivers/InProcessNetwork.ts"
import { Prng } from "../../src/drivers/Prng.ts"
import { makeTestnet } from "../../src/drivers/Testnet.ts"
import { testCrypto } from "../../test/fixtures/core.ts"
import { blockItemViolations } from "./BlockModel.ts"

export const crypto = testCrypto
export const ctx: CoreContext = { crypto, quality: provisionalQuality }

/** Simulator seed (also derives the validator keys): mostly a small pool (memoised BLS), sometimes any. */
export const simSeedArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 8 }) },
  { weight: 1, arbitrary: fc.integer({ min: 9, max: 0x7fffffff }) },
)

/** Nodes whose voting power is Byzantine: the last f (InProcessNetwork.byzantineIndices). */
export const byzantinePower = (stakes: ReadonlyArray<number>, f: number): { byz: number; total: number } => {
  const total = stakes.reduce((a, x) => a + x, 0)
  const byz = stakes.slice(stakes.length - f).reduce((a, x) => a + x, 0)
  return { byz, total }
}

/** A partition: nodes in `mask` on one side, the rest on the other, from t1 until t2 (then it heals). */
export interface Partition {
  readonly mask: number
  readonly t1: number
  readonly t2: number
}

export const partitionArb = (n: number, maxStart: number, maxLength: number): fc.Arbitrary<Partition> =>
  fc
    .record({
      mask: fc.integer({ min: 1, max: 2 ** n - 2 }),
      t1: fc.integer({ min: 0, max: maxStart }),
      len: fc.integer({ min: 1, max: maxLength }),
    })
    .map(({ mask, t1, len }) => ({ mask, t1, t2: t1 + len }))

const side = (mask: number, i: number) => (mask >>> i) & 1

/** True while the partition separates `from` and `to`. */
export const cut = (p: Partition | null, t: number, from: number, to: number): boolean =>
  p !== null && t >= p.t1 && t < p.t2 && side(p.mask, from) !== side(p.mask, to)

// ---------------------------------------------------------------------------------------------
// Observed runs

export interface CommitRecord {
  readonly t: number
  readonly hash: Hex
  readonly round: number
}

export interface Observed {
  readonly summary: SimSummary
  readonly honest: ReadonlyArray<number>
  readonly honestKeys: ReadonlySet<Hex>
  /** Agreement / Validity violations found by the observer (empty = none). */
  readonly violations: ReadonlyArray<string>
  /** entries[i].get(h): virtual time at which honest node i entered height h (h = 1 at start). */
  readonly entries: ReadonlyArray<Map<number, number>>
  /** commits[i].get(h): the commit of height h by honest node i. */
  readonly commits: ReadonlyArray<Map<number, CommitRecord>>
  /** The chain state after height h (h = 0: genesis), as the first honest committer computed it. */
  readonly chains: ReadonlyMap<number, ChainState>
  /** Reveals and transfers carried by committed blocks (to show the Validity check had work to do). */
  readonly items: { reveals: number; txs: number; commitments: number; evidence: number }
}

type Commit = Extract<NodeOutput, { type: "commit" }>

/**
 * Run the simulator with an observer that checks, for every commit output of every honest node:
 * Agreement (CONS-SAFETY.1): the same block hash as every other honest commit at that height;
 * Validity (CONS-SAFETY.2): validateBlock (CONS-VALID.1) against the node's own parent state succeeds and
 * yields the state root the node reports; the commit certificate carries > 2/3 of the parent state's power
 * (CONS-COMMIT.2); and the reference model (BlockModel.ts) accepts every item the block carries.
 */
export const observe = (cfg: SimConfig, opts: { readonly validity: boolean } = { validity: true }): Observed => {
  // opts.validity = false: the same re-validation runs (it also tracks each node's chain state per
  // height, used by the liveness bound), but its findings are not reported.
  const n = cfg.nodes
  const byz = new Set(byzantineIndices(n, cfg.byzantine))
  const honest = Array.from({ length: n }, (_, i) => i).filter((i) => !byz.has(i))
  // the same consensus context and genesis as the simulator (attestation, quality parameters, stakes)
  const { ctx, net } = simChain(crypto, cfg)
  const honestKeys = new Set(honest.map((i) => (net.keys[i] as { pubHex: Hex }).pubHex))
  const genesis = genesisState(ctx.crypto.sha256, net.genesis)
  const chainOf: ChainState[] = Array.from({ length: n }, () => genesis)
  const entries = Array.from({ length: n }, () => new Map<number, number>([[1, 0]]))
  const commits = Array.from({ length: n }, () => new Map<number, CommitRecord>())
  const chains = new Map<number, ChainState>([[0, genesis]])
  const first = new Map<number, Hex>()
  const violations: string[] = []
  const items = { reveals: 0, txs: 0, commitments: 0, evidence: 0 }
  // Validation is deterministic: one result per (parent chain, block), one per certificate.
  const validated = new Map<string, { next: ChainState | undefined; problems: string[] }>()
  const certified = new Map<string, string | undefined>()

  const check = (node: number, prev: ChainState, o: Commit): ChainState | undefined => {
    const key = `${toHex(prev.lastBlockHash)}/${o.blockHash}`
    let res = validated.get(key)
    if (res === undefined) {
      const problems: string[] = []
      let next: ChainState | undefined
      if (o.height !== prev.height + 1) problems.push(`commit of height ${o.height} on parent height ${prev.height}`)
      if (toHex(Hashes.blockHash(ctx.crypto.sha256, o.block.header)) !== o.blockHash) problems.push("blockHash is not the header hash")
      const v = validateBlock(ctx, prev, o.block)
      if (Either.isLeft(v)) problems.push(`validateBlock rejects the committed block: ${v.left.message}`)
      else {
        next = v.right
        if (toHex(stateRoot(ctx.crypto.sha256, next)) !== o.stateRoot) problems.push("state root differs from the re-validated one")
      }
      problems.push(...blockItemViolations(ctx, prev, o.block))
      res = { next, problems }
      validated.set(key, res)
      items.reveals += o.block.body.reveals.length
      items.txs += o.block.body.txs.length
      items.commitments += o.block.body.commitments.length
      items.evidence += o.block.body.evidence.length
    }
    const certKey = `${key}/${toHex(Hashes.commitCert(ctx.crypto.sha256, o.cert))}`
    if (!certified.has(certKey)) {
      const e = verifyCertificate(ctx.crypto, prev.chainId, powerTable(prev), o.cert, { height: o.height, blockHash: fromHex(o.blockHash) })
      certified.set(certKey, e?.message)
    }
    const certErr = certified.get(certKey)
    const problems = certErr === undefined ? res.problems : [...res.problems, `commit certificate: ${certErr}`]
    if (opts.validity) for (const p of problems) violations.push(`Validity: node ${node} height ${o.height}: ${p}`)
    return res.next
  }

  const summary = simulate(crypto, {
    ...cfg,
    onStep: (e) => {
      cfg.onStep?.(e)
      if (byz.has(e.node)) return
      const i = e.node
      for (const o of e.outputs) {
        if (o.type !== "commit") continue
        commits[i]?.set(o.height, { t: e.t, hash: o.blockHash, round: o.cert.round })
        entries[i]?.set(o.height + 1, e.t)
        const f = first.get(o.height)
        if (f === undefined) first.set(o.height, o.blockHash)
        else if (f !== o.blockHash)
          violations.push(`Agreement: node ${i} commits ${o.blockHash.slice(0, 12)} at height ${o.height}, another honest node ${f.slice(0, 12)}`)
        // The node's chain after this commit, re-computed (several commits can happen in one step).
        const next = check(i, chainOf[i] as ChainState, o)
        chainOf[i] = next ?? e.state.chain
        if (!chains.has(o.height)) chains.set(o.height, chainOf[i] as ChainState)
      }
      if (e.outputs.some((o) => o.type === "commit")) {
        const mine = chainOf[i] as ChainState
        if (opts.validity && (toHex(mine.lastBlockHash) !== toHex(e.state.chain.lastBlockHash) || mine.height !== e.state.chain.height))
          violations.push(`Validity: node ${i} chain after its commits is not the re-validated chain`)
        chainOf[i] = e.state.chain
      }
    },
  })
  if (!summary.agreement && !violations.some((v) => v.startsWith("Agreement")))
    violations.push(`Agreement: simulator reports disagreement at height ${summary.disagreementHeight}`)
  return { summary, honest, honestKeys, violations, entries, commits, chains, items }
}

/** A deterministic pseudo-random link loss for `link` filters (the simulator's own drops use its seed). */
export const lossy = (seed: number, rate: number): (() => boolean) => {
  const rng = new Prng(seed)
  return () => rate > 0 && rng.next() < rate
}

/**
 * fast-check runs a synchronous property back to back; a long run would starve the test runner's worker
 * RPC (vitest reports "Timeout calling onTaskUpdate"). Async properties await this before each run.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Per-test timeout for a property of `runs` runs costing up to `msPerRun` each: vitest's default (120 s,
 * vitest.config.ts) would cut `npm run properties -- --runs 200` short.
 */
export const testTimeoutMs = (runs: number, msPerRun: number): number => Math.max(120_000, 60_000 + runs * msPerRun)

export type { StrategyChoice }
