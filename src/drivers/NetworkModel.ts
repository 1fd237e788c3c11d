// spec: SIM-REGION.1..5, SIM-CPU.1..3, SIM-FAULT.1..2 (spec/19-reproduction.md)
// The §8 reproduction's network and machine model: 5 regions with a published inter-region latency
// matrix, jitter, per-node uplink bandwidth, a CPU cost per operation (calibrated by
// bench/reproduce-calibration.ts) and the device classes that run the work. Every number is in spec/19.
import type { NodeInput, NodeOutput } from "../core/Node.ts"
import type { NodeState } from "../core/NodeState.ts"
import type { TaskKind } from "../domain/Work.ts"
import { Prng } from "./Prng.ts"

/** SIM-REGION.1: the five regions (AWS region names). */
export const REGIONS = ["us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1", "ap-southeast-2"] as const
export type Region = (typeof REGIONS)[number]

/**
 * SIM-REGION.1: average round-trip times in ms between the five regions, the mean of the two directions
 * of the table "Latency Between AWS Global Regions" (reproduced in
 * https://acomputerscientistlearnsaws.blogspot.com/2017/04/aws-regions.html, April 2017). The diagonal
 * is the intra-region (inter-AZ) RTT, 1 ms (measured 0.25..3.4 ms, https://www.xkyle.com/Measuring-AWS-Region-and-AZ-Latency/).
 */
export const RTT_MS: ReadonlyArray<ReadonlyArray<number>> = [
  //  VA     OR     FRA    TYO    SYD
  [1, 87.8, 88.6, 145.3, 229.9],
  [87.8, 1, 159.5, 89.1, 162.1],
  [88.6, 159.5, 1, 236.6, 323.4],
  [145.3, 89.1, 236.6, 1, 103.9],
  [229.9, 162.1, 323.4, 103.9, 1],
]

/** SIM-REGION.2: nodes are assigned to regions round-robin: node i is in region i mod 5. */
export const regionOf = (node: number): number => node % REGIONS.length

/** SIM-DEVICE.1: device classes of §8.1 (RTX 3090 consumer, A100 datacenter), alternating by node. */
export type DeviceClass = "consumer" | "datacenter"
export const deviceOf = (node: number): DeviceClass => (node % 2 === 0 ? "datacenter" : "consumer")

export interface NetworkModelParams {
  /** Jitter: uniform extra delay in [0, jitter × one-way propagation] (SIM-REGION.3). */
  readonly jitter: number
  /** Uplink bandwidth per device class, bits per second (SIM-REGION.4). */
  readonly uplinkBps: Readonly<Record<DeviceClass, number>>
  /** Per-message framing overhead in bytes (TCP/IP + TLS record), added to the payload size. */
  readonly overheadBytes: number
}

export const DEFAULT_NETWORK: NetworkModelParams = {
  jitter: 0.1,
  uplinkBps: { datacenter: 1_000_000_000, consumer: 100_000_000 },
  overheadBytes: 66,
}

/** The hook SimConfig.network takes: the delay of one message from → to of `bytes` bytes sent at t. */
export interface LinkDelay {
  readonly delayMs: (t: number, from: number, to: number, bytes: number, rng: Prng) => number
}

/**
 * SIM-REGION.3/4: delay = queueing behind the sender's earlier messages on its uplink + transmission
 * ((bytes + overhead) × 8 / uplink) + one-way propagation RTT/2 + jitter. Stateful (each node's uplink
 * is busy until some time): make one per run.
 */
export const regionNetwork = (p: NetworkModelParams = DEFAULT_NETWORK): LinkDelay & { readonly uplinkFreeAt: Map<number, number> } => {
  const uplinkFreeAt = new Map<number, number>()
  return {
    uplinkFreeAt,
    delayMs: (t, from, to, bytes, rng) => {
      const start = Math.max(t, uplinkFreeAt.get(from) ?? 0)
      const tx = ((bytes + p.overheadBytes) * 8 * 1000) / (p.uplinkBps[deviceOf(from)] as number)
      uplinkFreeAt.set(from, start + tx)
      const oneWay = ((RTT_MS[regionOf(from)] as ReadonlyArray<number>)[regionOf(to)] as number) / 2
      const jitter = p.jitter > 0 ? rng.next() * p.jitter * oneWay : 0
      return start - t + tx + oneWay + jitter
    },
  }
}

