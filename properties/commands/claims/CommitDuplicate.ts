// spec: WORK-CR.1 — invalid twin of Commit: a commitment value that is already registered (in this block
// or an earlier one still inside the reveal window), submitted again by its worker or by any other key,
// is rejected with WORK_DUPLICATE_COMMITMENT and changes nothing.
import fc from "fast-check"
import { applyCommitment } from "../../../src/core/WorkClaims.ts"
import { type ClaimsModel, type ClaimsReal, type Key, WORKERS, count, ctx, expectMatchesModel, expectRejected, pick, signCommitment } from "./Model.ts"

export class CommitDuplicate implements fc.Command<ClaimsModel, ClaimsReal> {
  constructor(
    readonly which: number,
    readonly signer: Key,
  ) {}
  check(m: Readonly<ClaimsModel>): boolean {
    return m.commitments.size > 0
  }
  run(m: ClaimsModel, r: ClaimsReal): void {
    const keys = [...m.commitments.keys()].sort()
    const cm = keys[this.which % keys.length] as string
    expectRejected(r, (d) => applyCommitment(ctx, d, signCommitment(this.signer, cm), m.height + 1, m.pendingCommitments), "WORK_DUPLICATE_COMMITMENT")
    count(m, "commitDuplicate")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `CommitDuplicate(#${this.which}, signed by ${this.signer.name})`
  }
}

export const commitDuplicate = fc.record({ which: fc.nat(), signer: fc.nat() }).map(({ which, signer }) => new CommitDuplicate(which, pick(WORKERS, signer)))
