----------------------------- MODULE PoAITrace -----------------------------
(***************************************************************************)
(* Trace validation (the technique CCF uses for its Raft): is a trace of   *)
(* the implementation a behaviour of PoAIConsensus in which every action   *)
(* of a correct node is justified by the messages THAT node had received?  *)
(*                                                                         *)
(* The trace is the NDJSON written by src/drivers/Trace.ts for ONE height, *)
(* normalized by src/models/TraceValidation.ts, which also writes a module *)
(* Trace_<name> extending this one and binding the constants (validators,  *)
(* stake, valid blocks, rounds, the beacon's proposers, the file).         *)
(*                                                                         *)
(* State. The variables of PoAIConsensus, where the message store          *)
(* (proposals, prevotes, precommits) is what has been SIGNED so far; and   *)
(* per correct node p its VIEW vProp[p], vPv[p], vPc[p] (what p received,  *)
(* plus its own messages), and per link f -> p the messages f sent to p    *)
(* and p has not yet taken off the link (CCF's per-pair network).          *)
(* A correct node's action is the PoAIConsensus action evaluated on its    *)
(* view: V(p) is PoAIConsensus with the store replaced by p's view. (p is *)
(* bound with \E p \in {Ev.node}, not LET: V(p)'s primed store must not   *)
(* depend on l.)                                                           *)
(*                                                                         *)
(* Lines (one per TraceNext step):                                         *)
(*   recv      p takes m off the link from f into its view. From a traced  *)
(*             (correct) sender m must be on the link; an untraced sender  *)
(*             (Byzantine, or no validator at this height) may deliver any *)
(*             signed message, and Byzantine signers may sign anything     *)
(*             (FaultyPropose/FaultyPrevote/FaultyPrecommit).              *)
(*   send      p puts m on the links to one or every correct node: m is    *)
(*             signed, and is p's own or in p's view (relay).              *)
(*   timeout   a timer fired: remembered in fired[p] (a stale one changes  *)
(*             nothing); the action it causes needs it.                    *)
(*   round     StartRound: round 0 (after `start` or the commit wait,      *)
(*             CONS-COMMITWAIT.1), CONS-TIMEOUT.3 or CONS-RULE.9 on the    *)
(*             view; a proposer's proposal (the next line) must be what    *)
(*             StartRound proposes (validValue/validRound, or fresh).      *)
(*   propose   the proposal is signed and in p's view.                     *)
(*   prevote   CONS-RULE.2, CONS-RULE.3 (cause rule) or CONS-TIMEOUT.1     *)
(*             (cause timeout), on p's view.                               *)
(*   precommit CONS-RULE.5, CONS-RULE.6 or CONS-TIMEOUT.2, on p's view.    *)
(*   valid     CONS-RULE.5 at step precommit, on p's view.                 *)
(*   decide    CONS-RULE.8 with a quorum of precommits in p's view.        *)
(*   state     the node's logged (round, step, locks, valid value) equal   *)
(*             the model's.                                                *)
(*                                                                         *)
(* Verdict. The invariant TraceUnfinished is violated exactly when some    *)
(* behaviour matched every line: that violation is the ACCEPTANCE, and the *)
(* behaviour TLC prints (ALIAS: line and matched action) gives the action  *)
(* coverage. Otherwise the postcondition TraceAccepted prints the first    *)
(* line no behaviour could match (the trace is REJECTED there).            *)
(***************************************************************************)
EXTENDS PoAIConsensus, Json, Sequences, TLC

CONSTANTS
    \* Absolute path of the NDJSON trace of one height.
    TraceFile,
    \* [Rounds -> Validators]: the beacon's proposer of each round.
    TraceProposer,
    \* Every node index of the run (links exist from each of them).
    Nodes,
    \* The nodes the run made Byzantine (their steps are not traced).
    ByzNodes

Trace == ndJsonDeserialize(TraceFile)

VARIABLES
    \* The next line of the trace to match.
    l,
    \* The action the last line was matched with (coverage).
    act,
    \* started[p]: p has started round 0 of the height (left the commit wait).
    started,
    \* fired[p]: the timeouts <<kind, round>> that fired at p.
    fired,
    \* p's view of the store: what it received and what it signed.
    vProp, vPv, vPc,
    \* link[f][p]: messages f sent to p that p has not taken off the link.
    link

viewVars == <<vProp, vPv, vPc>>
traceVars == <<vars, l, act, started, fired, viewVars, link>>

\* A correct node's actions, evaluated on its view instead of on everything signed.
V(p) == INSTANCE PoAIConsensus WITH proposals <- vProp[p], prevotes <- vPv[p], precommits <- vPc[p]

Ev == Trace[l]
NextLine == IF l < Len(Trace) THEN Trace[l + 1] ELSE Trace[l]
\* "nil" in the trace is the vote for nil; "none" is no lockedValue/validValue.
Val(x) == IF x = "nil" THEN Nil ELSE x
ValN(x) == IF x = "none" THEN None ELSE x
ToSet(s) == {s[i] : i \in DOMAIN s}

\* A message on a link: a proposal, a vote, or a commit certificate (precommits by `signers`).
Msg(t, s, r, v, vr, sg) == [type |-> t, src |-> s, round |-> r, value |-> v, vr |-> vr, signers |-> sg]
EvMsg == Msg(Ev.msg, Ev.src, Ev.round, Val(Ev.value), Ev.validRound, ToSet(Ev.signers))

\* m is in the store pr/pv/pc (everything signed, or a node's view).
In(pr, pv, pc, m) ==
    CASE m.type = "proposal" -> Prop(m.value, m.vr) \in pr[m.round]
      [] m.type = "prevote" -> m.src \in pv[m.round][m.value]
      [] m.type = "precommit" -> m.src \in pc[m.round][m.value]
      [] m.type = "cert" -> m.signers \subseteq pc[m.round][m.value]
      [] OTHER -> FALSE

Signed(m) == In(proposals, prevotes, precommits, m)
InView(p, m) == In(vProp[p], vPv[p], vPc[p], m)

\* The message is well formed for this height (what the core checks before storing it).
WellFormed(m) ==
    /\ m.round \in Rounds
    /\ m.type = "proposal" => /\ m.src = proposer[m.round] /\ m.vr < m.round
                              /\ m.vr \in RoundsOrNone /\ m.value \in Values
    /\ m.type \in {"prevote", "precommit"} => m.src \in Validators /\ m.value \in VoteValues
    /\ m.type = "cert" => m.signers \subseteq Validators /\ m.value \in Values

\* FaultyPropose/FaultyPrevote/FaultyPrecommit: the Byzantine signers of m sign it (if not yet).
FaultySign(m) ==
    /\ proposals' = IF m.type = "proposal" /\ m.src \in Faulty
                    THEN [proposals EXCEPT ![m.round] = @ \cup {Prop(m.value, m.vr)}] ELSE proposals
    /\ prevotes' = IF m.type = "prevote" /\ m.src \in Faulty
                   THEN [prevotes EXCEPT ![m.round][m.value] = @ \cup {m.src}] ELSE prevotes
    /\ precommits' = CASE m.type = "precommit" /\ m.src \in Faulty ->
                            [precommits EXCEPT ![m.round][m.value] = @ \cup {m.src}]
                       [] m.type = "cert" -> [precommits EXCEPT ![m.round][m.value] = @ \cup (m.signers \cap Faulty)]
                       [] OTHER -> precommits

\* p takes m into its view.
AddToView(p, m) ==
    /\ vProp' = IF m.type = "proposal" THEN [vProp EXCEPT ![p][m.round] = @ \cup {Prop(m.value, m.vr)}] ELSE vProp
    /\ vPv' = IF m.type = "prevote" THEN [vPv EXCEPT ![p][m.round][m.value] = @ \cup {m.src}] ELSE vPv
    /\ vPc' = CASE m.type = "precommit" -> [vPc EXCEPT ![p][m.round][m.value] = @ \cup {m.src}]
                [] m.type = "cert" -> [vPc EXCEPT ![p][m.round][m.value] = @ \cup m.signers]
                [] OTHER -> vPc

TraceInit ==
    /\ l = 1
    /\ act = "Init"
    /\ InitNodes
    /\ proposer = TraceProposer
    /\ proposals = [r \in Rounds |-> {}]
    /\ prevotes = NoVotes
    /\ precommits = NoVotes
    /\ started = [p \in Corr |-> FALSE]
    /\ fired = [p \in Corr |-> {}]
    /\ vProp = [p \in Corr |-> [r \in Rounds |-> {}]]
    /\ vPv = [p \in Corr |-> NoVotes]
    /\ vPc = [p \in Corr |-> NoVotes]
    /\ link = [f \in Nodes |-> [q \in Corr |-> {}]]

(***************************************************************************)
(* Lines that move messages or record inputs; no consensus action.         *)
(***************************************************************************)
IsRecv ==
    /\ Ev.event = "recv"
    /\ \E p \in {Ev.node}, m \in {EvMsg}, f \in {Ev.from} :
       /\ p \in Corr
       /\ WellFormed(m)
       /\ FaultySign(m)
       /\ IF f \in Nodes /\ f \in Corr /\ m \in link[f][p]
          THEN /\ link' = [link EXCEPT ![f][p] = @ \ {m}]
               /\ act' = "Receive"
          ELSE \* an untraced sender, or a copy of a message p already holds (a round hint)
               /\ f \notin Corr \/ InView(p, m)
               /\ In(proposals', prevotes', precommits', m)
               /\ UNCHANGED link
               /\ act' = IF <<proposals', prevotes', precommits'>> # msgVars
                         THEN "Receive (Byzantine signed)" ELSE "Receive (untraced link)"
       /\ AddToView(p, m)
    /\ UNCHANGED <<nodeVars, proposer, started, fired>>

IsSend ==
    /\ Ev.event = "send"
    /\ \E p \in {Ev.node}, m \in {EvMsg} :
       /\ p \in Corr
       /\ WellFormed(m)
       /\ Signed(m)
       /\ m.src = p \/ InView(p, m)
       /\ link' = [link EXCEPT ![p] = [q \in Corr |->
                     IF Ev.to = -1 \/ Ev.to = q THEN link[p][q] \cup {m} ELSE link[p][q]]]
    /\ act' = "Send"
    /\ UNCHANGED <<vars, started, fired, viewVars>>

IsTimeout ==
    /\ Ev.event = "timeout"
    /\ Ev.node \in Corr
    /\ fired' = IF Ev.round \in Rounds THEN [fired EXCEPT ![Ev.node] = @ \cup {<<Ev.kind, Ev.round>>}] ELSE fired
    /\ act' = "Timeout"
    /\ UNCHANGED <<vars, started, viewVars, link>>

IsState ==
    /\ Ev.event = "state"
    /\ \E p \in {Ev.node} :
       /\ p \in Corr
       /\ decision[p] = None
       /\ round[p] = Ev.round
       /\ IF Ev.step = "newHeight" THEN ~started[p] ELSE started[p] /\ step[p] = Ev.step
       /\ lockedValue[p] = ValN(Ev.lockedValue)
       /\ lockedRound[p] = Ev.lockedRound
       /\ validValue[p] = ValN(Ev.validValue)
       /\ validRound[p] = Ev.validRound
    /\ act' = "State"
    /\ UNCHANGED <<vars, started, fired, viewVars, link>>

(***************************************************************************)
(* Consensus actions of a correct node, on its view.                       *)
(***************************************************************************)

\* StartRound(p, r) puts p's proposal into its view and the store: the one on the next line.
Proposed(p, r) ==
    IF proposer[r] = p /\ NextLine.event = "propose" /\ NextLine.node = p /\ NextLine.round = r
    THEN LET pr == Prop(NextLine.value, NextLine.validRound) IN
         /\ vProp' = [vProp EXCEPT ![p][r] = @ \cup {pr}]
         /\ proposals' = [proposals EXCEPT ![r] = @ \cup {pr}]
    ELSE UNCHANGED <<vProp, proposals>>

\* CONS-RULE.1 (round 0), CONS-TIMEOUT.3, CONS-RULE.9.
IsRound ==
    /\ Ev.event = "round"
    /\ \E p \in {Ev.node}, r \in {Ev.round} :
       /\ p \in Corr
       /\ r \in Rounds
       /\ decision[p] = None
       /\ Proposed(p, r)
       /\ UNCHANGED <<vPv, vPc, link, prevotes, precommits, fired>>
       /\ started' = [started EXCEPT ![p] = TRUE]
       /\ IF r = 0
          THEN /\ ~started[p]
               \* CONS-COMMITWAIT.1: after a decision, round 0 waits for the commit timer
               /\ Ev.cause = "timeout" => <<"commit", 0>> \in fired[p]
               /\ V(p)!StartRound(p, 0)
               /\ UNCHANGED <<decision, lockedValue, lockedRound, validValue, validRound, proposer>>
               /\ act' = "CONS-RULE.1 round 0"
          ELSE /\ started[p]
               /\ \/ /\ Ev.cause = "timeout"
                     /\ <<"precommit", round[p]>> \in fired[p]
                     /\ V(p)!OnTimeoutPrecommit(p)
                     /\ act' = "CONS-TIMEOUT.3"
                  \/ /\ Ev.cause = "rule"
                     /\ V(p)!OnRoundSkip(p, r)
                     /\ act' = "CONS-RULE.9"
               /\ round'[p] = r

IsPropose ==
    /\ Ev.event = "propose"
    /\ \E p \in {Ev.node} : LET m == Msg("proposal", p, Ev.round, Ev.value, Ev.validRound, {}) IN
       /\ p \in Corr
       /\ proposer[Ev.round] = p
       /\ round[p] = Ev.round
       /\ Signed(m)
       /\ InView(p, m)
    /\ act' = "Propose"
    /\ UNCHANGED <<vars, started, fired, viewVars, link>>

\* Labels that say which branch of a rule a prevote took (what the lock test decided).
Rule2Label(p, v) ==
    IF v # Nil
    THEN IF lockedRound[p] = -1 THEN "CONS-RULE.2 prevote block (unlocked)" ELSE "CONS-RULE.2 prevote block (locked on it)"
    ELSE IF \E x \in ValidValues : Prop(x, -1) \in vProp[p][round[p]] /\ lockedRound[p] # -1 /\ lockedValue[p] # x
         THEN "CONS-RULE.2 prevote nil (locked on another block)"
         ELSE "CONS-RULE.2 prevote nil (invalid block)"

Rule3Label(p, v) ==
    IF v # Nil
    THEN IF lockedRound[p] # -1 /\ lockedValue[p] # v
         THEN "CONS-RULE.3 prevote block (locked on another, lockedRound <= vr)"
         ELSE "CONS-RULE.3 prevote block"
    ELSE IF \E x \in ValidValues, vr \in Rounds :
                /\ vr < round[p] /\ Prop(x, vr) \in vProp[p][round[p]] /\ V(p)!Polka(vr, x)
                /\ lockedRound[p] > vr /\ lockedValue[p] # x
         THEN "CONS-RULE.3 prevote nil (locked after vr)"
         ELSE "CONS-RULE.3 prevote nil (invalid block)"

IsPrevote ==
    /\ Ev.event = "prevote"
    /\ \E p \in {Ev.node}, r \in {Ev.round}, v \in {Val(Ev.value)} :
       /\ p \in Corr /\ started[p] /\ round[p] = r /\ v \in VoteValues
       /\ vPv' = [vPv EXCEPT ![p][r][v] = @ \cup {p}]
       /\ prevotes' = [prevotes EXCEPT ![r][v] = @ \cup {p}]
       /\ UNCHANGED <<vProp, vPc, link, proposals, precommits, started, fired>>
       /\ \/ Ev.cause = "rule" /\ V(p)!UponProposalInPropose(p) /\ act' = Rule2Label(p, v)
          \/ Ev.cause = "rule" /\ V(p)!UponProposalInProposeAndPrevote(p) /\ act' = Rule3Label(p, v)
          \/ /\ Ev.cause = "timeout"
             /\ <<"propose", r>> \in fired[p]
             /\ V(p)!OnTimeoutPropose(p)
             /\ act' = "CONS-TIMEOUT.1"

IsPrecommit ==
    /\ Ev.event = "precommit"
    /\ \E p \in {Ev.node}, r \in {Ev.round}, v \in {Val(Ev.value)} :
       /\ p \in Corr /\ started[p] /\ round[p] = r /\ v \in VoteValues
       /\ vPc' = [vPc EXCEPT ![p][r][v] = @ \cup {p}]
       /\ precommits' = [precommits EXCEPT ![r][v] = @ \cup {p}]
       /\ UNCHANGED <<vProp, vPv, link, proposals, prevotes, started, fired>>
       /\ \/ Ev.cause = "rule" /\ V(p)!UponProposalInPrevoteOrCommitAndPrevote(p) /\ act' = "CONS-RULE.5 lock and precommit"
          \/ Ev.cause = "rule" /\ V(p)!UponQuorumOfPrevotesNil(p) /\ act' = "CONS-RULE.6"
          \/ /\ Ev.cause = "timeout"
             /\ <<"prevote", r>> \in fired[p]
             /\ V(p)!OnTimeoutPrevote(p)
             /\ act' = "CONS-TIMEOUT.2"

\* (The frame goes first: V(p)'s actions read p's primed view.)
IsValid ==
    /\ Ev.event = "valid"
    /\ UNCHANGED <<msgVars, started, fired, viewVars, link>>
    /\ \E p \in {Ev.node} :
       /\ p \in Corr /\ started[p]
       /\ round[p] = Ev.round
       /\ step[p] = "precommit"
       /\ V(p)!UponProposalInPrevoteOrCommitAndPrevote(p)
       /\ validValue'[p] = Ev.value
    /\ act' = "CONS-RULE.5 valid (step precommit)"

IsDecide ==
    /\ Ev.event = "decide"
    /\ UNCHANGED <<msgVars, started, fired, viewVars, link>>
    /\ \E p \in {Ev.node} :
       /\ p \in Corr
       /\ Ev.round \in Rounds
       /\ V(p)!Decide(p, Ev.round, Ev.value)
    /\ act' = "CONS-RULE.8"

TraceNext ==
    /\ l <= Len(Trace)
    /\ \/ IsRecv \/ IsSend \/ IsTimeout \/ IsState
       \/ IsRound \/ IsPropose \/ IsPrevote \/ IsPrecommit \/ IsValid \/ IsDecide
    /\ l' = l + 1

TraceSpec == TraceInit /\ [][TraceNext]_traceVars

\* Violated exactly when a behaviour matched every line: the trace is ACCEPTED.
TraceUnfinished == l <= Len(Trace)

\* What TLC prints of each state of the accepting behaviour.
TraceAlias == [line |-> l - 1, act |-> act]

\* Postcondition (checked only when no behaviour matched every line): print the first line that the
\* deepest behaviour could not match. The trace is REJECTED there.
TraceAccepted ==
    LET d == TLCGet("stats").diameter IN
    IF d - 1 = Len(Trace) THEN TRUE
    ELSE Print(<<"TRACE REJECTED at line", d, "of", Len(Trace), Trace[d]>>, FALSE)

=============================================================================
