// spec: NODE-PROC.1..8 (spec/20-node.md §Node process)
// One validator as an operating-system process: the host (state + store) behind a queue, libp2p in
// front, timers from the core's `timer` outputs, the HTTP API and metrics, and optional own work.
import "./Polyfill.ts"
import { Either } from "effect"
import { toHex } from "../../codec/Bytes.ts"
import { Hashes } from "../../codec/Hashing.ts"
import { Codecs, type DecodeError, memoizedMessageDecoder } from "../../codec/index.ts"
import type { CryptoService } from "../../crypto/Crypto.ts"
import type { CoreContext } from "../../core/Context.ts"
import type { Genesis } from "../../core/Genesis.ts"
import { evidenceKey } from "../../core/Evidence.ts"
import type { NodeInput, NodeOutput } from "../../core/Node.ts"
import type { Message } from "../../domain/Message.ts"
import type { WorkClaim } from "../../domain/Work.ts"
import { defaultQualityParams } from "../../quality/QualityParams.ts"
import { Prng } from "../Prng.ts"
import { makeSimClaim, makeSimWorkers, type SimWorkers } from "../SimWork.ts"
import { makeMetrics, startApi, type ApiNode, type ApiStatus, type Submitted } from "./Api.ts"
import { chainContext, HOME_FILES, type Home } from "./Home.ts"
import type { HostOptions, NodeHost } from "./Host.ts"
import { startP2p, type P2p } from "./P2p.ts"
import * as path from "node:path"

export interface ProcessOptions {
  readonly crypto: CryptoService
  readonly home: Home
  /** How the host is opened (the persistent one, or VolatileHost in tests of the transport). */
  readonly openHost: (o: HostOptions) => NodeHost | Promise<NodeHost>
  /** Overrides of the home's settings (flags of `poai node`). */
  readonly listen?: ReadonlyArray<string>
  readonly peers?: ReadonlyArray<string>
  readonly apiHost?: string
  readonly apiPort?: number
  readonly workIntervalMs?: number
  readonly log?: (line: string) => void
  /** Called when the host fails (a store error): the node must stop, it cannot vouch for its state. */
  readonly onFatal?: (e: unknown) => void
}

export interface NodeProcess {
  readonly apiPort: number
  readonly peerId: string
  readonly addrs: () => ReadonlyArray<string>
  readonly status: () => ApiStatus
  readonly stop: () => Promise<void>
}

/** NODE-PROC.3: inputs waiting for the host beyond this many are network receives dropped (QUEUE_FULL). */
export const MAX_QUEUED_INPUTS = 10_000
const MAX_EVIDENCE_LISTED = 64

/** NODE-PROC.7: a sim-executor work claim of validator `index` (SIM-NET.5's mix of kinds, honest worker). */
export const simWorkClaim = (crypto: CryptoService, g: Genesis, index: number, worker: Uint8Array, workers: SimWorkers, rng: Prng): WorkClaim => {
  const x = rng.next()
  const kind = x < 0.7 ? "inference" : x < 0.9 ? "training" : "extraction"
  return makeSimClaim(
    crypto,
    g.chainId,
    workers,
    index,
    worker,
    "honest",
    {
      kind,
      taskId: rng.bytes(32),
      computeUnits: rng.range(1, 100),
      inputHash: rng.bytes(32),
      fakeOutput: rng.bytes(32),
      qualityClaims: { correctness: rng.range(0, 1_000_000), utility: rng.range(0, 1_000_000), novelty: rng.range(0, 1_000_000) },
    },
    g.attestation !== null,
    g.scoring ?? defaultQualityParams,
  )
}

