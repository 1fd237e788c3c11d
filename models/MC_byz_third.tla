----------------------------- MODULE MC_byz_third -----------------------------
(***************************************************************************)
(* Negative scenario with unequal stake: ONE Byzantine validator holding   *)
(* 3 of 7 (3/7 > 1/3) and four correct validators of power 1. A quorum     *)
(* needs 5; {b, c1, c2} and {b, c3, c4} are quorums that meet only in b.   *)
(* TLC must find an Agreement violation: stake, not head count, is what    *)
(* the 1/3 bound is about. One round suffices for the attack.             *)
(***************************************************************************)
EXTENDS PoAIConsensus, TLC

CONSTANTS c1, c2, c3, c4, b, v1, v2, bad, nil, none

MC_Corr == {c1, c2, c3, c4}
MC_Faulty == {b}
MC_Power == [q \in MC_Corr |-> 1] @@ (b :> 3)
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
MC_InvalidValues == {bad}
MC_MaxRound == 0

MC_Symmetry == Permutations(MC_Corr) \cup Permutations(MC_ValidValues)
=============================================================================
