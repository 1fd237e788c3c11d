--------------------------- MODULE PoAIConsensus ---------------------------
(***************************************************************************)
(* One height of the PoAI consensus round, as src/core/Node.ts implements  *)
(* it: the Tendermint algorithm (Buchman, Kwon, Milosevic 2018,            *)
(* Algorithm 1) with stake-weighted thresholds and PoAI's quality-weighted *)
(* leader election.                                                        *)
(*                                                                         *)
(* Style: tlaplus/Examples (Voting/MCVoting) and CometBFT's                *)
(* TendermintAcc_004_draft.tla. Every message ever signed for the height   *)
(* stays in a growing store (a "message soup"): a correct validator may    *)
(* act as soon as the store holds the messages a rule needs, which models  *)
(* every delivery order and delay of an asynchronous network (the          *)
(* validator received exactly those messages). A timeout may fire at any   *)
(* time after its timer was armed.                                         *)
(*                                                                         *)
(* What is abstracted:                                                     *)
(*  - blocks are opaque values; validateBlock (CONS-VALID.1) is the        *)
(*    membership test  v \in ValidValues;                                  *)
(*  - the BLS beacon draw (LE-DRAW.1) is a nondeterministic choice of the  *)
(*    proposer of each round among the validators the draw can pick: by   *)
(*    quality weight in rounds < QualityRounds (stake when no one has Q,   *)
(*    LE-FALLBACK.1), by stake from round QualityRounds on (LE-FALLBACK.2),*)
(*    fixed at Init: the proposer can withhold but not grind;              *)
(*  - signatures: a vote is filed under its signer; Byzantine validators   *)
(*    sign anything with their own keys and nothing with anyone else's;   *)
(*  - a proposal is filed under its round: correct validators reject one   *)
(*    not signed by the round's proposer (MSG_WRONG_PROPOSER).             *)
(* Requirement IDs (spec/03-consensus.md) are cited on every action.       *)
(***************************************************************************)
EXTENDS Integers, FiniteSets

CONSTANTS
    \* Validators that run the unmodified core (Node.ts).
    Corr,
    \* Byzantine validators: they may send any message signed with their own keys, at any time.
    Faulty,
    \* Voting power (stake) of every validator: [Corr \cup Faulty -> Nat] (CONS-POWER.1).
    Power,
    \* Windowed quality weight Q of every validator (LE-WINDOW.1): [Corr \cup Faulty -> Nat].
    QWeight,
    \* Blocks that pass validation (CONS-VALID.1). Correct proposers only propose these.
    ValidValues,
    \* Blocks that fail validation: only Byzantine validators propose or vote for them.
    InvalidValues,
    \* Rounds are 0..MaxRound (a bound for model checking; the core has no such bound).
    MaxRound,
    \* The vote for nil (a vote with blockHash = null).
    Nil,
    \* "No value": lockedValue/validValue = null and no decision yet.
    None

Validators == Corr \cup Faulty
Values == ValidValues \cup InvalidValues
VoteValues == Values \cup {Nil}
Rounds == 0..MaxRound
RoundsOrNone == -1..MaxRound
Steps == {"propose", "prevote", "precommit"}

ASSUME
    /\ Corr \cap Faulty = {}
    /\ Corr # {}
    /\ ValidValues \cap InvalidValues = {}
    /\ ValidValues # {}
    /\ Nil \notin Values /\ None \notin VoteValues
    /\ MaxRound \in Nat
    /\ Power \in [Validators -> Nat \ {0}]
    /\ QWeight \in [Validators -> Nat]

(***************************************************************************)
(* Stake arithmetic (CONS-POWER.2, CONS-ROUNDSKIP.1). Integers only, as in *)
(* src/core/Votes.ts: isQuorum is 3 * p > 2 * total.                      *)
(***************************************************************************)
RECURSIVE PowerOf(_)
PowerOf(S) ==
    IF S = {} THEN 0
    ELSE LET x == CHOOSE y \in S : TRUE IN Power[x] + PowerOf(S \ {x})

Total == PowerOf(Validators)

\* CONS-POWER.2: strictly more than 2/3 of the voting power.
IsQuorum(S) == 3 * PowerOf(S) > 2 * Total
\* CONS-ROUNDSKIP.1: strictly more than 1/3 of the voting power.
IsOneThird(S) == 3 * PowerOf(S) > Total

\* qualityRounds (spec/04 parameter table, default 2): rounds drawn by Q. An operator, not a
\* CONSTANT, so that modules that extend this one keep working; an MC file may override it.
QualityRounds == 2

\* CONS-PROPOSER.1, LE-FALLBACK.1..2: the validators the beacon may pick at round r: positive Q in
\* rounds < QualityRounds (positive stake when no one has Q), positive stake from QualityRounds on.
\* Every validator has positive stake in the model (Power \in [Validators -> Nat \ {0}]).
ProposerCandidatesAt(r) ==
    IF r < QualityRounds /\ \E v \in Validators : QWeight[v] > 0
    THEN {v \in Validators : QWeight[v] > 0}
    ELSE {v \in Validators : Power[v] > 0}

\* Every validator the beacon may pick at some round.
ProposerCandidates == UNION {ProposerCandidatesAt(r) : r \in 0..MaxRound}

\* The beacon's possible picks for a whole height.
ProposerFunctions == {f \in [0..MaxRound -> ProposerCandidates] : \A r \in 0..MaxRound : f[r] \in ProposerCandidatesAt(r)}

(***************************************************************************)
(* Messages (src/domain/Consensus.ts); height and chain id are implicit.   *)
(* A proposal of round r is a block and its validRound.                    *)
(***************************************************************************)
ProposalContent == [value : Values, validRound : RoundsOrNone]
Prop(v, vr) == [value |-> v, validRound |-> vr]

VARIABLES
    \* round_p, step_p and decision_p of Algorithm 1 (ConsensusState.round/step, NodeState.ts).
    round, step, decision,
    \* lockedValue_p/lockedRound_p and validValue_p/validRound_p (CONS-RULE.5).
    lockedValue, lockedRound, validValue, validRound,
    \* proposer[r]: the beacon's pick for round r of this height (CONS-PROPOSER.1), fixed at Init.
    proposer,
    \* proposals[r]: the proposals signed by proposer[r] for round r.
    proposals,
    \* prevotes[r][v], precommits[r][v]: the validators that signed a prevote (precommit)
    \* for v at round r. A validator may appear under several values (equivocation).
    prevotes, precommits

nodeVars == <<round, step, decision, lockedValue, lockedRound, validValue, validRound>>
msgVars == <<proposals, prevotes, precommits>>
vars == <<nodeVars, proposer, msgVars>>

TypeOK ==
    /\ round \in [Corr -> Rounds]
    /\ step \in [Corr -> Steps]
    /\ decision \in [Corr -> Values \cup {None}]
    /\ lockedValue \in [Corr -> Values \cup {None}]
    /\ lockedRound \in [Corr -> RoundsOrNone]
    /\ validValue \in [Corr -> Values \cup {None}]
    /\ validRound \in [Corr -> RoundsOrNone]
    /\ proposer \in ProposerFunctions
    /\ proposals \in [Rounds -> SUBSET ProposalContent]
    /\ prevotes \in [Rounds -> [VoteValues -> SUBSET Validators]]
    /\ precommits \in [Rounds -> [VoteValues -> SUBSET Validators]]

(***************************************************************************)
(* Tallies (CONS-VOTE.2): votes are counted per value; an equivocator's    *)
(* votes for different values each count toward their own value. A        *)
(* validator's power counts once per tally.                                *)
(***************************************************************************)
PrevotesAny(r) == UNION {prevotes[r][v] : v \in VoteValues}
PrecommitsAny(r) == UNION {precommits[r][v] : v \in VoteValues}
\* Senders of any message of round r (the proposer counts if it proposed).
SendersAt(r) ==
    (IF proposals[r] # {} THEN {proposer[r]} ELSE {}) \cup PrevotesAny(r) \cup PrecommitsAny(r)
\* Validators seen at round r or later (CONS-ROUNDSKIP.1: roundHints[v] >= r).
SendersFrom(r) == UNION {SendersAt(r2) : r2 \in r..MaxRound}

(***************************************************************************)
(* The tests the rules make, one operator each. The base spec is the real  *)
(* protocol; a mutant scenario (MC_mut_*.tla/.cfg) overrides one of them   *)
(* in its .cfg (Op <- MC_Op) to show that TLC rejects the protocol without *)
(* that test.                                                              *)
(***************************************************************************)
\* CONS-VALID.1: validateBlock, as a correct validator p runs it on block v.
AcceptsBlock(p, v) == v \in ValidValues
\* CONS-RULE.2: the lock test on a fresh proposal (validRound = -1).
LockAllowsFresh(p, v) == lockedRound[p] = -1 \/ lockedValue[p] = v
\* CONS-RULE.3: the lock test on a re-proposal of v with valid round vr.
LockAllowsReproposal(p, v, vr) == lockedRound[p] <= vr \/ lockedValue[p] = v
\* CONS-POWER.2 as the rules count a polka: > 2/3 of the power.
PolkaPower(S) == IsQuorum(S)
\* CONS-RULE.8, NODE-SYNC.1: a block is decided only if it passed validation.
DecideAccepts(p, v) == v \in ValidValues

\* A polka as the rules see it: > 2/3 of the power prevoted v (or nil) at round r.
Polka(r, v) == PolkaPower(prevotes[r][v])

NoVotes == [r \in Rounds |-> [v \in VoteValues |-> {}]]

(***************************************************************************)
(* Initial state: every correct validator is in round 0, step propose      *)
(* (NODE-STATE.1, input `start`); a correct proposer of round 0 has        *)
(* proposed a fresh block of its choice (CONS-RULE.1, CONS-BUILD.2).       *)
(***************************************************************************)
InitNodes ==
    /\ round = [p \in Corr |-> 0]
    /\ step = [p \in Corr |-> "propose"]
    /\ decision = [p \in Corr |-> None]
    /\ lockedValue = [p \in Corr |-> None]
    /\ lockedRound = [p \in Corr |-> -1]
    /\ validValue = [p \in Corr |-> None]
    /\ validRound = [p \in Corr |-> -1]

\* CONS-PROPOSER.1, LE-FALLBACK.2: the beacon's picks for the height, a candidate of each round.
InitProposer == proposer \in ProposerFunctions

\* The proposals a correct proposer of round 0 may have sent at `start`.
Round0Proposals ==
    IF proposer[0] \in Corr THEN {{Prop(v, -1)} : v \in ValidValues} ELSE {{}}

Init ==
    /\ InitNodes
    /\ InitProposer
    /\ \E p0 \in Round0Proposals : proposals = [r \in Rounds |-> IF r = 0 THEN p0 ELSE {}]
    /\ prevotes = NoVotes
    /\ precommits = NoVotes

(***************************************************************************)
(* CONS-RULE.1: StartRound(r). The proposer re-proposes validValue with    *)
(* validRound, or else a fresh valid block; the core does it in the same   *)
(* step as the round change (startRound in Node.ts).                       *)
(***************************************************************************)
StartRound(p, r) ==
    /\ round' = [round EXCEPT ![p] = r]
    /\ step' = [step EXCEPT ![p] = "propose"]
    /\ IF proposer[r] = p
       THEN \E fresh \in ValidValues :
              proposals' = [proposals EXCEPT ![r] = @ \cup
                {Prop(IF validValue[p] = None THEN fresh ELSE validValue[p], validRound[p])}]
       ELSE UNCHANGED proposals

Prevote(p, v) ==
    /\ prevotes' = [prevotes EXCEPT ![round[p]][v] = @ \cup {p}]
    /\ step' = [step EXCEPT ![p] = "prevote"]

Precommit(p, v) ==
    /\ precommits' = [precommits EXCEPT ![round[p]][v] = @ \cup {p}]
    /\ step' = [step EXCEPT ![p] = "precommit"]

\* CONS-RULE.2: a proposal with validRound = -1: prevote it if valid and not locked on another value.
UponProposalInPropose(p) ==
    /\ decision[p] = None
    /\ step[p] = "propose"
    /\ \E v \in Values :
         /\ Prop(v, -1) \in proposals[round[p]]
         /\ Prevote(p, IF AcceptsBlock(p, v) /\ LockAllowsFresh(p, v) THEN v ELSE Nil)
    /\ UNCHANGED <<round, decision, lockedValue, lockedRound, validValue, validRound, proposer,
                   proposals, precommits>>

\* CONS-RULE.3: a re-proposal with 0 <= validRound < round and a polka at validRound.
UponProposalInProposeAndPrevote(p) ==
    /\ decision[p] = None
    /\ step[p] = "propose"
    /\ \E v \in Values, vr \in Rounds :
         /\ vr < round[p]
         /\ Prop(v, vr) \in proposals[round[p]]
         /\ Polka(vr, v)
         /\ Prevote(p, IF AcceptsBlock(p, v) /\ LockAllowsReproposal(p, v, vr) THEN v ELSE Nil)
    /\ UNCHANGED <<round, decision, lockedValue, lockedRound, validValue, validRound, proposer,
                   proposals, precommits>>

\* CONS-RULE.5: a valid proposal of this round with a polka, the first time, at step >= prevote:
\* lock and precommit it (if still at prevote) and remember it as validValue.
\* "For the first time" (the core's once-key lock:r) is validRound[p] # round[p]: only this
\* rule sets validRound, always to the current round, and rounds never decrease.
UponProposalInPrevoteOrCommitAndPrevote(p) ==
    /\ decision[p] = None
    /\ step[p] \in {"prevote", "precommit"}
    /\ validRound[p] # round[p]
    /\ \E v \in Values :
         /\ AcceptsBlock(p, v)
         /\ \E vr \in RoundsOrNone : Prop(v, vr) \in proposals[round[p]]
         /\ Polka(round[p], v)
         /\ validValue' = [validValue EXCEPT ![p] = v]
         /\ validRound' = [validRound EXCEPT ![p] = round[p]]
         /\ IF step[p] = "prevote"
            THEN /\ lockedValue' = [lockedValue EXCEPT ![p] = v]
                 /\ lockedRound' = [lockedRound EXCEPT ![p] = round[p]]
                 /\ Precommit(p, v)
            ELSE UNCHANGED <<lockedValue, lockedRound, step, precommits>>
    /\ UNCHANGED <<round, decision, proposer, proposals, prevotes>>

\* CONS-RULE.6: > 2/3 prevotes for nil: precommit nil.
UponQuorumOfPrevotesNil(p) ==
    /\ decision[p] = None
    /\ step[p] = "prevote"
    /\ Polka(round[p], Nil)
    /\ Precommit(p, Nil)
    /\ UNCHANGED <<round, decision, lockedValue, lockedRound, validValue, validRound, proposer,
                   proposals, prevotes>>

\* CONS-TIMEOUT.1 (timeoutPropose, armed by StartRound): prevote nil.
OnTimeoutPropose(p) ==
    /\ decision[p] = None
    /\ step[p] = "propose"
    /\ Prevote(p, Nil)
    /\ UNCHANGED <<round, decision, lockedValue, lockedRound, validValue, validRound, proposer,
                   proposals, precommits>>

\* CONS-RULE.4 + CONS-TIMEOUT.2 (timeoutPrevote, armed on > 2/3 prevotes for anything): precommit nil.
OnTimeoutPrevote(p) ==
    /\ decision[p] = None
    /\ step[p] = "prevote"
    /\ IsQuorum(PrevotesAny(round[p]))
    /\ Precommit(p, Nil)
    /\ UNCHANGED <<round, decision, lockedValue, lockedRound, validValue, validRound, proposer,
                   proposals, prevotes>>

\* CONS-RULE.7 + CONS-TIMEOUT.3 (timeoutPrecommit, armed on > 2/3 precommits for anything): next round.
OnTimeoutPrecommit(p) ==
    /\ decision[p] = None
    /\ round[p] < MaxRound
    /\ IsQuorum(PrecommitsAny(round[p]))
    /\ StartRound(p, round[p] + 1)
    /\ UNCHANGED <<decision, lockedValue, lockedRound, validValue, validRound, proposer,
                   prevotes, precommits>>

\* CONS-RULE.8 and NODE-SYNC.1: > 2/3 precommits for a valid block at a round r: decide it.
\* The core takes the block from the proposal of round r, from a proposal of another round
\* carrying the same block, or from a sync response with the certificate; all three need the
\* same quorum and validity, so the model needs no proposal here.
Decide(p, r, v) ==
    /\ decision[p] = None
    /\ DecideAccepts(p, v)
    /\ IsQuorum(precommits[r][v])
    /\ decision' = [decision EXCEPT ![p] = v]
    /\ UNCHANGED <<round, step, lockedValue, lockedRound, validValue, validRound, proposer, msgVars>>

UponQuorumOfPrecommits(p) == \E r \in Rounds, v \in Values : Decide(p, r, v)

\* CONS-RULE.9 (CONS-ROUNDSKIP.1): validators seen at round r or later (roundHints) hold
\* > 1/3 of the power: go to r. (The core takes the highest such r; any is allowed here.)
OnRoundSkip(p, r) ==
    /\ decision[p] = None
    /\ r > round[p]
    /\ IsOneThird(SendersFrom(r))
    /\ StartRound(p, r)
    /\ UNCHANGED <<decision, lockedValue, lockedRound, validValue, validRound, proposer,
                   prevotes, precommits>>

CorrectStep(p) ==
    \/ UponProposalInPropose(p)
    \/ UponProposalInProposeAndPrevote(p)
    \/ UponProposalInPrevoteOrCommitAndPrevote(p)
    \/ UponQuorumOfPrevotesNil(p)
    \/ UponQuorumOfPrecommits(p)
    \/ OnTimeoutPropose(p)
    \/ OnTimeoutPrevote(p)
    \/ OnTimeoutPrecommit(p)
    \/ \E r \in Rounds : OnRoundSkip(p, r)

(***************************************************************************)
(* Byzantine validators (SIM-BYZ.1..5): any message signed with their own  *)
(* keys, any value, any round, at any time, equivocation included. A       *)
(* proposal with validRound >= round is malformed (MSG_MISMATCH) and is    *)
(* not modelled.                                                           *)
(***************************************************************************)
FaultyPropose(b, r, v, vr) ==
    /\ proposer[r] = b
    /\ vr < r
    /\ proposals' = [proposals EXCEPT ![r] = @ \cup {Prop(v, vr)}]
    /\ UNCHANGED <<nodeVars, proposer, prevotes, precommits>>

FaultyPrevote(b, r, v) ==
    /\ prevotes' = [prevotes EXCEPT ![r][v] = @ \cup {b}]
    /\ UNCHANGED <<nodeVars, proposer, proposals, precommits>>

FaultyPrecommit(b, r, v) ==
    /\ precommits' = [precommits EXCEPT ![r][v] = @ \cup {b}]
    /\ UNCHANGED <<nodeVars, proposer, proposals, prevotes>>

\* Votes a Byzantine validator may sign in the model. A vote for an invalid block has the same
\* effect on correct validators as a vote for nil (no rule accepts an invalid block; both count
\* toward "any" tallies and round skips), and it can only add to the convictions below, so the
\* MC files may bind this to ValidValues \cup {Nil}.
FaultyVoteValues == VoteValues

FaultyStep ==
    \E b \in Faulty, r \in Rounds :
        \/ \E v \in Values, vr \in RoundsOrNone : FaultyPropose(b, r, v, vr)
        \/ \E v \in FaultyVoteValues : FaultyPrevote(b, r, v) \/ FaultyPrecommit(b, r, v)

Next == (\E p \in Corr : CorrectStep(p)) \/ FaultyStep

Spec == Init /\ [][Next]_vars

(***************************************************************************)
(* A reduction for checking Accountability. Fix a state s of Spec where    *)
(* Agreement fails and let E be the Byzantine validators that equivocated  *)
(* in s. Replace every b in E by a "flooder" that signed every message at  *)
(* Init, and every other Byzantine b by one that signed at Init one       *)
(* prevote and one precommit per round (those of s where b sent one, nil   *)
(* where it sent none) and, when proposer of round r, the block v it       *)
(* proposed in s at r with EVERY valid round -1..r-1. A non-equivocating   *)
(* proposer may sign one block with several valid rounds (that is not      *)
(* equivocation: Equivocators compares blocks), which matters from round   *)
(* 2 on, where a re-proposal may name round 0 or 1; signing all of them is *)
(* more messages and no more convictions. The correct validators' steps to *)
(* s stay enabled (more messages), so a state s' with the same correct     *)
(* state is reachable, and Convicted(s') is contained in Convicted(s):     *)
(* flooders are in E; a non-flooder's block votes and proposed blocks are  *)
(* those of s and s' has every polka s has, so amnesia in s' is amnesia in *)
(* s; nil votes convict no one. Hence if Accountability holds under        *)
(* SpecAcc, it holds under Spec. Flooders holding more than 1/3 of the     *)
(* power are convicted outright, so SpecAcc only considers sets with at    *)
(* most 1/3. (A Byzantine proposer that proposed nothing in s is replaced  *)
(* by one that proposed some block: more messages, no conviction.)         *)
(***************************************************************************)
FloodSets == {F \in SUBSET Faulty : ~IsOneThird(F)}

\* The proposals of round r under InitAcc when F floods: a correct proposer's of round 0 (chosen
\* at Init), every proposal of a flooder, one block with every valid round for a non-flooding
\* Byzantine proposer (see above; before this fix it was one block with one valid round).
AccOneBlock(v, r) == {{Prop(v, vr) : vr \in -1..(r - 1)}}
AccProposalOptions(F, r) ==
    IF proposer[r] \in F THEN {{Prop(v, vr) : v \in Values, vr \in -1..(r - 1)}}
    ELSE IF proposer[r] \in Faulty THEN UNION {AccOneBlock(v, r) : v \in Values}
    ELSE IF r = 0 THEN Round0Proposals
    ELSE {{}}

InitAcc ==
    /\ InitNodes
    /\ InitProposer
    /\ \E F \in FloodSets :
       /\ proposals \in {pr \in [Rounds -> UNION {AccProposalOptions(F, r) : r \in Rounds}] :
                           \A r \in Rounds : pr[r] \in AccProposalOptions(F, r)}
       /\ \E vote \in [Faulty \ F -> [Rounds -> FaultyVoteValues \X FaultyVoteValues]] :
            /\ prevotes = [r \in Rounds |-> [v \in VoteValues |->
                  (IF v \in FaultyVoteValues THEN F ELSE {}) \cup {b \in Faulty \ F : vote[b][r][1] = v}]]
            /\ precommits = [r \in Rounds |-> [v \in VoteValues |->
                  (IF v \in FaultyVoteValues THEN F ELSE {}) \cup {b \in Faulty \ F : vote[b][r][2] = v}]]

SpecAcc == InitAcc /\ [][\E p \in Corr : CorrectStep(p)]_vars

(***************************************************************************)
(* A reduction for Agreement and Validity: the Byzantine "flood".          *)
(* Every enabling condition of a correct validator's action is monotone in *)
(* the message store (a proposal exists, a tally reaches a threshold), and *)
(* an action's effect depends on the messages only through the choices the *)
(* guard offers. So a state of the correct validators reachable under some *)
(* Byzantine strategy is also reachable when the Byzantine validators have *)
(* signed every message they can sign before the first step: the same      *)
(* correct steps stay enabled. Agreement and Validity read only the        *)
(* correct validators' state, so checking them under SpecFlood checks them *)
(* against every Byzantine strategy, with all of the adversary's choices   *)
(* folded into the initial state. Accountability is not monotone in the    *)
(* messages (a later polka excuses an earlier vote); it is checked under   *)
(* SpecAcc above (MC_acc).                                                 *)
(***************************************************************************)
FloodProposals(r) ==
    IF proposer[r] \in Faulty
    THEN {Prop(v, vr) : v \in Values, vr \in -1..(r - 1)}
    ELSE {}

FloodVotes == [r \in Rounds |-> [v \in VoteValues |-> IF v \in FaultyVoteValues THEN Faulty ELSE {}]]

InitFlood ==
    /\ InitNodes
    /\ InitProposer
    /\ \E p0 \in Round0Proposals :
         proposals = [r \in Rounds |-> (IF r = 0 THEN p0 ELSE {}) \cup FloodProposals(r)]
    /\ prevotes = FloodVotes
    /\ precommits = FloodVotes

SpecFlood == InitFlood /\ [][\E p \in Corr : CorrectStep(p)]_vars

(***************************************************************************)
(* View for model checking (VIEW in the .cfg): forgets local variables no  *)
(* action or invariant reads any more, so states that differ only there    *)
(* are explored once. Sound because the forgotten values cannot influence  *)
(* any future step or any checked property.                                *)
(*  - A validator that decided never acts again: only its decision is     *)
(*    read.                                                                *)
(*  - lockedValue/lockedRound are read only by CONS-RULE.2/3 at step       *)
(*    propose: in the last round past step propose they are dead.          *)
(*  - validValue/validRound are read by StartRound when the validator is   *)
(*    the proposer of a later round (fixed at Init), and CONS-RULE.5 reads *)
(*    only whether validRound equals the current round.                    *)
(***************************************************************************)
FutureProposer(p) == \E r \in Rounds : r > round[p] /\ proposer[r] = p

LocalView(p) ==
    IF decision[p] # None THEN <<decision[p]>>
    ELSE <<round[p], step[p],
           IF round[p] = MaxRound /\ step[p] # "propose" THEN <<>> ELSE <<lockedValue[p], lockedRound[p]>>,
           IF FutureProposer(p) THEN <<validValue[p], validRound[p]>> ELSE validRound[p] = round[p]>>

View == <<[p \in Corr |-> LocalView(p)], proposer, proposals, prevotes, precommits>>

(***************************************************************************)
(* Safety properties. The names are shared by spec/, models/ and           *)
(* properties/.                                                            *)
(***************************************************************************)

\* Agreement: no two correct validators decide differently.
Agreement ==
    \A p, q \in Corr :
        decision[p] # None /\ decision[q] # None => decision[p] = decision[q]

\* Validity: a decided block passed validation (CONS-VALID.1): every claim, transfer and piece
\* of evidence in it verified against the parent state.
Validity == \A p \in Corr : decision[p] # None => decision[p] \in ValidValues

(***************************************************************************)
(* Accountability (CONS-EVIDENCE.1..2): if Agreement fails, the messages   *)
(* signed for this height convict validators holding more than 1/3 of the  *)
(* power, of                                                               *)
(*  - equivocation: two different proposals, prevotes or precommits for    *)
(*    one round (what src/core/Evidence.ts turns into evidence), or        *)
(*  - amnesia: precommitting v at r, then prevoting v' # v (v' a block) at *)
(*    r' > r although no round in r..r'-1 had a polka for v' ("went back  *)
(*    on a lock"; the core produces no evidence for it today).             *)
(***************************************************************************)
Equivocators ==
    {q \in Validators :
        \E r \in Rounds :
            \/ q = proposer[r] /\ \E m1, m2 \in proposals[r] : m1.value # m2.value
            \/ \E v1, v2 \in VoteValues :
                  /\ v1 # v2
                  /\ \/ q \in prevotes[r][v1] \cap prevotes[r][v2]
                     \/ q \in precommits[r][v1] \cap precommits[r][v2]}

\* The rounds whose polka for v' excuses a prevote for v' at r2 after a precommit at r1 < r2: the
\* polka may be at r1 itself (a validator may unlock on a polka of the round it locked in) and
\* must be before r2 (CONS-RULE.3 needs validRound < round). Overridable for the mutants.
AmnesiaWindow(r1, r2) == r1..(r2 - 1)

Amnesic ==
    {q \in Validators :
        \E r1, r2 \in Rounds, v1, v2 \in Values :
            /\ r1 < r2 /\ v1 # v2
            /\ q \in precommits[r1][v1]
            /\ q \in prevotes[r2][v2]
            /\ ~\E r \in AmnesiaWindow(r1, r2) : IsQuorum(prevotes[r][v2])}

Convicted == Equivocators \cup Amnesic

Accountability == ~Agreement => IsOneThird(Convicted)

\* The accusation is sound: a correct validator is never convicted. Not reduced by SpecFlood or
\* SpecAcc (more polkas excuse more, and SpecAcc drops flood sets above 1/3): a pass under them
\* covers their adversaries only; the inductive argument and the plain-Spec checks are in
\* models/README.md (Reductions).
NoFalseAccusation == Convicted \cap Corr = {}

\* Accountability from equivocation evidence alone (all the core can prove today). Expected to
\* FAIL once Byzantine power is >= 1/3: a fork whose culprits only went back on their locks.
AccountabilityByEquivocation == ~Agreement => IsOneThird(Equivocators)

=============================================================================
