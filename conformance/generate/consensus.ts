// Generator of the "consensus" suite: writes <outRoot>/consensus/<handler>/*.json (deterministic: keys from
// SHA-256 of fixed labels, deterministic Ed25519 and BLS signatures, no clock, no randomness).
//
// Every case is designed: the generator computes its result with the handler's reference implementation
// (src/conformance/suites/consensus.ts) AND checks the designed expectation (a case built to be
// rejected with code X gets X; a boundary case sits exactly on its boundary; a reject case's "twin"
// without the defect is accepted), and throws if not. node_scenario files are rebuilt from the TLC
// outputs kept in conformance/vectors/consensus/node_scenario/tlc/ (models/generate-runs.ts
// `scenarioFile`), byte-identical to `npm run models:generate -- --no-tlc`, without TLC.
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { compareBytes, toHex, utf8 } from "../../src/codec/Bytes.ts"
import { Hashes, SigningBytes } from "../../src/codec/Hashing.ts"
import { Codecs } from "../../src/codec/index.ts"
import { genesisHash } from "../../src/core/Genesis.ts"
import { makeProposalEvidence, makeVoteEvidence } from "../../src/core/Evidence.ts"
import { defaultParams } from "../../src/core/Params.ts"
import { signVote } from "../../src/core/Votes.ts"
import { handlers } from "../../src/conformance/suites/consensus.ts"
import { type CaseResult, type HandlerDef, type Json, genericFile } from "../../src/conformance/Types.ts"
import { nodeCryptoService as crypto } from "../../src/crypto/NodeCrypto.ts"
import type { CommitCertificate, Evidence, ProposalHeader, Vote, VoteType } from "../../src/domain/Consensus.ts"
import type { BeaconEntry } from "../../src/domain/Beacon.ts"
import { PATHS, SCENARIO_DIR, keptTlc, scenarioFile, scenarioJson, statsJson, traceJson } from "../../models/generate-runs.ts"
import { writeVector } from "./write.ts"

const SUITE = "consensus"
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const sha = crypto.sha256
const M = Number.MAX_SAFE_INTEGER // 2^53 - 1: the largest stake (every stake is a safe integer)
const CHAIN = "poai-conformance"

const handler = (name: string): HandlerDef => {
  const h = handlers.find((x) => x.handler === name)
  if (h === undefined) throw new Error(`no handler ${name}`)
  return h
}

// ---------------------------------------------------------------------------------------------------
// keys

interface Key {
  readonly sk: Uint8Array
  readonly pk: Uint8Array
  readonly hex: string
  readonly blsSk: Uint8Array
  readonly blsPk: Uint8Array
}
const keyOf = (label: string): Key => {
  const sk = sha(utf8(`poai/conformance/consensus/ed25519/${label}`))
  const blsSk = sha(utf8(`poai/conformance/consensus/bls/${label}`))
  const pk = crypto.ed25519.publicKey(sk)
  return { sk, pk, hex: toHex(pk), blsSk, blsPk: crypto.bls.publicKey(blsSk) }
}
const keysCache = new Map<string, Key>()
const K = (i: number | string): Key => {
  const label = String(i)
  let k = keysCache.get(label)
  if (k === undefined) keysCache.set(label, (k = keyOf(label)))
  return k
}
const OUT = K("outsider")

const hashOf = (label: string): Uint8Array => sha(utf8(`poai/conformance/consensus/hash/${label}`))
const flip = (b: Uint8Array, at: number, mask = 1): Uint8Array => {
  const c = new Uint8Array(b)
  c[at] = (c[at] as number) ^ mask
  return c
}

// ---------------------------------------------------------------------------------------------------
// designed cases

interface Designed {
  readonly name: string
  readonly description: string
  readonly input: Json
  /** The designed result: a reject code, or a check of the output (throws a message when not as designed). */
  readonly expect: { readonly reject: string } | { readonly check: (output: Json) => string | undefined }
  /** A twin of a reject case without its defect: it must be accepted (so the defect is what is rejected). */
  readonly twin?: Json
}

const runCases = async (h: HandlerDef, cases: ReadonlyArray<Designed>) => {
  const out: Array<{ name: string; description: string; input: Json; result: CaseResult }> = []
  const names = new Set<string>()
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`${h.handler}: case ${c.name} twice`)
    names.add(c.name)
    const r = await h.run(c.input)
    if ("reject" in c.expect) {
      if (!("reject" in r) || r.reject !== c.expect.reject)
        throw new Error(`${h.handler}/${c.name}: designed reject ${c.expect.reject}, the implementation gives ${JSON.stringify(r)}`)
    } else {
      if (!("output" in r)) throw new Error(`${h.handler}/${c.name}: designed valid, the implementation rejects ${r.reject}`)
      const why = c.expect.check(r.output)
      if (why !== undefined) throw new Error(`${h.handler}/${c.name}: output not as designed: ${why} (${JSON.stringify(r.output).slice(0, 300)})`)
    }
    if (c.twin !== undefined) {
      const t = await h.run(c.twin)
      if (!("output" in t)) throw new Error(`${h.handler}/${c.name}: the twin without the defect is rejected too (${t.reject})`)
    }
    out.push({ name: c.name, description: c.description, input: c.input, result: r })
  }
  return out
}

const write = async (outRoot: string, h: HandlerDef, fileName: string, description: string, cases: ReadonlyArray<Designed>) => {
  const rows = await runCases(h, cases)
  const rejects = rows.filter((r) => "reject" in r.result).length
  if (rows.length === 0) throw new Error(`${h.handler}/${fileName}: no case`)
  writeVector(outRoot, SUITE, h.handler, fileName, genericFile(SUITE, h.handler, description, h.spec, rows))
  return { cases: rows.length, rejects }
}

const field = (o: Json, k: string): Json => (o !== null && typeof o === "object" && !Array.isArray(o) ? ((o as Record<string, Json>)[k] ?? null) : null)
const expectFields =
  (want: Record<string, Json>) =>
  (o: Json): string | undefined => {
    for (const [k, v] of Object.entries(want)) if (JSON.stringify(field(o, k)) !== JSON.stringify(v)) return `${k} = ${JSON.stringify(field(o, k))}, designed ${JSON.stringify(v)}`
    return undefined
  }
const reject = (code: string) => ({ reject: code }) as const

// ---------------------------------------------------------------------------------------------------
// quorum, one_third

const table = (powers: ReadonlyArray<number>, prefix = "v") => powers.map((p, i) => ({ pubKey: K(`${prefix}${i}`).hex, power: String(p) }))
const voters = (idx: ReadonlyArray<number>, prefix = "v") => idx.map((i) => K(`${prefix}${i}`).hex)
const sumOf = (powers: ReadonlyArray<number>, idx: ReadonlyArray<number>) => [...new Set(idx)].reduce((a, i) => a + BigInt(powers[i] ?? 0), 0n)

/** A threshold case whose designed position is stated as 3p - k·T (k = 2 quorum, 1 one-third). */
const threshold = (
  kind: "quorum" | "one_third",
  name: string,
  description: string,
  powers: ReadonlyArray<number>,
  idx: ReadonlyArray<number>,
  designedMargin: bigint | "any-positive" | "any-negative",
): Designed => {
  const T = powers.reduce((a, p) => a + BigInt(p), 0n)
  const p = sumOf(powers, idx)
  const k = kind === "quorum" ? 2n : 1n
  const margin = 3n * p - k * T
  if (designedMargin === "any-positive" ? margin <= 0n : designedMargin === "any-negative" ? margin >= 0n : margin !== designedMargin)
    throw new Error(`${kind}/${name}: 3p - ${k}T = ${margin}, designed ${designedMargin}`)
  const reached = margin > 0n
  const key = kind === "quorum" ? "quorum" : "oneThird"
  return {
    name,
    description,
    input: { validators: table(powers), voters: voters(idx) },
    expect: { check: expectFields({ power: p.toString(), total: T.toString(), [key]: reached }) },
  }
}

