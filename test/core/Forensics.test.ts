// spec: CONS-FORENSICS.1..4, CONS-ACCOUNT.1 (spec/03-consensus.md), CLI-FORENSICS.1; issue 9 item 7.
// Forensics convicts equivocation and amnesia from signed messages; never a validator whose messages
// follow the rules; reads transcripts with typed errors.
import { Either } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { Codecs } from "../../src/codec/index.ts"
import { forensics } from "../../src/core/Forensics.ts"
import type { PowerTable } from "../../src/core/Votes.ts"
import type { Vote } from "../../src/domain/Consensus.ts"
import { main } from "../../src/cli/main.ts"
import { emptyTranscripts, forensicsInput, parseTranscript } from "../../src/drivers/Transcript.ts"
import { type Account, ctx, proposal, testnet, vote } from "../fixtures/core.ts"

const net = testnet({ nodes: 4, seed: 44, users: 1 })
const acc = (i: number): Account => ({ secretKey: net.keys[i]!.secretKey, pubKey: net.keys[i]!.pubKey })
const [H1, H2, B1, B2] = [0, 1, 2, 3].map(acc) as [Account, Account, Account, Account]
const table: PowerTable = { power: new Map(net.keys.map((k) => [k.pubHex, 1000])), total: 4000n }
const V = new Uint8Array(32).fill(0xaa)
const W = new Uint8Array(32).fill(0xbb)
const hex = (a: Account) => toHex(a.pubKey)
const run = (votes: Vote[], decisions: Array<{ height: number; blockHash: string }> = []) =>
  forensics(ctx.crypto, { chainId: "poai-sim", tables: new Map([[1, table]]), proposals: [], votes, decisions })
const pv = (a: Account, round: number, b: Uint8Array | null) => vote(a, { type: "prevote", height: 1, round, blockHash: b })
const pc = (a: Account, round: number, b: Uint8Array | null) => vote(a, { type: "precommit", height: 1, round, blockHash: b })

// An amnesia fork at height 1: H1 decides V at round 0 with B1, B2; H2 decides W at round 1 with B1, B2,
// who precommitted V at round 0 and then prevoted W at round 1 with no polka for W in between.
const round0 = [pv(H1, 0, V), pv(B1, 0, V), pv(B2, 0, V), pc(H1, 0, V), pc(B1, 0, V), pc(B2, 0, V)]
const round1 = [pv(H2, 1, W), pv(B1, 1, W), pv(B2, 1, W), pc(H2, 1, W), pc(B1, 1, W), pc(B2, 1, W)]
const fork = [{ height: 1, blockHash: toHex(V) }, { height: 1, blockHash: toHex(W) }]

