// VER-PORT.3/4, VER-VERDICT.1..5: each check of the per-kind audits decides on its own (every check below
// is the only one that can fail its case, so deleting it makes the case pass: see properties/mutants).
import { Effect } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { Hashes } from "../../src/codec/Hashing.ts"
import { nodeCryptoService } from "../../src/crypto/NodeCrypto.ts"
import type { WorkClaim } from "../../src/domain/Work.ts"
import { type MlJob, MlWorkshop, initMlExecutor } from "../../src/drivers/MlWork.ts"
import { Prng } from "../../src/drivers/Prng.ts"
import { type InferenceClaim, type InferenceTask, decodeInferenceClaim, decodeInferenceTask, encodeInferenceClaim, inferenceOutputHash, inferenceTaskHash, sampleIndices } from "../../src/ml/Inference.ts"
import { float32ToLe, leToFloat32 } from "../../src/ml/Models.ts"
import { MlRuntime, MlRuntimeCpu, type MlRuntimeService } from "../../src/ml/Runtime.ts"
import { simExecute } from "../../src/verification/Audit.ts"
import { noveltySketch } from "../../src/quality/Novelty.ts"
import { defaultQualityParams } from "../../src/quality/QualityParams.ts"
import { DEFAULT_AUDIT_POLICY, type WorkArtefacts, auditExtraction, auditInference, auditSeed, auditTraining, nano, simAudit } from "../../src/verification/Verifiers.ts"

const sha = nodeCryptoService.sha256
const claimOf = (job: MlJob, outputHash = job.outputHash, noveltyBytes = job.noveltyBytes): WorkClaim => ({
  task: { kind: job.kind, taskId: job.taskId, modelHash: job.modelHash, params: job.params, computeUnits: 10 },
  inputHash: job.inputHash,
  outputHash,
  attestation: new Uint8Array(0),
  qualityClaims: { correctness: 0, utility: 0, novelty: 0 },
  noveltySketch: noveltySketch(sha, noveltyBytes, defaultQualityParams),
})
let cpu: MlRuntimeService
const run = <A>(e: Effect.Effect<A, never, MlRuntime>): A => Effect.runSync(Effect.provideService(e, MlRuntime, cpu))

let w: MlWorkshop
beforeAll(async () => {
  await initMlExecutor()
  cpu = await Effect.runPromise(Effect.provide(MlRuntime, MlRuntimeCpu))
  w = new MlWorkshop(sha, 21)
})

/** An honest inference job on cpu, its task, its answer and a seed whose sample starts at item `first`. */
const inference = (seed: number) => {
  const job = w.make("inference", "honest", "cpu", new Prng(seed))
  const task = decodeInferenceTask(sha, job.params)
  if (task._tag === "Left") throw new Error("task")
  const art = job.artefacts as Extract<WorkArtefacts, { kind: "inference" }>
  const answer = decodeInferenceClaim(art.output)
  if (answer._tag === "Left") throw new Error("answer")
  return { job, task: task.right, answer: answer.right }
}
/** The same answer with item i's logits shifted by `by`, and its artefact / claim. */
const tampered = (job: MlJob, task: InferenceTask, answer: InferenceClaim, i: number, by: number) => {
  const v = leToFloat32(answer.logits) as Float32Array
  const c = task.model.classes
  for (let j = 0; j < c; j++) v[i * c + j] = (v[i * c + j] as number) + by
  const out: InferenceClaim = { backend: answer.backend, logits: float32ToLe(v) }
  const claim = claimOf(job, inferenceOutputHash(sha, out.logits), out.logits)
  return { out, claim, art: { kind: "inference", output: encodeInferenceClaim(out) } as WorkArtefacts }
}
const seedHitting = (task: InferenceTask, item: number, hit: boolean): Uint8Array => {
  for (let s = 0; s < 1000; s++) {
    const seed = sha(new Uint8Array([s & 255, s >> 8, 1]))
    const idx = sampleIndices(sha, seed, inferenceTaskHash(sha, task), task.inputs.length, DEFAULT_AUDIT_POLICY.inferenceSamples)
    if (idx.includes(item) === hit) return seed
  }
  throw new Error("no seed")
}

