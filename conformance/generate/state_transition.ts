// Generator of the "state_transition" suite: writes <outRoot>/state_transition/<handler>/*.json (deterministic).
// The ledger handlers (this file) build their pre-states by running real blocks of deterministic test
// networks (test/fixtures/core.ts: keys from fixed seeds), sign every operation with those keys, run
// each case through the handler's reference implementation and check the designed expectation
// (the reject code a case was built for; the balance, stake, nonce or record a valid case must
// change), throwing when the implementation disagrees. A few pre-states are edited by hand where the
// state a rule guards cannot arise from blocks (each such case says so in its description).
import { Either } from "effect"
import { concatBytes, fromHex, toHex, utf8 } from "../../src/codec/Bytes.ts"
import { canonicalDecode, canonicalEncode } from "../../src/codec/Canonical.ts"
import { Hashes, SigningBytes } from "../../src/codec/Hashing.ts"
import { Codecs } from "../../src/codec/index.ts"
import { type Candidates, buildBlock, makeBeacon } from "../../src/core/BlockExecution.ts"
import { type ChainState, type DraftState, type Hex, accountOf, cloneState, genesisState, stateRoot } from "../../src/core/ChainState.ts"
import { type CoreContext, provisionalQuality } from "../../src/core/Context.ts"
import { makeProposalEvidence, makeVoteEvidence } from "../../src/core/Evidence.ts"
import { proposerFor } from "../../src/core/LeaderElection.ts"
import type { Params } from "../../src/core/Params.ts"
import { decodeSnapshot, encodeSnapshot } from "../../src/core/Snapshot.ts"
import type { Block, BlockBody, BlockHeader } from "../../src/domain/Block.ts"
import type { CommitCertificate, Evidence } from "../../src/domain/Consensus.ts"
import { PPM } from "../../src/domain/Primitives.ts"
import type { AuditReport, WorkClaim } from "../../src/domain/Work.ts"
import { makeTestnet, type Testnet } from "../../src/drivers/Testnet.ts"
import { type QualityParams, defaultQualityParams } from "../../src/quality/QualityParams.ts"
import { sketchFingerprint } from "../../src/quality/Novelty.ts"
import { sealScores } from "../../src/quality/Scoring.ts"
import { ledgerHandlers, snapshotHex } from "../../src/conformance/suites/state_transition.ts"
import { type CaseResult, type HandlerDef, type Json, type JsonObject, genericFile } from "../../src/conformance/Types.ts"
import {
  type Account,
  certify,
  commitTo,
  emptyCandidates,
  fakeBeacon,
  flipBit,
  keysOf,
  outsider,
  proposal,
  saltOf,
  signCommitment,
  signReveal,
  signTransfer,
  testCrypto,
  validatorAccounts,
  vote,
  workClaim,
} from "../../test/fixtures/core.ts"
import { generate as generateQuality } from "./state_transition_quality.ts"
import { writeVector } from "./write.ts"

const SUITE = "state_transition"
const sha = testCrypto.sha256
const plainCtx: CoreContext = { crypto: testCrypto, quality: provisionalQuality }

// ------------------------------------------------------------------------------------------------
// Chains

const handler = (name: string): HandlerDef => {
  const h = ledgerHandlers.find((x) => x.handler === name)
  if (h === undefined) throw new Error(`no ledger handler ${name}`)
  return h
}

const net = (ctx: CoreContext, seed: number, params: Partial<Params> = {}, stakes?: number[]): Testnet =>
  makeTestnet(ctx, { nodes: 4, users: 4, seed, params, ...(stakes ? { stakes } : {}) })

interface Built {
  readonly block: Block
  readonly state: ChainState
}

/** The next block on `s` by the proposer of `round`; real = BLS-signed beacon (validateBlock accepts it). */
const advance = (
  ctx: CoreContext,
  n: Testnet,
  s: ChainState,
  candidates: Partial<Candidates> = {},
  opts: { real?: boolean; lastCommit?: CommitCertificate | null; round?: number } = {},
): Built => {
  const round = opts.round ?? 0
  const p = keysOf(n, proposerFor(sha, s, round)!.key)
  const beacon = opts.real ? makeBeacon(ctx, s, p.pubKey, p.blsSecret) : fakeBeacon(s, p.pubKey)
  return buildBlock(ctx, s, round, p.pubKey, beacon, { ...emptyCandidates, ...candidates }, opts.lastCommit ?? null)
}

/** A hand-edited copy of a state (only where blocks cannot reach the state a rule guards). */
const edit = (s: ChainState, f: (d: DraftState) => void): ChainState => {
  const d = cloneState(s)
  f(d)
  return d
}

const label32 = (label: string): Uint8Array => sha(utf8(`poai-conformance/state_transition/${label}`))

// ------------------------------------------------------------------------------------------------
// Cases

interface GenCase {
  readonly name: string
  readonly description: string
  readonly input: JsonObject
  readonly result: CaseResult
}

const fail = (what: string): never => {
  throw new Error(`state_transition generator: ${what}`)
}
const eq = (actual: unknown, expected: unknown, what: string): void => {
  const a = typeof actual === "bigint" ? actual.toString() : JSON.stringify(actual)
  const e = typeof expected === "bigint" ? expected.toString() : JSON.stringify(expected)
  if (a !== e) fail(`${what}: expected ${e}, got ${a}`)
}

type Want = string | ((post: ChainState, out: JsonObject) => void)

/** Run one case through the reference implementation and check its designed expectation. */
const mk = (h: HandlerDef, name: string, description: string, input: JsonObject, want: Want): GenCase => {
  const result = h.run(input) as CaseResult
  const where = `${h.handler}/${name}`
  if (typeof want === "string") {
    if (!("reject" in result)) fail(`${where}: built to be rejected with ${want}, got an output`)
    else eq(result.reject, want, `${where}: reject code`)
  } else {
    if (!("output" in result)) fail(`${where}: built to be valid, rejected with ${(result as { reject: string }).reject}`)
    else {
      const out = result.output as JsonObject
      // the snapshot handler outputs the root of its input; every other handler a post-state
      const post = decodeSnapshot(fromHex((out.post ?? input.snapshot) as string))
      if (Either.isLeft(post)) fail(`${where}: post-state does not decode: ${post.left.message}`)
      else {
        eq(out.root, toHex(stateRoot(sha, post.right)), `${where}: root of the post-state`)
        want(post.right, out)
      }
    }
  }
  return { name, description, input, result }
}

const write = (outRoot: string, h: HandlerDef, cases: ReadonlyArray<GenCase>): void => {
  const names = new Set<string>()
  for (const c of cases) {
    if (names.has(c.name)) fail(`${h.handler}: duplicate case name ${c.name}`)
    names.add(c.name)
  }
  writeVector(outRoot, SUITE, h.handler, `${h.handler}.json`, genericFile(SUITE, h.handler, h.description, h.spec, cases))
}

const acct = (s: ChainState, k: Uint8Array | Hex) => accountOf(s, typeof k === "string" ? k : toHex(k))
const bal = (s: ChainState, k: Uint8Array | Hex) => acct(s, k).balance
const stk = (s: ChainState, k: Uint8Array | Hex) => acct(s, k).stake
const pre = (s: ChainState): string => snapshotHex(s)

/** Canonical bytes of a value that the operation's schema refuses (decoding answers DECODE_SCHEMA). */
const cborHex = (v: unknown): string => toHex(canonicalEncode(v))
const truncated = (b: Uint8Array): string => toHex(b.subarray(0, b.length - 1))
const hx = (b: Uint8Array | string): string => (typeof b === "string" ? b : toHex(b))

// ------------------------------------------------------------------------------------------------
// snapshot

