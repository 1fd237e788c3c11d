// spec: WORK-CR.3, WORK-CR.7 — invalid twin of Reveal: a reveal more than revealWindow blocks after its
// commitment is rejected and changes nothing. Exactly one block after the window the commitment is still
// registered and the code is WORK_REVEAL_EXPIRED; later it has been pruned at the end of a block
// (WORK-CR.7) and the code is WORK_NOT_COMMITTED. Only the owner's own registrations count (a squatted copy
// is never revealable at all: RevealUnregistered).
import fc from "fast-check"
import { type ClaimsModel, InvalidReveal, type RevealCase, W, keyOf, predictReveal } from "./Model.ts"

export class RevealExpired extends InvalidReveal {
  readonly name = "RevealExpired"
  protected cases(m: ClaimsModel): RevealCase[] {
    const now = m.height + 1
    const out: RevealCase[] = []
    for (const i of m.intents) {
      if (i.registrant.hex !== i.owner.hex) continue
      const rec = m.commitments.get(keyOf(i))
      if (rec !== undefined) {
        if (now - rec.height > W) out.push({ intent: i, code: "WORK_REVEAL_EXPIRED" })
      } else if (now - i.registeredAt > W + 1) {
        const code = predictReveal(m, i)
        if (code !== "WORK_NOT_COMMITTED") throw new Error(`model: a pruned commitment predicts ${code}`)
        out.push({ intent: i, code })
      }
    }
    return out
  }
}

export const revealExpired = fc.nat().map((i) => new RevealExpired(i))
