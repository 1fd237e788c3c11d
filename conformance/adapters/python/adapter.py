#!/usr/bin/env python3
"""A second implementation of poai's wire layer, speaking the conformance runner protocol.

This file is the template an implementer copies (see README.md next to it). It implements, with the
Python standard library and the `cryptography` package only:

  encoding/canonical   typed canonical CBOR decode/encode of the 28 wire types  (spec/02 ENC-CBOR.*, ENC-SCHEMA.1)
  encoding/cbor        the strict canonical CBOR layer without a schema         (spec/02 ENC-CBOR.1..4)
  signing/ed25519      Ed25519 sign/verify under the CRYPTO-2 acceptance rule   (spec/02 ENC-SIG.1, CRYPTO-2)
  signing/bls12_381    keygen and beacon_value only; sign and verify answer "unsupported" per case,
                       because `cryptography` has no BLS12-381                  (spec/02 CRYPTO-3)
  hashing/work_commitment, hashing/work_id                                      (spec/02 ENC-HASH.3)

The protocol (CONF-PROTO, conformance/README.md): line-delimited JSON on stdin/stdout, UTF-8, one
object per line.
  runner -> adapter   {"type":"hello","protocol":"poai/conformance-protocol/v1"}
  adapter -> runner   {"type":"hello","protocol":"poai/conformance-protocol/v1","implementation":"...","handlers":[...]}
  runner -> adapter   {"type":"case","id":7,"suite":"encoding","handler":"cbor","case":"strict_decode/empty","input":{...}}
  adapter -> runner   exactly one of {"id":7,"output":{...}}  {"id":7,"reject":"malformed"}
                      {"id":7,"unsupported":true}  {"id":7,"error":"one line"}
  stdin EOF: exit 0.

Conventions of the JSON (conformance/README.md "JSON form of values"): byte fields are lowercase hex
without 0x; wire values are schema-agnostic JSON where a string "0x..." is a byte string and any other
string is text.
"""
import hashlib
import json
import re
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

PROTOCOL = "poai/conformance-protocol/v1"
IMPLEMENTATION = "poai-python-adapter 1.0 (python %d.%d)" % sys.version_info[:2]
MAX_WIRE_BYTES = 4 * 1024 * 1024  # ENC-CBOR.4
MAX_NESTING = 256  # ENC-CBOR.6: the deepest item (the top-level item is at depth 0)
MAX_SAFE = 2**53 - 1  # ENC-CBOR.2: integers live in [-(2^53-1), 2^53-1]


class Reject(Exception):
    """The input is rejected with a protocol code (a decode reason such as "malformed")."""

    def __init__(self, code, detail=""):
        super().__init__(detail or code)
        self.code = code


class Unsupported(Exception):
    """This adapter cannot compute this case (answered as {"unsupported": true})."""


# ------------------------------------------------------------------------------------------------
# Canonical CBOR (ENC-CBOR.1..4)
#
# Decoding checks in three stages, so that the reason is the same whatever defect comes first in the
# bytes: (1) oversized, before parsing; (2) every "malformed" defect of the whole item, found while
# parsing; (3) "non-canonical": a "__proto__" map key anywhere, or bytes that differ from the canonical
# re-encoding of the decoded value (non-shortest heads, unsorted keys, integral floats, bad UTF-8).