/**
 * SIM-REGION.5: the peer graph that proposals are relayed over (a node's adjacency list, ascending).
 * Node i is linked to its ring neighbours i ± 1 (mod n, so the graph is connected) and to `extra` peers
 * it draws uniformly from the others (the `relay` stream of `seed`, nodes in index order); links are
 * undirected. With n = 100 and extra = 3 the mean degree is about 8, near CometBFT's 10 outbound peers.
 */
export const relayGraph = (n: number, seed: number, extra = 3): ReadonlyArray<ReadonlyArray<number>> => {
  const peers: Array<Set<number>> = Array.from({ length: n }, () => new Set<number>())
  const link = (a: number, b: number) => {
    if (a === b) return
    ;(peers[a] as Set<number>).add(b)
    ;(peers[b] as Set<number>).add(a)
  }
  if (n > 1) for (let i = 0; i < n; i++) link(i, (i + 1) % n)
  const rng = new Prng(seed).fork("relay")
  if (n > 2) for (let i = 0; i < n; i++) for (let k = 0; k < extra; k++) link(i, (i + 1 + rng.int(n - 1)) % n)
  return peers.map((s) => [...s].sort((a, b) => a - b))
}

// ------------------------------------------------------------------------------------------------
// CPU (SIM-CPU.*)

/**
 * SIM-CPU.1: CPU cost of each operation in microseconds, measured on this repository's reference
 * machine by `npm run bench -- --only reproduce` (bench/reproduce-calibration.ts, node:crypto layer):
 * see spec/19 for the measured values and the date.
 */
export interface CpuCosts {
  /** Ed25519 verify of one signed message or transfer. */
  readonly verifyUs: number
  /** Decoding a message, per byte (canonical CBOR + schema). */
  readonly decodePerByteUs: number
  /** Fixed decode cost per message. */
  readonly decodeBaseUs: number
  /** Block validation per transfer (signature + ledger apply). */
  readonly blockPerTxUs: number
  /** Checking one work claim's attestation (sim TEE: certificate chain + signature). */
  readonly attestationUs: number
  /** BLS aggregate verification of one commit certificate. */
  readonly blsAggregateUs: number
}

/**
 * SIM-CPU.1: measured on the 2-core reference VM (Node 20.20.2), rounded. Re-measured on 2026-12-05
 * (three runs of bench/reproduce-calibration.ts) after the node layer's Ed25519 moved to libsodium
 * (CRYPTO-4) and decoding to one pass (ENC-CBOR.5): verify 43.8-46.2 µs (97 on OpenSSL), decode
 * 0.87-0.97 µs + 0.008 µs per byte (2 + 0.04), block validation per transfer 45.7-48.1 µs (120),
 * attestation check 93.1-97.5 µs (236), BLS verification with blst 1,184-1,236 µs.
 */
export const CALIBRATED_CPU: CpuCosts = {
  verifyUs: 45,
  decodePerByteUs: 0.008,
  decodeBaseUs: 1,
  blockPerTxUs: 47,
  attestationUs: 95,
  blsAggregateUs: 1_200,
}

/** SIM-CPU.2: one node step's CPU time in ms, charged before its outputs leave (SimConfig.cpu). */
export type StepCost = (node: number, input: NodeInput, outputs: ReadonlyArray<NodeOutput>, state: NodeState) => number

/**
 * SIM-CPU.2: receive = decode (base + per byte) + one signature verify; commit = per transfer block
 * validation + one attestation check per reveal + one BLS aggregate verify (charged at commit, where
 * the block's contents are known); other inputs (timers, client submissions, own work) cost nothing.
 * `tally` (optional) accumulates the consensus-crypto and attestation parts in µs for SIM-METRIC.3.
 */
