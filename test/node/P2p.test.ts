// spec: NODE-P2P.2..6 (spec/20-node.md): identity from the validator key, gossip and direct frames on
// loopback, dropped frames counted by reason, a peer that keeps sending garbage scored down and cut off.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Codecs } from "../../src/codec/index.ts"
import { nodeCryptoService as crypto } from "../../src/crypto/NodeCrypto.ts"
import { frame, identityOf, startP2p, type P2p } from "../../src/drivers/node/P2p.ts"

const seed = (i: number) => crypto.sha256(new Uint8Array([7, i]))
const until = async (what: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms
  while (!what()) {
    if (Date.now() > end) throw new Error("timed out")
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe("P2p on loopback (NODE-P2P)", { timeout: 60_000 }, () => {
  const got: Array<Array<[number, Uint8Array]>> = [[], []]
  let a: P2p
  let b: P2p
  beforeAll(async () => {
    const ids = [(await identityOf(crypto.sha256, seed(0))).peerId, (await identityOf(crypto.sha256, seed(1))).peerId]
    a = await startP2p({ sha256: crypto.sha256, ed25519Seed: seed(0), listen: ["/ip4/127.0.0.1/tcp/0"], peers: [], peerIds: ids, maxFrameBytes: 4096, onMessage: (f, x) => got[0]?.push([f, x]), banMs: 60_000 })
    b = await startP2p({ sha256: crypto.sha256, ed25519Seed: seed(1), listen: ["/ip4/127.0.0.1/tcp/0"], peers: [...a.addrs()], peerIds: ids, maxFrameBytes: 4096, onMessage: (f, x) => got[1]?.push([f, x]) })
    await until(() => a.peers() === 1 && b.peers() === 1)
  })
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  it("NODE-P2P.2: the peer id is a function of the validator seed", async () => {
    expect((await identityOf(crypto.sha256, seed(0))).peerId).toBe(a.peerId)
    expect(a.peerId).not.toBe(b.peerId)
  })

  it("NODE-P2P.3/4: a broadcast and an addressed frame arrive, attributed to the sender's index", async () => {
    const req = { type: "sync-request", height: 3 } as const
    await b.send(0, Codecs.Message.encode(req))
    await until(() => (got[0] ?? []).length >= 1)
    expect(got[0]?.[0]?.[0]).toBe(1)
    const tx = { chainId: "poai-test", from: new Uint8Array(32), to: new Uint8Array(32).fill(1), amount: 1, fee: 1, nonce: 0, signature: new Uint8Array(64) }
    const m = { type: "tx", tx } as const
    await until(() => {
      void b.broadcast(m, Codecs.Message.encode(m))
      return (got[0] ?? []).length >= 2
    })
    expect(got[0]?.[1]?.[0]).toBe(1)
    expect(Codecs.Message.decode(got[0]?.[1]?.[1] as Uint8Array)._tag).toBe("Right")
    const vote = Codecs.Message.encode({ type: "sync-request", height: 9 })
    await b.publishRaw("votes", vote) // wrong topic for its type: rejected, counted
    await until(() => (a.drops.get("WRONG_TOPIC") ?? 0) >= 1)
  })

  it("NODE-P2P.5: oversized, truncated and undecodable frames are dropped with a counted reason", async () => {
    await b.sendRaw(0, frame(new Uint8Array(5000)))
    await until(() => (a.drops.get("FRAME_TOO_LARGE") ?? 0) >= 1)
    await b.sendRaw(0, new Uint8Array([0, 0, 1, 0, 1, 2]))
    await until(() => (a.drops.get("FRAME_TRUNCATED") ?? 0) >= 1)
    await b.sendRaw(0, frame(new Uint8Array([0xff, 0xff])))
    await until(() => [...a.drops.keys()].some((k) => k.startsWith("DECODE:")))
    const before = got[0]?.length
    await new Promise((r) => setTimeout(r, 200))
    expect(got[0]?.length).toBe(before)
  })

  it("NODE-P2P.6: a peer that keeps gossiping garbage is scored down, disconnected and refused", async () => {
    for (let i = 0; i < 6; i++) await b.publishRaw("proposals", new Uint8Array([0xde, 0xad, i]))
    await until(() => (a.drops.get("LOW_SCORE_DISCONNECT") ?? 0) >= 1)
    await until(() => a.peers() === 0)
    expect(a.score(b.peerId)).toBeLessThan(-80)
    // b keeps re-dialing (NODE-P2P.7) but a refuses it while the ban lasts
    await new Promise((r) => setTimeout(r, 2500))
    expect(a.peers()).toBe(0)
  })
})