const quorumCases = (): Designed[] => {
  const q = (name: string, d: string, powers: ReadonlyArray<number>, idx: ReadonlyArray<number>, m: bigint | "any-positive" | "any-negative") =>
    threshold("quorum", name, d, powers, idx, m)
  const review = [3321546378281515, 1660773189140757]
  if (3 * (review[0] as number) > 2 * ((review[0] as number) + (review[1] as number))) throw new Error("the review case must be one that doubles get wrong")
  return [
    q("equal-4-three-voters", "4 validators of 1000: 3 voters hold 3000 of 4000 (9000 > 8000)", [1000, 1000, 1000, 1000], [0, 1, 2], 1000n),
    q("equal-4-two-voters", "4 validators of 1000: 2 voters hold half the power", [1000, 1000, 1000, 1000], [0, 1], -2000n),
    q("equal-3-exactly-two-thirds", "3 validators of 1: 2 voters hold exactly 2/3 (3p = 2T): not a quorum", [1, 1, 1], [0, 1], 0n),
    q("equal-3-all", "3 validators of 1: all vote", [1, 1, 1], [0, 1, 2], 3n),
    q("exactly-two-thirds", "T = 300: p = 200 is exactly 2/3: not a quorum", [200, 1, 99], [0], 0n),
    q("two-thirds-plus-one-unit", "T = 300: p = 201 = 2T/3 + 1 unit: a quorum", [200, 1, 99], [0, 1], 3n),
    q("t4-smallest-quorum", "T = 4 (not a multiple of 3): p = 3 is the smallest quorum (9 > 8)", [3, 1], [0], 1n),
    q("t4-below", "T = 4: p = 2 (6 < 8)", [2, 1, 1], [0], -2n),
    q("one-validator-over-two-thirds", "one validator holds 7000 of 10000: alone a quorum", [7000, 1000, 1000, 1000], [0], 1000n),
    q("max-stakes-exactly-two-thirds", "3 validators of 2^53-1 (T > 2^54): two hold exactly 2/3", [M, M, M], [0, 1], 0n),
    q("max-stakes-plus-one-unit", "stakes 2^53-1, 2^53-1, 2^53-2, 1 (T = 3(2^53-1)): p = 2T/3 + 1 unit", [M, M, M - 1, 1], [0, 1, 3], 3n),
    q("max-stakes-one-unit-short", "stakes 2^53-1, 2^53-1, 2^53-2, 1: voters of 2^53-1 and 2^53-2 hold 2T/3 - 1 unit", [M, M, M - 1, 1], [0, 2], -3n),
    q(
      "nine-max-stakes-exactly-two-thirds",
      "9 validators of 2^53-1 (T about 8.1e16): 6 hold exactly 2/3",
      [M, M, M, M, M, M, M, M, M],
      [0, 1, 2, 3, 4, 5],
      0n,
    ),
    q(
      "nine-stakes-plus-one-unit",
      "8 validators of 2^53-1, one of 2^53-2, one of 1 (T = 9(2^53-1)): 6 of the largest and the 1 hold 2T/3 + 1",
      [M, M, M, M, M, M, M, M, M - 1, 1],
      [0, 1, 2, 3, 4, 5, 9],
      3n,
    ),
    q(
      "doubles-get-this-wrong",
      "p = 3321546378281515, T = 4982319567422272: 3p = 2T + 1, a quorum; IEEE doubles compute 3p <= 2T (spec/03 CONS-POWER.2)",
      review,
      [0],
      1n,
    ),
    q("doubles-case-one-unit-less", "p = 3321546378281514 of the same total: 3p = 2T - 2, not a quorum", [3321546378281514, 1, 1660773189140757], [0], -2n),
    q("duplicate-voter-counts-once", "3 validators of 1; voters [v0, v0, v1]: each validator counts once (CONS-VOTE.2): p = 2 = 2T/3", [1, 1, 1], [0, 0, 1], 0n),
    q("no-voters", "4 validators of 1000, no vote", [1000, 1000, 1000, 1000], [], -8000n),
    q("zero-power-validator-not-in-total", "stakes 1, 1, 0: the validator of stake 0 is not in the voting set (CONS-POWER.1): T = 2, p = 2", [1, 1, 0], [0, 1], 2n),
    q("halted-no-power", "every stake is 0 (CONS-HALT.1): T = 0, no vote can make a quorum", [0, 0, 0], [], 0n),
    {
      name: "unknown-voter",
      description: "a voter that is not in the power table: MSG_UNKNOWN_VALIDATOR (NODE-RECV.2)",
      input: { validators: table([1000, 1000, 1000, 1000]), voters: [...voters([0, 1]), OUT.hex] },
      expect: reject("MSG_UNKNOWN_VALIDATOR"),
      twin: { validators: table([1000, 1000, 1000, 1000]), voters: voters([0, 1]) },
    },
    {
      name: "zero-power-voter",
      description: "a genesis validator whose stake is 0 is not in the voting set: its vote is MSG_UNKNOWN_VALIDATOR",
      input: { validators: table([1000, 1000, 1000, 0]), voters: voters([0, 3]) },
      expect: reject("MSG_UNKNOWN_VALIDATOR"),
      twin: { validators: table([1000, 1000, 1000, 0]), voters: voters([0]) },
    },
  ]
}

const oneThirdCases = (): Designed[] => {
  const t = (name: string, d: string, powers: ReadonlyArray<number>, idx: ReadonlyArray<number>, m: bigint | "any-positive" | "any-negative") =>
    threshold("one_third", name, d, powers, idx, m)
  return [
    t("equal-3-exactly-one-third", "3 validators of 1: one voter holds exactly 1/3 (3p = T): not more than one third", [1, 1, 1], [0], 0n),
    t("equal-3-two", "3 validators of 1: two voters", [1, 1, 1], [0, 1], 3n),
    t("exactly-one-third", "T = 300: p = 100 is exactly 1/3", [100, 1, 199], [0], 0n),
    t("one-third-plus-one-unit", "T = 300: p = 101 = T/3 + 1 unit", [100, 1, 199], [0, 1], 3n),
    t("t4-one", "T = 4: p = 1 (3 < 4)", [1, 1, 1, 1], [0], -1n),
    t("t4-two", "T = 4: p = 2 (6 > 4)", [1, 1, 1, 1], [0, 1], 2n),
    t("max-stakes-exactly-one-third", "3 validators of 2^53-1: one holds exactly 1/3", [M, M, M], [0], 0n),
    t("max-stakes-plus-one-unit", "stakes 2^53-1, 2^53-1, 2^53-2, 1: p = T/3 + 1 unit", [M, M, M - 1, 1], [0, 3], 3n),
    t("nine-max-stakes-exactly-one-third", "9 validators of 2^53-1: 3 hold exactly 1/3", [M, M, M, M, M, M, M, M, M], [0, 1, 2], 0n),
    t(
      "nine-stakes-plus-one-unit",
      "8 validators of 2^53-1, one of 2^53-2, one of 1: 3 of the largest and the 1 hold T/3 + 1",
      [M, M, M, M, M, M, M, M, M - 1, 1],
      [0, 1, 2, 9],
      3n,
    ),
    t("duplicate-voter-counts-once", "3 validators of 1; voters [v0, v0]: counted once, p = 1 = T/3", [1, 1, 1], [0, 0], 0n),
    t("no-voters", "no vote", [1, 1, 1], [], -3n),
    t("halted-no-power", "every stake is 0: T = 0, p = 0 (3p > T is false)", [0, 0], [], 0n),
    {
      name: "unknown-voter",
      description: "a voter that is not in the power table: MSG_UNKNOWN_VALIDATOR",
      input: { validators: table([1, 1, 1]), voters: [OUT.hex] },
      expect: reject("MSG_UNKNOWN_VALIDATOR"),
      twin: { validators: table([1, 1, 1]), voters: voters([0]) },
    },
  ]
}

