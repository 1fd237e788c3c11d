// spec: CLI-NODE.1..3 (spec/20-node.md §Homes and genesis), NODE-PROC.4
// `poai init`, `poai genesis`, `poai node`. Loaded by main.ts only for these commands (CLI-BUILD.2):
// they pull in libp2p and Fastify.
import * as fs from "node:fs"
import * as path from "node:path"
import { nodeCryptoService } from "../crypto/NodeCrypto.ts"
import { buildGenesis, DEFAULT_CONFIG, DEVNET_STAKE, HomeError, initHome, loadHome, readPublic, writeGenesis } from "../drivers/node/Home.ts"
import type { HostOptions, NodeHost } from "../drivers/node/Host.ts"
import { openHost } from "../drivers/node/NodeHost.ts"
import { startNode } from "../drivers/node/Process.ts"
import { openVolatileHost } from "../drivers/node/VolatileHost.ts"
import { parseFlags, type FlagSpec, UsageError } from "./Flags.ts"
import type { Io } from "./Io.ts"

export const INIT_FLAGS = {
  home: { kind: "string", default: undefined },
  index: { kind: "int", min: 0, max: 255, default: 0 },
  seed: { kind: "int", min: 0, max: 4_294_967_295, default: -1 },
  listen: { kind: "string", default: undefined },
  "api-port": { kind: "int", min: 0, max: 65535, default: DEFAULT_CONFIG.apiPort },
  json: { kind: "bool" },
} as const satisfies Record<string, FlagSpec>

export const GENESIS_FLAGS = {
  homes: { kind: "string", default: undefined },
  out: { kind: "string", default: undefined },
  "chain-id": { kind: "string", default: "poai-devnet" },
  seed: { kind: "int", min: 0, max: 4_294_967_295, default: 1 },
  users: { kind: "int", min: 0, max: 4096, default: 32 },
  stake: { kind: "int", min: 1, max: 1_000_000_000_000, default: DEVNET_STAKE },
  "no-attestation": { kind: "bool" },
  "no-scoring": { kind: "bool" },
} as const satisfies Record<string, FlagSpec>

export const NODE_FLAGS = {
  home: { kind: "string", default: undefined },
  listen: { kind: "string", default: undefined },
  peers: { kind: "string", default: undefined },
  "api-host": { kind: "string", default: undefined },
  "api-port": { kind: "int", min: 0, max: 65535, default: -1 },
  "work-interval-ms": { kind: "int", min: 0, max: 86_400_000, default: -1 },
  volatile: { kind: "bool" },
  /** NODE-PROC.4: exit when stdin closes (a devnet's children die with their parent). */
  "stdin-lifeline": { kind: "bool" },
} as const satisfies Record<string, FlagSpec>

export const NODE_USAGE = `usage:
  poai init --home DIR [--index I] [--seed S] [--listen MA] [--api-port P] [--json]
      create a validator home: keys.json (0600), public.json (public keys, libp2p peer id), config.json;
      random keys, or with --seed the simulator's keys of validator I (reproducible devnets)
  poai genesis --homes A,B,C [--out F] [--chain-id ID] [--seed S] [--users U] [--stake N]
               [--no-attestation] [--no-scoring]
      build a genesis from the directories' public.json (validators in that order), with U test
      accounts and a sim-TEE from seed S, and write genesis.json into each directory (and F)
  poai node --home DIR [--listen MA,..] [--peers MA,..] [--api-host H] [--api-port P]
            [--work-interval-ms T] [--volatile]
      run the validator: libp2p on --listen, dialing --peers (/ip4/../tcp/../p2p/<peer id>), the HTTP
      API and /metrics on H:P (default 127.0.0.1:26657), until SIGTERM or SIGINT

exit status: 0 ok; 1 a home or genesis that cannot be used, or a node that failed; 2 usage error`

const help = (args: ReadonlyArray<string>, io: Io): boolean => {
  if (args[0] !== "help" && args[0] !== "--help") return false
  io.out(`${NODE_USAGE}\n`)
  return true
}

const list = (s: string | undefined): string[] | undefined => (s === undefined ? undefined : s.split(",").map((x) => x.trim()).filter((x) => x.length > 0))
const need = (v: string | undefined, flag: string): string => {
  if (v === undefined) throw new UsageError(`--${flag} is required`)
  return v
}

/** Home errors are one line on stderr and exit 1 (they are not usage errors). */
const homeErrors = async (io: Io, f: () => Promise<number>): Promise<number> => {
  try {
    return await f()
  } catch (e) {
    if (e instanceof HomeError) {
      io.err(`poai: ${e.message}\n`)
      return 1
    }
    throw e
  }
}

