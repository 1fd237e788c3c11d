-------------------- MODULE MC_commit_reveal_noownercheck --------------------
(***************************************************************************)
(* Regression guard: the core before commit b399a95, whose                 *)
(* revealFinalized revealed as soon as ANY commitment with the worker's    *)
(* value was final. Expected: TLC finds a theft. The copier squats the     *)
(* worker's commitment value; the worker reveals anyway; the reveal is     *)
(* rejected (WORK_WRONG_WORKER) but public; the copier commits to the      *)
(* claim under its own key and salt, reveals it, and its claim matures.    *)
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
MC_RevealChecksOwner == FALSE
MC_RevealAfterClose == TRUE
=============================================================================