// ---------------------------------------------------------------------------------------------------
// commit_certificate

const HEIGHT = 7
const BLOCK = hashOf("block-7")

const precommit = (k: Key, o: { chainId?: string; type?: VoteType; height?: number; round?: number; blockHash?: Uint8Array | null } = {}): Vote =>
  signVote(crypto, k.sk, {
    chainId: o.chainId ?? CHAIN,
    type: o.type ?? "precommit",
    height: o.height ?? HEIGHT,
    round: o.round ?? 0,
    blockHash: o.blockHash === undefined ? BLOCK : o.blockHash,
    validator: k.pk,
  })

const certBytes = (c: CommitCertificate): string => toHex(Codecs.CommitCertificate.encode(c))
const cert = (signers: ReadonlyArray<Key>, o: { round?: number; height?: number; blockHash?: Uint8Array; sign?: (k: Key) => Vote } = {}): CommitCertificate => {
  const round = o.round ?? 0
  const height = o.height ?? HEIGHT
  const blockHash = o.blockHash ?? BLOCK
  return {
    height,
    round,
    blockHash,
    signatures: signers.map((k) => ({ validator: k.pk, signature: (o.sign ?? ((x: Key) => precommit(x, { round, height, blockHash })))(k).signature })),
  }
}
const sortKeys = (ks: ReadonlyArray<Key>) => [...ks].sort((a, b) => compareBytes(a.pk, b.pk))

const certCases = (): Designed[] => {
  const E = [0, 1, 2, 3].map((i) => K(`c${i}`))
  const [E0, E1, E2, E3] = E as [Key, Key, Key, Key]
  const vals = (powers: ReadonlyArray<number>) => E.slice(0, powers.length).map((k, i) => ({ pubKey: k.hex, power: String(powers[i]) }))
  const equal = vals([1000, 1000, 1000, 1000])
  const inp = (c: CommitCertificate | string, o: { chainId?: string; height?: number; blockHash?: Uint8Array; validators?: Json } = {}): Json => ({
    chainId: o.chainId ?? CHAIN,
    height: o.height ?? HEIGHT,
    blockHash: toHex(o.blockHash ?? BLOCK),
    validators: o.validators ?? equal,
    certificate: typeof c === "string" ? c : certBytes(c),
  })
  const ok = (signers: number, power: bigint, total: bigint) => ({ check: expectFields({ signers, power: power.toString(), total: total.toString() }) })
  const bad = reject("SYNC_BAD_CERTIFICATE")
  const three = cert(sortKeys([E0, E1, E2]))
  const good = certBytes(three)
  // one signature corrupted: S's last byte (the signature stays well formed)
  const corrupt: CommitCertificate = { ...three, signatures: three.signatures.map((s, i) => (i === 1 ? { ...s, signature: flip(s.signature, 40) } : s)) }
  const otherHash = hashOf("block-7-other")
  const large = vals([M, M, M - 1, 1])
  const largeEq = vals([M, M, M])
  const zeroPow = vals([1000, 1000, 1000, 0])
  // byte surgery for the decode cases
  const trailing = `${good}00`
  const heightKey = toHex(utf8("height"))
  const at = good.indexOf(`66${heightKey}07`)
  if (at < 0) throw new Error("height field not found")
  const nonCanonical = `${good.slice(0, at)}66${heightKey}1807${good.slice(at + 2 + heightKey.length + 2)}`
  const shortSigHex = (() => {
    // encode by hand: the codec refuses a 63-byte signature, canonical CBOR does not
    const full = certBytes(three)
    const sig = toHex(three.signatures[0]!.signature)
    return full.replace(`5840${sig}`, `583f${sig.slice(0, 126)}`)
  })()
  return [
    { name: "three-of-four", description: "4 validators of 1000; precommits of 3 (3000 of 4000), sorted by key (CONS-COMMIT.2)", input: inp(three), expect: ok(3, 3000n, 4000n) },
    { name: "four-of-four", description: "every validator signed", input: inp(cert(sortKeys(E))), expect: ok(4, 4000n, 4000n) },
    {
      name: "unsorted-signatures",
      description: "the same 3 precommits in reverse key order: valid (signature order is not checked, CONS-COMMIT.1)",
      input: inp(cert(sortKeys([E0, E1, E2]).reverse())),
      expect: ok(3, 3000n, 4000n),
    },
    { name: "later-round", description: "the block decided at round 3: precommits of round 3", input: inp(cert(sortKeys([E1, E2, E3]), { round: 3 })), expect: ok(3, 3000n, 4000n) },
    {
      name: "one-signer-over-two-thirds",
      description: "stakes 7000, 1000, 1000, 1000: the first validator alone is a quorum",
      input: inp(cert([E0]), { validators: vals([7000, 1000, 1000, 1000]) }),
      expect: ok(1, 7000n, 10000n),
    },
    {
      name: "max-stakes-plus-one-unit",
      description: "stakes 2^53-1, 2^53-1, 2^53-2, 1: signers hold 2T/3 + 1 unit (T > 2^54)",
      input: inp(cert([E0, E1, E3]), { validators: large }),
      expect: ok(3, 2n * BigInt(M) + 1n, 3n * BigInt(M)),
    },
    {
      name: "wrong-block-hash",
      description: "a valid certificate of another block at the same height (its precommits sign that block's hash): not a certificate of the expected block",
      input: inp(cert(sortKeys([E0, E1, E2]), { blockHash: otherHash })),
      expect: bad,
      twin: inp(cert(sortKeys([E0, E1, E2]), { blockHash: otherHash }), { blockHash: otherHash }),
    },
    {
      name: "wrong-height",
      description: "a valid certificate for height 8 where height 7 is expected",
      input: inp(cert(sortKeys([E0, E1, E2]), { height: 8 })),
      expect: bad,
      twin: inp(cert(sortKeys([E0, E1, E2]), { height: 8 }), { height: 8 }),
    },
    {
      name: "signed-for-another-height",
      description: "certificate says height 7, one precommit signs height 8: its signature does not verify",
      input: inp(cert(sortKeys([E0, E1, E2]), { sign: (k) => (k === E1 ? precommit(k, { height: 8 }) : precommit(k)) })),
      expect: bad,
      twin: inp(three),
    },
    {
      name: "wrong-chain-id",
      description: "precommits signed on chain \"poai-other\" checked on chain poai-conformance: the signatures do not verify",
      input: inp(cert(sortKeys([E0, E1, E2]), { sign: (k) => precommit(k, { chainId: "poai-other" }) })),
      expect: bad,
      twin: inp(cert(sortKeys([E0, E1, E2]), { sign: (k) => precommit(k, { chainId: "poai-other" }) }), { chainId: "poai-other" }),
    },
    { name: "bad-signature", description: "one signature with a flipped bit in S", input: inp(corrupt), expect: bad, twin: inp(three) },
    {
      name: "prevote-signatures",
      description: "the signatures are of prevotes for the block, not precommits",
      input: inp(cert(sortKeys([E0, E1, E2]), { sign: (k) => precommit(k, { type: "prevote" }) })),
      expect: bad,
      twin: inp(three),
    },
    {
      name: "signature-of-another-round",
      description: "certificate of round 0 with one precommit of round 1",
      input: inp(cert(sortKeys([E0, E1, E2]), { sign: (k) => (k === E2 ? precommit(k, { round: 1 }) : precommit(k)) })),
      expect: bad,
      twin: inp(three),
    },
    {
      name: "signature-of-another-validator",
      description: "the entry names E1 but carries E3's precommit signature",
      input: inp({ ...three, signatures: three.signatures.map((s) => (toHex(s.validator) === E1.hex ? { ...s, signature: precommit(E3).signature } : s)) }),
      expect: bad,
      twin: inp(three),
    },
    { name: "insufficient-power", description: "2 of 4 validators of 1000: half the power", input: inp(cert(sortKeys([E0, E1]))), expect: bad, twin: inp(three) },
    {
      name: "max-stakes-exactly-two-thirds",
      description: "3 validators of 2^53-1; 2 signers hold exactly 2/3: not a quorum",
      input: inp(cert(sortKeys([E0, E1])), { validators: largeEq }),
      expect: bad,
      twin: inp(cert(sortKeys([E0, E1, E2])), { validators: largeEq }),
    },
    {
      name: "max-stakes-one-unit-short",
      description: "stakes 2^53-1, 2^53-1, 2^53-2, 1: signers of 2^53-1 and 2^53-2 hold 2T/3 - 1 unit",
      input: inp(cert([E0, E2]), { validators: large }),
      expect: bad,
      twin: inp(cert([E0, E1, E3]), { validators: large }),
    },
    {
      name: "duplicate-signer",
      description: "E0, E1, E1: counted twice the signers would hold 3000 of 4000; a validator appears once",
      input: inp(cert([E0, E1, E1])),
      expect: bad,
      twin: inp(cert([E0, E1, E2])),
    },
    {
      name: "unknown-signer",
      description: "3 validators and a valid precommit of a key that is not a validator",
      input: inp(cert([E0, E1, E2, OUT])),
      expect: bad,
      twin: inp(cert([E0, E1, E2])),
    },
    {
      name: "zero-power-signer",
      description: "stakes 1000, 1000, 1000, 0: the validator of stake 0 is not in the power table (CONS-POWER.1, CONS-COMMIT.3)",
      input: inp(cert([E0, E1, E2, E3]), { validators: zeroPow }),
      expect: bad,
      twin: inp(cert([E0, E1, E2]), { validators: zeroPow }),
    },
    { name: "no-signatures", description: "an empty certificate", input: inp(cert([])), expect: bad, twin: inp(three) },
    { name: "trailing-byte", description: "the valid certificate followed by one byte: malformed (ERR-DECODE)", input: inp(trailing), expect: reject("malformed"), twin: inp(good) },
    { name: "non-canonical-height", description: "height 7 written 18 07 instead of 07: non-canonical (ENC-CBOR.3)", input: inp(nonCanonical), expect: reject("non-canonical"), twin: inp(good) },
    { name: "short-signature", description: "a 63-byte signature: canonical CBOR, not a CommitCertificate (schema)", input: inp(shortSigHex), expect: reject("schema"), twin: inp(good) },
  ]
}

