----------------------------- MODULE PoAITrace -----------------------------
(***************************************************************************)
(* Trace validation (the technique CCF uses for its Raft): is a trace of   *)
(* the implementation a behaviour of PoAIConsensus?                        *)
(*                                                                         *)
(* The trace is the NDJSON written by src/drivers/Trace.ts for ONE height, *)
(* with the fields normalized by the runner (src/models/TraceValidation.ts *)
(* writes it and a module Trace_<name> that extends this one and binds the *)
(* constants: validators, stake, valid blocks, rounds, the beacon's        *)
(* proposers and the file). Each line is one event; TraceNext matches line *)
(* l with one action of PoAIConsensus that is enabled in the current state *)
(* and whose effect is the event:                                          *)
(*                                                                         *)
(*   round          StartRound via CONS-RULE.9 or CONS-TIMEOUT.3 (round 0: *)
(*                  already there)                                         *)
(*   propose        the proposal StartRound (or Init) put in the store     *)
(*   prevote        CONS-RULE.2, CONS-RULE.3 or CONS-TIMEOUT.1             *)
(*   precommit      CONS-RULE.5, CONS-RULE.6 or CONS-TIMEOUT.2             *)
(*   valid          CONS-RULE.5 at step precommit                          *)
(*   decide         CONS-RULE.8 with a quorum at the event's round         *)
(*   byz-*          FaultyPropose/FaultyPrevote/FaultyPrecommit            *)
(*                                                                         *)
(* The trace is accepted iff some behaviour matches every line: the        *)
(* postcondition TraceAccepted checks that the longest behaviour TLC found *)
(* consumed the whole trace, and prints the first line it could not match. *)
(***************************************************************************)
EXTENDS PoAIConsensus, Json, Sequences, TLC

CONSTANTS
    \* Absolute path of the NDJSON trace of one height.
    TraceFile,
    \* [Rounds -> Validators]: the beacon's proposer of each round, from the trace's round events.
    TraceProposer

Trace == ndJsonDeserialize(TraceFile)

VARIABLE
    \* The next line of the trace to match.
    l

traceVars == <<vars, l>>

Ev == Trace[l]
\* "nil" in the trace is the vote for nil.
Val(x) == IF x = "nil" THEN Nil ELSE x

TraceInit ==
    /\ l = 1
    /\ InitNodes
    /\ proposer = TraceProposer
    /\ \E p0 \in Round0Proposals : proposals = [r \in Rounds |-> IF r = 0 THEN p0 ELSE {}]
    /\ prevotes = NoVotes
    /\ precommits = NoVotes

IsRound ==
    /\ Ev.event = "round"
    /\ IF Ev.round = 0
       THEN round[Ev.node] = 0 /\ UNCHANGED vars
       ELSE /\ OnTimeoutPrecommit(Ev.node) \/ OnRoundSkip(Ev.node, Ev.round)
            /\ round'[Ev.node] = Ev.round

IsPropose ==
    /\ Ev.event = "propose"
    /\ proposer[Ev.round] = Ev.node
    /\ round[Ev.node] = Ev.round
    /\ Prop(Ev.value, Ev.validRound) \in proposals[Ev.round]
    /\ UNCHANGED vars

IsPrevote ==
    /\ Ev.event = "prevote"
    /\ round[Ev.node] = Ev.round
    /\ \/ UponProposalInPropose(Ev.node)
       \/ UponProposalInProposeAndPrevote(Ev.node)
       \/ OnTimeoutPropose(Ev.node)
    /\ Ev.node \in prevotes'[Ev.round][Val(Ev.value)]

IsPrecommit ==
    /\ Ev.event = "precommit"
    /\ round[Ev.node] = Ev.round
    /\ \/ UponProposalInPrevoteOrCommitAndPrevote(Ev.node)
       \/ UponQuorumOfPrevotesNil(Ev.node)
       \/ OnTimeoutPrevote(Ev.node)
    /\ Ev.node \in precommits'[Ev.round][Val(Ev.value)]

IsValid ==
    /\ Ev.event = "valid"
    /\ round[Ev.node] = Ev.round
    /\ step[Ev.node] = "precommit"
    /\ UponProposalInPrevoteOrCommitAndPrevote(Ev.node)
    /\ validValue'[Ev.node] = Ev.value

IsDecide ==
    /\ Ev.event = "decide"
    /\ Decide(Ev.node, Ev.round, Ev.value)

IsFaulty ==
    \/ Ev.event = "byz-proposal" /\ FaultyPropose(Ev.src, Ev.round, Ev.value, Ev.validRound)
    \/ Ev.event = "byz-prevote" /\ FaultyPrevote(Ev.src, Ev.round, Val(Ev.value))
    \/ Ev.event = "byz-precommit" /\ FaultyPrecommit(Ev.src, Ev.round, Val(Ev.value))

TraceNext ==
    /\ l <= Len(Trace)
    /\ IsRound \/ IsPropose \/ IsPrevote \/ IsPrecommit \/ IsValid \/ IsDecide \/ IsFaulty
    /\ l' = l + 1

TraceSpec == TraceInit /\ [][TraceNext]_traceVars

\* Postcondition: the deepest state TLC reached consumed every line.
TraceAccepted ==
    LET d == TLCGet("stats").diameter IN
    IF d - 1 = Len(Trace) THEN TRUE
    ELSE Print(<<"TRACE REJECTED at line", d, "of", Len(Trace), Trace[d]>>, FALSE)

=============================================================================
