-------------------- MODULE MC_commit_reveal --------------------
(***************************************************************************)
(* Work-claim commit-reveal as src/core implements it (commit ae761ac):    *)
(* commitments are registered, and kept in the mempool, per (worker,       *)
(* commitment value) (WorkClaims.ts commitmentKey, applyCommitment;        *)
(* Node.ts onCommitment), and a worker reveals once its own registration   *)
(* is final (Node.ts revealFinalized, WORK-CR.8). One honest worker, one   *)
(* copier that re-signs commitment values it sees and commits to claims it *)
(* learns. NoTheft and NoPreemption must hold.                             *)
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
MC_KeyByWorker == TRUE
MC_RevealChecksOwner == TRUE
MC_RevealAfterClose == TRUE
=============================================================================
