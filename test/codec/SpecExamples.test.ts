// spec: spec/02-encoding.md "Byte-level examples" (ENC-CBOR.1, ENC-HASH.1..3, ENC-SIG.1, CRYPTO-2..3)
// The byte-level examples of the spec are parsed out of the markdown and checked both ways against the
// code: every hex string an example shows (fenced blocks, annotated or plain, and inline values) is a
// value the code computes for that example, and every value the code computes for it is shown. So the
// examples cannot drift from the implementation. The same values are conformance vectors (cases named
// spec-example-<n> in conformance/vectors/{encoding,signing,hashing}/), checked here too.
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { DOMAIN, canonicalEncode, tagged } from "../../src/codec/Canonical.ts"
import { Codecs } from "../../src/codec/index.ts"
import { genesisState, stateRoot } from "../../src/core/ChainState.ts"
import { drawValue } from "../../src/core/LeaderElection.ts"
import { blsSecretScalar } from "../../src/crypto/BlsKey.ts"
import { nobleCrypto as c } from "../../src/crypto/NobleCrypto.ts"
import { nodeCryptoService } from "../../src/crypto/NodeCrypto.ts"
import { specExamples } from "../../conformance/generate/encoding.ts"

const ROOT = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..")
const spec = fs.readFileSync(path.join(ROOT, "spec", "02-encoding.md"), "utf8")
const examples = spec.slice(spec.indexOf("## Byte-level examples"))

/** The text of one section: "intro" (the keys table) or "Example n", up to the next "### ". */
const section = (name: string): string => {
  const start = name === "intro" ? 0 : examples.indexOf(`### ${name}:`)
  expect(start, name).toBeGreaterThanOrEqual(0)
  const next = examples.indexOf("\n### ", start + 5)
  return examples.slice(start, next < 0 ? undefined : next)
}

const HEX = /^[0-9a-f]+$/
/**
 * Every hex string a section shows: a fenced block whose lines are hex tokens (after removing `# ...`
 * comments) is one string, its tokens concatenated; an inline `code` span of hex (spaces allowed) of at
 * least 20 digits is one string. Blocks or spans with anything else (`...`, formulas) are not values.
 */
