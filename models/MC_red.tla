-------------------- MODULE MC_red --------------------
(***************************************************************************)
(* Issue 9 item 11: the reductions checked by tool. One small setting,     *)
(* checked under the plain Spec (Byzantine actions interleaved with the    *)
(* correct steps, every message any time) and under the reduced spec; both *)
(* must give the same verdict, for the real protocol (pass) and for model  *)
(* mutants (violation). Correct c1, c2 and Byzantine b, power 1 each: a   *)
(* quorum is all three, so every correct step that needs a quorum needs    *)
(* b's messages (b holds 1/3, the edge of CONS-SAFETY.1's hypothesis;      *)
(* Agreement still holds since quorums are everyone); blocks v1, v2 (no    *)
(* invalid block); rounds 0..1; one proposer function (below). The .cfg    *)
(* files MC_red_*.cfg pick spec and mutant.                                *)
(***************************************************************************)
EXTENDS PoAIConsensus, TLC

CONSTANTS c1, c2, b, v1, v2, nil, none

MC_Corr == {c1, c2}
MC_Faulty == {b}
MC_Power == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
MC_InvalidValues == {}
MC_MaxRound == 1
MC_FaultyVoteValues == MC_ValidValues \cup {nil}

\* One proposer function per scenario, so that the plain Spec fits; it tells c1 and c2 apart:
\* symmetry over blocks only.
\* (c1, c2): the Byzantine validator never proposes (MC_red_spec, MC_red_flood). No mutant of a lock
\* test can fork here: both correct validators must precommit the round-0 block (a quorum is all
\* three), so both hold it as validValue and c2 re-proposes it in round 1.
MC_ProposerFunctions == {(0 :> c1) @@ (1 :> c2)}
\* (c1, b): b may propose a fresh block in round 1 (the lock-test mutants).
MC_ProposerFunctionsCB == {(0 :> c1) @@ (1 :> b)}
MC_Symmetry == Permutations(MC_ValidValues)

\* Mutant (bound in the .cfg with Op <- MC_Op): CONS-RULE.2 without its lock test.
MC_LockAllowsFresh(p, v) == TRUE
=============================================================================
