// spec: CONS-RULE.2, CONS-RULE.3, CONS-RULE.5, CONS-VOTE.1, Agreement (spec/03-consensus.md)
//
// A monitor of honest nodes, fed every step (state before, state after, outputs). It checks, from the
// node's own state only (what the node had received when it acted):
//   - no-double-sign: a node never signs two different votes for one (height, round, type) (CONS-VOTE.1);
//   - lock-respected: a node whose lock is (LV, LR) prevotes a value v != LV at round r only if v is the
//     proposal of round r and a polka for v at some round vr with LR <= vr < r justifies it (CONS-RULE.2/3);
//     any prevote for a value is for the proposal of its round;
//   - lock-update: lockedRound never decreases within a height; the lock changes only to (v, r) with a polka
//     for v at r held by the node, together with its precommit for v at r (CONS-RULE.5);
//   - precommit-needs-polka: a precommit for v at r only with a polka for v at r (CONS-RULE.5);
//   - valid-update: validRound never decreases within a height, and (validValue, validRound) is a polka;
//     after a step the node is never past `propose` in a round whose (valid) proposal has a polka without
//     having taken it as validValue (CONS-RULE.5 fires), nor still in `prevote` (it would have locked);
//   - re-proposal: the node's own proposal carries its validValue with validRound when it has one
//     (CONS-RULE.1);
//   - one-firing: a step emits each own vote at most once (a rule that keeps firing, NODE-STEP.5).
// The thresholds are recomputed here with their own arithmetic (3p > 2T, power per validator, an
// equivocator once), not with the code under test.
import { toHex } from "../../src/codec/Bytes.ts"
import type { Hex } from "../../src/core/ChainState.ts"
import type { NodeOutput } from "../../src/core/Node.ts"
import type { ConsensusState, NodeState } from "../../src/core/NodeState.ts"
import type { Vote } from "../../src/domain/Consensus.ts"

const hexOf = (h: Uint8Array | null): string => (h === null ? "nil" : toHex(h))

/** Power of the validators holding a prevote for `value` at `round` (each validator once). */
export const prevotePower = (c: ConsensusState, round: number, value: string): bigint => {
  let p = 0n
  for (const [k, vs] of c.prevotes.get(round) ?? []) if (vs.some((v) => hexOf(v.blockHash) === value)) p += BigInt(c.table.power.get(k) ?? 0)
  return p
}
export const hasPolka = (c: ConsensusState, round: number, value: string): boolean => 3n * prevotePower(c, round, value) > 2n * c.table.total

export interface MonitorStats {
  /** prevotes for a value other than the node's lock, justified by a later polka (the unlock path) */
  unlocks: number
  /** prevotes cast while locked */
  lockedPrevotes: number
  /** nil prevotes cast while locked on a value that was not proposed (the lock test doing its work) */
  lockRefusals: number
  /** lock changes from one value to another */
  relocks: number
  /** own votes checked */
  votes: number
}

export class LockMonitor {
  readonly violations: string[] = []
  readonly stats: MonitorStats = { unlocks: 0, lockedPrevotes: 0, lockRefusals: 0, relocks: 0, votes: 0 }
  /** node -> "h/r/type" -> value signed */
  private readonly signed = new Map<number, Map<string, string>>()
  /** height -> block hash of the first honest commit */
  private readonly decided = new Map<number, Hex>()

  private fail(node: number, msg: string): void {
    if (this.violations.length < 20) this.violations.push(`node ${node}: ${msg}`)
  }