describe("inference audit (VER-PORT.3)", () => {
  it("INF_MISMATCH: a wrong item in the sample fails with that item named, the recomputed hashes and maxAbsDiff beside τ; outside the sample it passes", () => {
    const { job, task, answer } = inference(1)
    const { claim, art } = tampered(job, task, answer, 3, 0.5)
    const req = (seed: Uint8Array) => ({ claim, workId: Hashes.workId(sha, claim), worker: "a", seed })
    const hit = run(auditInference(sha, req(seedHitting(task, 3, true)), art, DEFAULT_AUDIT_POLICY, { earlier: [] })).verdict
    expect(hit.verdict).toBe("fail")
    expect(hit.reason).toBe("INF_MISMATCH")
    expect(hit.evidence.item).toBe(3)
    expect(hit.evidence.sampled).toContain(3)
    expect(hit.evidence.recomputed.length).toBe(hit.evidence.sampled.length)
    const m = hit.evidence.metrics.find((x) => x.name === "maxAbsDiff")
    // same variant (cpu vs cpu): exact comparison, threshold 0, difference about 0.5
    expect(m?.thresholdNano).toBe(0)
    expect(m?.valueNano).toBeGreaterThan(nano(0.4))
    const miss = run(auditInference(sha, req(seedHitting(task, 3, false)), art, DEFAULT_AUDIT_POLICY, { earlier: [] })).verdict
    expect(miss.verdict).toBe("pass")
  })

  it("INF_INCONSISTENT: the same worker answering a repeated input differently fails even where the sample misses it", () => {
    const { job, task, answer } = inference(2)
    const { claim, art } = tampered(job, task, answer, 5, 0.5)
    const seed = seedHitting(task, 5, false)
    const v = run(auditInference(sha, { claim, workId: Hashes.workId(sha, claim), worker: "a", seed }, art, DEFAULT_AUDIT_POLICY, { earlier: [{ task, claim: answer }] })).verdict
    expect(v.reason).toBe("INF_INCONSISTENT")
    expect(v.evidence.item).toBe(5)
  })

  it("INF_CANARY_FAILED: a wrong answer to a planted canary fails where the sample misses it", () => {
    const { job, task, answer } = inference(3)
    const { claim, art } = tampered(job, task, answer, 6, 0.5)
    const seed = seedHitting(task, 6, false)
    const canary = { task, expected: leToFloat32(answer.logits) as Float32Array, variant: "cpu" as const }
    const v = run(auditInference(sha, { claim, workId: Hashes.workId(sha, claim), worker: "a", seed }, art, DEFAULT_AUDIT_POLICY, { earlier: [], canary })).verdict
    expect(v.reason).toBe("INF_CANARY_FAILED")
  })

  it("OUTPUT_MISMATCH, ARTEFACT_UNAVAILABLE, TASK_MALFORMED, INF_MALFORMED_OUTPUT", () => {
    const { job, answer } = inference(4)
    const claim = claimOf(job)
    const req = { claim, workId: Hashes.workId(sha, claim), worker: "a", seed: new Uint8Array(32) }
    const audit = (r: typeof req, art: WorkArtefacts | undefined) => run(auditInference(sha, r, art, DEFAULT_AUDIT_POLICY, { earlier: [] })).verdict.reason
    expect(audit(req, job.artefacts)).toBe("NONE")
    // the published logits are not the ones the claim hashes
    const other = { kind: "inference", output: encodeInferenceClaim({ ...answer, logits: float32ToLe(new Float32Array(answer.logits.length / 4)) }) } as WorkArtefacts
    expect(audit(req, other)).toBe("OUTPUT_MISMATCH")
    expect(audit(req, undefined)).toBe("ARTEFACT_UNAVAILABLE")
    expect(audit(req, { kind: "inference", output: new Uint8Array([1, 2]) })).toBe("ARTEFACT_UNAVAILABLE")
    expect(audit({ ...req, claim: { ...claim, inputHash: new Uint8Array(32) } }, job.artefacts)).toBe("TASK_MALFORMED")
    const short = { backend: answer.backend, logits: answer.logits.subarray(0, 8) }
    expect(audit({ ...req, claim: { ...claim, outputHash: inferenceOutputHash(sha, short.logits), noveltySketch: noveltySketch(sha, short.logits, defaultQualityParams) } }, { kind: "inference", output: encodeInferenceClaim(short) })).toBe("INF_MALFORMED_OUTPUT")
  })
})

