-------------------- MODULE MC_multiheight --------------------
(***************************************************************************)
(* Two heights with slashing in between (PoAIMultiHeight). Genesis table:  *)
(* correct c1 = 2, c2 = 2, Byzantine b = 1 (T = 5, 3*1 < 5). Slashing     *)
(* burns the whole stake (SlashPpm = 10^6: a slashed validator is          *)
(* removed). Only equivocators are slashed (LEDGER-SLASH.2), so height 2's *)
(* table is the genesis one or {c1, c2}; Agreement and Validity must hold  *)
(* at both heights, and the Byzantine power at height 2 stays below 1/3 of *)
(* height 2's total. Rounds 0..1 per height, every proposer function at    *)
(* both heights. (The setting of MC_multiheight_badslash, three correct    *)
(* validators, does not fit exhaustively with every proposer function.)    *)
(***************************************************************************)
EXTENDS PoAIMultiHeight, TLC

CONSTANTS c1, c2, b, v1, v2, nil, none

MC_Corr == {c1, c2}
MC_Faulty == {b}
MC_Power == (c1 :> 2) @@ (c2 :> 2) @@ (b :> 1)
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
\* Validity is checked with invalid blocks in the one-height scenarios; none here.
MC_InvalidValues == {}
MC_MaxRound == 1
MC_SlashPpm == 1000000

MC_Symmetry == Permutations(MC_Corr) \cup Permutations(MC_ValidValues)
=============================================================================
