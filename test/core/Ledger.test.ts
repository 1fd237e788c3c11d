// spec: LEDGER-TX.1..6, LEDGER-REWARD.1..2, LEDGER-SLASH.1 (spec/05-ledger.md)
import fc from "fast-check"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { type ChainState, type DraftState, cloneState, genesisState, stateRoot } from "../../src/core/ChainState.ts"
import type { ErrorCode } from "../../src/core/Errors.ts"
import { applyTransfer, distributeReward, slash } from "../../src/core/Ledger.ts"
import { PPM } from "../../src/domain/Primitives.ts"
import type { Transfer } from "../../src/domain/Transaction.ts"
import { USER_BALANCE } from "../../src/drivers/Testnet.ts"
import { ctx, flipBit, outsider, sha, signTransfer, testnet } from "../fixtures/core.ts"

const net = testnet({ nodes: 4, seed: 11, users: 3, params: { minFee: 10, blockReward: 1_000_000 } })
const s0: ChainState = genesisState(sha, net.genesis)
const [alice, bob, carol] = net.users as [(typeof net.users)[0], (typeof net.users)[0], (typeof net.users)[0]]
const A = toHex(alice.pubKey)
const B = toHex(bob.pubKey)
const sink = toHex(net.keys[0]!.pubKey) // the block proposer receiving fees
const sinkBalance0 = s0.accounts.get(sink)!.balance

const tx = (f: Partial<{ to: Uint8Array; amount: number; fee: number; nonce: number; chainId: string }> = {}, from = alice) =>
  signTransfer(from, { to: bob.pubKey, amount: 100, fee: 10, nonce: 0, ...f })

/** Snapshot of everything a transfer may touch, to prove a rejected transfer touched nothing. */
const snapshot = (d: DraftState) => ({
  root: toHex(stateRoot(sha, d)),
  accounts: [...d.accounts.entries()].map(([k, a]) => `${k}:${a.balance}:${a.stake}:${a.nonce}`).sort(),
  totals: { ...d.totals },
})

const expectRejected = (d: DraftState, t: Transfer, code: ErrorCode) => {
  const before = snapshot(d)
  const r = applyTransfer(ctx, d, t, sink)
  expect(Either.isLeft(r) ? r.left.code : "accepted").toBe(code)
  expect(snapshot(d)).toEqual(before)
}

describe("applyTransfer (LEDGER-TX.6)", () => {
  it("applies a valid transfer: debit amount+fee, credit amount, fee to the proposer, nonce+1, txs+1", () => {
    const d = cloneState(s0)
    const r = applyTransfer(ctx, d, tx({ amount: 100, fee: 10 }), sink)
    expect(Either.isRight(r)).toBe(true)
    expect(d.accounts.get(A)).toEqual({ balance: USER_BALANCE - 110, stake: 0, nonce: 1 })
    expect(d.accounts.get(B)).toEqual({ balance: USER_BALANCE + 100, stake: 0, nonce: 0 })
    expect(d.accounts.get(sink)!.balance).toBe(sinkBalance0 + 10)
    expect(d.totals.txs).toBe(1)
    // the genesis state itself is untouched (drafts are copies)
    expect(s0.accounts.get(A)!.balance).toBe(USER_BALANCE)
    expect(s0.totals.txs).toBe(0)
  })

  it("creates the recipient account when it does not exist", () => {
    const d = cloneState(s0)
    const fresh = outsider("fresh-recipient")
    expect(d.accounts.has(toHex(fresh.pubKey))).toBe(false)
    expect(Either.isRight(applyTransfer(ctx, d, tx({ to: fresh.pubKey, amount: 7 }), sink))).toBe(true)
    expect(d.accounts.get(toHex(fresh.pubKey))).toEqual({ balance: 7, stake: 0, nonce: 0 })
  })

  it("a self-transfer costs only the fee and bumps the nonce", () => {
    const d = cloneState(s0)
    expect(Either.isRight(applyTransfer(ctx, d, tx({ to: alice.pubKey, amount: 500 }), sink))).toBe(true)
    expect(d.accounts.get(A)).toEqual({ balance: USER_BALANCE - 10, stake: 0, nonce: 1 })
  })

  it("consecutive nonces apply in order", () => {
    const d = cloneState(s0)
    for (let n = 0; n < 3; n++) expect(Either.isRight(applyTransfer(ctx, d, tx({ nonce: n }), sink))).toBe(true)
    expect(d.accounts.get(A)!.nonce).toBe(3)
    expect(d.totals.txs).toBe(3)
  })

  it("spending the whole balance (amount + fee == balance) is allowed", () => {
    const d = cloneState(s0)
    expect(Either.isRight(applyTransfer(ctx, d, tx({ amount: USER_BALANCE - 10, fee: 10 }), sink))).toBe(true)
    expect(d.accounts.get(A)!.balance).toBe(0)
  })

  it("fee == minFee is allowed", () => {
    expect(Either.isRight(applyTransfer(ctx, cloneState(s0), tx({ fee: 10 }), sink))).toBe(true)
  })
})