// ---------------------------------------------------------------------------------------------------
// evidence

const EV_HEIGHT = 9
const EV_ROUND = 2

const evVote = (k: Key, o: { chainId?: string; type?: VoteType; height?: number; round?: number; blockHash?: Uint8Array | null; signer?: Key } = {}): Vote => {
  const v = signVote(crypto, (o.signer ?? k).sk, {
    chainId: o.chainId ?? CHAIN,
    type: o.type ?? "prevote",
    height: o.height ?? EV_HEIGHT,
    round: o.round ?? EV_ROUND,
    blockHash: o.blockHash === undefined ? hashOf("x") : o.blockHash,
    validator: k.pk,
  })
  return v
}
const evProposal = (k: Key, o: { chainId?: string; height?: number; round?: number; validRound?: number; blockHash?: Uint8Array } = {}): ProposalHeader => {
  const u = {
    chainId: o.chainId ?? CHAIN,
    height: o.height ?? EV_HEIGHT,
    round: o.round ?? EV_ROUND,
    validRound: o.validRound ?? -1,
    blockHash: o.blockHash ?? hashOf("x"),
    proposer: k.pk,
  }
  return { ...u, signature: crypto.ed25519.sign(SigningBytes.proposal(u), k.sk) }
}
const voteBytes = (v: Vote) => Codecs.Vote.encode(v)
/** Vote evidence in the given order, whatever the canonical order. */
const rawVoteEv = (a: Vote, b: Vote): Evidence => ({ kind: "duplicate-vote", a, b })
const rawPropEv = (a: ProposalHeader, b: ProposalHeader): Evidence => ({ kind: "duplicate-proposal", a, b })

