// spec: LEDGER-TX.1..6, LEDGER-REWARD.1..2, LEDGER-SLASH.1, LEDGER-ROOT.1 (spec/05-ledger.md)
// The model and the real system of the ledger model-based test (properties/ledger.model.test.ts), and
// what every command shares. One command per file next to this one (stacks-core pox-4 style).
//
// Real system: a DraftState cloned from genesisState, mutated only by applyTransfer / slash /
// distributeReward of src/core/Ledger.ts. Model: plain per-account numbers (balance, stake, nonce),
// the applied transfers (for replays), and the minted / slashed / tx counters.
import { Either } from "effect"
import { expect } from "vitest"
import { toHex } from "../../../src/codec/Bytes.ts"
import { SigningBytes } from "../../../src/codec/Hashing.ts"
import { type DraftState, type Hex, cloneState, genesisState, stateRoot } from "../../../src/core/ChainState.ts"
import type { CoreContext } from "../../../src/core/Context.ts"
import type { ErrorCode } from "../../../src/core/Errors.ts"
import type { Genesis } from "../../../src/core/Genesis.ts"
import { applyTransfer } from "../../../src/core/Ledger.ts"
import { defaultParams } from "../../../src/core/Params.ts"
import type { Transfer, UnsignedTransfer } from "../../../src/domain/Transaction.ts"
import { ctx as fixtureCtx } from "../../../test/fixtures/core.ts"
import { type Key, namedKey } from "../../support/Keys.ts"

export const ctx: CoreContext = fixtureCtx
const sha = ctx.crypto.sha256
export const CHAIN_ID = "poai-ledger-model"
export const MIN_FEE = 3
export const BLOCK_REWARD = 1_000_003

export type { Key }
const key = namedKey("ledger")

/** Funded users, validators (stake, small balance), a recipient with no genesis account, an outsider. */
export const USERS: ReadonlyArray<Key> = ["alice", "bob", "carol", "dave"].map(key)
export const VALIDATORS: ReadonlyArray<Key> = ["val-0", "val-1", "val-2"].map(key)
/** Receives transfers (so gets an account later) but never sends before it has one. */
export const FRESH: Key = key("fresh")
/** Never has an account: every transfer it signs is from an unknown sender. */
export const OUTSIDER: Key = key("outsider")
/** The block proposer that receives fees and reward dust. */
export const FEE_SINK: Key = VALIDATORS[0] as Key
/** Possible senders (valid commands) and recipients. */
export const SENDERS: ReadonlyArray<Key> = [...USERS, ...VALIDATORS, FRESH]
export const RECIPIENTS: ReadonlyArray<Key> = [...USERS, ...VALIDATORS, FRESH]

export interface ModelAccount {
  balance: number
  stake: number
  nonce: number
}

export interface LedgerModel {
  readonly accounts: Map<Hex, ModelAccount>
  /** Transfers applied so far, in order (replaying any of them must fail). */
  readonly applied: Transfer[]
  readonly totals: { txs: number; minted: number; slashed: number }
  /** Sum of all balances at genesis: balances only move, except rewards (minted). */
  readonly genesisSupply: number
}

export interface LedgerReal {
  readonly d: DraftState
}

export interface GenesisSpec {
  /** Balances of USERS; stakes of VALIDATORS (may exceed 2^33: LEDGER-SLASH.1 must stay exact). */
  readonly balances: ReadonlyArray<number>
  readonly stakes: ReadonlyArray<number>
}

export const setup = (g: GenesisSpec) => (): { model: LedgerModel; real: LedgerReal } => {
  const genesis: Genesis = {
    attestation: null,
    scoring: null,
    chainId: CHAIN_ID,
    params: { ...defaultParams, minFee: MIN_FEE, blockReward: BLOCK_REWARD },
    validators: VALIDATORS.map((v, i) => ({ pubKey: v.pubKey, blsPubKey: new Uint8Array(48), stake: g.stakes[i] ?? 0 })),
    accounts: [
      ...USERS.map((u, i) => ({ pubKey: u.pubKey, balance: g.balances[i] ?? 0 })),
      ...VALIDATORS.map((v) => ({ pubKey: v.pubKey, balance: 50 })),
    ],
  }
  const d = cloneState(genesisState(sha, genesis))
  const accounts = new Map<Hex, ModelAccount>()
  USERS.forEach((u, i) => accounts.set(u.hex, { balance: g.balances[i] ?? 0, stake: 0, nonce: 0 }))
  VALIDATORS.forEach((v, i) => accounts.set(v.hex, { balance: 50, stake: g.stakes[i] ?? 0, nonce: 0 }))
  let supply = 0
  for (const a of accounts.values()) supply += a.balance
  return { model: { accounts, applied: [], totals: { txs: 0, minted: 0, slashed: 0 }, genesisSupply: supply }, real: { d } }
}

export const pick = <T>(xs: ReadonlyArray<T>, i: number): T => xs[i % xs.length] as T

export const sign = (from: Key, f: { to: Key; amount: number; fee: number; nonce: number; chainId?: string }): Transfer => {
  const unsigned: UnsignedTransfer = {
    chainId: f.chainId ?? CHAIN_ID,
    from: from.pubKey,
    to: f.to.pubKey,
    amount: f.amount,
    fee: f.fee,
    nonce: f.nonce,
  }
  return { ...unsigned, signature: ctx.crypto.ed25519.sign(SigningBytes.transfer(unsigned), from.secretKey) }
}

/** Everything a ledger operation may touch. */
export const snapshot = (d: DraftState) => ({
  root: toHex(stateRoot(sha, d)),
  accounts: [...d.accounts.entries()].map(([k, a]) => `${k}:${a.balance}:${a.stake}:${a.nonce}`).sort(),
  totals: { ...d.totals },
})

/** The real ledger agrees with the model on every account and counter, and supply is conserved. */
export const expectMatchesModel = (m: LedgerModel, r: LedgerReal): void => {
  for (const [k, a] of m.accounts) {
    const x = r.d.accounts.get(k)
    expect(x, `account ${k.slice(0, 8)}`).toEqual({ balance: a.balance, stake: a.stake, nonce: a.nonce })
  }
  for (const k of r.d.accounts.keys()) expect(m.accounts.has(k), `unexpected account ${k.slice(0, 8)}`).toBe(true)
  expect(r.d.totals.txs).toBe(m.totals.txs)
  expect(r.d.totals.minted).toBe(m.totals.minted)
  expect(r.d.totals.slashed).toBe(m.totals.slashed)
  let supply = 0
  for (const a of r.d.accounts.values()) supply += a.balance
  expect(supply, "LEDGER-TX.6 / LEDGER-REWARD.1: balances only move, except minted rewards").toBe(m.genesisSupply + r.d.totals.minted)
}

/** An invalid twin: applyTransfer rejects with `code` and leaves the draft exactly as it was. */
export const expectRejected = (r: LedgerReal, tx: Transfer, code: ErrorCode): void => {
  const before = snapshot(r.d)
  const res = applyTransfer(ctx, r.d, tx, FEE_SINK.hex)
  expect(Either.isLeft(res) ? res.left.code : "accepted").toBe(code)
  expect(snapshot(r.d)).toEqual(before)
}

export const modelAccount = (m: LedgerModel, k: Key): ModelAccount | undefined => m.accounts.get(k.hex)
