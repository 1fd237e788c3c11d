// Generator of the "hashing" suite (conformance/docs/hashing.md): writes
//   <outRoot>/hashing/work_commitment/workCommitment.json
//   <outRoot>/hashing/work_id/workId.json
// Deterministic (samples from test/fixtures/samples.ts). Valid cases are computed with the
// implementation; every invalid case states a value that must not open / match, checked as written.
import { bytesEqual, concatBytes, toHex, utf8 } from "../../src/codec/Bytes.ts"
import { DOMAIN, canonicalEncode } from "../../src/codec/Canonical.ts"
import { Hashes } from "../../src/codec/Hashing.ts"
import { Codecs } from "../../src/codec/index.ts"
import { valueToJson as toJson } from "../../src/conformance/suites/encoding.ts"
import type { WorkCommitmentFile, WorkIdFile } from "../../src/conformance/suites/hashing.ts"
import { nobleCrypto } from "../../src/crypto/NobleCrypto.ts"
import type { WorkClaim } from "../../src/domain/Work.ts"
import { Rng, secretSeed, workClaim } from "../../test/fixtures/samples.ts"
import { check, clearHandlerDir, specExamples, type SpecExamples } from "./encoding.ts"
import { writeVector } from "./write.ts"

const crypto = nobleCrypto // the reference layer
const sha = crypto.sha256

const flipBit = (b: Uint8Array, i: number, bit = 0) => {
  const c = b.slice()
  c[i] = (c[i] as number) ^ (1 << bit)
  return c
}

const workCommitmentVector = (x: SpecExamples): WorkCommitmentFile => {
  const valid: Array<WorkCommitmentFile["valid"][number]> = [0, 1, 2, 3].map((seed) => {
    const claim = workClaim(seed)
    const worker = crypto.ed25519.publicKey(secretSeed(seed))
    const salt = new Rng(seed, "salt").bytes(32)
    return {
      name: `seed-${seed}`,
      claim: toJson(claim),
      worker: toHex(worker),
      salt: toHex(salt),
      commitment: toHex(Hashes.workCommitment(sha, claim, worker, salt)),
    }
  })
  valid.push({
    name: "spec-example-5",
    description: "spec/02-encoding.md Example 5: the inference claim committed by K1 with salt 55 x 32",
    claim: toJson(x.ex5.workClaim),
    worker: toHex(x.ex5.worker),
    salt: toHex(x.ex5.salt),
    commitment: toHex(x.ex5.commitment),
  })
  check(bytesEqual(Hashes.workCommitment(sha, x.ex5.workClaim, x.ex5.worker, x.ex5.salt), x.ex5.commitment), "example 5 commitment")
  const claim = workClaim(0)
  const worker = crypto.ed25519.publicKey(secretSeed(0))
  const salt = new Rng(0, "salt").bytes(32)
  const c0 = Hashes.workCommitment(sha, claim, worker, salt)
  const invalid: Array<WorkCommitmentFile["invalid"][number]> = []
  const add = (name: string, description: string, cl: WorkClaim, w: Uint8Array, s: Uint8Array, commitment: Uint8Array) => {
    check(!bytesEqual(Hashes.workCommitment(sha, cl, w, s), commitment), `workCommitment ${name} must not open`)
    invalid.push({ name, description, claim: toJson(cl), worker: toHex(w), salt: toHex(s), commitment: toHex(commitment) })
  }
  add("other-salt", "seed-0's commitment opened with a different salt", claim, worker, flipBit(salt, 31), c0)
  add("other-worker", "seed-0's commitment claimed by another worker (front-running)", claim, crypto.ed25519.publicKey(secretSeed(1)), salt, c0)
  const otherOutput = { ...claim, outputHash: flipBit(claim.outputHash, 0) }
  add("other-output", "seed-0's commitment opened with a different output hash", otherOutput, worker, salt, c0)
  const otherQuality = { ...claim, qualityClaims: { ...claim.qualityClaims, correctness: claim.qualityClaims.correctness === 0 ? 1 : 0 } }
  add("other-quality-claims", "seed-0's commitment opened with different quality claims", otherQuality, worker, salt, c0)
  const otherSketch = { ...claim, noveltySketch: flipBit(claim.noveltySketch, 7) }
  add("other-novelty-sketch", "seed-0's commitment opened with a different novelty sketch (QUAL-NOVELTY.6: the sketch is committed)", otherSketch, worker, salt, c0)
  const untagged = sha(concatBytes(Codecs.WorkClaim.encode(claim), worker, salt))
  add("no-domain-tag", "SHA-256 of claim || worker || salt without the domain-separation prefix", claim, worker, salt, untagged)
  return {
    function: "workCommitment" as const,
    domainTag: DOMAIN.workCommitment,
    rule: "commitment = SHA-256(u8(len(domainTag)) || ascii(domainTag) || canonical(claim) || worker (32 bytes) || salt (32 bytes)); `claim` is a WorkClaim",
    valid,
    invalid,
  }
}