/** CLI-NODE.1: `poai init --home DIR`: keys, public identity, settings. */
export const initCommand = (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  if (help(args, io)) return Promise.resolve(0)
  const f = parseFlags(INIT_FLAGS, args)
  const home = need(f.home, "home")
  return homeErrors(io, async () => {
    const pub = await initHome(nodeCryptoService, home, {
      ...(f.seed >= 0 ? { seed: f.seed } : {}),
      index: f.index,
      config: { ...(f.listen !== undefined ? { listen: list(f.listen) ?? [] } : {}), apiPort: f["api-port"] },
    })
    io.out(f.json ? `${JSON.stringify(pub)}\n` : `home ${home}\npubKey ${pub.pubKey}\nblsPubKey ${pub.blsPubKey}\npeerId ${pub.peerId}\n(share ${path.join(home, "public.json")} with whoever builds the genesis)\n`)
    return 0
  })
}

/** CLI-NODE.2: `poai genesis --homes A,B,C`: a genesis of these validators, in this order, written into each. */
export const genesisCommand = (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  if (help(args, io)) return Promise.resolve(0)
  const f = parseFlags(GENESIS_FLAGS, args)
  const homes = list(need(f.homes, "homes")) ?? []
  if (homes.length === 0) throw new UsageError("--homes needs at least one directory")
  return homeErrors(io, async () => {
    const g = buildGenesis(
      nodeCryptoService,
      homes.map((h) => readPublic(h)),
      { chainId: f["chain-id"] ?? "poai-devnet", seed: f.seed, users: f.users, attested: !f["no-attestation"], scoring: !f["no-scoring"], stake: f.stake },
    )
    for (const h of homes) writeGenesis(h, g)
    if (f.out !== undefined) {
      const dir = fs.mkdtempSync(path.join(path.dirname(path.resolve(f.out)), ".genesis-"))
      writeGenesis(dir, g)
      fs.renameSync(path.join(dir, "genesis.json"), f.out)
      fs.rmSync(dir, { recursive: true, force: true })
    }
    io.out(`genesis ${g.hash} chain ${g.genesis.chainId}: ${homes.length} validators, written to ${homes.map((h) => path.join(h, "genesis.json")).join(", ")}${f.out !== undefined ? ` and ${f.out}` : ""}\n`)
    return 0
  })
}

/** CLI-NODE.3, NODE-PROC.6: the persistent host (store, WAL, double-sign guard), or with --volatile the in-memory one. */
const hostFor = (volatile: boolean): ((o: HostOptions) => NodeHost | Promise<NodeHost>) => (volatile ? openVolatileHost : openHost)

/** CLI-NODE.3: `poai node --home DIR`: run one validator until SIGTERM / SIGINT (exit 0) or a host failure (exit 1). */
export const nodeCommand = (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  if (help(args, io)) return Promise.resolve(0)
  const f = parseFlags(NODE_FLAGS, args)
  const dir = need(f.home, "home")
  return homeErrors(io, async () => {
    const home = loadHome(nodeCryptoService, dir)
    let finish: (code: number) => void = () => undefined
    const done = new Promise<number>((r) => (finish = r))
    const node = await startNode({
      crypto: nodeCryptoService,
      home,
      openHost: hostFor(f.volatile),
      ...(f.listen !== undefined ? { listen: list(f.listen) ?? [] } : {}),
      ...(f.peers !== undefined ? { peers: list(f.peers) ?? [] } : {}),
      ...(f["api-host"] !== undefined ? { apiHost: f["api-host"] } : {}),
      ...(f["api-port"] >= 0 ? { apiPort: f["api-port"] } : {}),
      ...(f["work-interval-ms"] >= 0 ? { workIntervalMs: f["work-interval-ms"] } : {}),
      log: (line) => io.err(`[node ${home.index}] ${new Date().toISOString()} ${line}\n`),
      onFatal: () => finish(1),
    })
    const onSignal = () => finish(0)
    process.once("SIGTERM", onSignal)
    process.once("SIGINT", onSignal)
    if (f["stdin-lifeline"]) {
      process.stdin.on("end", onSignal).on("close", onSignal).on("error", onSignal)
      process.stdin.resume()
    }
    const code = await done
    process.off("SIGTERM", onSignal)
    process.off("SIGINT", onSignal)
    process.stdin.pause()
    await node.stop()
    io.err(`[node ${home.index}] stopped\n`)
    return code
  })
}