export const startNode = async (o: ProcessOptions): Promise<NodeProcess> => {
  const { crypto, home } = o
  const log = o.log ?? (() => undefined)
  /** POAI_NODE_DEBUG=1: log addressed messages and connection counts (diagnosis of catch-up). */
  const debug = process.env.POAI_NODE_DEBUG === "1"
  const g = home.genesisFile.genesis
  // NODE-STEP.6: a gossiped message is checked by the transport and then stepped; decode it once
  const decodeMessage = memoizedMessageDecoder()
  const ctx: CoreContext = { ...chainContext(crypto, g), decodeMessage }
  const host = await o.openHost({ ctx, genesis: g, keys: home.keys, dbPath: path.join(home.dir, HOME_FILES.db) })

  const rejectedBy = new Map<string, number>()
  const evidence = new Set<string>()
  let lastCommitAt = Date.now()
  let finalized = 0
  let stopped = false
  let p2p: P2p | undefined
  const transportDrops = new Map<string, number>()
  const metrics = makeMetrics(() => {
    const s = host.state()
    const dropped = new Map<string, number>([...(p2p?.drops ?? []), ...transportDrops])
    return { height: s.chain.height, round: s.cons.round, peers: p2p?.peers() ?? 0, messagesIn: p2p?.counters.messagesIn ?? 0, messagesOut: p2p?.counters.messagesOut ?? 0, dropped }
  })

  // NODE-PROC.2: timers armed from `timer` outputs; all cleared on stop
  const timers = new Set<NodeJS.Timeout>()
  const arm = (delayMs: number, f: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t)
      if (!stopped) f()
    }, delayMs)
    timers.add(t)
  }

  // NODE-PROC.1: outputs are acted on only after the host's handle resolved (durable first)
  const act = (outs: ReadonlyArray<NodeOutput>) => {
    for (const x of outs) {
      switch (x.type) {
        case "timer":
          arm(x.delayMs, () => void submit({ type: "timeout", kind: x.kind, height: x.height, round: x.round }))
          break
        case "broadcast":
          // NODE-ROUTE.1-3: gossipsub floods a topic, so `only` is not used and a re-send or forward to newly routed
          // proposers is dropped (the first publish reached every peer)
          if (x.resend !== true) void p2p?.broadcast(x.message, x.bytes)
          break
        case "send":
          if (debug) log(`send ${x.message.type}${x.message.type === "sync-request" ? ` ${x.message.height}` : ""} to ${x.to}`)
          if (x.to !== home.index) void p2p?.send(x.to, x.bytes)
          break
        case "commit": {
          const now = Date.now()
          metrics.commitLatency.observe((now - lastCommitAt) / 1000)
          lastCommitAt = now
          finalized = Math.max(finalized, x.height)
          log(`commit height ${x.height} round ${x.round} hash ${x.blockHash.slice(0, 16)} txs ${x.block.body.txs.length}`)
          break
        }
        case "rejected": {
          const code = x.error._tag === "ProtocolError" ? x.error.code : `DECODE:${x.error.reason}`
          rejectedBy.set(code, (rejectedBy.get(code) ?? 0) + 1)
          metrics.rejected.inc({ code })
          break
        }
        case "evidence":
          if (evidence.size < MAX_EVIDENCE_LISTED) evidence.add(evidenceKey(x.evidence))
          break
        case "halted":
          log(`halted at height ${x.height}: ${x.error.code}`)
          break
      }
    }
  }

  // NODE-PROC.8: a block adopted from a sync-response means this node is behind: ask the same peer for
  // the next height at once, instead of waiting for the next message from a peer ahead (NODE-SYNC.2)
  const catchUp = (input: NodeInput, outs: ReadonlyArray<NodeOutput>) => {
    if (input.type !== "receive" || !outs.some((x) => x.type === "commit")) return
    const m = decodeMessage(input.bytes)
    if (Either.isLeft(m) || m.right.type !== "sync-response" || input.from === home.index) return
    void p2p?.send(input.from, Codecs.Message.encode({ type: "sync-request", height: host.state().cons.height }))
  }

  // NODE-PROC.1: one input at a time; the queue is bounded for network input
  let queue: Promise<unknown> = Promise.resolve()
  let queued = 0
  let handled = 0
  let handleSecs = 0
  let failed = false
  const submit = (input: NodeInput): Promise<ReadonlyArray<NodeOutput>> => {
    if (stopped || failed) return Promise.resolve([])
    if (input.type === "receive" && queued >= MAX_QUEUED_INPUTS) {
      transportDrops.set("QUEUE_FULL", (transportDrops.get("QUEUE_FULL") ?? 0) + 1)
      return Promise.resolve([])
    }
    queued++
    const p = queue.then(async () => {
      if (stopped || failed) return []
      const t = process.hrtime.bigint()
      const outs = await host.handle(input)
      const secs = Number(process.hrtime.bigint() - t) / 1e9
      metrics.hostHandle.observe(secs)
      handleSecs += secs
      handled++
      act(outs)
      catchUp(input, outs)
      return outs
    })
    queue = p.then(
      () => undefined,
      (e: unknown) => {
        // NODE-PROC.5: a host failure stops the node; it never acts on an input it could not log
        failed = true
        log(`host failure: ${e instanceof Error ? e.message : String(e)}`)
        o.onFatal?.(e)
      },
    )
    return p.finally(() => queued--)
  }

  const outs0 = await host.start()
  finalized = host.state().chain.height
  p2p = await startP2p({
    sha256: crypto.sha256,
    ed25519Seed: home.ed25519Seed,
    listen: o.listen ?? home.config.listen,
    peers: o.peers ?? home.config.peers,
    peerIds: home.genesisFile.peerIds,
    decode: decodeMessage,
    onMessage: (from, bytes) => {
      if (debug && (bytes[0] ?? 0) !== 0) {
        const m = decodeMessage(bytes)
        if (Either.isRight(m) && (m.right.type === "sync-request" || m.right.type === "sync-response")) log(`recv ${m.right.type} from ${from} (height ${host.state().chain.height}, peers ${p2p?.peers()})`)
      }
      void submit({ type: "receive", from, bytes })
    },
  })
  act(outs0)

  const accepted = (outs: ReadonlyArray<NodeOutput>, id: string): Submitted => {
    const r = outs.find((x) => x.type === "rejected")
    if (r === undefined || r.type !== "rejected") return { ok: true, id }
    return r.error._tag === "ProtocolError" ? { ok: false, code: r.error.code, message: r.error.message } : { ok: false, code: `DECODE:${r.error.reason}`, message: r.error.message }
  }
  const status = (): ApiStatus => {
    const s = host.state()
    return {
      chainId: g.chainId,
      genesisHash: home.genesisFile.hash,
      index: home.index,
      peerId: p2p?.peerId ?? "",
      height: s.cons.height,
      round: s.cons.round,
      step: s.cons.step,
      finalizedHeight: s.chain.height,
      peers: p2p?.peers() ?? 0,
      refusedSignatures: host.refusedSignatures(),
      evidence: [...evidence],
      rejected: Object.fromEntries(rejectedBy),
      dropped: Object.fromEntries([...(p2p?.drops ?? []), ...transportDrops]),
      inputs: handled,
      hostHandleMsMean: handled === 0 ? 0 : Math.round((handleSecs / handled) * 1e6) / 1e3,
    }
  }
  const apiNode: ApiNode = {
    status,
    block: async (h) => {
      const b = await host.block(h)
      if (b === undefined) return undefined
      const { block, cert } = b
      return {
        height: block.header.height,
        round: block.header.round,
        hash: toHex(Hashes.blockHash(crypto.sha256, block.header)),
        prevHash: toHex(block.header.prevHash),
        proposer: toHex(block.header.proposer),
        stateRoot: toHex(block.header.stateRoot),
        txIds: block.body.txs.map((t) => toHex(Hashes.txId(crypto.sha256, t))),
        commitments: block.body.commitments.length,
        reveals: block.body.reveals.length,
        audits: block.body.audits.length,
        evidence: block.body.evidence.map(evidenceKey),
        certificate: { round: cert.round, blockHash: toHex(cert.blockHash), signatures: cert.signatures.length },
      }
    },
    account: (pub) => {
      const a = host.state().chain.accounts.get(pub)
      return a === undefined ? undefined : { balance: a.balance, stake: a.stake, nonce: a.nonce }
    },
    submitTx: async (bytes) => {
      const t = Codecs.Transfer.decode(bytes)
      if (Either.isLeft(t)) return { ok: false, code: `DECODE:${t.left.reason}`, message: t.left.message }
      return accepted(await submit({ type: "client-tx", bytes }), toHex(Hashes.txId(crypto.sha256, t.right)))
    },
    submitWork: async (bytes) => {
      const c = Codecs.WorkClaim.decode(bytes)
      if (Either.isLeft(c)) return { ok: false, code: `DECODE:${c.left.reason}`, message: c.left.message }
      return accepted(await submit({ type: "work", claim: c.right }), toHex(Hashes.workId(crypto.sha256, c.right)))
    },
    metrics: () => metrics.registry.metrics(),
  }
  const api = await startApi(apiNode, { host: o.apiHost ?? home.config.apiHost, port: o.apiPort ?? home.config.apiPort })

  // NODE-PROC.7: own work, when configured
  const workMs = o.workIntervalMs ?? home.config.workIntervalMs
  if (workMs > 0) {
    const workers = makeSimWorkers(crypto, home.genesisFile.simSeed ?? 0, g.validators.length)
    const rng = new Prng((home.index * 7919 + Date.now()) >>> 0).fork("work")
    const tick = () => {
      void submit({ type: "work", claim: simWorkClaim(crypto, g, home.index, home.keys.pubKey, workers, rng) })
      arm(rng.range(1, 2 * workMs), tick)
    }
    arm(rng.range(1, 2 * workMs), tick)
  }

  log(`node ${home.index} peer ${p2p.peerId} api http://${o.apiHost ?? home.config.apiHost}:${api.port} height ${finalized} genesis ${home.genesisFile.hash.slice(0, 16)}`)
  return {
    apiPort: api.port,
    peerId: p2p.peerId,
    addrs: () => p2p?.addrs() ?? [],
    status,
    // NODE-PROC.4: stop: no new input, timers cleared, the queue drained, then API, libp2p and host closed
    stop: async () => {
      if (stopped) return
      stopped = true
      for (const t of timers) clearTimeout(t)
      timers.clear()
      await queue
      await api.close().catch(() => undefined)
      await p2p?.close().catch(() => undefined)
      await host.close()
    },
  }
}
