// spec: WORK-CR.1..8 (spec/06-work-claims.md; paper §6.3 front-running protection), in particular
//       WORK-CR.5 (earliest finalized commitment wins) and WORK-CR.6 (maturity after every earlier
//       commitment's window); CONS-BUILD.1, LEDGER-BLOCK.1 (block execution order), LE-WINDOW.1.
//
// Front-running: no ordering of messages lets a copier win someone else's claim.
//
// One honest worker H does a piece of work. Its commitment H(claim || H || salt) is gossiped at some
// block and included at an arbitrary later block and position among unrelated commitments. H reveals
// only once its own commitment is finalized under its own key (WORK-CR.8, as the node does), at an
// arbitrary later block; the reveal is included at an arbitrary later block again (a hostile proposer
// may delay it, even past H's window). One or two copiers see everything on the gossip layer as soon as
// it is sent: H's commitment value (they may squat it, i.e. register the same value under their own
// key, in an earlier block or earlier in the same block) and H's reveal (claim and salt). From the
// moment a copier has seen the reveal, it commits to the same work under its own key (own salt or H's)
// and reveals it, at arbitrary later blocks and positions, before or after H's reveal is included. The
// chain is built block by block with buildBlock (the proposer's code path: invalid items are left out).
//
// Properties, for every such schedule:
//   (0) H's commitment is registered under H in the block it is included in, whether or not a copier
//       squatted the value, even earlier in chain order: the registry is keyed by (worker, commitment
//       value) (WORK-CR.1), so a copy is a separate record and never a duplicate of H's;
//   (1) if H's reveal was included within H's reveal window, squatted or not, H's reveal is accepted,
//       H holds the work id from that block on, and H's claim is the one that matures (its Q goes to H,
//       never to a copier);
//   (2) a copier never holds the work id from the block H's reveal is included in onwards, and a
//       copier's claim on the work never matures, unless H's reveal missed its window;
//   (3) a squatted copy is never revealed and never becomes a claim (no one can open it: the value binds
//       H's key, and H's reveal opens H's own record).
//
// Runs (CI default): 300, seed fixed below; POAI_PROPERTY_RUNS / POAI_PROPERTY_SEED override.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toHex, utf8 } from "../src/codec/Bytes.ts"
import { Hashes, SigningBytes } from "../src/codec/Hashing.ts"
import { buildBlock } from "../src/core/BlockExecution.ts"
import { type ChainState, type Hex, genesisState } from "../src/core/ChainState.ts"
import type { Genesis } from "../src/core/Genesis.ts"
import { defaultParams } from "../src/core/Params.ts"
import type { WorkClaim, WorkCommitment, WorkReveal } from "../src/domain/Work.ts"
import { ctx, fakeBeacon, workClaim } from "../test/fixtures/core.ts"
import { propertyRuns, propertySeed } from "./config.ts"
import { type Key, namedKey } from "./support/Keys.ts"

const sha = ctx.crypto.sha256

const key = namedKey("frontrunning")
const HONEST = key("honest")
const COPIERS = [key("copier-0"), key("copier-1")]
const FILLERS = [key("filler-0"), key("filler-1"), key("filler-2")]
const PROPOSER = key("proposer")
const CHAIN = "poai-frontrun"
const CLAIM: WorkClaim = workClaim("contested-work", 77)
const WORK_ID = toHex(Hashes.workId(sha, CLAIM))
const salt = (label: string) => sha(utf8(`poai-properties/frontrunning/salt/${label}`))
const HONEST_SALT = salt("honest")

const commitment = (signer: Key, value: Uint8Array): WorkCommitment => {
  const unsigned = { chainId: CHAIN, worker: signer.pubKey, commitment: value }
  return { ...unsigned, signature: ctx.crypto.ed25519.sign(SigningBytes.workCommitment(unsigned), signer.secretKey) }
}
const reveal = (worker: Key, s: Uint8Array, claim: WorkClaim = CLAIM): WorkReveal => {
  const unsigned = { chainId: CHAIN, worker: worker.pubKey, claim, salt: s }
  return { ...unsigned, signature: ctx.crypto.ed25519.sign(SigningBytes.workReveal(unsigned), worker.secretKey) }
}
const valueOf = (worker: Key, s: Uint8Array, claim: WorkClaim = CLAIM) => Hashes.workCommitment(sha, claim, worker.pubKey, s)

