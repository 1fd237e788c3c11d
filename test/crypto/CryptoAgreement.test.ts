// spec: CRYPTO-1..4 (spec/02-encoding.md §Cryptography)
// The reference layer (noble) and the node:crypto layer must give byte-identical results and the same
// accept/reject verdict on every input, including crafted ones: a disagreement between two honest
// nodes on whether a signature is valid is a consensus split.
import { bls12_381 } from "@noble/curves/bls12-381.js"
import { ed25519 } from "@noble/curves/ed25519.js"
import { sha256 as nobleSha256, sha512 } from "@noble/hashes/sha2.js"
import fc from "fast-check"
import * as nodeCrypto from "node:crypto"
import { createRequire } from "node:module"
import { describe, expect, it } from "vitest"
import { concatBytes, fromHex, toHex, utf8 } from "../../src/codec/Bytes.ts"
import { BLS_R, blsSecretScalar } from "../../src/crypto/BlsKey.ts"
import { BLS_DST, type CryptoService } from "../../src/crypto/Crypto.ts"
import { VERIFY_CACHE_GENERATION, memoizeVerification } from "../../src/crypto/MemoCrypto.ts"
import { nobleCrypto } from "../../src/crypto/NobleCrypto.ts"
import { nodeBlsBackend, nodeCryptoService, nodeEd25519Backend, opensslEd25519 } from "../../src/crypto/NodeCrypto.ts"
import { rOutsideSodium } from "../../src/crypto/SodiumEd25519.ts"
import { Rng } from "../fixtures/samples.ts"

/** The node layer's Ed25519 on OpenSSL alone (what it runs where libsodium's binding does not load). */
const opensslLayer: CryptoService = { ...nodeCryptoService, name: "node-openssl", ed25519: opensslEd25519 }
const LAYERS: ReadonlyArray<CryptoService> = [nobleCrypto, nodeCryptoService, opensslLayer]

const seedBytes = (i: number, label = "seed") => new Rng(i, label).bytes(32)
const msgBytes = (i: number) => {
  const r = new Rng(i, "msg")
  return r.bytes(r.pick([0, 1, 31, 32, 33, 64, 127, 128, 1000]))
}

/** Every layer's verdict; they must agree. */
const verdicts = (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array) => {
  const v = LAYERS.map((l) => l.ed25519.verify(sig, msg, pk))
  for (let i = 1; i < v.length; i++) expect(v[i], `${LAYERS[i]?.name} disagrees with noble on sig=${toHex(sig)} pk=${toHex(pk)}`).toBe(v[0])
  return v[0] as boolean
}