const shownHex = (text: string): string[] => {
  const out: string[] = []
  for (const m of text.matchAll(/```\n([\s\S]*?)```/g)) {
    const tokens = (m[1] as string).split("\n").flatMap((l) => l.replace(/#.*$/, "").trim().split(/\s+/).filter((t) => t !== ""))
    if (tokens.length > 0 && tokens.every((t) => HEX.test(t))) out.push(tokens.join(""))
  }
  for (const m of text.replace(/```[\s\S]*?```/g, "").matchAll(/`([^`]+)`/g)) {
    const s = (m[1] as string).replace(/\s+/g, "")
    if (HEX.test(s) && s.length >= 20) out.push(s)
  }
  return out
}

const x = specExamples()
const enc = (name: keyof typeof Codecs, v: unknown) => toHex((Codecs[name] as { encode: (v: unknown) => Uint8Array }).encode(v))
const state = genesisState(c.sha256, x.ex4.genesis)
const prefix = (tag: (typeof DOMAIN)[keyof typeof DOMAIN]) => toHex(tagged(tag, new Uint8Array(0)))

/** What the code computes for each section, by label. */
const COMPUTED: Record<string, Record<string, string>> = {
  intro: {
    K1: toHex(x.keys.K1),
    K2: toHex(x.keys.K2),
    K3: toHex(x.keys.K3),
    "B4 scalar": toHex(blsSecretScalar(x.keys.seedB4, c.sha256)),
    "B4 public key": toHex(x.keys.B4),
  },
  "Example 1": {
    "UnsignedVote": enc("UnsignedVote", x.ex1.unsignedVote),
    "vote tag prefix": prefix(DOMAIN.vote),
    "signing preimage": toHex(x.ex1.voteSigningBytes),
    "SHA-256 of the preimage": toHex(c.sha256(x.ex1.voteSigningBytes)),
    signature: toHex(x.ex1.voteSignature),
    "signed Vote": enc("Vote", x.ex1.vote),
    'the key "signature" inserted into the signed vote': toHex(canonicalEncode("signature")),
    "nil precommit": enc("UnsignedVote", x.ex1.nilPrecommit),
  },
  "Example 2": {
    UnsignedTransfer: enc("UnsignedTransfer", x.ex2.unsignedTransfer),
    "tx tag prefix": prefix(DOMAIN.tx),
    "signing preimage": toHex(x.ex2.transferSigningBytes),
    signature: toHex(x.ex2.transferSignature),
    "signed Transfer": enc("Transfer", x.ex2.transfer),
    "txId tag prefix": prefix(DOMAIN.txId),
    txId: toHex(c.sha256(tagged(DOMAIN.txId, Codecs.Transfer.encode(x.ex2.transfer)))),
  },
  "Example 3": {
    "message prefix": enc("Message", x.ex3.message).slice(0, -enc("Vote", x.ex1.vote).length),
  },
  "Example 4": {
    "genesis hash": toHex(x.ex4.beaconInput.prev),
    "state root": toHex(stateRoot(c.sha256, state)),
    draw: drawValue(c.sha256, state.beacon, 1, 0).toString(16).padStart(64, "0"),
    BeaconInput: enc("BeaconInput", x.ex4.beaconInput),
    "BLS signature": toHex(x.ex4.beaconSignature),
    "beacon value": toHex(x.ex4.beaconValue),
  },
  "Example 5": {
    WorkClaim: enc("WorkClaim", x.ex5.workClaim),
    commitment: toHex(x.ex5.commitment),
    "work id": toHex(x.ex5.workId),
  },
}

describe("spec/02-encoding.md byte-level examples match the code, both ways", () => {
  it.each(Object.keys(COMPUTED))("%s", (name) => {
    const shown = shownHex(section(name))
    const computed = COMPUTED[name] as Record<string, string>
    for (const [label, hex] of Object.entries(computed)) expect(shown, `${name}: ${label} is not shown`).toContain(hex)
    for (const s of shown) expect(Object.values(computed), `${name}: shows ${s.slice(0, 32)}... which the code does not compute`).toContain(s)
  })

  it("Example 3 states the message is its prefix followed by the 211-byte vote", () => {
    expect(enc("Message", x.ex3.message)).toBe(COMPUTED["Example 3"]?.["message prefix"] + enc("Vote", x.ex1.vote))
    expect(enc("Vote", x.ex1.vote).length / 2).toBe(211)
  })

  it("the stated byte lengths are those of the encodings", () => {
    const len = (h: string | undefined) => (h ?? "").length / 2
    const e1 = COMPUTED["Example 1"] as Record<string, string>
    const e2 = COMPUTED["Example 2"] as Record<string, string>
    expect(section("Example 1")).toContain(`canonical CBOR (${len(e1["UnsignedVote"])} bytes)`)
    expect(section("Example 1")).toContain(`(${len(e1["signing preimage"])} bytes;`)
    expect(section("Example 1")).toContain(`(${len(e1["nil precommit"])} bytes)`)
    expect(section("Example 2")).toContain(`(${len(e2["UnsignedTransfer"])} bytes)`)
    expect(section("Example 2")).toContain(`(${len(e2["signing preimage"])} bytes,`)
    expect(section("Example 2")).toContain(`Signed \`Transfer\` (${len(e2["signed Transfer"])} bytes;`)
    expect(section("Example 3")).toContain(`(${enc("Message", x.ex3.message).length / 2} bytes)`)
    expect(section("Example 4")).toContain(`(${enc("BeaconInput", x.ex4.beaconInput).length / 2} bytes)`)
    expect(section("Example 5")).toContain(`(${enc("WorkClaim", x.ex5.workClaim).length / 2} bytes)`)
  })

  it("both crypto layers agree on the examples' signatures and hashes", () => {
    for (const [sb, sig, pk] of [
      [x.ex1.voteSigningBytes, x.ex1.voteSignature, x.keys.K1],
      [x.ex2.transferSigningBytes, x.ex2.transferSignature, x.keys.K2],
    ] as const) {
      expect(toHex(nodeCryptoService.ed25519.sign(sb, pk === x.keys.K1 ? x.keys.seedK1 : x.keys.seedK2))).toBe(toHex(sig))
      expect(nodeCryptoService.ed25519.verify(sig, sb, pk)).toBe(true)
    }
    expect(c.bls.verify(x.ex4.beaconSignature, x.ex4.beaconSigningBytes, x.keys.B4)).toBe(true)
  })
})

