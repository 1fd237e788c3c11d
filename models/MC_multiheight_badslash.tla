-------------------- MODULE MC_multiheight_badslash --------------------
(***************************************************************************)
(* MC_multiheight with a mutant of the evidence check (LEDGER-SLASH.2 row  *)
(* 2 without "and, for votes, type"): a prevote and a precommit of one     *)
(* round for different values (nil included) count as equivocation. A     *)
(* correct validator that prevoted nil on timeoutPropose and then          *)
(* precommitted a block on its polka (CONS-RULE.5) is slashed. When that   *)
(* is c3 (power 3), height 2 has c1 = 1, c2 = 1, b = 2: the Byzantine      *)
(* fraction is 1/2 although it was 2/7 at height 1, and height 2 forks.    *)
(* Expected: Agreement2 violated (Agreement1 holds). The induction of      *)
(* CONS-SAFETY.1 needs sound slashing: 3*B_h < T_h at height 1 carries     *)
(* over only if no correct stake is burned.                                *)
(***************************************************************************)
EXTENDS PoAIMultiHeight, TLC

CONSTANTS c1, c2, c3, b, v1, v2, nil, none

MC_Corr == {c1, c2, c3}
MC_Faulty == {b}
MC_Power == (c1 :> 1) @@ (c2 :> 1) @@ (c3 :> 3) @@ (b :> 2)
MC_QWeight == [q \in MC_Corr \cup MC_Faulty |-> 1]
MC_ValidValues == {v1, v2}
MC_InvalidValues == {}
MC_MaxRound == 1
MC_SlashPpm == 1000000

MC_Symmetry == Permutations({c1, c2}) \cup Permutations(MC_ValidValues)

\* One assignment of the beacon (a witness): c3 proposes both rounds of height 1, b round 0 of height 2.
MC_ProposerFunctions1 == {(0 :> c3) @@ (1 :> c3)}
MC_ProposerFunctions2(S) == {(0 :> b) @@ (1 :> b)}

\* The mutant: prevote and precommit of one round compared as if they were one vote type.
MC_Slashable1 ==
    H1!Equivocators \cup
    {q \in Validators : \E r \in H1!Rounds, x, y \in H1!VoteValues :
        x # y /\ q \in prevotes1[r][x] /\ q \in precommits1[r][y]}
=============================================================================
