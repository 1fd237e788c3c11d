-------------------- MODULE MC_mut_lock_fresh --------------------
(***************************************************************************)
(* Mutant: the lock test of CONS-RULE.2 deleted (a correct validator       *)
(* prevotes a fresh proposal whatever its lock). MC_n4_f1 setting (1       *)
(* Byzantine of 4), rounds 0..1. Expected: an Agreement violation (a       *)
(* validator locked on v1 at round 0 helps decide v2 at round 1).          *)
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

\* CONS-RULE.2 without its lock test.
MC_LockAllowsFresh(p, v) == TRUE
=============================================================================
