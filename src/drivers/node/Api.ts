// spec: NODE-API.1..6 (spec/20-node.md §API and metrics)
// A node's HTTP JSON API (Fastify 5) and its Prometheus metrics (prom-client 15). The API never sees
// the node's state directly: it talks to an ApiNode (the process, or a fake in tests).
import Fastify, { type FastifyInstance } from "fastify"
import { Counter, Gauge, Histogram, Registry } from "prom-client"
import { fromHex } from "../../codec/Bytes.ts"
import { Codecs } from "../../codec/index.ts"

export interface ApiStatus {
  readonly chainId: string
  readonly genesisHash: string
  readonly index: number
  readonly peerId: string
  readonly height: number
  readonly round: number
  readonly step: string
  readonly finalizedHeight: number
  readonly peers: number
  readonly refusedSignatures: number
  /** Evidence keys this node produced (distinct equivocations it saw), at most 64. */
  readonly evidence: ReadonlyArray<string>
  readonly rejected: Readonly<Record<string, number>>
  readonly dropped: Readonly<Record<string, number>>
  /** Inputs the host handled, and the mean time of one (ms): step plus the store's synced writes. */
  readonly inputs: number
  readonly hostHandleMsMean: number
}

/** The answer to a submission: accepted (id of the transfer or work) or rejected with a typed code. */
export type Submitted = { readonly ok: true; readonly id: string } | { readonly ok: false; readonly code: string; readonly message: string }

export interface ApiNode {
  readonly status: () => ApiStatus
  readonly block: (height: number) => Promise<unknown>
  readonly account: (pubHex: string) => unknown
  readonly submitTx: (bytes: Uint8Array) => Promise<Submitted>
  readonly submitWork: (bytes: Uint8Array) => Promise<Submitted>
  readonly metrics: () => Promise<string>
}

/** NODE-API.3: request bodies are bounded (a transfer is ~200 bytes; a work claim carries ≤ 64 KiB of attestation). */
export const MAX_BODY_BYTES = 256 * 1024

/** NODE-API.4: the typed codes of a refused request (core codes are passed through). */
export type ApiErrorCode = "BODY_TOO_LARGE" | "MALFORMED_JSON" | "UNSUPPORTED_MEDIA_TYPE" | "BAD_REQUEST" | "BAD_HEIGHT" | "BAD_ADDRESS" | "NOT_FOUND" | "INTERNAL"

const FASTIFY_CODES: Readonly<Record<string, ApiErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_JSON_BODY: "MALFORMED_JSON",
  FST_ERR_CTP_EMPTY_JSON_BODY: "MALFORMED_JSON",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "BAD_REQUEST",
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").slice(0, 300)

const HEX = /^(?:[0-9a-f]{2})*$/
/**
 * NODE-API.2: the canonical bytes a submission names: {"hex": canonical bytes as lower-case hex}, or for a
 * transfer {"tx": {chainId, from, to, amount, fee, nonce, signature}} with byte fields as lower-case hex.
 */
export const bodyBytes = (body: unknown, kind: "tx" | "work"): Uint8Array | string => {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "the body must be a JSON object"
  const b = body as Record<string, unknown>
  if (typeof b.hex === "string") {
    if (!HEX.test(b.hex) || b.hex.length === 0) return "hex must be non-empty lower-case hex of even length"
    return fromHex(b.hex)
  }
  if (kind === "tx" && b.tx !== null && typeof b.tx === "object") {
    const t = b.tx as Record<string, unknown>
    const bytes = (k: string) => (typeof t[k] === "string" && HEX.test(t[k] as string) ? fromHex(t[k] as string) : t[k])
    const v = Codecs.Transfer.validate({ ...t, from: bytes("from"), to: bytes("to"), signature: bytes("signature") })
    if (v._tag === "Left") return oneLine(v.left.message)
    return Codecs.Transfer.encode(v.right)
  }
  return kind === "tx" ? 'expected {"hex": ...} or {"tx": {...}}' : 'expected {"hex": canonical WorkClaim bytes}'
}

