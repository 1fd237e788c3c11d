--------------------------- MODULE MC_score_reveal_early ---------------------------
(***************************************************************************)
(* The score scenario with the reveal rule used for work claims: an honest *)
(* evaluator reveals as soon as its own commitment is final, before the    *)
(* commit phase has closed. Expected: TLC finds a NoScoreAfterSeeing       *)
(* violation (the Byzantine evaluator reads the revealed score and still   *)
(* gets its own commitment in before the close). This is why score        *)
(* reveals must wait for the close.                                        *)
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
MC_RevealAfterClose == FALSE
=============================================================================
