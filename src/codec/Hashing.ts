// spec: ENC-HASH.1..3, ENC-SIG.1 (spec/02-encoding.md)
// The one place where hash and signing preimages are defined. Every hash is
// SHA-256(tagged(tag, canonical bytes)); every signature is over tagged(tag, canonical bytes of the
// unsigned object). The unsigned object is the signed object without its `signature` field.
import type { BeaconInput } from "../domain/Beacon.ts"
import type { Block, BlockBody, BlockHeader } from "../domain/Block.ts"
import { CommitSig, type CommitCertificate, type Evidence, MAX_VALIDATORS, type UnsignedProposalHeader, type UnsignedVote } from "../domain/Consensus.ts"
import type { UnsignedTransfer } from "../domain/Transaction.ts"
import type { UnsignedAuditReport, UnsignedWorkCommitment, UnsignedWorkReveal, WorkClaim } from "../domain/Work.ts"
import { concatBytes } from "./Bytes.ts"
import { canonicalEncode, DOMAIN, tagged } from "./Canonical.ts"
import { makeCodec } from "./Codec.ts"
import { PreEncoded } from "./FastCbor.ts"
import { Codecs } from "./index.ts"

export type Sha256 = (data: Uint8Array) => Uint8Array

const omitSignature = <T extends { signature: Uint8Array }>(x: T): Omit<T, "signature"> => {
  const { signature: _ignored, ...rest } = x
  return rest
}
export { omitSignature }

export const SigningBytes = {
  transfer: (t: UnsignedTransfer) => tagged(DOMAIN.tx, Codecs.UnsignedTransfer.encode(t)),
  vote: (v: UnsignedVote) => tagged(DOMAIN.vote, Codecs.UnsignedVote.encode(v)),
  proposal: (p: UnsignedProposalHeader) => tagged(DOMAIN.proposal, Codecs.UnsignedProposalHeader.encode(p)),
  workCommitment: (c: UnsignedWorkCommitment) => tagged(DOMAIN.workCommitMsg, Codecs.UnsignedWorkCommitment.encode(c)),
  workReveal: (r: UnsignedWorkReveal) => tagged(DOMAIN.workReveal, Codecs.UnsignedWorkReveal.encode(r)),
  auditReport: (a: UnsignedAuditReport) => tagged(DOMAIN.auditReport, Codecs.UnsignedAuditReport.encode(a)),
  beacon: (b: BeaconInput) => tagged(DOMAIN.beacon, Codecs.BeaconInput.encode(b)),
} as const

/**
 * The canonical bytes of a block body, memoized per (immutable) body object: a block's body is hashed
 * when it is built and when it is validated, and its bytes are part of the block's bytes (a node's
 * stored commits, NODE-SYNC.1); a body is the largest part of a block (issue 12).
 */
const bodies = new WeakMap<BlockBody, Uint8Array>()
export const encodedBody = (b: BlockBody): Uint8Array => {
  let bytes = bodies.get(b)
  if (bytes === undefined) {
    bytes = Codecs.BlockBody.encode(b)
    bodies.set(b, bytes)
  }
  return bytes
}

/**
 * A block's canonical bytes (Codecs.Block.encode), memoized per (immutable) block object: every node
 * that decides the block keeps them (NODE-SYNC.1). Made from the body's memoized bytes and the header's:
 * the map {"body", "header"} with both values written as they are (ENC-CBOR.1: "body" sorts first).
 */
const blocks = new WeakMap<Block, Uint8Array>()
export const encodedBlock = (b: Block): Uint8Array => {
  let bytes = blocks.get(b)
  if (bytes === undefined) {
    bytes = canonicalEncode({ body: new PreEncoded(encodedBody(b.body)), header: new PreEncoded(Codecs.BlockHeader.encode(b.header)) })
    blocks.set(b, bytes)
  }
  return bytes
}

/**
 * A commit certificate's canonical bytes (Codecs.CommitCertificate.encode), with each signature entry
 * encoded once per signature array (NODE-SYNC.1, issue 12): every node stores its own certificate of
 * each height, and the entries are the same precommits, whose byte arrays all nodes share. The entry's
 * bytes are reused only for the same validator array; the rest of the certificate is checked against
 * its schema (with no signatures) and any value that check or the entries' refuse goes to the codec.
 * test/codec/EncodedCertificate.test.ts compares the bytes with the codec's.
 */
const commitSigCodec = makeCodec("CommitSig", CommitSig)
const sigEntries = new WeakMap<Uint8Array, { readonly validator: Uint8Array; readonly bytes: PreEncoded }>()
export const encodedCertificate = (c: CommitCertificate): Uint8Array => {
  const shell = { height: c.height, round: c.round, blockHash: c.blockHash, signatures: [] }
  if (!Array.isArray(c.signatures) || c.signatures.length > MAX_VALIDATORS || Codecs.CommitCertificate.validate(shell)._tag === "Left")
    return Codecs.CommitCertificate.encode(c)
  const entries: PreEncoded[] = []
  for (const sig of c.signatures) {
    const key = sig?.signature
    let e = key instanceof Uint8Array ? sigEntries.get(key) : undefined
    if (e === undefined || e.validator !== sig.validator) {
      let bytes: Uint8Array
      try {
        bytes = commitSigCodec.encode(sig)
      } catch {
        return Codecs.CommitCertificate.encode(c) // the codec's own refusal
      }
      e = { validator: sig.validator, bytes: new PreEncoded(bytes) }
      sigEntries.set(key, e)
    }
    entries.push(e.bytes)
  }
  return canonicalEncode({ ...shell, signatures: entries })
}

export const Hashes = {
  /** Transaction id: hash of the full signed transfer. */
  txId: (sha256: Sha256, tx: Parameters<typeof Codecs.Transfer.encode>[0]) =>
    sha256(tagged(DOMAIN.txId, Codecs.Transfer.encode(tx))),
  /** Block hash = hash of the header (the header binds the body through bodyHash). */
  blockHash: (sha256: Sha256, h: BlockHeader) => sha256(tagged(DOMAIN.blockHeader, Codecs.BlockHeader.encode(h))),
  bodyHash: (sha256: Sha256, b: BlockBody) => sha256(tagged(DOMAIN.blockBody, encodedBody(b))),
  commitCert: (sha256: Sha256, c: CommitCertificate) =>
    sha256(tagged(DOMAIN.commitCert, Codecs.CommitCertificate.encode(c))),
  evidence: (sha256: Sha256, e: Evidence) => sha256(tagged(DOMAIN.evidence, Codecs.Evidence.encode(e))),
  /** beacon_h = H(BLS signature) (LE-BEACON.1). */
  beaconValue: (sha256: Sha256, sig: Uint8Array) => sha256(tagged(DOMAIN.beaconValue, sig)),
  /**
   * Work commitment = H(claim || worker || salt) (WORK-CR.1): the claim's canonical CBOR (self-delimiting)
   * followed by the 32-byte worker key and the 32-byte salt.
   */
  workCommitment: (sha256: Sha256, claim: WorkClaim, worker: Uint8Array, salt: Uint8Array) =>
    sha256(tagged(DOMAIN.workCommitment, concatBytes(Codecs.WorkClaim.encode(claim), worker, salt))),
  /** Identity of a piece of work (WORK-CR.4): the task id with the input and output it binds. */
  workId: (sha256: Sha256, claim: WorkClaim) =>
    sha256(tagged(DOMAIN.workId, canonicalEncode([claim.task.taskId, claim.inputHash, claim.outputHash]))),
} as const

