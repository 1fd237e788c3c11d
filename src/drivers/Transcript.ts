// spec: CONS-FORENSICS.4 (spec/03-consensus.md), SIM-TRANSCRIPT.1 (spec/08-simulation.md)
// Transcripts: the signed consensus messages an honest node received and sent, with the power table of
// each height it entered and its decisions, as NDJSON (one file per node, `poai run --transcripts DIR`).
// `poai forensics FILE...` reads them back (parseTranscript) and convicts the culprits of a fork
// (src/core/Forensics.ts). Lines:
//   {"kind":"height","node":i,"height":h,"chainId":c,"power":[[pubHex, stake], ...]}   the node entered h
//   {"kind":"msg","node":i,"t":ms,"dir":"recv"|"send","peer":p,"bytes":hex}            a proposal, vote or
//                                                                                       sync response (canonical Message bytes)
//   {"kind":"decide","node":i,"t":ms,"height":h,"round":r,"blockHash":hex}             the node committed
import { Data, Either } from "effect"
import { fromHex, toHex } from "../codec/Bytes.ts"
import { MAX_WIRE_BYTES } from "../codec/Canonical.ts"
import { Codecs } from "../codec/index.ts"
import type { Hex } from "../core/ChainState.ts"
import type { ForensicsInput } from "../core/Forensics.ts"
import type { NodeInput, NodeOutput } from "../core/Node.ts"
import type { NodeState } from "../core/NodeState.ts"
import type { PowerTable } from "../core/Votes.ts"
import type { ProposalHeader, Vote } from "../domain/Consensus.ts"
import type { Message } from "../domain/Message.ts"

/** Bounds of what `parseTranscript` reads (bad input is part of the interface). */
export const MAX_TRANSCRIPT_BYTES = 1 << 30
export const MAX_TRANSCRIPT_LINE = 2 * MAX_WIRE_BYTES + 4096

export class TranscriptError extends Data.TaggedError("TranscriptError")<{
  readonly code: "TRANSCRIPT_TOO_LARGE" | "TRANSCRIPT_BAD_LINE" | "TRANSCRIPT_BAD_MESSAGE" | "TRANSCRIPT_CONFLICT"
  readonly file: string
  readonly line: number
  readonly detail: string
}> {
  override get message(): string {
    return `${this.code}: ${this.file}${this.line > 0 ? `:${this.line}` : ""}: ${this.detail}`
  }
}

const CONSENSUS = new Set<Message["type"]>(["proposal", "vote", "sync-response"])

/** SIM-TRANSCRIPT.1: an onStep hook that writes the transcript lines of the honest nodes. */
export const transcriptRecorder = (opts: { readonly byzantine: ReadonlyArray<number>; readonly write: (node: number, line: string) => void }) => {
  const byz = new Set(opts.byzantine)
  const entered = new Map<number, number>()
  const line = (node: number, o: object) => opts.write(node, `${JSON.stringify(o)}\n`)
  return (e: { readonly t: number; readonly node: number; readonly input: NodeInput; readonly outputs: ReadonlyArray<NodeOutput>; readonly state: NodeState }) => {
    if (byz.has(e.node)) return
    const n = e.node
    if (e.input.type === "receive") {
      const m = Codecs.Message.decode(e.input.bytes)
      if (Either.isRight(m) && CONSENSUS.has(m.right.type)) line(n, { kind: "msg", node: n, t: e.t, dir: "recv", peer: e.input.from, bytes: toHex(e.input.bytes) })
    }
    for (const o of e.outputs) {
      if ((o.type === "broadcast" || o.type === "send") && CONSENSUS.has(o.message.type))
        line(n, { kind: "msg", node: n, t: e.t, dir: "send", peer: o.type === "send" ? o.to : -1, bytes: toHex(o.bytes) })
      else if (o.type === "commit") line(n, { kind: "decide", node: n, t: e.t, height: o.height, round: o.round, blockHash: o.blockHash })
    }
    const h = e.state.cons.height
    if (e.state.started && entered.get(n) !== h) {
      entered.set(n, h)
      line(n, { kind: "height", node: n, height: h, chainId: e.state.chain.chainId, power: [...e.state.cons.table.power.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)) })
    }
  }
}

/** What one or more transcripts add up to. */
export interface Transcripts {
  chainId: string | undefined
  readonly tables: Map<number, PowerTable>
  readonly proposals: ProposalHeader[]
  readonly votes: Vote[]
  readonly decisions: Array<{ readonly height: number; readonly blockHash: Hex; readonly node: number }>
  messages: number
}

export const emptyTranscripts = (): Transcripts => ({ chainId: undefined, tables: new Map(), proposals: [], votes: [], decisions: [], messages: 0 })

const isUint = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= 0
const isHex = (x: unknown, bytes?: number): x is string =>
  typeof x === "string" && x.length % 2 === 0 && /^[0-9a-f]*$/.test(x) && (bytes === undefined || x.length === 2 * bytes)

/**
 * CONS-FORENSICS.4: add one transcript file's text to `acc`. Every line must be one of the three kinds,
 * well-formed, with decodable message bytes; power tables of one height must agree across files, and
 * so must the chain id. The first bad line is a typed error naming the file and line; nothing of that
 * file is added then.
 */
