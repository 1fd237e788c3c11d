// Crypto micro-benchmarks: each CryptoService layer (noble, node) against the raw library call it wraps,
// measured in the same process, so that a layer's overhead reads as a ratio (ratioToRaw = layer ops/s
// divided by raw ops/s; 1.0 means the wrapper costs nothing).
//
// Raw baselines:
//   sha256          noble: @noble/hashes sha256           node: crypto.hash("sha256", data, "buffer") (one-shot)
//   ed25519.sign    noble: @noble/curves ed25519.sign     node: sodium-native crypto_sign_detached (libsodium,
//                   the node layer's backend where it loads) or crypto.sign(null, msg, prebuilt KeyObject)
//                   (OpenSSL); both raw calls are measured
//   ed25519.verify  noble: @noble/curves ed25519.verify   node: sodium-native crypto_sign_verify_detached or
//                   crypto.verify(null, msg, prebuilt KeyObject, sig), likewise
//   bls.sign/verify noble: bls12_381.longSignatures with the message hashed to G2 on every call, as the
//                   layer does            node: @chainsafe/blst (blst) with the key and signature
//                   decoded and validated on every call, as the layer does (noble-raw where the
//                   binding does not load; OpenSSL has no BLS12-381)
// Note the noble layer's ed25519.verify is not noble's `ed25519.verify`: it implements the CRYPTO-2
// cofactorless rule on noble's point arithmetic, so its ratio to raw includes that difference.
import { bls12_381 } from "@noble/curves/bls12-381.js"
import { ed25519 } from "@noble/curves/ed25519.js"
import { sha256 } from "@noble/hashes/sha2.js"
import * as nodeCrypto from "node:crypto"
import { createRequire } from "node:module"
import { BLS_DST, type CryptoService } from "../src/crypto/Crypto.ts"
import { blsSecretScalar } from "../src/crypto/BlsKey.ts"
import { nobleCrypto } from "../src/crypto/NobleCrypto.ts"
import { nodeBlsBackend, nodeCryptoService, nodeEd25519Backend } from "../src/crypto/NodeCrypto.ts"
import { measure, roundRate, sinkValue, tick, type Timing } from "./support/Measure.ts"

export interface CryptoBenchLine {
  readonly bench: "crypto"
  readonly op: string
  readonly impl: string
  readonly opsPerSec: number
  readonly ratioToRaw: number
  readonly iterations: number
  readonly raw: string
  readonly rawOpsPerSec: number
}

