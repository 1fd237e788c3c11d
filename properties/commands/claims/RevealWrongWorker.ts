// spec: WORK-CR.2 — invalid twin of Reveal: the owner reveals a commitment value that another key
// registered first (SquatCommitment). The commitment record is not the revealer's: WORK_WRONG_WORKER, and
// nothing changes.
import fc from "fast-check"
import { type ClaimsModel, InvalidReveal, type RevealCase, predictReveal } from "./Model.ts"

export class RevealWrongWorker extends InvalidReveal {
  readonly name = "RevealWrongWorker"
  protected cases(m: ClaimsModel): RevealCase[] {
    return m.intents.filter((i) => predictReveal(m, i) === "WORK_WRONG_WORKER").map((intent) => ({ intent, code: "WORK_WRONG_WORKER" as const }))
  }
}

export const revealWrongWorker = fc.nat().map((i) => new RevealWrongWorker(i))