describe("CONS-FORENSICS.2..3: conviction", () => {
  it("an amnesia fork: the two Byzantine validators are convicted of amnesia (1/2 > 1/3), the honest ones are not", () => {
    const r = run([...round0, ...round1], fork)
    const h = r.heights.find((x) => x.height === 1)!
    expect(h.fork).toBe(true)
    expect(h.convicted.map((c) => [c.validator, c.offence]).sort()).toEqual([[hex(B1), "amnesia"], [hex(B2), "amnesia"]].sort())
    expect(h.accountable).toBe(true)
    expect(h.convictedPower).toBe("2000")
    // the exhibits are the precommit at round 0 and the prevote at round 1, as canonical bytes
    const c = h.convicted.find((x) => x.validator === hex(B1))!
    expect(c.exhibits.map((e) => [e.kind, e.round])).toEqual([["precommit", 0], ["prevote", 1]])
    expect(c.exhibits[0].bytes).toBe(toHex(Codecs.Vote.encode(pc(B1, 0, V))))
  })

  it("equivocation alone does not see it (what on-chain evidence can prove): no two votes share a slot", () => {
    const r = run([...round0, ...round1], fork)
    expect(r.heights[0]!.convicted.some((c) => c.offence === "equivocation")).toBe(false)
  })

  it("a polka for the new value in the window justifies the prevote (unlock): no conviction", () => {
    // a polka for W at round 0 (H2, B1, B2... and H1 is not needed) makes B1's prevote for W at round 1 legal
    const polkaW0 = [pv(H2, 0, W), pv(B1, 0, W), pv(B2, 0, W)]
    const r = run([pc(B1, 0, V), ...polkaW0, pv(B1, 1, W)])
    // B1 prevoted V? no: here B1 prevoted W at round 0 and precommitted V at round 0 with no polka for V
    // (not an offence by itself); its round-1 prevote for W is justified by the round-0 polka for W
    expect(r.heights[0]!.convicted.filter((c) => c.validator === hex(B1) && c.offence === "amnesia")).toEqual([])
  })

  it("the window is r1..r2-1: a polka for W at round r2 itself does not justify the prevote at r2", () => {
    const r = run([pc(B1, 0, V), pv(H1, 1, W), pv(H2, 1, W), pv(B2, 1, W), pv(B1, 1, W)])
    expect(r.heights[0]!.convicted.map((c) => [c.validator, c.offence])).toEqual([[hex(B1), "amnesia"]])
    // and a polka at round 0 (= r1) does
    const ok = run([pc(B1, 0, V), pv(H1, 0, W), pv(H2, 0, W), pv(B2, 0, W), pv(B1, 1, W)])
    expect(ok.heights[0]!.convicted).toEqual([])
  })

  it("a polka needs more than 2/3 of the power: two of four prevotes do not justify", () => {
    const r = run([pc(B1, 0, V), pv(H1, 0, W), pv(H2, 0, W), pv(B1, 1, W)])
    expect(r.heights[0]!.convicted.map((c) => c.validator)).toEqual([hex(B1)])
  })

  it("nil votes and re-votes for the locked value never convict; a later round's precommit does not either", () => {
    const r = run([pc(H1, 0, V), pv(H1, 1, null), pv(H1, 2, V), pc(H1, 2, null), pv(H1, 3, V)])
    expect(r.heights[0]!.convicted).toEqual([])
  })

  it("equivocation: two different prevotes, or two proposals, of one slot convict; identical copies do not", () => {
    const r = run([pv(B2, 0, V), pv(B2, 0, W), pv(H1, 0, V), pv(H1, 0, V)])
    expect(r.heights[0]!.convicted.map((c) => [c.validator, c.offence])).toEqual([[hex(B2), "equivocation"]])
    const p = forensics(ctx.crypto, {
      chainId: "poai-sim",
      tables: new Map([[1, table]]),
      proposals: [proposal(B1, { height: 1, blockHash: V }), proposal(B1, { height: 1, blockHash: W }), proposal(H1, { height: 1, round: 1, blockHash: V })],
      votes: [],
      decisions: [],
    })
    expect(p.heights[0]!.convicted.map((c) => [c.validator, c.offence])).toEqual([[hex(B1), "equivocation"]])
  })

  it("messages of another chain, of an unknown height or signer, or with a bad signature are ignored, never convict", () => {
    const forged = { ...pv(H1, 1, W), signature: pv(H1, 1, V).signature }
    const other = vote(H1, { type: "prevote", height: 1, round: 1, blockHash: W, chainId: "other-chain" })
    const r = run([pc(H1, 0, V), forged, other, vote(H1, { type: "prevote", height: 9, blockHash: W })])
    expect(r.ignored).toBe(3)
    expect(r.heights.flatMap((h) => h.convicted)).toEqual([])
  })

  it("a fork with less than 1/3 convicted is reported as not accountable", () => {
    const r = run([pc(B1, 0, V), pv(B1, 1, W)], fork)
    expect(r.heights[0]!.fork).toBe(true)
    expect(r.heights[0]!.accountable).toBe(false) // 1000 of 4000
  })
})

