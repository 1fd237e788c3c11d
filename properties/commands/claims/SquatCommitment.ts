// spec: WORK-CR.1, WORK-CR.2 — another key copies a worker's commitment value from the gossip and gets it
// registered under its own signature, before, with or after the owner's own registration. The ledger
// cannot tell (the value is opaque), so the registration is accepted: it is the squatter's record, under
// the registry key (squatter, commitment), which no one can ever reveal (the value binds the owner's key:
// RevealUnregistered). It blocks nobody: right after the squat, on a copy of the current block's draft,
// the owner's own commitment of the value is still accepted (if the owner has not registered it yet),
// and the owner's reveal is still accepted (if the model predicts it would have been).
import fc from "fast-check"
import { expect } from "vitest"
import { cloneState } from "../../../src/core/ChainState.ts"
import { applyCommitment, applyReveal } from "../../../src/core/WorkClaims.ts"
import {
  type ClaimsModel,
  type ClaimsReal,
  type Intent,
  type Key,
  WORKERS,
  commitmentOf,
  count,
  ctx,
  describeIntent,
  expectMatchesModel,
  keyOf,
  modelCommit,
  pick,
  predictReveal,
  signCommitment,
  signReveal,
} from "./Model.ts"
import { intentArb } from "./Commit.ts"

export class SquatCommitment implements fc.Command<ClaimsModel, ClaimsReal> {
  constructor(
    readonly squatter: Key,
    readonly intent: Intent,
  ) {}
  check(m: Readonly<ClaimsModel>): boolean {
    return this.squatter.hex !== this.intent.owner.hex && !m.commitments.has(keyOf(this.intent, this.squatter))
  }
  run(m: ClaimsModel, r: ClaimsReal): void {
    const cm = commitmentOf(this.intent)
    const h = m.height + 1
    const before = predictReveal(m, this.intent)
    const copy = signCommitment(this.squatter, cm)
    expect(applyCommitment(ctx, r.preview, copy, h, m.pendingCommitments)?.code ?? "accepted").toBe("accepted")
    r.pending.commitments.push(copy)
    modelCommit(m, this.intent, this.squatter)
    count(m, "squat")
    expectMatchesModel(m, r)
    // The squat changes nothing for the owner: the model's prediction for its reveal is the same...
    expect(predictReveal(m, this.intent), "owner's reveal after the squat").toBe(before)
    // ...and the real registry still takes the owner's own commitment and reveal (probed on copies).
    if (!m.commitments.has(keyOf(this.intent))) {
      const own = signCommitment(this.intent.owner, cm)
      expect(applyCommitment(ctx, cloneState(r.preview), own, h, m.pendingCommitments)?.code ?? "accepted", "owner's commitment after the squat").toBe("accepted")
      count(m, "squatBeforeOwner")
    } else if (before === "accepted") {
      expect(applyReveal(ctx, cloneState(r.preview), signReveal(this.intent), h)?.code ?? "accepted", "owner's reveal after the squat").toBe("accepted")
      count(m, "squatAfterOwner")
    }
  }
  toString(): string {
    return `SquatCommitment(${this.squatter.name} copies ${describeIntent(this.intent)})`
  }
}

export const squatCommitment = fc
  .record({ squatter: fc.nat(), intent: intentArb })
  .map(({ squatter, intent }) => new SquatCommitment(pick(WORKERS, squatter), intent))
