--------------------------- MODULE PoAILiveness ---------------------------
(***************************************************************************)
(* Liveness of one height (CONS-LIVE.1): after GST, with Byzantine power   *)
(* below 1/3 and a correct proposer in some round after GST, every correct *)
(* validator eventually decides. The correct validators run the actions   *)
(* of PoAIConsensus unchanged; this module adds                            *)
(*  - gst: FALSE until the Global Stabilization Time, then TRUE. Before    *)
(*    GST every timeout may fire at any time (asynchrony). From GST on,    *)
(*    messages are delivered and timeouts have grown beyond the delivery   *)
(*    delay and the correct validators' round skew: a timeout fires only   *)
(*    when no correct validator has a message-driven step to take, and     *)
(*    only once what it waits for cannot come from a correct validator     *)
(*    (TimelyAfterGST).                                                    *)
(*  - GST happens while every correct validator is in round 0: before GST  *)
(*    no correct validator leaves round 0 (the model has finitely many     *)
(*    rounds, so it must leave the protocol rounds after GST to work       *)
(*    with); every round after 0 has a correct proposer                    *)
(*    (LiveProposer; with the stake draw of LE-FALLBACK.2 each round has a *)
(*    correct proposer with probability > 2/3).                            *)
(*  - The Byzantine validators are silent (they withhold everything, the   *)
(*    adversary that attacks liveness) or flood (they signed every message *)
(*    at Init, SpecFlood), chosen at Init.                                 *)
(*  - Fairness: weak fairness on the correct validators' steps and on GST. *)
(*    The Byzantine validators have no steps.                              *)
(* Termination: every correct validator eventually decides.                *)
(***************************************************************************)
EXTENDS PoAIConsensus

VARIABLE gst

liveVars == <<vars, gst>>

\* Steps driven by messages in the store (no timer involved).
MessageStep(p) ==
    \/ UponProposalInPropose(p)
    \/ UponProposalInProposeAndPrevote(p)
    \/ UponProposalInPrevoteOrCommitAndPrevote(p)
    \/ UponQuorumOfPrevotesNil(p)
    \/ UponQuorumOfPrecommits(p)
    \/ \E r \in Rounds : OnRoundSkip(p, r)

\* Timeouts have grown beyond the delivery delay: no correct validator has a message to act on.
Quiet == \A q \in Corr : ~ENABLED MessageStep(q)

\* ... and beyond the skew between the correct validators' rounds: a timer of p at round r fires
\* only once what it waits for cannot come from a correct validator any more: the proposal of a
\* correct proposer always comes in time; prevotes (precommits) of round r are awaited from every
\* correct validator still undecided and not past round r.
Waited(p, kind) ==
    CASE kind = "propose" -> proposer[round[p]] \notin Corr
      [] kind = "prevote" -> \A q \in Corr : decision[q] # None \/ round[q] > round[p] \/ q \in PrevotesAny(round[p])
      [] kind = "precommit" -> \A q \in Corr : decision[q] # None \/ round[q] > round[p] \/ q \in PrecommitsAny(round[p])

\* After GST a timer fires only then. Overridable: MC_live_nogst sets it to TRUE (timers may
\* expire before delivery in every round: GST never comes).
TimelyAfterGST(p, kind) == gst => (Quiet /\ Waited(p, kind))

TimeoutStep(p) ==
    \/ OnTimeoutPropose(p) /\ TimelyAfterGST(p, "propose")
    \/ OnTimeoutPrevote(p) /\ TimelyAfterGST(p, "prevote")
    \/ OnTimeoutPrecommit(p) /\ TimelyAfterGST(p, "precommit")

\* Proposer functions of the liveness scenarios: a correct proposer in every round after 0.
LiveProposer == \A r \in 1..MaxRound : proposer[r] \in Corr

LiveInit ==
    /\ InitNodes
    /\ InitProposer
    /\ LiveProposer
    /\ gst = FALSE
    /\ \/ \* silent Byzantine validators
          /\ \E p0 \in Round0Proposals : proposals = [r \in Rounds |-> IF r = 0 THEN p0 ELSE {}]
          /\ prevotes = NoVotes
          /\ precommits = NoVotes
       \/ \* flooding Byzantine validators
          /\ \E p0 \in Round0Proposals :
               proposals = [r \in Rounds |-> (IF r = 0 THEN p0 ELSE {}) \cup FloodProposals(r)]
          /\ prevotes = FloodVotes
          /\ precommits = FloodVotes

\* Before GST the correct validators stay in round 0 (GST comes before any leaves it).
LiveCorrectStep(p) ==
    /\ \/ MessageStep(p)
       \/ TimeoutStep(p)
    /\ gst \/ round'[p] = 0
    /\ UNCHANGED gst

\* GST comes while every correct validator is still in round 0.
GST ==
    /\ ~gst
    /\ \A p \in Corr : round[p] = 0
    /\ gst' = TRUE
    /\ UNCHANGED vars

LiveNext == (\E p \in Corr : LiveCorrectStep(p)) \/ GST

LiveSpec ==
    /\ LiveInit /\ [][LiveNext]_liveVars
    /\ \A p \in Corr : WF_liveVars(LiveCorrectStep(p))
    /\ WF_liveVars(GST)

\* The same without fairness: a validator may stop taking steps it is able to take.
LiveSpecNoFairness == LiveInit /\ [][LiveNext]_liveVars

\* CONS-LIVE.1: every correct validator eventually decides.
Termination == <>(\A p \in Corr : decision[p] # None)

=============================================================================