describe("sha256", () => {
  // FIPS 180-2 / NIST examples
  const vectors: ReadonlyArray<readonly [string, Uint8Array, string]> = [
    ['"abc"', utf8("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    ["empty", new Uint8Array(0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    [
      "448-bit message",
      utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ],
    ["one million 'a'", new Uint8Array(1_000_000).fill(0x61), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"],
  ]
  it.each(vectors)("%s", (_n, input, hex) => {
    for (const l of LAYERS) expect(toHex(l.sha256(input)), l.name).toBe(hex)
  })

  it("layers agree on every length 0..300 and on 1 MiB", () => {
    const data = new Rng(1, "sha").bytes(300)
    for (let n = 0; n <= 300; n++) expect(toHex(nodeCryptoService.sha256(data.subarray(0, n)))).toBe(toHex(nobleCrypto.sha256(data.subarray(0, n))))
    const mib = new Rng(2, "sha").bytes(1 << 20)
    const h = toHex(nobleCrypto.sha256(mib))
    expect(toHex(nodeCryptoService.sha256(mib))).toBe(h)
    mib[mib.length - 1] = (mib[mib.length - 1] as number) ^ 1
    expect(toHex(nodeCryptoService.sha256(mib))).not.toBe(h)
  })

  it("hashes a subarray view by its own bytes, not the whole buffer", () => {
    const buf = utf8("xxabcxx")
    for (const l of LAYERS) expect(toHex(l.sha256(buf.subarray(2, 5)))).toBe(vectors[0]?.[2])
  })
})

describe("ed25519: RFC 8032 §7.1 TEST 1-3", () => {
  const rfc8032 = [
    {
      name: "TEST 1",
      sk: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
      pk: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
      msg: "",
      sig: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    },
    {
      name: "TEST 2",
      sk: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
      pk: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
      msg: "72",
      sig: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    },
    {
      name: "TEST 3",
      sk: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
      pk: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
      msg: "af82",
      sig: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    },
  ] as const

  describe.each(LAYERS.map((l) => [l.name, l] as const))("%s", (_name, l) => {
    it.each(rfc8032)("$name: public key, signature, verification", (v) => {
      const sk = fromHex(v.sk)
      const msg = fromHex(v.msg)
      expect(toHex(l.ed25519.publicKey(sk))).toBe(v.pk)
      expect(toHex(l.ed25519.sign(msg, sk))).toBe(v.sig)
      expect(l.ed25519.verify(fromHex(v.sig), msg, fromHex(v.pk))).toBe(true)
      expect(l.ed25519.verify(fromHex(v.sig), concatBytes(msg, new Uint8Array([0])), fromHex(v.pk))).toBe(false)
    })
  })
})

describe("ed25519: layers agree", () => {
  const N = 48

  it(`publicKey and sign are byte-identical for ${N} seeds x 3 messages, and each verifies the other's signatures`, () => {
    for (let i = 0; i < N; i++) {
      const sk = seedBytes(i)
      const pk = nobleCrypto.ed25519.publicKey(sk)
      for (const l of [nodeCryptoService, opensslLayer]) {
        expect(toHex(l.ed25519.publicKey(sk)), l.name).toBe(toHex(pk))
        for (let j = 0; j < 3; j++) {
          const msg = msgBytes(i * 3 + j)
          const a = nobleCrypto.ed25519.sign(msg, sk)
          const b = l.ed25519.sign(msg, sk)
          expect(toHex(b), l.name).toBe(toHex(a))
          expect(l.ed25519.verify(a, msg, pk), l.name).toBe(true)
          expect(nobleCrypto.ed25519.verify(b, msg, pk)).toBe(true)
        }
      }
    }
  })

  it("CRYPTO-4: node's publicKey is derived once per seed and each call returns a fresh copy (a caller's write cannot change the next answer)", () => {
    const sk = seedBytes(7)
    const want = toHex(nobleCrypto.ed25519.publicKey(sk))
    const a = nodeCryptoService.ed25519.publicKey(sk)
    a.fill(0)
    const b = nodeCryptoService.ed25519.publicKey(sk)
    expect(b).not.toBe(a)
    expect(toHex(b)).toBe(want)
    // a different seed of the same length never gets another seed's key
    expect(toHex(nodeCryptoService.ed25519.publicKey(seedBytes(8)))).toBe(toHex(nobleCrypto.ed25519.publicKey(seedBytes(8))))
  })

  it("both reject tampered message, signature and key", () => {
    for (let i = 0; i < 16; i++) {
      const sk = seedBytes(i)
      const pk = nobleCrypto.ed25519.publicKey(sk)
      const msg = msgBytes(i)
      const sig = nobleCrypto.ed25519.sign(msg, sk)
      expect(verdicts(sig, msg, pk)).toBe(true)
      const r = new Rng(i, "tamper")
      const flip = (b: Uint8Array) => {
        const c = b.slice()
        const k = r.below(c.length)
        c[k] = (c[k] as number) ^ (1 << r.below(8))
        return c
      }
      if (msg.length > 0) expect(verdicts(sig, flip(msg), pk)).toBe(false)
      expect(verdicts(sig, concatBytes(msg, new Uint8Array([0])), pk)).toBe(false)
      expect(verdicts(flip(sig), msg, pk)).toBe(false)
      expect(verdicts(concatBytes(flip(sig.subarray(0, 32)), sig.subarray(32)), msg, pk)).toBe(false) // R half
      expect(verdicts(concatBytes(sig.subarray(0, 32), flip(sig.subarray(32))), msg, pk)).toBe(false) // S half
      expect(verdicts(sig, msg, flip(pk))).toBe(false)
      expect(verdicts(sig, msg, nobleCrypto.ed25519.publicKey(seedBytes(i + 1000)))).toBe(false)
    }
  })

  it("both reject wrong lengths and all-zero inputs without throwing", () => {
    const sk = seedBytes(1)
    const pk = nobleCrypto.ed25519.publicKey(sk)
    const msg = utf8("poai")
    const sig = nobleCrypto.ed25519.sign(msg, sk)
    const cases: ReadonlyArray<readonly [string, Uint8Array, Uint8Array]> = [
      ["sig 63 bytes", sig.subarray(0, 63), pk],
      ["sig 65 bytes", concatBytes(sig, new Uint8Array(1)), pk],
      ["sig empty", new Uint8Array(0), pk],
      ["pk 31 bytes", sig, pk.subarray(0, 31)],
      ["pk 33 bytes", sig, concatBytes(pk, new Uint8Array(1))],
      ["pk empty", sig, new Uint8Array(0)],
      ["all-zero sig", new Uint8Array(64), pk],
      ["all-zero pk", sig, new Uint8Array(32)],
      ["all-zero sig and pk", new Uint8Array(64), new Uint8Array(32)],
      ["all-0xff sig and pk", new Uint8Array(64).fill(0xff), new Uint8Array(32).fill(0xff)],
    ]
    for (const [name, s, p] of cases) {
      for (const l of LAYERS) {
        let v: boolean | string
        try {
          v = l.ed25519.verify(s, msg, p)
        } catch (e) {
          v = `threw ${String(e)}`
        }
        expect(v, `${l.name}: ${name}`).toBe(false)
      }
    }
  })

  it("both throw (rather than return garbage) for secret keys that are not 32 bytes", () => {
    for (const l of LAYERS)
      for (const n of [0, 31, 33, 64]) {
        expect(() => l.ed25519.publicKey(new Uint8Array(n)), `${l.name} ${n}`).toThrow()
        expect(() => l.ed25519.sign(utf8("m"), new Uint8Array(n)), `${l.name} ${n}`).toThrow()
      }
  })

  it("verify never throws and the layers agree on arbitrary bytes (fast-check, seed 8032, 300 runs)", () => {
    const pk = nobleCrypto.ed25519.publicKey(seedBytes(2))
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ maxLength: 70 })),
        fc.uint8Array({ maxLength: 40 }),
        fc.oneof(fc.constant(pk), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 })),
        (sig, msg, p) => {
          const a = nobleCrypto.ed25519.verify(sig, msg, p)
          const b = nodeCryptoService.ed25519.verify(sig, msg, p)
          const c = opensslEd25519.verify(sig, msg, p)
          return a === b && a === c && a === false
        },
      ),
      { numRuns: 300, seed: 8032 },
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Crafted inputs on which RFC 8032 verifiers legitimately differ. CRYPTO-2 fixes one rule (see
// Crypto.ts): canonical A and R, S < L, A not of small order, cofactorless equation.

const Point = ed25519.Point
const L = Point.Fn.ORDER
const le = (b: Uint8Array) => b.reduceRight((x, v) => (x << 8n) | BigInt(v), 0n)
const le32 = (n: bigint) => {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn)
  return out
}
const challenge = (r: Uint8Array, pk: Uint8Array, msg: Uint8Array) => Point.Fn.create(le(sha512(concatBytes(r, pk, msg))))
const timesL = (p: InstanceType<typeof Point>) => p.multiplyUnsafe(L - 1n).add(p) // [L]P, the torsion part

