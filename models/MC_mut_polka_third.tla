-------------------- MODULE MC_mut_polka_third --------------------
(***************************************************************************)
(* Mutant: the rules count a polka at > 1/3 of the power instead of > 2/3  *)
(* (CONS-POWER.2 weakened in CONS-RULE.3, .5, .6). MC_n4_f1 setting,       *)
(* rounds 0..1. Expected: an Agreement violation.                          *)
(***************************************************************************)
EXTENDS PoAIConsensus, TLC

CONSTANTS c1, c2, c3, b1, v1, v2, bad, nil, none

MC_Corr == {c1, c2, c3}
MC_Faulty == {b1}
MC_Power == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
MC_InvalidValues == {bad}
MC_MaxRound == 1

\* Correct validators of equal stake and equal Q are interchangeable, and so are valid blocks.
MC_Symmetry == Permutations(MC_Corr) \cup Permutations(MC_ValidValues)

\* A polka at > 1/3 of the power.
MC_PolkaPower(S) == IsOneThird(S)
=============================================================================
