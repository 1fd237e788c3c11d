// SEV-SNP, PSA and sim evidence verification throughput, each next to the raw signature verification
// it is built on, measured in the same process (node:crypto / OpenSSL for ECDSA, as the adapters use):
//   sev-snp  adapter: CBOR container decode, report parse, ARK -> ASK -> VCEK chain (two RSA-PSS
//            verifications with 2048-bit test keys; real AMD ARK/ASK keys are RSA-4096, so slower),
//            one P-384/SHA-384 ECDSA verification of 672 bytes;      baseline: that P-384 verify alone
//   psa      adapter: bounded CBOR decode of COSE_Sign1 and claims, IAK lookup by instance id (cached
//            SPKI parse), Sig_structure, one P-256/SHA-256 verification; baseline: that P-256 verify
//   sim      adapter: strict CBOR decode, two Ed25519 verifications;  baseline: one Ed25519 verify
// ratioToRaw = adapter ops/s divided by baseline ops/s.
import { verify as nodeVerify } from "node:crypto"
import { Either } from "effect"
import { nodeCryptoService as crypto } from "../src/crypto/NodeCrypto.ts"
import { SimTee, simAdapter, simReportSigningBytes } from "../src/verification/SimTee.ts"
import { parsePsaToken, psaAdapter, psaSigStructure, parseIak } from "../src/verification/tee/Psa.ts"
import { SNP_OFFSET, SNP_SIGNED_BYTES, sevSnpAdapter } from "../src/verification/tee/SevSnp.ts"
import { PSA_TEST_IAK_SK, buildPsaToken, iakSpki } from "../test/fixtures/tee/PsaBuilder.ts"
import { buildSnpReport, snpChain, snpEvidence } from "../test/fixtures/tee/SnpBuilder.ts"
import { measure as measureLoop, roundRate, sinkValue, tick } from "./support/Measure.ts"

export interface AttestSnpPsaBenchLine {
  readonly bench: "attest-snp-psa"
  readonly op: string
  readonly opsPerSec: number
  readonly baseline: string
  readonly baselineOpsPerSec: number
  readonly ratioToRaw: number
  readonly iterations: number
}

const measure = (fn: () => unknown, minMs: number, warmupMs: number) => measureLoop(fn, minMs, 20, warmupMs)
const round = roundRate
const beBytes = (le: Uint8Array) => le.slice(0, 48).reverse()

export async function benchAttestSnpPsa(emit: (o: object) => void, progress: (s: string) => void, quick: boolean): Promise<void> {
  const minMs = quick ? 250 : 1000
  const warmupMs = quick ? 50 : 200

  // ---- SEV-SNP
  const chain = snpChain()
  const report = buildSnpReport()
  const snpEv = snpEvidence(report)
  const snpRoots = [chain.ark]
  const snpSig = new Uint8Array(96)
  snpSig.set(beBytes(report.subarray(SNP_OFFSET.signature, SNP_OFFSET.signature + 72)), 0)
  snpSig.set(beBytes(report.subarray(SNP_OFFSET.signature + 72, SNP_OFFSET.signature + 144)), 48)
  const snpSigned = report.subarray(0, SNP_SIGNED_BYTES)
  const vcekKey = chain.vcekKey.publicKey
  const rawP384 = () => nodeVerify("sha384", snpSigned, { key: vcekKey, dsaEncoding: "ieee-p1363" }, snpSig)

  // ---- PSA
  const token = buildPsaToken()
  const psaRoots = [iakSpki(PSA_TEST_IAK_SK)]
  const parsed = parsePsaToken(token)
  const iak = parseIak(psaRoots[0]!)
  if (Either.isLeft(parsed) || iak === null) throw new Error("bench setup: psa token or IAK does not parse")
  const sigStructure = psaSigStructure(parsed.right.protectedBytes, parsed.right.payload)
  const psaSig = parsed.right.signature
  const rawP256 = () => nodeVerify("sha256", sigStructure, { key: iak.key, dsaEncoding: "ieee-p1363" }, psaSig)

  // ---- sim
  const simRootSk = new Uint8Array(32).fill(1)
  const simAtt = SimTee.attest(crypto, SimTee.makeDevice(crypto, simRootSk, new Uint8Array(32).fill(3)), {
    measurement: new Uint8Array(32).fill(0x10),
    codeHash: new Uint8Array(32).fill(0x11),
    inputHash: new Uint8Array(32).fill(0x12),
    outputHash: new Uint8Array(32).fill(0x13),
    taskId: new Uint8Array(32).fill(0x14),
    worker: new Uint8Array(32).fill(0x15),
    nonce: new Uint8Array(32).fill(0x16),
  })
  const simRoots = [crypto.ed25519.publicKey(simRootSk)]
  const devSk = new Uint8Array(32).fill(3)
  const simMsg = simReportSigningBytes({ measurement: new Uint8Array(32).fill(0x10), reportData: new Uint8Array(64) })
  const simSig = crypto.ed25519.sign(simMsg, devSk)
  const devPk = crypto.ed25519.publicKey(devSk)
  const rawEd25519 = () => crypto.ed25519.verify(simSig, simMsg, devPk)

  const cases = [
    { op: "sev-snp.verifyEvidence", fn: () => sevSnpAdapter.verifyEvidence(crypto, snpEv, snpRoots), baseline: "p384.verify.node-raw", raw: rawP384 },
    { op: "psa.verifyEvidence", fn: () => psaAdapter.verifyEvidence(crypto, token, psaRoots), baseline: "p256.verify.node-raw", raw: rawP256 },
    { op: "sim.verifyEvidence", fn: () => simAdapter.verifyEvidence(crypto, simAtt.evidence, simRoots), baseline: "ed25519.verify.node", raw: rawEd25519 },
  ] as const
  for (const c of cases) {
    if (c.raw() !== true) throw new Error(`bench setup: ${c.baseline} does not verify`)
    if (Either.isLeft(c.fn())) throw new Error(`bench setup: ${c.op} does not verify`)
  }

  for (const c of cases) {
    await tick()
    progress(`attest-snp-psa: ${c.baseline}`)
    const raw = measure(c.raw, minMs, warmupMs)
    await tick()
    progress(`attest-snp-psa: ${c.op}`)
    const t = measure(c.fn, minMs, warmupMs)
    const line: AttestSnpPsaBenchLine = {
      bench: "attest-snp-psa",
      op: c.op,
      opsPerSec: round(t.rate),
      baseline: c.baseline,
      baselineOpsPerSec: round(raw.rate),
      ratioToRaw: Math.round((t.rate / raw.rate) * 1000) / 1000,
      iterations: t.iterations,
    }
    emit(line)
  }
  if (sinkValue() === -1) progress("unreachable")
}
