// spec: WORK-CR.4..6 — invalid twin of Reveal: a second claim on the same work (same task, input and
// output) whose commitment is not earlier than the holder's, or whose holder has already matured, is
// rejected with WORK_ALREADY_CLAIMED and changes nothing (the earliest finalized commitment wins).
import fc from "fast-check"
import { type ClaimsModel, InvalidReveal, type RevealCase, predictReveal } from "./Model.ts"

export class RevealClaimed extends InvalidReveal {
  readonly name = "RevealClaimed"
  protected cases(m: ClaimsModel): RevealCase[] {
    return m.intents.filter((i) => predictReveal(m, i) === "WORK_ALREADY_CLAIMED").map((intent) => ({ intent, code: "WORK_ALREADY_CLAIMED" as const }))
  }
}

export const revealClaimed = fc.nat().map((i) => new RevealClaimed(i))
