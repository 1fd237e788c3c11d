// SIM-NET.7: the simulator's speed-ups (decode cache, verification cache, incremental tallies,
// persistent mempool maps, stackless rejections) change no decision. These state roots, virtual
// times and message counts were recorded with `npx poai run --nodes 8 --blocks 20 --seed S --json`
// (and the Byzantine and cheater variants below) BEFORE any of them was made; any change to what a
// node decides, or to the order in which it sends, moves at least one of them. They are checked with
// `flood: true` (SIM-NET.2): score items go to every node, as they did when the pins were recorded;
// NODE-ROUTE.1/2 (work, audit and score items routed to the next proposers, the default since) is pinned in ROUTED,
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

/** NODE-ROUTE.1/2 (items routed to the next proposers), recorded when it was introduced; same configurations. */
const ROUTED: ReadonlyArray<(typeof PINNED)[number]> = [
  { name: "seed 1", cfg: { seed: 1 }, stateRoot: "eba43bd63813e16f52daa617e239e4d3bb0564a2afbff9e502efab20ed1c8f44", virtualSeconds: 4.266, delivered: 5758, rejected: 362 },
  { name: "seed 2", cfg: { seed: 2 }, stateRoot: "4c87b41f2c933242c65e4f50ce2a53902a9f306aecbd5beb091745d104b47ca3", virtualSeconds: 4.232, delivered: 5155, rejected: 365 },
  { name: "seed 3", cfg: { seed: 3 }, stateRoot: "2cb45991ac4a3f2646801bafe5aef1b5a549ccd1efa496a50c40de00b522455d", virtualSeconds: 4.335, delivered: 5167, rejected: 349 },
  {
    name: "seed 4, 2 Byzantine (mixed)",
    cfg: { seed: 4, byzantine: 2, strategy: "mixed" },
    stateRoot: "4dcd06f7bc18ae30e08cc83c04ba33a678ec64c6ef25050761b4917c8bce12f1",
    virtualSeconds: 8.011,
    delivered: 11810,
    rejected: 2302,
  },
  { name: "seed 5, 30 % cheaters", cfg: { seed: 5, cheaters: 0.3 }, stateRoot: "f5a08d2fac1dbbb0b9fdca25dfcb714be07c7d28331548a8414d1cc0cbc5dac0", virtualSeconds: 4.122, delivered: 4479, rejected: 335 },
]

describe("the simulator decides as when items were first routed (NODE-ROUTE.1/2, the default)", () => {
  for (const p of ROUTED) {
    it(`${p.name}: same state root, virtual time and message counts`, { timeout: 120_000 }, () => {
      const s = simulate(nodeCryptoService, cliDefaults(p.cfg))
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
})

describe("the simulator decides as before its speed-ups (SIM-NET.7)", () => {
  for (const p of PINNED) {
    it(`${p.name}: same state root, virtual time and message counts`, { timeout: 120_000 }, () => {
      const s = simulate(nodeCryptoService, cliDefaults({ ...p.cfg, flood: true }))
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
})
