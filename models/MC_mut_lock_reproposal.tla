-------------------- MODULE MC_mut_lock_reproposal --------------------
(***************************************************************************)
(* Mutant: the lock test of CONS-RULE.3 deleted (a correct validator       *)
(* prevotes a re-proposal with a polka at its valid round whatever its     *)
(* lock). MC_n4_f1 setting, rounds 0..2: at rounds 0..1 the test is always *)
(* true and this mutant passes. Expected: an Agreement violation.          *)
(***************************************************************************)
EXTENDS PoAIConsensus, TLC

CONSTANTS c1, c2, c3, b1, v1, v2, bad, nil, none

MC_Corr == {c1, c2, c3}
MC_Faulty == {b1}
MC_Power == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
MC_InvalidValues == {bad}
MC_MaxRound == 2

\* Correct validators of equal stake and equal Q are interchangeable, and so are valid blocks.
MC_Symmetry == Permutations(MC_Corr) \cup Permutations(MC_ValidValues)

\* The beacon picks the Byzantine validator in every round (one proposer function of MC_n4_f1_r2):
MC_ProposerFunctions == {[r \in 0..MC_MaxRound |-> b1]}

\* CONS-RULE.3 without its lock test.
MC_LockAllowsReproposal(p, v, vr) == TRUE
=============================================================================