const workIdVector = (x: SpecExamples): WorkIdFile => {
  const valid: Array<WorkIdFile["valid"][number]> = [0, 1, 2, 3].map((seed) => {
    const claim = workClaim(seed)
    return { name: `seed-${seed}`, claim: toJson(claim), workId: toHex(Hashes.workId(sha, claim)) }
  })
  const claim = workClaim(0)
  const id0 = Hashes.workId(sha, claim)
  // Only the task id, input and output are bound: attestation, quality claims and the rest of the task do not change it.
  const sameWork: WorkClaim = {
    ...claim,
    attestation: utf8("another attestation"),
    qualityClaims: { correctness: 1, utility: 2, novelty: 3 },
    noveltySketch: flipBit(claim.noveltySketch, 0),
    task: { ...claim.task, computeUnits: claim.task.computeUnits === 1 ? 2 : 1 },
  }
  check(bytesEqual(Hashes.workId(sha, sameWork), id0), "workId ignores attestation")
  valid.push({ name: "same-work-other-attestation", claim: toJson(sameWork), workId: toHex(id0) })
  valid.push({ name: "spec-example-5", description: "spec/02-encoding.md Example 5: the work id of the inference claim", claim: toJson(x.ex5.workClaim), workId: toHex(x.ex5.workId) })
  const invalid: Array<WorkIdFile["invalid"][number]> = []
  const add = (name: string, description: string, cl: WorkClaim, id: Uint8Array) => {
    check(!bytesEqual(Hashes.workId(sha, cl), id), `workId ${name} must differ`)
    invalid.push({ name, description, claim: toJson(cl), workId: toHex(id) })
  }
  add("other-task", "seed-0's work id for a claim with another taskId", { ...claim, task: { ...claim.task, taskId: flipBit(claim.task.taskId, 0) } }, id0)
  add("other-input", "seed-0's work id for a claim with another inputHash", { ...claim, inputHash: flipBit(claim.inputHash, 0) }, id0)
  add("other-output", "seed-0's work id for a claim with another outputHash", { ...claim, outputHash: flipBit(claim.outputHash, 0) }, id0)
  add(
    "no-domain-tag",
    "SHA-256 of canonical([taskId, inputHash, outputHash]) without the domain-separation prefix",
    claim,
    sha(canonicalEncode([claim.task.taskId, claim.inputHash, claim.outputHash])),
  )
  return {
    function: "workId" as const,
    domainTag: DOMAIN.workId,
    rule: "workId = SHA-256(u8(len(domainTag)) || ascii(domainTag) || canonical([claim.task.taskId, claim.inputHash, claim.outputHash]))",
    valid,
    invalid,
  }
}

export const generate = async (outRoot: string): Promise<void> => {
  const x = specExamples()
  clearHandlerDir(outRoot, "hashing", "work_commitment")
  clearHandlerDir(outRoot, "hashing", "work_id")
  writeVector(outRoot, "hashing", "work_commitment", "workCommitment.json", workCommitmentVector(x))
  writeVector(outRoot, "hashing", "work_id", "workId.json", workIdVector(x))
}
