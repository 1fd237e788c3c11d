// spec: NODE-API.1..5 (spec/20-node.md §API and metrics), CLI-BUILD.2
// The API's answers to bad input (typed 4xx, one line), against a fake node; metrics render; and the
// node commands stay out of `poai help`'s import closure.
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { SigningBytes } from "../../src/codec/Hashing.ts"
import { Codecs } from "../../src/codec/index.ts"
import { nodeCryptoService as crypto } from "../../src/crypto/NodeCrypto.ts"
import { importClosure } from "../fixtures/imports.ts"
import { MAX_BODY_BYTES, makeMetrics, startApi, type ApiNode } from "../../src/drivers/node/Api.ts"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")

describe("the API refuses bad input with a typed 4xx (NODE-API.2..4)", { timeout: 30_000 }, () => {
  const submitted: Uint8Array[] = []
  const sk = crypto.sha256(new Uint8Array([1]))
  const pk = crypto.ed25519.publicKey(sk)
  const metrics = makeMetrics(() => ({ height: 3, round: 1, peers: 2, messagesIn: 10, messagesOut: 7, dropped: new Map([["FRAME_TOO_LARGE", 1]]) }))
  metrics.rejected.inc({ code: "TX_BAD_SIGNATURE" })
  metrics.commitLatency.observe(0.25)
  metrics.hostHandle.observe(0.003)
  const fake: ApiNode = {
    status: () => ({ chainId: "c", genesisHash: "00", index: 0, peerId: "p", height: 4, round: 0, step: "propose", finalizedHeight: 3, peers: 2, refusedSignatures: 0, evidence: [], rejected: {}, dropped: {}, inputs: 0, hostHandleMsMean: 0 }),
    block: async (h) => (h === 1 ? { height: 1, hash: "ab" } : undefined),
    account: (a) => (a === toHex(pk) ? { balance: 5, stake: 0, nonce: 0 } : undefined),
    // like the core: a transfer whose signature does not verify is rejected with TX_BAD_SIGNATURE
    submitTx: async (bytes) => {
      const t = Codecs.Transfer.decode(bytes)
      if (t._tag === "Left") return { ok: false, code: `DECODE:${t.left.reason}`, message: t.left.message }
      const { signature, ...unsigned } = t.right
      if (!crypto.ed25519.verify(signature, SigningBytes.transfer(unsigned), unsigned.from)) return { ok: false, code: "TX_BAD_SIGNATURE", message: "transfer signature does not verify under `from`" }
      submitted.push(bytes)
      return { ok: true, id: "11" }
    },
    submitWork: async () => ({ ok: false, code: "WORK_INVALID_CLAIM", message: "claim fails verification" }),
    metrics: () => metrics.registry.metrics(),
  }
  let port = 0
  let close: () => Promise<void> = async () => undefined
  beforeAll(async () => {
    const a = await startApi(fake, { host: "127.0.0.1", port: 0 })
    port = a.port
    close = a.close
  })
  afterAll(() => close())
  const post = async (p: string, body: string, type = "application/json") => {
    const r = await fetch(`http://127.0.0.1:${port}${p}`, { method: "POST", headers: { "content-type": type }, body })
    return { status: r.status, json: (await r.json()) as { error?: string; message?: string; id?: string } }
  }
  const get = async (p: string) => {
    const r = await fetch(`http://127.0.0.1:${port}${p}`)
    return { status: r.status, text: await r.text() }
  }
  const unsigned = { chainId: "poai-devnet", from: pk, to: new Uint8Array(32).fill(2), amount: 5, fee: 1, nonce: 0 }
  const tx = { ...unsigned, signature: crypto.ed25519.sign(SigningBytes.transfer(unsigned), sk) }
  const oneLine = (m: string | undefined) => expect(m ?? "").not.toMatch(/\n/)

  it("a signed transfer (hex or JSON form) is accepted: 202 with its id", async () => {
    const a = await post("/tx", JSON.stringify({ hex: toHex(Codecs.Transfer.encode(tx)) }))
    expect(a).toEqual({ status: 202, json: { accepted: true, id: "11" } })
    const j = { ...tx, from: toHex(tx.from), to: toHex(tx.to), signature: toHex(tx.signature) }
    expect((await post("/tx", JSON.stringify({ tx: j }))).status).toBe(202)
    expect(submitted).toHaveLength(2)
    expect(toHex(submitted[1] as Uint8Array)).toBe(toHex(Codecs.Transfer.encode(tx)))
  })

  it("a bad signature is 400 TX_BAD_SIGNATURE", async () => {
    const bad = { ...tx, amount: 6 }
    const r = await post("/tx", JSON.stringify({ hex: toHex(Codecs.Transfer.encode(bad)) }))
    expect(r.status).toBe(400)
    expect(r.json.error).toBe("TX_BAD_SIGNATURE")
    oneLine(r.json.message)
  })

  it("an oversized body is 413 BODY_TOO_LARGE; malformed JSON is 400 MALFORMED_JSON; other media 415", async () => {
    const big = await post("/tx", JSON.stringify({ hex: "00".repeat(MAX_BODY_BYTES) }))
    expect(big.status).toBe(413)
    expect(big.json.error).toBe("BODY_TOO_LARGE")
    const mal = await post("/tx", "{\"hex\": ")
    expect(mal.status).toBe(400)
    expect(mal.json.error).toBe("MALFORMED_JSON")
    oneLine(mal.json.message)
    expect((await post("/tx", "<x/>", "application/xml")).json.error).toBe("UNSUPPORTED_MEDIA_TYPE")
    expect((await post("/tx", "x", "text/plain")).json.error).toBe("BAD_REQUEST")
  })

  it("bodies of the wrong shape are 400 BAD_REQUEST or DECODE:<reason>, never a 500", async () => {
    for (const b of ["[]", "1", "null", '{"hex": "zz"}', '{"hex": "abc"}', '{"tx": {"amount": -1}}', '{"other": 1}']) {
      const r = await post("/tx", b)
      expect(r.status, b).toBe(400)
      expect(r.json.error, b).toBe("BAD_REQUEST")
      oneLine(r.json.message)
    }
    const r = await post("/tx", JSON.stringify({ hex: "a0" }))
    expect(r.status).toBe(400)
    expect(r.json.error).toMatch(/^DECODE:/)
    expect((await post("/work", JSON.stringify({ hex: "a0" }))).json.error).toBe("WORK_INVALID_CLAIM")
    expect((await post("/work", JSON.stringify({ tx: {} }))).json.error).toBe("BAD_REQUEST")
  })

  it("GET routes: status, block, account; bad height / address are 400, unknown 404", async () => {
    expect(JSON.parse((await get("/status")).text).finalizedHeight).toBe(3)
    expect((await get("/block/1")).status).toBe(200)
    expect(JSON.parse((await get("/block/2")).text).error).toBe("NOT_FOUND")
    expect(JSON.parse((await get("/block/-1")).text).error).toBe("BAD_HEIGHT")
    expect(JSON.parse((await get("/block/1e3")).text).error).toBe("BAD_HEIGHT")
    expect(JSON.parse((await get(`/account/${toHex(pk)}`)).text)).toEqual({ balance: 5, stake: 0, nonce: 0 })
    expect(JSON.parse((await get("/account/xyz")).text).error).toBe("BAD_ADDRESS")
    expect((await get(`/account/${"0".repeat(64)}`)).status).toBe(404)
    expect(JSON.parse((await get("/nope")).text).error).toBe("NOT_FOUND")
  })

  it("NODE-API.5: /metrics renders the node's gauges, counters and the commit latency histogram", async () => {
    const m = await get("/metrics")
    expect(m.status).toBe(200)
    for (const s of ["poai_height 3", "poai_round 1", "poai_peers 2", "poai_messages_in_total 10", "poai_messages_out_total 7", 'poai_dropped_total{reason="FRAME_TOO_LARGE"} 1', 'poai_rejected_total{code="TX_BAD_SIGNATURE"} 1', "poai_commit_latency_seconds_count 1", "poai_host_handle_seconds_count 1"])
      expect(m.text).toContain(s)
  })
})