const evidenceCases = (): { votes: Designed[]; proposals: Designed[] } => {
  const E = [0, 1, 2, 3].map((i) => K(`e${i}`))
  const [, E1, E2] = E as [Key, Key, Key, Key]
  const validators = E.map((k) => k.hex)
  const X = hashOf("x")
  const Y = hashOf("y")
  const inp = (e: Evidence | string, o: { height?: number; maxAge?: number; chainId?: string } = {}): Json => ({
    chainId: o.chainId ?? CHAIN,
    height: o.height ?? 10,
    evidenceMaxAge: o.maxAge ?? 100,
    validators,
    evidence: typeof e === "string" ? e : toHex(Codecs.Evidence.encode(e)),
  })
  const slot = (kind: string, offender: Key, height: number, round: number, type: string) => ({ check: expectFields({ kind, offender: offender.hex, height, round, type }) })
  const invalid = reject("EVIDENCE_INVALID")
  const good = makeVoteEvidence(evVote(E1, { blockHash: X }), evVote(E1, { blockHash: Y }))
  // wrong chain on the vote that sorts first (a) and on the one that sorts second (b): a chain id's
  // encoding is compared before the block hash, and a shorter text sorts first (ENC-CBOR.3)
  const onA = makeVoteEvidence(evVote(E1, { blockHash: X }), evVote(E1, { blockHash: Y, chainId: "other" }))
  const onB = makeVoteEvidence(evVote(E1, { blockHash: X }), evVote(E1, { blockHash: Y, chainId: "poai-conformance-other" }))
  if (onA.kind !== "duplicate-vote" || onA.a.chainId !== "other" || onB.kind !== "duplicate-vote" || onB.b.chainId !== "poai-conformance-other")
    throw new Error("wrong-chain cases are not in the designed order")
  if (good.kind !== "duplicate-vote") throw new Error("unreachable")
  const badSig = (which: "a" | "b"): Evidence => ({ ...good, [which]: { ...good[which], signature: flip(good[which].signature, 40) } })
  const swapped = rawVoteEv(good.b, good.a)
  if (compareBytes(voteBytes(good.a), voteBytes(good.b)) >= 0) throw new Error("good evidence not canonical")
  const votes: Designed[] = [
    { name: "duplicate-prevote", description: "E1 prevotes two blocks at (9, 2), applied at height 10", input: inp(good), expect: slot("duplicate-vote", E1, 9, 2, "prevote") },
    {
      name: "duplicate-precommit-block-and-nil",
      description: "E2 precommits a block and nil in the same round: a vote for nil conflicts with a vote for a block",
      input: inp(makeVoteEvidence(evVote(E2, { type: "precommit", blockHash: X }), evVote(E2, { type: "precommit", blockHash: null }))),
      expect: slot("duplicate-vote", E2, 9, 2, "precommit"),
    },
    {
      name: "at-current-height",
      description: "evidence of the height it is applied at (h = current height)",
      input: inp(makeVoteEvidence(evVote(E1, { height: 10, blockHash: X }), evVote(E1, { height: 10, blockHash: Y }))),
      expect: slot("duplicate-vote", E1, 10, 2, "prevote"),
    },
    {
      name: "at-max-age",
      description: "height 50 applied at 150 with evidenceMaxAge 100: exactly the oldest that can be punished (LEDGER-SLASH.3)",
      input: inp(makeVoteEvidence(evVote(E1, { height: 50, blockHash: X }), evVote(E1, { height: 50, blockHash: Y })), { height: 150 }),
      expect: slot("duplicate-vote", E1, 50, 2, "prevote"),
    },
    {
      name: "expired",
      description: "height 49 applied at 150 with evidenceMaxAge 100: EVIDENCE_EXPIRED",
      input: inp(makeVoteEvidence(evVote(E1, { height: 49, blockHash: X }), evVote(E1, { height: 49, blockHash: Y })), { height: 150 }),
      expect: reject("EVIDENCE_EXPIRED"),
      twin: inp(makeVoteEvidence(evVote(E1, { height: 50, blockHash: X }), evVote(E1, { height: 50, blockHash: Y })), { height: 150 }),
    },
    {
      name: "future-height",
      description: "evidence of height 11 applied at height 10",
      input: inp(makeVoteEvidence(evVote(E1, { height: 11, blockHash: X }), evVote(E1, { height: 11, blockHash: Y }))),
      expect: invalid,
      twin: inp(makeVoteEvidence(evVote(E1, { height: 11, blockHash: X }), evVote(E1, { height: 11, blockHash: Y })), { height: 11 }),
    },
    { name: "same-vote-twice", description: "the same signed vote as a and b: no conflict", input: inp(rawVoteEv(good.a, good.a)), expect: invalid, twin: inp(good) },
    {
      name: "same-block-different-signature-bytes",
      description: "a and b vote for the same block (b re-signed by the same key is the same vote: Ed25519 is deterministic); here b is a for the same block: no conflict",
      input: inp(rawVoteEv(evVote(E1, { blockHash: X }), evVote(E1, { blockHash: X }))),
      expect: invalid,
      twin: inp(good),
    },
    {
      name: "different-heights",
      description: "the two votes are for heights 8 and 9",
      input: inp(makeVoteEvidence(evVote(E1, { height: 8, blockHash: X }), evVote(E1, { blockHash: Y }))),
      expect: invalid,
      twin: inp(good),
    },
    {
      name: "different-rounds",
      description: "the two votes are for rounds 1 and 2",
      input: inp(makeVoteEvidence(evVote(E1, { round: 1, blockHash: X }), evVote(E1, { blockHash: Y }))),
      expect: invalid,
      twin: inp(good),
    },
    {
      name: "different-types",
      description: "a prevote and a precommit of one round (different slots: voting for a block then precommitting nil is allowed)",
      input: inp(makeVoteEvidence(evVote(E1, { blockHash: X }), evVote(E1, { type: "precommit", blockHash: Y }))),
      expect: invalid,
      twin: inp(good),
    },
    {
      name: "different-validators",
      description: "votes of E1 and E2 for different blocks",
      input: inp(makeVoteEvidence(evVote(E1, { blockHash: X }), evVote(E2, { blockHash: Y }))),
      expect: invalid,
      twin: inp(good),
    },
    { name: "wrong-chain-id-on-a", description: "vote a (the one that sorts first) is signed on chain \"other\"", input: inp(onA), expect: invalid, twin: inp(good) },
    {
      name: "wrong-chain-id-on-b",
      description: "vote b (the one that sorts second) is signed on chain \"poai-conformance-other\"",
      input: inp(onB),
      expect: invalid,
      twin: inp(good),
    },
    {
      name: "both-on-another-chain",
      description: "a valid equivocation on chain \"poai-other\" is not evidence on poai-conformance",
      input: inp(makeVoteEvidence(evVote(E1, { blockHash: X, chainId: "poai-other" }), evVote(E1, { blockHash: Y, chainId: "poai-other" }))),
      expect: invalid,
      twin: inp(makeVoteEvidence(evVote(E1, { blockHash: X, chainId: "poai-other" }), evVote(E1, { blockHash: Y, chainId: "poai-other" })), { chainId: "poai-other" }),
    },
    { name: "not-canonical-order", description: "the valid pair with a and b swapped (a must sort first, CONS-EVIDENCE.1)", input: inp(swapped), expect: invalid, twin: inp(good) },
    { name: "bad-signature-a", description: "a's signature with a flipped bit", input: inp(badSig("a")), expect: invalid, twin: inp(good) },
    { name: "bad-signature-b", description: "b's signature with a flipped bit", input: inp(badSig("b")), expect: invalid, twin: inp(good) },
    {
      name: "signed-by-another-key",
      description: "b names E1 but is signed by E2",
      input: inp(makeVoteEvidence(evVote(E1, { blockHash: X }), evVote(E1, { blockHash: Y, signer: E2 }))),
      expect: invalid,
      twin: inp(good),
    },
    {
      name: "unknown-validator",
      description: "a valid equivocation of a key that is not a genesis validator",
      input: inp(makeVoteEvidence(evVote(OUT, { blockHash: X }), evVote(OUT, { blockHash: Y }))),
      expect: reject("EVIDENCE_UNKNOWN_VALIDATOR"),
      twin: inp(good),
    },
    { name: "trailing-byte", description: "the valid evidence followed by one byte: malformed", input: inp(`${toHex(Codecs.Evidence.encode(good))}00`), expect: reject("malformed"), twin: inp(good) },
    {
      name: "unknown-kind",
      description: "kind \"duplicate-blob\" is not an Evidence variant: schema",
      input: inp(toHex(canonicalEvidenceWithKind(good, "duplicate-blob"))),
      expect: reject("schema"),
      twin: inp(good),
    },
  ]
  const P = makeProposalEvidence(evProposal(E2, { blockHash: X }), evProposal(E2, { blockHash: Y }))
  if (P.kind !== "duplicate-proposal") throw new Error("unreachable")
  const propOnA = makeProposalEvidence(evProposal(E2, { blockHash: X }), evProposal(E2, { blockHash: Y, chainId: "other" }))
  const propOnB = makeProposalEvidence(evProposal(E2, { blockHash: X }), evProposal(E2, { blockHash: Y, chainId: "poai-conformance-other" }))
  if (propOnA.kind !== "duplicate-proposal" || propOnA.a.chainId !== "other" || propOnB.kind !== "duplicate-proposal" || propOnB.b.chainId !== "poai-conformance-other")
    throw new Error("wrong-chain proposal cases are not in the designed order")
  const proposals: Designed[] = [
    { name: "duplicate-proposal", description: "E2 proposes two blocks at (9, 2)", input: inp(P), expect: slot("duplicate-proposal", E2, 9, 2, "proposal") },
    {
      name: "different-valid-rounds",
      description: "two blocks, one proposal with validRound -1 and one with validRound 1: still two blocks for one slot",
      input: inp(makeProposalEvidence(evProposal(E2, { blockHash: X }), evProposal(E2, { blockHash: Y, validRound: 1 }))),
      expect: slot("duplicate-proposal", E2, 9, 2, "proposal"),
    },
    {
      name: "same-block-different-valid-round",
      description: "the same block with validRound -1 and 1: not two values (proposals conflict only by block hash)",
      input: inp(makeProposalEvidence(evProposal(E2, { blockHash: X }), evProposal(E2, { blockHash: X, validRound: 1 }))),
      expect: invalid,
      twin: inp(P),
    },
    { name: "same-proposal-twice", description: "the same signed proposal as a and b", input: inp(rawPropEv(P.a, P.a)), expect: invalid, twin: inp(P) },
    {
      name: "different-rounds",
      description: "proposals of rounds 2 and 3",
      input: inp(makeProposalEvidence(evProposal(E2, { blockHash: X }), evProposal(E2, { round: 3, blockHash: Y }))),
      expect: invalid,
      twin: inp(P),
    },
    {
      name: "different-heights",
      description: "proposals of heights 8 and 9",
      input: inp(makeProposalEvidence(evProposal(E2, { height: 8, blockHash: X }), evProposal(E2, { blockHash: Y }))),
      expect: invalid,
      twin: inp(P),
    },
    {
      name: "different-proposers",
      description: "proposals of E1 and E2",
      input: inp(makeProposalEvidence(evProposal(E1, { blockHash: X }), evProposal(E2, { blockHash: Y }))),
      expect: invalid,
      twin: inp(P),
    },
    {
      name: "wrong-chain-id-on-a",
      description: "proposal a (the one that sorts first) is signed on chain \"other\"",
      input: inp(propOnA),
      expect: invalid,
      twin: inp(P),
    },
    {
      name: "wrong-chain-id-on-b",
      description: "proposal b (the one that sorts second) is signed on chain \"poai-conformance-other\"",
      input: inp(propOnB),
      expect: invalid,
      twin: inp(P),
    },
    { name: "not-canonical-order", description: "a and b swapped", input: inp(rawPropEv(P.b, P.a)), expect: invalid, twin: inp(P) },
    {
      name: "bad-signature",
      description: "b's signature with a flipped bit",
      input: inp({ ...P, b: { ...P.b, signature: flip(P.b.signature, 40) } }),
      expect: invalid,
      twin: inp(P),
    },
    {
      name: "unknown-proposer",
      description: "a key that is not a genesis validator proposes two blocks",
      input: inp(makeProposalEvidence(evProposal(OUT, { blockHash: X }), evProposal(OUT, { blockHash: Y }))),
      expect: reject("EVIDENCE_UNKNOWN_VALIDATOR"),
      twin: inp(P),
    },
    {
      name: "expired",
      description: "proposals of height 9 applied at height 110 with evidenceMaxAge 100",
      input: inp(P, { height: 110 }),
      expect: reject("EVIDENCE_EXPIRED"),
      twin: inp(P, { height: 109 }),
    },
  ]
  return { votes, proposals }
}

