// spec: WORK-CR.1 — a worker registers its commitment H(claim || worker || salt) in the current block, at
// (height + 1, index among the block's commitments).
import fc from "fast-check"
import { applyCommitment } from "../../../src/core/WorkClaims.ts"
import { expect } from "vitest"
import { type ClaimsModel, type ClaimsReal, type Intent, WORKERS, commitmentOf, count, ctx, describeIntent, expectMatchesModel, pick, signCommitment } from "./Model.ts"

export class Commit implements fc.Command<ClaimsModel, ClaimsReal> {
  constructor(readonly intent: Intent) {}
  check(m: Readonly<ClaimsModel>): boolean {
    return !m.commitments.has(commitmentOf(this.intent))
  }
  run(m: ClaimsModel, r: ClaimsReal): void {
    const cm = commitmentOf(this.intent)
    const c = signCommitment(this.intent.owner, cm)
    const index = m.pendingCommitments
    expect(applyCommitment(ctx, r.preview, c, m.height + 1, index)?.code ?? "accepted").toBe("accepted")
    r.pending.commitments.push(c)
    m.commitments.set(cm, { worker: this.intent.owner.hex, height: m.height + 1, index, revealed: false })
    m.pendingCommitments += 1
    m.intents.push({ ...this.intent, registeredAt: m.height + 1 })
    count(m, "commit")
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