/** What a copier does; every block number is relative to the moment it learned what it needs. */
interface CopierPlan {
  /** Register H's commitment value under the copier's key, `at` blocks after H gossiped it. */
  readonly squat: { readonly at: number; readonly priority: number } | null
  /** Commit to the work under its own key, `after` blocks after H's reveal was gossiped... */
  readonly commit: { readonly after: number; readonly priority: number; readonly useHonestSalt: boolean } | null
  /** ...and reveal it `after` blocks after its own commitment's block (≥ 1). */
  readonly reveal: { readonly after: number; readonly priority: number } | null
}

interface Schedule {
  readonly revealWindow: number
  /** Block at which H gossips its commitment, and the delay until a proposer includes it. */
  readonly honestCommitGossip: number
  readonly honestCommitDelay: number
  readonly honestCommitPriority: number
  /** Blocks after its commitment is finalized that H gossips its reveal, and the inclusion delay. */
  readonly honestRevealDelay: number
  readonly honestRevealInclusionDelay: number
  readonly honestRevealPriority: number
  readonly copiers: ReadonlyArray<CopierPlan>
  /** Unrelated commitments (block, priority), to vary the positions. */
  readonly fillers: ReadonlyArray<{ readonly block: number; readonly priority: number }>
}

const priority = fc.integer({ min: 0, max: 1000 })
const scheduleArb: fc.Arbitrary<Schedule> = fc.integer({ min: 1, max: 5 }).chain((W) =>
  fc.record({
    revealWindow: fc.constant(W),
    honestCommitGossip: fc.integer({ min: 1, max: 3 }),
    honestCommitDelay: fc.integer({ min: 0, max: 3 }),
    honestCommitPriority: priority,
    honestRevealDelay: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: W })),
    // Often the last block of H's window (a proposer delaying H's reveal as long as it may): that is
    // when a copier's earlier-included reveal holds the work for a while before H displaces it.
    honestRevealInclusionDelay: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: W + 1 }), fc.constant(Math.max(0, W - 1))),
    honestRevealPriority: priority,
    copiers: fc.array(
      fc.record({
        squat: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.record({ at: fc.integer({ min: 0, max: 4 }), priority }) }),
        commit: fc.option(fc.record({ after: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: W + 2 })), priority, useHonestSalt: fc.boolean() }), {
          nil: null,
          freq: 4,
        }),
        reveal: fc.option(fc.record({ after: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: W + 2 })), priority }), { nil: null, freq: 4 }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    fillers: fc.array(fc.record({ block: fc.integer({ min: 1, max: 8 }), priority }), { maxLength: 4 }),
  }),
)

interface Pending<T> {
  readonly item: T
  readonly priority: number
}

interface Outcome {
  /** Holder of the work id after each block (index = height). */
  readonly holders: ReadonlyArray<Hex | null>
  readonly final: ChainState
  readonly honestRegistered: boolean
  readonly honestRevealBlock: number | null
  readonly honestRevealIncluded: boolean
  readonly honestCommitBlock: number
  /** A copier's copy of H's value was registered... */
  readonly squatted: boolean
  /** ...earlier in chain order (height, index) than H's own registration (the old squatting case). */
  readonly squattedFirst: boolean
  /** A copy of H's value registered under a copier's key was ever marked revealed. */
  readonly squatRevealed: boolean
  readonly copierHeldBeforeHonest: boolean
}

