// Model-based tests in the other direction (issue 9, item 10; spec/10-assurance.md): a counterexample of
// PoAIConsensus.tla (TLC's -dumpTrace json) becomes the inputs of ONE correct node (the node under test,
// NUT) and the outputs it must give.
//
// The model keeps every signed message in a global store and lets a validator act as soon as the store
// holds what a rule needs; the core (src/core/Node.ts) acts as soon as ITS view holds it. So the
// conversion delivers messages lazily: before each action of the NUT in the trace it delivers exactly the
// messages that action needs and the NUT does not hold yet (a proposal, a quorum of votes chosen so that
// no other rule becomes enabled, > 1/3 of round hints), then the timeout input for a timeout action.
// An action whose needs are all held already is one the core performs in the same step as the previous
// input (it is eager, e.g. a proposer prevotes its own proposal at once): it joins the previous step.
// Pure: JSON in, abstract run out; src/models/NodeScenario.ts makes the messages concrete and replays.
import type { TlcJsonTrace } from "./Counterexample.ts"

/** A model value name ("v1"), the nil vote ("nil") or "none". */
export type MValue = string

/** The variables of PoAIConsensus as TLC dumps them. */
export interface MState {
  readonly round: Readonly<Record<string, number>>
  readonly step: Readonly<Record<string, string>>
  readonly decision: Readonly<Record<string, MValue>>
  readonly lockedValue: Readonly<Record<string, MValue>>
  readonly lockedRound: Readonly<Record<string, number>>
  readonly validValue: Readonly<Record<string, MValue>>
  readonly validRound: Readonly<Record<string, number>>
  readonly proposer: Readonly<Record<string, string>>
  readonly proposals: Readonly<Record<string, ReadonlyArray<{ readonly value: MValue; readonly validRound: number }>>>
  readonly prevotes: Readonly<Record<string, Readonly<Record<MValue, ReadonlyArray<string>>>>>
  readonly precommits: Readonly<Record<string, Readonly<Record<MValue, ReadonlyArray<string>>>>>
}

export type VoteKind = "prevote" | "precommit"

/** A signed consensus message of the height, abstractly: who signed what. */
export type AMsg =
  | { readonly kind: "proposal"; readonly round: number; readonly value: MValue; readonly validRound: number; readonly signer: string }
  | { readonly kind: VoteKind; readonly round: number; readonly value: MValue; readonly signer: string }

export type AInput =
  | { readonly type: "start" }
  | { readonly type: "deliver"; readonly msg: AMsg }
  | { readonly type: "timeout"; readonly kind: "propose" | "prevote" | "precommit"; readonly round: number }

export const TIMEOUT_KINDS = ["propose", "prevote", "precommit"] as const

/** What the NUT signs (or decides) in one action. */
export type ASigned =
  | { readonly type: "proposal"; readonly round: number; readonly value: MValue; readonly validRound: number }
  | { readonly type: VoteKind; readonly round: number; readonly value: MValue }
  | { readonly type: "decide"; readonly value: MValue }

export interface NutState {
  readonly round: number
  readonly step: string
  readonly lockedValue: MValue
  readonly lockedRound: number
  readonly validValue: MValue
  readonly validRound: number
  readonly decision: MValue
}

export interface AStep {
  /** The model actions of the NUT this step covers, e.g. "UponProposalInPropose(c1)". */
  readonly actions: ReadonlyArray<string>
  readonly inputs: ReadonlyArray<AInput>
  /** The NUT's signed messages in the model's order. */
  readonly signed: ReadonlyArray<ASigned>
  /** The NUT's model state after the last action. */
  readonly state: NutState
}

export interface AbstractRun {
  readonly nut: string
  /** proposer[r] of the run. */
  readonly proposer: ReadonlyArray<string>
  /** Number of states of the counterexample (TLC's depth of the violation). */
  readonly depth: number
  /** Every action of the counterexample, in order (all validators): the run as TLC found it. */
  readonly trace: ReadonlyArray<string>
  readonly steps: ReadonlyArray<AStep>
}

export class ConversionError extends Error {}

