-------------------- MODULE MC_mut_amnesia_early --------------------
(***************************************************************************)
(* Mutant of the accusation: the amnesia window starts one round late      *)
(* ((r1+1)..(r2-1) instead of r1..(r2-1)), so a polka at the round a       *)
(* validator locked in no longer excuses its later prevote. MC_acc         *)
(* setting, rounds 0..1. A correct validator that locked v1 at round 0 and *)
(* prevotes a re-proposal of v2 with valid round 0 (CONS-RULE.3, allowed:  *)
(* lockedRound <= 0) is convicted. Expected: a NoFalseAccusation           *)
(* violation.                                                              *)
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

\* Off by one: the polka of the lock's own round no longer counts.
MC_AmnesiaWindow(r1, r2) == (r1 + 1)..(r2 - 1)
=============================================================================