/** A point of order 8 (a generator of the torsion subgroup). */
const T8 = (() => {
  for (let i = 2; ; i++) {
    const b = new Uint8Array(32)
    b[0] = i
    let p: InstanceType<typeof Point>
    try {
      p = Point.fromBytes(b)
    } catch {
      continue
    }
    const t = timesL(p)
    if (!t.multiplyUnsafe(4n).is0()) return t
  }
})()
const SMALL_ORDER_POINTS = Array.from({ length: 8 }, (_, j) => (j === 0 ? Point.ZERO : T8.multiplyUnsafe(BigInt(j))))

/** OpenSSL's own verdict, without the poai layer's extra checks. */
const rawOpenSslVerify = (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array) =>
  nodeCrypto.verify(
    null,
    msg,
    nodeCrypto.createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), pk]), format: "der", type: "spki" }),
    sig,
  )

describe("ed25519: crafted signatures (CRYPTO-2 acceptance rule)", () => {
  it("the 8 small-order points are all distinct and of order dividing 8", () => {
    const encs = new Set(SMALL_ORDER_POINTS.map((p) => toHex(p.toBytes())))
    expect(encs.size).toBe(8)
    for (const p of SMALL_ORDER_POINTS) expect(p.isSmallOrder()).toBe(true)
  })

  it("small-order public keys: the universal forgery R = -[k]A, S = 0 is rejected by both layers", () => {
    let opensslAlone = 0
    for (const A of SMALL_ORDER_POINTS) {
      const pk = A.toBytes()
      for (let i = 0; i < 4; i++) {
        const msg = msgBytes(i)
        // [0]B = R + [k]A holds for R = -[k]A; but R depends on k = H(R || A || M): iterate to a fixpoint
        // over the 8 possible R values.
        for (const R of SMALL_ORDER_POINTS) {
          const r = R.toBytes()
          const k = challenge(r, pk, msg)
          if (!R.add(A.multiplyUnsafe(k)).is0()) continue
          const sig = concatBytes(r, new Uint8Array(32))
          if (rawOpenSslVerify(sig, msg, pk)) opensslAlone++
          expect(verdicts(sig, msg, pk)).toBe(false)
        }
      }
    }
    // The forgery is real: OpenSSL alone accepts it, which is why NodeCrypto rejects small-order keys.
    expect(opensslAlone).toBeGreaterThan(0)
  })

  it("the identity key forgery (R = identity, S = 0) works on raw OpenSSL for any message and on neither layer", () => {
    const identity = Point.ZERO.toBytes()
    const sig = concatBytes(identity, new Uint8Array(32))
    for (let i = 0; i < 8; i++) {
      expect(rawOpenSslVerify(sig, msgBytes(i), identity)).toBe(true)
      expect(verdicts(sig, msgBytes(i), identity)).toBe(false)
    }
  })

  it("non-canonical public key encodings (y >= p) are rejected by both layers", () => {
    // y = p + 1 encodes the identity non-canonically; OpenSSL alone accepts the identity forgery with it.
    const pk = fromHex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
    const sig = concatBytes(Point.ZERO.toBytes(), new Uint8Array(32))
    expect(rawOpenSslVerify(sig, utf8("m"), pk)).toBe(true)
    expect(verdicts(sig, utf8("m"), pk)).toBe(false)
    // every y in [p, 2^255) with either sign bit
    for (let d = 0; d < 19; d++)
      for (const sign of [0, 0x80]) {
        const y = le32(2n ** 255n - 19n + BigInt(d))
        y[31] = (y[31] as number) | sign
        expect(verdicts(sig, utf8("m"), y)).toBe(false)
      }
  })

  it("S >= L is rejected by both layers (signature malleability)", () => {
    const sk = seedBytes(3)
    const pk = nobleCrypto.ed25519.publicKey(sk)
    const msg = utf8("malleable?")
    const sig = nobleCrypto.ed25519.sign(msg, sk)
    const s = le(sig.subarray(32))
    expect(verdicts(sig, msg, pk)).toBe(true)
    for (const s2 of [s + L, L, 2n ** 256n - 1n]) {
      if (s2 >= 2n ** 256n) continue
      expect(verdicts(concatBytes(sig.subarray(0, 32), le32(s2)), msg, pk)).toBe(false)
    }
  })

  it("R with a small-order component: cofactored noble.verify accepts, both layers reject (the split this rule prevents)", () => {
    const sk = seedBytes(4)
    const { scalar: a, pointBytes: pk } = ed25519.utils.getExtendedPublicKey(sk)
    const msg = utf8("torsion")
    for (let t = 1n; t <= 8n; t++) {
      const r = 1000n + t
      const R = Point.BASE.multiply(r).add(T8).toBytes()
      const S = Point.Fn.create(r + challenge(R, pk, msg) * a)
      const sig = concatBytes(R, le32(S))
      expect(ed25519.verify(sig, msg, pk, { zip215: false })).toBe(true) // cofactored equation holds
      expect(rawOpenSslVerify(sig, msg, pk)).toBe(false) // cofactorless does not
      expect(verdicts(sig, msg, pk)).toBe(false)
    }
  })

  it("mixed-order public keys (A + T): both layers give the same verdict on every message", () => {
    const sk = seedBytes(5)
    const { scalar: a, point } = ed25519.utils.getExtendedPublicKey(sk)
    const pk = point.add(T8).toBytes()
    let accepted = 0
    for (let i = 0; i < 32; i++) {
      const msg = utf8(`m${i}`)
      const r = 77n + BigInt(i)
      const R = Point.BASE.multiply(r).toBytes()
      const sig = concatBytes(R, le32(Point.Fn.create(r + challenge(R, pk, msg) * a)))
      if (verdicts(sig, msg, pk)) accepted++ // accepted iff 8 | k (cofactorless)
    }
    // the cofactorless equation holds exactly when 8 | k: some but not all of these are accepted
    expect(accepted).toBeGreaterThan(0)
    expect(accepted).toBeLessThan(32)
  })
})

