// spec: WORK-CR.1 — invalid twin of Commit: a (worker, commitment value) pair that is already registered
// (in this block or an earlier one still inside the reveal window), submitted again by that worker, is
// rejected with WORK_DUPLICATE_COMMITMENT and changes nothing. (The same value under another key is a
// different registration: SquatCommitment.)
import fc from "fast-check"
import { applyCommitment } from "../../../src/core/WorkClaims.ts"
import { type ClaimsModel, type ClaimsReal, count, ctx, expectMatchesModel, expectRejected, keyByHex, signCommitment } from "./Model.ts"

export class CommitDuplicate implements fc.Command<ClaimsModel, ClaimsReal> {
  constructor(readonly which: number) {}
  check(m: Readonly<ClaimsModel>): boolean {
    return m.commitments.size > 0
  }
  run(m: ClaimsModel, r: ClaimsReal): void {
    const keys = [...m.commitments.keys()].sort()
    const rec = m.commitments.get(keys[this.which % keys.length] as string)!
    const again = signCommitment(keyByHex(rec.worker), rec.commitment)
    expectRejected(r, (d) => applyCommitment(ctx, d, again, m.height + 1, m.pendingCommitments), "WORK_DUPLICATE_COMMITMENT")
    count(m, "commitDuplicate")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `CommitDuplicate(#${this.which})`
  }
}

export const commitDuplicate = fc.nat().map((which) => new CommitDuplicate(which))