const snapshotCases = (states: ReadonlyArray<{ name: string; description: string; state: ChainState }>): GenCase[] => {
  const h = handler("snapshot")
  const out: GenCase[] = []
  for (const { name, description, state } of states)
    out.push(
      mk(h, name, description, { snapshot: pre(state) }, () => undefined),
    )
  for (const c of out) {
    const s = decodeSnapshot(fromHex((c.input as { snapshot: string }).snapshot))
    if (Either.isLeft(s)) fail("snapshot: valid case does not decode")
    else eq((c.result as { output: JsonObject }).output.root, toHex(stateRoot(sha, s.right)), `snapshot/${c.name}: root`)
  }
  // Malformed snapshots, derived from the richest state by editing its decoded CBOR value.
  const base = states[states.length - 1]!.state
  const bytes = encodeSnapshot(base)
  const value = () => {
    const v = canonicalDecode(bytes)
    if (Either.isLeft(v)) return fail("snapshot: base does not decode")
    return v.right as { version: number; params: Record<string, number>; lastBlockHash: Uint8Array; state: unknown[] }
  }
  const bad = (name: string, description: string, hexBytes: string, code: string) => out.push(mk(h, name, description, { snapshot: hexBytes }, code))
  const mutate = (f: (v: ReturnType<typeof value>) => void): string => {
    const v = value()
    f(v)
    return cborHex(v)
  }
  bad("empty", "zero bytes", "", "SNAPSHOT_MALFORMED")
  bad("truncated", "the last byte removed", truncated(bytes), "SNAPSHOT_MALFORMED")
  bad("trailing-byte", "a zero byte appended after the map", toHex(concatBytes(bytes, new Uint8Array([0])))  , "SNAPSHOT_MALFORMED")
  bad("non-shortest-head", "the map head written as a1-byte length (b9 0004) instead of a4", toHex(concatBytes(new Uint8Array([0xb9, 0x00, 0x04]), bytes.subarray(1))), "SNAPSHOT_NON_CANONICAL")
  bad("version-2", "version 2", mutate((v) => (v.version = 2)), "SNAPSHOT_VERSION")
  bad("not-a-map", "an array instead of the top-level map", cborHex([1, 2, 3]), "SNAPSHOT_SCHEMA")
  bad("extra-field", "an extra top-level field", mutate((v) => ((v as Record<string, unknown>).extra = 0)), "SNAPSHOT_SCHEMA")
  bad("missing-param", "params without blockReward", mutate((v) => delete v.params.blockReward), "SNAPSHOT_SCHEMA")
  bad("last-block-hash-31", "lastBlockHash of 31 bytes", mutate((v) => (v.lastBlockHash = v.lastBlockHash.subarray(1))), "SNAPSHOT_SCHEMA")
  bad("bad-chain-id", "state.chainId with an upper-case letter", mutate((v) => (v.state[0] = "POAI-sim")), "SNAPSHOT_SCHEMA")
  bad("state-12-elements", "the state array without its novelty window (QUAL-NOVELTY.8)", mutate((v) => v.state.pop()), "SNAPSHOT_SCHEMA")
  bad("novelty-sketch-7-bytes", "a novelty window entry of 7 bytes (sketches are 8, QUAL-NOVELTY.6)", mutate((v) => {
    const w = v.state[12] as Uint8Array[]
    if (w.length === 0) fail("snapshot: base state needs a novelty window entry")
    w[0] = (w[0] as Uint8Array).subarray(1)
  }), "SNAPSHOT_SCHEMA")
  bad("claim-novelty-over-ppm", "a claim whose noveltyPpm is 1,000,001", mutate((v) => (((v.state[6] as unknown[][])[0] as unknown[])[17] = 1_000_001)), "SNAPSHOT_SCHEMA")
  bad("totals-19", "totals with 19 counters", mutate((v) => (v.state[10] as unknown[]).pop()), "SNAPSHOT_SCHEMA")
  bad("negative-balance", "an account balance of -1", mutate((v) => (((v.state[3] as unknown[][])[0] as unknown[])[1] = -1)), "SNAPSHOT_SCHEMA")
  bad("audit-code-5", "a claim with audit code 5 (codes are 0..4)", mutate((v) => (((v.state[6] as unknown[][])[0] as unknown[])[10] = 5)), "SNAPSHOT_SCHEMA")
  bad("accounts-unsorted", "the first two accounts swapped (canonical CBOR, entries out of key order)", mutate((v) => {
    const a = v.state[3] as unknown[]
    ;[a[0], a[1]] = [a[1], a[0]]
  }), "SNAPSHOT_NON_CANONICAL")
  bad("account-repeated", "the first account entry written twice", mutate((v) => {
    const a = v.state[3] as unknown[]
    a.splice(1, 0, a[0])
  }), "SNAPSHOT_NON_CANONICAL")
  bad("punished-unsorted", "the punished slots in descending order", mutate((v) => {
    const p = v.state[9] as string[]
    if (p.length < 2) fail("snapshot: base state needs two punished slots")
    p.reverse()
  }), "SNAPSHOT_NON_CANONICAL")
  return out
}

// ------------------------------------------------------------------------------------------------
// transfer (LEDGER-TX.1..6)

const transferCases = (): GenCase[] => {
  const h = handler("transfer")
  const n = net(plainCtx, 11)
  const g = genesisState(sha, n.genesis)
  const [u0, u1, u2, u3] = n.users as [Account, Account, Account, Account]
  const prop = n.keys[0]!.pubHex
  const out = outsider("transfer-recipient")
  const input = (s: ChainState, tx: Uint8Array | string, proposer = prop) => ({ pre: pre(s), tx: hx(tx), proposer })
  const enc = Codecs.Transfer.encode
  const t = (from: Account, to: Uint8Array, amount: number, fee: number, nonce: number, chainId?: string) =>
    signTransfer(from, { to, amount, fee, nonce, ...(chainId ? { chainId } : {}) })
  const cases: GenCase[] = []
  const simple = t(u0, u1.pubKey, 1000, 10, 0)
  const c1 = mk(h, "simple", "u0 sends 1000 with fee 10 to u1; the fee goes to the proposer", input(g, enc(simple)), (p) => {
    eq(bal(p, u0.pubKey), bal(g, u0.pubKey) - 1010, "sender balance")
    eq(acct(p, u0.pubKey).nonce, 1, "sender nonce")
    eq(bal(p, u1.pubKey), bal(g, u1.pubKey) + 1000, "recipient balance")
    eq(bal(p, prop), bal(g, prop) + 10, "proposer balance")
    eq(p.totals.txs, 1, "totals.txs")
  })
  cases.push(c1)
  const afterSimple = decodeOut(c1)
  cases.push(
    mk(h, "second-nonce", "the sender's next transfer carries nonce 1", input(afterSimple, enc(t(u0, u2.pubKey, 5, 1, 1))), (p) => eq(acct(p, u0.pubKey).nonce, 2, "nonce")),
    mk(h, "new-recipient", "the recipient has no account: it is created with the amount", input(g, enc(t(u1, out.pubKey, 77, 3, 0))), (p) => {
      eq(acct(p, out.pubKey), { balance: 77, stake: 0, nonce: 0 }, "new account")
    }),
    mk(h, "self-transfer", "from = to: only the fee leaves the account (credit after debit)", input(g, enc(t(u2, u2.pubKey, 500, 7, 0))), (p) => eq(bal(p, u2.pubKey), bal(g, u2.pubKey) - 7, "balance")),
    mk(h, "sender-is-proposer", "the fee sink is the sender: it pays the fee and receives it back", input(g, enc(t(u3, u1.pubKey, 100, 9, 0)), toHex(u3.pubKey)), (p) =>
      eq(bal(p, u3.pubKey), bal(g, u3.pubKey) - 100, "balance"),
    ),
    mk(h, "fee-equals-min-fee", "fee exactly params.minFee (1)", input(g, enc(t(u0, u1.pubKey, 1, 1, 0))), (p) => eq(bal(p, prop), bal(g, prop) + 1, "proposer")),
  )
  const poor = edit(g, (d) => d.accounts.set(toHex(u2.pubKey), { balance: 5000, stake: 0, nonce: 0 }))
  cases.push(
    mk(h, "exact-balance", "balance exactly amount + fee (pre-state edited: u2 holds 5000): the balance reaches 0", input(poor, enc(t(u2, u1.pubKey, 4990, 10, 0))), (p) =>
      eq(bal(p, u2.pubKey), 0, "balance"),
    ),
    mk(h, "insufficient-by-one", "balance one unit below amount + fee (pre-state edited: u2 holds 5000)", input(poor, enc(t(u2, u1.pubKey, 4991, 10, 0))), "TX_INSUFFICIENT_FUNDS"),
  )
  const freeChain = edit(g, (d) => (d.params = { ...d.params, minFee: 0 }))
  cases.push(
    mk(h, "zero-fee", "a chain with minFee 0 (pre-state params edited): fee 0 credits nobody", input(freeChain, enc(t(u0, u1.pubKey, 10, 0, 0))), (p) => {
      eq(bal(p, prop), bal(g, prop), "proposer unchanged")
      eq(bal(p, u0.pubKey), bal(g, u0.pubKey) - 10, "sender")
    }),
  )
  const rich = edit(g, (d) => d.accounts.set(toHex(u3.pubKey), { balance: 9_000_000_000_000_000, stake: 0, nonce: 4 }))
  cases.push(
    mk(h, "large-amount", "amounts above 2^32 and near 2^53 are exact (pre-state edited: u3 holds 9e15, nonce 4)", input(rich, enc(t(u3, u1.pubKey, 8_999_999_999_999_990, 10, 4))), (p) => {
      eq(bal(p, u3.pubKey), 0, "sender")
      eq(bal(p, u1.pubKey), bal(g, u1.pubKey) + 8_999_999_999_999_990, "recipient")
    }),
  )
  const badSig = { ...simple, signature: flipBit(simple.signature, 5) }
  const forged = { ...t(u1, u1.pubKey, 1000, 10, 0), from: u0.pubKey, to: u1.pubKey }
  cases.push(
    mk(h, "bad-chain", "chainId names another chain", input(g, enc(t(u0, u1.pubKey, 1000, 10, 0, "other-chain"))), "TX_BAD_CHAIN"),
    mk(h, "bad-chain-before-zero-amount", "another chain and amount 0: the chain id is checked first", input(g, enc(t(u0, u1.pubKey, 0, 10, 0, "other-chain"))), "TX_BAD_CHAIN"),
    mk(h, "zero-amount", "amount 0", input(g, enc(t(u0, u1.pubKey, 0, 10, 0))), "TX_ZERO_AMOUNT"),
    mk(h, "fee-below-min", "fee 0 below minFee 1", input(g, enc(t(u0, u1.pubKey, 10, 0, 0))), "TX_FEE_TOO_LOW"),
    mk(h, "signature-bit-flipped", "one bit of the signature flipped", input(g, enc(badSig)), "TX_BAD_SIGNATURE"),
    mk(h, "signed-by-other-key", "from = u0, signed by u1", input(g, enc(forged)), "TX_BAD_SIGNATURE"),
    mk(h, "unknown-sender", "a validly signed transfer from a key with no account", input(g, enc(t(outsider("transfer-sender"), u1.pubKey, 1, 1, 0))), "TX_UNKNOWN_SENDER"),
    mk(h, "nonce-gap", "nonce 1 where the sender's next nonce is 0", input(g, enc(t(u0, u1.pubKey, 1000, 10, 1))), "TX_BAD_NONCE"),
    mk(h, "nonce-replay", "the 'simple' transfer again after it was applied (nonce 0, next is 1)", input(afterSimple, enc(simple)), "TX_BAD_NONCE"),
    mk(h, "nonce-before-funds", "bad nonce and insufficient funds: the nonce is checked first", input(poor, enc(t(u2, u1.pubKey, 9999, 10, 3))), "TX_BAD_NONCE"),
    mk(h, "truncated", "the transfer's canonical bytes without their last byte", input(g, truncated(enc(simple))), "DECODE_MALFORMED"),
    mk(h, "negative-amount", "canonical CBOR of a transfer with amount -1 (not a Transfer)", input(g, cborHex({ ...simple, amount: -1 })), "DECODE_SCHEMA"),
  )
  return cases
}