describe("ed25519: the node layer on libsodium (CRYPTO-4) agrees with CRYPTO-2 where libsodium alone does not", () => {
  // libsodium's own verifier, without the poai layer's routing of the R values it refuses
  const sodium = createRequire(import.meta.url)("sodium-native") as { crypto_sign_verify_detached: (s: Uint8Array, m: Uint8Array, p: Uint8Array) => boolean }
  const rawSodiumVerify = (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array) => sodium.crypto_sign_verify_detached(sig, msg, pk)

  it("the node layer runs libsodium here (the prebuilt binary loads on this platform)", () => {
    expect(nodeEd25519Backend).toBe("libsodium")
    expect(nodeCryptoService.ed25519).not.toBe(opensslEd25519)
  })

  it("R = identity with S = k·a: CRYPTO-2 accepts it, libsodium alone refuses it, every layer accepts it", () => {
    const sk = seedBytes(11)
    const { scalar: a, pointBytes: pk } = ed25519.utils.getExtendedPublicKey(sk)
    const R = Point.ZERO.toBytes()
    for (let i = 0; i < 8; i++) {
      const msg = msgBytes(i)
      const sig = concatBytes(R, le32(Point.Fn.create(challenge(R, pk, msg) * a)))
      expect(rawSodiumVerify(sig, msg, pk)).toBe(false)
      expect(rawOpenSslVerify(sig, msg, pk)).toBe(true)
      expect(verdicts(sig, msg, pk)).toBe(true)
      // the negative-zero encoding of the same R is not canonical (CRYPTO-2 item 2): every layer refuses it
      const nz = Uint8Array.from(sig)
      nz[31] = (nz[31] as number) | 0x80
      expect(verdicts(nz, msg, pk)).toBe(false)
    }
  })

  it("a mixed-order key A + T with R = -[k]T of small order (not the identity): every layer accepts what CRYPTO-2 accepts", () => {
    const sk = seedBytes(12)
    const { scalar: a, point } = ed25519.utils.getExtendedPublicKey(sk)
    const pk = point.add(T8).toBytes()
    let found = 0
    for (let i = 0; i < 64 && found < 4; i++) {
      const msg = utf8(`mixed ${i}`)
      // [S]B = R + [k](A + T) with S = k·a needs R = -[k]T; k depends on R: look for a fixpoint among the 8
      for (const Rp of SMALL_ORDER_POINTS) {
        const R = Rp.toBytes()
        const k = challenge(R, pk, msg)
        if (!Rp.add(T8.multiplyUnsafe(k)).is0()) continue
        const sig = concatBytes(R, le32(Point.Fn.create(k * a)))
        if (!Rp.is0()) {
          expect(rOutsideSodium(sig)).toBe(true)
          expect(rawSodiumVerify(sig, msg, pk)).toBe(false)
        }
        expect(verdicts(sig, msg, pk)).toBe(true)
        found++
      }
    }
    expect(found).toBeGreaterThan(0)
  })

  it("rOutsideSodium names exactly the non-canonical R and the 16 encodings of small-order points (either sign bit)", () => {
    for (const p of SMALL_ORDER_POINTS)
      for (const sign of [0, 0x80]) {
        const r = Uint8Array.from(p.toBytes())
        r[31] = ((r[31] as number) & 0x7f) | sign
        expect(rOutsideSodium(concatBytes(r, new Uint8Array(32))), toHex(r)).toBe(true)
      }
    for (let d = 0; d < 19; d++) expect(rOutsideSodium(concatBytes(le32(2n ** 255n - 19n + BigInt(d)), new Uint8Array(32)))).toBe(true)
    let outside = 0
    for (let i = 0; i < 2000; i++) {
      const r = Point.BASE.multiply(BigInt(i + 1)).toBytes()
      if (rOutsideSodium(concatBytes(r, new Uint8Array(32)))) outside++
    }
    expect(outside).toBe(0)
  })

  it("valid, tampered and re-signed signatures from random seeds: the three layers agree (fast-check, seed 2559, 200 runs)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), fc.nat(64 * 8 + 32 * 8 - 1), fc.boolean(), (sk, msg, bit, flip) => {
        const pk = nobleCrypto.ed25519.publicKey(sk)
        const sig = nodeCryptoService.ed25519.sign(msg, sk)
        if (toHex(sig) !== toHex(opensslEd25519.sign(msg, sk))) return false
        if (!flip) return verdicts(sig, msg, pk)
        const s2 = Uint8Array.from(sig)
        const p2 = Uint8Array.from(pk)
        if (bit < 512) s2[bit >> 3] = (s2[bit >> 3] as number) ^ (1 << (bit & 7))
        else p2[(bit - 512) >> 3] = (p2[(bit - 512) >> 3] as number) ^ (1 << (bit & 7))
        return verdicts(s2, msg, p2) === false
      }),
      { numRuns: 200, seed: 2559 },
    )
  })
})

