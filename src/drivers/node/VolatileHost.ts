// spec: NODE-PROC.6 (spec/20-node.md §Node process)
// A NodeHost that keeps nothing on disk: the node's state and its committed blocks live in memory and
// are lost when the process ends. It has no write-ahead log and no double-sign guard, so a node
// restarted on it starts from genesis and may sign a vote that conflicts with one it signed before
// the crash: for tests of the transport and `poai node --volatile` only; `poai node` runs on the
// persistent host (Store.ts) otherwise.
import { initNode, step, type NodeInput, type NodeOutput } from "../../core/Node.ts"
import type { NodeState } from "../../core/NodeState.ts"
import type { CommittedBlock, HostOptions, NodeHost } from "./Host.ts"

export const openVolatileHost = (o: HostOptions): NodeHost => {
  let state: NodeState = initNode(o.ctx, o.genesis, o.keys)
  const blocks = new Map<number, CommittedBlock>()
  const run = (input: NodeInput): ReadonlyArray<NodeOutput> => {
    const [next, outs] = step(o.ctx, state, input)
    state = next
    for (const x of outs) if (x.type === "commit") blocks.set(x.height, { block: x.block, cert: x.cert })
    return outs
  }
  return {
    state: () => state,
    start: async () => run({ type: "start" }),
    handle: async (input) => run(input),
    block: async (h) => blocks.get(h),
    refusedSignatures: () => 0,
    close: async () => undefined,
  }
}
