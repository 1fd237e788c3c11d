-------------------- MODULE MC_live_byz_third --------------------
(***************************************************************************)
(* MC_live with the Byzantine validator at 1/3 of the power (powers 1, 1,  *)
(* 1): no quorum without it, and it may stay silent. Expected: Termination *)
(* violated.                                                               *)
(***************************************************************************)
EXTENDS PoAILiveness, TLC

CONSTANTS c1, c2, b, v1, v2, nil, none

MC_Corr == {c1, c2}
MC_Faulty == {b}
MC_Power == (c1 :> 1) @@ (c2 :> 1) @@ (b :> 1)
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
MC_InvalidValues == {}
MC_MaxRound == 2

=============================================================================
