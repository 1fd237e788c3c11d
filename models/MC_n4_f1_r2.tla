-------------------- MODULE MC_n4_f1_r2 --------------------
(***************************************************************************)
(* MC_n4_f1 at rounds 0..2 (CometBFT's MaxRound 2): 4 validators of equal  *)
(* stake, 1 Byzantine (1/4). At rounds 0..1 a lock is always taken at      *)
(* round 0 and a re-proposal names valid round 0, so the lock test of      *)
(* CONS-RULE.3 (lockedRound <= vr) is always true there; round 2 is the    *)
(* first at which it can be false. Too large for exhaustive search on 2    *)
(* cores: checked by simulation (-simulate, fixed seed, see                *)
(* scenarios.json). MC_mut_lock_reproposal shows the bounds reach the lock *)
(* test.                                                                   *)
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
=============================================================================
