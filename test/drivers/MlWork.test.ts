// SIM-ML.1..6, VER-PORT.1..4, VER-VERDICT.*: `poai run --executor ml`: real inference, training and
// extraction jobs on tfjs wasm / cpu, their cheat classes, and the audits of src/verification/Verifiers.ts
// that judge them. Properties: no false positives across backends (honest work always passes), and no
// false negatives beyond the derived rate (each cheat class is caught at least at the rate the spec
// derives, within a stated statistical margin).
import fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { Hashes } from "../../src/codec/Hashing.ts"
import { nodeCryptoService } from "../../src/crypto/NodeCrypto.ts"
import { MAX_TASK_PARAMS_BYTES, type TaskKind, type WorkClaim } from "../../src/domain/Work.ts"
import { simulate } from "../../src/drivers/InProcessNetwork.ts"
import { ML_CHEATS, type MlCheat, type MlJob, MlWorkshop, initMlExecutor } from "../../src/drivers/MlWork.ts"
import { Prng } from "../../src/drivers/Prng.ts"
import type { AuditVerdict } from "../../src/verification/Verifiers.ts"
import { noveltySketch } from "../../src/quality/Novelty.ts"
import { defaultQualityParams } from "../../src/quality/QualityParams.ts"

const sha = nodeCryptoService.sha256

beforeAll(async () => {
  await initMlExecutor()
})

const claimOf = (job: MlJob): WorkClaim => ({
  task: { kind: job.kind, taskId: job.taskId, modelHash: job.modelHash, params: job.params, computeUnits: 10 },
  inputHash: job.inputHash,
  outputHash: job.outputHash,
  attestation: new Uint8Array(0),
  qualityClaims: { correctness: 0, utility: 0, novelty: 0 },
  noveltySketch: noveltySketch(sha, job.noveltyBytes, defaultQualityParams),
})

/** Make a job on `backend` and audit it on node `auditor` (even: wasm, odd: cpu) with a seed of `s`. */
const judge = (w: MlWorkshop, kind: TaskKind, cheat: MlCheat | "honest", backend: "wasm" | "cpu", auditor: number, rng: Prng, s: number, worker = "w") => {
  const job = w.make(kind, cheat, backend, rng)
  const claim = claimOf(job)
  const workId = Hashes.workId(sha, claim)
  w.publish(workId, job)
  const v = w.verifierFor(auditor)({ claim, workId, worker: `${worker}/${cheat}`, seed: sha(new Uint8Array([s & 255, (s >> 8) & 255, 77])) })
  return { job, v, claim, workId }
}

const EXPECTED: Readonly<Record<MlCheat, ReadonlyArray<AuditVerdict["reason"]>>> = {
  "lazy-inference": ["INF_MISMATCH", "INF_INCONSISTENT", "INF_CANARY_FAILED"],
  "skipped-step": ["TRAIN_SKIPPED_STEP"],
  "tampered-step": ["TRAIN_UPDATE_MISMATCH"],
  "wrong-lr": ["TRAIN_UPDATE_MISMATCH"],
  "fabricated-records": ["EXT_RECORD_MISMATCH"],
  "missing-records": ["EXT_MISSING_PARTITION"],
}

describe("ML jobs and their audits (SIM-ML.1..3, VER-PORT.*)", () => {
  it("every kind's task fits the params bound and an honest job passes on the same backend with evidence", () => {
    const w = new MlWorkshop(sha, 1)
    const rng = new Prng(3)
    for (const kind of ["inference", "training", "extraction"] as const) {
      const { job, v } = judge(w, kind, "honest", "wasm", 0, rng, 1)
      expect(job.params.length).toBeLessThanOrEqual(MAX_TASK_PARAMS_BYTES)
      expect(v?.verdict, kind).toBe("pass")
      expect(v?.reason).toBe("NONE")
      expect(v?.evidence.sampled.length, kind).toBeGreaterThan(0)
      expect(v?.evidence.recomputed.length, kind).toBe(v?.evidence.sampled.length)
    }
  })

  it("a claim whose artefacts are missing fails ARTEFACT_UNAVAILABLE; one whose task does not bind fails TASK_MALFORMED", () => {
    const w = new MlWorkshop(sha, 2)
    const rng = new Prng(4)
    for (const kind of ["inference", "training", "extraction"] as const) {
      const job = w.make(kind, "honest", "cpu", rng)
      const claim = claimOf(job)
      const workId = Hashes.workId(sha, claim) // never published
      expect(w.verifierFor(1)({ claim, workId, worker: "x", seed: new Uint8Array(32) })?.reason, kind).toBe("ARTEFACT_UNAVAILABLE")
    }
    const job = w.make("inference", "honest", "cpu", rng)
    const bad = { ...claimOf(job), inputHash: new Uint8Array(32) }
    const workId = Hashes.workId(sha, bad)
    w.publish(workId, job)
    expect(w.verifierFor(1)({ claim: bad, workId, worker: "x", seed: new Uint8Array(32) })?.reason).toBe("TASK_MALFORMED")
    const t = w.make("training", "honest", "cpu", rng)
    const badT = { ...claimOf(t), task: { ...claimOf(t).task, params: new Uint8Array([1, 2, 3]) } }
    const idT = Hashes.workId(sha, badT)
    w.publish(idT, t)
    expect(w.verifierFor(1)({ claim: badT, workId: idT, worker: "x", seed: new Uint8Array(32) })?.reason).toBe("TASK_MALFORMED")
  })

  it("each cheat class, when detected, fails with its own reason code; classes with derived rate 1 are always caught", () => {
    const w = new MlWorkshop(sha, 5)
    const rng = new Prng(6)
    for (const [kind, classes] of Object.entries(ML_CHEATS) as Array<[TaskKind, ReadonlyArray<MlCheat>]>) {
      for (const cheat of classes) {
        let caught = 0
        for (let i = 0; i < 6; i++) {
          const { job, v } = judge(w, kind, cheat, i % 2 ? "cpu" : "wasm", i, rng, 100 + i)
          expect(v, cheat).toBeDefined()
          if (v?.verdict === "fail") {
            caught++
            expect(EXPECTED[cheat], `${cheat}: ${v.reason}`).toContain(v.reason)
          }
          if (job.derived === 1) expect(v?.verdict, `${cheat} derived 1`).toBe("fail")
          expect(job.derived).toBeGreaterThan(0)
        }
        expect(caught, cheat).toBeGreaterThan(0)
      }
    }
  })
})