/** Build the chain block by block; parties react to what is finalized (H) or gossiped (copiers). */
const run = (s: Schedule): Outcome => {
  const W = s.revealWindow
  const genesis: Genesis = {
    attestation: null,
    scoring: null,
    chainId: CHAIN,
    params: { ...defaultParams, revealWindow: W },
    validators: [{ pubKey: PROPOSER.pubKey, blsPubKey: new Uint8Array(48), stake: 1000 }],
    accounts: [],
  }
  let chain = genesisState(sha, genesis)
  const commits = new Map<number, Pending<WorkCommitment>[]>()
  const reveals = new Map<number, Pending<WorkReveal>[]>()
  const add = <T>(m: Map<number, Pending<T>[]>, block: number, p: Pending<T>) => m.set(block, [...(m.get(block) ?? []), p])

  const hValue = valueOf(HONEST, HONEST_SALT)
  const hCommitBlock = s.honestCommitGossip + s.honestCommitDelay
  add(commits, hCommitBlock, { item: commitment(HONEST, hValue), priority: s.honestCommitPriority })
  for (const f of s.fillers) add(commits, f.block, { item: commitment(FILLERS[f.block % FILLERS.length] as Key, sha(utf8(`filler/${f.block}/${f.priority}`))), priority: f.priority })
  // Copiers that squat react to the commitment gossip (they know only the opaque value).
  s.copiers.forEach((c, k) => {
    if (c.squat) add(commits, s.honestCommitGossip + c.squat.at, { item: commitment(COPIERS[k] as Key, hValue), priority: c.squat.priority })
  })

  const hHex = toHex(hValue)
  /** Records of H's value, found by their fields (worker, commitment), not by the registry's map keys. */
  const recordsOfValue = (st: ChainState) => [...st.commitments.values()].filter((r) => r.commitment === hHex)
  let honestRegistered = false
  let squatted = false
  let squattedFirst = false
  let squatRevealed = false
  let honestRevealBlock: number | null = null
  let honestRevealIncluded = false
  let copierHeldBeforeHonest = false
  const holders: Array<Hex | null> = [null]
  const lastBlock = hCommitBlock + 3 * W + 12
  for (let b = 1; b <= lastBlock; b++) {
    const order = <T>(xs: Pending<T>[] | undefined) => [...(xs ?? [])].sort((x, y) => x.priority - y.priority).map((x) => x.item)
    const { block, state } = buildBlock(
      ctx,
      chain,
      0,
      PROPOSER.pubKey,
      fakeBeacon(chain, PROPOSER.pubKey),
      { txs: [], evidence: [], audits: [], scoreCommits: [], scoreReveals: [], commitments: order(commits.get(b)), reveals: order(reveals.get(b)) },
      null,
    )
    chain = state
    if (honestRevealBlock === b) honestRevealIncluded = block.body.reveals.some((r) => toHex(r.worker) === HONEST.hex)
    const holder = chain.claims.get(WORK_ID)?.worker ?? null
    holders.push(holder)
    if (holder !== null && holder !== HONEST.hex && honestRevealBlock !== null && b < honestRevealBlock) copierHeldBeforeHonest = true
    const copies = recordsOfValue(chain).filter((r) => r.worker !== HONEST.hex)
    if (copies.length > 0) squatted = true
    if (copies.some((r) => r.revealed)) squatRevealed = true

    // WORK-CR.8: H reveals only once its own registration (H, value) is finalized.
    if (b === hCommitBlock) {
      const own = recordsOfValue(chain).find((r) => r.worker === HONEST.hex)
      honestRegistered = own !== undefined && own.height === b
      if (own !== undefined && copies.some((r) => r.height < own.height || (r.height === own.height && r.index < own.index))) squattedFirst = true
      if (honestRegistered) {
        // H sees its commitment finalized once block b is; its reveal can be in block b + 1 at the earliest.
        const gossipAt: number = b + 1 + s.honestRevealDelay
        const includeAt: number = gossipAt + s.honestRevealInclusionDelay
        honestRevealBlock = includeAt
        add(reveals, includeAt, { item: reveal(HONEST, HONEST_SALT), priority: s.honestRevealPriority })
        // Copiers see the reveal when it is gossiped and only then know the claim.
        s.copiers.forEach((c, k) => {
          const copier = COPIERS[k] as Key
          if (!c.commit) return
          const cSalt = c.commit.useHonestSalt ? HONEST_SALT : salt(`copier-${k}`)
          const cBlock = gossipAt + c.commit.after
          add(commits, cBlock, { item: commitment(copier, valueOf(copier, cSalt)), priority: c.commit.priority })
          if (c.reveal) add(reveals, cBlock + c.reveal.after, { item: reveal(copier, cSalt), priority: c.reveal.priority })
        })
      }
    }
  }
  return {
    holders,
    final: chain,
    honestRegistered,
    honestRevealBlock,
    honestRevealIncluded,
    honestCommitBlock: hCommitBlock,
    squatted,
    squattedFirst,
    squatRevealed,
    copierHeldBeforeHonest,
  }
}

