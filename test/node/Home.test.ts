// spec: NODE-HOME.1..4, CLI-NODE.1..2 (spec/20-node.md §Homes and genesis)
// poai init / poai genesis in-process: homes, the genesis file and its checks, one-line typed errors.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { main } from "../../src/cli/main.ts"
import { nodeCryptoService as crypto } from "../../src/crypto/NodeCrypto.ts"
import { identityOf } from "../../src/drivers/node/P2p.ts"
import { HomeError, loadHome, readGenesis } from "../../src/drivers/node/Home.ts"
import { makeTestnet } from "../../src/drivers/Testnet.ts"
import { provisionalQuality } from "../../src/core/Context.ts"

const run = async (argv: string[]) => {
  let out = ""
  let err = ""
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) })
  return { code, out, err }
}

describe("homes and the genesis file (NODE-HOME, CLI-NODE)", { timeout: 30_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poai-home-test-"))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
  const h = (i: number) => path.join(dir, `h${i}`)

  it("init with a seed gives the simulator's keys and the derived peer id; keys.json is 0600; a second init is refused", async () => {
    for (let i = 0; i < 3; i++) expect((await run(["init", "--home", h(i), "--seed", "9", "--index", String(i), "--json"])).code).toBe(0)
    const pub = JSON.parse(fs.readFileSync(path.join(h(1), "public.json"), "utf8"))
    const sim = makeTestnet({ crypto, quality: provisionalQuality }, { nodes: 3, seed: 9 })
    expect(pub.pubKey).toBe(sim.keys[1]?.pubHex)
    expect(pub.peerId).toBe((await identityOf(crypto.sha256, sim.keys[1]?.secretKey as Uint8Array)).peerId)
    expect(fs.statSync(path.join(h(1), "keys.json")).mode & 0o777).toBe(0o600)
    const again = await run(["init", "--home", h(1)])
    expect(again.code).toBe(1)
    expect(again.err).toMatch(/^poai: HOME_EXISTS: [^\n]*\n$/)
  })

  it("genesis writes one file into every home; each home loads with its own index", async () => {
    const r = await run(["genesis", "--homes", `${h(0)},${h(1)},${h(2)}`, "--out", path.join(dir, "g.json")])
    expect(r.code, r.err).toBe(0)
    for (let i = 0; i < 3; i++) expect(loadHome(crypto, h(i)).index).toBe(i)
    expect(fs.readFileSync(path.join(dir, "g.json"), "utf8")).toBe(fs.readFileSync(path.join(h(0), "genesis.json"), "utf8"))
  })

  it("a tampered genesis file is refused with GENESIS_INVALID: changed stake (hash mismatch), missing peer id, not JSON", () => {
    const file = path.join(h(0), "genesis.json")
    const good = fs.readFileSync(file, "utf8")
    const bad = (text: string) => {
      fs.writeFileSync(path.join(dir, "bad.json"), text)
      try {
        readGenesis(crypto, path.join(dir, "bad.json"))
        return undefined
      } catch (e) {
        return e instanceof HomeError ? e.code : "other"
      }
    }
    expect(bad(good)).toBeUndefined()
    const j = JSON.parse(good)
    expect(bad(JSON.stringify({ ...j, genesis: { ...j.genesis, validators: j.genesis.validators.map((v: object) => ({ ...v, stake: 1 })) } }))).toBe("GENESIS_INVALID")
    expect(bad(JSON.stringify({ ...j, peerIds: j.peerIds.slice(1) }))).toBe("GENESIS_INVALID")
    expect(bad(JSON.stringify({ ...j, genesis: { chainId: "x" } }))).toBe("GENESIS_INVALID")
    expect(bad("{")).toBe("HOME_CORRUPT")
  })

  it("a home whose key is not a validator of the genesis is refused (NOT_A_VALIDATOR); missing flags are usage errors", async () => {
    await run(["init", "--home", h(3), "--seed", "9", "--index", "3"])
    fs.copyFileSync(path.join(h(0), "genesis.json"), path.join(h(3), "genesis.json"))
    expect(() => loadHome(crypto, h(3))).toThrow(/NOT_A_VALIDATOR/)
    expect((await run(["node", "--home", h(3)])).err).toMatch(/^poai: NOT_A_VALIDATOR: [^\n]*\n$/)
    expect((await run(["genesis"])).code).toBe(2)
    expect((await run(["init"])).code).toBe(2)
    expect((await run(["node", "help"])).out).toContain("poai genesis --homes")
  })
})
