// spec: CONS-FORENSICS.1..4, CONS-ACCOUNT.1 (spec/03-consensus.md)
// BFT forensics for the Tendermint rules (Sheng, Wang, Nayak, Kannan, Viswanath, "BFT Protocol
// Forensics", 2021): from the signed proposals and votes that honest nodes received and sent, name the
// validators that provably broke the protocol at a height, with the messages that convict them.
// The same two offences as models/PoAIConsensus.tla (`Equivocators`, `Amnesic`, `AmnesiaWindow`):
//   equivocation — two different signed proposals, prevotes or precommits of one validator for one
//                  (height, round, type);
//   amnesia      — a precommit for block v at round r1 and a prevote for block v' ≠ v at round r2 > r1,
//                  with no polka (prevotes for v' from > 2/3 of the power) at any round in r1..r2-1 among
//                  the messages given.
// Pure: no I/O, no clock; signatures are verified here (a message that does not verify is ignored).
import { toHex } from "../codec/Bytes.ts"
import { Codecs } from "../codec/index.ts"
import type { CryptoService } from "../crypto/Crypto.ts"
import type { ProposalHeader, Vote } from "../domain/Consensus.ts"
import type { Hex } from "./ChainState.ts"
import { type PowerTable, isOneThird, isQuorum, verifyProposal, verifyVote } from "./Votes.ts"

export type Offence = "equivocation" | "amnesia"

/** A signed consensus message as evidence: its kind and canonical bytes (hex), so anyone can re-verify it. */
export interface Exhibit {
  readonly kind: "proposal" | "prevote" | "precommit"
  readonly round: number
  readonly value: Hex | null
  readonly bytes: Hex
}

export interface Conviction {
  readonly validator: Hex
  readonly power: number
  readonly offence: Offence
  /** The two messages that convict (equivocation: the two conflicting ones; amnesia: precommit, then prevote). */
  readonly exhibits: readonly [Exhibit, Exhibit]
}

export interface HeightReport {
  readonly height: number
  /** Distinct block hashes decided by the nodes whose transcripts were given (a fork when more than one). */
  readonly decided: ReadonlyArray<Hex>
  readonly fork: boolean
  readonly convicted: ReadonlyArray<Conviction>
  readonly convictedPower: string
  readonly totalPower: string
  /** CONS-FORENSICS.3: more than 1/3 of the power convicted (what Accountability requires after a fork). */
  readonly accountable: boolean
}

export interface ForensicsInput {
  readonly chainId: string
  /** The power table of each height, as the honest nodes used it (CONS-POWER.1). */
  readonly tables: ReadonlyMap<number, PowerTable>
  readonly proposals: ReadonlyArray<ProposalHeader>
  readonly votes: ReadonlyArray<Vote>
  /** Decisions (height, block hash) of the honest nodes whose messages were given. */
  readonly decisions: ReadonlyArray<{ readonly height: number; readonly blockHash: Hex }>
}

export interface ForensicsReport {
  readonly heights: ReadonlyArray<HeightReport>
  /** Messages ignored: another chain, a height without a power table, a signer outside it, a bad signature. */
  readonly ignored: number
}

const exhibitOfVote = (v: Vote): Exhibit => ({
  kind: v.type,
  round: v.round,
  value: v.blockHash === null ? null : toHex(v.blockHash),
  bytes: toHex(Codecs.Vote.encode(v)),
})
const exhibitOfProposal = (p: ProposalHeader): Exhibit => ({
  kind: "proposal",
  round: p.round,
  value: toHex(p.blockHash),
  bytes: toHex(Codecs.ProposalHeader.encode(p)),
})
/** Canonical order of two exhibits (by bytes), so the report does not depend on input order. */
const ordered = (a: Exhibit, b: Exhibit): readonly [Exhibit, Exhibit] => (a.bytes <= b.bytes ? [a, b] : [b, a])