/** The post-state of a valid generated case. */
const decodeOut = (c: GenCase): ChainState => {
  const out = (c.result as { output: JsonObject }).output
  const s = decodeSnapshot(fromHex(out.post as string))
  if (Either.isLeft(s)) return fail(`${c.name}: post does not decode`)
  return s.right
}

// ------------------------------------------------------------------------------------------------
// work_commit (WORK-CR.1)

const workCommitCases = (): { cases: GenCase[]; sameBlock: { pre: ChainState; reveal: string } } => {
  const h = handler("work_commit")
  const n = net(plainCtx, 12)
  const g = genesisState(sha, n.genesis)
  const [u0, u1] = n.users as [Account, Account]
  const claim = workClaim("commit-a")
  const c0 = commitTo(u0, claim, saltOf("commit-a"))
  const input = (s: ChainState, c: Uint8Array | string, index = 0) => ({ pre: pre(s), commitment: hx(c), index })
  const enc = Codecs.WorkCommitment.encode
  const key = toHex(u0.pubKey) + toHex(c0.commitment)
  const first = mk(h, "first", "u0 registers a commitment at index 0 of block 1", input(g, enc(c0)), (p) => {
    eq(p.commitments.get(key), { worker: toHex(u0.pubKey), commitment: toHex(c0.commitment), height: 1, index: 0, revealed: false }, "record")
  })
  const after = decodeOut(first)
  const later = advance(plainCtx, n, advance(plainCtx, n, g).state).state
  const forged = { ...signCommitment(u1, c0.commitment), worker: u0.pubKey }
  const cases = [
    first,
    mk(h, "index-5", "the block position is recorded as given (the within-block tie-break, WORK-CR.5)", input(g, enc(c0), 5), (p) => eq(p.commitments.get(key)?.index, 5, "index")),
    mk(h, "later-height", "a commitment in block 3 (pre-state at height 2) records height 3", input(later, enc(c0)), (p) => eq(p.commitments.get(key)?.height, 3, "height")),
    mk(h, "copied-value-other-worker", "u1 registers u0's commitment value under its own key: a distinct registration (WORK-CR.1)", input(after, enc(signCommitment(u1, c0.commitment)), 1), (p) => {
      eq(p.commitments.size, 2, "registrations")
      eq(p.commitments.has(key), true, "u0's registration kept")
    }),
    mk(h, "duplicate", "the same (worker, commitment) again", input(after, enc(c0), 1), "WORK_DUPLICATE_COMMITMENT"),
    mk(h, "bad-chain", "chainId names another chain", input(g, enc(commitTo(u0, claim, saltOf("commit-a"), "other-chain"))), "WORK_BAD_CHAIN"),
    mk(h, "signature-bit-flipped", "one bit of the signature flipped", input(g, enc({ ...c0, signature: flipBit(c0.signature, 9) })), "WORK_BAD_SIGNATURE"),
    mk(h, "signed-by-other-key", "worker = u0, signed by u1", input(g, enc(forged)), "WORK_BAD_SIGNATURE"),
    mk(h, "commitment-31-bytes", "canonical CBOR of a commitment whose value has 31 bytes", input(g, cborHex({ ...c0, commitment: c0.commitment.subarray(1) })), "DECODE_SCHEMA"),
    mk(h, "truncated", "the commitment's canonical bytes without their last byte", input(g, truncated(enc(c0))), "DECODE_MALFORMED"),
  ]
  return { cases, sameBlock: { pre: after, reveal: toHex(Codecs.WorkReveal.encode(signReveal(u0, claim, saltOf("commit-a")))) } }
}

// ------------------------------------------------------------------------------------------------
// work_reveal (WORK-CR.2..6)

const workRevealCases = (sameBlock: { pre: ChainState; reveal: string }, scored: { pre: ChainState; reveal: string; scoring: QualityParams; sketch: Uint8Array }): GenCase[] => {
  const h = handler("work_reveal")
  const n = net(plainCtx, 13, { revealWindow: 2, auditPpm: 0 })
  const g = genesisState(sha, n.genesis)
  const [u0, u1, u2, u3] = n.users as [Account, Account, Account, Account]
  const A = workClaim("reveal-a", 10)
  const B = workClaim("reveal-b", 7)
  const D = workClaim("reveal-d", 5)
  const s = (l: string) => saltOf(`reveal/${l}`)
  // block 1: u0:A, u1:B, u2:D; block 2: u3:D (the same work, committed later)
  const b1 = advance(plainCtx, n, g, { commitments: [commitTo(u0, A, s("a")), commitTo(u1, B, s("b")), commitTo(u2, D, s("d2"))] }).state
  const b2 = advance(plainCtx, n, b1, { commitments: [commitTo(u3, D, s("d3"))] }).state
  const b3 = advance(plainCtx, n, b2).state
  const enc = Codecs.WorkReveal.encode
  const input = (st: ChainState, r: Uint8Array | string, scoring: QualityParams | null = null) => ({ pre: pre(st), reveal: hx(r), scoring: scoring as unknown as Json })
  const rA = signReveal(u0, A, s("a"))
  const workId = (c: WorkClaim) => toHex(Hashes.workId(sha, c))
  const first = mk(h, "first", "u0 reveals A in block 2 (committed in block 1): the claim holds the work id, Q = v(t) = 10, matures at 1 + revealWindow + 1 = 4", input(b1, enc(rA)), (p) => {
    const c = p.claims.get(workId(A))
    eq([c?.worker, c?.commitHeight, c?.revealHeight, c?.maturesAt, c?.q, c?.audit, c?.scoring], [toHex(u0.pubKey), 1, 2, 4, 10, "undecided", "none"], "claim")
    eq(p.totals.claims, 1, "totals.claims")
  })
  const afterA = decodeOut(first)
  const cases: GenCase[] = [first]
  cases.push(
    mk(h, "window-end", "u1 reveals B in block 3, exactly revealWindow (2) blocks after its commitment", input(b2, enc(signReveal(u1, B, s("b")))), (p) =>
      eq(p.claims.get(workId(B))?.maturesAt, 4, "maturesAt"),
    ),
  )
  const r3 = mk(h, "later-commitment-first", "u3 reveals D (committed in block 2) while u2's earlier commitment of the same work is unrevealed: u3 holds it for now", input(b2, enc(signReveal(u3, D, s("d3")))), (p) =>
    eq(p.claims.get(workId(D))?.worker, toHex(u3.pubKey), "holder"),
  )
  cases.push(r3)
  cases.push(
    mk(h, "earliest-commitment-wins", "u2 reveals D with its block-1 commitment after u3's reveal: u2 displaces u3 (WORK-CR.5)", input(decodeOut(r3), enc(signReveal(u2, D, s("d2")))), (p) => {
      const c = p.claims.get(workId(D))
      eq([c?.worker, c?.commitHeight], [toHex(u2.pubKey), 1], "holder")
    }),
  )
  const r2 = mk(h, "earlier-commitment-first", "u2 reveals D (block-1 commitment) first", input(b2, enc(signReveal(u2, D, s("d2")))), (p) => eq(p.claims.get(workId(D))?.worker, toHex(u2.pubKey), "holder"))
  cases.push(r2)
  cases.push(
    mk(h, "later-commitment-after", "u3's reveal of D (block-2 commitment) after u2 holds it with a block-1 commitment", input(decodeOut(r2), enc(signReveal(u3, D, s("d3")))), "WORK_ALREADY_CLAIMED"),
    mk(h, "already-revealed", "A revealed a second time", input(afterA, enc(rA)), "WORK_ALREADY_REVEALED"),
    mk(h, "expired", "u1 reveals B in block 4, revealWindow + 1 blocks after its commitment", input(b3, enc(signReveal(u1, B, s("b")))), "WORK_REVEAL_EXPIRED"),
    mk(h, "not-committed", "a reveal of a claim nobody committed", input(b1, enc(signReveal(u0, workClaim("reveal-never"), s("never")))), "WORK_NOT_COMMITTED"),
    mk(h, "front-run", "u1 reveals u0's claim and salt under its own key: H(claim || u1 || salt) was never registered (WORK-CR.1)", input(b1, enc(signReveal(u1, A, s("a")))), "WORK_NOT_COMMITTED"),
    mk(h, "same-block-as-commitment", "the reveal in the block that registers its commitment (pre-state: the work_commit 'first' post-state, mid-block 1)", input(sameBlock.pre, sameBlock.reveal), "WORK_NOT_COMMITTED"),
    mk(h, "bad-chain", "chainId names another chain", input(b1, enc(signReveal(u0, A, s("a"), { chainId: "other-chain" }))), "WORK_BAD_CHAIN"),
    mk(h, "signed-by-other-key", "worker = u0, signed by u1", input(b1, enc(signReveal(u1, A, s("a"), { worker: u0.pubKey }))), "WORK_BAD_SIGNATURE"),
    mk(h, "compute-units-0", "canonical CBOR of a reveal whose task has computeUnits 0 (TaskSpec allows 1..10^9)", input(b1, cborHex({ ...rA, claim: { ...A, task: { ...A.task, computeUnits: 0 } } })), "DECODE_SCHEMA"),
    mk(h, "scoring-chain", "on a chain with committee scoring (QUAL-WIRE.1) Q is 0 until the claim's round finalizes; its scoring status is unopened; against the empty novelty window its n is 10^6 and its sketch is admitted (QUAL-NOVELTY.8)", input(scored.pre, scored.reveal, scored.scoring), (p) => {
      const c = [...p.claims.values()][0]
      eq([c?.q, c?.scoring, c?.noveltyPpm, c?.noveltySketch], [0, "unopened", PPM, toHex(scored.sketch)], "claim")
      eq(p.novelty.map(String), [String(sketchFingerprint(scored.sketch))], "novelty window")
    }),
  )
  // QUAL-NOVELTY.3/8: n against a window that already holds the sketch (pre-state edited: the window as
  // another claim with the same output would have left it), or one 14 bits away: (14 − 8)·10^6 / (20 − 8)
  const fp = sketchFingerprint(scored.sketch)
  const withWindow = (w: ReadonlyArray<bigint>) => edit(scored.pre, (d) => (d.novelty = w))
  cases.push(
    mk(h, "scoring-duplicate-sketch", "scoring chain, the novelty window (pre-state edited) already holds the claim's sketch: n = 0 (QUAL-NOVELTY.8), and the sketch is admitted once more", input(withWindow([fp]), scored.reveal, scored.scoring), (p) => {
      eq([...p.claims.values()][0]?.noveltyPpm, 0, "noveltyPpm")
      eq(p.novelty.map(String), [String(fp), String(fp)], "novelty window")
    }),
    mk(h, "scoring-near-sketch", "scoring chain, the novelty window (pre-state edited) holds a sketch 14 bits from the claim's: n = (14 − D0)·10^6 / (D1 − D0) = 500,000 (QUAL-NOVELTY.3)", input(withWindow([fp ^ 0x3fffn]), scored.reveal, scored.scoring), (p) =>
      eq([...p.claims.values()][0]?.noveltyPpm, 500_000, "noveltyPpm"),
    ),
  )
  void u2
  return cases
}

