// Shared fixtures of the quality tests: deterministic evaluator keys, candidates and sealed scores.
import { toHex, utf8 } from "../../src/codec/Bytes.ts"
import { nodeCryptoService } from "../../src/crypto/NodeCrypto.ts"
import type { Candidate } from "../../src/quality/Committee.ts"
import type { Scores } from "../../src/quality/Scoring.ts"

export const crypto = nodeCryptoService
export const sha = crypto.sha256

export interface Key {
  readonly secretKey: Uint8Array
  readonly pubKey: Uint8Array
  readonly hex: string
}

/** A deterministic Ed25519 key pair for a label. */
export const key = (label: string): Key => {
  const secretKey = sha(utf8(`poai-test/quality/${label}`))
  const pubKey = crypto.ed25519.publicKey(secretKey)
  return { secretKey, pubKey, hex: toHex(pubKey) }
}

export const candidate = (k: Key, stake: number): Candidate => ({ key: k.hex, pubKey: k.pubKey, stake })

export const scores = (correctness: number, utility: number, novelty: number): Scores => ({ correctness, utility, novelty })
export const flat = (v: number): Scores => scores(v, v, v)

/** 32 bytes derived from a label (beacons, claim ids). */
export const bytes32 = (label: string): Uint8Array => sha(utf8(`poai-test/quality/bytes/${label}`))