/** CONS-FORENSICS.1..3 */
export const forensics = (crypto: CryptoService, input: ForensicsInput): ForensicsReport => {
  let ignored = 0
  // CONS-FORENSICS.1: admissible messages by height, de-duplicated and ordered by canonical bytes
  const admit = <M extends { readonly chainId: string; readonly height: number }>(
    list: ReadonlyArray<M>,
    encode: (m: M) => Uint8Array,
    signer: (m: M) => Uint8Array,
    verified: (m: M) => boolean,
  ): Map<number, M[]> => {
    const seen = new Map<string, M>()
    for (const m of list) {
      const key = toHex(encode(m))
      if (seen.has(key)) continue
      const t = input.tables.get(m.height)
      if (m.chainId !== input.chainId || t === undefined || !t.power.has(toHex(signer(m))) || !verified(m)) ignored++
      else seen.set(key, m)
    }
    const byHeight = new Map<number, M[]>()
    for (const [, m] of [...seen.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) {
      const l = byHeight.get(m.height)
      if (l === undefined) byHeight.set(m.height, [m])
      else l.push(m)
    }
    return byHeight
  }
  const votes = admit(input.votes, Codecs.Vote.encode, (v) => v.validator, (v) => verifyVote(crypto, v))
  const proposals = admit(input.proposals, Codecs.ProposalHeader.encode, (p) => p.proposer, (p) => verifyProposal(crypto, p))
  const heights = new Set<number>([...input.decisions.map((d) => d.height), ...votes.keys(), ...proposals.keys()])
  const reports: HeightReport[] = []
  for (const h of [...heights].sort((a, b) => a - b)) {
    const table = input.tables.get(h)
    if (table === undefined) continue
    const hv = votes.get(h) ?? []
    const hp = proposals.get(h) ?? []
    const convictions = new Map<Hex, Conviction>()
    const convict = (k: Hex, offence: Offence, exhibits: readonly [Exhibit, Exhibit]) => {
      if (!convictions.has(k)) convictions.set(k, { validator: k, power: table.power.get(k) ?? 0, offence, exhibits })
    }
    // CONS-FORENSICS.2 (equivocation): two different values for one (round, type) slot
    const slot = new Map<string, Vote>()
    for (const v of hv) {
      const k = `${toHex(v.validator)}|${v.round}|${v.type}`
      const first = slot.get(k)
      if (first === undefined) slot.set(k, v)
      else convict(toHex(v.validator), "equivocation", ordered(exhibitOfVote(first), exhibitOfVote(v)))
    }
    const pslot = new Map<string, ProposalHeader>()
    for (const p of hp) {
      const k = `${toHex(p.proposer)}|${p.round}`
      const first = pslot.get(k)
      if (first === undefined) pslot.set(k, p)
      else if (toHex(first.blockHash) !== toHex(p.blockHash)) convict(toHex(p.proposer), "equivocation", ordered(exhibitOfProposal(first), exhibitOfProposal(p)))
    }
    // polka(r, v): prevotes for v at round r from validators with > 2/3 of the power (each counted once)
    const prevoters = new Map<string, Set<Hex>>()
    for (const v of hv)
      if (v.type === "prevote" && v.blockHash !== null) {
        const k = `${v.round}|${toHex(v.blockHash)}`
        prevoters.set(k, (prevoters.get(k) ?? new Set()).add(toHex(v.validator)))
      }
    const polka = (r: number, value: Hex): boolean => {
      let p = 0n
      for (const k of prevoters.get(`${r}|${value}`) ?? []) p += BigInt(table.power.get(k) ?? 0)
      return isQuorum(p, table.total)
    }
    // CONS-FORENSICS.2 (amnesia): precommit v1 at r1, prevote v2 != v1 at r2 > r1, no polka for v2 in r1..r2-1
    const byValidator = new Map<Hex, { pre: Vote[]; com: Vote[] }>()
    for (const v of hv) {
      if (v.blockHash === null) continue
      const k = toHex(v.validator)
      const e = byValidator.get(k) ?? { pre: [], com: [] }
      ;(v.type === "prevote" ? e.pre : e.com).push(v)
      byValidator.set(k, e)
    }
    for (const [k, { pre, com }] of [...byValidator.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (convictions.has(k)) continue
      found: for (const c of com)
        for (const p of pre) {
          const v1 = toHex(c.blockHash!)
          const v2 = toHex(p.blockHash!)
          if (!(c.round < p.round) || v1 === v2) continue
          let justified = false
          for (let r = c.round; r < p.round && !justified; r++) justified = polka(r, v2)
          if (!justified) {
            convict(k, "amnesia", [exhibitOfVote(c), exhibitOfVote(p)])
            break found
          }
        }
    }
    const convicted = [...convictions.values()].sort((a, b) => (a.validator < b.validator ? -1 : 1))
    const cp = convicted.reduce((a, c) => a + BigInt(c.power), 0n)
    const decided = [...new Set(input.decisions.filter((d) => d.height === h).map((d) => d.blockHash))].sort()
    reports.push({
      height: h,
      decided,
      fork: decided.length > 1,
      convicted,
      convictedPower: cp.toString(),
      totalPower: table.total.toString(),
      accountable: isOneThird(cp, table.total),
    })
  }
  return { heights: reports, ignored }
}
