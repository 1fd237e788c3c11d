-------------------------- MODULE PoAIMultiHeight --------------------------
(***************************************************************************)
(* Two heights with slashing in between (issue 9 item 8): the induction    *)
(* CONS-SAFETY.1 rests on, checked on a small configuration.               *)
(*                                                                         *)
(* Height 1 is PoAIConsensus (instance H1) with the genesis power table    *)
(* Power. Once a correct validator has decided height 1, height 2 starts:  *)
(* the validators the height-1 messages convict (Slashable1: the          *)
(* equivocators of LEDGER-SLASH.2, overridable for a mutant) are slashed   *)
(* (LEDGER-SLASH.1: floor(stake * SlashPpm / 10^6) burned, at least 1;     *)
(* a validator left with 0 is no longer a validator), and height 2 is      *)
(* PoAIConsensus again (instance H2(S)) with the recomputed table.         *)
(*                                                                         *)
(* Abstractions (stated, not checked):                                     *)
(*  - evidence: every subset of Slashable1 may be the slashed set S (the   *)
(*    evidence may be censored or expire, LEDGER-SLASH.3); slashing takes *)
(*    effect for height 2 (in the chain: when the evidence is included,    *)
(*    CONS-POWER.1);                                                       *)
(*  - one table for all correct validators at height 2: they compute it    *)
(*    from the same decided chain, which is Agreement at height 1          *)
(*    (checked here, Agreement1); a correct validator that had not decided *)
(*    height 1 when height 2 starts takes the decided block by sync        *)
(*    (NODE-SYNC.1) and height 1 is then frozen (its decisions are kept);  *)
(*  - Byzantine messages as in SpecFlood: at height 1 a chosen set F1 of   *)
(*    Byzantine validators floods (signs everything at Init; they are the  *)
(*    equivocators) and the others are silent, so every slashed set       *)
(*    S \subseteq Faulty is reachable, and F1 = Faulty is the full flood   *)
(*    that covers every adversary for Agreement1; at height 2 every        *)
(*    unslashed Byzantine validator floods (SpecFlood's argument).         *)
(***************************************************************************)
EXTENDS Integers, FiniteSets

CONSTANTS Corr, Faulty, Power, QWeight, ValidValues, InvalidValues, MaxRound, Nil, None,
    \* slashEquivocationPpm (spec/00, LEDGER-SLASH.2): parts per million of stake burned.
    SlashPpm

Validators == Corr \cup Faulty

VARIABLES
    height,     \* 1 or 2: the height the correct validators are at
    slashed,    \* the validators slashed by the height-1 evidence (fixed when height 2 starts)
    round1, step1, decision1, lockedValue1, lockedRound1, validValue1, validRound1,
    proposer1, proposals1, prevotes1, precommits1,
    round2, step2, decision2, lockedValue2, lockedRound2, validValue2, validRound2,
    proposer2, proposals2, prevotes2, precommits2

h1Vars == <<round1, step1, decision1, lockedValue1, lockedRound1, validValue1, validRound1,
            proposer1, proposals1, prevotes1, precommits1>>
h2Vars == <<round2, step2, decision2, lockedValue2, lockedRound2, validValue2, validRound2,
            proposer2, proposals2, prevotes2, precommits2>>
vars == <<height, slashed, h1Vars, h2Vars>>

H1 == INSTANCE PoAIConsensus WITH
    round <- round1, step <- step1, decision <- decision1, lockedValue <- lockedValue1,
    lockedRound <- lockedRound1, validValue <- validValue1, validRound <- validRound1,
    proposer <- proposer1, proposals <- proposals1, prevotes <- prevotes1, precommits <- precommits1

(***************************************************************************)
(* LEDGER-SLASH.1: burn floor(stake * ppm / 10^6), at least 1 unit.       *)
(***************************************************************************)
Burned(p) == LET amount == (p * SlashPpm) \div 1000000
             IN IF amount = 0 /\ p > 0 /\ SlashPpm > 0 THEN 1 ELSE amount
PowerAfter(S) == [q \in Validators |-> IF q \in S THEN Power[q] - Burned(Power[q]) ELSE Power[q]]
\* Height 2's validators: those with power left (CONS-POWER.1).
V2(S) == {q \in Validators : PowerAfter(S)[q] > 0}
Corr2(S) == Corr \cap V2(S)
Faulty2(S) == Faulty \cap V2(S)
Power2(S) == [q \in V2(S) |-> PowerAfter(S)[q]]
\* A slashed validator keeps its windowed quality weight (LE-WINDOW.1) if it keeps power.
QWeight2(S) == [q \in V2(S) |-> QWeight[q]]

H2(S) == INSTANCE PoAIConsensus WITH
    Corr <- Corr2(S), Faulty <- Faulty2(S), Power <- Power2(S), QWeight <- QWeight2(S),
    round <- round2, step <- step2, decision <- decision2, lockedValue <- lockedValue2,
    lockedRound <- lockedRound2, validValue <- validValue2, validRound <- validRound2,
    proposer <- proposer2, proposals <- proposals2, prevotes <- prevotes2, precommits <- precommits2

\* The same module over the unslashed sets, only to read height 2's state (View, Agreement2).
H2Any == INSTANCE PoAIConsensus WITH
    round <- round2, step <- step2, decision <- decision2, lockedValue <- lockedValue2,
    lockedRound <- lockedRound2, validValue <- validValue2, validRound <- validRound2,
    proposer <- proposer2, proposals <- proposals2, prevotes <- prevotes2, precommits <- precommits2

(***************************************************************************)
(* LEDGER-SLASH.2: who the height-1 messages convict (equivocation, the   *)
(* evidence the core turns into a slash). A mutant overrides it.           *)
(***************************************************************************)
Slashable1 == H1!Equivocators

(***************************************************************************)
(* Height 1: the Byzantine validators in F1 flood, the others are silent.  *)
(***************************************************************************)
FloodProposals1(F, r) ==
    IF proposer1[r] \in F THEN {H1!Prop(v, vr) : v \in H1!Values, vr \in -1..(r - 1)} ELSE {}
FloodVotes1(F) ==
    [r \in H1!Rounds |-> [v \in H1!VoteValues |-> IF v \in H1!FaultyVoteValues THEN F ELSE {}]]

\* The beacon's possible picks at each height (overridable: an MC may fix them, one scenario per
\* assignment; the union over all assignments is the whole space).
ProposerFunctions1 == H1!ProposerFunctions
ProposerFunctions2(S) == H2(S)!ProposerFunctions

Placeholder == "not started"

Init ==
    /\ height = 1
    /\ slashed = {}
    /\ H1!InitNodes
    /\ proposer1 \in ProposerFunctions1
    /\ \E F \in SUBSET Faulty, p0 \in H1!Round0Proposals :
         /\ proposals1 = [r \in H1!Rounds |-> (IF r = 0 THEN p0 ELSE {}) \cup FloodProposals1(F, r)]
         /\ prevotes1 = FloodVotes1(F)
         /\ precommits1 = FloodVotes1(F)
    /\ round2 = Placeholder /\ step2 = Placeholder /\ decision2 = Placeholder
    /\ lockedValue2 = Placeholder /\ lockedRound2 = Placeholder /\ validValue2 = Placeholder
    /\ validRound2 = Placeholder /\ proposer2 = Placeholder /\ proposals2 = Placeholder
    /\ prevotes2 = Placeholder /\ precommits2 = Placeholder

Height1Step ==
    /\ height = 1
    /\ \E p \in Corr : H1!CorrectStep(p)
    /\ UNCHANGED <<height, slashed, h2Vars>>

(***************************************************************************)
(* End of height 1: a correct validator decided d; the undecided ones take *)
(* d by sync; the evidence slashes S; height 2 starts with the table of S, *)
(* the beacon's picks for height 2 and the unslashed Byzantine flood      *)
(* (InitFlood of H2(S), written out with primes).                         *)
(***************************************************************************)
StartHeight2 ==
    /\ height = 1
    /\ \E p \in Corr : decision1[p] # None
    /\ LET d == CHOOSE x \in {decision1[p] : p \in {q \in Corr : decision1[q] # None}} : TRUE
       IN decision1' = [q \in Corr |-> IF decision1[q] = None THEN d ELSE decision1[q]]
    /\ height' = 2
    /\ \E S \in SUBSET Slashable1 :
         /\ slashed' = S
         /\ round2' = [p \in Corr2(S) |-> 0]
         /\ step2' = [p \in Corr2(S) |-> "propose"]
         /\ decision2' = [p \in Corr2(S) |-> None]
         /\ lockedValue2' = [p \in Corr2(S) |-> None]
         /\ lockedRound2' = [p \in Corr2(S) |-> -1]
         /\ validValue2' = [p \in Corr2(S) |-> None]
         /\ validRound2' = [p \in Corr2(S) |-> -1]
         /\ \E f \in ProposerFunctions2(S) :
              /\ proposer2' = f
              /\ \E p0 \in (IF f[0] \in Corr2(S) THEN {{H1!Prop(v, -1)} : v \in ValidValues} ELSE {{}}) :
                   proposals2' = [r \in H1!Rounds |-> (IF r = 0 THEN p0 ELSE {}) \cup
                                    (IF f[r] \in Faulty2(S)
                                     THEN {H1!Prop(v, vr) : v \in H1!Values, vr \in -1..(r - 1)}
                                     ELSE {})]
         /\ prevotes2' = H2(S)!FloodVotes
         /\ precommits2' = H2(S)!FloodVotes
    /\ UNCHANGED <<round1, step1, lockedValue1, lockedRound1, validValue1, validRound1,
                   proposer1, proposals1, prevotes1, precommits1>>

Height2Step ==
    /\ height = 2
    /\ \E S \in {slashed} : \E p \in Corr2(S) : H2(S)!CorrectStep(p)
    /\ UNCHANGED <<height, slashed, h1Vars>>

Next == Height1Step \/ StartHeight2 \/ Height2Step

Spec == Init /\ [][Next]_vars

(***************************************************************************)
(* View: as PoAIConsensus's View per height; once height 2 has started,    *)
(* height 1 is frozen and only its decisions are read (Agreement1).        *)
(***************************************************************************)
View2 == <<[p \in DOMAIN round2 |-> H2Any!LocalView(p)], proposer2, proposals2, prevotes2, precommits2>>
View ==
    IF height = 1 THEN <<1, H1!View>>
    ELSE <<2, decision1, slashed, View2>>

(***************************************************************************)
(* Properties                                                              *)
(***************************************************************************)
Agreement1 == H1!Agreement
Validity1 == H1!Validity
Agreement2 ==
    height = 2 =>
        \A p, q \in DOMAIN decision2 :
            decision2[p] # None /\ decision2[q] # None => decision2[p] = decision2[q]
Validity2 == height = 2 => \A p \in DOMAIN decision2 : decision2[p] # None => decision2[p] \in ValidValues
Agreement == Agreement1 /\ Agreement2

\* The hypothesis of CONS-SAFETY.1 at height 2, measured with height 2's table: if it holds at
\* height 1 and only Byzantine validators are slashed, it holds at height 2.
ByzantineBelowThird2 ==
    height = 2 => \E S \in {slashed} : 3 * H2(S)!PowerOf(Faulty2(S)) < H2(S)!Total
\* Slashing only hits Byzantine validators (what the induction needs of the evidence).
SlashOnlyFaulty == slashed \subseteq Faulty
=============================================================================
