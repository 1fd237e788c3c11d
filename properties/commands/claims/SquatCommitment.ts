// spec: WORK-CR.1, WORK-CR.2 — another key copies a worker's commitment value from the gossip and gets it
// registered first under its own signature. The ledger cannot tell (the value is opaque), so the
// registration is accepted; it is the squatter's record (worker = squatter), which no one can ever
// reveal: the owner's reveal gets WORK_WRONG_WORKER (RevealWrongWorker), the squatter cannot open a hash
// bound to another key. The squatter wins nothing; the owner must commit again with a fresh salt.
import fc from "fast-check"
import { expect } from "vitest"
import { applyCommitment } from "../../../src/core/WorkClaims.ts"
import { type ClaimsModel, type ClaimsReal, type Intent, type Key, WORKERS, commitmentOf, count, ctx, describeIntent, expectMatchesModel, pick, signCommitment } from "./Model.ts"
import { intentArb } from "./Commit.ts"

export class SquatCommitment implements fc.Command<ClaimsModel, ClaimsReal> {
  constructor(
    readonly squatter: Key,
    readonly intent: Intent,
  ) {}
  check(m: Readonly<ClaimsModel>): boolean {
    return this.squatter.hex !== this.intent.owner.hex && !m.commitments.has(commitmentOf(this.intent))
  }
  run(m: ClaimsModel, r: ClaimsReal): void {
    const cm = commitmentOf(this.intent)
    const index = m.pendingCommitments
    expect(applyCommitment(ctx, r.preview, signCommitment(this.squatter, cm), m.height + 1, index)?.code ?? "accepted").toBe("accepted")
    r.pending.commitments.push(signCommitment(this.squatter, cm))
    m.commitments.set(cm, { worker: this.squatter.hex, height: m.height + 1, index, revealed: false })
    m.pendingCommitments += 1
    m.intents.push({ ...this.intent, registeredAt: m.height + 1 })
    count(m, "squat")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `SquatCommitment(${this.squatter.name} copies ${describeIntent(this.intent)})`
  }
}

export const squatCommitment = fc
  .record({ squatter: fc.nat(), intent: intentArb })
  .map(({ squatter, intent }) => new SquatCommitment(pick(WORKERS, squatter), intent))
