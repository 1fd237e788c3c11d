// spec: LEDGER-GENESIS.1, LEDGER-GENESIS.3, LE-BEACON.1..2, LE-DRAW.1, LEDGER-ROOT.1; spec/02-encoding.md Example 4.
// The worked example in the spec is computed here and must appear verbatim in the spec text, so a change
// of the genesis form, the parameters or the state root cannot leave a stale example behind.
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { canonicalEncode } from "../../src/codec/Canonical.ts"
import { SigningBytes, Hashes } from "../../src/codec/Hashing.ts"
import { genesisState, stateRoot } from "../../src/core/ChainState.ts"
import { genesisHash } from "../../src/core/Genesis.ts"
import { drawValue } from "../../src/core/LeaderElection.ts"
import { defaultParams } from "../../src/core/Params.ts"
import { nobleCrypto as c } from "../../src/crypto/NobleCrypto.ts"

const spec = fs.readFileSync(new URL("../../spec/02-encoding.md", import.meta.url), "utf8")
const example = spec.slice(spec.indexOf("### Example 4"), spec.indexOf("### Example 5"))
const compact = example.replace(/\s+/g, "")

describe("spec/02 Example 4: genesis hash, state root, draw, beacon", () => {
  const K1 = c.ed25519.publicKey(new Uint8Array(32).fill(1))
  const K2 = c.ed25519.publicKey(new Uint8Array(32).fill(2))
  const b4 = new Uint8Array(32).fill(4)
  const B4 = c.bls.publicKey(b4)
  const g = { chainId: "poai-spec", validators: [{ pubKey: K1, blsPubKey: B4, stake: 1000 }], accounts: [{ pubKey: K2, balance: 5000 }], params: defaultParams, attestation: null, scoring: null }
  const h = genesisHash(c.sha256, g)
  const s = genesisState(c.sha256, g)
  const input = { chainId: "poai-spec", height: 1, prev: h }
  const sig = c.bls.sign(SigningBytes.beacon(input), b4)

  it("every computed value appears in the example", () => {
    expect(example.length).toBeGreaterThan(100)
    for (const v of [
      toHex(h),
      toHex(stateRoot(c.sha256, s)),
      drawValue(c.sha256, s.beacon, 1, 0).toString(16).padStart(64, "0"),
      toHex(sig),
      toHex(Hashes.beaconValue(c.sha256, sig)),
    ])
      expect(compact, v).toContain(v)
    expect(toHex(canonicalEncode(input)).length).toBe(66 * 2)
    expect(c.bls.verify(sig, SigningBytes.beacon(input), B4)).toBe(true)
  })
})
