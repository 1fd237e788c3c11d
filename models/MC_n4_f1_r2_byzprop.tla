-------------------- MODULE MC_n4_f1_r2_byzprop --------------------
(***************************************************************************)
(* MC_n4_f1 at rounds 0..2 with one proposer function: the beacon picks    *)
(* the Byzantine validator in every round (it floods: every block with     *)
(* every valid round). Exhaustive over the correct validators' schedules   *)
(* for this proposer function only; MC_n4_f1_r2 samples all of them.       *)
(* MC_mut_lock_reproposal (the same bounds, CONS-RULE.3's lock test        *)
(* deleted) is rejected, so these bounds reach the lock test.              *)
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

\* The beacon picks the Byzantine validator in every round (one proposer function of MC_n4_f1_r2).
MC_ProposerFunctions == {[r \in 0..MC_MaxRound |-> b1]}

=============================================================================