describe("bls12-381 (noble reference; blst in the node layer)", () => {
  const msg = utf8("POAI beacon input")
  const sk1 = seedBytes(1, "bls")
  const sk2 = seedBytes(2, "bls")
  // computed once: sign/verify cost ~40-80 ms each
  const pk1 = nobleCrypto.bls.publicKey(sk1)
  const pk2 = nobleCrypto.bls.publicKey(sk2)
  const sig1 = nobleCrypto.bls.sign(msg, sk1)

  it("publicKey is a deterministic function of the seed (48 bytes) and the secret scalar is in [1, r-1]", () => {
    expect(pk1.length).toBe(48)
    expect(toHex(nobleCrypto.bls.publicKey(sk1.slice()))).toBe(toHex(pk1))
    expect(toHex(nodeCryptoService.bls.publicKey(sk1))).toBe(toHex(pk1))
    expect(toHex(pk2)).not.toBe(toHex(pk1))
    for (const seed of [sk1, new Uint8Array(32), new Uint8Array(32).fill(0xff)]) {
      const x = BigInt("0x" + toHex(blsSecretScalar(seed, nobleSha256)))
      expect(x >= 1n && x < BLS_R).toBe(true)
    }
  })

  it("sign is deterministic (96 bytes) and verifies; wrong message and wrong key are rejected", () => {
    expect(sig1.length).toBe(96)
    expect(toHex(nodeCryptoService.bls.sign(msg, sk1))).toBe(toHex(sig1))
    expect(nobleCrypto.bls.verify(sig1, msg, pk1)).toBe(true)
    expect(nobleCrypto.bls.verify(sig1, utf8("POAI beacon input!"), pk1)).toBe(false)
    expect(nobleCrypto.bls.verify(sig1, msg, pk2)).toBe(false)
  })

  it("verify never throws on garbage and rejects it", () => {
    const inf48 = fromHex("c0" + "00".repeat(47))
    const inf96 = fromHex("c0" + "00".repeat(95))
    const cases: ReadonlyArray<readonly [string, Uint8Array, Uint8Array]> = [
      ["sig 95 bytes", sig1.subarray(0, 95), pk1],
      ["pk 47 bytes", sig1, pk1.subarray(0, 47)],
      ["ed25519-sized pk", sig1, new Uint8Array(32)],
      ["all-zero sig", new Uint8Array(96), pk1],
      ["all-0xff sig", new Uint8Array(96).fill(0xff), pk1],
      ["infinity pk and sig (identity key forgery)", inf96, inf48],
      ["infinity sig", inf96, pk1],
      ["infinity pk", sig1, inf48],
    ]
    for (const [name, s, p] of cases) {
      let v: boolean | string
      try {
        v = nodeCryptoService.bls.verify(s, msg, p)
      } catch (e) {
        v = `threw ${String(e)}`
      }
      expect(v, name).toBe(false)
    }
  })
})