// ------------------------------------------------------------------------------------------------
// The scoring chain (QUAL-WIRE.*): one claim scored by a committee of the 4 validators

const scoringParams: QualityParams = { ...defaultQualityParams, committeeSeats: 8, commitBlocks: 1, revealBlocks: 1, minRevealedSeats: 1 }

const scoringChain = () => {
  const ctx: CoreContext = { ...plainCtx, scoring: scoringParams }
  const n = net(ctx, 17, { auditPpm: 0, revealWindow: 1 })
  const g = genesisState(sha, n.genesis)
  const [u0] = n.users as [Account]
  const A = workClaim("scored-a", 40)
  const salt = saltOf("scored-a")
  const reveal = signReveal(u0, A, salt)
  const c1 = advance(ctx, n, g, { commitments: [commitTo(u0, A, salt)] })
  const c2 = advance(ctx, n, c1.state, { reveals: [reveal] })
  const c3 = advance(ctx, n, c2.state)
  const s3 = c3.state
  const [claimId, open] = [...s3.scoring.entries()][0] ?? fail("scoring chain: no open round at height 3")
  eq([open.round.schedule.openHeight, open.round.schedule.commitDeadline, open.round.schedule.revealDeadline], [4, 4, 5], "scoring schedule")
  const members = [...open.round.seats.keys()].sort()
  if (members.length < 3) fail(`scoring chain: committee has ${members.length} distinct evaluators, need 3`)
  const ev = (i: number) => keysOf(n, members[i] as string)
  const seal = (i: number, scores: { correctness: number; utility: number; novelty: number }, opts: { chainId?: string; claimId?: Uint8Array } = {}) =>
    sealScores(testCrypto, { chainId: opts.chainId ?? s3.chainId, secretKey: ev(i).secretKey, claimId: opts.claimId ?? fromHex(claimId), scores, salt: saltOf(`score/${i}`) })
  const good = { correctness: 900_000, utility: 600_000, novelty: 300_000 }
  const outOfRange = { correctness: 1_000_001, utility: 0, novelty: 0 }
  const c4 = advance(ctx, n, s3, { scoreCommits: [seal(0, good).commitment, seal(1, outOfRange).commitment] })
  const c5 = advance(ctx, n, c4.state, { scoreReveals: [seal(0, good).reveal] })
  eq(c4.state.scoring.get(claimId)?.round.commits.size, 2, "scoring chain: commits in block 4")
  eq(c5.state.scoring.get(claimId)?.round.reveals.size, 1, "scoring chain: reveals in block 5")
  return { ctx, n, g, u0, A, reveal, c1, c2, c3, c4, c5, claimId, members, ev, seal, good, outOfRange }
}
type ScoringChain = ReturnType<typeof scoringChain>

// ------------------------------------------------------------------------------------------------
// score_commit, score_reveal (QUAL-SCORE.6/7, QUAL-WIRE.2)

const scoreCommitCases = (S: ScoringChain): { cases: GenCase[]; afterCommit: ChainState } => {
  const h = handler("score_commit")
  const enc = Codecs.ScoreCommitment.encode
  const s3 = S.c3.state
  const input = (st: ChainState, c: Uint8Array | string) => ({ pre: pre(st), commitment: hx(c) })
  const valid = S.seal(0, S.good).commitment
  const first = mk(h, "first", "a committee member commits in block 4 (the round's only commit block)", input(s3, enc(valid)), (p) => {
    eq(p.scoring.get(S.claimId)?.round.commits.get(S.members[0] as string)?.height, 4, "commit height")
    eq(p.totals.scoreCommits, 1, "totals.scoreCommits")
  })
  const afterCommit = decodeOut(first)
  const [u1] = S.n.users.slice(1) as [Account]
  const userSeal = sealScores(testCrypto, { chainId: s3.chainId, secretKey: u1.secretKey, claimId: fromHex(S.claimId), scores: S.good })
  const notOpen = edit(s3, (d) => {
    const o = d.scoring.get(S.claimId)!
    d.scoring.set(S.claimId, { ...o, round: { ...o.round, schedule: { openHeight: 5, commitDeadline: 5, revealDeadline: 6 } } })
  })
  const cases = [
    first,
    mk(h, "out-of-range-scores", "a commitment cannot show its scores: one sealing an out-of-range score is accepted (QUAL-SCORE.2)", input(s3, enc(S.seal(1, S.outOfRange).commitment)), (p) =>
      eq(p.scoring.get(S.claimId)?.round.commits.size, 1, "commits"),
    ),
    mk(h, "duplicate", "the same evaluator's second commitment", input(afterCommit, enc(S.seal(0, { ...S.good, utility: 1 }).commitment)), "SCORE_DUPLICATE_COMMIT"),
    mk(h, "not-on-committee", "a key with no seat (a user)", input(s3, enc(userSeal.commitment)), "SCORE_NOT_ON_COMMITTEE"),
    mk(h, "wrong-claim", "a claim id with no open round", input(s3, enc(S.seal(0, S.good, { claimId: label32("no-such-claim") }).commitment)), "SCORE_WRONG_CLAIM"),
    mk(h, "bad-chain", "chainId names another chain", input(s3, enc(S.seal(0, S.good, { chainId: "other-chain" }).commitment)), "SCORE_BAD_CHAIN"),
    mk(h, "signature-bit-flipped", "one bit of the signature flipped", input(s3, enc({ ...valid, signature: flipBit(valid.signature, 3) })), "SCORE_BAD_SIGNATURE"),
    mk(h, "commit-closed", "the third member commits in block 5, after the commit deadline (4)", input(S.c4.state, enc(S.seal(2, S.good).commitment)), "SCORE_COMMIT_CLOSED"),
    mk(h, "round-not-open", "block 4 before the round's first height 5 (pre-state edited: schedule moved to 5/5/6; blocks always open a round at its first height)", input(notOpen, enc(valid)), "SCORE_ROUND_NOT_OPEN"),
    mk(h, "claim-id-31-bytes", "canonical CBOR of a commitment whose claimId has 31 bytes", input(s3, cborHex({ ...valid, claimId: fromHex(S.claimId).subarray(1) })), "DECODE_SCHEMA"),
  ]
  return { cases, afterCommit }
}

const scoreRevealCases = (S: ScoringChain, afterCommit: ChainState): GenCase[] => {
  const h = handler("score_reveal")
  const enc = Codecs.ScoreReveal.encode
  const s4 = S.c4.state
  const input = (st: ChainState, r: Uint8Array | string) => ({ pre: pre(st), reveal: hx(r) })
  const valid = S.seal(0, S.good).reveal
  const first = mk(h, "first", "the member reveals in block 5 (after the commit deadline 4, by the reveal deadline 5) the scores it sealed", input(s4, enc(valid)), (p) => {
    eq(p.scoring.get(S.claimId)?.round.reveals.get(S.members[0] as string), { scores: S.good, height: 5 }, "reveal record")
    eq(p.totals.scoreReveals, 1, "totals.scoreReveals")
  })
  const [u1] = S.n.users.slice(1) as [Account]
  const userSeal = sealScores(testCrypto, { chainId: s4.chainId, secretKey: u1.secretKey, claimId: fromHex(S.claimId), scores: S.good })
  const mismatch = { ...S.seal(0, { ...S.good, novelty: 300_001 }).reveal }
  return [
    first,
    mk(h, "duplicate", "the same reveal again", input(decodeOut(first), enc(valid)), "SCORE_DUPLICATE_REVEAL"),
    mk(h, "no-commit", "a member that never committed", input(s4, enc(S.seal(2, S.good).reveal)), "SCORE_NO_COMMIT"),
    mk(h, "out-of-range", "the reveal of a sealed correctness of 1,000,001 ppm", input(s4, enc(S.seal(1, S.outOfRange).reveal)), "SCORE_OUT_OF_RANGE"),
    mk(h, "mismatch", "scores that differ by 1 ppm from the sealed ones", input(s4, enc(mismatch)), "SCORE_REVEAL_MISMATCH"),
    mk(h, "too-early", "a reveal in block 4, the commit deadline (pre-state: score_commit 'first' post-state)", input(afterCommit, enc(valid)), "SCORE_REVEAL_TOO_EARLY"),
    mk(h, "late", "a reveal in block 6, after the reveal deadline 5", input(S.c5.state, enc(valid)), "SCORE_LATE_REVEAL"),
    mk(h, "not-on-committee", "a key with no seat (a user)", input(s4, enc(userSeal.reveal)), "SCORE_NOT_ON_COMMITTEE"),
    mk(h, "wrong-claim", "a claim id with no open round", input(s4, enc(S.seal(0, S.good, { claimId: label32("no-such-claim") }).reveal)), "SCORE_WRONG_CLAIM"),
    mk(h, "bad-chain", "chainId names another chain", input(s4, enc(S.seal(0, S.good, { chainId: "other-chain" }).reveal)), "SCORE_BAD_CHAIN"),
    mk(h, "signature-bit-flipped", "one bit of the signature flipped", input(s4, enc({ ...valid, signature: flipBit(valid.signature, 60) })), "SCORE_BAD_SIGNATURE"),
    mk(h, "truncated", "the reveal's canonical bytes without their last byte", input(s4, truncated(enc(valid))), "DECODE_MALFORMED"),
  ]
}

