------------------------------- MODULE MC_acc_equivocation -------------------------------
(***************************************************************************)
(* The MC_acc setting, checking AccountabilityByEquivocation: conviction   *)
(* from equivocation evidence alone, which is all src/core/Evidence.ts can *)
(* prove. Expected: TLC finds a fork whose culprit never equivocated (it   *)
(* only went back on its lock), so no evidence convicts it on chain        *)
(* (CONS-ACCOUNT.1).                                                       *)
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