// CRYPTO-4 for BLS: the node layer runs blst, the reference layer noble. Every class of malformed key
// and signature gets the same verdict from both (the classes blst and noble decode differently are the
// ones a consensus split would come from: flags, x >= p, off-curve x, points outside the subgroup,
// infinity), and valid signatures are byte-identical.
describe("bls12-381: the node layer (blst) agrees with the reference (noble) on every input class", () => {
  const { Fp, Fp2 } = bls12_381.fields
  const P = Fp.ORDER
  const be48 = (x: bigint) => fromHex(x.toString(16).padStart(96, "0"))
  const msg = utf8("POAI beacon input")
  const sk = seedBytes(3, "bls")
  const pk = nobleCrypto.bls.publicKey(sk)
  const sig = nobleCrypto.bls.sign(msg, sk)
  const blsVerdicts = (s: Uint8Array, m: Uint8Array, k: Uint8Array, name: string) => {
    const v = LAYERS.map((l) => l.bls.verify(s, m, k))
    expect(v[0], `layers disagree: ${name}`).toBe(v[1])
    return v[0] as boolean
  }
  /** Compressed G1 encoding of an affine point (x, y) that need not be in the subgroup. */
  const g1Compressed = (x: bigint, y: bigint) => {
    const b = be48(x)
    b[0] = (b[0] as number) | 0x80 | (y > (P - 1n) / 2n ? 0x20 : 0)
    return b
  }
  /** An on-curve G1 point outside the r-torsion subgroup (y^2 = x^3 + 4, not torsion-free). */
  const g1OffSubgroup = (() => {
    for (let x = 1n; ; x++) {
      const rhs = Fp.add(Fp.mul(Fp.sqr(x), x), 4n)
      let y: bigint
      try {
        y = Fp.sqrt(rhs)
      } catch {
        continue
      }
      const pt = bls12_381.G1.Point.fromAffine({ x, y })
      if (!pt.isTorsionFree()) return g1Compressed(x, y)
    }
  })()
  /** The smallest x with x^3 + 4 a non-square: no G1 point has it. */
  const g1OffCurve = (() => {
    for (let x = 1n; ; x++) {
      try {
        Fp.sqrt(Fp.add(Fp.mul(Fp.sqr(x), x), 4n))
      } catch {
        return g1Compressed(x, 0n)
      }
    }
  })()
  /** An on-curve G2 point outside the subgroup (y^2 = x^3 + 4(1 + i)), compressed as c1 || c0. */
  const g2OffSubgroup = (() => {
    for (let k = 1n; ; k++) {
      const x = Fp2.create({ c0: k, c1: 1n })
      const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), Fp2.create({ c0: 4n, c1: 4n }))
      let y: ReturnType<typeof Fp2.sqrt>
      try {
        y = Fp2.sqrt(rhs)
      } catch {
        continue
      }
      const pt = bls12_381.G2.Point.fromAffine({ x, y })
      if (pt.isTorsionFree()) continue
      const b = concatBytes(be48(x.c1), be48(x.c0))
      b[0] = (b[0] as number) | 0x80 // either root: -y is outside the subgroup too
      return b
    }
  })()
  const R = bls12_381.fields.Fr.ORDER
  const half = (P - 1n) / 2n
  /**
   * A point of the cofactor part ([r]Q for an on-curve Q outside the subgroup: its order divides the
   * cofactor, which is prime to r). Added to a valid key, it leaves the verification equation true:
   * without the key's subgroup check blst accepts pk + T (the `bls-node-key-unvalidated` mutant shows
   * it), so only that check stops the forgery. Added to a signature it breaks the equation (the ate
   * pairing is bilinear only on the r-torsion), so the signature's subgroup check guards no forgery
   * constructed here; the case stays as an agreement case.
   */
  const g1Torsion = (() => {
    for (let x = 1n; ; x++) {
      let y: bigint
      try {
        y = Fp.sqrt(Fp.add(Fp.mul(Fp.sqr(x), x), 4n))
      } catch {
        continue
      }
      const q = bls12_381.G1.Point.fromAffine({ x, y })
      const t = q.multiplyUnsafe(R - 1n).add(q)
      if (!t.is0()) return t
    }
  })()
  const g2Torsion = (() => {
    for (let k = 1n; ; k++) {
      const x = Fp2.create({ c0: k, c1: 1n })
      let y: ReturnType<typeof Fp2.sqrt>
      try {
        y = Fp2.sqrt(Fp2.add(Fp2.mul(Fp2.sqr(x), x), Fp2.create({ c0: 4n, c1: 4n })))
      } catch {
        continue
      }
      const q = bls12_381.G2.Point.fromAffine({ x, y })
      const t = q.multiplyUnsafe(R - 1n).add(q)
      if (!t.is0()) return t
    }
  })()
  /** A valid key plus a G1 torsion point, compressed (ZCash flags). */
  const pkPlusTorsion = (() => {
    const a = bls12_381.G1.Point.fromBytes(pk).add(g1Torsion).toAffine()
    return g1Compressed(a.x, a.y)
  })()
  /** A valid signature plus a G2 torsion point, compressed (c1 || c0; the sign of y by c1, or c0 if c1 = 0). */
  const sigPlusTorsion = (() => {
    const a = bls12_381.G2.Point.fromBytes(sig).add(g2Torsion).toAffine()
    const b = concatBytes(be48(a.x.c1), be48(a.x.c0))
    const big = a.y.c1 !== 0n ? a.y.c1 > half : a.y.c0 > half
    b[0] = (b[0] as number) | 0x80 | (big ? 0x20 : 0)
    return b
  })()
  const withFirst = (b: Uint8Array, f: (x: number) => number) => {
    const c = b.slice()
    c[0] = f(c[0] as number)
    return c
  }

  it("the node layer runs blst here (the prebuilt binary loads on this platform)", () => {
    expect(nodeBlsBackend).toBe("blst")
  })

  it("publicKey and sign are byte-identical and both layers accept the signature", () => {
    for (let i = 0; i < 4; i++) {
      const s = seedBytes(20 + i, "bls")
      const m = msgBytes(i)
      expect(toHex(nodeCryptoService.bls.publicKey(s))).toBe(toHex(nobleCrypto.bls.publicKey(s)))
      const ns = nodeCryptoService.bls.sign(m, s)
      expect(toHex(ns)).toBe(toHex(nobleCrypto.bls.sign(m, s)))
      expect(blsVerdicts(ns, m, nobleCrypto.bls.publicKey(s), `valid ${i}`)).toBe(true)
      expect(blsVerdicts(ns, concatBytes(m, new Uint8Array([0])), nobleCrypto.bls.publicKey(s), `other message ${i}`)).toBe(false)
      expect(blsVerdicts(ns, m, pk, `other key ${i}`)).toBe(false)
    }
  })

  it("keys and signatures from seeds of any length are byte-identical (blsSecretScalar hashes the seed)", () => {
    for (const seed of [new Uint8Array(0), seedBytes(5, "bls").subarray(0, 31), new Uint8Array(64).fill(9)]) {
      expect(toHex(nodeCryptoService.bls.publicKey(seed))).toBe(toHex(nobleCrypto.bls.publicKey(seed)))
      expect(toHex(nodeCryptoService.bls.sign(msg, seed))).toBe(toHex(nobleCrypto.bls.sign(msg, seed)))
    }
  })

  it("the crafted points really are what their names say (so the cases below test what they claim)", () => {
    expect(() => bls12_381.G1.Point.fromBytes(g1OffSubgroup)).toThrow()
    expect(() => bls12_381.G2.Point.fromBytes(g2OffSubgroup)).toThrow()
    expect(() => bls12_381.G1.Point.fromBytes(g1OffCurve)).toThrow()
    expect(bls12_381.G1.Point.fromBytes(pk).isTorsionFree()).toBe(true)
    const Hm = bls12_381.longSignatures.hash(msg, BLS_DST)
    const ok = bls12_381.fields.Fp12.eql(bls12_381.pairing(bls12_381.G1.Point.fromBytes(pk), Hm), bls12_381.pairing(bls12_381.G1.Point.BASE, bls12_381.G2.Point.fromBytes(sig)))
    expect(ok).toBe(true)
    expect(g1Torsion.isTorsionFree()).toBe(false)
    expect(g2Torsion.isTorsionFree()).toBe(false)
    // on the curve (the encodings decode without the subgroup check), outside the subgroup
    expect(bls12_381.G1.Point.fromAffine(bls12_381.G1.Point.fromBytes(pk).add(g1Torsion).toAffine()).isTorsionFree()).toBe(false)
    expect(() => bls12_381.G1.Point.fromBytes(pkPlusTorsion)).toThrow()
    expect(() => bls12_381.G2.Point.fromBytes(sigPlusTorsion)).toThrow()
  })

  it("a valid signature with a torsion point added to the key or the signature is rejected by both layers", () => {
    expect(blsVerdicts(sig, msg, pkPlusTorsion, "key + G1 torsion point")).toBe(false)
    expect(blsVerdicts(sigPlusTorsion, msg, pk, "signature + G2 torsion point")).toBe(false)
  })

  it("every malformed key and signature class is rejected by both layers, and nothing throws", () => {
    const cases: ReadonlyArray<readonly [string, Uint8Array, Uint8Array]> = [
      ["valid (control)", sig, pk],
      ["key outside the G1 subgroup", sig, g1OffSubgroup],
      ["signature outside the G2 subgroup", g2OffSubgroup, pk],
      ["key x not on the curve", sig, g1OffCurve],
      ["key x = p (not a field element)", sig, withFirst(be48(P), (x) => x | 0x80)],
      ["key x = 2^381 - 1", sig, withFirst(new Uint8Array(48).fill(0xff), () => 0x9f)],
      ["signature c1 = p", concatBytes(withFirst(be48(P), (x) => x | 0x80), sig.subarray(48)), pk],
      ["key without the compression flag", sig, withFirst(pk, (x) => x & 0x7f)],
      ["signature without the compression flag", withFirst(sig, (x) => x & 0x7f), pk],
      ["key with the sign flag flipped (-pk, a valid point)", sig, withFirst(pk, (x) => x ^ 0x20)],
      ["signature with the sign flag flipped (-sig, a valid point)", withFirst(sig, (x) => x ^ 0x20), pk],
      ["key: infinity", sig, withFirst(new Uint8Array(48), () => 0xc0)],
      ["signature: infinity", withFirst(new Uint8Array(96), () => 0xc0), pk],
      ["both infinity (identity key forgery)", withFirst(new Uint8Array(96), () => 0xc0), withFirst(new Uint8Array(48), () => 0xc0)],
      ["key: infinity flag with a nonzero x", sig, withFirst(concatBytes(new Uint8Array(47), new Uint8Array([1])), () => 0xc0)],
      ["key: infinity flag with the sign flag", sig, withFirst(new Uint8Array(48), () => 0xe0)],
      ["key: infinity flag on a valid key's bytes", sig, withFirst(pk, (x) => x | 0x40)],
      ["signature: infinity flag on a valid signature's bytes", withFirst(sig, (x) => x | 0x40), pk],
      ["the valid key, uncompressed (96 bytes; blst decodes it)", sig, bls12_381.G1.Point.fromBytes(pk).toBytes(false)],
      ["the valid signature, uncompressed (192 bytes; blst decodes it)", bls12_381.G2.Point.fromBytes(sig).toBytes(false), pk],
      ["uncompressed-size key (96 bytes)", sig, concatBytes(pk, pk)],
      ["uncompressed-size signature (192 bytes)", concatBytes(sig, sig), pk],
      ["empty key and signature", new Uint8Array(0), new Uint8Array(0)],
    ]
    for (const [name, s, k] of cases) {
      const want = name === "valid (control)"
      let v: boolean | string
      try {
        v = blsVerdicts(s, msg, k, name)
      } catch (e) {
        v = `threw ${String(e)}`
      }
      expect(v, name).toBe(want)
    }
  })

  it("random compressed-looking keys and signatures get the same verdict (fast-check, 150 runs, seed 12)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), fc.uint8Array({ minLength: 96, maxLength: 96 }), fc.nat(7), (k, s, flags) => {
        k[0] = ((k[0] as number) & 0x1f) | (flags << 5)
        s[0] = ((s[0] as number) & 0x1f) | 0x80
        blsVerdicts(s, msg, k, `pk=${toHex(k)}`)
        blsVerdicts(sig, msg, k, `pk=${toHex(k)} with a valid signature`)
        blsVerdicts(s, msg, pk, `sig=${toHex(s)} with the valid key`)
      }),
      { numRuns: 150, seed: 12 },
    )
  })
})