class _Parser:
    def __init__(self, data):
        self.data = data
        self.pos = 0
        self.proto_key = False  # a map key "__proto__" was seen (non-canonical, ENC-CBOR.3)

    def byte(self):
        if self.pos >= len(self.data):
            raise Reject("malformed", "truncated")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def take(self, n):
        if self.pos + n > len(self.data):
            raise Reject("malformed", "truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def argument(self, ai):
        """The head's argument; non-shortest forms are accepted here (the re-encoding catches them)."""
        if ai < 24:
            return ai
        if ai in (24, 25, 26, 27):
            return int.from_bytes(self.take(1 << (ai - 24)), "big")
        if ai == 31:
            raise Reject("malformed", "indefinite length")  # ENC-CBOR.3: indefinite items, stray break
        raise Reject("malformed", "reserved additional information")  # 28..30

    def item(self, depth=0):
        ib = self.byte()
        major, ai = ib >> 5, ib & 0x1F
        if major == 7:
            return self.simple_or_float(ai)
        n = self.argument(ai)
        if major == 0:
            if n > MAX_SAFE:
                raise Reject("malformed", "integer outside the safe range")
            return n
        if major == 1:
            if n + 1 > MAX_SAFE:
                raise Reject("malformed", "integer outside the safe range")
            return -1 - n
        if major == 2:
            return bytes(self.take(n))
        if major == 3:
            # invalid UTF-8 decodes with U+FFFD and then re-encodes differently: non-canonical
            return self.take(n).decode("utf-8", errors="replace")
        if major in (4, 5) and n > 0 and depth >= MAX_NESTING:
            raise Reject("malformed", "nested deeper than MAX_NESTING")  # ENC-CBOR.6
        if major == 4:
            return [self.item(depth + 1) for _ in range(n)]
        if major == 5:
            out = {}
            seen = set()
            for _ in range(n):
                key = self.item(depth + 1)
                if not isinstance(key, str):
                    raise Reject("malformed", "map key that is not a text string")
                if key in seen:
                    raise Reject("malformed", "duplicate map key")
                seen.add(key)
                if key == "__proto__":
                    # the JavaScript reference cannot hold this key (it would set the object's
                    # prototype), so the protocol rejects it as non-canonical, after every malformed
                    # check: its value is still parsed below (conformance/docs/encoding.md)
                    self.proto_key = True
                out[key] = self.item(depth + 1)
            return out
        raise Reject("malformed", "tag")  # major 6: no tags in the data model

    def simple_or_float(self, ai):
        if ai == 20:
            return False
        if ai == 21:
            return True
        if ai == 22:
            return None
        if ai in (25, 26, 27):
            raw = self.take(1 << (ai - 24))
            x = _float_from(raw)
            if x != x or x in (float("inf"), float("-inf")):
                raise Reject("malformed", "NaN or infinity")
            if x != int(x):
                raise Reject("malformed", "float that is not an integer")
            if abs(int(x)) > MAX_SAFE:
                raise Reject("malformed", "float holding an integer outside the safe range")
            return int(x)  # an integral float reads as that integer; its bytes are then non-canonical
        if ai == 31:
            raise Reject("malformed", "stray break")
        raise Reject("malformed", "undefined or simple value")


def _float_from(raw):
    import struct

    if len(raw) == 2:
        return struct.unpack(">e", raw)[0]
    if len(raw) == 4:
        return struct.unpack(">f", raw)[0]
    return struct.unpack(">d", raw)[0]


def cbor_decode(data):
    """Strict decode (ENC-CBOR.3): the value, or Reject("oversized" | "malformed" | "non-canonical")."""
    if len(data) > MAX_WIRE_BYTES:
        raise Reject("oversized")
    p = _Parser(data)
    try:
        value = p.item()
    except RecursionError:
        raise Reject("malformed", "nesting too deep")
    if p.pos != len(data):
        raise Reject("malformed", "bytes after the item")
    if p.proto_key:
        raise Reject("non-canonical", 'map key "__proto__"')
    if cbor_encode(value) != data:
        raise Reject("non-canonical", "not the deterministic encoding")
    return value


def _head(major, n):
    if n < 24:
        return bytes([(major << 5) | n])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([(major << 5) | ai]) + n.to_bytes(size, "big")
    raise ValueError("integer too large")


def cbor_encode(v):
    """Canonical encoding (ENC-CBOR.1): shortest heads, definite lengths, keys sorted by their encodings."""
    if v is None:
        return b"\xf6"
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if isinstance(v, int):
        if abs(v) > MAX_SAFE:
            raise ValueError("integer outside the data model")
        return _head(0, v) if v >= 0 else _head(1, -1 - v)
    if isinstance(v, bytes):
        return _head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode("utf-8")
        return _head(3, len(b)) + b
    if isinstance(v, list):
        return _head(4, len(v)) + b"".join(cbor_encode(x) for x in v)
    if isinstance(v, dict):
        entries = sorted((cbor_encode(k), cbor_encode(x)) for k, x in v.items())
        return _head(5, len(entries)) + b"".join(k + x for k, x in entries)
    raise ValueError("no CBOR form for %r" % type(v))


# ------------------------------------------------------------------------------------------------
# JSON form of wire values: "0x"+hex <-> bytes, everything else as itself


def to_json(v):
    if isinstance(v, bytes):
        return "0x" + v.hex()
    if isinstance(v, list):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {k: to_json(x) for k, x in v.items()}
    return v


def from_json(j):
    if isinstance(j, str) and j.startswith("0x"):
        if not re.fullmatch(r"0x(?:[0-9a-f]{2})*", j):
            raise ValueError("bad 0x byte string")
        return bytes.fromhex(j[2:])
    if isinstance(j, list):
        return [from_json(x) for x in j]
    if isinstance(j, dict):
        return {k: from_json(x) for k, x in j.items()}
    if isinstance(j, float):
        raise ValueError("numbers are integers")
    return j


def hexf(inp, name):
    s = inp[name]
    if not isinstance(s, str) or not re.fullmatch(r"(?:[0-9a-f]{2})*", s):
        raise ValueError("%s is not lowercase hex" % name)
    return bytes.fromhex(s)


def padded(inp, name):
    """`bytes` followed by zero bytes up to `zeroPadTo` (the oversized cases are not spelled out)."""
    b = hexf(inp, name)
    n = inp.get("zeroPadTo")
    if n is None:
        return b
    if n > MAX_WIRE_BYTES:  # oversized is decided on the length alone; no need to build it
        raise Reject("oversized")
    return b + bytes(n - len(b))


# ------------------------------------------------------------------------------------------------
# Schemas of the wire types (spec/01-data-types.md; src/domain/*.ts). A schema is a function
# value -> bool; a canonical value that fails it is rejected with reason "schema" (ENC-SCHEMA.1).


def is_int(v):
    return type(v) is int  # bool is a subclass of int in Python: exclude it


def Int(lo, hi):
    return lambda v: is_int(v) and lo <= v <= hi


def Bytes(n):
    return lambda v: isinstance(v, bytes) and len(v) == n


def BytesMax(n):
    return lambda v: isinstance(v, bytes) and len(v) <= n


def Lit(*values):
    return lambda v: isinstance(v, str) and v in values


def NullOr(s):
    return lambda v: v is None or s(v)


def Array(s, max_items):
    return lambda v: isinstance(v, list) and len(v) <= max_items and all(s(x) for x in v)


def Struct(**fields):
    """A map with exactly these keys (missing or extra keys fail); `fields` keeps the omit() helper simple."""

    def check(v):
        return isinstance(v, dict) and set(v) == set(fields) and all(s(v[k]) for k, s in fields.items())

    check.fields = fields
    return check


def omit(struct, *names):
    return Struct(**{k: s for k, s in struct.fields.items() if k not in names})


def Union(*schemas):
    return lambda v: any(s(v) for s in schemas)


Uint = Int(0, MAX_SAFE)
Round = Int(0, 1_000_000)
RoundOrNone = Int(-1, 1_000_000)
Ppm = Int(0, 1_000_000)
Hash32 = PubKey = Salt = Bytes(32)
Signature = Bytes(64)
BlsSignature = Bytes(96)
ChainId = lambda v: isinstance(v, str) and re.fullmatch(r"[a-z0-9-]{1,32}", v) is not None  # noqa: E731

Vote = Struct(chainId=ChainId, type=Lit("prevote", "precommit"), height=Uint, round=Round, blockHash=NullOr(Hash32), validator=PubKey, signature=Signature)
ProposalHeader = Struct(chainId=ChainId, height=Uint, round=Round, validRound=RoundOrNone, blockHash=Hash32, proposer=PubKey, signature=Signature)
CommitCertificate = Struct(height=Uint, round=Round, blockHash=Hash32, signatures=Array(Struct(validator=PubKey, signature=Signature), 1024))
Evidence = Union(
    Struct(kind=Lit("duplicate-vote"), a=Vote, b=Vote),
    Struct(kind=Lit("duplicate-proposal"), a=ProposalHeader, b=ProposalHeader),
)
BeaconEntry = Struct(chainId=ChainId, height=Uint, prev=Hash32, signer=PubKey, signature=BlsSignature)
Transfer = Struct(chainId=ChainId, to=PubKey, fee=Uint, **{"from": PubKey}, nonce=Uint, amount=Uint, signature=Signature)
TaskSpec = Struct(kind=Lit("inference", "training", "extraction"), taskId=Hash32, modelHash=Hash32, params=BytesMax(4096), computeUnits=Int(1, 1_000_000_000))
WorkClaim = Struct(task=TaskSpec, inputHash=Hash32, outputHash=Hash32, attestation=BytesMax(16 * 1024), qualityClaims=Struct(correctness=Ppm, utility=Ppm, novelty=Ppm), noveltySketch=Bytes(8))
WorkCommitment = Struct(chainId=ChainId, worker=PubKey, commitment=Hash32, signature=Signature)
WorkReveal = Struct(chainId=ChainId, worker=PubKey, claim=WorkClaim, salt=Salt, signature=Signature)
# VER-VERDICT.1..4 (spec/11): the auditor's typed verdict, its reason code and the evidence
AUDIT_REASONS = (
    "NONE", "OUTPUT_MISMATCH", "ARTEFACT_UNAVAILABLE", "TASK_MALFORMED", "NOVELTY_SKETCH_MISMATCH",
    "INF_MALFORMED_OUTPUT", "INF_MISMATCH", "INF_INCONSISTENT", "INF_CANARY_FAILED",
    "TRAIN_MALFORMED", "TRAIN_BAD_SHAPE", "TRAIN_OPENING_MISMATCH", "TRAIN_SKIPPED_STEP", "TRAIN_REPLAYED", "TRAIN_UPDATE_MISMATCH",
    "EXT_MALFORMED", "EXT_TOO_LARGE", "EXT_INPUT_MISMATCH", "EXT_BAD_PROOF", "EXT_MISSING_PARTITION", "EXT_EXTRA_RECORD",
    "EXT_WRONG_SAMPLE", "EXT_RECORD_MISMATCH",
)
MetricName = lambda v: isinstance(v, str) and re.fullmatch(r"[a-zA-Z0-9_.]{1,32}", v) is not None  # noqa: E731
AuditEvidence = Struct(
    sampled=Array(Uint, 256),
    recomputed=Array(Hash32, 256),
    item=Int(-1, MAX_SAFE),
    metrics=Array(Struct(name=MetricName, valueNano=Int(-MAX_SAFE, MAX_SAFE), thresholdNano=Int(-MAX_SAFE, MAX_SAFE)), 16),
)
AuditReport = Struct(chainId=ChainId, auditor=PubKey, workId=Hash32, verdict=Lit("pass", "fail"), reason=Lit(*AUDIT_REASONS), evidence=AuditEvidence, signature=Signature)
ScoreCommitment = Struct(chainId=ChainId, evaluator=PubKey, claimId=Hash32, commitment=Hash32, signature=Signature)
ScoreReveal = Struct(chainId=ChainId, evaluator=PubKey, claimId=Hash32, scores=Struct(correctness=Uint, utility=Uint, novelty=Uint), salt=Salt, signature=Signature)
BlockHeader = Struct(chainId=ChainId, height=Uint, round=Round, prevHash=Hash32, proposer=PubKey, bodyHash=Hash32, stateRoot=Hash32, beacon=BeaconEntry)
BlockBody = Struct(
    txs=Array(Transfer, 2000),
    commitments=Array(WorkCommitment, 512),
    reveals=Array(WorkReveal, 512),
    evidence=Array(Evidence, 64),
    audits=Array(AuditReport, 512),
    scoreCommits=Array(ScoreCommitment, 4096),
    scoreReveals=Array(ScoreReveal, 4096),
    lastCommit=NullOr(CommitCertificate),
)
Block = Struct(header=BlockHeader, body=BlockBody)


def _msg(tag, **fields):
    return Struct(type=Lit(tag), **fields)


Message = Union(
    _msg("proposal", proposal=ProposalHeader, block=Block),
    _msg("vote", vote=Vote),
    _msg("tx", tx=Transfer),
    _msg("commitment", commitment=WorkCommitment),
    _msg("reveal", reveal=WorkReveal),
    _msg("evidence", evidence=Evidence),
    _msg("audit", audit=AuditReport),
    _msg("score-commit", commitment=ScoreCommitment),
    _msg("score-reveal", reveal=ScoreReveal),
    _msg("sync-request", height=Uint),
    _msg("sync-response", block=Block, commit=CommitCertificate),
)

SCHEMAS = {
    "Transfer": Transfer,
    "UnsignedTransfer": omit(Transfer, "signature"),
    "TaskSpec": TaskSpec,
    "WorkClaim": WorkClaim,
    "WorkCommitment": WorkCommitment,
    "UnsignedWorkCommitment": omit(WorkCommitment, "signature"),
    "WorkReveal": WorkReveal,
    "UnsignedWorkReveal": omit(WorkReveal, "signature"),
    "AuditReport": AuditReport,
    "UnsignedAuditReport": omit(AuditReport, "signature"),
    "ScoreCommitment": ScoreCommitment,
    "UnsignedScoreCommitment": omit(ScoreCommitment, "signature"),
    "ScoreReveal": ScoreReveal,
    "UnsignedScoreReveal": omit(ScoreReveal, "signature"),
    "ProposalHeader": ProposalHeader,
    "UnsignedProposalHeader": omit(ProposalHeader, "signature"),
    "Vote": Vote,
    "Prevote": lambda v: Vote(v) and v["type"] == "prevote",
    "Precommit": lambda v: Vote(v) and v["type"] == "precommit",
    "UnsignedVote": omit(Vote, "signature"),
    "BlockHeader": BlockHeader,
    "BlockBody": BlockBody,
    "Block": Block,
    "CommitCertificate": CommitCertificate,
    "BeaconEntry": BeaconEntry,
    "BeaconInput": omit(BeaconEntry, "signature", "signer"),
    "Evidence": Evidence,
    "Message": Message,
}


# ------------------------------------------------------------------------------------------------
# Domain separation and hashes (ENC-HASH.1..3)


def sha256(b):
    return hashlib.sha256(b).digest()


def tagged(tag, payload):
    """u8(len(tag)) || ascii(tag) || payload"""
    t = tag.encode("ascii")
    return bytes([len(t)]) + t + payload


# the hash of a whole wire object, for the types that have one: type -> domain tag
HASHED = {
    "Transfer": "POAI/v1/tx-id",
    "BlockHeader": "POAI/v1/block-header",
    "BlockBody": "POAI/v1/block-body",
    "CommitCertificate": "POAI/v1/commit-cert",
    "Evidence": "POAI/v1/evidence",
}

# signed type -> (unsigned type, signer field, domain tag, scheme) (ENC-SIG.1)
SIGNED = {
    "Transfer": ("UnsignedTransfer", "from", "POAI/v1/tx", "ed25519"),
    "Vote": ("UnsignedVote", "validator", "POAI/v1/vote", "ed25519"),
    "ProposalHeader": ("UnsignedProposalHeader", "proposer", "POAI/v1/proposal", "ed25519"),
    "WorkCommitment": ("UnsignedWorkCommitment", "worker", "POAI/v1/work-commit-msg", "ed25519"),
    "WorkReveal": ("UnsignedWorkReveal", "worker", "POAI/v1/work-reveal", "ed25519"),
    "AuditReport": ("UnsignedAuditReport", "auditor", "POAI/v1/audit-report", "ed25519"),
    "ScoreCommitment": ("UnsignedScoreCommitment", "evaluator", "POAI/v1/score-commit-msg", "ed25519"),
    "ScoreReveal": ("UnsignedScoreReveal", "evaluator", "POAI/v1/score-reveal", "ed25519"),
    "BeaconEntry": ("BeaconInput", "signer", "POAI/v1/beacon", "bls12-381"),
}


def typed_value(type_name, json_value):
    """A JSON-form value checked against its type's schema (Reject("schema") if it is not one)."""
    v = from_json(json_value)
    if not SCHEMAS[type_name](v):
        raise Reject("schema")
    return v


# ------------------------------------------------------------------------------------------------
# Ed25519 under CRYPTO-2: sig 64 bytes, key 32; A canonical (y < p, no negative zero) and not of small
# order; OpenSSL (through `cryptography`) checks S < L, a canonical R and the cofactorless equation.

SMALL_ORDER_OR_NEGATIVE_ZERO = {
    "0100000000000000000000000000000000000000000000000000000000000000",  # identity (order 1)
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
    "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
    "0100000000000000000000000000000000000000000000000000000000000080",  # identity, negative zero
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  # y = -1, negative zero
}
P25519 = 2**255 - 19


def ed25519_verify(sig, msg, pk):
    if len(sig) != 64 or len(pk) != 32:
        return False
    if int.from_bytes(pk, "little") & ((1 << 255) - 1) >= P25519:  # y must be < p
        return False
    if pk.hex() in SMALL_ORDER_OR_NEGATIVE_ZERO:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(pk).verify(sig, msg)
        return True
    except (InvalidSignature, ValueError):
        return False


def ed25519_public_key(seed):
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


# ------------------------------------------------------------------------------------------------
# Handlers: input (dict) -> output (JSON value); Reject / Unsupported as described above


def h_encoding_canonical(inp):
    type_name = inp["type"]
    if type_name not in SCHEMAS:
        raise ValueError("unknown wire type %s" % type_name)
    if inp["op"] == "encode":
        return {"bytes": cbor_encode(typed_value(type_name, inp["value"])).hex()}
    data = padded(inp, "bytes")
    value = cbor_decode(data)
    if not SCHEMAS[type_name](value):
        raise Reject("schema")
    out = {"value": to_json(value)}
    if type_name in HASHED:
        out["hash"] = sha256(tagged(HASHED[type_name], data)).hex()
    return out


def h_encoding_cbor(inp):
    if inp["op"] == "encode":
        return {"bytes": cbor_encode(from_json(inp["value"])).hex()}
    return {"value": to_json(cbor_decode(padded(inp, "bytes")))}


def _signing(inp, scheme):
    op = inp["op"]
    if scheme == "bls12-381":
        if op == "keygen":  # CRYPTO-3: sk = (OS2IP(SHA-256("POAI/v1/bls-keygen" || seed)) mod (r - 1)) + 1
            r = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
            x = int.from_bytes(sha256(b"POAI/v1/bls-keygen" + hexf(inp, "secretSeed")), "big") % (r - 1) + 1
            return {"blsSecretScalar": x.to_bytes(32, "big").hex()}
        if op == "beacon_value":  # LE-BEACON.1
            return {"beaconValue": sha256(tagged("POAI/v1/beacon-value", hexf(inp, "signature"))).hex()}
        raise Unsupported()  # sign / verify need BLS12-381 pairings, which `cryptography` does not have
    unsigned_type, signer_field, tag, s = SIGNED[inp["type"]]
    if s != scheme:
        raise ValueError("%s is not signed with %s" % (inp["type"], scheme))
    if op == "sign":
        seed = hexf(inp, "secretSeed")
        unsigned = typed_value(unsigned_type, inp["unsigned"])
        signing_bytes = tagged(tag, cbor_encode(unsigned))
        signature = Ed25519PrivateKey.from_private_bytes(seed).sign(signing_bytes)  # RFC 8032, deterministic
        signed = dict(unsigned, signature=signature)
        return {
            "publicKey": ed25519_public_key(seed).hex(),
            "signingBytes": signing_bytes.hex(),
            "signature": signature.hex(),
            "signed": to_json(signed),
            "canonical": cbor_encode(typed_value(inp["type"], to_json(signed))).hex(),
        }
    if op != "verify":
        raise ValueError("unknown op %s" % op)
    pk, sig = hexf(inp, "publicKey"), hexf(inp, "signature")
    if "unsigned" in inp:
        signing_bytes = tagged(tag, cbor_encode(typed_value(unsigned_type, inp["unsigned"])))
        return {"signingBytes": signing_bytes.hex(), "valid": ed25519_verify(sig, signing_bytes, pk)}
    return {"valid": ed25519_verify(sig, hexf(inp, "signingBytes"), pk)}


def _claim(inp):
    return typed_value("WorkClaim", inp["claim"])


def h_work_commitment(inp):
    worker, salt = hexf(inp, "worker"), hexf(inp, "salt")
    if len(worker) != 32 or len(salt) != 32:
        raise ValueError("worker and salt are 32 bytes")
    # WORK-CR.1: H(tagged(work-commitment, cbor(claim) || worker || salt))
    c = sha256(tagged("POAI/v1/work-commitment", cbor_encode(_claim(inp)) + worker + salt))
    if inp["op"] == "commit":
        return {"commitment": c.hex()}
    return {"opens": c == hexf(inp, "commitment")}


def h_work_id(inp):
    claim = _claim(inp)
    # WORK-CR.4: H(tagged(work-id, cbor([taskId, inputHash, outputHash])))
    w = sha256(tagged("POAI/v1/work-id", cbor_encode([claim["task"]["taskId"], claim["inputHash"], claim["outputHash"]])))
    if inp["op"] == "work_id":
        return {"workId": w.hex()}
    return {"matches": w == hexf(inp, "workId")}


HANDLERS = {
    "encoding/canonical": h_encoding_canonical,
    "encoding/cbor": h_encoding_cbor,
    "signing/ed25519": lambda inp: _signing(inp, "ed25519"),
    "signing/bls12_381": lambda inp: _signing(inp, "bls12-381"),
    "hashing/work_commitment": h_work_commitment,
    "hashing/work_id": h_work_id,
}


# ------------------------------------------------------------------------------------------------
# The protocol loop


def answer(req):
    """One case request -> one response object."""
    rid = req.get("id")
    handler = HANDLERS.get("%s/%s" % (req.get("suite"), req.get("handler")))
    if handler is None:
        return {"id": rid, "unsupported": True}
    try:
        return {"id": rid, "output": handler(req["input"])}
    except Reject as r:
        return {"id": rid, "reject": r.code}
    except Unsupported:
        return {"id": rid, "unsupported": True}
    except Exception as e:  # the input was not what the handler expects: a failure, reported on one line
        return {"id": rid, "error": ("%s: %s" % (type(e).__name__, e)).replace("\n", " ")[:500]}


def main():
    out = sys.stdout
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8").strip()
        if not line:
            continue
        req = json.loads(line)
        if req.get("type") == "hello":
            if req.get("protocol") != PROTOCOL:
                sys.stderr.write("unknown protocol %r\n" % req.get("protocol"))
                return 2
            resp = {"type": "hello", "protocol": PROTOCOL, "implementation": IMPLEMENTATION, "handlers": sorted(HANDLERS)}
        else:
            resp = answer(req)
        out.write(json.dumps(resp, separators=(",", ":"), ensure_ascii=False) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
