// spec: NODE-SYNC.1, ENC-CBOR.1 (spec/03-consensus.md, spec/02-encoding.md)
// encodedCertificate must give exactly Codecs.CommitCertificate.encode's bytes (or its refusal) for any
// value: its signature entries are encoded once per signature array and reused.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { encodedCertificate } from "../../src/codec/Hashing.ts"
import { Codecs } from "../../src/codec/index.ts"
import type { CommitCertificate } from "../../src/domain/Consensus.ts"
import { MAX_VALIDATORS } from "../../src/domain/Consensus.ts"
import { sampleOf } from "../fixtures/samples.ts"

const outcome = (f: () => Uint8Array): string => {
  try {
    return toHex(f())
  } catch (e) {
    return `throws ${e instanceof Error ? e.name : String(e)}`
  }
}
const agree = (c: CommitCertificate): void => {
  expect(outcome(() => encodedCertificate(c))).toBe(outcome(() => Codecs.CommitCertificate.encode(c)))
}

describe("encodedCertificate equals Codecs.CommitCertificate.encode", () => {
  it("on 200 sample certificates, each encoded twice (the second time from the memo)", () => {
    for (let seed = 0; seed < 200; seed++) {
      const c = sampleOf("CommitCertificate", seed)
      agree(c)
      agree(c)
    }
  })

  it("on certificates recombined from shared signature arrays with other validators, extra keys and bad fields (fast-check, 1,000 runs, seed 97)", () => {
    const pool = Array.from({ length: 20 }, (_, s) => sampleOf("CommitCertificate", s)).filter((c) => c.signatures.length > 0)
    const sigs = pool.flatMap((c) => c.signatures)
    const validators = sigs.map((s) => s.validator)
    fc.assert(
      fc.property(
        fc.array(fc.record({ sig: fc.nat(sigs.length - 1), validator: fc.nat(validators.length - 1), extra: fc.boolean(), bad: fc.constantFrom("none", "none", "none", "short-sig", "long-validator", "not-bytes") }), { maxLength: 12 }),
        fc.constantFrom(0, 1, 7, -1, 1.5, 2 ** 53),
        fc.constantFrom(0, 3, -2),
        fc.boolean(),
        (entries, height, round, shortHash) => {
          const signatures = entries.map((e) => {
            const s = sigs[e.sig]!
            const base: Record<string, unknown> = { validator: validators[e.validator]!, signature: s.signature }
            if (e.extra) base.note = "x"
            if (e.bad === "short-sig") base.signature = s.signature.subarray(1)
            if (e.bad === "long-validator") base.validator = new Uint8Array(33)
            if (e.bad === "not-bytes") base.signature = "sig"
            return base
          })
          const c = { height, round, blockHash: shortHash ? new Uint8Array(31) : pool[0]!.blockHash, signatures } as unknown as CommitCertificate
          agree(c)
        },
      ),
      { numRuns: 1000, seed: 97 },
    )
  })

  it("refuses, as the codec does, more than MAX_VALIDATORS signatures", () => {
    const c = sampleOf("CommitCertificate", 1)
    const one = c.signatures[0] ?? { validator: new Uint8Array(32), signature: new Uint8Array(64) }
    agree({ ...c, signatures: Array.from({ length: MAX_VALIDATORS + 1 }, () => one) })
    agree({ ...c, signatures: Array.from({ length: MAX_VALIDATORS }, () => one) })
  })
})
