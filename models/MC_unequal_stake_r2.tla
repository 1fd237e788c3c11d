-------------------------- MODULE MC_unequal_stake_r2 --------------------------
(***************************************************************************)
(* Unequal stake: powers 3, 2, 2, 1 (total 8). The Byzantine validator     *)
(* holds 2 (1/4 < 1/3); a quorum needs power >= 6, so every quorum holds   *)
(* the power-3 validator, and the three correct validators together hold   *)
(* exactly a quorum. c1 has no quality weight: never proposer in rounds    *)
(* 0..1, a candidate in round 2 (LE-FALLBACK.2: rounds >= qualityRounds    *)
(* draw by stake). Rounds 0..2, by simulation (too large for exhaustive    *)
(* search here). Agreement and Validity must hold.                         *)
(***************************************************************************)
EXTENDS PoAIConsensus, TLC

CONSTANTS c3, c2, c1, b2, v1, v2, bad, nil, none

MC_Corr == {c3, c2, c1}
MC_Faulty == {b2}
MC_Power == (c3 :> 3) @@ (c2 :> 2) @@ (c1 :> 1) @@ (b2 :> 2)
\* Windowed quality weight (LE-WINDOW.1): c1 has no verified work in the window, so the
\* beacon never draws it in rounds < qualityRounds (CONS-PROPOSER.1); the Byzantine validator can be drawn.
MC_QWeight == (c3 :> 5) @@ (c2 :> 1) @@ (c1 :> 0) @@ (b2 :> 2)
MC_ValidValues == {v1, v2}
MC_InvalidValues == {bad}
MC_MaxRound == 2

\* Validators differ in stake, so only the blocks are interchangeable.
MC_Symmetry == Permutations(MC_ValidValues)
=============================================================================