/** The canonical encoding of an evidence value with another `kind` (for the schema case). */
const canonicalEvidenceWithKind = (e: Evidence, kind: string): Uint8Array => {
  const bytes = Codecs.Evidence.encode(e)
  const from = toHex(utf8(e.kind))
  const to = toHex(utf8(kind))
  if (from.length !== to.length) throw new Error("kind of another length")
  const h = toHex(bytes)
  const at = h.lastIndexOf(from)
  return Uint8Array.from(Buffer.from(h.slice(0, at) + to + h.slice(at + from.length), "hex"))
}

// ---------------------------------------------------------------------------------------------------
// proposer

const proposerCases = (spec04: { beacon: string; K1: string; K2: string; K3: string }): Designed[] => {
  const P = [0, 1, 2, 3].map((i) => K(`p${i}`))
  const vals = (stakes: ReadonlyArray<number>, keys: ReadonlyArray<Key> = P) => stakes.map((s, i) => ({ pubKey: (keys[i] as Key).hex, stake: String(s) }))
  const beacon = toHex(hashOf("beacon-41"))
  const inp = (o: { beacon?: string; height?: number; round?: number; qualityRounds?: number; validators: Json; qWindow?: Json }): Json => ({
    beacon: o.beacon ?? beacon,
    height: o.height ?? 42,
    round: o.round ?? 0,
    qualityRounds: o.qualityRounds ?? defaultParams.qualityRounds,
    validators: o.validators,
    qWindow: o.qWindow ?? [],
  })
  const run = (i: Json): Record<string, Json> => {
    const r = handler("proposer").run(i) as CaseResult
    if (!("output" in r)) throw new Error(`proposer design: rejected ${r.reject}`)
    return r.output as Record<string, Json>
  }
  const qw = (entries: ReadonlyArray<{ height: number; q: ReadonlyArray<[Key, number]> }>): Json =>
    entries.map((e) => ({ height: e.height, perWorker: e.q.map(([k, q]) => ({ worker: k.hex, q: String(q) })) }))
  const equal = vals([1000, 1000, 1000, 1000])
  const [P0, P1, P2, P3] = P as [Key, Key, Key, Key]
  const window = qw([
    { height: 39, q: [[P0, 10]] },
    { height: 40, q: [[P2, 30], [OUT, 1000]] },
    { height: 41, q: [[P1, 5]] },
  ])
  // LE-WINDOW.1: a window whose oldest entry and whose newest entry each change the proposer (search
  // over the height for one; deterministic)
  const winEntries = (hs: number) => [
    { height: hs - 3, q: [[P0, 60]] as Array<[Key, number]> },
    { height: hs - 2, q: [[P1, 20], [P2, 20]] as Array<[Key, number]> },
    { height: hs - 1, q: [[P3, 60]] as Array<[Key, number]> },
  ]
  let edgeHeight = -1
  for (let h = 100; h < 400 && edgeHeight < 0; h++) {
    const e = winEntries(h)
    const full = run(inp({ height: h, validators: equal, qWindow: qw(e) }))["proposer"]
    const noOldest = run(inp({ height: h, validators: equal, qWindow: qw(e.slice(1)) }))["proposer"]
    const noNewest = run(inp({ height: h, validators: equal, qWindow: qw(e.slice(0, -1)) }))["proposer"]
    if (full !== noOldest && full !== noNewest && noOldest !== noNewest) edgeHeight = h
  }
  if (edgeHeight < 0) throw new Error("no height where both window ends matter")
  const src = (source: string, extra: Record<string, Json> = {}) => ({ check: expectFields({ source, ...extra }) })
  const spec04Text = fs.readFileSync(path.join(repoRoot, "spec", "04-leader-election.md"), "utf8")
  const spec = (round: number, proposer: string, x: string): Designed => {
    const draw = (run(inp({ beacon: spec04.beacon, height: 1, round, validators: [{ pubKey: spec04.K1, stake: "1000" }] }))["draw"] as string) ?? ""
    if (!spec04Text.includes(`| ${round} | \`${draw}\` | ${x} |`)) throw new Error(`spec/04 LE-DRAW.1's example does not state round ${round}: draw ${draw}, x ${x}`)
    return specCase(round, proposer, x)
  }
  const specCase = (round: number, proposer: string, x: string): Designed => ({
    name: `spec-04-example-round-${round}`,
    description: `spec/04 LE-DRAW.1 example: beacon_0 of spec/02 Example 4, height 1, stakes K2 2000, K1 1000, K3 3000; round ${round}`,
    input: inp({
      beacon: spec04.beacon,
      height: 1,
      round,
      validators: [
        { pubKey: spec04.K1, stake: "1000" },
        { pubKey: spec04.K2, stake: "2000" },
        { pubKey: spec04.K3, stake: "3000" },
      ],
    }),
    expect: src("stake", { proposer, x, total: "6000" }),
  })
  const large = vals([M, M, M, 5])
  // LE-DRAW.1 boundary: x equal to the first validator's cumulative weight picks the second (x < acc,
  // not x <= acc). Stakes w and 1000 - w with w = draw mod 1000 of a height where 0 < w < 1000.
  const byKey = [...P].sort((a, b) => compareBytes(a.pk, b.pk))
  const [first, second] = byKey as [Key, Key]
  let boundary: { height: number; w: number } | undefined
  for (let h = 1; h < 100 && boundary === undefined; h++) {
    const d = BigInt(`0x${run(inp({ height: h, validators: equal }))["draw"] as string}`)
    const w = Number(d % 1000n)
    if (w > 0 && w < 999) boundary = { height: h, w }
  }
  if (boundary === undefined) throw new Error("no boundary height")
  const pair = (w: number) => [
    { pubKey: first.hex, stake: String(w) },
    { pubKey: second.hex, stake: String(1000 - w) },
  ]
  return [
    spec(0, spec04.K3, "3173"),
    spec(1, spec04.K1, "2600"),
    spec(2, spec04.K2, "1090"),
    { name: "equal-stakes", description: "4 validators of 1000, no Q: weights are the stakes (LE-FALLBACK.1)", input: inp({ validators: equal }), expect: src("stake") },
    {
      name: "quality-round-0",
      description: "Q in the window for P0 (10), P2 (30) and P1 (5), and 1000 for a worker that is not a validator (no weight): drawn by Q",
      input: inp({ validators: equal, qWindow: window }),
      expect: src("quality", { total: "45" }),
    },
    {
      name: "quality-last-quality-round",
      description: "round 1 = qualityRounds - 1: still drawn by Q (LE-FALLBACK.2)",
      input: inp({ round: 1, validators: equal, qWindow: window }),
      expect: src("quality", { total: "45" }),
    },
    {
      name: "stake-from-quality-rounds",
      description: "round 2 = qualityRounds: drawn by stake whatever the Q (LE-FALLBACK.2)",
      input: inp({ round: 2, validators: equal, qWindow: window }),
      expect: src("stake", { total: "4000" }),
    },
    {
      name: "quality-rounds-zero",
      description: "qualityRounds = 0: every round by stake",
      input: inp({ qualityRounds: 0, validators: equal, qWindow: window }),
      expect: src("stake"),
    },
    {
      name: "q-only-of-non-validators",
      description: "the window's Q is all a non-validator's: every validator has Qwin = 0, so stakes (LE-FALLBACK.1, LE-WINDOW.1)",
      input: inp({ validators: equal, qWindow: qw([{ height: 41, q: [[OUT, 500]] }]) }),
      expect: src("stake"),
    },
    {
      name: "q-of-zero-stake-validator",
      description: "only P3 has Q and its stake is 0: it is not in the voting set, so stakes",
      input: inp({ validators: vals([1000, 1000, 1000, 0]), qWindow: qw([{ height: 41, q: [[P3, 500]] }]) }),
      expect: { check: (o) => (field(o, "source") !== "stake" ? "source" : field(o, "proposer") === P3.hex ? "a zero-stake validator was picked" : (field(o, "weights") as Json[]).length !== 3 ? "three weights" : undefined) },
    },
    {
      name: "window-both-ends-count",
      description: `Q at heights ${edgeHeight - 3} (P0 60), ${edgeHeight - 2} (P1 20, P2 20), ${edgeHeight - 1} (P3 60): dropping the oldest or the newest entry changes the proposer (LE-WINDOW.1)`,
      input: inp({ height: edgeHeight, validators: equal, qWindow: qw(winEntries(edgeHeight)) }),
      expect: src("quality", { total: "160" }),
    },
    {
      name: "max-stakes",
      description: "stakes 2^53-1 (three) and 5: total > 2^54, exact (LE-DRAW.1)",
      input: inp({ validators: large, round: 3 }),
      expect: src("stake", { total: (3n * BigInt(M) + 5n).toString() }),
    },
    {
      name: "zero-stake-never-picked",
      description: "stakes 0, 0, 1, 0: the one validator with stake is the proposer",
      input: inp({ validators: vals([0, 0, 1, 0]), round: 7 }),
      expect: src("stake", { proposer: P2.hex, total: "1" }),
    },
    {
      name: "large-height-and-round",
      description: "height 2^40, round 999999: u64 big-endian in the draw",
      input: inp({ validators: equal, height: 2 ** 40, round: 999_999 }),
      expect: src("stake"),
    },
    {
      name: "x-on-cumulative-boundary",
      description: `height ${boundary.height}: x = draw mod 1000 = ${boundary.w} equals the first (in key order) validator's stake ${boundary.w}: the second is picked (x < acc)`,
      input: inp({ height: boundary.height, validators: pair(boundary.w) }),
      expect: src("stake", { x: String(boundary.w), total: "1000", proposer: second.hex }),
    },
    {
      name: "x-just-below-boundary",
      description: `height ${boundary.height}: the first validator's stake is ${boundary.w + 1} = x + 1: it is picked`,
      input: inp({ height: boundary.height, validators: pair(boundary.w + 1) }),
      expect: src("stake", { x: String(boundary.w), total: "1000", proposer: first.hex }),
    },
    {
      name: "halted",
      description: "every stake is 0: no proposer (CONS-HALT.1): CHAIN_HALTED",
      input: inp({ validators: vals([0, 0, 0, 0]) }),
      expect: reject("CHAIN_HALTED"),
      twin: inp({ validators: vals([0, 0, 1, 0]) }),
    },
    {
      name: "halted-despite-q",
      description: "every stake is 0 and the window has Q for them: the voting set is empty, CHAIN_HALTED",
      input: inp({ validators: vals([0, 0, 0, 0]), qWindow: window }),
      expect: reject("CHAIN_HALTED"),
      twin: inp({ validators: vals([0, 0, 0, 1]), qWindow: window }),
    },
  ]
}