describe("CONS-FORENSICS.4: transcripts", () => {
  const heightLine = (node: number) => JSON.stringify({ kind: "height", node, height: 1, chainId: "poai-sim", power: [...table.power.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)) })
  const msgLine = (node: number, v: Vote) => JSON.stringify({ kind: "msg", node, t: 0, dir: "recv", peer: 2, bytes: toHex(Codecs.Message.encode({ type: "vote", vote: v })) })
  const decideLine = (node: number, b: Uint8Array) => JSON.stringify({ kind: "decide", node, t: 1, height: 1, round: 0, blockHash: toHex(b) })
  const t1 = [heightLine(0), ...round0.map((v) => msgLine(0, v)), decideLine(0, V)].join("\n")
  const t2 = [heightLine(1), ...round1.map((v) => msgLine(1, v)), decideLine(1, W)].join("\n")

  it("two honest transcripts of an amnesia fork convict the Byzantine half", () => {
    const acc = emptyTranscripts()
    expect(Either.isRight(parseTranscript("a", t1, acc))).toBe(true)
    expect(Either.isRight(parseTranscript("b", t2, acc))).toBe(true)
    const r = forensics(ctx.crypto, forensicsInput(acc))
    expect(r.heights[0]!.convicted.map((c) => c.validator).sort()).toEqual([hex(B1), hex(B2)].sort())
  })

  it("malformed input: a typed error naming file and line; nothing of that file is added", () => {
    const cases: Array<[string, string, RegExp]> = [
      ["not json", `${heightLine(0)}\n{oops`, /TRANSCRIPT_BAD_LINE: f:2: not JSON/],
      ["array", "[1,2]", /TRANSCRIPT_BAD_LINE: f:1: not a JSON object/],
      ["kind", JSON.stringify({ kind: "what", node: 0 }), /unknown kind/],
      ["node", JSON.stringify({ kind: "decide", node: -1 }), /node must be/],
      ["bytes", JSON.stringify({ kind: "msg", node: 0, dir: "recv", bytes: "zz" }), /hex bytes/],
      ["message", JSON.stringify({ kind: "msg", node: 0, dir: "recv", bytes: "a1" }), /TRANSCRIPT_BAD_MESSAGE: f:1/],
      ["tx", JSON.stringify({ kind: "msg", node: 0, dir: "send", bytes: toHex(Codecs.Message.encode({ type: "sync-request", height: 1 })) }), /not a consensus message/],
      ["power", JSON.stringify({ kind: "height", node: 0, height: 1, chainId: "poai-sim", power: [["ab", 1]] }), /power entries/],
      ["decide", JSON.stringify({ kind: "decide", node: 0, height: 1, round: 0, blockHash: "00" }), /32-byte blockHash/],
      ["long", "x".repeat(2 * 4 * 1024 * 1024 + 5000), /TRANSCRIPT_TOO_LARGE: f:1/],
    ]
    for (const [name, text, re] of cases) {
      const acc = emptyTranscripts()
      const r = parseTranscript("f", text, acc)
      expect(Either.isLeft(r), name).toBe(true)
      if (Either.isLeft(r)) expect(r.left.message, name).toMatch(re)
      expect(acc.votes.length + acc.tables.size + acc.decisions.length, name).toBe(0)
    }
  })

  it("conflicting power tables or chain ids across files are refused", () => {
    const acc = emptyTranscripts()
    parseTranscript("a", t1, acc)
    const other = JSON.stringify({ kind: "height", node: 1, height: 1, chainId: "poai-sim", power: [[hex(H1), 5]] })
    const r = parseTranscript("b", other, acc)
    expect(Either.isLeft(r) && r.left.code).toBe("TRANSCRIPT_CONFLICT")
    const r2 = parseTranscript("c", JSON.stringify({ kind: "height", node: 1, height: 2, chainId: "x", power: [] }), acc)
    expect(Either.isLeft(r2) && r2.left.code).toBe("TRANSCRIPT_CONFLICT")
  })

  it("poai forensics: exit 0 and the JSON report on an accountable fork; 1 on a bad file; 2 on usage", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poai-forensics-"))
    fs.writeFileSync(path.join(dir, "a.ndjson"), t1)
    fs.writeFileSync(path.join(dir, "b.ndjson"), t2)
    fs.writeFileSync(path.join(dir, "bad.ndjson"), "{")
    const io = () => {
      const o = { out: "", err: "" }
      return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s) } }
    }
    const a = io()
    expect(await main(["forensics", path.join(dir, "a.ndjson"), path.join(dir, "b.ndjson")], a.io)).toBe(0)
    const rep = JSON.parse(a.o.out) as { forks: number[]; accountable: boolean; heights: Array<{ convicted: Array<{ offence: string }> }> }
    expect(rep.forks).toEqual([1])
    expect(rep.accountable).toBe(true)
    expect(rep.heights[0]!.convicted.map((c) => c.offence)).toEqual(["amnesia", "amnesia"])
    const b = io()
    expect(await main(["forensics", path.join(dir, "a.ndjson"), path.join(dir, "bad.ndjson")], b.io)).toBe(1)
    expect(b.o.err.trim().split("\n")).toHaveLength(1)
    expect(b.o.err).toMatch(/TRANSCRIPT_BAD_LINE: .*bad.ndjson:1/)
    const c = io()
    expect(await main(["forensics"], c.io)).toBe(2)
    expect(await main(["forensics", "--nope", "x"], c.io)).toBe(2)
    expect(await main(["forensics", path.join(dir, "missing")], c.io)).toBe(2)
    // a fork that is not accountable: only one transcript with the Byzantine precommits
    const d = io()
    fs.writeFileSync(path.join(dir, "c.ndjson"), [heightLine(1), decideLine(1, W)].join("\n"))
    expect(await main(["forensics", path.join(dir, "a.ndjson"), path.join(dir, "c.ndjson")], d.io)).toBe(1)
  })
})
