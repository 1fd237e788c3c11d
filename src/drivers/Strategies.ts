// spec: SIM-BYZ.1, SIM-BYZ.9 (spec/08-simulation.md). The names of the Byzantine strategies, without the
// strategies themselves (src/drivers/Byzantine.ts), so that `poai help` lists them without loading the core (CLI-BUILD.2).
export const STRATEGIES = ["equivocate", "double-vote", "silent", "spam", "amnesia", "lock-split", "lying-vr", "withhold"] as const
export type Strategy = (typeof STRATEGIES)[number]
/** SIM-BYZ.9: the strategies that aim at the locking rules (CONS-RULE.2/.3/.5). */
export const LOCKING_STRATEGIES = ["lock-split", "lying-vr", "amnesia", "withhold"] as const satisfies ReadonlyArray<Strategy>
export const STRATEGY_CHOICES = [...STRATEGIES, "mixed", "locking"] as const
export type StrategyChoice = (typeof STRATEGY_CHOICES)[number]
