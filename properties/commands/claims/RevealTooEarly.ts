// spec: WORK-CR.2 — invalid twin of Reveal: revealing in the same block as the commitment (the commitment
// is not yet finalized in an earlier block) is rejected with WORK_NOT_COMMITTED and changes nothing.
import fc from "fast-check"
import { type ClaimsModel, InvalidReveal, type RevealCase, keyOf } from "./Model.ts"

export class RevealTooEarly extends InvalidReveal {
  readonly name = "RevealTooEarly"
  protected cases(m: ClaimsModel): RevealCase[] {
    return m.intents
      .filter((i) => {
        const rec = m.commitments.get(keyOf(i)) // the owner's own registration
        return rec !== undefined && rec.height === m.height + 1
      })
      .map((intent) => ({ intent, code: "WORK_NOT_COMMITTED" as const }))
  }
}

export const revealTooEarly = fc.nat().map((i) => new RevealTooEarly(i))
