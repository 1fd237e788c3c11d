// spec: DEVNET.1..7 (spec/20-node.md §Devnet)
// A devnet on 127.0.0.1: N homes and a genesis in a run directory (kept), N `poai node` child
// processes, a client that submits transfers and work through the API, K crashes (SIGKILL) at seeded
// times with restarts, and a check that every node agrees on every block.
import { spawn, type ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { toHex } from "../../codec/Bytes.ts"
import { Hashes, SigningBytes } from "../../codec/Hashing.ts"
import { Codecs } from "../../codec/index.ts"
import type { CryptoService } from "../../crypto/Crypto.ts"
import { Prng } from "../Prng.ts"
import { makeSimWorkers } from "../SimWork.ts"
import { buildGenesis, DEVNET_STAKE, devUsers, DEFAULT_CONFIG, initHome, writeConfig, writeGenesis, type PublicInfo } from "./Home.ts"
import { simWorkClaim } from "./Process.ts"
import { fromHex } from "../../codec/Bytes.ts"

export interface DevnetOptions {
  readonly nodes: number
  readonly blocks: number
  readonly kill: number
  readonly seed: number
  /** Run directory (created; kept); default a fresh directory under the OS temp dir. */
  readonly dir?: string
  /** Give up after this many seconds (DEVNET.6). */
  readonly timeoutSec: number
  /** Client transfers per second, and work claims per second, submitted through the API. */
  readonly txPerSec: number
  readonly workPerSec: number
  /** Extra flags of every `poai node` (e.g. ["--volatile"]). */
  readonly nodeFlags?: ReadonlyArray<string>
  readonly log?: (line: string) => void
  /** Aborts the run (Ctrl-C): children are killed, the summary says so. */
  readonly signal?: AbortSignal
}

export interface DevnetSummary {
  readonly nodes: number
  readonly targetBlocks: number
  readonly dir: string
  /** Lowest finalized height over all nodes at the end. */
  readonly finalizedHeight: number
  readonly heights: ReadonlyArray<number>
  readonly agreement: boolean
  /** Heights at which two nodes returned different block hashes. */
  readonly disagreements: ReadonlyArray<number>
  readonly completed: boolean
  readonly stuck: boolean
  readonly restarts: number
  /** Distinct equivocations: evidence the nodes reported or that blocks carry (DEVNET.5). */
  readonly doubleSigns: number
  /** Signatures the nodes' double-sign guards refused to release (NODE-WAL). */
  readonly guardRefusals: number
  readonly txAccepted: number
  readonly txCommitted: number
  /** Transfers the API accepted that no block up to finalizedHeight holds. */
  readonly lostTx: number
  /** Up to 8 lost transfers: id, sender (test account index), nonce, and the node that accepted it. */
  readonly lostSample: ReadonlyArray<{ readonly id: string; readonly user: number; readonly nonce: number; readonly node: number }>
  /** Accepted transfers found in more than one block. */
  readonly duplicateTx: number
  readonly workAccepted: number
  readonly wallSeconds: number
  /** Per node at the end: inputs handled and the mean host time of one (ms; NODE-API.1). */
  readonly hostHandleMsMean: ReadonlyArray<number>
  readonly inputs: ReadonlyArray<number>
  /** (time all nodes reached targetBlocks - time all APIs answered) / targetBlocks. */
  readonly secondsPerBlock: number
  readonly error: string | null
}

/** The repository root: the directory above this file that holds bin/poai.js (source or dist/ layout). */
const repoRoot = (): string => {
  let d = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(d, "bin", "poai.js"))) return d
    d = path.dirname(d)
  }
  throw new Error("bin/poai.js not found above the devnet module")
}

