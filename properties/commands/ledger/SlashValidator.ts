// spec: LEDGER-SLASH.1 — slashing burns floor(stake * ppm / 10^6) of the validator's stake, exactly (in
// integers, also for stakes whose product with ppm exceeds 2^53), and at least 1 unit when the stake and
// the fraction are positive; balances are untouched; totals.slashed counts what was burned.
import fc from "fast-check"
import { expect } from "vitest"
import { slash } from "../../../src/core/Ledger.ts"
import { PPM } from "../../../src/domain/Primitives.ts"
import { type Key, type LedgerModel, type LedgerReal, VALIDATORS, expectMatchesModel, pick } from "./Model.ts"

export class SlashValidator implements fc.Command<LedgerModel, LedgerReal> {
  constructor(
    readonly validator: Key,
    readonly ppm: number,
  ) {}
  check(): boolean {
    return true
  }
  run(m: LedgerModel, r: LedgerReal): void {
    const a = m.accounts.get(this.validator.hex)!
    const exact = Number((BigInt(a.stake) * BigInt(this.ppm)) / BigInt(PPM))
    const burned = exact === 0 && a.stake > 0 && this.ppm > 0 ? 1 : exact
    expect(slash(r.d, this.validator.hex, this.ppm)).toBe(burned)
    a.stake -= burned
    m.totals.slashed += burned
    expect(a.stake).toBeGreaterThanOrEqual(0)
    expectMatchesModel(m, r)
  }
  toString(): string {
    return `SlashValidator(${this.validator.name}, ${this.ppm} ppm)`
  }
}

export const slashValidator = fc
  .record({ v: fc.nat(), ppm: fc.oneof(fc.constantFrom(0, 1, 50_000, PPM - 1, PPM), fc.integer({ min: 0, max: PPM })) })
  .map(({ v, ppm }) => new SlashValidator(pick(VALIDATORS, v), ppm))
