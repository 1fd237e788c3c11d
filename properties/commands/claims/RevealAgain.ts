// spec: WORK-CR.2 — invalid twin of Reveal: a second reveal of an already revealed commitment (inside its
// window) is rejected with WORK_ALREADY_REVEALED and changes nothing.
import fc from "fast-check"
import { type ClaimsModel, InvalidReveal, type RevealCase, predictReveal } from "./Model.ts"

export class RevealAgain extends InvalidReveal {
  readonly name = "RevealAgain"
  protected cases(m: ClaimsModel): RevealCase[] {
    return m.intents.filter((i) => predictReveal(m, i) === "WORK_ALREADY_REVEALED").map((intent) => ({ intent, code: "WORK_ALREADY_REVEALED" as const }))
  }
}

export const revealAgain = fc.nat().map((i) => new RevealAgain(i))