export async function benchCrypto(emit: (line: object) => void): Promise<void> {
  const FAST = { minMs: 300, minIterations: 50, warmupMs: 100 }
  const SLOW = { minMs: 600, minIterations: 5, warmupMs: 150 } // BLS: ~10-40 ops/s

  const data1k = new Uint8Array(1024).map((_, i) => (i * 31 + 7) & 0xff)
  const sk = new Uint8Array(32).map((_, i) => i + 1)
  const msg = new Uint8Array(200).map((_, i) => (i * 13) & 0xff) // about the size of a vote's signing bytes
  const edPk = ed25519.getPublicKey(sk)
  const edSig = ed25519.sign(msg, sk)
  const nodePriv = nodeCrypto.createPrivateKey({
    key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), sk]),
    format: "der",
    type: "pkcs8",
  })
  const nodePub = nodeCrypto.createPublicKey(nodePriv)
  type Sodium = {
    crypto_sign_seed_keypair: (pk: Uint8Array, sk: Uint8Array, seed: Uint8Array) => void
    crypto_sign_detached: (sig: Uint8Array, m: Uint8Array, sk: Uint8Array) => void
    crypto_sign_verify_detached: (sig: Uint8Array, m: Uint8Array, pk: Uint8Array) => boolean
  }
  const sodium = nodeEd25519Backend === "libsodium" ? (createRequire(import.meta.url)("sodium-native") as Sodium) : undefined
  const sodiumSk = new Uint8Array(64)
  sodium?.crypto_sign_seed_keypair(new Uint8Array(32), sodiumSk, sk)
  const sodiumSig = new Uint8Array(64)
  const edRaw = (c: CryptoService) => (c.name === "node" && sodium !== undefined ? "sodium-raw" : `${c.name}-raw`)
  const bls = bls12_381.longSignatures
  const blsScalar = blsSecretScalar(sk, sha256)
  const blsPk = nobleCrypto.bls.publicKey(sk)
  const blsSig = nobleCrypto.bls.sign(msg, sk)
  const blst = nodeBlsBackend === "blst" ? (createRequire(import.meta.url)("@chainsafe/blst") as typeof import("@chainsafe/blst")) : undefined
  const blstSk = blst?.SecretKey.fromBytes(blsScalar)

  // sanity: the raw baselines compute the same thing as the layers
  if (!nodeCrypto.verify(null, msg, nodePub, edSig) || !nodeCryptoService.ed25519.verify(edSig, msg, edPk))
    throw new Error("bench setup: ed25519 signature does not verify")
  if (!bls.verify(blsSig, bls.hash(msg, BLS_DST), blsPk)) throw new Error("bench setup: BLS signature does not verify")

  type Op = {
    readonly op: string
    readonly budget: typeof FAST
    readonly raw: ReadonlyArray<readonly [string, () => unknown]>
    /** layer -> name of its raw baseline */
    readonly layer: (c: CryptoService) => () => unknown
    readonly rawOf: (c: CryptoService) => string
  }
  const ops: ReadonlyArray<Op> = [
    {
      op: "sha256.1KiB",
      budget: FAST,
      raw: [
        ["noble-raw", () => sha256(data1k)],
        ["node-raw", () => nodeCrypto.hash("sha256", data1k, "buffer")],
      ],
      layer: (c) => () => c.sha256(data1k),
      rawOf: (c) => `${c.name}-raw`,
    },
    {
      op: "ed25519.sign",
      budget: FAST,
      raw: [
        ["noble-raw", () => ed25519.sign(msg, sk)],
        ["node-raw", () => nodeCrypto.sign(null, msg, nodePriv)],
        ...(sodium === undefined ? [] : [["sodium-raw", () => sodium.crypto_sign_detached(sodiumSig, msg, sodiumSk)] as const]),
      ],
      layer: (c) => () => c.ed25519.sign(msg, sk),
      rawOf: edRaw,
    },
    {
      op: "ed25519.verify",
      budget: FAST,
      raw: [
        ["noble-raw", () => ed25519.verify(edSig, msg, edPk)],
        ["node-raw", () => nodeCrypto.verify(null, msg, nodePub, edSig)],
        ...(sodium === undefined ? [] : [["sodium-raw", () => sodium.crypto_sign_verify_detached(edSig, msg, edPk)] as const]),
      ],
      layer: (c) => () => c.ed25519.verify(edSig, msg, edPk),
      rawOf: edRaw,
    },
    {
      op: "bls.sign",
      budget: SLOW,
      raw: [
        ["noble-raw", () => bls.sign(bls.hash(msg, BLS_DST), blsScalar).toBytes(true)],
        ...(blstSk === undefined ? [] : [["blst-raw", () => blstSk.sign(msg).toBytes(true)] as const]),
      ],
      layer: (c) => () => c.bls.sign(msg, sk),
      rawOf: (c) => (c.name === "node" && blst !== undefined ? "blst-raw" : "noble-raw"),
    },
    {
      op: "bls.verify",
      budget: SLOW,
      raw: [
        ["noble-raw", () => bls.verify(blsSig, bls.hash(msg, BLS_DST), blsPk)],
        ...(blst === undefined
          ? []
          : [["blst-raw", () => blst.verify(msg, blst.PublicKey.fromBytes(blsPk, true), blst.Signature.fromBytes(blsSig, true, true), true, true)] as const]),
      ],
      layer: (c) => () => c.bls.verify(blsSig, msg, blsPk),
      rawOf: (c) => (c.name === "node" && blst !== undefined ? "blst-raw" : "noble-raw"),
    },
  ]

  for (const o of ops) {
    const { minMs, minIterations, warmupMs } = o.budget
    const rawRates = new Map<string, number>()
    for (const [name, fn] of o.raw) {
      await tick()
      const t = measure(fn, minMs, minIterations, warmupMs)
      const rate = t.iterations / t.seconds
      rawRates.set(name, rate)
      emit({ bench: "crypto", op: o.op, impl: name, opsPerSec: round(rate), ratioToRaw: 1, iterations: t.iterations, raw: name, rawOpsPerSec: round(rate) } satisfies CryptoBenchLine)
    }
    for (const c of [nobleCrypto, nodeCryptoService]) {
      await tick()
      const t = measure(o.layer(c), minMs, minIterations, warmupMs)
      const rate = t.iterations / t.seconds
      const raw = o.rawOf(c)
      const rawRate = rawRates.get(raw) as number
      emit({
        bench: "crypto",
        op: o.op,
        impl: c.name,
        opsPerSec: round(rate),
        ratioToRaw: Math.round((rate / rawRate) * 1000) / 1000,
        iterations: t.iterations,
        raw,
        rawOpsPerSec: round(rawRate),
      } satisfies CryptoBenchLine)
    }
  }
  if (sinkValue() === 0.5) emit({ bench: "crypto", note: "unreachable" }) // keeps `sink` observable
}

const round = roundRate