  observe(node: number, before: NodeState, after: NodeState, outputs: ReadonlyArray<NodeOutput>): void {
    const me = after.keys.pubHex
    const own: Vote[] = []
    for (const o of outputs) {
      if (o.type === "broadcast" && o.message.type === "vote" && toHex(o.message.vote.validator) === me) own.push(o.message.vote)
      if (o.type === "commit") {
        const f = this.decided.get(o.height)
        if (f === undefined) this.decided.set(o.height, o.blockHash)
        else if (f !== o.blockHash) this.fail(node, `Agreement: commits ${o.blockHash.slice(0, 12)} at height ${o.height}, another honest node ${f.slice(0, 12)}`)
      }
    }
    const inStep = new Set<string>()
    for (const v of own) {
      const k = `${v.height}/${v.round}/${v.type}/${hexOf(v.blockHash)}`
      if (inStep.has(k)) this.fail(node, `one-firing: the same ${v.type} for round ${v.round} emitted twice in one step`)
      inStep.add(k)
    }
    let book = this.signed.get(node)
    if (book === undefined) this.signed.set(node, (book = new Map()))
    const b = before.cons
    // the consensus state in which the node acted: `after` unless it decided in this step (then its
    // votes, if any, belong to the height it left, whose state is `before` plus what the step added)
    const a = after.cons
    const sameHeight = a.height === b.height
    for (const v of own) {
      const key = `${v.height}/${v.round}/${v.type}`
      const value = hexOf(v.blockHash)
      const prev = book.get(key)
      if (prev !== undefined) {
        if (prev !== value) this.fail(node, `double-sign: ${v.type} at height ${v.height} round ${v.round} for ${prev.slice(0, 12)} and ${value.slice(0, 12)}`)
        continue // a retransmission
      }
      book.set(key, value)
      this.stats.votes++
      if (!sameHeight || v.height !== a.height) continue
      if (v.type === "prevote") this.checkPrevote(node, b, a, v.round, value)
      else if (value !== "nil" && !hasPolka(a, v.round, value)) this.fail(node, `precommit-needs-polka: precommit for ${value.slice(0, 12)} at round ${v.round} without a polka`)
    }
    if (!sameHeight) return
    // re-proposal (CONS-RULE.1): the validValue in force when the node entered the proposal's round
    for (const o of outputs) {
      if (o.type !== "broadcast" || o.message.type !== "proposal" || toHex(o.message.proposal.proposer) !== me) continue
      const p = o.message.proposal
      if (p.height !== a.height || b.proposals.has(p.round)) continue // another height, or a retransmission
      const valid = a.validRound !== b.validRound && a.validRound < p.round ? a : b
      if (valid.validValue === null) {
        if (p.validRound !== -1) this.fail(node, `re-proposal: fresh proposal at round ${p.round} with validRound ${p.validRound}`)
      } else if (toHex(p.blockHash) !== valid.validValue.blockHash || p.validRound !== valid.validRound)
        this.fail(node, `re-proposal: proposal at round ${p.round} is not validValue with validRound ${valid.validRound}`)
    }
    // CONS-RULE.5 has fired wherever it applies
    const prop = a.proposals.get(a.round)
    if (prop !== undefined && a.step !== "propose" && a.step !== "newHeight" && a.validity.get(prop.blockHash)?.ok === true && hasPolka(a, a.round, prop.blockHash)) {
      if (a.validRound < a.round) this.fail(node, `valid-update: polka for the proposal of round ${a.round} held in step ${a.step}, validRound ${a.validRound}`)
      if (a.step === "prevote") this.fail(node, `lock-update: polka for the proposal of round ${a.round} held, still in step prevote`)
    }
    // lock-update and valid-update
    if (a.lockedRound < b.lockedRound) this.fail(node, `lock-update: lockedRound went back from ${b.lockedRound} to ${a.lockedRound}`)
    if (a.lockedRound === b.lockedRound && a.lockedValue?.blockHash !== b.lockedValue?.blockHash)
      this.fail(node, `lock-update: lockedValue changed at the same lockedRound ${a.lockedRound}`)
    if (a.lockedRound !== b.lockedRound && a.lockedValue !== null) {
      const lv = a.lockedValue.blockHash
      if (!hasPolka(a, a.lockedRound, lv)) this.fail(node, `lock-update: locked on ${lv.slice(0, 12)} at round ${a.lockedRound} without a polka`)
      if (book.get(`${a.height}/${a.lockedRound}/precommit`) !== lv) this.fail(node, `lock-update: locked on ${lv.slice(0, 12)} at round ${a.lockedRound} without precommitting it`)
      if (b.lockedValue !== null && b.lockedValue.blockHash !== lv) this.stats.relocks++
    }
    if ((a.lockedValue === null) !== (a.lockedRound === -1)) this.fail(node, `lock-update: lockedValue and lockedRound disagree`)
    if (a.validRound < b.validRound) this.fail(node, `valid-update: validRound went back from ${b.validRound} to ${a.validRound}`)
    if (a.validRound !== b.validRound && a.validValue !== null && !hasPolka(a, a.validRound, a.validValue.blockHash))
      this.fail(node, `valid-update: validValue at round ${a.validRound} without a polka`)
  }

  private checkPrevote(node: number, b: ConsensusState, a: ConsensusState, r: number, value: string): void {
    // The lock in force when the node prevoted at round r: a lock taken in this step at a round below r
    // preceded the prevote (it was taken before the node entered round r); a lock at round r follows it.
    const lock = a.lockedRound !== b.lockedRound && a.lockedRound < r ? a : b
    if (lock.lockedRound >= 0) this.stats.lockedPrevotes++
    if (value === "nil") {
      const prop = a.proposals.get(r)
      if (lock.lockedValue !== null && prop !== undefined && prop.blockHash !== lock.lockedValue.blockHash) this.stats.lockRefusals++
      return
    }
    const prop = a.proposals.get(r)
    if (prop === undefined || prop.blockHash !== value) {
      this.fail(node, `lock-respected: prevote for ${value.slice(0, 12)} at round ${r}, which is not the proposal of that round`)
      return
    }
    if (lock.lockedValue === null || lock.lockedValue.blockHash === value) return
    const vr = prop.header.validRound
    if (vr < lock.lockedRound || vr >= r || !hasPolka(a, vr, value)) {
      this.fail(
        node,
        `lock-respected: locked on ${lock.lockedValue.blockHash.slice(0, 12)} at round ${lock.lockedRound}, prevotes ${value.slice(0, 12)} at round ${r} (proposal valid round ${vr}${vr >= 0 ? `, polka there: ${hasPolka(a, vr, value)}` : ""})`,
      )
      return
    }
    this.stats.unlocks++
  }
}
