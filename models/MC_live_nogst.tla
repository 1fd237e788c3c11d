-------------------- MODULE MC_live_nogst --------------------
(***************************************************************************)
(* MC_live without GST: timers may expire before delivery in every round   *)
(* (TimelyAfterGST overridden to TRUE), with fairness; rounds 0..1 (the    *)
(* state space without timing constraints is larger). Expected:            *)
(* Termination violated (every round can end in nil votes).                *)
(***************************************************************************)
EXTENDS PoAILiveness, TLC

CONSTANTS c1, c2, b, v1, v2, nil, none

MC_Corr == {c1, c2}
MC_Faulty == {b}
MC_Power == (c1 :> 2) @@ (c2 :> 2) @@ (b :> 1)
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
MC_InvalidValues == {}
MC_MaxRound == 1

\* GST never comes: a timer may fire before the messages it waits for are delivered.
MC_TimelyAfterGST(p, kind) == TRUE

=============================================================================