describe("VER-PORT.3: no false positives, no false negatives beyond the derived rate", () => {
  it("property: an honest job on any backend passes any auditor on any backend (numRuns 24, seed 11)", () => {
    const w = new MlWorkshop(sha, 7)
    fc.assert(
      fc.property(
        fc.constantFrom<TaskKind>("inference", "training", "extraction"),
        fc.constantFrom<"wasm" | "cpu">("wasm", "cpu"),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (kind, backend, auditor, seed) => {
          const { v } = judge(w, kind, "honest", backend, auditor, new Prng(seed), seed, `honest${seed}`)
          expect(v?.verdict, `${kind} on ${backend} audited by node ${auditor}: ${v?.reason}`).toBe("pass")
        },
      ),
      { numRuns: 24, seed: 11 },
    )
  })

  it("each sampled cheat class is caught at least at its derived rate, within 3 standard deviations (n = 40 per class)", () => {
    // The derived rate counts only the sampled check; canaries and consistency (inference) can only add.
    const w = new MlWorkshop(sha, 9)
    const rng = new Prng(10)
    for (const [kind, cheat, n] of [
      ["inference", "lazy-inference", 40],
      ["training", "tampered-step", 40],
      ["extraction", "fabricated-records", 40],
    ] as const) {
      let caught = 0
      let derived = 0
      for (let i = 0; i < n; i++) {
        const { job, v } = judge(w, kind, cheat, i % 2 ? "cpu" : "wasm", i + 1, rng, 1000 + i, `c${i}`)
        derived += job.derived
        if (v?.verdict === "fail") caught++
      }
      const p = derived / n
      const sd = Math.sqrt((p * (1 - p)) / n)
      expect(caught / n, `${cheat}: caught ${caught}/${n}, derived ${p.toFixed(3)}`).toBeGreaterThanOrEqual(p - 3 * sd)
    }
  })
})

describe("SIM-ML.4/5: the must-show run", () => {
  it("NODE-AUDIT.2 on a flooding network (flood: true, as the libp2p node): a report that reaches a peer before the peer finalized the deciding block is buffered, not lost", () => {
    // 2 audits of this run were missed when such a report was dropped. With routed items (the default,
    // NODE-ROUTE.1-3) the reports reach proposers that have decided, and the auditor re-sends at its next
    // decision, so this needs the flooding driver to be seen.
    const s = simulate(nodeCryptoService, { nodes: 6, byzantine: 0, strategy: "equivocate", seed: 4, blocks: 40, cheaters: 0.3, executor: "ml", flood: true })
    expect(s.agreement).toBe(true)
    expect(s.audited).toBeGreaterThan(0)
    expect(s.auditsMissed).toBe(0)
  }, 120_000)

  it("poai run --nodes 6 --blocks 40 --executor ml --cheaters 0.3 --seed 4: agreement; per kind claims, audits and catches of every class; no honest claim slashed", () => {
    const s = simulate(nodeCryptoService, { nodes: 6, byzantine: 0, strategy: "equivocate", seed: 4, blocks: 40, cheaters: 0.3, executor: "ml" })
    expect(s.agreement).toBe(true)
    expect(s.finalizedHeight).toBe(40)
    expect(s.auditsMissed).toBe(0)
    for (const [kind, classes] of Object.entries(ML_CHEATS) as Array<[TaskKind, ReadonlyArray<MlCheat>]>) {
      const k = s.byKind[kind]
      expect(k.claims, kind).toBeGreaterThan(0)
      expect(k.audited, kind).toBeGreaterThan(0)
      expect(k.honestSlashed, kind).toBe(0)
      expect(k.derivedDetectionRate, kind).not.toBeNull()
      for (const c of classes) expect(k.classes[c]?.caught, `${kind}/${c}`).toBeGreaterThan(0)
      // the per-kind numbers add up: caught ≤ cheating audited ≤ audited ≤ claims
      expect(k.caught).toBeLessThanOrEqual(k.cheatingAudited)
      expect(k.cheatingAudited).toBeLessThanOrEqual(k.audited)
      expect(k.audited).toBeLessThanOrEqual(k.claims)
    }
    const sum = (f: (k: (typeof s.byKind)["inference"]) => number) => f(s.byKind.inference) + f(s.byKind.training) + f(s.byKind.extraction)
    expect(sum((k) => k.claims)).toBe(s.claims)
    expect(sum((k) => k.audited)).toBe(s.auditsPassed + s.auditsFailed)
  }, 120_000)
})
