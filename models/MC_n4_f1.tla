----------------------------- MODULE MC_n4_f1 -----------------------------
(***************************************************************************)
(* 4 validators of equal stake, 1 Byzantine (power 1/4 < 1/3).            *)
(* Agreement, Validity, Accountability must hold.                          *)
(***************************************************************************)
EXTENDS PoAIConsensus, TLC

\* Model values, declared here and bound to themselves in the .cfg.
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
=============================================================================
