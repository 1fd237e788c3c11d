-------------------- MODULE MC_mut_amnesia_window_excuse --------------------
(***************************************************************************)
(* Mutant of the accusation: the amnesia window ends one round late        *)
(* (r1..r2 instead of r1..(r2-1)), so the polka a validator's own prevote  *)
(* helps make at r2 excuses it. MC_acc setting, rounds 0..1. Expected: an  *)
(* Accountability violation (the amnesia fork of MC_acc_equivocation       *)
(* convicts no one).                                                       *)
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

\* Off by one: a polka at r2 itself excuses the prevote at r2.
MC_AmnesiaWindow(r1, r2) == r1..r2
=============================================================================
