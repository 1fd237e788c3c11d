// SIM-CPU.1 calibration (spec/19-reproduction.md): CPU cost of the operations the §8 reproduction
// charges to virtual time, measured on this machine with the node:crypto layer. Run:
//   node bin/run-ts.js bench/reproduce-calibration.ts
// Prints one JSON line: measured µs per operation beside the constants in src/drivers/NetworkModel.ts.
// CPU time (process.cpuUsage) over many iterations; messages are real ones captured from a small run.
import { Codecs } from "../src/codec/index.ts"
import { nodeCryptoService as crypto } from "../src/crypto/NodeCrypto.ts"
import { simulate } from "../src/drivers/InProcessNetwork.ts"
import { CALIBRATED_CPU } from "../src/drivers/NetworkModel.ts"
import { decodeAttestation } from "../src/verification/Attestation.ts"
import { consume } from "./support/Measure.ts"

const cpuUs = (fn: () => unknown, minMs = 400): number => {
  for (let i = 0; i < 50; i++) consume(fn())
  let n = 0
  const c0 = process.cpuUsage()
  let batch = 16
  for (;;) {
    for (let i = 0; i < batch; i++) consume(fn())
    n += batch
    const c = process.cpuUsage(c0)
    const us = c.user + c.system
    if (us >= minMs * 1000) return us / n
    batch *= 2
  }
}

// capture real messages: votes (small), proposals (with transfers), a transfer, a claim's attestation
const small: Uint8Array[] = []
const large: Uint8Array[] = []
const transfers: Uint8Array[] = []
const attestations: Uint8Array[] = []
simulate(crypto, {
  nodes: 4,
  byzantine: 0,
  strategy: "equivocate",
  seed: 7,
  blocks: 6,
  txRate: 200,
  users: 400,
  scoring: false,
  onStep: (e) => {
    if (e.input.type === "client-tx" && transfers.length < 64) transfers.push(e.input.bytes)
    if (e.input.type === "work" && attestations.length < 16) attestations.push(e.input.claim.attestation)
    for (const o of e.outputs) {
      if (o.type !== "broadcast") continue
      if (o.message.type === "vote" && small.length < 64) small.push(o.bytes)
      if (o.message.type === "proposal" && o.bytes.length > 4000 && large.length < 8) large.push(o.bytes)
    }
  },
})
const pick = <T>(xs: ReadonlyArray<T>, i: number): T => xs[i % xs.length] as T
let i = 0
const keys = crypto.ed25519
const sk = new Uint8Array(32).fill(7)
const pk = keys.publicKey(sk)
const msg = new Uint8Array(100).fill(1)
const sig = keys.sign(msg, sk)
const verifyUs = cpuUs(() => keys.verify(sig, msg, pk))
const smallBytes = small.reduce((a, b) => a + b.length, 0) / Math.max(1, small.length)
const largeBytes = large.reduce((a, b) => a + b.length, 0) / Math.max(1, large.length)
const decodeSmall = cpuUs(() => Codecs.Message.decode(pick(small, i++)))
const decodeLarge = large.length > 0 ? cpuUs(() => Codecs.Message.decode(pick(large, i++))) : NaN
const perByte = (decodeLarge - decodeSmall) / (largeBytes - smallBytes)
const base = decodeSmall - perByte * smallBytes
const transferDecode = cpuUs(() => Codecs.Transfer.decode(pick(transfers, i++)))
const attDecode = attestations.length > 0 ? cpuUs(() => decodeAttestation(pick(attestations, i++))) : NaN
const blsSk = new Uint8Array(32).fill(3)
const blsPk = crypto.bls.publicKey(blsSk)
const blsSig = crypto.bls.sign(msg, blsSk)
const blsUs = cpuUs(() => crypto.bls.verify(blsSig, msg, blsPk), 1500)
process.stdout.write(
  `${JSON.stringify({
    bench: "reproduce-calibration",
    node: process.version,
    measured: {
      verifyUs: verifyUs,
      decodeBaseUs: base,
      decodePerByteUs: perByte,
      decodeSmall: { bytes: smallBytes, us: decodeSmall },
      decodeLarge: { bytes: largeBytes, us: decodeLarge },
      // block validation per transfer: decode + signature (+ ledger apply, not measured separately)
      blockPerTxUs: transferDecode + verifyUs,
      // sim attestation: decode + device-certificate signature + attestation signature
      attestationUs: attDecode + 2 * verifyUs,
      // one BLS verify (aggregate verification of a certificate = one pairing check + key additions)
      blsAggregateUs: blsUs,
    },
    constants: CALIBRATED_CPU,
  })}\n`,
)
