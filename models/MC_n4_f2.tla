------------------------------ MODULE MC_n4_f2 ------------------------------
(***************************************************************************)
(* Negative scenario: 4 validators of equal stake, 2 Byzantine (power 1/2, *)
(* >= 1/3). Quorums of 3 intersect in 2 validators, which may both be      *)
(* Byzantine: TLC must find an Agreement violation.                        *)
(***************************************************************************)
EXTENDS PoAIConsensus, TLC

CONSTANTS c1, c2, b1, b2, v1, v2, bad, nil, none

MC_Corr == {c1, c2}
MC_Faulty == {b1, b2}
MC_Power == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
MC_InvalidValues == {bad}
MC_MaxRound == 1

MC_Symmetry == Permutations(MC_Corr) \cup Permutations(MC_Faulty) \cup Permutations(MC_ValidValues)
=============================================================================
