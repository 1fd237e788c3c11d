// spec: LEDGER-TX.1..6, LEDGER-REWARD.1..2, LEDGER-SLASH.1, LEDGER-ROOT.1 (spec/05-ledger.md);
//       ERR-* codes TX_BAD_CHAIN, TX_ZERO_AMOUNT, TX_FEE_TOO_LOW, TX_BAD_SIGNATURE, TX_UNKNOWN_SENDER,
//       TX_BAD_NONCE, TX_INSUFFICIENT_FUNDS (spec/07-errors.md).
//
// Model-based test of the ledger (fast-check `fc.commands`, one command per file in
// properties/commands/ledger/, stacks-core pox-4 style). A random genesis (user balances, validator
// stakes up to 2^52) and a random sequence of commands run against both a simple model (balances,
// stakes, nonces, counters) and the real ledger (applyTransfer / slash / distributeReward on a
// DraftState from genesisState). After every command the two agree on every account and counter and
// the supply is conserved (balances only move, except minted rewards). Each invalid twin asserts its
// exact error code and that the draft is unchanged (same state root, accounts and totals).
//
// Runs (CI default): 150 sequences of up to 40 commands, seed fixed below; POAI_PROPERTY_RUNS /
// POAI_PROPERTY_SEED override.
import fc from "fast-check"
import { describe, it } from "vitest"
import { propertyRuns, propertySeed } from "./config.ts"
import { distributeRewardCmd } from "./commands/ledger/DistributeReward.ts"
import { type GenesisSpec, setup } from "./commands/ledger/Model.ts"
import { slashValidator } from "./commands/ledger/SlashValidator.ts"
import { transferBadSig } from "./commands/ledger/TransferBadSig.ts"
import { transferFeeTooLow } from "./commands/ledger/TransferFeeTooLow.ts"
import { transferInsufficient } from "./commands/ledger/TransferInsufficient.ts"
import { transferReplay } from "./commands/ledger/TransferReplay.ts"
import { transferUnknownSender } from "./commands/ledger/TransferUnknownSender.ts"
import { transferValid } from "./commands/ledger/TransferValid.ts"
import { transferWrongChain } from "./commands/ledger/TransferWrongChain.ts"
import { transferWrongNonce } from "./commands/ledger/TransferWrongNonce.ts"
import { transferZeroAmount } from "./commands/ledger/TransferZeroAmount.ts"

const amount = fc.oneof(fc.constantFrom(0, 1, 3, 4, 5, 100), fc.integer({ min: 0, max: 1_000_000_000 }))
const genesisArb: fc.Arbitrary<GenesisSpec> = fc.record({
  balances: fc.array(amount, { minLength: 4, maxLength: 4 }),
  stakes: fc.array(fc.oneof(fc.constantFrom(0, 1, 19, 1000), fc.integer({ min: 0, max: 2 ** 52 })), { minLength: 3, maxLength: 3 }),
})

const commands = fc.commands(
  [
    transferValid,
    transferValid, // twice: valid transfers drive the state the invalid twins are tried against
    transferReplay,
    transferBadSig,
    transferInsufficient,
    transferWrongNonce,
    transferFeeTooLow,
    transferZeroAmount,
    transferWrongChain,
    transferUnknownSender,
    slashValidator,
    distributeRewardCmd,
  ],
  { maxCommands: 40, size: "max" },
)

describe("ledger: model-based (fc.commands)", () => {
  it("the real ledger follows the model; every invalid twin is rejected with its code and changes nothing", () => {
    fc.assert(
      fc.property(genesisArb, commands, (g, cmds) => {
        fc.modelRun(setup(g), cmds)
      }),
      { numRuns: propertyRuns(150), seed: propertySeed(20240304) },
    )
  })
})
