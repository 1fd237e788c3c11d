// Named deterministic Ed25519 keys for properties: sk = SHA-256("poai-properties/<namespace>/<name>").
import { toHex, utf8 } from "../../src/codec/Bytes.ts"
import type { Hex } from "../../src/core/ChainState.ts"
import { ctx } from "../../test/fixtures/core.ts"

export interface Key {
  readonly name: string
  readonly secretKey: Uint8Array
  readonly pubKey: Uint8Array
  readonly hex: Hex
}

export const namedKey =
  (namespace: string) =>
  (name: string): Key => {
    const secretKey = ctx.crypto.sha256(utf8(`poai-properties/${namespace}/${name}`))
    const pubKey = ctx.crypto.ed25519.publicKey(secretKey)
    return { name, secretKey, pubKey, hex: toHex(pubKey) }
  }
