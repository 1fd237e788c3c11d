// spec: NODE-P2P.1..8 (spec/20-node.md §Network (libp2p))
// The transport of a node process: libp2p 2.10 (TCP, noise, yamux, identify) with gossipsub 14 for
// the broadcast outputs of the core, and a one-frame-per-stream protocol for its `send` outputs
// (sync-request / sync-response). Inbound bytes that are too large, that do not decode, that arrive
// on the wrong topic or come from a peer that is not a validator of the genesis are dropped with a
// counted reason; gossipsub scores the peer that relayed them down, and a peer whose score falls
// below the graylist threshold is disconnected and refused for a while (NODE-P2P.6).
import "./Polyfill.ts"
import { Either } from "effect"
import { createLibp2p, type Libp2p } from "libp2p"
import { tcp } from "@libp2p/tcp"
import { noise } from "@chainsafe/libp2p-noise"
import { yamux } from "@chainsafe/libp2p-yamux"
import { identify } from "@libp2p/identify"
import { gossipsub, type GossipSub } from "@chainsafe/libp2p-gossipsub"
import { generateKeyPairFromSeed } from "@libp2p/crypto/keys"
import { peerIdFromPrivateKey, peerIdFromString } from "@libp2p/peer-id"
import { multiaddr } from "@multiformats/multiaddr"
import { concatBytes, utf8 } from "../../codec/Bytes.ts"
import { MAX_WIRE_BYTES } from "../../codec/Canonical.ts"
import type { Sha256 } from "../../codec/Hashing.ts"
import { Codecs, type DecodeError } from "../../codec/index.ts"
import type { Message } from "../../domain/Message.ts"

/** NODE-P2P.3: the gossip topics, one per kind of broadcast; `send` outputs never go over gossip. */
export const TOPICS = ["proposals", "votes", "transactions", "work", "scores"] as const
export type Topic = (typeof TOPICS)[number]
const TOPIC_PREFIX = "/poai/1/"
/** NODE-P2P.4: the protocol of addressed messages (sync-request, sync-response). */
export const DIRECT_PROTOCOL = "/poai/direct/1"

/** NODE-P2P.3: the topic of a message type; undefined: the type is addressed, never gossiped. */
export const topicOf = (type: Message["type"]): Topic | undefined => {
  switch (type) {
    case "proposal":
      return "proposals"
    case "vote":
      return "votes"
    case "tx":
      return "transactions"
    case "commitment":
    case "reveal":
    case "audit":
    case "evidence":
      return "work"
    case "score-commit":
    case "score-reveal":
      return "scores"
    case "sync-request":
    case "sync-response":
      return undefined
  }
}

/** NODE-P2P.2: the libp2p identity seed of a validator: SHA-256("poai/libp2p-identity/v1" || ed25519 seed). */
export const identitySeed = (sha256: Sha256, ed25519Seed: Uint8Array): Uint8Array => sha256(concatBytes(utf8("poai/libp2p-identity/v1"), ed25519Seed))

/** NODE-P2P.2: the libp2p private key and peer id (base58 string) of a validator's key seed. */
export const identityOf = async (sha256: Sha256, ed25519Seed: Uint8Array) => {
  const privateKey = await generateKeyPairFromSeed("Ed25519", identitySeed(sha256, ed25519Seed))
  // the key types of @libp2p/crypto and libp2p come from two copies of @libp2p/interface: same shape
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey as never as Parameters<typeof peerIdFromPrivateKey>[0]).toString() }
}

/** Why an inbound frame was dropped before it reached the core (NODE-P2P.5), or a core rejection code. */
export type DropReason = "FRAME_TOO_LARGE" | "FRAME_TRUNCATED" | "UNKNOWN_PEER" | "WRONG_TOPIC" | "WRONG_PROTOCOL" | "SEND_FAILED" | "LOW_SCORE_DISCONNECT" | `DECODE:${DecodeError["reason"]}`

