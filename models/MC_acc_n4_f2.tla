-------------------- MODULE MC_acc_n4_f2 --------------------
(***************************************************************************)
(* Accountability with two Byzantine validators of equal power (CometBFT's *)
(* n4_f2): correct c1, c2 and Byzantine b1, b2, all of power 1. Together   *)
(* the Byzantine hold 1/2 (forks are possible), each alone 1/4 < 1/3, so   *)
(* SpecAcc lets either one flood (FloodSets = {}, {b1}, {b2}) while the    *)
(* other signs one proposal and one prevote and precommit per round. This  *)
(* is the case MC_acc (one Byzantine of power 2, never a flooder) does not *)
(* explore. Rounds 0..1, every proposer function (ProposerFunctions: any   *)
(* validator in rounds 0..1, all have Q = 1). Accountability and           *)
(* NoFalseAccusation must hold.                                            *)
(***************************************************************************)
EXTENDS PoAIConsensus, TLC

CONSTANTS c1, c2, b1, b2, v1, v2, nil, none

MC_Corr == {c1, c2}
MC_Faulty == {b1, b2}
MC_Power == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
\* As in MC_acc: invalid blocks only add nil-like votes and convictions.
MC_InvalidValues == {}
MC_MaxRound == 1
\* See FaultyVoteValues in PoAIConsensus.
MC_FaultyVoteValues == MC_ValidValues \cup {nil}

MC_Symmetry == Permutations(MC_Corr) \cup Permutations(MC_Faulty) \cup Permutations(MC_ValidValues)
=============================================================================