describe("poai help does not load libp2p or fastify (CLI-BUILD.2)", () => {
  const closure = importClosure
  const heavy = (s: Set<string>) => [...s].filter((x) => /^package:(libp2p|@libp2p|@chainsafe|fastify|prom-client|classic-level)/.test(x))
  it("main.ts reaches none of them; the node commands do (the check can fail)", () => {
    expect(heavy(closure("cli/main.ts"))).toEqual([])
    expect(heavy(closure("cli/Node.ts"))).toEqual(expect.arrayContaining(["package:libp2p", "package:fastify"]))
    expect(heavy(closure("cli/Devnet.ts")).length).toBeGreaterThan(0)
  })
  it("`poai help` lists the node commands", async () => {
    const { main } = await import("../../src/cli/main.ts")
    let out = ""
    expect(await main(["help"], { out: (s) => (out += s), err: () => undefined })).toBe(0)
    expect(out).toContain("poai devnet")
  })
})

describe("poai node loads neither the simulator nor tfjs (CLI-BUILD.2)", () => {
  it("the static closure of cli/Node.ts and cli/Devnet.ts has no @tensorflow and no InProcessNetwork", () => {
    const closure = importClosure
    for (const f of ["cli/Node.ts", "cli/Devnet.ts"]) {
      const c = [...closure(f)]
      expect(c.filter((x) => x.startsWith("package:@tensorflow") || x === "drivers/InProcessNetwork.ts"), f).toEqual([])
    }
  })
})