/** DEVNET.2: free TCP ports on 127.0.0.1, asked from the OS (distinct within one call). */
const freePorts = async (n: number): Promise<number[]> => {
  const servers: net.Server[] = []
  const ports: number[] = []
  for (let i = 0; i < n; i++) {
    const s = net.createServer()
    await new Promise<void>((r, j) => s.once("error", j).listen(0, "127.0.0.1", () => r()))
    servers.push(s)
    ports.push((s.address() as net.AddressInfo).port)
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
  return ports
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((r) => {
    const onAbort = () => {
      clearTimeout(t)
      r()
    }
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort)
      r()
    }, ms)
    signal?.addEventListener("abort", onAbort, { once: true })
  })

const getJson = async (port: number, p: string): Promise<unknown> => {
  const r = await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(3000) })
  if (r.status !== 200) return undefined
  return r.json()
}
const postJson = async (port: number, p: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
  const r = await fetch(`http://127.0.0.1:${port}${p}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(3000) })
  return { status: r.status, json: (await r.json()) as Record<string, unknown> }
}

interface Status {
  readonly finalizedHeight: number
  readonly refusedSignatures: number
  readonly evidence: ReadonlyArray<string>
  readonly inputs: number
  readonly hostHandleMsMean: number
}
interface BlockView {
  readonly hash: string
  readonly txIds: ReadonlyArray<string>
  readonly evidence: ReadonlyArray<string>
}

export const runDevnet = async (crypto: CryptoService, o: DevnetOptions): Promise<DevnetSummary> => {
  const t0 = Date.now()
  const log = o.log ?? (() => undefined)
  const n = o.nodes
  const dir = path.resolve(o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "poai-devnet-")))
  fs.mkdirSync(dir, { recursive: true })
  const rng = new Prng(o.seed)
  const killRng = rng.fork("kill")
  const clientRng = rng.fork("client")
  const workRng = rng.fork("work")

  // DEVNET.1: homes with the simulator's keys for the seed, then one genesis for all
  const ports = await freePorts(2 * n)
  const p2pPort = (i: number) => ports[i] as number
  const apiPort = (i: number) => ports[n + i] as number
  const homes = Array.from({ length: n }, (_, i) => path.join(dir, `node-${i}`))
  const pubs: PublicInfo[] = []
  for (let i = 0; i < n; i++) pubs.push(await initHome(crypto, homes[i] as string, { seed: o.seed, index: i }))
  for (let i = 0; i < n; i++)
    writeConfig(homes[i] as string, {
      ...DEFAULT_CONFIG,
      listen: [`/ip4/127.0.0.1/tcp/${p2pPort(i)}`],
      peers: pubs.flatMap((p, j) => (j === i ? [] : [`/ip4/127.0.0.1/tcp/${p2pPort(j)}/p2p/${p.peerId}`])),
      apiHost: "127.0.0.1",
      apiPort: apiPort(i),
    })
  const users = devUsers(crypto, o.seed, 16)
  const gf = buildGenesis(crypto, pubs, { chainId: "poai-devnet", seed: o.seed, users: users.length, attested: true, scoring: true, stake: DEVNET_STAKE })
  for (const h of homes) writeGenesis(h, gf)
  log(`devnet ${dir}: ${n} nodes, genesis ${gf.hash.slice(0, 16)}`)

  // DEVNET.2: children run `poai node` through bin/poai.js (dist/ when fresh, else tsx)
  const bin = path.join(repoRoot(), "bin", "poai.js")
  const children: Array<ChildProcess | undefined> = Array.from({ length: n }, () => undefined)
  const spawnNode = (i: number) => {
    const logFd = fs.openSync(path.join(homes[i] as string, "node.log"), "a")
    const c = spawn(process.execPath, [bin, "node", "--home", homes[i] as string, "--stdin-lifeline", ...(o.nodeFlags ?? [])], { stdio: ["pipe", logFd, logFd] })
    fs.closeSync(logFd)
    children[i] = c
  }
  const killAll = () => {
    for (const c of children) if (c !== undefined && c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
  }
  const onExit = () => killAll()
  process.once("exit", onExit)

  const status = async (i: number): Promise<Status | undefined> => {
    try {
      return (await getJson(apiPort(i), "/status")) as Status | undefined
    } catch {
      return undefined
    }
  }
  const heights = Array.from({ length: n }, () => 0)
  const down = new Set<number>()

  let restarts = 0
  let txAccepted = 0
  let workAccepted = 0
  const accepted = new Map<string, { user: number; nonce: number; node: number }>()
  const pending = new Map<number, { nonce: number; body: unknown; at: number; id: string }>()
  let error: string | null = null
  let stuck = false
  let readyAt = 0
  let reachedAt = 0
  const deadline = t0 + o.timeoutSec * 1000
  const live = () => Array.from({ length: n }, (_, i) => i).filter((i) => !down.has(i))

  try {
    for (let i = 0; i < n; i++) spawnNode(i)
    // wait until every API answers
    while (Date.now() < deadline && !o.signal?.aborted) {
      const ss = await Promise.all(Array.from({ length: n }, (_, i) => status(i)))
      if (ss.every((s) => s !== undefined)) break
      await sleep(200, o.signal)
    }
    readyAt = Date.now()
    log(`all ${n} APIs up after ${((readyAt - t0) / 1000).toFixed(1)}s`)

    // DEVNET.4: crashes at seeded heights, one at a time, each restarted after a seeded pause
    const killAt = Array.from({ length: o.kill }, () => killRng.range(2, Math.max(2, Math.floor(o.blocks / 2))))
      .sort((a, b) => a - b)
    const victims = Array.from({ length: o.kill }, () => killRng.int(n))
    let nextKill = 0
    let restartAt = 0
    let restarting = -1

    // DEVNET.3: client workload: each user has at most one transfer in flight, re-sent to another node when stale
    let lastTx = 0
    /** DEVNET.5: while accepted transfers settle, nothing new is submitted; stale ones are re-sent. */
    let settling = false
    let lastWork = 0
    const workers = makeSimWorkers(crypto, gf.simSeed ?? 0, n)
    const clientTick = async () => {
      const now = Date.now()
      const ids = live()
      if (ids.length === 0) return
      if (o.txPerSec > 0 && now - lastTx >= 1000 / o.txPerSec) {
        lastTx = now
        const u = clientRng.int(users.length)
        const user = users[u] as (typeof users)[number]
        const node = clientRng.pick(ids)
        // the sender's next nonce is the highest any live node reports: a node still catching up (a
        // restarted one) reports a stale nonce and would accept a transfer that can never commit
        const accts = (await Promise.all(ids.map((i) => getJson(apiPort(i), `/account/${toHex(user.pubKey)}`).catch(() => undefined)))) as Array<{ nonce: number } | undefined>
        const nonces = accts.flatMap((a) => (a === undefined ? [] : [a.nonce]))
        const acct = nonces.length === 0 ? undefined : { nonce: Math.max(...nonces) }
        const p = pending.get(u)
        const send = async (q: { nonce: number; body: unknown; id: string }) => {
          const r = await postJson(apiPort(node), "/tx", q.body).catch(() => undefined)
          if (r?.status === 202 && !accepted.has(q.id)) {
            accepted.set(q.id, { user: u, nonce: q.nonce, node })
            txAccepted++
          } else if (r?.status === 400 && r.json.error !== "TX_DUPLICATE" && !accepted.has(q.id)) {
            // refused and never accepted anywhere (e.g. a stale nonce): the user may sign a new one
            pending.delete(u)
          }
        }
        if (acct !== undefined && !settling && (p === undefined || acct.nonce > p.nonce)) {
          const to = users[clientRng.int(users.length)] as (typeof users)[number]
          const unsigned = { chainId: gf.genesis.chainId, from: user.pubKey, to: to.pubKey, amount: clientRng.range(1, 1000), fee: gf.genesis.params.minFee, nonce: acct.nonce }
          const tx = { ...unsigned, signature: crypto.ed25519.sign(SigningBytes.transfer(unsigned), user.secretKey) }
          const q = { nonce: acct.nonce, body: { hex: toHex(Codecs.Transfer.encode(tx)) }, at: now, id: toHex(Hashes.txId(crypto.sha256, tx)) }
          // in flight from the moment it is signed: a request that times out may still have been
          // accepted, so the next attempt re-sends these bytes, never a second transfer of this nonce
          pending.set(u, q)
          await send(q)
        } else if (acct !== undefined && p !== undefined && now - p.at > 3000) {
          // NODE-RETRANSMIT.1's client side: a stale transfer is sent again (same bytes, same id) to a random node
          pending.set(u, { ...p, at: now })
          await send(p)
        }
      }
      if (o.workPerSec > 0 && !settling && now - lastWork >= 1000 / o.workPerSec) {
        lastWork = now
        const node = workRng.pick(ids)
        const claim = simWorkClaim(crypto, gf.genesis, node, fromHex(pubs[node]?.pubKey ?? ""), workers, workRng)
        const r = await postJson(apiPort(node), "/work", { hex: toHex(Codecs.WorkClaim.encode(claim)) }).catch(() => undefined)
        if (r?.status === 202) workAccepted++
      }
    }

    let lastProgress = Date.now()
    let lastMin = -1
    let lastHeights = [...heights]
    for (;;) {
      if (o.signal?.aborted) throw new Error("interrupted")
      if (Date.now() > deadline) {
        stuck = true
        throw new Error(`timed out after ${o.timeoutSec}s at heights ${heights.join(",")}`)
      }
      const ss = await Promise.all(Array.from({ length: n }, (_, i) => (down.has(i) ? Promise.resolve(undefined) : status(i))))
      ss.forEach((s, i) => {
        if (s !== undefined) heights[i] = s.finalizedHeight
      })
      const minH = Math.min(...heights)
      const sumH = heights.reduce((a, b) => a + b, 0)
      if (sumH > lastMin) {
        if (minH > Math.min(...lastHeights) || Math.max(...heights) >= Math.max(...lastHeights) + 5) log(`heights ${heights.join(",")}`)
        lastMin = sumH
        lastHeights = [...heights]
        lastProgress = Date.now()
      }
      // DEVNET.6: a network in which no node finalizes anything for 30 s is stuck
      if (Date.now() - lastProgress > 30_000) {
        stuck = true
        throw new Error(`no progress for 30s at heights ${heights.join(",")}`)
      }
      if (minH >= o.blocks && nextKill >= o.kill && restarting < 0) {
        reachedAt = Date.now()
        break
      }
      if (restarting >= 0 && Date.now() >= restartAt) {
        spawnNode(restarting)
        down.delete(restarting)
        restarts++
        log(`restarted node ${restarting}`)
        restarting = -1
      } else if (restarting < 0 && nextKill < o.kill && Math.max(...heights) >= (killAt[nextKill] as number)) {
        const v = victims[nextKill] as number
        children[v]?.kill("SIGKILL")
        down.add(v)
        restarting = v
        restartAt = Date.now() + killRng.range(500, 2000)
        log(`SIGKILL node ${v} at height ${heights[v]}`)
        nextKill++
      }
      await clientTick()
      await sleep(100, o.signal)
    }

    // DEVNET.5: let the accepted transfers settle (grace 15 s), then read every node's blocks
    const settleEnd = Date.now() + 15_000
    settling = true
    let committedIds = new Map<string, number>()
    let finalH = 0
    let maxH = 0
    let evidence = new Set<string>()
    let agreement = true
    const disagreements: number[] = []
    const scanned = new Map<number, Map<number, BlockView>>()
    for (;;) {
      const ss = await Promise.all(Array.from({ length: n }, (_, i) => status(i)))
      ss.forEach((s, i) => {
        if (s !== undefined) heights[i] = s.finalizedHeight
      })
      finalH = Math.min(...heights)
      // every node's blocks up to its own height; a transfer is committed when any node's block holds
      // it (finality), the agreement check compares every height over the nodes that have it
      for (let i = 0; i < n; i++) {
        let byNode = scanned.get(i)
        if (byNode === undefined) scanned.set(i, (byNode = new Map()))
        for (let h = 1; h <= (heights[i] as number); h++)
          if (!byNode.has(h)) {
            const b = (await getJson(apiPort(i), `/block/${h}`).catch(() => undefined)) as BlockView | undefined
            if (b !== undefined) byNode.set(h, b)
          }
      }
      maxH = Math.max(...heights)
      committedIds = new Map()
      for (let h = 1; h <= maxH; h++) {
        const ref = [...scanned.values()].map((m) => m.get(h)).find((b) => b !== undefined)
        for (const id of ref?.txIds ?? []) committedIds.set(id, (committedIds.get(id) ?? 0) + 1)
      }
      const lost = [...accepted.keys()].filter((id) => !committedIds.has(id)).length
      if (lost === 0 || Date.now() > settleEnd) break
      await clientTick().catch(() => undefined)
      await sleep(500, o.signal)
    }
    for (let h = 1; h <= maxH; h++) {
      const hs = new Set<string>()
      for (let i = 0; i < n; i++) {
        const b = scanned.get(i)?.get(h)
        if (b === undefined) continue
        hs.add(b.hash)
        for (const e of b.evidence) evidence.add(e)
      }
      if (hs.size > 1 || (h <= finalH && hs.size === 0)) {
        agreement = false
        disagreements.push(h)
      }
    }
    const finalStatus = await Promise.all(Array.from({ length: n }, (_, i) => status(i)))
    for (const s of finalStatus) for (const e of s?.evidence ?? []) evidence.add(e)
    const guardRefusals = finalStatus.reduce((a, s) => a + (s?.refusedSignatures ?? 0), 0)
    const txCommitted = [...committedIds.values()].reduce((a, k) => a + k, 0)
    const duplicateTx = [...accepted.keys()].filter((id) => (committedIds.get(id) ?? 0) > 1).length
    const lost = [...accepted.entries()].filter(([id]) => !committedIds.has(id))
    const lostTx = lost.length
    evidence = new Set([...evidence])
    return {
      nodes: n,
      targetBlocks: o.blocks,
      dir,
      finalizedHeight: finalH,
      heights: [...heights],
      agreement,
      disagreements,
      completed: finalH >= o.blocks,
      stuck,
      restarts,
      doubleSigns: evidence.size,
      guardRefusals,
      txAccepted,
      txCommitted,
      lostTx,
      lostSample: lost.slice(0, 8).map(([id, a]) => ({ id, ...a })),
      duplicateTx,
      workAccepted,
      hostHandleMsMean: finalStatus.map((x) => x?.hostHandleMsMean ?? 0),
      inputs: finalStatus.map((x) => x?.inputs ?? 0),
      wallSeconds: (Date.now() - t0) / 1000,
      secondsPerBlock: reachedAt > 0 ? (reachedAt - readyAt) / 1000 / o.blocks : 0,
      error,
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e)
    return {
      nodes: n,
      targetBlocks: o.blocks,
      dir,
      finalizedHeight: Math.min(...heights),
      heights: [...heights],
      agreement: false,
      disagreements: [],
      completed: false,
      stuck,
      restarts,
      doubleSigns: 0,
      guardRefusals: 0,
      txAccepted,
      txCommitted: 0,
      lostTx: 0,
      lostSample: [],
      duplicateTx: 0,
      workAccepted,
      hostHandleMsMean: [],
      inputs: [],
      wallSeconds: (Date.now() - t0) / 1000,
      secondsPerBlock: 0,
      error,
    }
  } finally {
    // DEVNET.7: every child ends with the run: SIGTERM, then SIGKILL after 3 s
    for (const c of children) if (c !== undefined && c.exitCode === null && c.signalCode === null) c.kill("SIGTERM")
    const end = Date.now() + 3000
    while (Date.now() < end && children.some((c) => c !== undefined && c.exitCode === null && c.signalCode === null)) await sleep(50)
    killAll()
    process.off("exit", onExit)
  }
}
