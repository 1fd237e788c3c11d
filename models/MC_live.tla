-------------------- MODULE MC_live --------------------
(***************************************************************************)
(* Liveness (CONS-LIVE.1) on a small configuration: two correct validators *)
(* of power 2 and one Byzantine of power 1 (1/5), silent or flooding;      *)
(* rounds 0..2, GST during round 0, correct proposers in rounds 1..2, weak *)
(* fairness. Termination (every correct validator eventually decides) must *)
(* hold.                                                                   *)
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