// ------------------------------------------------------------------------------------------------
// work_expiry (LEDGER-BLOCK.1 steps 4c..6)

const workExpiryCases = (S: ScoringChain): { cases: GenCase[]; scoredOut: JsonObject } => {
  const h = handler("work_expiry")
  const n = net(plainCtx, 14, { auditPpm: 1_000_000, auditWindow: 2, revealWindow: 2, qWindow: 3 })
  const g = genesisState(sha, n.genesis)
  const [u0, u1, u2] = n.users as [Account, Account, Account]
  const A = workClaim("expiry-a", 10)
  const B = workClaim("expiry-b", 6)
  const C = workClaim("expiry-c", 9)
  const s = (l: string) => saltOf(`expiry/${l}`)
  const x1 = advance(plainCtx, n, g, { commitments: [commitTo(u0, A, s("a")), commitTo(u1, B, s("b"))] }).state
  const x2 = advance(plainCtx, n, x1, { reveals: [signReveal(u0, A, s("a"))] }).state
  const x3 = advance(plainCtx, n, x2).state
  const x4 = advance(plainCtx, n, x3).state
  const input = (st: ChainState, beacon: Uint8Array, scoring: QualityParams | null = null) => ({ pre: pre(st), beacon: toHex(beacon), scoring: scoring as unknown as Json })
  const idA = toHex(Hashes.workId(sha, A))
  const beacon = label32("expiry-beacon")
  const cases: GenCase[] = [
    mk(h, "empty", "nothing to decide at height 1: the Q window gains an empty entry", input(g, beacon), (p, o) => {
      eq(p.qWindow.map((e) => [e.height, e.perWorker.size]), [[1, 0]], "qWindow")
      eq(o.matured, [], "matured")
    }),
    mk(h, "audit-selected", "auditPpm = 10^6: the claim revealed in block 2 is selected in block 3, an auditor assigned, due at 3 + auditWindow = 5", input(x2, beacon), (p) => {
      const c = p.claims.get(idA)
      eq([c?.audit, c?.auditDue, c?.auditor !== "" && c?.auditor !== toHex(u0.pubKey)], ["pending", 5, true], "claim")
      eq(p.totals.audited, 1, "totals.audited")
    }),
    mk(h, "audit-skipped", "auditPpm = 0 (pre-state params edited): the claim is skipped", input(edit(x2, (d) => (d.params = { ...d.params, auditPpm: 0 })), beacon), (p) =>
      eq(p.claims.get(idA)?.audit, "skipped", "audit"),
    ),
    mk(h, "commitments-expire", "block 4: the unrevealed commitment of block 1 is pruned (4 - 1 > revealWindow 2), and so is the revealed one", input(x3, beacon), (p) => eq(p.commitments.size, 0, "commitments")),
  ]
  const missedAuditor = x4.claims.get(idA)?.auditor ?? fail("expiry: no auditor")
  cases.push(
    mk(h, "audit-missed", "block 5 = the audit's due height without a report: the auditor is charged auditMissPenalty; the claim, now settled, matures (maturesAt 4)", input(x4, beacon), (p, o) => {
      eq(p.claims.get(idA)?.audit, "missed", "audit")
      eq(bal(p, missedAuditor), bal(x4, missedAuditor) - x4.params.auditMissPenalty, "auditor balance")
      eq([p.totals.auditsMissed, p.totals.slashedWork], [1, x4.params.auditMissPenalty], "totals")
      eq(o.matured, [[toHex(u0.pubKey), 10]], "matured")
    }),
  )
  // maturity with two workers on a chain without audits, and the Q window trimmed to qWindow = 3 entries
  const m = net(plainCtx, 15, { auditPpm: 0, revealWindow: 1, qWindow: 3 })
  const mg = genesisState(sha, m.genesis)
  const [w0, w1] = m.users as [Account, Account]
  const m1 = advance(plainCtx, m, mg, { commitments: [commitTo(w0, A, s("a")), commitTo(w1, C, s("c")), commitTo(w0, B, s("b"))] }).state
  const m2 = advance(plainCtx, m, m1, { reveals: [signReveal(w0, A, s("a")), signReveal(w1, C, s("c")), signReveal(w0, B, s("b"))] }).state
  const m3 = advance(plainCtx, m, m2).state
  eq(m3.qWindow.length, 3, "expiry: window full at height 3")
  cases.push(
    mk(h, "maturity", "block 3 (maturesAt = 1 + revealWindow 1 + 1): three skipped claims of two workers mature: Q 10 + 6 for one, 9 for the other; the oldest window entry is dropped (qWindow 3)", input(m2, beacon), (p, o) => {
      eq(o.matured, [[toHex(w0.pubKey), 16], [toHex(w1.pubKey), 9]].sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)), "matured")
      eq(p.totals.maturedClaims, 3, "totals.maturedClaims")
      eq(p.qWindow.map((e) => e.height), [1, 2, 3], "window heights")
    }),
    mk(h, "window-trim", "block 4: the window keeps the last 3 entries (2, 3, 4)", input(m3, beacon), (p) => eq(p.qWindow.map((e) => e.height), [2, 3, 4], "window heights")),
    mk(h, "not-yet-mature", "block 2 on the maturity chain: the claims revealed in block 2 are decided in block 3 only, so nothing matures", input(m1, beacon), (p, o) => eq(o.matured, [], "matured")),
  )
  const scored = mk(h, "scoring-round-finalized", "scoring chain, block 6 (> reveal deadline 5): the round finalizes: one evaluator credited, the one whose reveal never came and the absent one slashed (QUAL-INCENTIVE.3); the claim's Q is fixed and it matures", input(S.c5.state, beacon, scoringParams), (p, o) => {
    eq(p.scoring.size, 0, "round closed")
    eq(p.totals.roundsFinalized, 1, "roundsFinalized")
    const c = [...p.claims.values()][0]
    eq([c?.scoring, c?.matured, (c?.q ?? 0) > 0], ["scored", true, true], "claim")
    eq((o.credits as Json[]).length, 1, "credits")
    if (p.totals.slashedScoring <= 0) fail("expiry: no evaluator slashed")
  })
  cases.push(scored)
  void u2
  return { cases, scoredOut: (scored.result as { output: JsonObject }).output }
}

// ------------------------------------------------------------------------------------------------
// audit (VER-AUDIT.5..8)

