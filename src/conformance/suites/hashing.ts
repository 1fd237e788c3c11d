// spec: ENC-HASH.1, ENC-HASH.3, WORK-CR.1, WORK-CR.4 (spec/02-encoding.md)
// Handlers of the "hashing" suite (conformance/vectors/hashing/<handler>/, conformance/docs/hashing.md):
//   work_commitment  commitment = H(tagged(work-commitment, cbor(claim) || worker || salt)), and whether
//                    a stated commitment opens with (claim, worker, salt)
//   work_id          workId = H(tagged(work-id, cbor([taskId, inputHash, outputHash]))), and whether a
//                    stated work id matches a claim
// (The hashes of whole wire objects, txId, blockHash, bodyHash, commitCert, evidence, are outputs of
// encoding/canonical; beaconValue is in signing/bls12_381.)
import { Either } from "effect"
import { bytesEqual, toHex } from "../../codec/Bytes.ts"
import { Hashes } from "../../codec/Hashing.ts"
import { Codecs } from "../../codec/index.ts"
import { nobleCrypto } from "../../crypto/NobleCrypto.ts"
import type { WorkClaim } from "../../domain/Work.ts"
import { ConformanceInputError, hexField, str, type CaseResult, type ConformanceCase, type HandlerDef, type Json, type JsonObject } from "../Types.ts"
import { valueField } from "./encoding.ts"

/** The rich file formats of hashing/work_commitment/workCommitment.json and hashing/work_id/workId.json. */
export interface WorkCommitmentFile {
  readonly function: "workCommitment"
  readonly domainTag: string
  readonly rule: string
  readonly valid: ReadonlyArray<{ readonly name: string; readonly description?: string; readonly claim: Json; readonly worker: string; readonly salt: string; readonly commitment: string }>
  readonly invalid: ReadonlyArray<{ readonly name: string; readonly description: string; readonly claim: Json; readonly worker: string; readonly salt: string; readonly commitment: string }>
}
export interface WorkIdFile {
  readonly function: "workId"
  readonly domainTag: string
  readonly rule: string
  readonly valid: ReadonlyArray<{ readonly name: string; readonly description?: string; readonly claim: Json; readonly workId: string }>
  readonly invalid: ReadonlyArray<{ readonly name: string; readonly description: string; readonly claim: Json; readonly workId: string }>
}

/** A claim's JSON value validated as a WorkClaim; a schema failure is the reject "schema". */
const claimOf = (input: Json): Either.Either<WorkClaim, string> =>
  Either.mapLeft(Codecs.WorkClaim.validate(valueField(input, "claim")), (e) => e.reason)

const sha = nobleCrypto.sha256 // the reference layer

const fixed32 = (input: Json, name: string): Uint8Array => {
  const b = hexField(input, name)
  if (b.length !== 32) throw new ConformanceInputError(`${name} must be 32 bytes`)
  return b
}

/** valid: `<name>/commit` {claim, worker, salt} -> {commitment} and `<name>/opens` -> {opens: true}; invalid: `<name>` -> {opens: false}. */
const workCommitmentCases = (file: Json): ReadonlyArray<ConformanceCase> => {
  const f = file as unknown as WorkCommitmentFile
  return [
    ...f.valid.flatMap((c): ConformanceCase[] => [
      { name: `${c.name}/commit`, input: { op: "commit", claim: c.claim, worker: c.worker, salt: c.salt }, expected: { output: { commitment: c.commitment } } },
      {
        name: `${c.name}/opens`,
        input: { op: "opens", claim: c.claim, worker: c.worker, salt: c.salt, commitment: c.commitment },
        expected: { output: { opens: true } },
      },
    ]),
    ...f.invalid.map(
      (c): ConformanceCase => ({
        name: c.name,
        input: { op: "opens", claim: c.claim, worker: c.worker, salt: c.salt, commitment: c.commitment },
        expected: { output: { opens: false } },
      }),
    ),
  ]
}

const workCommitmentRun = (input: Json): CaseResult => {
  const op = str(input, "op")
  if (op !== "commit" && op !== "opens") throw new ConformanceInputError(`unknown op ${op}`)
  const claim = claimOf(input)
  if (Either.isLeft(claim)) return { reject: claim.left }
  const c = Hashes.workCommitment(sha, claim.right, fixed32(input, "worker"), fixed32(input, "salt"))
  return op === "commit" ? { output: { commitment: toHex(c) } } : { output: { opens: bytesEqual(c, hexField(input, "commitment")) } }
}

/** valid: `<name>/work_id` {claim} -> {workId} and `<name>/matches` -> {matches: true}; invalid: `<name>` -> {matches: false}. */
const workIdCases = (file: Json): ReadonlyArray<ConformanceCase> => {
  const f = file as unknown as WorkIdFile
  return [
    ...f.valid.flatMap((c): ConformanceCase[] => [
      { name: `${c.name}/work_id`, input: { op: "work_id", claim: c.claim }, expected: { output: { workId: c.workId } } },
      { name: `${c.name}/matches`, input: { op: "matches", claim: c.claim, workId: c.workId }, expected: { output: { matches: true } } },
    ]),
    ...f.invalid.map((c): ConformanceCase => ({ name: c.name, input: { op: "matches", claim: c.claim, workId: c.workId }, expected: { output: { matches: false } } })),
  ]
}

const workIdRun = (input: Json): CaseResult => {
  const op = str(input, "op")
  if (op !== "work_id" && op !== "matches") throw new ConformanceInputError(`unknown op ${op}`)
  const claim = claimOf(input)
  if (Either.isLeft(claim)) return { reject: claim.left }
  const id = Hashes.workId(sha, claim.right)
  if (op === "work_id") return { output: { workId: toHex(id) } }
  return { output: { matches: bytesEqual(id, hexField(input as JsonObject, "workId")) } }
}

export const handlers: ReadonlyArray<HandlerDef> = [
  {
    suite: "hashing",
    handler: "work_commitment",
    description: "work commitment H(tagged(POAI/v1/work-commitment, cbor(WorkClaim) || worker || salt)) (paper eq. 1): commit, and whether a commitment opens",
    spec: ["ENC-HASH.1", "ENC-HASH.3", "WORK-CR.1"],
    formatVersion: "poai/hashing-vectors/v1",
    cases: workCommitmentCases,
    run: workCommitmentRun,
  },
  {
    suite: "hashing",
    handler: "work_id",
    description: "work id H(tagged(POAI/v1/work-id, cbor([taskId, inputHash, outputHash]))): compute, and whether a stated id matches",
    spec: ["ENC-HASH.1", "ENC-HASH.3", "WORK-CR.4"],
    formatVersion: "poai/hashing-vectors/v1",
    cases: workIdCases,
    run: workIdRun,
  },
]
