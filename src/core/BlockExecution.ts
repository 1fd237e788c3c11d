// spec: CONS-VALID.1..3 (spec/03-consensus.md), LEDGER-BLOCK.1..2 (spec/05-ledger.md)
// One code path both validates a proposed block and builds one: `executeBody` in "validate" mode
// rejects the block on the first invalid item, in "build" mode it leaves invalid items out.
import { Either } from "effect"
import { toHex } from "../codec/Bytes.ts"
import { Hashes, SigningBytes } from "../codec/Hashing.ts"
import type { CryptoService } from "../crypto/Crypto.ts"
import type { BeaconEntry } from "../domain/Beacon.ts"
import { type Block, type BlockBody, type BlockHeader, MAX_BLOCK_SCORE_ITEMS } from "../domain/Block.ts"
import type { CommitCertificate, Evidence } from "../domain/Consensus.ts"
import type { Transfer } from "../domain/Transaction.ts"
import type { AuditReport, WorkCommitment, WorkReveal } from "../domain/Work.ts"
import type { ScoreCommitment, ScoreReveal } from "../domain/Scoring.ts"
import { applyAuditReport, decideAudits, expireAudits } from "./Audits.ts"
import { type ChainState, type DraftState, cloneState, stateRoot } from "./ChainState.ts"
import type { CoreContext } from "./Context.ts"
import { type ProtocolError, reject } from "./Errors.ts"
import { applyEvidence } from "./Evidence.ts"
import { applyTransfer, distributeReward } from "./Ledger.ts"
import { proposerFor } from "./LeaderElection.ts"
import { applyScoreCommitItem, applyScoreRevealItem, finalizeRounds, openRounds, payBlockReward } from "./QualityRounds.ts"
import { powerTable, verifyCertificate } from "./Votes.ts"
import { applyCommitment, applyReveal, matureClaims } from "./WorkClaims.ts"

export interface Candidates {
  readonly txs: ReadonlyArray<Transfer>
  readonly commitments: ReadonlyArray<WorkCommitment>
  readonly reveals: ReadonlyArray<WorkReveal>
  readonly evidence: ReadonlyArray<Evidence>
  readonly audits: ReadonlyArray<AuditReport>
  readonly scoreCommits: ReadonlyArray<ScoreCommitment>
  readonly scoreReveals: ReadonlyArray<ScoreReveal>
}

type Mode = "validate" | "build"

/**
 * Apply body items to a draft at `height` with `proposer` receiving fees and reward dust. Order:
 * evidence, transfers, commitments, reveals, audit reports, then audit selection (with this block's
 * beacon value), missed audits, maturing and rewards (LEDGER-BLOCK.1, VER-AUDIT.10).
 */
