-------------------- MODULE MC_mut_amnesia_window_short --------------------
(***************************************************************************)
(* Mutant of the accusation: the amnesia window ends one round early       *)
(* (r1..(r2-2) instead of r1..(r2-1)), so the polka of the round just      *)
(* before the prevote no longer excuses it. For r2 = r1 + 1 the window is  *)
(* empty: a correct validator locked on v at r1 that prevotes at r1 + 1 a  *)
(* re-proposal of v' with valid round r1 (CONS-RULE.3, lockedRound <= vr)  *)
(* is convicted; that needs polkas for v and v' at r1 (more than 1/3 of    *)
(* the power prevoting both). MC_n4_f2's setting (2 correct + 2 Byzantine  *)
(* of power 1), SpecFlood, rounds 0..1; every SpecFlood state is a Spec    *)
(* state. (With Byzantine power <= 1/3 the mutant convicts at r2 = r1 + 2: *)
(* MC_acc's setting at rounds 0..2 with one proposer function passed 2.4M  *)
(* distinct states at depth 7 in 4 minutes without reaching it.)           *)
(* Expected: NoFalseAccusation violated.                                   *)
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

\* Off by one at the end: the polka at r2 - 1 no longer excuses.
MC_AmnesiaWindow(r1, r2) == r1..(r2 - 2)
=============================================================================
