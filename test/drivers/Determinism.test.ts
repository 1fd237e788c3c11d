// SIM-NET.7: the simulator's speed-ups (decode cache, verification cache, incremental tallies,
// persistent mempool maps, stackless rejections) change no decision. These state roots, virtual
// times and message counts were recorded with `npx poai run --nodes 8 --blocks 20 --seed S --json`
// (and the Byzantine and cheater variants below) BEFORE any of them was made; any change to what a
// node decides, or to the order in which it sends, moves at least one of them. They are checked with
// `flood: true` (SIM-NET.2): score items go to every node, as they did when the pins were recorded;
// NODE-ROUTE.1-3 (work, audit and score items routed to the next proposers, the default since) is pinned in ROUTED,
// recorded when it was introduced, with the same configurations.
import { describe, expect, it } from "vitest"
import { nodeCryptoService } from "../../src/crypto/NodeCrypto.ts"
import { simulate, type SimConfig } from "../../src/drivers/InProcessNetwork.ts"
import { cliDefaults } from "../fixtures/sim.ts"

const PINNED: ReadonlyArray<{ readonly name: string; readonly cfg: Partial<SimConfig>; readonly stateRoot: string; readonly virtualSeconds: number; readonly delivered: number; readonly rejected: number }> = [
  { name: "seed 1", cfg: { seed: 1 }, stateRoot: "532cb240ccfcf2a05f61722f605ce1e9a79b43f821bc851dfb9bb532804fce2e", virtualSeconds: 4.223, delivered: 9505, rejected: 323 },
  { name: "seed 2", cfg: { seed: 2 }, stateRoot: "e59d3a1d4976d8bfd63244c5ebb3d074fd324809ebdbe36971fb4f57ca5f297f", virtualSeconds: 4.258, delivered: 8298, rejected: 326 },
  { name: "seed 3", cfg: { seed: 3 }, stateRoot: "f38abf1fb5fce34931cc9d20342a91de6b608c67a14f8623a17d41fdd459bcd7", virtualSeconds: 4.262, delivered: 8563, rejected: 325 },
  {
    name: "seed 4, 2 Byzantine (mixed)",
    cfg: { seed: 4, byzantine: 2, strategy: "mixed" },
    stateRoot: "00e98e172c54065344f67a24045c7d494105c148bd709df3eca1abdde97d4640",
    virtualSeconds: 7.818,
    delivered: 19213,
    rejected: 4441,
  },
  { name: "seed 5, 30 % cheaters", cfg: { seed: 5, cheaters: 0.3 }, stateRoot: "c309c43c7c98d70c8919b063889e6100a2c2d48c3ed3e38126f0edf4e1450eaf", virtualSeconds: 4.083, delivered: 7138, rejected: 329 },
]

/** NODE-ROUTE.1-3 (items routed to the next proposers), recorded when it was introduced; same configurations. */
const ROUTED: ReadonlyArray<(typeof PINNED)[number]> = [
  { name: "seed 1", cfg: { seed: 1 }, stateRoot: "cd6bfd530a1ada6ffa807e53418f7ccbb2cc2d386c365ab6e2a5829130f0f984", virtualSeconds: 4.293, delivered: 5760, rejected: 601 },
  { name: "seed 2", cfg: { seed: 2 }, stateRoot: "316cba5de4b657b4a121b442b575d4010f6a5cf91c12264ba0d111d447987414", virtualSeconds: 4.232, delivered: 5378, rejected: 553 },
  { name: "seed 3", cfg: { seed: 3 }, stateRoot: "41bac634682601db3782ef062867f2cdafe8368efd9cc3a9e9a9c332d8f8181d", virtualSeconds: 4.259, delivered: 5309, rejected: 538 },
  {
    name: "seed 4, 2 Byzantine (mixed)",
    cfg: { seed: 4, byzantine: 2, strategy: "mixed" },
    stateRoot: "cd7187fe83e1e24ea7d05313c9f9409da6d0996fa393c3bdb96e4c012c1decea",
    virtualSeconds: 5.757,
    delivered: 11099,
    rejected: 3421,
  },
  { name: "seed 5, 30 % cheaters", cfg: { seed: 5, cheaters: 0.3 }, stateRoot: "06e9737f9073d6cd977c3b13dd972a0f7197b43cc6a5bfb25053fe77dacff210", virtualSeconds: 4.087, delivered: 4828, rejected: 623 },
]

/** Each pinned run, with `extra` on top of its configuration: same state root, virtual time and message counts. */
const pinnedRuns = (pins: typeof PINNED, extra: Partial<SimConfig>) => {
  for (const p of pins) {
    it(`${p.name}: same state root, virtual time and message counts`, { timeout: 120_000 }, () => {
      const s = simulate(nodeCryptoService, cliDefaults({ ...p.cfg, ...extra }))
      expect(s.completed).toBe(true)
      expect(s.agreement).toBe(true)
      expect({ stateRoot: s.stateRoot, virtualSeconds: s.virtualSeconds, delivered: s.messagesDelivered, rejected: s.messagesRejected }).toEqual({
        stateRoot: p.stateRoot,
        virtualSeconds: p.virtualSeconds,
        delivered: p.delivered,
        rejected: p.rejected,
      })
    })
  }
}

describe("the simulator decides as when items were first routed (NODE-ROUTE.1-3, the default)", () => pinnedRuns(ROUTED, {}))

describe("the simulator decides as before its speed-ups (SIM-NET.7)", () => pinnedRuns(PINNED, { flood: true }))