const executeBody = (
  ctx: CoreContext,
  s: ChainState,
  height: number,
  proposer: string,
  items: Candidates,
  mode: Mode,
  beaconValue: Uint8Array,
  lastCommit: CommitCertificate | null,
): Either.Either<{ draft: DraftState; included: Candidates }, ProtocolError> => {
  const d = cloneState(s)
  d.lastPower = powerTable(s).power
  const p = s.params
  const keep = <T>(
    list: ReadonlyArray<T>,
    max: number,
    code: "BLOCK_BAD_TX" | "BLOCK_BAD_WORK" | "BLOCK_BAD_EVIDENCE" | "BLOCK_BAD_AUDIT" | "BLOCK_BAD_SCORE",
    apply: (x: T, i: number) => ProtocolError | undefined,
  ): Either.Either<Array<T>, ProtocolError> => {
    if (mode === "validate" && list.length > max) return Either.left(reject("BLOCK_TOO_LARGE", `${list.length} > ${max}`))
    const out: Array<T> = []
    for (const x of list) {
      if (out.length >= max) break
      const e = apply(x, out.length)
      if (e === undefined) out.push(x)
      else if (mode === "validate") return Either.left(reject(code, e.message))
    }
    return Either.right(out)
  }
  const evidence = keep(items.evidence, p.maxEvidencePerBlock, "BLOCK_BAD_EVIDENCE", (e) => applyEvidence(ctx.crypto, d, e, height))
  if (Either.isLeft(evidence)) return Either.left(evidence.left)
  const txs = keep(items.txs, p.maxTxsPerBlock, "BLOCK_BAD_TX", (tx) => {
    const r = applyTransfer(ctx, d, tx, proposer)
    return Either.isLeft(r) ? r.left : undefined
  })
  if (Either.isLeft(txs)) return Either.left(txs.left)
  const commitments = keep(items.commitments, p.maxCommitmentsPerBlock, "BLOCK_BAD_WORK", (c, i) =>
    applyCommitment(ctx, d, c, height, i),
  )
  if (Either.isLeft(commitments)) return Either.left(commitments.left)
  const reveals = keep(items.reveals, p.maxRevealsPerBlock, "BLOCK_BAD_WORK", (r) => applyReveal(ctx, d, r, height))
  if (Either.isLeft(reveals)) return Either.left(reveals.left)
  const audits = keep(items.audits, p.maxAuditsPerBlock, "BLOCK_BAD_AUDIT", (a) => {
    const r = applyAuditReport(ctx.crypto, d, a, height)
    return typeof r === "string" ? undefined : r
  })
  if (Either.isLeft(audits)) return Either.left(audits.left)
  const sp = ctx.scoring
  const scoreCommits = keep(sp ? items.scoreCommits : [], MAX_BLOCK_SCORE_ITEMS, "BLOCK_BAD_SCORE", (c) => applyScoreCommitItem(ctx.crypto, d, c, height))
  if (Either.isLeft(scoreCommits)) return Either.left(scoreCommits.left)
  const scoreReveals = keep(sp ? items.scoreReveals : [], MAX_BLOCK_SCORE_ITEMS, "BLOCK_BAD_SCORE", (r) => applyScoreRevealItem(ctx.crypto, d, r, height))
  if (Either.isLeft(scoreReveals)) return Either.left(scoreReveals.left)
  if (!sp && mode === "validate" && (items.scoreCommits.length > 0 || items.scoreReveals.length > 0))
    return Either.left(reject("BLOCK_BAD_SCORE", "this chain scores no claims"))
  decideAudits(ctx.crypto.sha256, d, beaconValue, height)
  if (sp) openRounds(ctx.crypto.sha256, sp, d, beaconValue, height, ctx.attestation !== undefined)
  expireAudits(d, height)
  const credits = sp ? finalizeRounds(sp, d, height, ctx.attestation !== undefined) : new Map<string, bigint>()
  const matured = matureClaims(d, height)
  d.qWindow.push({ height, perWorker: matured })
  while (d.qWindow.length > p.qWindow) d.qWindow.shift()
  if (sp) payBlockReward(sp, d, matured, credits, lastCommit?.signatures.map((x) => toHex(x.validator)), proposer)
  else distributeReward(d, matured, proposer)
  for (const k of d.punished) {
    const h = Number(k.split("|")[1])
    if (height - h > p.evidenceMaxAge) d.punished.delete(k)
  }
  d.height = height
  return Either.right({
    draft: d,
    included: {
      evidence: evidence.right,
      txs: txs.right,
      commitments: commitments.right,
      reveals: reveals.right,
      audits: audits.right,
      scoreCommits: scoreCommits.right,
      scoreReveals: scoreReveals.right,
    },
  })
}

const freeze = (d: DraftState): ChainState => d

/** The beacon entry a proposer signs for height h (LE-BEACON.1). */
export const makeBeacon = (ctx: CoreContext, s: ChainState, signer: Uint8Array, blsSk: Uint8Array): BeaconEntry => {
  const input = { chainId: s.chainId, height: s.height + 1, prev: s.beacon }
  return { ...input, signer, signature: ctx.crypto.bls.sign(SigningBytes.beacon(input), blsSk) }
}

/**
 * LE-BEACON.1, CONS-VALID.1 check 5: the beacon entry of the block at `height` on chain `chainId` whose
 * last beacon is `prev`, proposed by `proposer` (hex public key) with genesis BLS key `blsPubKey`
 * (undefined: not a validator). Valid iff the entry names this chain, height, previous beacon and
 * proposer and its BLS signature over the BeaconInput verifies; else BLOCK_BAD_BEACON.
 */
export const checkBeacon = (
  crypto: CryptoService,
  b: BeaconEntry,
  expect: { readonly chainId: string; readonly height: number; readonly prev: Uint8Array; readonly proposer: string; readonly blsPubKey: Uint8Array | undefined },
): ProtocolError | undefined =>
  expect.blsPubKey === undefined ||
  b.chainId !== expect.chainId ||
  b.height !== expect.height ||
  toHex(b.prev) !== toHex(expect.prev) ||
  toHex(b.signer) !== expect.proposer ||
  !crypto.bls.verify(b.signature, SigningBytes.beacon({ chainId: b.chainId, height: b.height, prev: b.prev }), expect.blsPubKey)
    ? reject("BLOCK_BAD_BEACON")
    : undefined

