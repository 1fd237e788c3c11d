// spec: SIM-REPRO.3 (spec/19-reproduction.md)
// Worker-thread entry of `poai reproduce --jobs N`: runs the scenarios it is sent, one at a time, and
// posts back their outcomes (plain data) and progress. Each scenario is deterministic for its plan.
import { parentPort } from "node:worker_threads"
import { nodeCryptoService } from "../crypto/NodeCrypto.ts"
import { runScenario, type ReproPlan, type Scenario } from "../drivers/Reproduce.ts"

export interface WorkerRequest {
  readonly id: number
  readonly plan: ReproPlan
  readonly scenario: Scenario
}

export type WorkerReply =
  | { readonly type: "progress"; readonly id: number; readonly height: number; readonly target: number }
  | { readonly type: "done"; readonly id: number; readonly outcome: ReturnType<typeof runScenario> }

const port = parentPort
if (port !== null)
  port.on("message", (m: WorkerRequest) => {
    const outcome = runScenario(nodeCryptoService, m.plan, m.scenario, (height, target) => port.postMessage({ type: "progress", id: m.id, height, target } satisfies WorkerReply))
    port.postMessage({ type: "done", id: m.id, outcome } satisfies WorkerReply)
  })