export const startApi = async (node: ApiNode, opts: { readonly host: string; readonly port: number }): Promise<{ readonly app: FastifyInstance; readonly port: number; readonly close: () => Promise<void> }> => {
  const app = Fastify({ bodyLimit: MAX_BODY_BYTES, logger: false, return503OnClosing: true, connectionTimeout: 10_000, requestTimeout: 10_000 })
  const fail = (code: string, message: string) => ({ error: code, message: oneLine(message) })
  // NODE-API.4: every refused request is a 4xx with {error: CODE, message: one line}
  app.setErrorHandler((err: { code?: string; statusCode?: number; message: string }, _req, reply) => {
    const code = (err.code !== undefined ? FASTIFY_CODES[err.code] : undefined) ?? (err.statusCode !== undefined && err.statusCode < 500 ? "BAD_REQUEST" : "INTERNAL")
    const status = code === "INTERNAL" ? 500 : (err.statusCode ?? 400)
    void reply.code(status).send(fail(code, err.message))
  })
  app.setNotFoundHandler((_req, reply) => void reply.code(404).send(fail("NOT_FOUND", "no such route")))
  app.get("/status", async () => node.status())
  app.get<{ Params: { height: string } }>("/block/:height", async (req, reply) => {
    if (!/^[0-9]{1,15}$/.test(req.params.height)) return reply.code(400).send(fail("BAD_HEIGHT", "height must be a non-negative integer"))
    const b = await node.block(Number(req.params.height))
    return b === undefined ? reply.code(404).send(fail("NOT_FOUND", `no committed block at height ${req.params.height}`)) : b
  })
  app.get<{ Params: { addr: string } }>("/account/:addr", async (req, reply) => {
    if (!/^[0-9a-f]{64}$/.test(req.params.addr)) return reply.code(400).send(fail("BAD_ADDRESS", "address must be a 32-byte public key in lower-case hex"))
    const a = node.account(req.params.addr)
    return a === undefined ? reply.code(404).send(fail("NOT_FOUND", "no such account")) : a
  })
  const submit = (kind: "tx" | "work") => async (req: { body: unknown }, reply: { code: (n: number) => { send: (x: unknown) => unknown } }) => {
    const bytes = bodyBytes(req.body, kind)
    if (typeof bytes === "string") return reply.code(400).send(fail("BAD_REQUEST", bytes))
    const r = await (kind === "tx" ? node.submitTx(bytes) : node.submitWork(bytes))
    return r.ok ? reply.code(202).send({ accepted: true, id: r.id }) : reply.code(400).send(fail(r.code, r.message))
  }
  app.post("/tx", submit("tx"))
  app.post("/work", submit("work"))
  app.get("/metrics", async (_req, reply) => reply.header("content-type", "text/plain; version=0.0.4").send(await node.metrics()))
  await app.listen({ host: opts.host, port: opts.port })
  const addr = app.server.address()
  const port = addr !== null && typeof addr === "object" ? addr.port : opts.port
  return { app, port, close: () => app.close() }
}

/** NODE-API.5: the node's Prometheus metrics, in a registry of its own. */
export const makeMetrics = (sample: () => { height: number; round: number; peers: number; messagesIn: number; messagesOut: number; dropped: ReadonlyMap<string, number> }) => {
  const registry = new Registry()
  const gauge = (name: string, help: string, f: (s: ReturnType<typeof sample>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(f(sample()))
      },
    })
  gauge("poai_height", "height of the last committed block", (s) => s.height)
  gauge("poai_round", "round of the height being decided", (s) => s.round)
  gauge("poai_peers", "connected validator peers", (s) => s.peers)
  // totals kept by the transport, exported as gauges of monotone values (collected on scrape)
  gauge("poai_messages_in_total", "messages received from peers", (s) => s.messagesIn)
  gauge("poai_messages_out_total", "messages sent to peers", (s) => s.messagesOut)
  new Gauge({
    name: "poai_dropped_total",
    help: "inbound frames dropped by the transport, by reason (NODE-P2P.5)",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      for (const [r, n] of sample().dropped) this.set({ reason: r }, n)
    },
  })
  const rejected = new Counter({ name: "poai_rejected_total", help: "inputs the core rejected, by error code", labelNames: ["code"], registers: [registry] })
  const commitLatency = new Histogram({
    name: "poai_commit_latency_seconds",
    help: "time from the previous commit (or start) to this commit",
    buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30],
    registers: [registry],
  })
  const hostHandle = new Histogram({
    name: "poai_host_handle_seconds",
    help: "time the host takes for one input: step, write-ahead log, store and guard writes (NODE-PROC.1)",
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
    registers: [registry],
  })
  return { registry, rejected, commitLatency, hostHandle }
}
