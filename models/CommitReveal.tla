---------------------------- MODULE CommitReveal ----------------------------
(***************************************************************************)
(* Commit-then-reveal on a chain of finalized blocks, for                  *)
(*  (a) work claims (src/core/WorkClaims.ts, src/core/Node.ts onWork and   *)
(*      revealFinalized; spec WORK-CR.1..8, paper section 6.3), and        *)
(*  (b) evaluator scores (the same pattern with a commit phase that closes *)
(*      at a fixed height before any reveal is accepted).                  *)
(*                                                                         *)
(* The adversary (a copier, and Byzantine evaluators) sees every message   *)
(* as soon as it is gossiped, signs anything with its own key, re-signs    *)
(* other people's commitment hashes, and orders the items of every block   *)
(* (it may be the proposer, or just faster on the network). Hashes are     *)
(* modelled by their preimage record: equal preimages, equal hashes; a     *)
(* hash is hiding (only the committer knows the claim inside it until it   *)
(* reveals) and binding (a reveal must reproduce the preimage).            *)
(*                                                                         *)
(* One assumption bounds censorship: an honest worker's reveal that is     *)
(* valid gets into a block before its reveal window closes (some correct   *)
(* proposer within revealWindow blocks includes it; WORK-CR.3).            *)
(***************************************************************************)
EXTENDS Integers, FiniteSets

CONSTANTS
    \* Honest workers; each computed one piece of work.
    Workers,
    \* The work (claim) each honest worker computed: [Workers -> ClaimIds], injective.
    WorkOf,
    \* Identity of the copier: an adversarial worker with its own key.
    Copier,
    \* Honest and Byzantine evaluators scoring one piece of work.
    HonestEvaluators, ByzEvaluators,
    \* Scores (any finite set), and the score each honest evaluator arrives at on its own.
    Scores, ScoreOf,
    \* WORK-CR.3: a reveal must be included at most RevealWindow blocks after its commitment.
    RevealWindow,
    \* Score commitments are accepted in blocks 1..ScoreClose; score reveals only after it.
    ScoreClose,
    \* Bound on the chain length for model checking.
    MaxHeight,
    \* TRUE: commitments are registered (and kept in the mempool) per (worker, hash), as the core
    \* does since commit ae761ac (WorkClaims.ts commitmentKey); FALSE: per hash alone (before).
    KeyByWorker,
    \* TRUE: a worker reveals only once a commitment of ITS OWN with its hash is finalized
    \* (Node.ts revealFinalized since b399a95); FALSE: once any commitment with its hash is.
    RevealChecksOwner,
    \* TRUE: an honest evaluator reveals only once the block closing the commit phase is final;
    \* FALSE: as soon as its own commitment is final (what revealFinalized does for work).
    RevealAfterClose,
    \* "none" (a model value)
    None

ClaimIds == {WorkOf[w] : w \in Workers}
Evaluators == HonestEvaluators \cup ByzEvaluators
\* Salts: an honest worker's salt is secret (derived from its secret key, WORK-CR.8); the
\* copier uses its own.
Salts == {"honest", "copier"}
Heights == 0..MaxHeight

ASSUME
    /\ Copier \notin Workers
    /\ WorkOf \in [Workers -> ClaimIds]
    /\ \A w1, w2 \in Workers : w1 # w2 => WorkOf[w1] # WorkOf[w2]
    /\ HonestEvaluators \cap ByzEvaluators = {}
    /\ ScoreOf \in [HonestEvaluators -> Scores]
    /\ RevealWindow \in Nat \ {0}
    /\ ScoreClose \in 1..MaxHeight
    /\ KeyByWorker \in BOOLEAN /\ RevealChecksOwner \in BOOLEAN /\ RevealAfterClose \in BOOLEAN

\* The preimage of a work commitment H(claim || worker || salt) (WORK-CR.1).
Hash(c, w, s) == [claim |-> c, worker |-> w, salt |-> s]
HashOf(w) == Hash(WorkOf[w], w, "honest")

\* Messages (src/domain/Work.ts). `signer` is whoever signed it.
WCommit(signer, h) == [type |-> "wcommit", signer |-> signer, hash |-> h]
WReveal(w, c, s) == [type |-> "wreveal", worker |-> w, claim |-> c, salt |-> s]
\* `seen` is a ghost field, not on the wire: the honest scores revealed (gossiped) by the time
\* the commitment was made. The score itself is bound by the commitment.
SCommit(e, s, seen) == [type |-> "scommit", evaluator |-> e, score |-> s, seen |-> seen]
SReveal(e, s) == [type |-> "sreveal", evaluator |-> e, score |-> s]

VARIABLES
    \* Number of finalized blocks; items are being added to block height + 1.
    height,
    \* Position of the next item in the open block (the index of WORK-CR.2's "earlier").
    index,
    \* Every message ever gossiped (the adversary sees them all).
    msgs,
    \* Messages already in a block, and those of them in the open (not yet final) block.
    included, openBlock,
    \* Finalized work commitments: [signer, hash, height, index, revealed] (WORK-CR.1).
    registry,
    \* Holder of each work (claim id): None or [worker, commitHeight, commitIndex, maturesAt, matured].
    holder,
    \* Honest workers' progress: "idle", "committed", "revealed".
    wstate,
    \* Score commitments and reveals accepted on chain.
    scoreCommits, scoreReveals

vars == <<height, index, msgs, included, openBlock, registry, holder, wstate, scoreCommits, scoreReveals>>

AllHashes == {Hash(c, w, s) : c \in ClaimIds, w \in Workers \cup {Copier}, s \in Salts}
HolderRecs == [worker : Workers \cup {Copier}, commitHeight : Heights, commitIndex : Nat,
               maturesAt : Nat, matured : BOOLEAN]

TypeOK ==
    /\ height \in Heights
    /\ index \in Nat
    /\ included \subseteq msgs
    /\ openBlock \subseteq included
    /\ \A m \in msgs : m.type \in {"wcommit", "wreveal", "scommit", "sreveal"}
    /\ \A r \in registry :
         r \in [signer : Workers \cup {Copier}, hash : AllHashes, height : Heights,
                index : Nat, revealed : BOOLEAN]
    /\ holder \in [ClaimIds -> HolderRecs \cup {None}]
    /\ wstate \in [Workers -> {"idle", "committed", "revealed"}]
    /\ scoreCommits \subseteq {m \in msgs : m.type = "scommit"}
    /\ scoreReveals \subseteq {m \in msgs : m.type = "sreveal"}

Init ==
    /\ height = 0
    /\ index = 0
    /\ msgs = {}
    /\ included = {}
    /\ openBlock = {}
    /\ registry = {}
    /\ holder = [c \in ClaimIds |-> None]
    /\ wstate = [w \in Workers |-> "idle"]
    /\ scoreCommits = {}
    /\ scoreReveals = {}

\* What the copier knows: the claims revealed in gossip. Commitments hide their claim.
\* Items of finalized blocks.
FinalItems == included \ openBlock
Known == {m.claim : m \in {m \in msgs : m.type = "wreveal"}}
\* Honest scores revealed in gossip so far.
RevealedHonestScores ==
    {<<m.evaluator, m.score>> : m \in {m \in msgs : m.type = "sreveal" /\ m.evaluator \in HonestEvaluators}}

Gossip(m) ==
    /\ msgs' = msgs \cup {m}
    /\ UNCHANGED <<height, index, included, openBlock, registry, holder, scoreCommits, scoreReveals>>

(***************************************************************************)
(* Honest workers (Node.ts onWork, revealFinalized).                      *)
(***************************************************************************)
\* WORK-CR.8: commit first.
HonestCommit(w) ==
    /\ wstate[w] = "idle"
    /\ wstate' = [wstate EXCEPT ![w] = "committed"]
    /\ Gossip(WCommit(w, HashOf(w)))

\* WORK-CR.8: reveal once the commitment is finalized.
HonestReveal(w) ==
    /\ wstate[w] = "committed"
    /\ \E r \in registry :
         /\ r.height <= height                       \* in a finalized block
         /\ r.hash = HashOf(w) /\ (RevealChecksOwner => r.signer = w)
    /\ wstate' = [wstate EXCEPT ![w] = "revealed"]
    /\ Gossip(WReveal(w, WorkOf[w], "honest"))

(***************************************************************************)
(* The copier.                                                             *)
(***************************************************************************)
\* Commit to a claim it has seen revealed, under its own key and salt.
CopierCommit(c) ==
    /\ c \in Known
    /\ Gossip(WCommit(Copier, Hash(c, Copier, "copier")))
    /\ UNCHANGED wstate

\* Front-run a commitment it has seen: the same hash, signed with its own key.
CopierResign(m) ==
    /\ m \in msgs /\ m.type = "wcommit" /\ m.signer # Copier
    /\ Gossip(WCommit(Copier, m.hash))
    /\ UNCHANGED wstate

\* Reveal a claim it knows, as its own (it cannot sign a reveal in another worker's name).
CopierReveal(c) ==
    /\ c \in Known
    /\ Gossip(WReveal(Copier, c, "copier"))
    /\ UNCHANGED wstate

(***************************************************************************)
(* Evaluators. An honest evaluator commits its own score while the commit  *)
(* phase is open and reveals after the block that closes it is final. A   *)
(* Byzantine evaluator commits or reveals any score at any time, after     *)
(* reading everything gossiped so far.                                     *)
(***************************************************************************)
HonestScoreCommit(e) ==
    /\ height < ScoreClose
    /\ ~\E m \in msgs : m.type = "scommit" /\ m.evaluator = e
    /\ Gossip(SCommit(e, ScoreOf[e], RevealedHonestScores))
    /\ UNCHANGED wstate

HonestScoreReveal(e) ==
    /\ RevealAfterClose => height >= ScoreClose
    /\ \E m \in scoreCommits : m.evaluator = e /\ m \in FinalItems
    /\ Gossip(SReveal(e, ScoreOf[e]))
    /\ UNCHANGED wstate

ByzScore(e) ==
    \E s \in Scores :
        \/ Gossip(SCommit(e, s, RevealedHonestScores)) /\ UNCHANGED wstate
        \/ Gossip(SReveal(e, s)) /\ UNCHANGED wstate

(***************************************************************************)
(* Blocks. Items are added to the open block one at a time, in any order   *)
(* (the adversary orders them); an item that fails its checks is left out  *)
(* (buildBlock drops it; validateBlock would reject a block carrying it).  *)
(***************************************************************************)
H == height + 1 \* the height of the open block

\* WORK-CR.1: register a commitment; a duplicate key is rejected.
SameKey(r, m) == r.hash = m.hash /\ (KeyByWorker => r.signer = m.signer)
CommitOK(m) == ~\E r \in registry : SameKey(r, m)

\* WORK-CR.2..6 (applyReveal).
RevealRec(m) ==
    {r \in registry : r.hash = Hash(m.claim, m.worker, m.salt) /\ (KeyByWorker => r.signer = m.worker)}
Earlier(h1, i1, h2, i2) == h1 < h2 \/ (h1 = h2 /\ i1 < i2)
RevealOK(m) ==
    \E r \in RevealRec(m) :
        /\ r.height < H
        /\ r.signer = m.worker                 \* WORK_WRONG_WORKER (implied when KeyByWorker)
        /\ H - r.height <= RevealWindow        \* WORK_REVEAL_EXPIRED
        /\ ~r.revealed                         \* WORK_ALREADY_REVEALED
        /\ IF holder[m.claim] = None           \* WORK_ALREADY_CLAIMED unless earlier
           THEN TRUE
           ELSE /\ ~holder[m.claim].matured
                /\ Earlier(r.height, r.index, holder[m.claim].commitHeight, holder[m.claim].commitIndex)

ApplyReveal(m) ==
    LET r == CHOOSE r \in RevealRec(m) : TRUE IN
    /\ registry' = (registry \ {r}) \cup {[r EXCEPT !.revealed = TRUE]}
    /\ holder' = [holder EXCEPT ![m.claim] =
                    [worker |-> m.worker, commitHeight |-> r.height, commitIndex |-> r.index,
                     \* WORK-CR.6: no earlier commitment can still be revealed after maturesAt.
                     maturesAt |-> IF H > r.height + RevealWindow + 1 THEN H ELSE r.height + RevealWindow + 1,
                     matured |-> FALSE]]

ScoreCommitOK(m) == H <= ScoreClose /\ ~\E x \in scoreCommits : x.evaluator = m.evaluator
ScoreRevealOK(m) ==
    /\ H > ScoreClose
    /\ \E x \in scoreCommits : x.evaluator = m.evaluator /\ x.score = m.score   \* binding
    /\ ~\E x \in scoreReveals : x.evaluator = m.evaluator

Include(m) ==
    /\ height < MaxHeight
    /\ m \in msgs \ included
    /\ \/ /\ m.type = "wcommit" /\ CommitOK(m)
          /\ registry' = registry \cup
               {[signer |-> m.signer, hash |-> m.hash, height |-> H, index |-> index, revealed |-> FALSE]}
          /\ UNCHANGED <<holder, scoreCommits, scoreReveals>>
       \/ /\ m.type = "wreveal" /\ RevealOK(m)
          /\ ApplyReveal(m)
          /\ UNCHANGED <<scoreCommits, scoreReveals>>
       \/ /\ m.type = "scommit" /\ ScoreCommitOK(m)
          /\ scoreCommits' = scoreCommits \cup {m}
          /\ UNCHANGED <<registry, holder, scoreReveals>>
       \/ /\ m.type = "sreveal" /\ ScoreRevealOK(m)
          /\ scoreReveals' = scoreReveals \cup {m}
          /\ UNCHANGED <<registry, holder, scoreCommits>>
    /\ included' = included \cup {m}
    /\ openBlock' = openBlock \cup {m}
    /\ index' = index + 1
    /\ UNCHANGED <<height, msgs, wstate>>

\* The censorship bound: a valid honest reveal whose window ends with the open block is in it.
OverdueHonestReveal ==
    \E m \in msgs \ included :
        /\ m.type = "wreveal" /\ m.worker \in Workers /\ RevealOK(m)
        /\ \E r \in RevealRec(m) : r.height + RevealWindow = H

\* Finalize the open block (CONS-RULE.8); WORK-CR.7: claims whose maturesAt <= H mature.
Seal ==
    /\ height < MaxHeight
    /\ ~OverdueHonestReveal
    /\ height' = H
    /\ index' = 0
    /\ openBlock' = {}
    /\ holder' = [c \in ClaimIds |->
                    IF holder[c] # None /\ holder[c].maturesAt <= H
                    THEN [holder[c] EXCEPT !.matured = TRUE] ELSE holder[c]]
    /\ UNCHANGED <<msgs, included, registry, wstate, scoreCommits, scoreReveals>>

\* Named disjuncts, so that counterexamples name the action taken.
Worker == \E w \in Workers : HonestCommit(w) \/ HonestReveal(w)
Copy == \E c \in ClaimIds : CopierCommit(c) \/ CopierReveal(c)
Resign == \E m \in msgs : CopierResign(m)
Evaluate == (\E e \in HonestEvaluators : HonestScoreCommit(e) \/ HonestScoreReveal(e))
                \/ (\E e \in ByzEvaluators : ByzScore(e))
IncludeItem == \E m \in msgs : Include(m)

Next == Worker \/ Copy \/ Resign \/ Evaluate \/ IncludeItem \/ Seal

Spec == Init /\ [][Next]_vars

(***************************************************************************)
(* Properties.                                                             *)
(***************************************************************************)

\* NoTheft (paper section 6.3, WORK-CR.2..6): no one but the worker who did a piece of work
\* ever holds a matured claim on it (matured claims are what earn Q and rewards, WORK-CR.7).
\* A copier learns the claim only from the reveal, after the original commitment is final,
\* so its own commitment is later and the earliest finalized commitment wins.
NoTheft ==
    \A w \in Workers :
        IF holder[WorkOf[w]] = None THEN TRUE
        ELSE holder[WorkOf[w]].matured => holder[WorkOf[w]].worker = w

\* NoPreemption: front-running a commitment cannot lock its worker out: the worker's own
\* commitment is final, or can still be included.
NoPreemption ==
    \A w \in Workers :
        wstate[w] # "idle" =>
            \/ \E r \in registry : r.hash = HashOf(w) /\ r.signer = w
            \/ CommitOK(WCommit(w, HashOf(w)))

\* NoScoreAfterSeeing: every score commitment accepted on chain was made before any honest
\* score was revealed, so no committed score can depend on another evaluator's revealed score.
NoScoreAfterSeeing == \A m \in scoreCommits : m.seen = {}

\* Binding: every accepted score reveal equals the committed score.
ScoreBinding ==
    \A x \in scoreReveals : \E y \in scoreCommits : y.evaluator = x.evaluator /\ y.score = x.score

=============================================================================
