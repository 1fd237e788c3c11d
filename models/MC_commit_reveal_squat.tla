-------------------- MODULE MC_commit_reveal_squat --------------------
(***************************************************************************)
(* Regression guard: the core between commits b399a95 and ae761ac, which   *)
(* registered commitments (and kept them in the mempool) per commitment    *)
(* VALUE, and revealed only under its own registration. The copier         *)
(* re-signs the worker's commitment value and gets it registered first;    *)
(* the worker's own commitment is rejected as a duplicate and, its salt    *)
(* being derived from the claim, can never be committed again. Griefing,   *)
(* not theft. Expected: TLC finds a NoPreemption violation.                *)
(***************************************************************************)
EXTENDS CommitReveal

MC_Workers == {"w1"}
MC_WorkOf == [w \in MC_Workers |-> "work1"]
MC_Copier == "copier"
MC_HonestEvaluators == {}
MC_ByzEvaluators == {}
MC_Scores == {"low", "high"}
MC_ScoreOf == [e \in MC_HonestEvaluators |-> "high"]
\* A window of 2 lets the adversary delay an honest reveal by one block.
MC_RevealWindow == 2
MC_ScoreClose == 2
MC_MaxHeight == 5
MC_KeyByWorker == FALSE
MC_RevealChecksOwner == TRUE
MC_RevealAfterClose == TRUE
=============================================================================