export const cpuStepCost =
  (c: CpuCosts = CALIBRATED_CPU, tally?: { consensusUs: number; attestationUs: number }): StepCost =>
  (_node, input, outputs, state) => {
    let us = 0
    let crypto = 0
    let attest = 0
    if (input.type === "receive") {
      us += c.decodeBaseUs + c.decodePerByteUs * input.bytes.length + c.verifyUs
      crypto += c.verifyUs
    }
    for (const o of outputs) {
      if (o.type !== "commit") continue
      const body = state.blocks.get(o.height)?.block.body
      if (body === undefined) continue
      us += c.blockPerTxUs * body.txs.length + c.attestationUs * body.reveals.length + c.blsAggregateUs
      crypto += c.blockPerTxUs * body.txs.length + c.blsAggregateUs
      attest += c.attestationUs * body.reveals.length
    }
    if (tally !== undefined) {
      tally.consensusUs += crypto
      tally.attestationUs += attest
    }
    return us / 1000
  }

// ------------------------------------------------------------------------------------------------
// Work durations (SIM-DEVICE.2)

/**
 * SIM-DEVICE.2: GPU seconds per compute unit of a claim, per kind and device class (assumed: the paper
 * gives none; A100 ≈ 2–2.5× an RTX 3090 on fp16 inference and training). A claim of v units takes
 * v × this on its worker's device.
 */
export const WORK_SECONDS_PER_UNIT: Readonly<Record<TaskKind, Readonly<Record<DeviceClass, number>>>> = {
  inference: { consumer: 0.02, datacenter: 0.01 },
  training: { consumer: 0.2, datacenter: 0.08 },
  extraction: { consumer: 0.05, datacenter: 0.025 },
}

/**
 * SIM-DEVICE.3: fraction of a claim's work an audit re-executes: all of an inference or extraction,
 * a beacon-sampled part of a training run (VER-TRAIN.7: 2 of 8 segments assumed).
 */
export const AUDIT_FRACTION: Readonly<Record<TaskKind, number>> = { inference: 1, training: 0.25, extraction: 1 }

export const workSeconds = (kind: TaskKind, device: DeviceClass, units: number): number =>
  (WORK_SECONDS_PER_UNIT[kind][device] as number) * units

// ------------------------------------------------------------------------------------------------
// Faults (SIM-FAULT.*)

export type Link = (t: number, from: number, to: number) => boolean

/**
 * SIM-FAULT.1: the given nodes crash at `at` and restore at `until` (virtual ms): every message sent
 * to or from a crashed node in [at, until) is lost. Its local timers run on and its state is kept
 * (a process restarted from its persisted state); catching up uses the sync protocol (NODE-SYNC.1..2).
 */
export const crashLink = (nodes: ReadonlyArray<number>, at: number, until: number): Link => {
  const down = new Set(nodes)
  return (t, from, to) => !(t >= at && t < until && (down.has(from) || down.has(to)))
}

/** SIM-FAULT.2: regions `a` and `b` cannot reach each other in [at, until). */
export const partitionLink = (a: ReadonlyArray<number>, b: ReadonlyArray<number>, at: number, until: number): Link => {
  const A = new Set(a)
  const B = new Set(b)
  return (t, from, to) => {
    if (t < at || t >= until) return true
    const rf = regionOf(from)
    const rt = regionOf(to)
    return !((A.has(rf) && B.has(rt)) || (B.has(rf) && A.has(rt)))
  }
}

/** SIM-FAULT.1: the nodes that crash: a fraction of all, taken evenly across regions (every ⌈1/f⌉-th…). */
export const crashSet = (nodes: number, fraction: number): ReadonlyArray<number> => {
  const k = Math.round(fraction * nodes)
  return Array.from({ length: k }, (_, j) => Math.floor((j * nodes) / k))
}
