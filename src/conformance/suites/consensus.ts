// spec: CONS-POWER.1..3, CONS-COMMIT.1..3, CONS-EVIDENCE.1, LEDGER-SLASH.2..3, CONS-PROPOSER.1, LE-DRAW.1,
// LE-WINDOW.1, LE-FALLBACK.1..2, CONS-HALT.1, LE-BEACON.1, CONS-VALID.1, CONS-RULE.1..9 (spec/03, spec/04)
// Handlers of the "consensus" suite (conformance/vectors/consensus/<handler>/; file formats, inputs,
// outputs and reject codes in conformance/docs/consensus.md). Each `run` recomputes the result from the
// case's input with the core's own functions: powerTable/isQuorum/isOneThird, verifyCertificate,
// checkEvidence, proposerFor, checkBeacon, and the node's `step` for node scenarios.
import { Either } from "effect"
import { toHex } from "../../codec/Bytes.ts"
import type { Codec } from "../../codec/Codec.ts"
import { Hashes } from "../../codec/Hashing.ts"
import { Codecs } from "../../codec/index.ts"
import { checkBeacon } from "../../core/BlockExecution.ts"
import { type ChainState, type QEntry, genesisState } from "../../core/ChainState.ts"
import type { CoreContext } from "../../core/Context.ts"
import { provisionalQuality } from "../../core/Context.ts"
import { checkEvidence, evidenceHeight, offender } from "../../core/Evidence.ts"
import type { Genesis } from "../../core/Genesis.ts"
import { drawValue, proposerFor, proposerWeights } from "../../core/LeaderElection.ts"
import { makeKeys } from "../../core/Node.ts"
import { type Params, defaultParams } from "../../core/Params.ts"
import { isOneThird, isQuorum, powerTable, verifyCertificate } from "../../core/Votes.ts"
import { nodeCryptoService } from "../../crypto/NodeCrypto.ts"
import type { ASigned, NutState } from "../../models/ModelBasedRuns.ts"
import { SCENARIO_FORMAT, type ScenarioInput, runScenario } from "../../models/NodeScenario.ts"
import { fromJson } from "../../../conformance/json.ts"
import {
  type CaseResult,
  ConformanceInputError,
  type ConformanceCase,
  type HandlerDef,
  type Json,
  type JsonObject,
  VECTOR_FORMAT,
  arr,
  bigField,
  field,
  genericCases,
  hex,
  hexField,
  num,
  str,
} from "../Types.ts"

const SUITE = "consensus"
const crypto = nodeCryptoService
const sha = crypto.sha256
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

const fail = (msg: string): never => {
  throw new ConformanceInputError(msg)
}

/** A uint field that fits a JSON number (heights, rounds, parameters). */
const uint = (input: Json, name: string): number => {
  const n = num(input, name)
  if (!Number.isSafeInteger(n) || n < 0) fail(`input field ${name} is not a non-negative safe integer`)
  return n
}

/** A 32-byte key or hash. */
const hex32 = (input: Json, name: string): Uint8Array => {
  const b = hexField(input, name)
  if (b.length !== 32) fail(`input field ${name} is not 32 bytes`)
  return b
}

/** A stake or power: a decimal string holding a safe integer (every ledger amount is one, LEDGER-STATE.1). */
const stakeField = (input: Json, name: string): number => {
  const p = bigField(input, name)
  if (p < 0n || p > MAX_SAFE) fail(`input field ${name} is not a safe non-negative integer (every stake is, CONS-POWER.1)`)
  return Number(p)
}

/** Decode canonical bytes; a decode failure is the reject code `reason` of the DecodeError (ERR-DECODE). */
const decodeOr = <A>(codec: Codec<A>, bytes: Uint8Array): A | { readonly reject: string } => {
  const r = codec.decode(bytes)
  return Either.isLeft(r) ? { reject: r.left.reason } : r.right
}
const isReject = (x: unknown): x is { readonly reject: string } => typeof x === "object" && x !== null && "reject" in x && Object.keys(x).length === 1

/**
 * The state after height `height - 1` of a chain whose genesis validators are `validators` (pubKey, stake),
 * built with the core's genesisState; the power table and the proposer function read it (CONS-POWER.1).
 */