const auditCases = (): GenCase[] => {
  const h = handler("audit")
  const n = net(plainCtx, 16, { auditPpm: 1_000_000, auditWindow: 2, revealWindow: 1, auditPenalty: 1_000_500 })
  const g = genesisState(sha, n.genesis)
  const [u0] = n.users as [Account]
  const v3 = n.keys[3]!
  const A = workClaim("audit-a", 10)
  const V = workClaim("audit-v", 8)
  const s = (l: string) => saltOf(`audit/${l}`)
  const a1 = advance(plainCtx, n, g, { commitments: [commitTo(u0, A, s("a")), commitTo(v3, V, s("v"))] }).state
  const a2 = advance(plainCtx, n, a1, { reveals: [signReveal(u0, A, s("a")), signReveal(v3, V, s("v"))] }).state
  const a3 = advance(plainCtx, n, a2).state
  const a4 = advance(plainCtx, n, a3).state
  const idA = toHex(Hashes.workId(sha, A))
  const idV = toHex(Hashes.workId(sha, V))
  const cA = a3.claims.get(idA) ?? fail("audit: no claim A")
  const cV = a3.claims.get(idV) ?? fail("audit: no claim V")
  eq([cA.audit, cA.auditDue, cV.audit], ["pending", 5, "pending"], "audit: claims pending at height 3")
  // VER-VERDICT.1: the reference executor's verdict (VER-PORT.4): pass iff the recomputed hash is the claimed one
  const report = (auditor: Account, workId: string, outputHash: Uint8Array, chainId = a3.chainId): AuditReport => {
    const claimed = a3.claims.get(workId)?.outputHash
    const pass = claimed !== undefined && toHex(outputHash) === claimed
    const evidence = { sampled: [0], recomputed: [outputHash], item: pass ? -1 : 0, metrics: [] }
    const u = { chainId, auditor: auditor.pubKey, workId: fromHex(workId), verdict: pass ? ("pass" as const) : ("fail" as const), reason: pass ? ("NONE" as const) : ("OUTPUT_MISMATCH" as const), evidence }
    return { ...u, signature: testCrypto.ed25519.sign(SigningBytes.auditReport(u), auditor.secretKey) }
  }
  const resign = (auditor: Account, r: AuditReport): AuditReport => {
    const { signature: _s, ...u } = r
    return { ...u, signature: testCrypto.ed25519.sign(SigningBytes.auditReport(u), auditor.secretKey) }
  }
  const audA = keysOf(n, cA.auditor)
  const audV = keysOf(n, cV.auditor)
  const other = n.keys.find((k) => k.pubHex !== cA.auditor && k.pubHex !== v3.pubHex)!
  const enc = Codecs.AuditReport.encode
  const input = (st: ChainState, r: Uint8Array | string) => ({ pre: pre(st), report: hx(r) })
  const honest = report(audA, idA, A.outputHash)
  const wrong = label32("wrong-output")
  const pass = mk(h, "passed", "the assigned auditor's pass verdict (it recomputed the claimed output hash): passed; the auditor is paid auditReward (minted)", input(a3, enc(honest)), (p, o) => {
    eq(o.outcome, "passed", "outcome")
    eq(p.claims.get(idA)?.audit, "passed", "audit")
    eq(bal(p, cA.auditor), bal(a3, cA.auditor) + a3.params.auditReward, "auditor")
    eq(p.totals.minted, a3.totals.minted + a3.params.auditReward, "minted")
  })
  const cases = [
    pass,
    mk(h, "failed-balance", "a fail verdict (OUTPUT_MISMATCH: the recomputed output hash differs): failed; the claim is voided and its worker (a user) charged auditPenalty from its balance", input(a3, enc(report(audA, idA, wrong))), (p, o) => {
      eq(o.outcome, "failed", "outcome")
      eq(p.claims.has(idA), false, "claim voided")
      eq(bal(p, u0.pubKey), bal(a3, u0.pubKey) - 1_000_500, "worker balance")
      eq([p.totals.auditsFailed, p.totals.slashedWork], [1, 1_000_500], "totals")
    }),
    mk(h, "failed-balance-then-stake", "a validator worker with balance 1,000,000 fails: the penalty 1,000,500 takes the balance, then 500 of its stake (VER-AUDIT.8)", input(a3, enc(report(audV, idV, wrong))), (p) => {
      eq([bal(p, v3.pubKey), stk(p, v3.pubKey)], [0, stk(a3, v3.pubKey) - 500], "worker balance, stake")
    }),
    mk(h, "failed-penalty-above-holdings", "auditPenalty 5,000,000 (pre-state params edited) above balance + stake: both go to 0, no more is burned", input(edit(a3, (d) => (d.params = { ...d.params, auditPenalty: 5_000_000 })), enc(report(audV, idV, wrong))), (p) => {
      eq([bal(p, v3.pubKey), stk(p, v3.pubKey)], [0, 0], "worker balance, stake")
      eq(p.totals.slashed - a3.totals.slashed, bal(a3, v3.pubKey) + stk(a3, v3.pubKey), "burned")
    }),
    mk(h, "at-due-height", "a report in block 5 = auditDue is accepted", input(a4, enc(honest)), (p) => eq(p.claims.get(idA)?.audit, "passed", "audit")),
    mk(h, "after-due-height", "a report in block 4 for an audit due at 3 (pre-state edited: blocks mark such an audit missed at its due height)", input(edit(a3, (d) => d.claims.set(idA, { ...cA, auditDue: 3 })), enc(honest)), "AUDIT_EXPIRED"),
    mk(h, "second-report", "a second report after the audit passed", input(decodeOut(pass), enc(honest)), "AUDIT_NOT_PENDING"),
    mk(h, "unknown-work", "a report for a work id nobody claims", input(a3, enc(report(audA, toHex(label32("no-such-work")), wrong))), "AUDIT_NOT_PENDING"),
    mk(h, "wrong-auditor", "a validly signed report by a validator that is not the assigned auditor", input(a3, enc(report(other, idA, A.outputHash))), "AUDIT_WRONG_AUDITOR"),
    mk(h, "bad-chain", "chainId names another chain", input(a3, enc(report(audA, idA, A.outputHash, "other-chain"))), "AUDIT_BAD_CHAIN"),
    mk(h, "signature-bit-flipped", "one bit of the signature flipped", input(a3, enc({ ...honest, signature: flipBit(honest.signature, 1) })), "AUDIT_BAD_SIGNATURE"),
    mk(h, "fail-without-reason", "VER-VERDICT.4: a validly signed fail verdict whose reason is NONE", input(a3, enc(resign(audA, { ...honest, verdict: "fail" }))), "AUDIT_MALFORMED"),
    mk(h, "pass-with-reason", "VER-VERDICT.4: a validly signed pass verdict naming the reason INF_MISMATCH", input(a3, enc(resign(audA, { ...honest, reason: "INF_MISMATCH" }))), "AUDIT_MALFORMED"),
    mk(h, "truncated", "the report's canonical bytes without their last byte", input(a3, truncated(enc(honest))), "DECODE_MALFORMED"),
  ]
  return cases
}

// ------------------------------------------------------------------------------------------------
// evidence (LEDGER-SLASH.1..4)

/** A stake whose 5% slash differs between float and exact integer arithmetic (LEDGER-SLASH.1). */
const floatTrapStake = (ppm: number): number => {
  for (let x = 8_000_000_000_000_001; x < 8_000_000_000_100_000; x += 7) {
    const exact = Number((BigInt(x) * BigInt(ppm)) / BigInt(PPM))
    if (Math.floor((x * ppm) / PPM) !== exact) return x
  }
  return fail("evidence: no float-trap stake found")
}

const evidenceCases = (): { cases: GenCase[]; twoSlots: (s: ChainState, n: Testnet) => ChainState } => {
  const h = handler("evidence")
  const n = net(plainCtx, 18, { evidenceMaxAge: 2 }, [1000, 1000, 10, 0])
  const g = genesisState(sha, n.genesis)
  const [v0, v1, v2, v3] = n.keys as unknown as [Account, Account, Account, Account]
  const X = label32("block-x")
  const Y = label32("block-y")
  const Z = label32("block-z")
  const dv = (who: Account, height: number, a: Uint8Array | null, b: Uint8Array | null, type: "prevote" | "precommit" = "prevote", chainId?: string): Evidence =>
    makeVoteEvidence(vote(who, { type, height, blockHash: a, ...(chainId ? { chainId } : {}) }), vote(who, { type, height, blockHash: b, ...(chainId ? { chainId } : {}) }))
  const enc = Codecs.Evidence.encode
  const input = (st: ChainState, e: Uint8Array | string) => ({ pre: pre(st), evidence: hx(e) })
  const slot = (who: Account, height: number, kind: string) => `${toHex(who.pubKey)}|${height}|0|${kind}`
  const first = mk(h, "duplicate-prevote", "v0 prevotes two blocks at (1, 0): 5% of its stake 1000 is burned (50)", input(g, enc(dv(v0, 1, X, Y))), (p) => {
    eq(stk(p, v0.pubKey), 950, "stake")
    eq(bal(p, v0.pubKey), bal(g, v0.pubKey), "balance untouched")
    eq([p.totals.slashed, p.totals.evidence, p.punished.has(slot(v0, 1, "prevote"))], [50, 1, true], "totals, slot")
  })
  const after = decodeOut(first)
  const b1 = advance(plainCtx, n, g).state
  const b3 = advance(plainCtx, n, advance(plainCtx, n, b1).state).state
  const swapped = (() => {
    const x = dv(v0, 1, X, Y) as Extract<Evidence, { kind: "duplicate-vote" }>
    return { ...x, a: x.b, b: x.a }
  })()
  const badSig = (() => {
    const a = vote(v0, { type: "prevote", height: 1, blockHash: X })
    const b = vote(v0, { type: "prevote", height: 1, blockHash: Y })
    return makeVoteEvidence(a, { ...b, signature: flipBit(b.signature, 7) })
  })()
  const big = floatTrapStake(50_000)
  const nb = net(plainCtx, 19, {}, [big, 1000, 1000, 1000])
  const gb = genesisState(sha, nb.genesis)
  const vb = nb.keys[0] as Account
  const bigSlash = Number((BigInt(big) * 50_000n) / 1_000_000n)
  const stranger = outsider("evidence-stranger")
  const cases = [
    first,
    mk(h, "precommit-nil-vs-block", "v1 precommits nil and a block at (1, 0): nil conflicts with any hash", input(g, enc(dv(v1, 1, null, X, "precommit"))), (p) => eq(stk(p, v1.pubKey), 950, "stake")),
    mk(h, "duplicate-proposal", "v0 proposes two blocks at (1, 0)", input(g, enc(makeProposalEvidence(proposal(v0, { height: 1, blockHash: X }), proposal(v0, { height: 1, blockHash: Y })))), (p) =>
      eq(p.punished.has(slot(v0, 1, "proposal")), true, "slot"),
    ),
    mk(h, "minimum-one-unit", "v2's stake 10: floor(10 * 5%) = 0, but at least one unit is burned", input(g, enc(dv(v2, 1, X, Y))), (p) => eq(stk(p, v2.pubKey), 9, "stake")),
    mk(h, "zero-stake", "v3 has stake 0: nothing is burned, the slot is still recorded and counted", input(g, enc(dv(v3, 1, X, Y))), (p) => {
      eq([stk(p, v3.pubKey), p.totals.slashed, p.totals.evidence, p.punished.size], [0, 0, 1, 1], "stake, totals, slots")
    }),
    mk(h, "large-stake-exact", `stake ${big}: floor(stake * 50,000 / 10^6) = ${bigSlash} in exact integers (float arithmetic gives another value)`, input(gb, enc(dv(vb, 1, X, Y))), (p) => eq(stk(p, vb.pubKey), big - bigSlash, "stake")),
    mk(h, "window-end", "evidence about height 2 in block 4 with evidenceMaxAge 2", input(b3, enc(dv(v0, 2, X, Y))), (p) => eq(stk(p, v0.pubKey), 950, "stake")),
    mk(h, "expired", "evidence about height 1 in block 4 with evidenceMaxAge 2", input(b3, enc(dv(v0, 1, X, Y))), "EVIDENCE_EXPIRED"),
    mk(h, "future-height", "evidence about height 2 in block 1", input(g, enc(dv(v0, 2, X, Y))), "EVIDENCE_INVALID"),
    mk(h, "same-evidence-again", "the 'duplicate-prevote' evidence after it was applied", input(after, enc(dv(v0, 1, X, Y))), "EVIDENCE_DUPLICATE"),
    mk(h, "same-slot-other-votes", "other conflicting votes for a slot already punished", input(after, enc(dv(v0, 1, Y, Z))), "EVIDENCE_DUPLICATE"),
    mk(h, "unknown-validator", "conflicting votes of a key that is not a validator", input(g, enc(dv(stranger, 1, X, Y))), "EVIDENCE_UNKNOWN_VALIDATOR"),
    mk(h, "bad-chain", "both votes name another chain", input(g, enc(dv(v0, 1, X, Y, "prevote", "other-chain"))), "EVIDENCE_INVALID"),
    mk(h, "different-heights", "votes of one validator at heights 1 and 2", input(b1, enc(makeVoteEvidence(vote(v0, { type: "prevote", height: 1, blockHash: X }), vote(v0, { type: "prevote", height: 2, blockHash: Y })))), "EVIDENCE_INVALID"),
    mk(h, "not-conflicting", "the same vote twice", input(g, enc({ kind: "duplicate-vote", a: vote(v0, { type: "prevote", height: 1, blockHash: X }), b: vote(v0, { type: "prevote", height: 1, blockHash: X }) })), "EVIDENCE_INVALID"),
    mk(h, "not-canonical-order", "the two votes in descending byte order (CONS-EVIDENCE.1)", input(g, enc(swapped)), "EVIDENCE_INVALID"),
    mk(h, "bad-signature", "one vote's signature has a flipped bit", input(g, enc(badSig)), "EVIDENCE_INVALID"),
    mk(h, "truncated", "the evidence's canonical bytes without their last byte", input(g, truncated(enc(dv(v0, 1, X, Y)))), "DECODE_MALFORMED"),
  ]
  /** Two slots punished on a state (for the snapshot cases): real evidence applied in order. */
  const twoSlots = (s: ChainState, sn: Testnet): ChainState => {
    const d = cloneState(s)
    const [k0, k1] = sn.keys as unknown as [Account, Account]
    for (const who of [k0, k1]) {
      const x = vote(who, { type: "prevote", height: s.height, blockHash: X })
      const y = vote(who, { type: "prevote", height: s.height, blockHash: Y })
      const r = handler("evidence").run({ pre: pre(d), evidence: toHex(enc(makeVoteEvidence(x, y))) }) as CaseResult
      if (!("output" in r)) fail("snapshot: evidence for the rich state rejected")
      const next = decodeSnapshot(fromHex(((r as { output: JsonObject }).output.post as string)))
      if (Either.isLeft(next)) return fail("snapshot: rich state does not decode")
      Object.assign(d, cloneState(next.right))
    }
    return d
  }
  return { cases, twoSlots }
}

