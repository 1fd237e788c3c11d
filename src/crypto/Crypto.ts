// spec: CRYPTO-1..4 (spec/02-encoding.md §Cryptography)
// The Crypto port. The pure core receives a CryptoService value (plain synchronous functions:
// every primitive here is deterministic), drivers obtain it from the `Crypto` tag.
import { Context } from "effect"

export interface SignatureScheme {
  /** Public key of the secret key `sk` (32 bytes). */
  readonly publicKey: (sk: Uint8Array) => Uint8Array
  /** Deterministic signature of `msg` under `sk`. */
  readonly sign: (msg: Uint8Array, sk: Uint8Array) => Uint8Array
  /** True iff `sig` is a valid signature of `msg` under `pk`. Never throws: malformed keys or signatures give false. */
  readonly verify: (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array) => boolean
}

export interface CryptoService {
  /** Name of the implementation, e.g. "noble" or "node". */
  readonly name: string
  readonly sha256: (data: Uint8Array) => Uint8Array
  /**
   * Ed25519 (RFC 8032, pure, no context): node identities, accounts, transactions, votes.
   * Acceptance rule (CRYPTO-2), identical in every layer: sig is 64 bytes and pk 32; A = pk and R =
   * sig[0..32] are canonical point encodings (y < p; x = 0 only with sign bit 0); S = sig[32..64] < L;
   * A is not of small order; and [S]B = R + [k]A with k = SHA-512(R || A || msg) mod L (cofactorless).
   */
  readonly ed25519: SignatureScheme
  /**
   * BLS12-381 "minimal-pubkey-size" signatures (pk in G1 48 bytes, sig in G2 96 bytes),
   * ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_: the beacon.
   */
  readonly bls: SignatureScheme
}

export class Crypto extends Context.Tag("poai/Crypto")<Crypto, CryptoService>() {}

/** The BLS ciphersuite DST used for hashing messages to G2 (CRYPTO-3). */
export const BLS_DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
