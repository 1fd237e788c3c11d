-------------------- MODULE MC_live_nofair --------------------
(***************************************************************************)
(* MC_live without fairness (LiveSpecNoFairness): a validator may stop     *)
(* taking the steps it can take. Expected: Termination violated.           *)
(***************************************************************************)
EXTENDS PoAILiveness, TLC

CONSTANTS c1, c2, b, v1, v2, nil, none

MC_Corr == {c1, c2}
MC_Faulty == {b}
MC_Power == (c1 :> 2) @@ (c2 :> 2) @@ (b :> 1)
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
MC_InvalidValues == {}
MC_MaxRound == 2

=============================================================================