describe("training and extraction audits (VER-PORT.3)", () => {
  it("a training claim: transcript and openings missing fail; an opening service that answers nothing fails TRAIN_SKIPPED_STEP", () => {
    const job = w.make("training", "honest", "cpu", new Prng(8))
    const claim = claimOf(job)
    const req = { claim, workId: Hashes.workId(sha, claim), worker: "a", seed: new Uint8Array(32) }
    const art = job.artefacts as Extract<WorkArtefacts, { kind: "training" }>
    const v = (a: WorkArtefacts | undefined) => {
      const r = run(auditTraining(sha, req, a, DEFAULT_AUDIT_POLICY))
      return "_tag" in r ? r._tag : r.reason
    }
    expect(v(art)).toBe("NONE")
    expect(v(undefined)).toBe("ARTEFACT_UNAVAILABLE")
    expect(v({ ...art, open: () => undefined })).toBe("TRAIN_SKIPPED_STEP")
    expect(v({ ...art, transcript: new Uint8Array([0xff]) })).toBe("TRAIN_MALFORMED")
  })

  it("a training verdict names the metrics of spec/15's policy beside their thresholds", () => {
    const job = w.make("training", "wrong-lr", "wasm", new Prng(9))
    const claim = claimOf(job)
    const r = run(auditTraining(sha, { claim, workId: Hashes.workId(sha, claim), worker: "a", seed: new Uint8Array(32) }, job.artefacts, DEFAULT_AUDIT_POLICY))
    if ("_tag" in r) throw new Error("cannot judge")
    expect(r.reason).toBe("TRAIN_UPDATE_MISMATCH")
    expect(r.evidence.metrics.map((m) => m.name)).toEqual(["relL2", "cosDist", "maxRelLarge", "linf"])
    expect(r.evidence.metrics.some((m) => m.valueNano > m.thresholdNano)).toBe(true)
  })

  it("an extraction claim whose published records do not commit to outputHash fails EXT_BAD_PROOF; logs that do not hash to inputHash fail EXT_INPUT_MISMATCH", () => {
    const job = w.make("extraction", "honest", "cpu", new Prng(10))
    const claim = claimOf(job)
    const workId = Hashes.workId(sha, claim)
    w.publish(workId, job)
    const req = { claim, workId, worker: "a", seed: new Uint8Array(32) }
    expect(auditExtraction(sha, req, w, DEFAULT_AUDIT_POLICY).reason).toBe("NONE")
    const recs = (job.artefacts as Extract<WorkArtefacts, { kind: "extraction" }>).records
    const swapped = { output: () => ({ kind: "extraction", records: [...recs].reverse() }) as WorkArtefacts, input: w.input }
    expect(auditExtraction(sha, req, swapped, DEFAULT_AUDIT_POLICY).reason).toBe("EXT_BAD_PROOF")
    const otherLogs = { output: w.output, input: () => w.input(w.make("extraction", "honest", "cpu", new Prng(11)).inputHash) }
    expect(auditExtraction(sha, req, otherLogs, DEFAULT_AUDIT_POLICY).reason).toBe("EXT_INPUT_MISMATCH")
  })
})

describe("VER-VERDICT.3/5 and VER-PORT.4", () => {
  it("nano saturates and maps NaN to the maximum; the audit seed depends on beacon and work id", () => {
    expect(nano(1.5e-9)).toBe(2)
    expect(nano(1e300)).toBe(Number.MAX_SAFE_INTEGER)
    expect(nano(-1e300)).toBe(-Number.MAX_SAFE_INTEGER)
    expect(nano(Number.NaN)).toBe(Number.MAX_SAFE_INTEGER)
    const a = auditSeed(sha, new Uint8Array(32), new Uint8Array(32))
    expect(toHex(auditSeed(sha, new Uint8Array(32).fill(1), new Uint8Array(32)))).not.toBe(toHex(a))
    expect(toHex(auditSeed(sha, new Uint8Array(32), new Uint8Array(32).fill(1)))).not.toBe(toHex(a))
  })

  it("the reference executor's audit passes iff the recomputed hash is the claim's", () => {
    const job = w.make("extraction", "honest", "cpu", new Prng(12))
    const claim = claimOf(job)
    const out = simExecute(sha, claim)
    const good = { ...claim, outputHash: out, noveltySketch: noveltySketch(sha, out, defaultQualityParams) }
    expect(simAudit(sha, { claim: good, workId: new Uint8Array(32), worker: "a", seed: new Uint8Array(32) }).verdict).toBe("pass")
    const bad = simAudit(sha, { claim, workId: new Uint8Array(32), worker: "a", seed: new Uint8Array(32) })
    expect([bad.verdict, bad.reason, bad.evidence.item]).toEqual(["fail", "OUTPUT_MISMATCH", 0])
    const sketchless = simAudit(sha, { claim: { ...good, noveltySketch: new Uint8Array(8) }, workId: new Uint8Array(32), worker: "a", seed: new Uint8Array(32) })
    expect(sketchless.reason).toBe("NOVELTY_SKETCH_MISMATCH")
  })

  it("QUAL-NOVELTY.7: a claim whose sketch is not its output's fails NOVELTY_SKETCH_MISMATCH, for every kind", () => {
    for (const kind of ["inference", "training", "extraction"] as const) {
      const job = w.make(kind, "honest", "cpu", new Prng(30))
      const honest = claimOf(job)
      // a far sketch (every bit flipped): what a copier would state to avoid n = 0
      const claim = { ...honest, noveltySketch: honest.noveltySketch.map((b) => b ^ 0xff) }
      const workId = Hashes.workId(sha, claim)
      w.publish(workId, job)
      const verify = w.verifierFor(1)
      expect(verify({ claim: honest, workId, worker: "s", seed: new Uint8Array(32) })?.reason, kind).toBe("NONE")
      expect(verify({ claim, workId, worker: "s", seed: new Uint8Array(32) })?.reason, kind).toBe("NOVELTY_SKETCH_MISMATCH")
    }
  })
})
