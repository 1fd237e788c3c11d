// SIM-NET.7: the simulator's speed-ups (decode cache, verification cache, incremental tallies,
// persistent mempool maps, stackless rejections) change no decision. These state roots, virtual
// times and message counts were recorded with `npx poai run --nodes 8 --blocks 20 --seed S --json`
// (and the Byzantine and cheater variants below) BEFORE any of them was made; any change to what a
// node decides, or to the order in which it sends, moves at least one of them. They are checked with
// `flood: true` (SIM-NET.2): score items go to every node, as they did when the pins were recorded;
// NODE-SCORE.4 (score items routed to the next proposers, the default since) is pinned in ROUTED,
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

/** NODE-SCORE.4 (score items routed to the next proposers), recorded when it was introduced; same configurations. */
const ROUTED: ReadonlyArray<(typeof PINNED)[number]> = [
  { name: "seed 1", cfg: { seed: 1 }, stateRoot: "59aec9ffb2255c399cd270ab2415656a238e2486834bb5e7fda25553bcb2cb36", virtualSeconds: 4.193, delivered: 6123, rejected: 329 },
  { name: "seed 2", cfg: { seed: 2 }, stateRoot: "f9cbefa33568e6afc02c6d7f4ec7774ee54216456d859cc1677d0fedd5874ee3", virtualSeconds: 4.265, delivered: 5631, rejected: 326 },
  { name: "seed 3", cfg: { seed: 3 }, stateRoot: "9a4052f4ab3889eaf10ea431711b0a959982ae1279219759f4dd75ccb22cd171", virtualSeconds: 4.303, delivered: 5621, rejected: 320 },
  {
    name: "seed 4, 2 Byzantine (mixed)",
    cfg: { seed: 4, byzantine: 2, strategy: "mixed" },
    stateRoot: "304b0eee5436995bec8da942d37c451dbdd0c862c39dbe39d5ab8ab8d5215776",
    virtualSeconds: 6.876,
    delivered: 11160,
    rejected: 2068,
  },
  { name: "seed 5, 30 % cheaters", cfg: { seed: 5, cheaters: 0.3 }, stateRoot: "d6ca5486ffd34e70db70a82d4e7872160ae70872fe629e25f85114b8180fddac", virtualSeconds: 4.122, delivered: 4989, rejected: 338 },
]

describe("the simulator decides as when score items were first routed (NODE-SCORE.4, the default)", () => {
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
