// spec: WORK-CR.1..2 — invalid twin of Reveal: another worker, having seen a claim and its salt (e.g. in
// the owner's reveal), tries to reveal it. Naming itself as worker, the commitment H(claim || itself ||
// salt) was never registered: WORK_NOT_COMMITTED. Naming the owner but signing with its own key: the
// signature does not verify under the named worker: WORK_BAD_SIGNATURE. Nothing changes either way.
import fc from "fast-check"
import { type ClaimsModel, InvalidReveal, type Key, type RevealCase, WORKERS, pick, predictReveal } from "./Model.ts"

export class RevealByOther extends InvalidReveal {
  readonly name = "RevealByOther"
  constructor(
    which: number,
    readonly thief: Key,
    readonly forgeOwner: boolean,
  ) {
    super(which)
  }
  protected cases(m: ClaimsModel): RevealCase[] {
    const out: RevealCase[] = []
    for (const i of m.intents) {
      if (i.owner.hex === this.thief.hex) continue
      if (this.forgeOwner) out.push({ intent: i, signer: this.thief, code: "WORK_BAD_SIGNATURE" })
      else if (predictReveal(m, i, this.thief) === "WORK_NOT_COMMITTED")
        out.push({ intent: { ...i, owner: this.thief }, code: "WORK_NOT_COMMITTED" })
    }
    return out
  }
  override toString(): string {
    return `RevealByOther(#${this.which}, thief ${this.thief.name}, ${this.forgeOwner ? "naming the owner" : "naming itself"})`
  }
}

export const revealByOther = fc
  .record({ which: fc.nat(), thief: fc.nat(), forge: fc.boolean() })
  .map(({ which, thief, forge }) => new RevealByOther(which, pick(WORKERS, thief), forge))