export const parseTranscript = (file: string, text: string, acc: Transcripts): Either.Either<Transcripts, TranscriptError> => {
  const bad = (line: number, code: TranscriptError["code"], detail: string) => Either.left(new TranscriptError({ code, file, line, detail }))
  if (text.length > MAX_TRANSCRIPT_BYTES) return bad(0, "TRANSCRIPT_TOO_LARGE", `${text.length} bytes > ${MAX_TRANSCRIPT_BYTES}`)
  const lines = text.split("\n")
  const add: Transcripts = { ...emptyTranscripts(), chainId: acc.chainId }
  const tables = new Map(acc.tables)
  for (const [i, raw] of lines.entries()) {
    const ln = i + 1
    if (raw.trim() === "") continue
    if (raw.length > MAX_TRANSCRIPT_LINE) return bad(ln, "TRANSCRIPT_TOO_LARGE", `line of ${raw.length} characters`)
    let o: Record<string, unknown>
    try {
      const v: unknown = JSON.parse(raw)
      if (typeof v !== "object" || v === null || Array.isArray(v)) return bad(ln, "TRANSCRIPT_BAD_LINE", "not a JSON object")
      o = v as Record<string, unknown>
    } catch {
      return bad(ln, "TRANSCRIPT_BAD_LINE", "not JSON")
    }
    if (!isUint(o.node)) return bad(ln, "TRANSCRIPT_BAD_LINE", "node must be a non-negative integer")
    switch (o.kind) {
      case "height": {
        if (!isUint(o.height) || typeof o.chainId !== "string" || !Array.isArray(o.power)) return bad(ln, "TRANSCRIPT_BAD_LINE", "height line needs height, chainId, power")
        if (add.chainId !== undefined && add.chainId !== o.chainId) return bad(ln, "TRANSCRIPT_CONFLICT", `chain id ${o.chainId} != ${add.chainId}`)
        add.chainId = o.chainId
        const power = new Map<Hex, number>()
        let total = 0n
        for (const e of o.power as unknown[]) {
          if (!Array.isArray(e) || e.length !== 2 || !isHex(e[0], 32) || !isUint(e[1])) return bad(ln, "TRANSCRIPT_BAD_LINE", "power entries are [32-byte hex key, stake]")
          if (power.has(e[0])) return bad(ln, "TRANSCRIPT_BAD_LINE", "a key twice in the power table")
          power.set(e[0], e[1])
          total += BigInt(e[1])
        }
        const known = tables.get(o.height)
        const same = (a: PowerTable, b: PowerTable) => a.total === b.total && a.power.size === b.power.size && [...a.power].every(([k, p]) => b.power.get(k) === p)
        const t = { power, total }
        if (known !== undefined && !same(known, t)) return bad(ln, "TRANSCRIPT_CONFLICT", `another power table for height ${o.height}`)
        tables.set(o.height, t)
        break
      }
      case "msg": {
        if (!isHex(o.bytes) || (o.dir !== "recv" && o.dir !== "send")) return bad(ln, "TRANSCRIPT_BAD_LINE", "msg line needs dir recv|send and hex bytes")
        const m = Codecs.Message.decode(fromHex(o.bytes))
        if (Either.isLeft(m)) return bad(ln, "TRANSCRIPT_BAD_MESSAGE", m.left.message)
        const msg = m.right
        add.messages++
        if (msg.type === "proposal") add.proposals.push(msg.proposal)
        else if (msg.type === "vote") add.votes.push(msg.vote)
        else if (msg.type === "sync-response") {
          // the certificate's signatures are precommits (CONS-COMMIT.1)
          const c = msg.commit
          for (const s of c.signatures)
            add.votes.push({ chainId: msg.block.header.chainId, type: "precommit", height: c.height, round: c.round, blockHash: c.blockHash, validator: s.validator, signature: s.signature })
        } else return bad(ln, "TRANSCRIPT_BAD_MESSAGE", `a ${msg.type} message is not a consensus message`)
        break
      }
      case "decide": {
        if (!isUint(o.height) || !isUint(o.round) || !isHex(o.blockHash, 32)) return bad(ln, "TRANSCRIPT_BAD_LINE", "decide line needs height, round, 32-byte blockHash")
        add.decisions.push({ height: o.height, blockHash: o.blockHash, node: o.node })
        break
      }
      default:
        return bad(ln, "TRANSCRIPT_BAD_LINE", `unknown kind ${JSON.stringify(o.kind)}`)
    }
  }
  acc.chainId = add.chainId
  for (const [h, t] of tables) acc.tables.set(h, t)
  // element by element: a spread of a large array overflows the call stack
  for (const x of add.proposals) acc.proposals.push(x)
  for (const x of add.votes) acc.votes.push(x)
  for (const x of add.decisions) acc.decisions.push(x)
  acc.messages += add.messages
  return Either.right(acc)
}

export const forensicsInput = (t: Transcripts): ForensicsInput => ({
  chainId: t.chainId ?? "",
  tables: t.tables,
  proposals: t.proposals,
  votes: t.votes,
  decisions: t.decisions,
})