const chainOf = (
  chainId: string,
  validators: ReadonlyArray<{ readonly pubKey: Uint8Array; readonly stake: number }>,
  params: Partial<Params> = {},
): ChainState => {
  const seen = new Set<string>()
  for (const v of validators) {
    const k = toHex(v.pubKey)
    if (seen.has(k)) fail(`validator ${k.slice(0, 16)} listed twice`)
    seen.add(k)
  }
  const genesis: Genesis = {
    chainId,
    validators: validators.map((v) => ({ pubKey: v.pubKey, blsPubKey: new Uint8Array(48), stake: v.stake })),
    accounts: [],
    params: { ...defaultParams, ...params },
    attestation: null,
    scoring: null,
  }
  return genesisState(sha, genesis)
}

/** `validators: [{pubKey, <weightName>}]` of an input. */
const validatorList = (input: Json, weightName: string): Array<{ pubKey: Uint8Array; stake: number }> =>
  arr(input, "validators").map((v) => ({ pubKey: hex32(v, "pubKey"), stake: stakeField(v, weightName) }))

// ---------------------------------------------------------------------------------------------------
// quorum, one_third (CONS-POWER.1..3, CONS-VOTE.2)

/** The power of a vote set: each voter once; a voter outside the power table is MSG_UNKNOWN_VALIDATOR (NODE-RECV.2). */
const voteSetPower = (input: Json): { power: bigint; total: bigint } | { reject: string } => {
  const table = powerTable(chainOf("poai-conformance", validatorList(input, "power")))
  const voters = new Set<string>()
  for (const v of arr(input, "voters")) {
    if (typeof v !== "string" || !/^[0-9a-f]{64}$/.test(v)) fail("a voter is not a 32-byte lowercase hex key")
    if (!table.power.has(v as string)) return { reject: "MSG_UNKNOWN_VALIDATOR" }
    voters.add(v as string)
  }
  let power = 0n
  for (const k of voters) power += BigInt(table.power.get(k) ?? 0)
  return { power, total: table.total }
}

const thresholdHandler = (handler: "quorum" | "one_third"): HandlerDef => ({
  suite: SUITE,
  handler,
  description:
    handler === "quorum"
      ? "power table + vote set -> the voters' power, the total and whether it is a quorum (3p > 2T, CONS-POWER.2)"
      : "power table + vote set -> the voters' power, the total and whether it is more than one third (3p > T, CONS-POWER.3)",
  spec: handler === "quorum" ? ["CONS-POWER.1", "CONS-POWER.2", "CONS-VOTE.2", "CONS-HALT.1"] : ["CONS-POWER.1", "CONS-POWER.3", "CONS-VOTE.2", "CONS-ROUNDSKIP.1"],
  formatVersion: VECTOR_FORMAT,
  cases: genericCases,
  run: (input) => {
    const r = voteSetPower(input)
    if ("reject" in r) return r
    const { power, total } = r
    return handler === "quorum"
      ? { output: { power: power.toString(), total: total.toString(), quorum: isQuorum(power, total) } }
      : { output: { power: power.toString(), total: total.toString(), oneThird: isOneThird(power, total) } }
  },
})

// ---------------------------------------------------------------------------------------------------
// commit_certificate (CONS-COMMIT.1..3)

const commitCertificate: HandlerDef = {
  suite: SUITE,
  handler: "commit_certificate",
  description:
    "validator set (keys, power) + canonical CommitCertificate bytes + the expected (chain id, height, block hash) -> the signers and their power, or SYNC_BAD_CERTIFICATE (CONS-COMMIT.1)",
  spec: ["CONS-COMMIT.1", "CONS-COMMIT.3", "CONS-POWER.2", "CONS-VOTE.1", "ERR-DECODE"],
  formatVersion: VECTOR_FORMAT,
  cases: genericCases,
  run: (input) => {
    const chainId = str(input, "chainId")
    const height = uint(input, "height")
    const blockHash = hex32(input, "blockHash")
    const table = powerTable(chainOf(chainId, validatorList(input, "power")))
    const cert = decodeOr(Codecs.CommitCertificate, hexField(input, "certificate"))
    if (isReject(cert)) return cert
    const err = verifyCertificate(crypto, chainId, table, cert, { height, blockHash })
    if (err) return { reject: err.code }
    let power = 0n
    for (const s of cert.signatures) power += BigInt(table.power.get(toHex(s.validator)) ?? 0)
    return { output: { signers: cert.signatures.length, power: power.toString(), total: table.total.toString() } }
  },
}

