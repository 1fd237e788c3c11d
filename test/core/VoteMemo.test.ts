// NODE-STEP.9: vote and proposal signature checks are memoized per object and per crypto service.
import { describe, expect, it } from "vitest"
import type { CryptoService } from "../../src/crypto/Crypto.ts"
import { nodeCryptoService as crypto } from "../../src/crypto/NodeCrypto.ts"
import { signVote, verifyProposal, verifyVote } from "../../src/core/Votes.ts"
import { SigningBytes } from "../../src/codec/Hashing.ts"

describe("memoized vote and proposal checks (NODE-STEP.9)", () => {
  it("one crypto call per object; a copy with another signature is checked on its own", () => {
    let calls = 0
    const counting: CryptoService = { ...crypto, ed25519: { ...crypto.ed25519, verify: (s, m, p) => (calls++, crypto.ed25519.verify(s, m, p)) } }
    const sk = new Uint8Array(32).fill(7)
    const pk = crypto.ed25519.publicKey(sk)
    const v = signVote(crypto, sk, { chainId: "c", type: "prevote", height: 1, round: 0, blockHash: null, validator: pk })
    for (let i = 0; i < 3; i++) expect(verifyVote(counting, v)).toBe(true)
    expect(calls).toBe(1)
    const sig = v.signature.slice()
    sig[3] = (sig[3] as number) ^ 1
    expect(verifyVote(counting, { ...v, signature: sig })).toBe(false)
    expect(calls).toBe(2)
    expect(verifyVote(crypto, v)).toBe(true) // another crypto service: its own entry
    const u = { chainId: "c", height: 1, round: 0, validRound: -1, blockHash: new Uint8Array(32), proposer: pk }
    const p = { ...u, signature: crypto.ed25519.sign(SigningBytes.proposal(u), sk) }
    expect(verifyProposal(counting, p)).toBe(true)
    expect(verifyProposal(counting, p)).toBe(true)
    expect(calls).toBe(3)
    expect(verifyProposal(counting, { ...p, round: 1 })).toBe(false)
  })
})
