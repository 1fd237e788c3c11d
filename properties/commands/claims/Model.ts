// spec: WORK-CR.1..7 (spec/06-work-claims.md; paper §3.2 eq. 1, §6.3), QUAL-SEAM.2, LE-WINDOW.1
// The model and the real system of the work-claim model-based test (properties/claims.model.test.ts),
// and what every command shares. One command per file next to this one.
//
// Real system: the chain state after the last sealed block (built with buildBlock, CONS-BUILD.1), a
// preview draft = that state with the current block's items applied through applyCommitment /
// applyReveal at height + 1 (the same functions, in the same order, block execution uses), and the
// items of the current block. Sealing builds the block from those items with buildBlock and checks it
// kept every one of them.
// Model: commitments keyed by (worker, commitment value) (WORK-CR.1: the registry key is worker ||
// commitment, so a copy of a value registered under another key is a separate record that blocks no one)
// with (worker, commitment, height, index, revealed), and claims (holder, commitment position, maturity)
// as plain maps, updated by the rules of WORK-CR.1..7 written out below, and `predictReveal`, the error
// (in the spec's order of checks) a reveal must get.
import fc from "fast-check"
import { expect } from "vitest"
import { toHex, utf8 } from "../../../src/codec/Bytes.ts"
import { Hashes, SigningBytes } from "../../../src/codec/Hashing.ts"
import { buildBlock } from "../../../src/core/BlockExecution.ts"
import { type ChainState, type DraftState, type Hex, cloneState, genesisState, stateRoot } from "../../../src/core/ChainState.ts"
import type { CoreContext } from "../../../src/core/Context.ts"
import type { ErrorCode } from "../../../src/core/Errors.ts"
import type { Genesis } from "../../../src/core/Genesis.ts"
import { defaultParams } from "../../../src/core/Params.ts"
import { applyReveal } from "../../../src/core/WorkClaims.ts"
import type { WorkClaim, WorkCommitment, WorkReveal } from "../../../src/domain/Work.ts"
import { ctx as fixtureCtx, fakeBeacon, workClaim } from "../../../test/fixtures/core.ts"

export const ctx: CoreContext = fixtureCtx
const sha = ctx.crypto.sha256
export const CHAIN_ID = "poai-claims-model"
/** revealWindow: small, so that expiry and maturity happen within a short command sequence. */
export const W = 3

export interface Key {
  readonly name: string
  readonly secretKey: Uint8Array
  readonly pubKey: Uint8Array
  readonly hex: Hex
}
export const key = (name: string): Key => {
  const secretKey = sha(utf8(`poai-properties/claims/${name}`))
  const pubKey = ctx.crypto.ed25519.publicKey(secretKey)
  return { name, secretKey, pubKey, hex: toHex(pubKey) }
}
export const WORKERS: ReadonlyArray<Key> = ["w0", "w1", "w2"].map(key)
export const PROPOSER: Key = key("proposer")
/** A small pool of pieces of work (so that several workers claim the same work) and salts. */
export const CLAIMS: ReadonlyArray<WorkClaim> = [workClaim("job-a", 10), workClaim("job-b", 1), workClaim("job-c", 1_000_000)]
export const SALTS: ReadonlyArray<Uint8Array> = ["s0", "s1"].map((s) => sha(utf8(`poai-properties/claims/salt/${s}`)))

export const pick = <T>(xs: ReadonlyArray<T>, i: number): T => xs[i % xs.length] as T

/** A commitment "intent": worker `owner` commits to CLAIMS[claim] with SALTS[salt]. */
export interface Intent {
  readonly owner: Key
  readonly claim: number
  readonly salt: number
}
export const commitmentOf = (i: Intent): Hex => toHex(Hashes.workCommitment(sha, pick(CLAIMS, i.claim), i.owner.pubKey, pick(SALTS, i.salt)))
/** WORK-CR.1: the registry key of a commitment, worker || commitment value (as hex), written out here. */
export const registryKey = (worker: Hex, commitment: Hex): Hex => worker + commitment
/** The registry key of `i` registered by `registrant` (default: the owner). */
export const keyOf = (i: Intent, registrant: Key = i.owner): Hex => registryKey(registrant.hex, commitmentOf(i))
export const keyByHex = (hex: Hex): Key => {
  const k = [...WORKERS, PROPOSER].find((w) => w.hex === hex)
  if (k === undefined) throw new Error(`model: unknown key ${hex}`)
  return k
}
export const workIdOf = (claim: number): Hex => toHex(Hashes.workId(sha, pick(CLAIMS, claim)))
export const describeIntent = (i: Intent) => `${i.owner.name}/job-${"abc"[i.claim % CLAIMS.length]}/s${i.salt % SALTS.length}`