describe("memoizeVerification", () => {
  const memo = memoizeVerification(nodeCryptoService)
  const sk = seedBytes(9)
  const pk = nodeCryptoService.ed25519.publicKey(sk)

  it("gives the underlying layer's verdict for valid and invalid signatures, on first and repeated calls", () => {
    for (let i = 0; i < 12; i++) {
      const msg = msgBytes(i)
      const sig = nodeCryptoService.ed25519.sign(msg, sk)
      const bad = sig.slice()
      bad[i] = (bad[i] as number) ^ 1
      for (const [s, m, p] of [
        [sig, msg, pk],
        [bad, msg, pk],
        [sig, concatBytes(msg, new Uint8Array([1])), pk],
        [sig, msg, nodeCryptoService.ed25519.publicKey(seedBytes(10))],
      ] as const) {
        const want = nodeCryptoService.ed25519.verify(s, m, p)
        expect(memo.ed25519.verify(s, m, p)).toBe(want)
        expect(memo.ed25519.verify(s, m, p)).toBe(want) // cached
      }
    }
  })

  it("a cached valid entry is never returned for a different (sig, pk, msg) split of the same bytes", () => {
    const msg = new Uint8Array(300).fill(7)
    const sig = nodeCryptoService.ed25519.sign(msg, sk)
    expect(memo.ed25519.verify(sig, msg, pk)).toBe(true)
    // Same concatenation sig || pk || msg, lengths equal mod 256:
    // a 288-byte "key" that swallows the first 256 message bytes,
    expect(memo.ed25519.verify(sig, msg.subarray(256), concatBytes(pk, msg.subarray(0, 256)))).toBe(false)
    // and a 320-byte "signature" that swallows the key and 224 message bytes.
    expect(memo.ed25519.verify(concatBytes(sig, pk, msg.subarray(0, 224)), msg.subarray(256), msg.subarray(224, 256))).toBe(false)
  })

  it("SIM-NET.6: a repeated request reaches the layer once; a later change to the caller's buffers cannot poison the cache", () => {
    let calls = 0
    const counted: CryptoService = { ...nodeCryptoService, ed25519: { ...nodeCryptoService.ed25519, verify: (s, m, p) => (calls++, nodeCryptoService.ed25519.verify(s, m, p)) } }
    const m2 = memoizeVerification(counted)
    const msg = utf8("memo count")
    const sig = nodeCryptoService.ed25519.sign(msg, sk)
    expect(m2.ed25519.verify(sig, msg, pk)).toBe(true)
    expect(m2.ed25519.verify(sig.slice(), msg.slice(), pk.slice())).toBe(true)
    expect(calls).toBe(1)
    const mine = utf8("memo buffer")
    const sig2 = nodeCryptoService.ed25519.sign(mine, sk)
    expect(m2.ed25519.verify(sig2, mine, pk)).toBe(true)
    mine[0] = (mine[0] as number) ^ 1 // the caller reuses its buffer for another message
    expect(m2.ed25519.verify(sig2, mine, pk)).toBe(false)
    expect(calls).toBe(3)
  })

  it("SIM-NET.6: two generations of `generation` entries; a hit in the older one is kept, the rest is dropped and recomputed", () => {
    let calls = 0
    const counted: CryptoService = { ...nodeCryptoService, ed25519: { ...nodeCryptoService.ed25519, verify: (s, m, p) => (calls++, nodeCryptoService.ed25519.verify(s, m, p)) } }
    const m3 = memoizeVerification(counted, 2)
    const req = [0, 1, 2, 3, 4, 5].map((i) => {
      const msg = utf8(`gen ${i}`)
      return [nodeCryptoService.ed25519.sign(msg, sk), msg] as const
    })
    const ask = (i: number) => {
      const [s, m] = req[i] as readonly [Uint8Array, Uint8Array]
      expect(m3.ed25519.verify(s, m, pk)).toBe(true)
    }
    ask(0), ask(1) // newer: {0, 1}
    ask(2) // full: {0, 1} becomes the older, newer {2}
    expect(calls).toBe(3)
    ask(0) // a hit in the older generation: copied into the newer {2, 0}
    expect(calls).toBe(3)
    ask(3) // full again: older {2, 0}, newer {3}; {0, 1} is gone, but 0 survives in the older
    ask(0)
    expect(calls).toBe(4)
    ask(1) // dropped two generations ago: recomputed
    expect(calls).toBe(5)
    // the default keeps 2 x VERIFY_CACHE_GENERATION entries at most
    expect(VERIFY_CACHE_GENERATION).toBe(32_768)
  })

  it("memoises BLS verdicts and passes sha256, publicKey and sign through unchanged", () => {
    const m = utf8("memo bls")
    const blsSig = nobleCrypto.bls.sign(m, sk)
    const blsPk = nobleCrypto.bls.publicKey(sk)
    expect(memo.bls.verify(blsSig, m, blsPk)).toBe(true)
    expect(memo.bls.verify(blsSig, m, blsPk)).toBe(true)
    expect(memo.bls.verify(blsSig, utf8("other"), blsPk)).toBe(false)
    expect(toHex(memo.sha256(m))).toBe(toHex(nodeCryptoService.sha256(m)))
    expect(toHex(memo.ed25519.publicKey(sk))).toBe(toHex(pk))
    expect(toHex(memo.ed25519.sign(m, sk))).toBe(toHex(nodeCryptoService.ed25519.sign(m, sk)))
    expect(memo.name).toBe("node+memo")
  })
})
