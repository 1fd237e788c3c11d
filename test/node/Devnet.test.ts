// spec: DEVNET.1..7 (spec/20-node.md §Devnet), NODE-PROC.1..4, NODE-P2P.7
// A 4-node devnet of real `poai node` processes on loopback: 20 blocks, one node killed with SIGKILL
// and restarted. Ends with agreement, every node (the restarted one too) at 20, no double sign, and
// every transfer the API accepted committed exactly once. Bounded; it kills its children and removes
// its run directory.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { nodeCryptoService } from "../../src/crypto/NodeCrypto.ts"
import { runDevnet, type DevnetSummary } from "../../src/drivers/node/Devnet.ts"

describe("devnet: 4 node processes, 20 blocks, one SIGKILL and restart (DEVNET)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poai-devnet-test-"))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  it("agrees, catches the restarted node up, loses and duplicates no transfer, never double-signs", { timeout: 240_000 }, async () => {
    const s: DevnetSummary = await runDevnet(nodeCryptoService, { nodes: 4, blocks: 20, kill: 1, seed: 3, dir, timeoutSec: 200, txPerSec: 10, workPerSec: 1 })
    const msg = JSON.stringify(s)
    expect(s.error, msg).toBeNull()
    expect(s.agreement, msg).toBe(true)
    expect(s.restarts, msg).toBe(1)
    expect(s.completed, msg).toBe(true)
    for (const h of s.heights) expect(h, msg).toBeGreaterThanOrEqual(20)
    expect(s.doubleSigns, msg).toBe(0)
    expect(s.guardRefusals, msg).toBe(0)
    expect(s.txAccepted, msg).toBeGreaterThan(0)
    expect(s.lostTx, msg).toBe(0)
    expect(s.duplicateTx, msg).toBe(0)
    // NODE-PROC.4, DEVNET.7: every child was stopped gracefully at the end (SIGTERM: queue drained,
    // API, libp2p and host closed); the killed node's log shows two starts
    for (let i = 0; i < 4; i++) {
      const log = fs.readFileSync(path.join(dir, `node-${i}`, "node.log"), "utf8").trimEnd().split("\n")
      expect(log.at(-1), `node ${i}`).toMatch(/\] stopped$/)
    }
    const starts = [0, 1, 2, 3].map((i) => fs.readFileSync(path.join(dir, `node-${i}`, "node.log"), "utf8").match(/ peer 12D3/g)?.length ?? 0)
    expect(starts.sort()).toEqual([1, 1, 1, 2])
    // NODE-RECOVER: the killed node came back from its store, not from genesis
    const victim = [0, 1, 2, 3].find((i) => (fs.readFileSync(path.join(dir, `node-${i}`, "node.log"), "utf8").match(/ peer 12D3/g)?.length ?? 0) === 2) as number
    const restart = fs.readFileSync(path.join(dir, `node-${victim}`, "node.log"), "utf8").split("\n").filter((l) => / peer 12D3/.test(l))[1] ?? ""
    expect(Number(/ height (\d+) /.exec(restart)?.[1]), restart).toBeGreaterThan(0)
  })
})