export const signCommitment = (signer: Key, commitmentHex: Hex, chainId = CHAIN_ID): WorkCommitment => {
  const unsigned = { chainId, worker: signer.pubKey, commitment: new Uint8Array(Buffer.from(commitmentHex, "hex")) }
  return { ...unsigned, signature: ctx.crypto.ed25519.sign(SigningBytes.workCommitment(unsigned), signer.secretKey) }
}

/** The reveal of `i`, naming `worker` (default: the owner) and signed by `signer` (default: the named worker). */
export const signReveal = (i: Intent, opts: { worker?: Key; signer?: Key } = {}): WorkReveal => {
  const worker = opts.worker ?? i.owner
  const unsigned = { chainId: CHAIN_ID, worker: worker.pubKey, claim: pick(CLAIMS, i.claim), salt: pick(SALTS, i.salt) }
  return { ...unsigned, signature: ctx.crypto.ed25519.sign(SigningBytes.workReveal(unsigned), (opts.signer ?? worker).secretKey) }
}

// ---------------------------------------------------------------------------------------------
// Model

export interface ModelCommitment {
  worker: Hex
  commitment: Hex
  height: number
  index: number
  revealed: boolean
}
export interface ModelClaim {
  worker: Hex
  commitment: Hex
  commitHeight: number
  commitIndex: number
  revealHeight: number
  maturesAt: number
  q: number
  matured: boolean
  /** VER-AUDIT.10 (auditPpm = 0 here: every claim is skipped in the block after its reveal). */
  outputHash: Hex
  audit: "undecided" | "skipped"
  auditor: Hex
  auditDue: number
  computeUnits: number
  scoring: "none"
  consensus: null
  /** QUAL-NOVELTY.8: the claim's sketch; n = 10^6 on this chain without scoring parameters. */
  noveltySketch: Hex
  noveltyPpm: number
}

export interface ClaimsModel {
  /** Height of the last sealed block; the current block is height + 1. */
  height: number
  readonly commitments: Map<Hex, ModelCommitment>
  readonly claims: Map<Hex, ModelClaim>
  /** Commitments in the current block so far. */
  pendingCommitments: number
  maturedTotal: number
  /** Every intent ever registered, by whom (its owner, or a squatter) and the height it was registered at. */
  readonly intents: Array<Registration>
  readonly stats: Record<string, number>
}

export type Registration = Intent & { readonly registrant: Key; readonly registeredAt: number }

export interface ClaimsReal {
  chain: ChainState
  preview: DraftState
  pending: { commitments: WorkCommitment[]; reveals: WorkReveal[] }
}

export const setup = (): { model: ClaimsModel; real: ClaimsReal } => {
  const genesis: Genesis = {
    attestation: null,
    scoring: null,
    chainId: CHAIN_ID,
    params: { ...defaultParams, revealWindow: W, auditPpm: 0 },
    validators: [{ pubKey: PROPOSER.pubKey, blsPubKey: new Uint8Array(48), stake: 1000 }],
    accounts: WORKERS.map((w) => ({ pubKey: w.pubKey, balance: 10 })),
  }
  const chain = genesisState(sha, genesis)
  return {
    model: { height: 0, commitments: new Map(), claims: new Map(), pendingCommitments: 0, maturedTotal: 0, intents: [], stats: {} },
    real: { chain, preview: cloneState(chain), pending: { commitments: [], reveals: [] } },
  }
}

export const count = (m: ClaimsModel, what: string) => {
  m.stats[what] = (m.stats[what] ?? 0) + 1
}

const earlier = (h1: number, i1: number, h2: number, i2: number) => h1 < h2 || (h1 === h2 && i1 < i2)

