// spec: CRYPTO-3. BLS secret keys are derived from a 32-byte seed so that a node's identity is one seed:
// sk = (OS2IP(SHA-256("POAI/v1/bls-keygen" || seed)) mod (r - 1)) + 1, as 32 big-endian bytes.
import { bytesToBigInt, concatBytes, utf8 } from "../codec/Bytes.ts"

/** Order of the BLS12-381 scalar field. */
export const BLS_R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n

export const blsSecretScalar = (seed: Uint8Array, sha256: (d: Uint8Array) => Uint8Array): Uint8Array => {
  const x = (bytesToBigInt(sha256(concatBytes(utf8("POAI/v1/bls-keygen"), seed))) % (BLS_R - 1n)) + 1n
  const out = new Uint8Array(32)
  let v = x
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}
