-------------------- MODULE MC_mut_amnesia_window_late_start --------------------
(***************************************************************************)
(* Mutant of the accusation: the amnesia window starts one round late     *)
(* ((r1+1)..(r2-1) instead of r1..(r2-1)), so a polka at the round of the  *)
(* precommit no longer excuses a later prevote. A correct validator that   *)
(* locked v at r1 and prevotes a re-proposal of v' with valid round r1     *)
(* (CONS-RULE.3, lockedRound <= vr) is then convicted. That needs polkas   *)
(* for v and v' in one round, i.e. prevote equivocation by more than 1/3   *)
(* of the power: MC_n4_f2's setting (2 correct + 2 Byzantine of power 1),  *)
(* SpecFlood, rounds 0..1. Every SpecFlood state is a Spec state, so the   *)
(* counterexample is one of Spec. (Under SpecAcc this mutant cannot fail:  *)
(* its flooders hold at most 1/3.) Expected: NoFalseAccusation violated.   *)
(***************************************************************************)
EXTENDS PoAIConsensus, TLC

CONSTANTS c1, c2, b1, b2, v1, v2, nil, none

MC_Corr == {c1, c2}
MC_Faulty == {b1, b2}
MC_Power == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
MC_InvalidValues == {}
MC_MaxRound == 1
MC_FaultyVoteValues == MC_ValidValues \cup {nil}

MC_Symmetry == Permutations(MC_Corr) \cup Permutations(MC_Faulty) \cup Permutations(MC_ValidValues)

\* Off by one at the start: a polka at r1 itself no longer excuses.
MC_AmnesiaWindow(r1, r2) == (r1 + 1)..(r2 - 1)
=============================================================================
