-------------------- MODULE MC_mut_amnesia_window_short --------------------
(***************************************************************************)
(* Mutant of the accusation: the amnesia window ends one round early       *)
(* (r1..(r2-2) instead of r1..(r2-1)), so the polka of the round just      *)
(* before the prevote no longer excuses it. A correct validator c1 that    *)
(* locked v at 0 and prevotes at round 2 a re-proposal of v' with valid    *)
(* round 1 (CONS-RULE.3: lockedRound 0 <= vr 1; the polka for v' at 1     *)
(* comes from c2 and b) is convicted. MC_acc's setting (c1, c2 of power 1, *)
(* Byzantine b of power 2), SpecAcc, rounds 0..2, one proposer function   *)
(* (c1 in round 0, c2 in rounds 1 and 2) to keep the search small: a       *)
(* witness, not a pass. Every SpecAcc state is a Spec state. Expected:     *)
(* NoFalseAccusation violated.                                             *)
(***************************************************************************)
EXTENDS PoAIConsensus, TLC

CONSTANTS c1, c2, b, v1, v2, nil, none

MC_Corr == {c1, c2}
MC_Faulty == {b}
MC_Power == (c1 :> 1) @@ (c2 :> 1) @@ (b :> 2)
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
MC_InvalidValues == {}
MC_MaxRound == 2
MC_FaultyVoteValues == MC_ValidValues \cup {nil}
MC_ProposerFunctions == {(0 :> c1) @@ (1 :> c2) @@ (2 :> c2)}

\* No symmetry over c1, c2: the proposer function tells them apart (values are interchangeable).
MC_Symmetry == Permutations(MC_ValidValues)

\* Off by one at the end: the polka at r2 - 1 no longer excuses.
MC_AmnesiaWindow(r1, r2) == r1..(r2 - 2)
=============================================================================
