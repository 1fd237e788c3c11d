// spec: CONS-BUILD.1, LEDGER-BLOCK.1, WORK-CR.6..7, LE-WINDOW.1 — end the current block: buildBlock keeps
// every item the commands accepted (build mode drops only invalid items), claims whose maturity height is
// reached mature (their Q enters the window), commitments past the reveal window are pruned; optionally
// followed by empty blocks, so that windows close and claims mature.
import fc from "fast-check"
import { type ClaimsModel, type ClaimsReal, count, expectMatchesModel, seal } from "./Model.ts"

export class SealBlock implements fc.Command<ClaimsModel, ClaimsReal> {
  constructor(readonly emptyAfter: number) {}
  check(): boolean {
    return true
  }
  run(m: ClaimsModel, r: ClaimsReal): void {
    seal(m, r, this.emptyAfter)
    count(m, "seal")
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `SealBlock(+${this.emptyAfter} empty)`
  }
}

export const sealBlock = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }).map((k) => new SealBlock(k))
