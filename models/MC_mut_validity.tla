-------------------- MODULE MC_mut_validity --------------------
(***************************************************************************)
(* Mutant: Decide without its validity test (CONS-RULE.8 takes any block   *)
(* with a quorum of precommits), paired with two correct validators whose  *)
(* validateBlock accepts invalid blocks (they prevote and precommit one).  *)
(* MC_n4_f1 setting, round 0. The Byzantine validator and the two broken   *)
(* validators make a quorum for the invalid block; the third correct       *)
(* validator decides it. Expected: a Validity violation (with the test in  *)
(* Decide, Validity holds: MC_n4_f1).                                      *)
(***************************************************************************)
EXTENDS PoAIConsensus, TLC

CONSTANTS c1, c2, c3, b1, v1, v2, bad, nil, none

MC_Corr == {c1, c2, c3}
MC_Faulty == {b1}
MC_Power == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
MC_InvalidValues == {bad}
MC_MaxRound == 0

\* Correct validators of equal stake and equal Q are interchangeable, and so are valid blocks.
MC_Symmetry == Permutations(MC_Corr) \cup Permutations(MC_ValidValues)

\* Decide without validity.
MC_DecideAccepts(p, v) == TRUE
\* c1 and c2 accept every block.
MC_AcceptsBlock(p, v) == v \in MC_ValidValues \/ p \in {c1, c2}

\* c1, c2 differ from c3 here: only blocks are interchangeable.
MC_Symmetry2 == Permutations(MC_ValidValues)
=============================================================================