// ------------------------------------------------------------------------------------------------
// rewards (LEDGER-REWARD.1..2, QUAL-WIRE.5)

/**
 * Two Q values whose shares of R differ between float and exact integer arithmetic: Q_a with
 * R * Q_a = -1 (mod Q_a + Q_b), so the exact quotient lies just below an integer that float rounds up to.
 */
const floatTrapQ = (R: number): [number, number] => {
  const modInv = (x: bigint, m: bigint): bigint => {
    let [a, b, u, v] = [x % m, m, 1n, 0n]
    while (b !== 0n) {
      const q = a / b
      ;[a, b, u, v] = [b, a - q * b, v, u - q * v]
    }
    return a === 1n ? ((u % m) + m) % m : 0n
  }
  for (let t = 2n ** 52n + 1n; t < 2n ** 52n + 1001n; t += 2n) {
    const inv = modInv(BigInt(R), t)
    if (inv === 0n) continue
    const a = t - inv
    const total = Number(t)
    const qa = Number(a)
    const exact = Number((BigInt(R) * a) / t)
    if (Math.floor((R * qa) / total) !== exact) return [qa, total - qa]
  }
  return fail("rewards: no float-trap Q found")
}

const rewardsCases = (S: ScoringChain, scoredOut: JsonObject): GenCase[] => {
  const h = handler("rewards")
  const n = net(plainCtx, 20)
  const r1 = advance(plainCtx, n, genesisState(sha, n.genesis)).state
  const [u0, u1, u2] = n.users as [Account, Account, Account]
  const prop = n.keys[1]!.pubHex
  const R = r1.params.blockReward
  const k = (a: Account) => toHex(a.pubKey)
  const sorted = (xs: Array<[string, number]>) => [...xs].sort((a, b) => (a[0] < b[0] ? -1 : 1))
  const input = (st: ChainState, matured: Array<[string, number]>, o: { proposer?: string; scoring?: QualityParams; credits?: Json; signers?: Json } = {}) => ({
    pre: pre(st),
    scoring: (o.scoring ?? null) as unknown as Json,
    proposer: o.proposer ?? prop,
    matured: sorted(matured) as unknown as Json,
    credits: o.credits ?? [],
    signers: o.signers ?? null,
  })
  const newcomer = outsider("rewards-newcomer")
  const [qa, qb] = floatTrapQ(R)
  const shareA = Number((BigInt(R) * BigInt(qa)) / BigInt(qa + qb))
  const shareB = Number((BigInt(R) * BigInt(qb)) / BigInt(qa + qb))
  const cases = [
    mk(h, "nothing-matured", "no claim matured: the whole block reward goes to the proposer", input(r1, []), (p) => {
      eq(bal(p, prop), bal(r1, prop) + R, "proposer")
      eq(p.totals.minted, r1.totals.minted + R, "minted")
    }),
    mk(h, "proportional-with-dust", "Q 1 and 2: shares floor(R/3) = 333,333 and floor(2R/3) = 666,666; the dust (1) to the proposer", input(r1, [[k(u0), 1], [k(u1), 2]]), (p) => {
      eq([bal(p, u0.pubKey) - bal(r1, u0.pubKey), bal(p, u1.pubKey) - bal(r1, u1.pubKey), bal(p, prop) - bal(r1, prop)], [333_333, 666_666, 1], "credits")
    }),
    mk(h, "three-equal", "three workers with Q 5 each: 333,333 each, dust 1", input(r1, [[k(u0), 5], [k(u1), 5], [k(u2), 5]]), (p) => eq(bal(p, prop) - bal(r1, prop), 1, "dust")),
    mk(h, "worker-is-proposer", "the only worker is the proposer: it receives R", input(r1, [[prop, 7]]), (p) => eq(bal(p, prop) - bal(r1, prop), R, "proposer")),
    mk(h, "new-account", "a worker with no account is credited: its account is created", input(r1, [[k(newcomer), 3]]), (p) => eq(acct(p, newcomer.pubKey), { balance: R, stake: 0, nonce: 0 }, "account")),
    mk(h, "zero-share-creates-nothing", "a worker with Q 0 next to one with Q 4: a zero share creates no account", input(r1, [[k(newcomer), 0], [k(u0), 4]]), (p) => {
      eq(p.accounts.has(k(newcomer)), false, "no account")
      eq(bal(p, u0.pubKey) - bal(r1, u0.pubKey), R, "u0")
    }),
    mk(h, "large-q-exact", `Q ${qa} and ${qb}: R * Q exceeds 2^53, shares are exact (${shareA}, ${shareB}; float arithmetic differs)`, input(r1, [[k(u0), qa], [k(u1), qb]]), (p) => {
      eq([bal(p, u0.pubKey) - bal(r1, u0.pubKey), bal(p, u1.pubKey) - bal(r1, u1.pubKey)], [shareA, shareB], "shares")
    }),
  ]
  // scoring chain: workers, evaluators (credits of the finalized round) and validators share R (QUAL-WIRE.5)
  const s6 = decodeSnapshot(fromHex(scoredOut.post as string))
  if (Either.isLeft(s6)) return fail("rewards: scored post-state does not decode")
  const sc = s6.right
  const sProp = S.n.keys[2]!.pubHex
  const scored = (signers: Json, name: string, description: string) =>
    mk(h, name, description, input(sc, (scoredOut.matured as Array<[string, number]>).map(([w, q]) => [w, q]), { scoring: scoringParams, proposer: sProp, credits: scoredOut.credits ?? [], signers }), (p) => {
      eq(p.totals.minted - sc.totals.minted, sc.params.blockReward, "minted")
      eq(p.totals.rewardWorkers + p.totals.rewardEvaluators + p.totals.rewardValidators > 0, true, "paid")
    })
  const signers = [...sc.lastPower.keys()].sort().slice(0, 3)
  cases.push(
    scored(null, "scoring-no-last-commit", "scoring chain after the round finalized: worker, evaluator credit and the whole last voting set (no lastCommit) share R"),
    scored(signers, "scoring-three-signers", "as scoring-no-last-commit with 3 of the 4 validators signing lastCommit: only they share the validators' part"),
  )
  return cases
}

// ------------------------------------------------------------------------------------------------
// block (CONS-VALID.1..3, LEDGER-BLOCK.1..2)

