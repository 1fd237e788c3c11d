// spec: CONS-VALID.1..3, CONS-BUILD.1 (spec/03-consensus.md), LEDGER-BLOCK.1..2, LEDGER-ROOT.1 (spec/05-ledger.md),
// LE-BEACON.1 (spec/04-leader-election.md)
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { Hashes } from "../../src/codec/Hashing.ts"
import { buildBlock, makeBeacon, validateBlock } from "../../src/core/BlockExecution.ts"
import { type ChainState, genesisState, stateRoot } from "../../src/core/ChainState.ts"
import type { ErrorCode } from "../../src/core/Errors.ts"
import { makeVoteEvidence } from "../../src/core/Evidence.ts"
import { proposerFor } from "../../src/core/LeaderElection.ts"
import type { Block, BlockBody } from "../../src/domain/Block.ts"
import type { CommitCertificate } from "../../src/domain/Consensus.ts"
import {
  type Account,
  certify,
  commitTo,
  ctx,
  flipBit,
  keysOf,
  nextBlock,
  saltOf,
  sha,
  signTransfer,
  testnet,
  validatorAccounts,
  vote,
  workClaim,
} from "../fixtures/core.ts"

const net = testnet({ nodes: 4, seed: 71, users: 4, params: { maxTxsPerBlock: 3 } })
const G = net.genesis
const users = net.users
const pay = (i: number, nonce: number, amount = 10) => signTransfer(users[i]!, { to: users[(i + 1) % 4]!.pubKey, amount, fee: 1, nonce })

// Node A builds; node B validates on its own genesis state.
const sA = genesisState(sha, G)
const sB = genesisState(sha, G)
const worker: Account = users[3]!
const b1 = nextBlock(net, sA, { txs: [pay(0, 0), pay(1, 0)], commitments: [commitTo(worker, workClaim("be-1"), saltOf("be-1"))] }, { real: true })
const validators = validatorAccounts(net, sA)
const cert1 = certify(b1.block, validators.slice(0, 3))

const result = (s: ChainState, block: Block): ErrorCode | "ok" => {
  const r = validateBlock(ctx, s, block)
  return Either.isRight(r) ? "ok" : r.left.code
}
/** Replace the body and recompute bodyHash so the body-hash check passes and later checks are reached. */
const withBody = (block: Block, body: Partial<BlockBody>): Block => {
  const nb = { ...block.body, ...body }
  return { header: { ...block.header, bodyHash: Hashes.bodyHash(sha, nb) }, body: nb }
}
const withHeader = (block: Block, h: Partial<Block["header"]>): Block => ({ ...block, header: { ...block.header, ...h } })

describe("buildBlock then validateBlock on another node (CONS-VALID.1, LEDGER-ROOT.1)", () => {
  it("accepts and yields the same state root, block hash and beacon", () => {
    const r = validateBlock(ctx, sB, b1.block)
    expect(Either.isRight(r)).toBe(true)
    const v = Either.getOrThrow(r)
    expect(toHex(stateRoot(sha, v))).toBe(toHex(b1.block.header.stateRoot))
    expect(toHex(stateRoot(sha, v))).toBe(toHex(stateRoot(sha, b1.state)))
    expect(toHex(v.lastBlockHash)).toBe(toHex(Hashes.blockHash(sha, b1.block.header)))
    expect(toHex(v.lastBlockHash)).toBe(toHex(b1.state.lastBlockHash))
    expect(toHex(v.beacon)).toBe(toHex(Hashes.beaconValue(sha, b1.block.header.beacon.signature)))
    expect(v.height).toBe(1)
    expect(v.totals.txs).toBe(2)
    expect(v.commitments.size).toBe(1)
    expect(b1.block.body.lastCommit).toBeNull()
  })

  it("validation leaves the input state untouched", () => {
    const before = toHex(stateRoot(sha, sB))
    validateBlock(ctx, sB, b1.block)
    validateBlock(ctx, sB, withHeader(b1.block, { stateRoot: flipBit(b1.block.header.stateRoot) }))
    expect(toHex(stateRoot(sha, sB))).toBe(before)
    expect(sB.height).toBe(0)
  })

  it("building is deterministic", () => {
    const again = nextBlock(net, genesisState(sha, G), { txs: [pay(0, 0), pay(1, 0)], commitments: [commitTo(worker, workClaim("be-1"), saltOf("be-1"))] }, { real: true })
    expect(toHex(Hashes.blockHash(sha, again.block.header))).toBe(toHex(Hashes.blockHash(sha, b1.block.header)))
  })

  it("height 2 with the certificate of height 1 validates on the other node's chain", () => {
    const vB1 = Either.getOrThrow(validateBlock(ctx, sB, b1.block))
    const b2 = nextBlock(net, b1.state, { txs: [pay(0, 1)] }, { real: true, lastCommit: cert1 })
    const r = validateBlock(ctx, vB1, b2.block)
    expect(Either.isRight(r) ? "ok" : r.left.message).toBe("ok")
    expect(toHex(stateRoot(sha, Either.getOrThrow(r)))).toBe(toHex(b2.block.header.stateRoot))
  })

  it("build mode leaves out invalid and excess candidates", () => {
    const bad = { ...pay(2, 0), signature: flipBit(pay(2, 0).signature) }
    const b = nextBlock(net, sA, { txs: [bad, pay(0, 0), pay(0, 0), pay(0, 1), pay(0, 2), pay(0, 3)] })
    // bad signature and the replayed nonce 0 are dropped; maxTxsPerBlock = 3 caps the rest
    expect(b.block.body.txs.map((t) => t.nonce)).toEqual([0, 1, 2])
  })
})