/**
 * CONS-VALID.1: full validation of a block proposed for `s.height + 1`. Returns the state after it.
 * A valid block extends the local chain, is proposed by proposerFor(round), carries a valid beacon
 * and lastCommit, every item applies, and the header's stateRoot equals the computed root.
 */
export const validateBlock = (ctx: CoreContext, s: ChainState, block: Block): Either.Either<ChainState, ProtocolError> => {
  const h = block.header
  const sha = ctx.crypto.sha256
  if (h.chainId !== s.chainId) return Either.left(reject("BLOCK_BAD_HEADER", "chain id"))
  if (h.height !== s.height + 1) return Either.left(reject("BLOCK_BAD_HEADER", `height ${h.height}, expected ${s.height + 1}`))
  if (toHex(h.prevHash) !== toHex(s.lastBlockHash)) return Either.left(reject("BLOCK_BAD_HEADER", "prevHash"))
  const proposer = proposerFor(sha, s, h.round)
  if (proposer === undefined) return Either.left(reject("CHAIN_HALTED", `height ${h.height}`))
  if (proposer.key !== toHex(h.proposer)) return Either.left(reject("BLOCK_WRONG_PROPOSER", `round ${h.round}`))
  const b = h.beacon
  const beaconError = checkBeacon(ctx.crypto, b, {
    chainId: s.chainId,
    height: h.height,
    prev: s.beacon,
    proposer: proposer.key,
    blsPubKey: s.validators.get(proposer.key)?.blsPubKey,
  })
  if (beaconError) return Either.left(beaconError)
  if (toHex(Hashes.bodyHash(sha, block.body)) !== toHex(h.bodyHash)) return Either.left(reject("BLOCK_BAD_BODY_HASH"))
  const lc = block.body.lastCommit
  if (s.height === 0) {
    if (lc !== null) return Either.left(reject("BLOCK_BAD_LAST_COMMIT", "height 1 has no last commit"))
  } else {
    if (lc === null) return Either.left(reject("BLOCK_BAD_LAST_COMMIT", "missing"))
    const total = [...s.lastPower.values()].reduce((a, x) => a + BigInt(x), 0n)
    const err = verifyCertificate(ctx.crypto, s.chainId, { power: s.lastPower, total }, lc, {
      height: s.height,
      blockHash: s.lastBlockHash,
    })
    if (err) return Either.left(reject("BLOCK_BAD_LAST_COMMIT", err.message))
  }
  const beaconValue = Hashes.beaconValue(sha, b.signature)
  const r = executeBody(ctx, s, h.height, proposer.key, block.body, "validate", beaconValue, block.body.lastCommit)
  if (Either.isLeft(r)) return Either.left(r.left)
  const d = r.right.draft
  d.beacon = beaconValue
  if (toHex(stateRoot(sha, d)) !== toHex(h.stateRoot)) return Either.left(reject("BLOCK_BAD_STATE_ROOT"))
  d.lastBlockHash = Hashes.blockHash(sha, h)
  return Either.right(freeze(d))
}

/**
 * CONS-BUILD.1: the proposer's block for (s.height + 1, round) from mempool candidates; invalid or
 * excess candidates are left out. `beacon` is the proposer's (unique) beacon entry for this height.
 */
export const buildBlock = (
  ctx: CoreContext,
  s: ChainState,
  round: number,
  proposer: Uint8Array,
  beacon: BeaconEntry,
  candidates: Candidates,
  lastCommit: CommitCertificate | null,
): { readonly block: Block; readonly state: ChainState } => {
  const sha = ctx.crypto.sha256
  const beaconValue = Hashes.beaconValue(sha, beacon.signature)
  const r = executeBody(ctx, s, s.height + 1, toHex(proposer), candidates, "build", beaconValue, lastCommit)
  if (Either.isLeft(r)) throw new Error(`buildBlock: build mode cannot fail: ${r.left.message}`)
  const { draft: d, included } = r.right
  d.beacon = beaconValue
  const body: BlockBody = { ...included, lastCommit }
  const header: BlockHeader = {
    chainId: s.chainId,
    height: s.height + 1,
    round,
    prevHash: s.lastBlockHash,
    proposer,
    bodyHash: Hashes.bodyHash(sha, body),
    stateRoot: stateRoot(sha, d),
    beacon,
  }
  d.lastBlockHash = Hashes.blockHash(sha, header)
  return { block: { header, body }, state: freeze(d) }
}
