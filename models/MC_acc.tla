------------------------------- MODULE MC_acc -------------------------------
(***************************************************************************)
(* Accountability when Agreement can fail: two correct validators of power *)
(* 1 and one Byzantine validator of power 2 (1/2 of the total, >= 1/3).    *)
(* A quorum needs 3, so {b, c1} and {b, c2} are quorums that meet only in  *)
(* b. Checked under SpecAcc, which covers every adversary (see the         *)
(* reduction argument in PoAIConsensus). Accountability must hold:         *)
(* whenever c1 and c2 decide differently, b is convicted of equivocation   *)
(* or amnesia. MC_acc_equivocation shows amnesia is needed.                *)
(***************************************************************************)
EXTENDS PoAIConsensus, TLC

CONSTANTS c1, c2, b, v1, v2, nil, none

MC_Corr == {c1, c2}
MC_Faulty == {b}
MC_Power == (c1 :> 1) @@ (c2 :> 1) @@ (b :> 2)
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
\* Invalid blocks only give correct validators a reason to prevote nil, which a timeout gives
\* them too, and a Byzantine proposal of one can only add convictions: leaving them out keeps
\* every counterexample to Accountability.
MC_InvalidValues == {}
MC_MaxRound == 1
\* See FaultyVoteValues in PoAIConsensus.
MC_FaultyVoteValues == MC_ValidValues \cup {nil}

MC_Symmetry == Permutations(MC_Corr) \cup Permutations(MC_ValidValues)
=============================================================================
