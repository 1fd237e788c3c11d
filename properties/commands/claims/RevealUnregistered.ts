// spec: WORK-CR.1, WORK-CR.2 — invalid twin of Reveal: a reveal by a key that did not register this
// (worker, commitment) pair, around a squatted copy (SquatCommitment). Either the owner reveals a value
// that only another key registered (the owner never registered it itself, or its registration has been
// pruned), or the squatter tries to open its copy with the owner's claim and salt, naming itself as
// worker (it then opens H(claim || squatter || salt), which it never registered). The registry is keyed
// by worker || commitment, so neither finds a record: WORK_NOT_COMMITTED, and nothing changes.
import fc from "fast-check"
import { type ClaimsModel, InvalidReveal, type RevealCase, keyOf, predictReveal } from "./Model.ts"

export class RevealUnregistered extends InvalidReveal {
  readonly name = "RevealUnregistered"
  protected cases(m: ClaimsModel): RevealCase[] {
    const out: RevealCase[] = []
    for (const i of m.intents) {
      if (i.registrant.hex === i.owner.hex || !m.commitments.has(keyOf(i, i.registrant))) continue
      // the squatter's copy is registered: the owner, if it has no registration of its own...
      if (predictReveal(m, i) === "WORK_NOT_COMMITTED") out.push({ intent: i, code: "WORK_NOT_COMMITTED" })
      // ...and the squatter, opening the copy with the owner's claim and salt under its own name.
      if (predictReveal(m, i, i.registrant) === "WORK_NOT_COMMITTED")
        out.push({ intent: { ...i, owner: i.registrant }, code: "WORK_NOT_COMMITTED" })
    }
    return out
  }
}

export const revealUnregistered = fc.nat().map((i) => new RevealUnregistered(i))
