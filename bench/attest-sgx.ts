// SGX DCAP quote verification throughput against raw P-256 ECDSA verification by the same library
// (node:crypto / OpenSSL, which the adapter uses for both its ECDSA checks and the X.509 chain),
// measured in the same process. A full quote verification does three P-256 verifications (PCK chain
// intermediate and leaf certificates, QE report, quote), plus parsing the quote and its PEM chain,
// importing the attestation key and a SHA-256, so its ratio to one raw verify is expected near 1/3
// or below. Also reported: parse only, the adapter without the chain cost split out (parse + chain),
// decoding an encoded UnifiedAttestation alone, the whole VER-ATT.6 pipeline on it, and noble's raw P-256 verify for
// comparison with the reference library.
import { p256 } from "@noble/curves/nist.js"
import { verify as nodeVerify } from "node:crypto"
import { Either } from "effect"
import { toHex } from "../src/codec/Bytes.ts"
import { nodeCryptoService as crypto } from "../src/crypto/NodeCrypto.ts"
import { AttestationCodecs, decodeAttestation, verifyAttestation, type AttestationConfig } from "../src/verification/Attestation.ts"
import { parseSgxQuote, sgxDcapAdapter } from "../src/verification/tee/SgxDcap.ts"
import { verifyChain } from "../src/verification/tee/X509.ts"
import { buildSgxQuote, makeSgxPki, sgxAttest, signP256 } from "../test/fixtures/tee/SgxBuilder.ts"
import { measure as measureLoop, roundRate, sinkValue, tick } from "./support/Measure.ts"

export interface AttestSgxBenchLine {
  readonly bench: "attest-sgx"
  readonly op: string
  readonly opsPerSec: number
  /** opsPerSec / raw P-256 verifications per second (node:crypto), same process. */
  readonly ratioToRawVerify: number
  readonly rawOpsPerSec: number
  readonly iterations: number
}

const measure = (fn: () => unknown, minMs: number, warmupMs: number) => measureLoop(fn, minMs, 20, warmupMs)
const round = roundRate

export async function benchAttestSgx(emit: (o: object) => void, progress: (s: string) => void, quick: boolean): Promise<void> {
  const minMs = quick ? 250 : 1000
  const warmupMs = quick ? 50 : 200
  const pki = makeSgxPki()
  const mrEnclave = new Uint8Array(32).fill(0x42)
  const reportData = new Uint8Array(64).fill(0x24)
  const q3 = buildSgxQuote({ version: 3, pki, mrEnclave, reportData })
  const q4 = buildSgxQuote({ version: 4, pki, mrEnclave, reportData })

  // raw baselines: one P-256/SHA-256 verification of a 432-byte message, prebuilt key
  const msg = q3.slice(0, 432)
  const sig = signP256(msg, pki.attestationKey.secret)
  const key = pki.attestationKey.publicKey
  const rawNode = () => nodeVerify("sha256", msg, { key, dsaEncoding: "ieee-p1363" }, sig)
  const nobleSig = p256.Signature.fromBytes(sig, "compact").toBytes("compact")
  const noblePub = Uint8Array.of(0x04, ...pki.attestationKey.publicRaw)
  const rawNoble = () => p256.verify(nobleSig, msg, noblePub, { prehash: true, lowS: false, format: "compact" })
  if (!rawNode() || !rawNoble()) throw new Error("bench setup: raw P-256 signature does not verify")
  for (const q of [q3, q4])
    if (Either.isLeft(sgxDcapAdapter.verifyEvidence(crypto, q, pki.roots))) throw new Error("bench setup: quote does not verify")

  const claim = {
    measurement: mrEnclave,
    codeHash: new Uint8Array(32).fill(1),
    inputHash: new Uint8Array(32).fill(2),
    outputHash: new Uint8Array(32).fill(3),
    taskId: new Uint8Array(32).fill(4),
    worker: crypto.ed25519.publicKey(new Uint8Array(32).fill(5)),
    nonce: new Uint8Array(32).fill(6),
  }
  const attBytes = AttestationCodecs.UnifiedAttestation.encode(sgxAttest(crypto, claim, { pki }))
  const config: AttestationConfig = {
    roots: { "sgx-dcap": pki.roots },
    approvedMeasurements: new Set([toHex(mrEnclave)]),
    adapters: { "sgx-dcap": sgxDcapAdapter },
  }
  const expected = { taskId: claim.taskId, inputHash: claim.inputHash, outputHash: claim.outputHash, worker: claim.worker, nonce: claim.nonce }
  if (Either.isLeft(verifyAttestation(crypto, config, attBytes, expected))) throw new Error("bench setup: attestation does not verify")

  await tick()
  progress("attest-sgx: raw P-256 verify (node)")
  const raw = measure(rawNode, minMs, warmupMs)
  const line = (op: string, t: { iterations: number; rate: number }): AttestSgxBenchLine => ({
    bench: "attest-sgx",
    op,
    opsPerSec: round(t.rate),
    ratioToRawVerify: Math.round((t.rate / raw.rate) * 1000) / 1000,
    rawOpsPerSec: round(raw.rate),
    iterations: t.iterations,
  })
  emit(line("p256.verify.node-raw", raw))
  const cases: ReadonlyArray<readonly [string, () => unknown]> = [
    ["p256.verify.noble-raw", rawNoble],
    ["sgx.parse.v3", () => parseSgxQuote(q3)],
    [
      "sgx.parse+chain.v3",
      () => {
        const p = parseSgxQuote(q3)
        return Either.isRight(p) ? verifyChain(p.right.pckChain, pki.roots) : p
      },
    ],
    ["sgx.verifyEvidence.v3", () => sgxDcapAdapter.verifyEvidence(crypto, q3, pki.roots)],
    ["sgx.verifyEvidence.v4", () => sgxDcapAdapter.verifyEvidence(crypto, q4, pki.roots)],
    ["attestation.decode (no evidence check)", () => decodeAttestation(attBytes)],
    ["sgx.verifyAttestation.v3", () => verifyAttestation(crypto, config, attBytes, expected)],
  ]
  for (const [op, fn] of cases) {
    await tick()
    progress(`attest-sgx: ${op}`)
    emit(line(op, measure(fn, minMs, warmupMs)))
  }
  if (sinkValue() === 0.5) emit({ bench: "attest-sgx", note: "unreachable" })
}
