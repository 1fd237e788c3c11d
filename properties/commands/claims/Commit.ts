// spec: WORK-CR.1 — a worker registers its commitment H(claim || worker || salt) in the current block, at
// (height + 1, index among the block's commitments), under the registry key (worker, commitment). A copy
// of the same value registered earlier by another key (SquatCommitment) does not stand in the way.
import fc from "fast-check"
import { applyCommitment } from "../../../src/core/WorkClaims.ts"
import { expect } from "vitest"
import { type ClaimsModel, type ClaimsReal, type Intent, WORKERS, commitmentOf, count, ctx, describeIntent, expectMatchesModel, keyOf, modelCommit, pick, signCommitment } from "./Model.ts"

export class Commit implements fc.Command<ClaimsModel, ClaimsReal> {
  constructor(readonly intent: Intent) {}
  check(m: Readonly<ClaimsModel>): boolean {
    return !m.commitments.has(keyOf(this.intent))
  }
  run(m: ClaimsModel, r: ClaimsReal): void {
    const cm = commitmentOf(this.intent)
    const c = signCommitment(this.intent.owner, cm)
    const squatted = [...m.commitments.values()].some((x) => x.commitment === cm && x.worker !== this.intent.owner.hex)
    expect(applyCommitment(ctx, r.preview, c, m.height + 1, m.pendingCommitments)?.code ?? "accepted", describeIntent(this.intent)).toBe("accepted")
    r.pending.commitments.push(c)
    modelCommit(m, this.intent, this.intent.owner)
    count(m, "commit")
    if (squatted) count(m, "commitDespiteSquat")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `Commit(${describeIntent(this.intent)})`
  }
}

export const intentArb = fc
  .record({ owner: fc.nat(), claim: fc.nat(), salt: fc.nat() })
  .map(({ owner, claim, salt }): Intent => ({ owner: pick(WORKERS, owner), claim, salt }))

export const commit = intentArb.map((i) => new Commit(i))