export interface ConvertOptions {
  readonly nut: string
  readonly nil: string
  readonly none: string
  /** Voting power of every validator (the model's Power). */
  readonly power: Readonly<Record<string, number>>
  /** The Byzantine validators (delivered last when a choice exists). */
  readonly faulty: ReadonlyArray<string>
  /**
   * The action the last transition is converted as. One transition may satisfy several actions (a
   * prevote for nil is a lock refusal of a fresh proposal and of a re-proposal alike); TLC names the
   * disjunct that generated it, the false property names the one the path is about.
   */
  readonly finalAction?: string
  /** The model's InvalidValues: blocks that fail validation (CONS-VALID.1). */
  readonly invalid?: ReadonlyArray<string>
}

const keyOf = (m: AMsg): string =>
  m.kind === "proposal" ? `proposal|${m.round}|${m.value}|${m.validRound}` : `${m.kind}|${m.round}|${m.signer}|${m.value}`

const arr = <T>(x: ReadonlyArray<T> | undefined): ReadonlyArray<T> => x ?? []

/** The NUT's view: the messages delivered to it and its own. */
class View {
  readonly keys = new Set<string>()
  readonly msgs: AMsg[] = []
  add(m: AMsg): boolean {
    const k = keyOf(m)
    if (this.keys.has(k)) return false
    this.keys.add(k)
    this.msgs.push(m)
    return true
  }
  has(m: AMsg): boolean {
    return this.keys.has(keyOf(m))
  }
  votes(kind: VoteKind, round: number): ReadonlyArray<AMsg & { kind: VoteKind }> {
    return this.msgs.filter((m): m is AMsg & { kind: VoteKind } => m.kind === kind && m.round === round)
  }
  proposal(round: number): (AMsg & { kind: "proposal" }) | undefined {
    return this.msgs.find((m): m is AMsg & { kind: "proposal" } => m.kind === "proposal" && m.round === round)
  }
}

const label = (a: { readonly name?: string; readonly context?: Record<string, unknown> }): string => {
  const ctx = Object.values(a.context ?? {}).map((v) => (typeof v === "string" ? v : JSON.stringify(v)))
  return `${a.name ?? "?"}(${ctx.join(",")})`
}

const nutState = (s: MState, p: string): NutState => ({
  round: s.round[p] as number,
  step: s.step[p] as string,
  lockedValue: s.lockedValue[p] as string,
  lockedRound: s.lockedRound[p] as number,
  validValue: s.validValue[p] as string,
  validRound: s.validRound[p] as number,
  decision: s.decision[p] as string,
})

/** The NUT's signatures that the transition s -> t added, in the order the core emits them. */
const signedBy = (s: MState | undefined, t: MState, p: string, none: string): ASigned[] => {
  const out: ASigned[] = []
  for (const r of Object.keys(t.proposals).map(Number).sort((a, b) => a - b)) {
    if (t.proposer[String(r)] !== p) continue
    const before = new Set(arr(s?.proposals[String(r)]).map((x) => `${x.value}|${x.validRound}`))
    for (const x of arr(t.proposals[String(r)]))
      if (!before.has(`${x.value}|${x.validRound}`)) out.push({ type: "proposal", round: r, value: x.value, validRound: x.validRound })
  }
  for (const kind of ["prevote", "precommit"] as const) {
    const book = kind === "prevote" ? "prevotes" : "precommits"
    for (const r of Object.keys(t[book]).map(Number).sort((a, b) => a - b)) {
      for (const [v, who] of Object.entries(t[book][String(r)] ?? {}))
        if (who.includes(p) && !arr(s?.[book][String(r)]?.[v]).includes(p)) out.push({ type: kind, round: r, value: v })
    }
  }
  if (s !== undefined && t.decision[p] !== s.decision[p] && t.decision[p] !== none) out.push({ type: "decide", value: t.decision[p] as string })
  return out
}

/**
 * Convert a TLC counterexample into the NUT's run. Throws ConversionError where the trace asks of the
 * NUT something its view cannot give (two proposals of one round, a decision without a proposal of
 * the value).
 */