/**
 * WORK-CR.2..6, in the spec's order of checks: the outcome of the reveal of intent `i`'s claim and salt
 * by `revealer` (naming itself as worker) in the current block. The reveal opens H(claim || revealer ||
 * salt), looked up under the revealer's own key: a record of the same value under another key (a
 * squatted copy) is never found, so a reveal whose (worker, commitment) is not registered is
 * WORK_NOT_COMMITTED.
 */
export const predictReveal = (m: ClaimsModel, i: Intent, revealer: Key = i.owner): ErrorCode | "accepted" => {
  const h = m.height + 1
  const rec = m.commitments.get(keyOf({ ...i, owner: revealer }))
  if (rec === undefined || rec.height >= h) return "WORK_NOT_COMMITTED"
  if (h - rec.height > W) return "WORK_REVEAL_EXPIRED"
  if (rec.revealed) return "WORK_ALREADY_REVEALED"
  const holder = m.claims.get(workIdOf(i.claim))
  if (holder !== undefined && (holder.matured || !earlier(rec.height, rec.index, holder.commitHeight, holder.commitIndex)))
    return "WORK_ALREADY_CLAIMED"
  return "accepted"
}

/** WORK-CR.1: the model's effect of an accepted commitment to `i`'s value signed by `registrant`. */
export const modelCommit = (m: ClaimsModel, i: Intent, registrant: Key): void => {
  m.commitments.set(keyOf(i, registrant), { worker: registrant.hex, commitment: commitmentOf(i), height: m.height + 1, index: m.pendingCommitments, revealed: false })
  m.pendingCommitments += 1
  m.intents.push({ owner: i.owner, claim: i.claim, salt: i.salt, registrant, registeredAt: m.height + 1 })
}

/** WORK-CR.4..6: the model's effect of an accepted reveal (may displace a later holder). */
export const modelReveal = (m: ClaimsModel, i: Intent): void => {
  const h = m.height + 1
  const cm = commitmentOf(i)
  const rec = m.commitments.get(keyOf(i)) as ModelCommitment
  rec.revealed = true
  const id = workIdOf(i.claim)
  if (m.claims.has(id)) count(m, "displacements")
  m.claims.set(id, {
    worker: i.owner.hex,
    commitment: cm,
    commitHeight: rec.height,
    commitIndex: rec.index,
    revealHeight: h,
    maturesAt: Math.max(h, rec.height + W + 1),
    q: pick(CLAIMS, i.claim).task.computeUnits, // QUAL-SEAM.2: Q(W) = v(t)
    matured: false,
    outputHash: toHex(pick(CLAIMS, i.claim).outputHash),
    audit: "undecided",
    auditor: "",
    auditDue: 0,
    computeUnits: pick(CLAIMS, i.claim).task.computeUnits,
    scoring: "none",
    consensus: null,
    // QUAL-NOVELTY.8: a chain without scoring parameters: n = 10^6, the window stays empty
    noveltySketch: toHex(pick(CLAIMS, i.claim).noveltySketch),
    noveltyPpm: 1_000_000,
  })
}

/** WORK-CR.7 at the end of block `height`: mature due claims, prune commitments past the window. */
export const modelSeal = (m: ClaimsModel): Map<Hex, number> => {
  m.height += 1
  m.pendingCommitments = 0
  const matured = new Map<Hex, number>()
  // VER-AUDIT.2: claims revealed in an earlier block are decided (never selected at auditPpm = 0)
  for (const c of m.claims.values()) if (c.audit === "undecided" && c.revealHeight < m.height) c.audit = "skipped"
  for (const c of m.claims.values()) {
    // VER-AUDIT.10: only settled claims mature
    if (!c.matured && c.audit === "skipped" && c.maturesAt <= m.height) {
      c.matured = true
      matured.set(c.worker, (matured.get(c.worker) ?? 0) + c.q)
      m.maturedTotal += 1
      count(m, "matured")
    }
  }
  for (const [k, c] of m.commitments) if (m.height - c.height > W) m.commitments.delete(k)
  return matured
}

// ---------------------------------------------------------------------------------------------
// Comparison

