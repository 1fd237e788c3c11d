// Codecs for every wire type (spec/02-encoding.md).
import { BeaconEntry, BeaconInput } from "../domain/Beacon.ts"
import { Block, BlockBody, BlockHeader } from "../domain/Block.ts"
import {
  CommitCertificate,
  Evidence,
  Precommit,
  Prevote,
  ProposalHeader,
  UnsignedProposalHeader,
  UnsignedVote,
  Vote,
} from "../domain/Consensus.ts"
import { Message } from "../domain/Message.ts"
import { Transfer, UnsignedTransfer } from "../domain/Transaction.ts"
import {
  AuditReport,
  TaskSpec,
  UnsignedAuditReport,
  UnsignedWorkCommitment,
  UnsignedWorkReveal,
  WorkClaim,
  WorkCommitment,
  WorkReveal,
} from "../domain/Work.ts"
import { ScoreCommitment, ScoreReveal, UnsignedScoreCommitment, UnsignedScoreReveal } from "../domain/Scoring.ts"
import { Either } from "effect"
import { bytesEqual, toHex } from "./Bytes.ts"
import { makeCodec } from "./Codec.ts"

export const Codecs = {
  Transfer: makeCodec("Transfer", Transfer),
  UnsignedTransfer: makeCodec("UnsignedTransfer", UnsignedTransfer),
  TaskSpec: makeCodec("TaskSpec", TaskSpec),
  WorkClaim: makeCodec("WorkClaim", WorkClaim),
  WorkCommitment: makeCodec("WorkCommitment", WorkCommitment),
  UnsignedWorkCommitment: makeCodec("UnsignedWorkCommitment", UnsignedWorkCommitment),
  WorkReveal: makeCodec("WorkReveal", WorkReveal),
  UnsignedWorkReveal: makeCodec("UnsignedWorkReveal", UnsignedWorkReveal),
  AuditReport: makeCodec("AuditReport", AuditReport),
  UnsignedAuditReport: makeCodec("UnsignedAuditReport", UnsignedAuditReport),
  ScoreCommitment: makeCodec("ScoreCommitment", ScoreCommitment),
  UnsignedScoreCommitment: makeCodec("UnsignedScoreCommitment", UnsignedScoreCommitment),
  ScoreReveal: makeCodec("ScoreReveal", ScoreReveal),
  UnsignedScoreReveal: makeCodec("UnsignedScoreReveal", UnsignedScoreReveal),
  ProposalHeader: makeCodec("ProposalHeader", ProposalHeader),
  UnsignedProposalHeader: makeCodec("UnsignedProposalHeader", UnsignedProposalHeader),
  Vote: makeCodec("Vote", Vote),
  Prevote: makeCodec("Prevote", Prevote),
  Precommit: makeCodec("Precommit", Precommit),
  UnsignedVote: makeCodec("UnsignedVote", UnsignedVote),
  BlockHeader: makeCodec("BlockHeader", BlockHeader),
  BlockBody: makeCodec("BlockBody", BlockBody),
  Block: makeCodec("Block", Block),
  CommitCertificate: makeCodec("CommitCertificate", CommitCertificate),
  BeaconEntry: makeCodec("BeaconEntry", BeaconEntry),
  BeaconInput: makeCodec("BeaconInput", BeaconInput),
  Evidence: makeCodec("Evidence", Evidence),
  Message: makeCodec("Message", Message),
} as const
export type CodecName = keyof typeof Codecs

/**
 * NODE-STEP.6, SIM-NET.7: a Message decoder memoized by the identity of the byte array, for drivers
 * that hand one array to several steps (a simulated broadcast to N nodes; a gossiped message checked by
 * the transport, then stepped). Sound because bytes in flight are never written to, so an array's
 * identity names its content; returns what Codecs.Message.decode returns, except that a block's body
 * items are interned (NODE-STEP.12).
 */
export const memoizedMessageDecoder = (): ((bytes: Uint8Array) => ReturnType<typeof Codecs.Message.decode>) => {
  const decoded = new WeakMap<Uint8Array, ReturnType<typeof Codecs.Message.decode>>()
  const { intern } = itemInterner()
  return (bytes) => {
    let r = decoded.get(bytes)
    if (r === undefined) {
      r = Codecs.Message.decode(bytes)
      if (Either.isRight(r)) r = Either.right(intern(r.right))
      decoded.set(bytes, r)
    }
    return r
  }
}

type Item = { readonly signature: Uint8Array }

/** The signed mempool item a single-item message carries (transfer, work or score commitment or reveal, audit report), if any. */
export const signedItemOf = (m: Message): Item | undefined => {
  switch (m.type) {
    case "tx":
      return m.tx
    case "commitment":
    case "score-commit":
      return m.commitment
    case "reveal":
    case "score-reveal":
      return m.reveal
    case "audit":
      return m.audit
    default:
      return undefined
  }
}

/** NODE-STEP.12: at most this many items are remembered (then the table starts over: a miss is only slower). */
export const MAX_INTERNED_ITEMS = 16_384

type Body = Message extends infer M ? (M extends { readonly block: { readonly body: infer B } } ? B : never) : never

/** Plain-data equality of decoded values: byte arrays bytewise, arrays and records field by field. */
export const sameData = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (a instanceof Uint8Array) return b instanceof Uint8Array && bytesEqual(a, b)
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || b instanceof Uint8Array) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false
    if (!sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false
  }
  return true
}

/**
 * NODE-STEP.12: the signed items a decoder has seen, each by its kind and signature; an item of a
 * block body that equals (sameData) one seen before becomes that earlier object, so the checks and keys
 * memoized per item object (NODE-STEP.9/10, QUAL-SCORE.11) are not computed again for the block's copy.
 */
export const itemInterner = (): { readonly intern: (m: Message) => Message; readonly size: () => number } => {
  let seen = new Map<string, Item>()
  const one = <T extends Item>(kind: string, x: T): T => {
    const key = kind + toHex(x.signature)
    const y = seen.get(key)
    if (y !== undefined && sameData(x, y)) return y as T
    if (y === undefined) {
      if (seen.size >= MAX_INTERNED_ITEMS) seen = new Map()
      seen.set(key, x)
    }
    return x
  }
  const list = <T extends Item>(kind: string, xs: ReadonlyArray<T>): ReadonlyArray<T> => {
    let out: Array<T> | undefined
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i] as T
      const y = one(kind, x)
      if (y !== x) {
        out ??= xs.slice()
        out[i] = y
      }
    }
    return out ?? xs
  }
  const body = (b: Body): Body => {
    const txs = list("tx", b.txs)
    const commitments = list("commitment", b.commitments)
    const reveals = list("reveal", b.reveals)
    const audits = list("audit", b.audits)
    const scoreCommits = list("score-commit", b.scoreCommits)
    const scoreReveals = list("score-reveal", b.scoreReveals)
    if (txs === b.txs && commitments === b.commitments && reveals === b.reveals && audits === b.audits && scoreCommits === b.scoreCommits && scoreReveals === b.scoreReveals)
      return b
    return { ...b, txs, commitments, reveals, audits, scoreCommits, scoreReveals }
  }
  const intern = (m: Message): Message => {
    if (m.type === "proposal" || m.type === "sync-response") {
      const b = body(m.block.body)
      return b === m.block.body ? m : { ...m, block: { ...m.block, body: b } }
    }
    const x = signedItemOf(m)
    if (x !== undefined) one(m.type, x)
    return m
  }
  return { intern, size: () => seen.size }
}

export { DecodeError, makeCodec, type Codec } from "./Codec.ts"