describe("BLOCK_* rejections of a mutated block (CONS-VALID.1)", () => {
  it("BLOCK_BAD_HEADER: chain id, height, prevHash", () => {
    expect(result(sB, withHeader(b1.block, { chainId: "other-chain" }))).toBe("BLOCK_BAD_HEADER")
    expect(result(sB, withHeader(b1.block, { height: 2 }))).toBe("BLOCK_BAD_HEADER")
    expect(result(sB, withHeader(b1.block, { height: 0 }))).toBe("BLOCK_BAD_HEADER")
    expect(result(sB, withHeader(b1.block, { prevHash: flipBit(b1.block.header.prevHash) }))).toBe("BLOCK_BAD_HEADER")
  })

  it("BLOCK_WRONG_PROPOSER: another validator named as proposer, or a round whose proposer is someone else", () => {
    const other = net.keys.find((k) => k.pubHex !== b1.proposer.pubHex)!
    expect(result(sB, withHeader(b1.block, { proposer: other.pubKey }))).toBe("BLOCK_WRONG_PROPOSER")
    const r = [1, 2, 3, 4, 5, 6, 7, 8].find((x) => proposerFor(sha, sB, x)!.key !== b1.proposer.pubHex)!
    expect(result(sB, withHeader(b1.block, { round: r }))).toBe("BLOCK_WRONG_PROPOSER")
  })

  it("BLOCK_BAD_BEACON: corrupted signature, wrong prev, wrong height, wrong signer, another validator's key", () => {
    const bc = b1.block.header.beacon
    const mut = (x: Partial<typeof bc>) => withHeader(b1.block, { beacon: { ...bc, ...x } })
    expect(result(sB, mut({ signature: flipBit(bc.signature, 50) }))).toBe("BLOCK_BAD_BEACON")
    expect(result(sB, mut({ prev: flipBit(bc.prev) }))).toBe("BLOCK_BAD_BEACON")
    expect(result(sB, mut({ height: 2 }))).toBe("BLOCK_BAD_BEACON")
    expect(result(sB, mut({ chainId: "other-chain" }))).toBe("BLOCK_BAD_BEACON")
    const other = net.keys.find((k) => k.pubHex !== b1.proposer.pubHex)!
    expect(result(sB, mut({ signer: other.pubKey }))).toBe("BLOCK_BAD_BEACON")
    // correct input, signed with another validator's BLS key
    const foreign = makeBeacon(ctx, sB, b1.proposer.pubKey, other.blsSecret)
    expect(result(sB, mut({ signature: foreign.signature }))).toBe("BLOCK_BAD_BEACON")
  })

  it("BLOCK_BAD_BODY_HASH: flipped bodyHash, or a body changed under the same hash", () => {
    expect(result(sB, withHeader(b1.block, { bodyHash: flipBit(b1.block.header.bodyHash) }))).toBe("BLOCK_BAD_BODY_HASH")
    expect(result(sB, { ...b1.block, body: { ...b1.block.body, txs: [pay(0, 0)] } })).toBe("BLOCK_BAD_BODY_HASH")
  })

  it("BLOCK_BAD_LAST_COMMIT: present at height 1", () => {
    expect(result(sB, withBody(b1.block, { lastCommit: cert1 }))).toBe("BLOCK_BAD_LAST_COMMIT")
  })

  describe("at height 2", () => {
    const s1 = b1.state
    const b2 = nextBlock(net, s1, {}, { real: true, lastCommit: cert1 })
    const withCert = (c: CommitCertificate | null) => withBody(b2.block, { lastCommit: c })

    it("the unmodified block is valid", () => {
      expect(result(s1, b2.block)).toBe("ok")
    })

    it("BLOCK_BAD_LAST_COMMIT: missing", () => {
      expect(result(s1, withCert(null))).toBe("BLOCK_BAD_LAST_COMMIT")
    })

    it("BLOCK_BAD_LAST_COMMIT: no quorum (2 of 4 equal-stake signers)", () => {
      expect(result(s1, withCert(certify(b1.block, validators.slice(0, 2))))).toBe("BLOCK_BAD_LAST_COMMIT")
    })

    it("BLOCK_BAD_LAST_COMMIT: a corrupted signature, a duplicated signer, an unknown signer", () => {
      const sigs = cert1.signatures
      const corrupt = { ...cert1, signatures: sigs.map((s, i) => (i === 1 ? { ...s, signature: flipBit(s.signature, 7) } : s)) }
      expect(result(s1, withCert(corrupt))).toBe("BLOCK_BAD_LAST_COMMIT")
      const dup = { ...cert1, signatures: [sigs[0]!, sigs[0]!, sigs[1]!] }
      expect(result(s1, withCert(dup))).toBe("BLOCK_BAD_LAST_COMMIT")
      const stranger = certify(b1.block, [users[0]!]).signatures[0]!
      expect(result(s1, withCert({ ...cert1, signatures: [...sigs, stranger] }))).toBe("BLOCK_BAD_LAST_COMMIT")
    })

    it("BLOCK_BAD_LAST_COMMIT: certificate for another block, height or round", () => {
      expect(result(s1, withCert({ ...cert1, blockHash: flipBit(cert1.blockHash) }))).toBe("BLOCK_BAD_LAST_COMMIT")
      expect(result(s1, withCert({ ...cert1, height: 2 }))).toBe("BLOCK_BAD_LAST_COMMIT")
      // the signatures are over round 0: the same signatures claimed for round 1 do not verify
      expect(result(s1, withCert({ ...cert1, round: 1 }))).toBe("BLOCK_BAD_LAST_COMMIT")
    })

    it("BLOCK_BAD_LAST_COMMIT: precommits signed for nil or for another chain do not count", () => {
      const blockHash = Hashes.blockHash(sha, b1.block.header)
      const sig = (signer: Account, f: { blockHash: Uint8Array | null; chainId?: string }) => {
        const v = vote(signer, { type: "precommit", height: 1, ...f })
        return { validator: v.validator, signature: v.signature }
      }
      const nil = { ...cert1, signatures: validators.slice(0, 3).map((v) => sig(v, { blockHash: null })) }
      expect(result(s1, withCert(nil))).toBe("BLOCK_BAD_LAST_COMMIT")
      const foreign = { ...cert1, signatures: validators.slice(0, 3).map((v) => sig(v, { blockHash, chainId: "other-chain" })) }
      expect(result(s1, withCert(foreign))).toBe("BLOCK_BAD_LAST_COMMIT")
      const prevotes = {
        ...cert1,
        signatures: validators.slice(0, 3).map((v) => {
          const x = vote(v, { type: "prevote", height: 1, blockHash })
          return { validator: x.validator, signature: x.signature }
        }),
      }
      expect(result(s1, withCert(prevotes))).toBe("BLOCK_BAD_LAST_COMMIT")
    })
  })

  it("BLOCK_BAD_TX: an invalid transfer inside (bad signature, replayed nonce, overdraft)", () => {
    const tx = pay(2, 0)
    expect(result(sB, withBody(b1.block, { txs: [...b1.block.body.txs, { ...tx, signature: flipBit(tx.signature) }] }))).toBe("BLOCK_BAD_TX")
    expect(result(sB, withBody(b1.block, { txs: [...b1.block.body.txs, pay(0, 0)] }))).toBe("BLOCK_BAD_TX")
    expect(result(sB, withBody(b1.block, { txs: [signTransfer(users[2]!, { to: users[0]!.pubKey, amount: 2_000_000_000, fee: 1, nonce: 0 })] }))).toBe("BLOCK_BAD_TX")
  })

  it("BLOCK_BAD_WORK: a commitment with a bad signature or a duplicate commitment", () => {
    const c = b1.block.body.commitments[0]!
    expect(result(sB, withBody(b1.block, { commitments: [{ ...c, signature: flipBit(c.signature) }] }))).toBe("BLOCK_BAD_WORK")
    expect(result(sB, withBody(b1.block, { commitments: [c, c] }))).toBe("BLOCK_BAD_WORK")
  })

  it("BLOCK_BAD_EVIDENCE: invalid evidence inside", () => {
    const v = validators[0]!
    const e = makeVoteEvidence(
      vote(v, { type: "prevote", height: 1, blockHash: sha(new Uint8Array([1])) }),
      vote(v, { type: "prevote", height: 1, blockHash: sha(new Uint8Array([2])) }),
    )
    expect(result(sB, withBody(b1.block, { evidence: [{ ...e, a: e.b, b: e.a } as typeof e] }))).toBe("BLOCK_BAD_EVIDENCE")
    expect(result(sB, withBody(b1.block, { evidence: [e, e] }))).toBe("BLOCK_BAD_EVIDENCE")
  })

  it("BLOCK_BAD_STATE_ROOT: flipped root, or a valid extra transfer under the old root", () => {
    expect(result(sB, withHeader(b1.block, { stateRoot: flipBit(b1.block.header.stateRoot, 31, 7) }))).toBe("BLOCK_BAD_STATE_ROOT")
    expect(result(sB, withBody(b1.block, { txs: [...b1.block.body.txs, pay(2, 0)] }))).toBe("BLOCK_BAD_STATE_ROOT")
    // dropping an item also changes the root
    expect(result(sB, withBody(b1.block, { commitments: [] }))).toBe("BLOCK_BAD_STATE_ROOT")
  })

  it("BLOCK_TOO_LARGE: more items than the per-block limit, even if each is valid", () => {
    const txs = [pay(0, 0), pay(1, 0), pay(2, 0), pay(3, 0)] // maxTxsPerBlock = 3
    expect(result(sB, withBody(b1.block, { txs }))).toBe("BLOCK_TOO_LARGE")
    const small = testnet({ nodes: 4, seed: 71, users: 4, params: { maxCommitmentsPerBlock: 1, maxEvidencePerBlock: 0 } })
    const s = genesisState(sha, small.genesis)
    const proposer = keysOf(small, proposerFor(sha, s, 0)!.key)
    const beacon = makeBeacon(ctx, s, proposer.pubKey, proposer.blsSecret)
    const { block } = buildBlock(ctx, s, 0, proposer.pubKey, beacon, { txs: [], commitments: [], reveals: [], evidence: [], audits: [], scoreCommits: [], scoreReveals: [] }, null)
    expect(result(s, block)).toBe("ok")
    const cs = [commitTo(worker, workClaim("x1"), saltOf("x"), small.genesis.chainId), commitTo(worker, workClaim("x2"), saltOf("x"), small.genesis.chainId)]
    expect(result(s, withBody(block, { commitments: cs }))).toBe("BLOCK_TOO_LARGE")
    const v = validatorAccounts(small, s)[0]!
    const e = makeVoteEvidence(
      vote(v, { type: "prevote", height: 1, blockHash: sha(new Uint8Array([1])) }),
      vote(v, { type: "prevote", height: 1, blockHash: sha(new Uint8Array([2])) }),
    )
    expect(result(s, withBody(block, { evidence: [e] }))).toBe("BLOCK_TOO_LARGE")
  })

  it("an all-zero beacon signature (not a curve point) is rejected as a value, not thrown", () => {
    expect(() => validateBlock(ctx, sB, withHeader(b1.block, { beacon: { ...b1.block.header.beacon, signature: new Uint8Array(96) } }))).not.toThrow()
    expect(result(sB, withHeader(b1.block, { beacon: { ...b1.block.header.beacon, signature: new Uint8Array(96) } }))).toBe("BLOCK_BAD_BEACON")
  })
})