const sorted = <V>(mp: ReadonlyMap<Hex, V>) => [...mp.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))

export const expectStateMatches = (m: ClaimsModel, s: ChainState | DraftState, what: string): void => {
  expect(sorted(s.commitments).map(([k, c]) => [k, { ...c }]), `${what}: commitments`).toEqual(sorted(m.commitments).map(([k, c]) => [k, { ...c }]))
  expect(sorted(s.claims).map(([k, c]) => [k, { ...c }]), `${what}: claims`).toEqual(sorted(m.claims).map(([k, c]) => [k, { ...c }]))
  expect(s.totals.maturedClaims, `${what}: matured claims`).toBe(m.maturedTotal)
}

export const expectMatchesModel = (m: ClaimsModel, r: ClaimsReal): void => {
  expect(r.chain.height).toBe(m.height)
  expectStateMatches(m, r.preview, "preview")
}

const snapshot = (d: DraftState) => ({
  root: toHex(stateRoot(sha, d)),
  commitments: sorted(d.commitments),
  claims: sorted(d.claims),
})

/** An invalid twin: `apply` rejects with `code` and leaves the current block's state as it was. */
export const expectRejected = (r: ClaimsReal, apply: (d: DraftState) => { code: ErrorCode } | undefined, code: ErrorCode): void => {
  const before = snapshot(r.preview)
  expect(apply(r.preview)?.code ?? "accepted").toBe(code)
  expect(snapshot(r.preview)).toEqual(before)
}

/** CONS-BUILD.1 on the current items, then `extra` empty blocks; checks every item was kept. */
export const seal = (m: ClaimsModel, r: ClaimsReal, extra: number): void => {
  for (let k = 0; k <= extra; k++) {
    const items = k === 0 ? r.pending : { commitments: [], reveals: [] }
    const { block, state } = buildBlock(
      ctx,
      r.chain,
      0,
      PROPOSER.pubKey,
      fakeBeacon(r.chain, PROPOSER.pubKey),
      { txs: [], evidence: [], audits: [], scoreCommits: [], scoreReveals: [], commitments: items.commitments, reveals: items.reveals },
      null,
    )
    expect(block.body.commitments.length, "buildBlock kept every valid commitment").toBe(items.commitments.length)
    expect(block.body.reveals.length, "buildBlock kept every valid reveal").toBe(items.reveals.length)
    const matured = modelSeal(m)
    expectStateMatches(m, state, `after block ${state.height}`)
    // LE-WINDOW.1: the block's matured Q per worker enters the leader-election window.
    const last = state.qWindow[state.qWindow.length - 1]
    expect(last?.height).toBe(state.height)
    expect(sorted(last?.perWorker ?? new Map())).toEqual(sorted(matured))
    r.chain = state
  }
  r.preview = cloneState(r.chain)
  r.pending = { commitments: [], reveals: [] }
}

// ---------------------------------------------------------------------------------------------
// Invalid reveals: each command file names its scenario (the cases it draws from) and the code.

export interface RevealCase {
  readonly intent: Intent
  /** The key named as worker in the reveal (default: the intent's owner). */
  readonly worker?: Key
  /** The key that signs the reveal (default: the named worker). */
  readonly signer?: Key
  readonly code: ErrorCode
}

/** An invalid twin of Reveal: applyReveal rejects with the case's code and changes nothing. */
export abstract class InvalidReveal implements fc.Command<ClaimsModel, ClaimsReal> {
  abstract readonly name: string
  constructor(readonly which: number) {}
  protected abstract cases(m: ClaimsModel): RevealCase[]
  check(m: Readonly<ClaimsModel>): boolean {
    return this.cases(m as ClaimsModel).length > 0
  }
  run(m: ClaimsModel, r: ClaimsReal): void {
    const cs = this.cases(m)
    const c = cs[this.which % cs.length] as RevealCase
    const rv = signReveal(c.intent, { ...(c.worker ? { worker: c.worker } : {}), ...(c.signer ? { signer: c.signer } : {}) })
    expectRejected(r, (d) => applyReveal(ctx, d, rv, m.height + 1), c.code)
    count(m, this.name)
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `${this.name}(#${this.which})`
  }
}
