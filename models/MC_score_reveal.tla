--------------------------- MODULE MC_score_reveal ---------------------------
(***************************************************************************)
(* Commit-reveal of evaluator scores: two honest evaluators and one        *)
(* Byzantine evaluator that reads every gossiped message before it commits *)
(* or reveals; commitments close with block 2. NoScoreAfterSeeing and      *)
(* ScoreBinding must hold. (No work claims in this scenario.)              *)
(***************************************************************************)
EXTENDS CommitReveal, TLC

MC_Workers == {}
MC_WorkOf == [w \in MC_Workers |-> "work1"]
MC_Copier == "copier"
MC_HonestEvaluators == {"e1", "e2"}
MC_ByzEvaluators == {"e3"}
MC_Scores == {"low", "high"}
MC_ScoreOf == ("e1" :> "high") @@ ("e2" :> "low")
MC_RevealWindow == 2
MC_ScoreClose == 2
MC_MaxHeight == 4
MC_KeyByWorker == TRUE
MC_RevealChecksOwner == TRUE
MC_RevealAfterClose == TRUE
=============================================================================
