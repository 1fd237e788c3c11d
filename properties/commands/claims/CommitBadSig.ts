// spec: WORK-CR.1 (checkCommitmentStateless) — invalid twin of Commit: a commitment whose signature does
// not verify under its `worker` (one bit flipped), or that names another chain, is rejected with
// WORK_BAD_SIGNATURE / WORK_BAD_CHAIN and changes nothing.
import fc from "fast-check"
import { applyCommitment } from "../../../src/core/WorkClaims.ts"
import { type ClaimsModel, type ClaimsReal, type Intent, commitmentOf, count, ctx, describeIntent, expectMatchesModel, expectRejected, signCommitment } from "./Model.ts"
import { intentArb } from "./Commit.ts"

export class CommitBadSig implements fc.Command<ClaimsModel, ClaimsReal> {
  constructor(
    readonly intent: Intent,
    readonly bit: number | "wrong-chain",
  ) {}
  check(): boolean {
    return true
  }
  run(m: ClaimsModel, r: ClaimsReal): void {
    const cm = commitmentOf(this.intent)
    if (this.bit === "wrong-chain") {
      const c = signCommitment(this.intent.owner, cm, "another-chain")
      expectRejected(r, (d) => applyCommitment(ctx, d, c, m.height + 1, m.pendingCommitments), "WORK_BAD_CHAIN")
    } else {
      const c = signCommitment(this.intent.owner, cm)
      const signature = new Uint8Array(c.signature)
      const bit = this.bit % 512
      signature[bit >> 3] = (signature[bit >> 3] as number) ^ (1 << (bit & 7))
      expectRejected(r, (d) => applyCommitment(ctx, d, { ...c, signature }, m.height + 1, m.pendingCommitments), "WORK_BAD_SIGNATURE")
    }
    count(m, "commitBadSig")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `CommitBadSig(${describeIntent(this.intent)}, ${this.bit === "wrong-chain" ? "wrong chain" : `bit ${this.bit % 512}`})`
  }
}

export const commitBadSig = fc
  .record({ intent: intentArb, bit: fc.oneof(fc.nat(), fc.constant<"wrong-chain">("wrong-chain")) })
  .map(({ intent, bit }) => new CommitBadSig(intent, bit))