export const abstractRun = (trace: TlcJsonTrace, o: ConvertOptions): AbstractRun => {
  const p = o.nut
  const states = trace.counterexample.state.map((x) => x[1] as unknown as MState)
  const actions = trace.counterexample.action ?? []
  const s0 = states[0]
  if (s0 === undefined) throw new ConversionError("empty counterexample")
  const total = Object.values(o.power).reduce((a, b) => a + b, 0)
  const powerOf = (who: Iterable<string>) => [...new Set(who)].reduce((a, v) => a + (o.power[v] ?? 0), 0)
  const quorum = (who: Iterable<string>) => 3 * powerOf(who) > 2 * total
  const oneThird = (who: Iterable<string>) => 3 * powerOf(who) > total
  const validators = Object.keys(o.power).sort()
  // correct validators first, the NUT's own messages cost nothing, then by name
  const prefer = (a: string, b: string) => Number(o.faulty.includes(a)) - Number(o.faulty.includes(b)) || (a < b ? -1 : a > b ? 1 : 0)
  const rounds = Object.keys(s0.proposer).map(Number).sort((a, b) => a - b)
  const proposer = rounds.map((r) => s0.proposer[String(r)] as string)

  const view = new View()
  /** Stale timeouts of rounds below this one have been given to the node. */
  let staleUpTo = 0
  const steps: Array<{ actions: string[]; inputs: AInput[]; signed: ASigned[]; state: NutState }> = []
  const own = (t: MState, from: MState | undefined) => {
    for (const x of signedBy(from, t, p, o.none)) {
      if (x.type === "proposal") view.add({ kind: "proposal", round: x.round, value: x.value, validRound: x.validRound, signer: p })
      else if (x.type !== "decide") view.add({ kind: x.type, round: x.round, value: x.value, signer: p })
    }
  }

  // start: the NUT enters round 0 (and proposes if it is proposer[0]).
  steps.push({ actions: ["Init"], inputs: [{ type: "start" }], signed: signedBy(undefined, s0, p, o.none).filter((x) => x.type === "proposal"), state: nutState(s0, p) })
  {
    const first = steps[0]
    if (first !== undefined) for (const x of first.signed) if (x.type === "proposal") view.add({ kind: "proposal", round: x.round, value: x.value, validRound: x.validRound, signer: p })
  }

  /** Deliver a quorum of `kind` votes for `value` at round r from the store s. */
  const quorumFor = (s: MState, kind: VoteKind, r: number, value: MValue): AMsg[] => {
    const book = kind === "prevote" ? s.prevotes : s.precommits
    const signers = [...arr(book[String(r)]?.[value])].sort(prefer)
    const chosen = signers.filter((v) => view.has({ kind, round: r, value, signer: v }))
    const add: AMsg[] = []
    for (const v of signers) {
      if (quorum(chosen)) break
      if (chosen.includes(v)) continue
      chosen.push(v)
      add.push({ kind, round: r, value, signer: v })
    }
    if (!quorum(chosen)) throw new ConversionError(`no quorum of ${kind}s for ${value} at round ${r}`)
    return add
  }

  /**
   * Deliver > 2/3 of the power voting anything at round r, choosing each signer's value so that no
   * single value reaches a quorum (which would enable CONS-RULE.5/.6/.8 in the core, not the timeout).
   */
  const anyQuorum = (s: MState, kind: VoteKind, r: number): AMsg[] => {
    const book = kind === "prevote" ? s.prevotes : s.precommits
    const held = view.votes(kind, r)
    const options = new Map<string, MValue[]>()
    for (const [v, who] of Object.entries(book[String(r)] ?? {})) for (const x of who) options.set(x, [...(options.get(x) ?? []), v])
    const free = [...options.keys()].filter((x) => !held.some((m) => m.signer === x)).sort(prefer)
    let best: { add: AMsg[]; score: number } | undefined
    // every subset of the free signers, every choice of value: a handful of validators, so brute force
    const choose = (i: number, add: AMsg[]) => {
      if (i === free.length) {
        const all = [...held, ...add]
        if (!quorum(all.map((m) => m.signer))) return
        const counts = new Map<string, string[]>()
        for (const m of all) counts.set(m.value, [...(counts.get(m.value) ?? []), m.signer])
        const maxPower = Math.max(...[...counts.values()].map((w) => powerOf(w)))
        const score = (quorum([...counts.values()].find((w) => quorum(w)) ?? []) ? 1_000_000 : 0) + maxPower * 1000 + add.length
        if (best === undefined || score < best.score) best = { add: [...add], score }
        return
      }
      const x = free[i] as string
      choose(i + 1, add)
      for (const v of (options.get(x) ?? []).slice().sort()) choose(i + 1, [...add, { kind, round: r, value: v, signer: x }])
    }
    choose(0, [])
    if (best === undefined) throw new ConversionError(`no quorum of ${kind}s at round ${r}`)
    return best.add
  }

  /** A proposal of round r in the store satisfying `ok`; the one the NUT holds if any. */
  const proposalAt = (s: MState, r: number, ok: (x: { value: MValue; validRound: number }) => boolean): AMsg & { kind: "proposal" } => {
    const heldP = view.proposal(r)
    if (heldP !== undefined) {
      if (!ok(heldP)) throw new ConversionError(`the NUT holds proposal ${heldP.value}/${heldP.validRound} of round ${r}; the trace needs another one`)
      return heldP
    }
    const c = arr(s.proposals[String(r)]).filter(ok).sort((a, b) => a.validRound - b.validRound || (a.value < b.value ? -1 : 1))[0]
    if (c === undefined) throw new ConversionError(`no suitable proposal at round ${r}`)
    return { kind: "proposal", round: r, value: c.value, validRound: c.validRound, signer: proposer[r] as string }
  }

  const accepts = (v: MValue) => !(o.invalid ?? []).includes(v)
  const polka = (s: MState, r: number, v: MValue) => quorum(arr(s.prevotes[String(r)]?.[v]))

  actions.forEach(([[, sv], tlcAct, [, tv]], index) => {
    const s = sv as unknown as MState
    const t = tv as unknown as MState
    const act = index === actions.length - 1 && o.finalAction !== undefined ? { ...tlcAct, name: o.finalAction } : tlcAct
    const ctx = act.context ?? {}
    if (ctx["p"] !== p) return
    const name = act.name ?? ""
    const r = s.round[p] as number
    const signed = signedBy(s, t, p, o.none)
    const need: AInput[] = []
    const deliver = (m: AMsg) => {
      if (!view.has(m)) need.push({ type: "deliver", msg: m })
    }
    const vote = signed.find((x): x is ASigned & { type: VoteKind } => x.type === "prevote" || x.type === "precommit")
    switch (name) {
      case "UponProposalInPropose": {
        const w = vote?.value
        const lockOk = (v: MValue) => s.lockedRound[p] === -1 || s.lockedValue[p] === v
        deliver(proposalAt(s, r, (x) => x.validRound === -1 && (accepts(x.value) && lockOk(x.value) ? x.value : o.nil) === w))
        break
      }
      case "UponProposalInProposeAndPrevote": {
        const w = vote?.value
        const lockOk = (v: MValue, vr: number) => (s.lockedRound[p] as number) <= vr || s.lockedValue[p] === v
        const prop = proposalAt(s, r, (x) => x.validRound >= 0 && x.validRound < r && polka(s, x.validRound, x.value) && (accepts(x.value) && lockOk(x.value, x.validRound) ? x.value : o.nil) === w)
        // the proposal first: the vote that completes the polka at vr is the one the rule fires on
        deliver(prop)
        for (const m of quorumFor(s, "prevote", prop.validRound, prop.value)) deliver(m)
        break
      }
      case "UponProposalInPrevoteOrCommitAndPrevote": {
        const v = t.validValue[p] as string
        deliver(proposalAt(s, r, (x) => x.value === v))
        for (const m of quorumFor(s, "prevote", r, v)) deliver(m)
        break
      }
      case "UponQuorumOfPrevotesNil":
        for (const m of quorumFor(s, "prevote", r, o.nil)) deliver(m)
        break
      case "OnTimeoutPropose":
        need.push({ type: "timeout", kind: "propose", round: r })
        break
      case "OnTimeoutPrevote":
        for (const m of anyQuorum(s, "prevote", r)) deliver(m)
        need.push({ type: "timeout", kind: "prevote", round: r })
        break
      case "OnTimeoutPrecommit":
        for (const m of anyQuorum(s, "precommit", r)) deliver(m)
        need.push({ type: "timeout", kind: "precommit", round: r })
        break
      case "OnRoundSkip": {
        const target = t.round[p] as number
        // validators seen at round >= target: in the view already, then one message each (a vote at the
        // lowest such round, a proposal only if the validator signed nothing else) until > 1/3
        const seen = new Set(view.msgs.filter((m) => m.round >= target).map((m) => m.signer))
        const byValidator = (x: string): AMsg | undefined => {
          for (let r2 = target; r2 <= (rounds[rounds.length - 1] as number); r2++) {
            for (const kind of ["prevote", "precommit"] as const) {
              const book = kind === "prevote" ? s.prevotes : s.precommits
              const vs = Object.entries(book[String(r2)] ?? {}).filter(([, who]) => who.includes(x)).map(([v]) => v).sort((a, b) => (a === o.nil ? -1 : b === o.nil ? 1 : a < b ? -1 : 1))
              if (vs[0] !== undefined) return { kind, round: r2, value: vs[0], signer: x }
            }
          }
          for (let r2 = target; r2 <= (rounds[rounds.length - 1] as number); r2++) {
            const c = arr(s.proposals[String(r2)])[0]
            if (c !== undefined && proposer[r2] === x) return { kind: "proposal", round: r2, value: c.value, validRound: c.validRound, signer: x }
          }
          return undefined
        }
        for (const x of validators.filter((v) => v !== p).sort(prefer)) {
          if (oneThird(seen)) break
          if (seen.has(x)) continue
          const m = byValidator(x)
          if (m === undefined) continue
          seen.add(x)
          deliver(m)
        }
        if (!oneThird(seen)) throw new ConversionError(`round skip to ${target}: not enough validators seen`)
        break
      }
      case "Decide":
      case "UponQuorumOfPrecommits": {
        const v = t.decision[p] as string
        const dr = typeof ctx["r"] === "number" ? (ctx["r"] as number) : rounds.find((x) => quorum(arr(s.precommits[String(x)]?.[v])))
        if (dr === undefined) throw new ConversionError("decision without a quorum")
        for (const m of quorumFor(s, "precommit", dr, v)) deliver(m)
        const heldP = view.msgs.find((m) => m.kind === "proposal" && m.value === v)
        if (heldP === undefined) {
          const rs = [dr, ...rounds.filter((x) => x !== dr)].filter((x) => view.proposal(x) === undefined)
          const rr = rs.find((x) => arr(s.proposals[String(x)]).some((y) => y.value === v))
          if (rr === undefined) throw new ConversionError(`decision of ${v}: no proposal carries it`)
          deliver(proposalAt(s, rr, (x) => x.value === v))
        }
        break
      }
      default:
        throw new ConversionError(`unknown action ${name}`)
    }
    const a = label(act)
    const last = steps[steps.length - 1]
    if (need.length === 0 && last !== undefined) {
      // the core does it in the same step as the previous input (eager): join that step
      last.actions.push(a)
      last.signed.push(...signed)
      last.state = nutState(t, p)
    } else {
      for (const i of need) if (i.type === "deliver") view.add(i.msg)
      // CONS-TIMEOUT.4: the timers of the rounds the node has left fire too; no action of the model
      // consumes them (every timeout action is of round[p]), so the node must ignore them: they come
      // first in the node's next step, which must give no output before its last input
      const stale: AInput[] = []
      for (; staleUpTo < r; staleUpTo++) for (const kind of TIMEOUT_KINDS) stale.push({ type: "timeout", kind, round: staleUpTo })
      steps.push({ actions: [a], inputs: [...stale, ...need], signed, state: nutState(t, p) })
    }
    own(t, s)
  })

  // and the timers of the rounds left before the last one fire at the end
  const end = steps[steps.length - 1]
  if (end !== undefined && end.state.decision === o.none && staleUpTo < end.state.round) {
    const stale: AInput[] = []
    for (; staleUpTo < end.state.round; staleUpTo++) for (const kind of TIMEOUT_KINDS) stale.push({ type: "timeout", kind, round: staleUpTo })
    steps.push({ actions: [], inputs: stale, signed: [], state: end.state })
  }
  return {
    nut: p,
    proposer,
    depth: states.length,
    trace: actions.map(([, a], i) => label(i === actions.length - 1 && o.finalAction !== undefined ? { ...a, name: o.finalAction } : a)),
    steps,
  }
}