describe("the spec examples are conformance vectors", () => {
  const vectors = (p: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "conformance", "vectors", p), "utf8")) as { valid: Array<Record<string, unknown>> }
  const find = (p: string, name: string) => vectors(p).valid.find((v) => v["name"] === name) as Record<string, unknown>

  it("encoding/canonical: the typed examples, with their canonical bytes", () => {
    const e1 = COMPUTED["Example 1"] as Record<string, string>
    const e2 = COMPUTED["Example 2"] as Record<string, string>
    expect(find("encoding/canonical/UnsignedVote.json", "spec-example-1")["canonical"]).toBe(e1["UnsignedVote"])
    expect(find("encoding/canonical/UnsignedVote.json", "spec-example-1-nil-precommit")["canonical"]).toBe(e1["nil precommit"])
    expect(find("encoding/canonical/Vote.json", "spec-example-1")["canonical"]).toBe(e1["signed Vote"])
    expect(find("encoding/canonical/Prevote.json", "spec-example-1")["canonical"]).toBe(e1["signed Vote"])
    expect(find("encoding/canonical/UnsignedTransfer.json", "spec-example-2")["canonical"]).toBe(e2["UnsignedTransfer"])
    expect(find("encoding/canonical/Transfer.json", "spec-example-2")["canonical"]).toBe(e2["signed Transfer"])
    expect(find("encoding/canonical/Transfer.json", "spec-example-2")["hash"]).toBe(e2["txId"])
    expect(find("encoding/canonical/Message.json", "spec-example-3")["canonical"]).toBe(enc("Message", x.ex3.message))
    expect(find("encoding/canonical/BeaconInput.json", "spec-example-4")["canonical"]).toBe(COMPUTED["Example 4"]?.["BeaconInput"])
    expect(find("encoding/canonical/WorkClaim.json", "spec-example-5")["canonical"]).toBe(COMPUTED["Example 5"]?.["WorkClaim"])
  })

  it("signing and hashing: the examples' signatures, beacon value, commitment and work id", () => {
    expect(find("signing/ed25519/Vote.json", "spec-example-1")["signature"]).toBe(COMPUTED["Example 1"]?.["signature"])
    expect(find("signing/ed25519/Vote.json", "spec-example-1")["signingBytes"]).toBe(COMPUTED["Example 1"]?.["signing preimage"])
    expect(find("signing/ed25519/Transfer.json", "spec-example-2")["signature"]).toBe(COMPUTED["Example 2"]?.["signature"])
    const b = find("signing/bls12_381/BeaconEntry.json", "spec-example-4")
    expect([b["signature"], b["beaconValue"], b["blsSecretScalar"], b["publicKey"]]).toEqual([
      COMPUTED["Example 4"]?.["BLS signature"],
      COMPUTED["Example 4"]?.["beacon value"],
      COMPUTED["intro"]?.["B4 scalar"],
      COMPUTED["intro"]?.["B4 public key"],
    ])
    expect(find("hashing/work_commitment/workCommitment.json", "spec-example-5")["commitment"]).toBe(COMPUTED["Example 5"]?.["commitment"])
    expect(find("hashing/work_id/workId.json", "spec-example-5")["workId"]).toBe(COMPUTED["Example 5"]?.["work id"])
  })
})