export interface P2pOptions {
  readonly sha256: Sha256
  /** The validator's Ed25519 seed (the libp2p identity is derived from it: NODE-P2P.2). */
  readonly ed25519Seed: Uint8Array
  /** Multiaddrs to listen on, e.g. /ip4/127.0.0.1/tcp/0. */
  readonly listen: ReadonlyArray<string>
  /** Multiaddrs (with /p2p/<peer id>) this node keeps dialing. */
  readonly peers: ReadonlyArray<string>
  /** Peer id of each validator, by validator index (the core's `from` / `to`). */
  readonly peerIds: ReadonlyArray<string>
  /** Inbound frame bound in bytes (default MAX_WIRE_BYTES). */
  readonly maxFrameBytes?: number
  /** A message from validator `from` that passed the transport checks. */
  readonly onMessage: (from: number, bytes: Uint8Array) => void
  /** The decoder of inbound bytes (default Codecs.Message.decode); a node passes its memoized one. */
  readonly decode?: (bytes: Uint8Array) => Either.Either<Message, DecodeError>
  /** How often connections to `peers` are checked and re-dialed, and scores checked (ms, default 1000). */
  readonly maintainMs?: number
  /** How long a peer disconnected for its score is refused (ms, default 60 000). */
  readonly banMs?: number
}

export interface P2p {
  readonly peerId: string
  readonly addrs: () => ReadonlyArray<string>
  /** Connected validator peers. */
  readonly peers: () => number
  readonly broadcast: (message: Message, bytes: Uint8Array) => Promise<void>
  readonly send: (to: number, bytes: Uint8Array) => Promise<void>
  /** Dropped inbound frames by reason (NODE-P2P.5). */
  readonly drops: ReadonlyMap<DropReason, number>
  readonly counters: { messagesIn: number; messagesOut: number; bytesIn: number; bytesOut: number }
  /** For tests: publish raw bytes on a topic, bypassing every check of this side. */
  readonly publishRaw: (topic: Topic, bytes: Uint8Array) => Promise<void>
  /** For tests: send a raw frame (length prefix included) on the direct protocol. */
  readonly sendRaw: (to: number, frame: Uint8Array) => Promise<void>
  /** The gossipsub score of a peer (NODE-P2P.6). */
  readonly score: (peerId: string) => number
  readonly close: () => Promise<void>
}

/** NODE-P2P.6: gossipsub peer scoring: only invalid deliveries (P4) count; the rest is neutral. */
const GRAYLIST = -80
const topicScore = {
  topicWeight: 1,
  timeInMeshWeight: 0,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 1,
  firstMessageDeliveriesWeight: 0,
  firstMessageDeliveriesDecay: 0.5,
  firstMessageDeliveriesCap: 1,
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.5,
  meshMessageDeliveriesCap: 1,
  meshMessageDeliveriesThreshold: 0,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 1000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.5,
  // P4: the score is -10 x (invalid count)^2; three invalid frames graylist a peer
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.99,
}

const u32be = (n: number) => new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])

/** NODE-P2P.4: a frame of the direct protocol: 4-byte big-endian length, then the bytes. */
export const frame = (bytes: Uint8Array): Uint8Array => concatBytes(u32be(bytes.length), bytes)

type Chunk = { readonly subarray: () => Uint8Array } | Uint8Array

/**
 * NODE-P2P.4: read one frame from a stream source, reading at most 4 + max bytes; never buffers more.
 * Returns the payload, or the reason the frame was dropped.
 */