// ---------------------------------------------------------------------------------------------------
// beacon

const beaconCases = (spec: { chainId: string; prev: Uint8Array; K1: Uint8Array; B4: Uint8Array; b4: Uint8Array; value: string }): Designed[] => {
  const B = [0, 1, 2].map((i) => K(`b${i}`))
  const [B0, B1, B2] = B as [Key, Key, Key]
  const prev = hashOf("beacon-4")
  const H = 5
  const entry = (o: { chainId?: string; height?: number; prev?: Uint8Array; signer?: Uint8Array; blsSk?: Uint8Array; signed?: { chainId?: string; height?: number; prev?: Uint8Array } } = {}): BeaconEntry => {
    const e = { chainId: o.chainId ?? CHAIN, height: o.height ?? H, prev: o.prev ?? prev }
    const s = { chainId: o.signed?.chainId ?? e.chainId, height: o.signed?.height ?? e.height, prev: o.signed?.prev ?? e.prev }
    return { ...e, signer: o.signer ?? B1.pk, signature: crypto.bls.sign(SigningBytes.beacon(s), o.blsSk ?? B1.blsSk) }
  }
  const enc = (e: BeaconEntry) => toHex(Codecs.BeaconEntry.encode(e))
  const inp = (e: BeaconEntry | string, o: { chainId?: string; height?: number; prev?: Uint8Array; proposer?: Uint8Array; blsPubKey?: Uint8Array } = {}): Json => ({
    chainId: o.chainId ?? CHAIN,
    height: o.height ?? H,
    prev: toHex(o.prev ?? prev),
    proposer: toHex(o.proposer ?? B1.pk),
    blsPubKey: toHex(o.blsPubKey ?? B1.blsPk),
    entry: typeof e === "string" ? e : enc(e),
  })
  const good = entry()
  const value = (e: BeaconEntry) => ({ check: expectFields({ beacon: toHex(Hashes.beaconValue(sha, e.signature)) }) })
  const bad = reject("BLOCK_BAD_BEACON")
  const inf96 = new Uint8Array(96)
  inf96[0] = 0xc0
  const inf48 = new Uint8Array(48)
  inf48[0] = 0xc0
  const specEntry: BeaconEntry = (() => {
    const input = { chainId: spec.chainId, height: 1, prev: spec.prev }
    return { ...input, signer: spec.K1, signature: crypto.bls.sign(SigningBytes.beacon(input), spec.b4) }
  })()
  const sig = toHex(good.signature)
  const g = enc(good)
  return [
    { name: "valid", description: "B1's entry for height 5", input: inp(good), expect: value(good) },
    {
      name: "spec-02-example-4",
      description: "spec/02 Example 4: chain poai-spec, height 1, prev = beacon_0 = the genesis hash, signer K1 with BLS key B4",
      input: inp(specEntry, { chainId: spec.chainId, height: 1, prev: spec.prev, proposer: spec.K1, blsPubKey: spec.B4 }),
      expect: { check: expectFields({ beacon: spec.value }) },
    },
    {
      name: "other-proposer",
      description: "B2 is the proposer of height 5 and signs with its key",
      input: inp(entry({ signer: B2.pk, blsSk: B2.blsSk }), { proposer: B2.pk, blsPubKey: B2.blsPk }),
      expect: value(entry({ signer: B2.pk, blsSk: B2.blsSk })),
    },
    {
      name: "wrong-chain-id",
      description: "an entry of chain \"poai-other\" (validly signed for it)",
      input: inp(entry({ chainId: "poai-other" })),
      expect: bad,
      twin: inp(entry({ chainId: "poai-other" }), { chainId: "poai-other" }),
    },
    { name: "wrong-height", description: "an entry for height 6 where height 5 is being decided", input: inp(entry({ height: 6 })), expect: bad, twin: inp(entry({ height: 6 }), { height: 6 }) },
    {
      name: "wrong-prev",
      description: "an entry chaining from another previous beacon",
      input: inp(entry({ prev: hashOf("beacon-4-other") })),
      expect: bad,
      twin: inp(entry({ prev: hashOf("beacon-4-other") }), { prev: hashOf("beacon-4-other") }),
    },
    {
      name: "signer-not-proposer",
      description: "the entry names B2 as signer, with B1's valid signature (the signer is not signed): the signer must be the proposer",
      input: inp(entry({ signer: B2.pk })),
      expect: bad,
      twin: inp(good),
    },
    {
      name: "signed-by-another-key",
      description: "signer B1, signature by B0's BLS key",
      input: inp(entry({ blsSk: B0.blsSk })),
      expect: bad,
      twin: inp(good),
    },
    { name: "proposer-bls-key-mismatch", description: "the proposer's genesis BLS key is B2's", input: inp(good, { blsPubKey: B2.blsPk }), expect: bad, twin: inp(good) },
    {
      name: "signature-of-another-height",
      description: "entry for height 5 carrying the (valid) signature of height 4's input",
      input: inp(entry({ signed: { height: 4 } })),
      expect: bad,
      twin: inp(good),
    },
    { name: "corrupted-signature", description: "one bit of the signature flipped", input: inp({ ...good, signature: flip(good.signature, 50) }), expect: bad, twin: inp(good) },
    { name: "infinity-signature", description: "the signature is the point at infinity of G2 (c0 00..00)", input: inp({ ...good, signature: inf96 }), expect: bad, twin: inp(good) },
    {
      name: "infinity-key-and-signature",
      description: "BLS key and signature both the point at infinity: e(inf, H(m)) = e(G1, inf), rejected (KeyValidate: a key is never the identity)",
      input: inp({ ...good, signature: inf96 }, { blsPubKey: inf48 }),
      expect: bad,
      twin: inp(good),
    },
    { name: "trailing-byte", description: "the valid entry followed by one byte: malformed", input: inp(`${g}00`), expect: reject("malformed"), twin: inp(g) },
    {
      name: "short-signature",
      description: "a 95-byte signature: schema",
      input: inp(g.replace(`5860${sig}`, `585f${sig.slice(0, 190)}`)),
      expect: reject("schema"),
      twin: inp(g),
    },
  ]
}