// ---------------------------------------------------------------------------------------------------
// evidence (CONS-EVIDENCE.1, LEDGER-SLASH.2..3)

const evidence: HandlerDef = {
  suite: SUITE,
  handler: "evidence",
  description:
    "canonical Evidence bytes + the chain (id, genesis validator keys, evidenceMaxAge) and the height it is applied at -> the punished slot (kind, offender, height, round, type) or EVIDENCE_INVALID / EVIDENCE_UNKNOWN_VALIDATOR / EVIDENCE_EXPIRED (LEDGER-SLASH.2)",
  spec: ["CONS-EVIDENCE.1", "LEDGER-SLASH.2", "LEDGER-SLASH.3", "DT-CONS.5", "ERR-DECODE"],
  formatVersion: VECTOR_FORMAT,
  cases: genericCases,
  run: (input) => {
    const chainId = str(input, "chainId")
    const height = uint(input, "height")
    const evidenceMaxAge = uint(input, "evidenceMaxAge")
    const keys = arr(input, "validators").map((k, i) => {
      if (typeof k !== "string" || !/^[0-9a-f]{64}$/.test(k)) fail(`validators[${i}] is not a 32-byte lowercase hex key`)
      return Uint8Array.from(Buffer.from(k as string, "hex"))
    })
    const s = chainOf(chainId, keys.map((pubKey) => ({ pubKey, stake: 1 })), { evidenceMaxAge })
    const e = decodeOr(Codecs.Evidence, hexField(input, "evidence"))
    if (isReject(e)) return e
    const err = checkEvidence(crypto, s, e, height)
    if (err) return { reject: err.code }
    return {
      output: {
        kind: e.kind,
        offender: toHex(offender(e)),
        height: evidenceHeight(e),
        round: e.a.round,
        type: e.kind === "duplicate-vote" ? e.a.type : "proposal",
      },
    }
  },
}

// ---------------------------------------------------------------------------------------------------
// proposer (CONS-PROPOSER.1, LE-DRAW.1, LE-WINDOW.1, LE-FALLBACK.1..2, CONS-HALT.1)

const proposer: HandlerDef = {
  suite: SUITE,
  handler: "proposer",
  description:
    "beacon, height, round, qualityRounds, validator stakes and the state's window of matured Q -> the weights used (quality or stake, LE-FALLBACK.2), the draw, and the proposer; CHAIN_HALTED when the weights are all zero (CONS-HALT.1)",
  spec: ["CONS-PROPOSER.1", "LE-DRAW.1", "LE-WINDOW.1", "LE-FALLBACK.1", "LE-FALLBACK.2", "CONS-HALT.1", "LE-SYBIL.1"],
  formatVersion: VECTOR_FORMAT,
  cases: genericCases,
  run: (input) => {
    const beacon = hex32(input, "beacon")
    const height = uint(input, "height")
    if (height < 1) fail("height must be >= 1 (the proposer of height h is drawn on the state after h - 1)")
    const round = uint(input, "round")
    const qualityRounds = uint(input, "qualityRounds")
    const qWindow: QEntry[] = arr(input, "qWindow").map((e) => {
      const perWorker = new Map<string, number>()
      for (const w of arr(e, "perWorker")) {
        const k = toHex(hex32(w, "worker"))
        if (perWorker.has(k)) fail(`worker ${k.slice(0, 16)} twice in one window entry`)
        perWorker.set(k, stakeField(w, "q"))
      }
      return { height: uint(e, "height"), perWorker }
    })
    const g = chainOf("poai-conformance", validatorList(input, "stake"), { qualityRounds })
    const s: ChainState = { ...g, height: height - 1, beacon, qWindow }
    const p = proposerFor(sha, s, round)
    if (p === undefined) return { reject: "CHAIN_HALTED" }
    const { source, weights } = proposerWeights(s, round)
    const draw = drawValue(sha, s.beacon, height, round)
    const total = weights.reduce((a, w) => a + BigInt(w.weight), 0n)
    return {
      output: {
        source,
        weights: weights.map((w) => ({ pubKey: w.key, weight: String(w.weight) })),
        total: total.toString(),
        draw: draw.toString(16).padStart(64, "0"),
        x: (draw % total).toString(),
        proposer: p.key,
      },
    }
  },
}

