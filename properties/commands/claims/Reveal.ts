// spec: WORK-CR.2..6 — a valid reveal: the worker opens its own commitment, finalized in an earlier block
// at most revealWindow blocks ago and not yet revealed, and no claim holds the work id under an earlier
// commitment (or has matured). The claim takes the work id, displacing a holder with a later commitment
// (earliest finalized commitment wins), with Q = v(t) fixed now and maturity at
// max(now, commitHeight + revealWindow + 1). A copy of the same value registered by another key
// (SquatCommitment) does not stand in the way: such reveals are counted as revealDespiteSquat.
import fc from "fast-check"
import { expect } from "vitest"
import { applyReveal } from "../../../src/core/WorkClaims.ts"
import { type ClaimsModel, type ClaimsReal, commitmentOf, count, ctx, describeIntent, expectMatchesModel, modelReveal, predictReveal, signReveal } from "./Model.ts"

export class Reveal implements fc.Command<ClaimsModel, ClaimsReal> {
  constructor(readonly which: number) {}
  private candidates(m: Readonly<ClaimsModel>) {
    return m.intents.filter((i) => predictReveal(m as ClaimsModel, i) === "accepted")
  }
  check(m: Readonly<ClaimsModel>): boolean {
    return this.candidates(m).length > 0
  }
  run(m: ClaimsModel, r: ClaimsReal): void {
    const c = this.candidates(m)
    const i = c[this.which % c.length]!
    const rv = signReveal(i)
    expect(applyReveal(ctx, r.preview, rv, m.height + 1)?.code ?? "accepted", describeIntent(i)).toBe("accepted")
    r.pending.reveals.push(rv)
    modelReveal(m, i)
    count(m, "reveal")
    const cm = commitmentOf(i)
    if ([...m.commitments.values()].some((x) => x.commitment === cm && x.worker !== i.owner.hex)) count(m, "revealDespiteSquat")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `Reveal(#${this.which})`
  }
}

export const reveal = fc.nat().map((i) => new Reveal(i))