describe("transfer rejections leave the draft unchanged (LEDGER-TX.1..5)", () => {
  it("TX_BAD_CHAIN: a transfer signed for another chain id", () => {
    expectRejected(cloneState(s0), tx({ chainId: "other-chain" }), "TX_BAD_CHAIN")
  })

  it("TX_BAD_SIGNATURE: a corrupted signature", () => {
    const t = tx()
    expectRejected(cloneState(s0), { ...t, signature: flipBit(t.signature, 5, 3) }, "TX_BAD_SIGNATURE")
  })

  it("TX_BAD_SIGNATURE: signed by someone other than `from`", () => {
    const t = tx({}, carol)
    expectRejected(cloneState(s0), { ...t, from: alice.pubKey }, "TX_BAD_SIGNATURE")
  })

  it("TX_BAD_SIGNATURE: a changed amount invalidates the signature", () => {
    const t = tx({ amount: 100 })
    expectRejected(cloneState(s0), { ...t, amount: 101 }, "TX_BAD_SIGNATURE")
  })

  it("TX_UNKNOWN_SENDER: a validly signed transfer from a key without an account", () => {
    expectRejected(cloneState(s0), tx({}, outsider("no-account")), "TX_UNKNOWN_SENDER")
  })

  it("TX_BAD_NONCE: a nonce gap", () => {
    expectRejected(cloneState(s0), tx({ nonce: 1 }), "TX_BAD_NONCE")
  })

  it("TX_BAD_NONCE: replay of an applied transfer", () => {
    const d = cloneState(s0)
    const t = tx({ nonce: 0 })
    expect(Either.isRight(applyTransfer(ctx, d, t, sink))).toBe(true)
    expectRejected(d, t, "TX_BAD_NONCE")
    expect(d.totals.txs).toBe(1)
  })

  it("TX_INSUFFICIENT_FUNDS: amount + fee one unit above the balance", () => {
    expectRejected(cloneState(s0), tx({ amount: USER_BALANCE - 9, fee: 10 }), "TX_INSUFFICIENT_FUNDS")
  })

  it("TX_INSUFFICIENT_FUNDS: amount and fee at the top of the integer range", () => {
    const max = Number.MAX_SAFE_INTEGER
    expectRejected(cloneState(s0), tx({ amount: max, fee: max }), "TX_INSUFFICIENT_FUNDS")
  })

  it("TX_FEE_TOO_LOW: fee one below minFee", () => {
    expectRejected(cloneState(s0), tx({ fee: 9 }), "TX_FEE_TOO_LOW")
  })

  it("TX_ZERO_AMOUNT", () => {
    expectRejected(cloneState(s0), tx({ amount: 0 }), "TX_ZERO_AMOUNT")
  })
})

describe("distributeReward (LEDGER-REWARD.1..2)", () => {
  const w1 = toHex(outsider("worker-1").pubKey)
  const w2 = toHex(outsider("worker-2").pubKey)
  const w3 = toHex(outsider("worker-3").pubKey)
  const bal = (d: DraftState, k: string) => d.accounts.get(k)?.balance ?? 0

  it("splits the reward in proportion to matured Q; rounding dust goes to the proposer", () => {
    const d = cloneState(s0)
    distributeReward(d, new Map([[w1, 1], [w2, 2]]), sink)
    expect(bal(d, w1)).toBe(333_333) // floor(1e6 * 1 / 3)
    expect(bal(d, w2)).toBe(666_666) // floor(1e6 * 2 / 3)
    expect(bal(d, sink) - sinkBalance0).toBe(1) // dust
    expect(d.totals.minted).toBe(1_000_000)
  })

  it("equal Q with a reward not divisible by the number of workers", () => {
    const d = cloneState({ ...s0, params: { ...s0.params, blockReward: 10 } })
    distributeReward(d, new Map([[w1, 3], [w2, 3], [w3, 3]]), sink)
    expect([bal(d, w1), bal(d, w2), bal(d, w3)]).toEqual([3, 3, 3])
    expect(bal(d, sink) - sinkBalance0).toBe(1)
    expect(d.totals.minted).toBe(10)
  })

  it("no matured claims: the proposer gets the whole reward", () => {
    const d = cloneState(s0)
    distributeReward(d, new Map(), sink)
    expect(bal(d, sink) - sinkBalance0).toBe(1_000_000)
    expect(d.totals.minted).toBe(1_000_000)
  })

  it("matured entries with zero Q count as no claims", () => {
    const d = cloneState(s0)
    distributeReward(d, new Map([[w1, 0]]), sink)
    expect(bal(d, w1)).toBe(0)
    expect(bal(d, sink) - sinkBalance0).toBe(1_000_000)
  })

  it("a proposer that is also a worker gets its share plus the dust", () => {
    const d = cloneState(s0)
    distributeReward(d, new Map([[sink, 1], [w1, 2]]), sink)
    expect(bal(d, w1)).toBe(666_666)
    expect(bal(d, sink) - sinkBalance0).toBe(333_334)
  })

  it("minted accumulates across blocks", () => {
    const d = cloneState(s0)
    distributeReward(d, new Map(), sink)
    distributeReward(d, new Map([[w1, 5]]), sink)
    expect(d.totals.minted).toBe(2_000_000)
    expect(bal(d, w1)).toBe(1_000_000)
  })

  it("property: exactly blockReward is credited, worker i gets floor(R*Q_i/Q_total), the rest to the proposer", () => {
    const workers = Array.from({ length: 6 }, (_, i) => toHex(outsider(`pw-${i}`).pubKey))
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000_000 }), { minLength: 0, maxLength: 6 }),
        (R, qs) => {
          const d = cloneState({ ...s0, params: { ...s0.params, blockReward: R } })
          const matured = new Map(qs.map((q, i) => [workers[i] as string, q]))
          distributeReward(d, matured, sink)
          const total = qs.reduce((a, q) => a + q, 0)
          let paid = 0
          qs.forEach((q, i) => {
            const share = total === 0 ? 0 : Number((BigInt(R) * BigInt(q)) / BigInt(total))
            expect(bal(d, workers[i] as string)).toBe(share)
            paid += share
          })
          expect(bal(d, sink) - sinkBalance0).toBe(R - paid)
          expect(d.totals.minted).toBe(R)
        },
      ),
      { numRuns: 200, seed: 20240601 },
    )
  })
})