export const readFrame = async (source: AsyncIterable<Chunk>, max: number): Promise<Uint8Array | "FRAME_TOO_LARGE" | "FRAME_TRUNCATED"> => {
  const parts: Uint8Array[] = []
  let have = 0
  let need = -1
  for await (const c of source) {
    const b = c instanceof Uint8Array ? c : c.subarray()
    parts.push(b)
    have += b.length
    if (need < 0 && have >= 4) {
      const head = concatBytes(...parts)
      need = (((head[0] as number) << 24) >>> 0) + ((head[1] as number) << 16) + ((head[2] as number) << 8) + (head[3] as number)
      if (need > max) return "FRAME_TOO_LARGE"
      parts.length = 0
      parts.push(head)
    }
    if (need >= 0 && have >= 4 + need) break
    if (have > 4 + max) return "FRAME_TOO_LARGE"
  }
  if (need < 0 || have < 4 + need) return "FRAME_TRUNCATED"
  return concatBytes(...parts).subarray(4, 4 + need)
}

export const startP2p = async (o: P2pOptions): Promise<P2p> => {
  const max = o.maxFrameBytes ?? MAX_WIRE_BYTES
  const decode = o.decode ?? Codecs.Message.decode
  const { privateKey, peerId } = await identityOf(o.sha256, o.ed25519Seed)
  const indexOf = new Map(o.peerIds.map((p, i) => [p, i] as const))
  const drops = new Map<DropReason, number>()
  const drop = (r: DropReason) => drops.set(r, (drops.get(r) ?? 0) + 1)
  const counters = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 }
  const banned = new Map<string, number>()
  const isBanned = (p: string) => (banned.get(p) ?? 0) > Date.now()

  const node: Libp2p<{ identify: ReturnType<ReturnType<typeof identify>>; pubsub: GossipSub }> = (await createLibp2p({
    privateKey: privateKey as never,
    addresses: { listen: [...o.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // NODE-P2P.6: a peer disconnected for its score is refused, inbound and outbound, until its ban ends
    connectionGater: {
      denyDialPeer: async (p) => isBanned(p.toString()),
      denyInboundEncryptedConnection: async (p) => isBanned(p.toString()),
    },
    services: {
      identify: identify(),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        // NODE-P2P.5: a frame over twice the bound is not even decoded by gossipsub
        maxInboundDataLength: 2 * max + 1024,
        scoreParams: {
          topics: Object.fromEntries(TOPICS.map((t) => [TOPIC_PREFIX + t, topicScore])),
          topicScoreCap: 0,
          appSpecificScore: () => 0,
          appSpecificWeight: 0,
          // every devnet node shares 127.0.0.1: no colocation penalty
          IPColocationFactorWeight: 0,
          behaviourPenaltyWeight: -1,
          decayInterval: 1000,
          decayToZero: 0.01,
          retainScore: 60_000,
        },
        scoreThresholds: { gossipThreshold: -10, publishThreshold: -50, graylistThreshold: GRAYLIST, acceptPXThreshold: 100, opportunisticGraftThreshold: 5 },
      }) as never,
    },
  })) as unknown as Libp2p<{ identify: ReturnType<ReturnType<typeof identify>>; pubsub: GossipSub }>
  const pubsub = node.services.pubsub

  // NODE-P2P.5: the topic validator: Reject (scored against the relay) what no honest node relays
  for (const t of TOPICS) {
    pubsub.topicValidators.set(TOPIC_PREFIX + t, async (_peer, msg) => {
      const reject = (r: DropReason) => {
        drop(r)
        return "reject" as never
      }
      if (msg.type !== "signed" || !indexOf.has(msg.from.toString())) return reject("UNKNOWN_PEER")
      if (msg.data.length > max) return reject("FRAME_TOO_LARGE")
      const m = decode(msg.data)
      if (Either.isLeft(m)) return reject(`DECODE:${m.left.reason}`)
      if (topicOf(m.right.type) !== t) return reject("WRONG_TOPIC")
      return "accept" as never
    })
    pubsub.subscribe(TOPIC_PREFIX + t)
  }
  pubsub.addEventListener("gossipsub:message", (ev) => {
    const msg = ev.detail.msg
    if (msg.type !== "signed") return
    const from = indexOf.get(msg.from.toString())
    if (from === undefined) return
    counters.messagesIn++
    counters.bytesIn += msg.data.length
    o.onMessage(from, msg.data)
  })

  // NODE-P2P.4: addressed messages, one length-prefixed frame per stream, read with a bound and a deadline
  await node.handle(
    DIRECT_PROTOCOL,
    ({ stream, connection }) => {
      void (async () => {
        const from = indexOf.get(connection.remotePeer.toString())
        if (from === undefined) {
          drop("UNKNOWN_PEER")
          stream.abort(new Error("unknown peer"))
          return
        }
        const timer = setTimeout(() => stream.abort(new Error("frame deadline")), 10_000)
        try {
          const r = await readFrame(stream.source, max)
          if (typeof r === "string") {
            drop(r)
            stream.abort(new Error(r))
            return
          }
          await stream.close().catch(() => undefined)
          const m = decode(r)
          if (Either.isLeft(m)) return void drop(`DECODE:${m.left.reason}`)
          if (topicOf(m.right.type) !== undefined) return void drop("WRONG_PROTOCOL")
          counters.messagesIn++
          counters.bytesIn += r.length
          o.onMessage(from, r)
        } catch {
          drop("FRAME_TRUNCATED")
        } finally {
          clearTimeout(timer)
        }
      })()
    },
    { maxInboundStreams: 64 },
  )

  await node.start()

  const targets = o.peers.map((a) => multiaddr(a))
  let closed = false
  const maintain = async () => {
    // NODE-P2P.7: keep a connection to every configured peer; re-dial the ones that went away
    const connected = new Set(node.getPeers().map((p) => p.toString()))
    await Promise.all(
      targets.map(async (t) => {
        const p = t.getPeerId()
        if (p === null || connected.has(p) || isBanned(p) || p === peerId) return
        await node.dial(t, { signal: AbortSignal.timeout(3000) }).catch(() => undefined)
      }),
    )
    // NODE-P2P.6: disconnect and ban a peer whose score fell below the graylist threshold
    for (const p of node.getPeers()) {
      const s = p.toString()
      if (pubsub.getScore(s) < GRAYLIST && !isBanned(s)) {
        banned.set(s, Date.now() + (o.banMs ?? 60_000))
        drop("LOW_SCORE_DISCONNECT")
        await node.hangUp(p).catch(() => undefined)
      }
    }
  }
  let timer: NodeJS.Timeout | undefined
  const loop = () => {
    if (closed) return
    void maintain().finally(() => {
      if (!closed) timer = setTimeout(loop, o.maintainMs ?? 1000)
    })
  }
  loop()

  const sendRaw = async (to: number, f: Uint8Array) => {
    const p = o.peerIds[to]
    if (p === undefined || p === peerId) return
    try {
      const stream = await node.dialProtocol(peerIdFromString(p), DIRECT_PROTOCOL, { signal: AbortSignal.timeout(5000) })
      await stream.sink([f])
      await stream.close().catch(() => undefined)
    } catch {
      drop("SEND_FAILED")
    }
  }

  return {
    peerId,
    addrs: () => node.getMultiaddrs().map((a) => a.toString()),
    peers: () => node.getPeers().filter((p) => indexOf.has(p.toString())).length,
    broadcast: async (message, bytes) => {
      const t = topicOf(message.type)
      if (t === undefined) return
      counters.messagesOut++
      counters.bytesOut += bytes.length
      await pubsub.publish(TOPIC_PREFIX + t, bytes).catch(() => undefined)
    },
    send: async (to, bytes) => {
      counters.messagesOut++
      counters.bytesOut += bytes.length
      await sendRaw(to, frame(bytes))
    },
    drops,
    counters,
    publishRaw: async (t, bytes) => {
      await pubsub.publish(TOPIC_PREFIX + t, bytes).catch(() => undefined)
    },
    sendRaw,
    score: (p) => pubsub.getScore(p),
    close: async () => {
      closed = true
      clearTimeout(timer)
      await node.stop()
    },
  }
}
