-------------------- MODULE MC_red_acc --------------------
(***************************************************************************)
(* Issue 9 item 11, the accountability reduction: MC_acc's setting        *)
(* (correct c1, c2 of power 1, Byzantine b of power 2, forks possible),    *)
(* rounds 0..1, one proposer function (c1 in both rounds, the assignment   *)
(* of MC_acc_equivocation's amnesia fork), checked under the plain Spec    *)
(* (b's messages interleaved, any message any time) and under SpecAcc:     *)
(* both must pass Accountability for the real accusation and both must     *)
(* find the violation for the window mutant r1..r2.                        *)
(***************************************************************************)
EXTENDS PoAIConsensus, TLC

CONSTANTS c1, c2, b, v1, v2, nil, none

MC_Corr == {c1, c2}
MC_Faulty == {b}
MC_Power == (c1 :> 1) @@ (c2 :> 1) @@ (b :> 2)
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
MC_InvalidValues == {}
MC_MaxRound == 1
MC_FaultyVoteValues == MC_ValidValues \cup {nil}
MC_ProposerFunctions == {(0 :> c1) @@ (1 :> c1)}

\* The proposer function tells c1 and c2 apart: symmetry over blocks only.
MC_Symmetry == Permutations(MC_ValidValues)

\* The mutant of MC_mut_amnesia_window_excuse.
MC_AmnesiaWindow(r1, r2) == r1..r2
=============================================================================