// ---------------------------------------------------------------------------------------------------
// node_scenario

const nodeScenarios = async (outRoot: string): Promise<number> => {
  const h = handler("node_scenario")
  const dir = path.join(outRoot, SUITE, "node_scenario")
  fs.mkdirSync(path.join(dir, "tlc"), { recursive: true })
  for (const p of PATHS) {
    const { trace, stats } = keptTlc(p, SCENARIO_DIR)
    const { file, replay } = scenarioFile(p, trace, stats)
    if (replay.mismatches.length > 0) throw new Error(`node_scenario/${p.name}: the core deviates from the model: ${replay.mismatches.join("; ")}`)
    const text = scenarioJson(file)
    // the handler reproduces the file's expectations from its inputs
    for (const c of h.cases(JSON.parse(text) as Json, p.name)) {
      const r = await h.run(c.input)
      if (JSON.stringify(r) !== JSON.stringify(c.expected)) throw new Error(`node_scenario/${p.name}: the handler gives ${JSON.stringify(r).slice(0, 400)}`)
    }
    fs.writeFileSync(path.join(dir, `${p.name}.json`), text)
    fs.writeFileSync(path.join(dir, "tlc", `${p.name}.trace.json`), traceJson(trace))
    fs.writeFileSync(path.join(dir, "tlc", `${p.name}.stats.json`), statsJson(stats))
  }
  return PATHS.length
}

// ---------------------------------------------------------------------------------------------------

/** spec/02 Example 4 and spec/04 LE-DRAW.1's example: keys from seeds 01..03 x 32, BLS seed 04 x 32. */
const specExample = () => {
  const seed = (b: number) => new Uint8Array(32).fill(b)
  const K1 = crypto.ed25519.publicKey(seed(1))
  const K2 = crypto.ed25519.publicKey(seed(2))
  const K3 = crypto.ed25519.publicKey(seed(3))
  const b4 = seed(4)
  const B4 = crypto.bls.publicKey(b4)
  const g = { chainId: "poai-spec", validators: [{ pubKey: K1, blsPubKey: B4, stake: 1000 }], accounts: [{ pubKey: K2, balance: 5000 }], params: defaultParams, attestation: null, scoring: null }
  const beacon0 = genesisHash(sha, g)
  const input = { chainId: "poai-spec", height: 1, prev: beacon0 }
  const value = toHex(Hashes.beaconValue(sha, crypto.bls.sign(SigningBytes.beacon(input), b4)))
  // the spec's text states these values (test/spec/Example4.test.ts checks the rest)
  const spec02 = fs.readFileSync(path.join(repoRoot, "spec", "02-encoding.md"), "utf8").replace(/\s+/g, "")
  for (const v of [toHex(beacon0), value]) if (!spec02.includes(v)) throw new Error(`spec/02 Example 4 does not state ${v}`)
  return { K1, K2, K3, b4, B4, beacon0, value }
}

export const generate = async (outRoot: string): Promise<void> => {
  const ex = specExample()
  await write(outRoot, handler("quorum"), "quorum.json", "Quorum of a vote set: strictly more than 2/3 of the voting power, 3p > 2T in exact integers (CONS-POWER.2)", quorumCases())
  await write(outRoot, handler("one_third"), "one_third.json", "More than one third of the voting power: 3p > T in exact integers (CONS-POWER.3), the round-skip threshold", oneThirdCases())
  await write(outRoot, handler("commit_certificate"), "commit_certificate.json", "Commit certificate validity (CONS-COMMIT.1) under a power table (CONS-COMMIT.3)", certCases())
  const ev = evidenceCases()
  await write(outRoot, handler("evidence"), "duplicate_vote.json", "Equivocation evidence of two votes (CONS-EVIDENCE.1, LEDGER-SLASH.2..3)", ev.votes)
  await write(outRoot, handler("evidence"), "duplicate_proposal.json", "Equivocation evidence of two proposals (CONS-EVIDENCE.1, LEDGER-SLASH.2..3)", ev.proposals)
  await write(
    outRoot,
    handler("proposer"),
    "proposer.json",
    "Proposer of (height, round): weighted draw by windowed Q or stake (CONS-PROPOSER.1, LE-DRAW.1, LE-WINDOW.1, LE-FALLBACK.1..2, CONS-HALT.1)",
    proposerCases({ beacon: toHex(ex.beacon0), K1: toHex(ex.K1), K2: toHex(ex.K2), K3: toHex(ex.K3) }),
  )
  await write(
    outRoot,
    handler("beacon"),
    "beacon.json",
    "Beacon chaining: the proposer's BLS signature over (chainId, height, prev) -> beacon_h (LE-BEACON.1, CONS-VALID.1 check 5)",
    beaconCases({ chainId: "poai-spec", prev: ex.beacon0, K1: ex.K1, B4: ex.B4, b4: ex.b4, value: ex.value }),
  )
  await nodeScenarios(outRoot)
}

