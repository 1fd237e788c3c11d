// spec: LEDGER-GENESIS.1, LEDGER-GENESIS.3..4, NODE-STEP.4 (spec/05-ledger.md, spec/03-consensus.md); issue 9 defect 4.
// Every setting that changes validity or execution is in the genesis and its hash; a node whose own
// settings differ from the genesis refuses to start, so two differently configured nodes cannot diverge
// silently.
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import type { CoreContext } from "../../src/core/Context.ts"
import { type Genesis, genesisHash, genesisMismatch, validateGenesis } from "../../src/core/Genesis.ts"
import { type NodeOutput, initNode, step } from "../../src/core/Node.ts"
import { makeTestnet } from "../../src/drivers/Testnet.ts"
import { makeSimWorkers } from "../../src/drivers/SimWork.ts"
import { defaultQualityParams } from "../../src/quality/QualityParams.ts"
import { ctx, sha, testCrypto } from "../fixtures/core.ts"

const workers = makeSimWorkers(testCrypto, 1, 4)
const full: CoreContext = { ...ctx, attestation: workers.config, scoring: defaultQualityParams }
const net = makeTestnet(full, { nodes: 4, seed: 3, users: 1 })
const G = net.genesis
const rejectedCode = (outs: ReadonlyArray<NodeOutput>) => outs.flatMap((o) => (o.type === "rejected" ? [(o.error as { code: string }).code] : []))

describe("LEDGER-GENESIS.3: the genesis carries the attestation and scoring settings, and its hash covers them", () => {
  it("the test network writes the context's settings into the genesis", () => {
    expect(G.attestation).not.toBeNull()
    expect(Object.keys(G.attestation!.roots)).toEqual(Object.keys(workers.config.roots))
    expect(G.scoring).toEqual(defaultQualityParams)
    expect(validateGenesis(G)).toEqual([])
  })

  it("changing any setting changes the genesis hash", () => {
    const h = toHex(genesisHash(sha, G))
    const variants: Genesis[] = [
      { ...G, attestation: null },
      { ...G, scoring: null },
      { ...G, scoring: { ...defaultQualityParams, trimPpm: defaultQualityParams.trimPpm + 1 } },
      { ...G, scoring: { ...defaultQualityParams, aggregator: defaultQualityParams.aggregator === "yuma" ? "trimmed-mean" : "yuma" } },
      { ...G, attestation: { ...G.attestation!, approvedMeasurements: [...G.attestation!.approvedMeasurements, "ab".repeat(32)] } },
      { ...G, attestation: { ...G.attestation!, roots: { sim: [new Uint8Array(32).fill(9)] } } },
    ]
    for (const v of variants) expect(toHex(genesisHash(sha, v))).not.toBe(h)
    // the canonical form ignores the order of the measurements
    const ms = G.attestation!.approvedMeasurements
    if (ms.length > 1) expect(toHex(genesisHash(sha, { ...G, attestation: { ...G.attestation!, approvedMeasurements: [...ms].reverse() } }))).toBe(h)
  })

  it("validateGenesis rejects bad settings", () => {
    const bad = (g: Genesis) => validateGenesis(g).join("; ")
    expect(bad({ ...G, attestation: { roots: {}, approvedMeasurements: [] } })).toMatch(/no platform has roots/)
    expect(bad({ ...G, attestation: { roots: { sim: [] }, approvedMeasurements: [] } })).toMatch(/needs 1..16 roots/)
    expect(bad({ ...G, attestation: { roots: { ["tpm" as "sim"]: [new Uint8Array(32)] }, approvedMeasurements: [] } })).toMatch(/unknown platform/)
    expect(bad({ ...G, attestation: { ...G.attestation!, approvedMeasurements: ["XYZ"] } })).toMatch(/lower-case hex/)
    expect(bad({ ...G, attestation: { ...G.attestation!, approvedMeasurements: ["aa", "aa"] } })).toMatch(/duplicate/)
    expect(bad({ ...G, scoring: { ...defaultQualityParams, committeeSeats: 0 } })).toMatch(/scoring: committeeSeats/)
  })
})

describe("LEDGER-GENESIS.4: a node refuses to start on a genesis it cannot run", () => {
  const cases: Array<[string, CoreContext, RegExp]> = [
    ["no attestation settings", (({ attestation: _a, ...rest }) => rest)(full), /requires attestations/],
    ["other measurements", { ...full, attestation: { ...workers.config, approvedMeasurements: new Set(["cd".repeat(32)]) } }, /differ from the genesis/],
    ["other roots", { ...full, attestation: { ...workers.config, roots: { sim: [new Uint8Array(32).fill(1)] } } }, /differ from the genesis/],
    ["no adapter", { ...full, attestation: { ...workers.config, adapters: {} } }, /no adapter for platform sim/],
    ["no scoring", (({ scoring: _s, ...rest }) => rest)(full), /scoring parameters differ/],
    ["other scoring", { ...full, scoring: { ...defaultQualityParams, commitBlocks: defaultQualityParams.commitBlocks + 1 } }, /scoring parameters differ/],
  ]
  for (const [name, c, why] of cases)
    it(`${name}: GENESIS_MISMATCH on start, the node stays not started and rejects messages`, () => {
      expect(genesisMismatch(c, G)).toMatch(why)
      const s0 = initNode(c, G, net.keys[0]!)
      const [s1, outs] = step(c, s0, { type: "start" })
      expect(rejectedCode(outs)).toEqual(["GENESIS_MISMATCH"])
      expect(s1).toBe(s0)
      expect(s1.started).toBe(false)
    })

  it("a node whose settings are the genesis's starts", () => {
    expect(genesisMismatch(full, G)).toBeUndefined()
    const [s1, outs] = step(full, initNode(full, G, net.keys[0]!), { type: "start" })
    expect(rejectedCode(outs)).toEqual([])
    expect(s1.started).toBe(true)
  })

  it("a node with settings refuses a genesis without them (it would verify what others do not)", () => {
    const plain = makeTestnet(ctx, { nodes: 4, seed: 3, users: 1 })
    expect(plain.genesis.attestation).toBeNull()
    expect(genesisMismatch(full, plain.genesis)).toMatch(/genesis has none/)
    const [, outs] = step(full, initNode(full, plain.genesis, plain.keys[0]!), { type: "start" })
    expect(rejectedCode(outs)).toEqual(["GENESIS_MISMATCH"])
  })

  it("an invalid genesis is refused too", () => {
    const g: Genesis = { ...G, params: { ...G.params, timeoutCommitMs: 0 } }
    expect(genesisMismatch(full, g)).toMatch(/invalid genesis: params.timeoutCommitMs must be >= 1/)
  })
})