// ---------------------------------------------------------------------------------------------------
// beacon (LE-BEACON.1, CONS-VALID.1 check 5)

const beacon: HandlerDef = {
  suite: SUITE,
  handler: "beacon",
  description:
    "the chain (id, previous beacon, height), the height's proposer and its BLS key + canonical BeaconEntry bytes -> beacon_h = H(tagged(\"POAI/v1/beacon-value\", signature)), or BLOCK_BAD_BEACON (LE-BEACON.1)",
  spec: ["LE-BEACON.1", "LE-BEACON.2", "CONS-VALID.1", "CRYPTO-3", "ERR-DECODE"],
  formatVersion: VECTOR_FORMAT,
  cases: genericCases,
  run: (input) => {
    const expect = {
      chainId: str(input, "chainId"),
      height: uint(input, "height"),
      prev: hex32(input, "prev"),
      proposer: toHex(hex32(input, "proposer")),
      blsPubKey: hexField(input, "blsPubKey"),
    }
    if (expect.blsPubKey.length !== 48) fail("input field blsPubKey is not 48 bytes")
    const entry = decodeOr(Codecs.BeaconEntry, hexField(input, "entry"))
    if (isReject(entry)) return entry
    const err = checkBeacon(crypto, entry, expect)
    if (err) return { reject: err.code }
    return { output: { beacon: hex(Hashes.beaconValue(sha, entry.signature)) } }
  },
}

// ---------------------------------------------------------------------------------------------------
// node_scenario (CONS-RULE.1..9 through `step`; files of format poai/node-scenario/v1)

/** The node scenario file as the handler reads it (the rest of the file documents the model run). */
interface ScenarioFileView {
  readonly name: string
  readonly genesis: Json
  readonly nut: { readonly secretKey: string; readonly blsSecret: string }
  readonly nil: string
  readonly none: string
  readonly values: Readonly<Record<string, string>>
  readonly steps: ReadonlyArray<{
    readonly inputs: ReadonlyArray<JsonObject>
    readonly expect: { readonly signed: ReadonlyArray<JsonObject>; readonly state: JsonObject & { readonly decision: string } }
  }>
}

/** After a decision the node is at the next height: a step's state is then only the decision. */
const stepState = (state: JsonObject & { readonly decision: string }, none: string): Json => (state.decision === none ? state : { decision: state.decision })

/** One case per scenario file: the node's inputs, and per step per input what it signs, plus its state. */
const scenarioCases = (file: Json): ReadonlyArray<ConformanceCase> => {
  const f = file as unknown as ScenarioFileView
  const last = f.steps[f.steps.length - 1]
  return [
    {
      name: f.name,
      input: {
        genesis: f.genesis,
        nut: { secretKey: f.nut.secretKey, blsSecret: f.nut.blsSecret },
        nil: f.nil,
        none: f.none,
        values: f.values,
        steps: f.steps.map((s) => s.inputs),
      },
      expected: {
        output: {
          steps: f.steps.map((s) => ({
            signed: s.inputs.map((_, j) => (j === s.inputs.length - 1 ? s.expect.signed : [])),
            rejected: [],
            state: stepState(s.expect.state, f.none),
          })),
          decision: last?.expect.state.decision ?? f.none,
        },
      },
    },
  ]
}

const scenarioInput = (x: Json, where: string): ScenarioInput => {
  const t = str(x, "type")
  if (t === "start") return { type: "start" }
  if (t === "receive") {
    const bytes = str(x, "bytes")
    if (!/^([0-9a-f]{2})*$/.test(bytes)) fail(`${where}: bytes is not lowercase hex`)
    const note = (x as JsonObject)["note"]
    return { type: "receive", from: num(x, "from"), bytes, note: typeof note === "string" ? note : "" }
  }
  if (t === "timeout") {
    const kind = str(x, "kind")
    if (kind !== "propose" && kind !== "prevote" && kind !== "precommit") return fail(`${where}: timeout kind ${kind}`)
    return { type: "timeout", kind, height: uint(x, "height"), round: uint(x, "round") }
  }
  return fail(`${where}: input type ${t}`)
}

const scenarioCtx: CoreContext = { crypto, quality: provisionalQuality }