describe("slash (LEDGER-SLASH.1)", () => {
  const V = toHex(net.keys[1]!.pubKey)
  const withStake = (stake: number): DraftState => {
    const d = cloneState(s0)
    d.accounts.set(V, { ...d.accounts.get(V)!, stake })
    return d
  }

  it("burns floor(stake * ppm / 1e6) of the stake and adds it to totals.slashed", () => {
    const d = withStake(1000)
    expect(slash(d, V, 50_000)).toBe(50)
    expect(d.accounts.get(V)!.stake).toBe(950)
    expect(d.totals.slashed).toBe(50)
    expect(slash(d, V, 50_000)).toBe(47) // floor(950 * 0.05) = 47
    expect(d.accounts.get(V)!.stake).toBe(903)
    expect(d.totals.slashed).toBe(97)
  })

  it("burns at least one unit when the fraction rounds to zero", () => {
    const d = withStake(10)
    expect(slash(d, V, 50_000)).toBe(1)
    expect(d.accounts.get(V)!.stake).toBe(9)
    expect(d.totals.slashed).toBe(1)
  })

  it("burns nothing from a zero stake or with a zero fraction", () => {
    const d = withStake(0)
    expect(slash(d, V, 50_000)).toBe(0)
    expect(d.accounts.get(V)!.stake).toBe(0)
    const e = withStake(1000)
    expect(slash(e, V, 0)).toBe(0)
    expect(e.accounts.get(V)!.stake).toBe(1000)
    expect(e.totals.slashed).toBe(0)
  })

  it("ppm = 1e6 burns the whole stake", () => {
    const d = withStake(12345)
    expect(slash(d, V, PPM)).toBe(12345)
    expect(d.accounts.get(V)!.stake).toBe(0)
  })

  it("leaves the balance alone", () => {
    const d = withStake(1000)
    const before = d.accounts.get(V)!.balance
    slash(d, V, 50_000)
    expect(d.accounts.get(V)!.balance).toBe(before)
  })

  // Regression: slash computed Math.floor(stake * ppm / PPM) in floating point. For stakes above ~9e9 the
  // product exceeds 2^53 and rounds, burning one unit more than the exact value (a state-root split
  // against any implementation with exact integer arithmetic).
  it("regression: the amount is exact for large stakes (stake 501265427427, ppm 786918)", () => {
    const d = withStake(501_265_427_427)
    expect(slash(d, V, 786_918)).toBe(394_454_787_619) // exact floor; float arithmetic gave ...620
  })

  it("property: the amount equals the exact integer floor(stake * ppm / 1e6) (min 1) over the whole range", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: PPM }), (stake, ppm) => {
        const d = withStake(stake)
        const exact = Number((BigInt(stake) * BigInt(ppm)) / BigInt(PPM))
        const expected = exact === 0 && stake > 0 && ppm > 0 ? 1 : exact
        expect(slash(d, V, ppm)).toBe(expected)
        expect(d.accounts.get(V)!.stake).toBe(stake - expected)
        expect(d.totals.slashed).toBe(expected)
      }),
      { numRuns: 500, seed: 424242 },
    )
  })
})