describe("front-running: no message ordering lets a copier win someone else's claim (WORK-CR.5/6)", () => {
  it("the honest worker that revealed within its window holds and matures the work, squatted or not; copiers and squatters never do", () => {
    const stats = { runs: 0, honestInWindow: 0, honestLate: 0, squatted: 0, squattedFirst: 0, squattedInWindow: 0, squattedFirstInWindow: 0, copierDisplaced: 0 }
    const runs = propertyRuns(300)
    fc.assert(
      fc.property(scheduleArb, (s) => {
        const o = run(s)
        const W = s.revealWindow
        stats.runs++
        const claim = o.final.claims.get(WORK_ID)
        // (0) a squat never blocks H's own registration, so H always gets to reveal.
        expect(o.honestRegistered, "H's commitment is registered under H in its block").toBe(true)
        expect(o.honestRevealBlock).not.toBeNull()
        // (3) a squatted copy can never be opened: it is never revealed, and no claim ever holds H's value
        // under another worker.
        expect(o.squatRevealed, "a copy of H's value was revealed").toBe(false)
        for (const c of o.final.claims.values()) expect(c.worker === HONEST.hex || c.commitment !== toHex(valueOf(HONEST, HONEST_SALT))).toBe(true)
        if (o.squatted) stats.squatted++
        if (o.squattedFirst) stats.squattedFirst++
        const inWindow = o.honestRevealBlock !== null && o.honestRevealBlock - o.honestCommitBlock <= W
        if (!inWindow) {
          stats.honestLate++
          return
        }
        stats.honestInWindow++
        if (o.squatted) stats.squattedInWindow++
        if (o.squattedFirst) stats.squattedFirstInWindow++
        if (o.copierHeldBeforeHonest) stats.copierDisplaced++
        // (1) H's reveal is accepted, and H holds the work id from then on, and its claim matures.
        expect(o.honestRevealIncluded, "H's reveal within its window must be accepted").toBe(true)
        for (let b = o.honestRevealBlock as number; b < o.holders.length; b++) expect(o.holders[b], `holder after block ${b}`).toBe(HONEST.hex)
        expect(claim?.worker).toBe(HONEST.hex)
        expect(claim?.matured).toBe(true)
        // (2) no copier ever gets matured Q for it (copiers have no other work).
        for (const e of o.final.qWindow) for (const c of COPIERS) expect(e.perWorker.get(c.hex) ?? 0).toBe(0)
      }),
      { numRuns: runs, seed: propertySeed(20240306) },
    )
    process.stdout.write(`[frontrunning] ${JSON.stringify(stats)}\n`)
    // Not vacuous (checked at the CI size and above): every situation occurred, including a copier
    // holding the work before H's reveal displaced it, and H winning although a copy of its value was
    // registered before its own commitment.
    if (runs < 300) return
    expect(stats.honestInWindow).toBeGreaterThan(0)
    expect(stats.honestLate).toBeGreaterThan(0)
    expect(stats.squattedInWindow).toBeGreaterThan(0)
    expect(stats.squattedFirstInWindow).toBeGreaterThan(0)
    expect(stats.copierDisplaced).toBeGreaterThan(0)
  })
})