const blockCases = (S: ScoringChain): GenCase[] => {
  const h = handler("block")
  const n = net(plainCtx, 21)
  const g = genesisState(sha, n.genesis)
  const [u0, u1] = n.users as [Account, Account]
  const A = workClaim("block-a", 12)
  const salt = saltOf("block-a")
  const input = (st: ChainState, b: Uint8Array | string, scoring: QualityParams | null = null) => ({ pre: pre(st), block: hx(b), scoring: scoring as unknown as Json })
  const enc = Codecs.Block.encode
  const tx0 = signTransfer(u0, { to: u1.pubKey, amount: 100, fee: 5, nonce: 0 })
  const B1 = advance(plainCtx, n, g, { txs: [tx0], commitments: [commitTo(u0, A, salt)] }, { real: true })
  const all = validatorAccounts(n, g)
  const ev = makeVoteEvidence(vote(n.keys[2]!, { type: "prevote", height: 1, blockHash: label32("x") }), vote(n.keys[2]!, { type: "prevote", height: 1, blockHash: label32("y") }))
  const B2 = advance(plainCtx, n, B1.state, { reveals: [signReveal(u0, A, salt)], evidence: [ev] }, { real: true, lastCommit: certify(B1.block, all) })
  const B3 = advance(plainCtx, n, B2.state, {}, { real: true, round: 1, lastCommit: certify(B2.block, all.slice(0, 3)) })
  const expectPost = (b: Built) => (p: ChainState) => {
    eq(toHex(stateRoot(sha, p)), toHex(b.block.header.stateRoot), "post root = header stateRoot")
    eq(toHex(encodeSnapshot(p)), toHex(encodeSnapshot(b.state)), "post-state = the built state")
  }
  /** A block on `s` by the round-0 proposer with a real beacon and the given body (the root is not computed). */
  const assemble = (s: ChainState, body: Partial<BlockBody>, net0: Testnet = n, ctx: CoreContext = plainCtx): Block => {
    const p = keysOf(net0, proposerFor(sha, s, 0)!.key)
    const full: BlockBody = { ...emptyCandidates, lastCommit: null, ...body }
    const header: BlockHeader = {
      chainId: s.chainId,
      height: s.height + 1,
      round: 0,
      prevHash: s.lastBlockHash,
      proposer: p.pubKey,
      bodyHash: Hashes.bodyHash(sha, full),
      stateRoot: new Uint8Array(32),
      beacon: makeBeacon(ctx, s, p.pubKey, p.blsSecret),
    }
    return { header, body: full }
  }
  const withHeader = (b: Block, f: Partial<BlockHeader>): Block => ({ header: { ...b.header, ...f }, body: b.body })
  const other = n.keys.find((k) => k.pubHex !== toHex(B1.block.header.proposer))!
  const otherBeacon = makeBeacon(plainCtx, g, B1.block.header.proposer, other.blsSecret)
  const halted = edit(g, (d) => {
    for (const k of d.validators.keys()) d.accounts.set(k, { ...accountOf(d, k), stake: 0 })
  })
  const small = edit(g, (d) => (d.params = { ...d.params, maxTxsPerBlock: 1 }))
  const tx1 = signTransfer(u1, { to: u0.pubKey, amount: 1, fee: 1, nonce: 0 })
  const sBlock = advance(S.ctx, S.n, S.c3.state, { scoreCommits: [S.seal(0, S.good).commitment] }, { real: true, lastCommit: certify(S.c3.block, validatorAccounts(S.n, S.c3.state)) })
  const cases = [
    mk(h, "height-1", "block 1: a transfer and a work commitment, no lastCommit", input(g, enc(B1.block)), expectPost(B1)),
    mk(h, "height-2", "block 2: the reveal and an equivocation evidence, lastCommit signed by all 4 validators", input(B1.state, enc(B2.block)), expectPost(B2)),
    mk(h, "round-1", "block 3 decided in round 1 (proposer of round 1), lastCommit signed by 3 of 4 (> 2/3)", input(B2.state, enc(B3.block)), expectPost(B3)),
    mk(h, "scoring-chain", "scoring chain, block 4 with a score commitment", input(S.c3.state, enc(sBlock.block), scoringParams), expectPost(sBlock)),
    mk(h, "bad-chain-id", "header chainId of another chain", input(g, enc(withHeader(B1.block, { chainId: "other-chain" }))), "BLOCK_BAD_HEADER"),
    mk(h, "bad-height", "header height 2 on a state at height 0", input(g, enc(withHeader(B1.block, { height: 2 }))), "BLOCK_BAD_HEADER"),
    mk(h, "bad-prev-hash", "prevHash is not the last block hash", input(g, enc(withHeader(B1.block, { prevHash: flipBit(g.lastBlockHash) }))), "BLOCK_BAD_HEADER"),
    mk(h, "wrong-proposer", "header proposer is another validator than the proposer of round 0", input(g, enc(withHeader(B1.block, { proposer: other.pubKey }))), "BLOCK_WRONG_PROPOSER"),
    mk(h, "beacon-wrong-key", "the beacon names the proposer but is signed with another validator's BLS key", input(g, enc(withHeader(B1.block, { beacon: otherBeacon }))), "BLOCK_BAD_BEACON"),
    mk(h, "beacon-wrong-prev", "the beacon's prev is not the state's beacon", input(g, enc(withHeader(B1.block, { beacon: { ...B1.block.header.beacon, prev: flipBit(g.beacon) } }))), "BLOCK_BAD_BEACON"),
    mk(h, "bad-body-hash", "the body without its transfer, header unchanged", input(g, enc({ header: B1.block.header, body: { ...B1.block.body, txs: [] } })), "BLOCK_BAD_BODY_HASH"),
    mk(h, "last-commit-at-height-1", "block 1 carrying a lastCommit", input(g, enc(assemble(g, { lastCommit: certify(B1.block, all) }))), "BLOCK_BAD_LAST_COMMIT"),
    mk(h, "last-commit-missing", "block 2 without lastCommit", input(B1.state, enc(assemble(B1.state, {}))), "BLOCK_BAD_LAST_COMMIT"),
    mk(h, "last-commit-no-quorum", "block 2 whose lastCommit has 2 of 4 equal signers (not > 2/3)", input(B1.state, enc(assemble(B1.state, { lastCommit: certify(B1.block, all.slice(0, 2)) }))), "BLOCK_BAD_LAST_COMMIT"),
    mk(h, "bad-tx", "a transfer with nonce 5", input(g, enc(assemble(g, { txs: [signTransfer(u0, { to: u1.pubKey, amount: 1, fee: 1, nonce: 5 })] }))), "BLOCK_BAD_TX"),
    mk(h, "bad-commitment", "a commitment with a flipped signature bit", input(g, enc(assemble(g, { commitments: [{ ...commitTo(u0, A, salt), signature: flipBit(commitTo(u0, A, salt).signature) }] }))), "BLOCK_BAD_WORK"),
    mk(h, "bad-reveal", "a reveal without a commitment", input(g, enc(assemble(g, { reveals: [signReveal(u0, A, salt)] }))), "BLOCK_BAD_WORK"),
    mk(h, "bad-evidence", "evidence about a future height", input(g, enc(assemble(g, { evidence: [makeVoteEvidence(vote(n.keys[1]!, { type: "prevote", height: 3, blockHash: label32("x") }), vote(n.keys[1]!, { type: "prevote", height: 3, blockHash: label32("y") }))] }))), "BLOCK_BAD_EVIDENCE"),
    mk(h, "bad-audit", "an audit report for a claim nobody made", input(g, enc(assemble(g, { audits: [(() => {
      const u = { chainId: g.chainId, auditor: n.keys[0]!.pubKey, workId: label32("no-work"), verdict: "pass" as const, reason: "NONE" as const, evidence: { sampled: [], recomputed: [], item: -1, metrics: [] } }
      return { ...u, signature: testCrypto.ed25519.sign(SigningBytes.auditReport(u), n.keys[0]!.secretKey) }
    })()] }))), "BLOCK_BAD_AUDIT"),
    mk(h, "score-on-unscored-chain", "a score commitment on a chain that scores no claims", input(g, enc(assemble(g, { scoreCommits: [S.seal(0, S.good).commitment] }))), "BLOCK_BAD_SCORE"),
    mk(h, "bad-score-commit", "scoring chain: a score commitment by a key with no seat", input(S.c3.state, enc(assemble(S.c3.state, {
      scoreCommits: [sealScores(testCrypto, { chainId: S.c3.state.chainId, secretKey: (S.n.users[1] as Account).secretKey, claimId: fromHex(S.claimId), scores: S.good }).commitment],
      lastCommit: certify(S.c3.block, validatorAccounts(S.n, S.c3.state)),
    }, S.n, S.ctx)), scoringParams), "BLOCK_BAD_SCORE"),
    mk(h, "bad-state-root", "block 1 with one bit of its stateRoot flipped", input(g, enc(withHeader(B1.block, { stateRoot: flipBit(B1.block.header.stateRoot) }))), "BLOCK_BAD_STATE_ROOT"),
    mk(h, "too-many-txs", "two transfers where maxTxsPerBlock is 1 (pre-state params edited)", input(small, enc(assemble(small, { txs: [tx0, tx1] }))), "BLOCK_TOO_LARGE"),
    mk(h, "chain-halted", "every validator's stake is 0 (pre-state edited): no proposer exists (CONS-HALT.1)", input(halted, enc(B1.block)), "CHAIN_HALTED"),
    mk(h, "truncated", "block 1's canonical bytes without their last byte", input(g, truncated(enc(B1.block))), "DECODE_MALFORMED"),
  ]
  return cases
}

// ------------------------------------------------------------------------------------------------

export const generateLedger = async (outRoot: string): Promise<void> => {
  const S = scoringChain()
  const transfer = transferCases()
  const commit = workCommitCases()
  const reveal = workRevealCases(commit.sameBlock, {
    pre: S.c1.state,
    reveal: toHex(Codecs.WorkReveal.encode(S.reveal)),
    scoring: scoringParams,
    sketch: S.A.noveltySketch,
  })
  const expiry = workExpiryCases(S)
  const audit = auditCases()
  const evidence = evidenceCases()
  const sc = scoreCommitCases(S)
  const sr = scoreRevealCases(S, sc.afterCommit)
  const rewards = rewardsCases(S, expiry.scoredOut)
  const block = blockCases(S)
  const rich = evidence.twoSlots(S.c4.state, S.n)
  const snapshot = snapshotCases([
    { name: "genesis", description: "a genesis state (height 0)", state: genesisState(sha, net(plainCtx, 11).genesis) },
    { name: "after-blocks", description: "scoring chain at height 3: a claim, an open scoring round, the Q window", state: S.c3.state },
    { name: "rich", description: "scoring chain at height 4 with score commitments, and two equivocations punished (mid-block 5)", state: rich },
  ])
  const byHandler: ReadonlyArray<[string, ReadonlyArray<GenCase>]> = [
    ["snapshot", snapshot],
    ["transfer", transfer],
    ["work_commit", commit.cases],
    ["work_reveal", reveal],
    ["work_expiry", expiry.cases],
    ["audit", audit],
    ["evidence", evidence.cases],
    ["score_commit", sc.cases],
    ["score_reveal", sr],
    ["rewards", rewards],
    ["block", block],
  ]
  for (const [name, cases] of byHandler) write(outRoot, handler(name), cases)
}

export const generate = async (outRoot: string): Promise<void> => {
  await generateLedger(outRoot)
  await generateQuality(outRoot)
}
