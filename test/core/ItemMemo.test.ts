// NODE-STEP.10: signature checks of transfers, work commitments and reveals and audit reports are
// memoized per item object and crypto service; a changed copy is checked on its own.
import { describe, expect, it } from "vitest"
import { SigningBytes } from "../../src/codec/Hashing.ts"
import type { CryptoService } from "../../src/crypto/Crypto.ts"
import { nodeCryptoService as crypto } from "../../src/crypto/NodeCrypto.ts"
import { checkAuditStateless } from "../../src/core/Audits.ts"
import type { ChainState } from "../../src/core/ChainState.ts"
import type { CoreContext } from "../../src/core/Context.ts"
import { provisionalQuality } from "../../src/core/Context.ts"
import { checkTransferStateless } from "../../src/core/Ledger.ts"
import { checkCommitmentStateless, checkRevealStateless } from "../../src/core/WorkClaims.ts"
import type { AuditReport } from "../../src/domain/Work.ts"
import { itemMemo } from "../../src/core/ItemMemo.ts"
import { commitTo, outsider, saltOf, signReveal, signTransfer, workClaim } from "../fixtures/core.ts"
import { unsignedAuditReport } from "../fixtures/samples.ts"

const counting = () => {
  const n = { calls: 0 }
  const c: CryptoService = { ...crypto, ed25519: { ...crypto.ed25519, verify: (s, m, p) => (n.calls++, crypto.ed25519.verify(s, m, p)) } }
  return { n, ctx: { crypto: c, quality: provisionalQuality } as CoreContext }
}
const flip = (b: Uint8Array): Uint8Array => {
  const x = b.slice()
  x[5] = (x[5] as number) ^ 1
  return x
}

describe("memoized item signature checks (NODE-STEP.10)", () => {
  const s = { chainId: "poai-sim", params: { minFee: 1 } } as unknown as ChainState
  const alice = outsider("alice")
  const bob = outsider("bob")

  it("a transfer, a work commitment and a work reveal reach the crypto once per object; a tampered copy is rejected", () => {
    const { n, ctx } = counting()
    const tx = signTransfer(alice, { to: bob.pubKey, amount: 5, fee: 1, nonce: 0 })
    const cm = commitTo(alice, workClaim("m"), saltOf("m"))
    const rv = signReveal(alice, workClaim("m"), saltOf("m"))
    for (let i = 0; i < 3; i++) {
      expect(checkTransferStateless(ctx, s, tx)).toBeUndefined()
      expect(checkCommitmentStateless(ctx, s, cm)).toBeUndefined()
      expect(checkRevealStateless(ctx, s, rv)).toBeUndefined()
    }
    expect(n.calls).toBe(3)
    expect(checkTransferStateless(ctx, s, { ...tx, signature: flip(tx.signature) })?.code).toBe("TX_BAD_SIGNATURE")
    expect(checkCommitmentStateless(ctx, s, { ...cm, signature: flip(cm.signature) })?.code).toBe("WORK_BAD_SIGNATURE")
    expect(checkRevealStateless(ctx, s, { ...rv, signature: flip(rv.signature) })?.code).toBe("WORK_BAD_SIGNATURE")
    expect(n.calls).toBe(6)
    // a bad verdict is memoized too, and another crypto service has its own entries
    const bad = { ...tx, amount: 6 }
    expect(checkTransferStateless(ctx, s, bad)?.code).toBe("TX_BAD_SIGNATURE")
    expect(checkTransferStateless(ctx, s, bad)?.code).toBe("TX_BAD_SIGNATURE")
    expect(n.calls).toBe(7)
    const other = counting()
    expect(checkTransferStateless(other.ctx, s, tx)).toBeUndefined()
    expect(other.n.calls).toBe(1)
  })

  it("an audit report likewise", () => {
    const { n, ctx } = counting()
    const u = { ...unsignedAuditReport(3), chainId: "poai-sim", auditor: alice.pubKey, verdict: "pass" as const, reason: "NONE" as const }
    const a: AuditReport = { ...u, signature: crypto.ed25519.sign(SigningBytes.auditReport(u), alice.secretKey) }
    for (let i = 0; i < 3; i++) expect(checkAuditStateless(ctx.crypto, s, a)).toBeUndefined()
    expect(n.calls).toBe(1)
    expect(checkAuditStateless(ctx.crypto, s, { ...a, signature: flip(a.signature) })?.code).toBe("AUDIT_BAD_SIGNATURE")
    expect(n.calls).toBe(2)
  })

  it("itemMemo: one compute per (scope, item); undefined and false results are remembered", () => {
    const memo = itemMemo<boolean | undefined>()
    let k = 0
    const scope = {}
    const item = {}
    expect(memo(scope, item, () => (k++, undefined))).toBeUndefined()
    expect(memo(scope, item, () => (k++, true))).toBeUndefined()
    expect(memo({}, item, () => (k++, false))).toBe(false)
    expect(k).toBe(2)
  })
})