/**
 * The genesis of a scenario from its JSON form (bytes as "0x..."): checked for the shape the core reads
 * (a Genesis that violates LEDGER-GENESIS.2 is the node's to refuse, with GENESIS_MISMATCH on start).
 */
const genesisOf = (j: Json): Genesis => {
  let g: unknown
  try {
    g = fromJson(j)
  } catch (e) {
    return fail(`genesis: ${e instanceof Error ? e.message : String(e)}`)
  }
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array)
  const isUint = (x: unknown) => typeof x === "number" && Number.isSafeInteger(x) && x >= 0
  if (!isObj(g) || typeof g["chainId"] !== "string") return fail("genesis is not an object with a chainId")
  const vs = g["validators"]
  const as = g["accounts"]
  if (!Array.isArray(vs) || !vs.every((v) => isObj(v) && v["pubKey"] instanceof Uint8Array && v["blsPubKey"] instanceof Uint8Array && isUint(v["stake"])))
    return fail("genesis.validators is not a list of {pubKey, blsPubKey, stake}")
  if (!Array.isArray(as) || !as.every((a) => isObj(a) && a["pubKey"] instanceof Uint8Array && isUint(a["balance"])))
    return fail("genesis.accounts is not a list of {pubKey, balance}")
  if (!isObj(g["params"]) || !Object.values(g["params"]).every(isUint)) return fail("genesis.params is not an object of integers")
  if (g["attestation"] !== null || g["scoring"] !== null) return fail("genesis.attestation and genesis.scoring must be null in node scenarios")
  return g as unknown as Genesis
}

const nodeScenario: HandlerDef = {
  suite: SUITE,
  handler: "node_scenario",
  description:
    "one node from genesis (its keys, its inputs in order: canonical message bytes, timeouts) -> per input the proposals and votes it signs and its decision, and after each step its round, step, lock and valid value (CONS-RULE.1..9); generated from TLC counterexamples of models/PoAIConsensus.tla",
  spec: ["CONS-RULE.1", "CONS-RULE.2", "CONS-RULE.3", "CONS-RULE.5", "CONS-RULE.6", "CONS-RULE.8", "CONS-RULE.9", "CONS-ROUNDSKIP.1", "CONS-VALID.1", "CONS-TIMEOUT.4", "NODE-STEP.2"],
  formatVersion: SCENARIO_FORMAT,
  cases: scenarioCases,
  run: (input) => {
    const genesis = genesisOf(field(input, "genesis"))
    const nutIn = field(input, "nut")
    const keys = makeKeys(scenarioCtx, hex32(nutIn, "secretKey"), hex32(nutIn, "blsSecret"))
    const nil = str(input, "nil")
    const none = str(input, "none")
    const valuesIn = field(input, "values")
    if (valuesIn === null || typeof valuesIn !== "object" || Array.isArray(valuesIn)) return fail("values is not an object")
    const values: Record<string, string> = {}
    for (const [k, v] of Object.entries(valuesIn as JsonObject)) {
      if (typeof v !== "string" || !/^[0-9a-f]{64}$/.test(v)) fail(`values.${k} is not a 32-byte hash`)
      values[k] = v as string
    }
    const steps = arr(input, "steps").map((s, i) => {
      if (!Array.isArray(s)) return fail(`steps[${i}] is not an array of inputs`)
      return { inputs: (s as ReadonlyArray<Json>).map((x, j) => scenarioInput(x, `steps[${i}][${j}]`)) }
    })
    const run = runScenario(scenarioCtx, genesis, keys, { nil, none, values, steps })
    const state = (st: NutState): Json => (st.decision === none ? { ...st } : { decision: st.decision })
    const signed = (xs: ReadonlyArray<ASigned>): Json => xs.map((x) => ({ ...x }))
    return {
      output: {
        steps: run.map((r) => ({ signed: r.signedAt.map(signed), rejected: [...r.rejectedCodes], state: state(r.state) })),
        decision: run[run.length - 1]?.state.decision ?? none,
      },
    } satisfies CaseResult
  },
}

export const handlers: ReadonlyArray<HandlerDef> = [
  thresholdHandler("quorum"),
  thresholdHandler("one_third"),
  commitCertificate,
  evidence,
  proposer,
  beacon,
  nodeScenario,
]
