// spec: NODE-HOME.1..5 (spec/20-node.md §Homes and genesis)
// A node's home directory: its keys, its public identity, its settings, the genesis it runs, and its
// database. `poai init` creates one, `poai genesis` writes the genesis into several, `poai node` runs one.
import * as fs from "node:fs"
import * as path from "node:path"
import { randomBytes } from "node:crypto"
import { Data } from "effect"
import { concatBytes, fromHex, toHex, u64be, utf8 } from "../../codec/Bytes.ts"
import type { CryptoService } from "../../crypto/Crypto.ts"
import { provisionalQuality, type CoreContext } from "../../core/Context.ts"
import { attestationSettings, genesisHash, validateGenesis, type Genesis } from "../../core/Genesis.ts"
import { makeKeys } from "../../core/Node.ts"
import type { NodeKeys } from "../../core/NodeState.ts"
import { defaultParams } from "../../core/Params.ts"
import { defaultQualityParams } from "../../quality/QualityParams.ts"
import { simAdapter } from "../../verification/SimTee.ts"
import { simAudit } from "../../verification/Verdicts.ts"
import { makeSimWorkers, simEvaluator } from "../SimWork.ts"
import { USER_BALANCE, VALIDATOR_BALANCE } from "../Testnet.ts"
import { identityOf } from "./P2p.ts"

export type HomeErrorCode = "HOME_EXISTS" | "HOME_MISSING" | "HOME_CORRUPT" | "GENESIS_INVALID" | "NOT_A_VALIDATOR"

/** A home that cannot be created or read; the message is one line. */
export class HomeError extends Data.TaggedError("HomeError")<{ readonly code: HomeErrorCode; readonly detail: string }> {
  override get message(): string {
    return `${this.code}: ${this.detail}`
  }
}

export const HOME_FILES = { keys: "keys.json", pub: "public.json", config: "config.json", genesis: "genesis.json", db: "db" } as const

export interface PublicInfo {
  readonly pubKey: string
  readonly blsPubKey: string
  readonly peerId: string
}

/** NODE-HOME.1: a node's settings; flags of `poai node` override them. */
export interface HomeConfig {
  readonly listen: ReadonlyArray<string>
  readonly peers: ReadonlyArray<string>
  readonly apiHost: string
  readonly apiPort: number
  /** Submit own (sim-executor) work every this many ms; 0: none. */
  readonly workIntervalMs: number
}

export const DEFAULT_CONFIG: HomeConfig = { listen: ["/ip4/0.0.0.0/tcp/26656"], peers: [], apiHost: "127.0.0.1", apiPort: 26657, workIntervalMs: 0 }

/** NODE-HOME.2: the genesis file: the genesis, the validators' peer ids by index, the sim-TEE seed. */
export interface GenesisFile {
  readonly genesis: Genesis
  readonly peerIds: ReadonlyArray<string>
  /** Seed of the sim-TEE root and devices (SIM-CHEAT.2) when the genesis requires attestations; else null. */
  readonly simSeed: number | null
  /** Hex of genesisHash: compare it across machines. */
  readonly hash: string
}

export interface Home {
  readonly dir: string
  readonly keys: NodeKeys
  readonly ed25519Seed: Uint8Array
  readonly config: HomeConfig
  readonly genesisFile: GenesisFile
  /** This validator's index in the genesis. */
  readonly index: number
}

// --- JSON form: byte strings as "0x" + hex ------------------------------------------------------

const toJson = (v: unknown): unknown =>
  v instanceof Uint8Array
    ? `0x${toHex(v)}`
    : Array.isArray(v)
      ? v.map(toJson)
      : v !== null && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]))
        : v
const fromJson = (v: unknown): unknown =>
  typeof v === "string" && /^0x(?:[0-9a-f]{2})*$/.test(v)
    ? fromHex(v.slice(2))
    : Array.isArray(v)
      ? v.map(fromJson)
      : v !== null && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== "__proto__").map(([k, x]) => [k, fromJson(x)]))
        : v

const readJson = (file: string, what: string, max = 16 << 20): unknown => {
  let text: string
  try {
    const st = fs.statSync(file)
    if (st.size > max) throw new HomeError({ code: "HOME_CORRUPT", detail: `${file}: ${what} is over ${max} bytes` })
    text = fs.readFileSync(file, "utf8")
  } catch (e) {
    if (e instanceof HomeError) throw e
    throw new HomeError({ code: "HOME_MISSING", detail: `${file}: cannot read the ${what}` })
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new HomeError({ code: "HOME_CORRUPT", detail: `${file}: the ${what} is not JSON` })
  }
}
const writeJson = (file: string, v: unknown, mode = 0o644) => fs.writeFileSync(file, `${JSON.stringify(v, null, 2)}\n`, { mode })

const hex32 = (v: unknown, file: string, field: string, len = 32): Uint8Array => {
  if (typeof v !== "string" || !new RegExp(`^[0-9a-f]{${2 * len}}$`).test(v)) throw new HomeError({ code: "HOME_CORRUPT", detail: `${file}: ${field} must be ${len} bytes of lower-case hex` })
  return fromHex(v)
}

// --- keys -------------------------------------------------------------------------------------------

/** SIM-TESTNET.1's derivation: with a seed, `poai init` gives validator i the simulator's keys. */
const derive = (crypto: CryptoService, label: string, seed: number, i: number) => crypto.sha256(concatBytes(utf8(`poai-testnet/${label}`), u64be(seed >>> 0), u64be(i)))

/** NODE-HOME.3: the test accounts of a devnet genesis: the simulator's users for that seed. */
export const devUsers = (crypto: CryptoService, seed: number, count: number) =>
  Array.from({ length: count }, (_, i) => {
    const secretKey = derive(crypto, "user", seed, i)
    return { secretKey, pubKey: crypto.ed25519.publicKey(secretKey) }
  })

/**
 * NODE-HOME.1: create a home: keys.json (mode 0600; random keys, or with `seed` the simulator's keys of
 * validator `index`), public.json (public keys and peer id) and config.json. Refuses an existing home.
 */
export const initHome = async (crypto: CryptoService, dir: string, opts: { readonly seed?: number; readonly index?: number; readonly config?: Partial<HomeConfig> } = {}): Promise<PublicInfo> => {
  if (fs.existsSync(path.join(dir, HOME_FILES.keys))) throw new HomeError({ code: "HOME_EXISTS", detail: `${dir} already holds ${HOME_FILES.keys}` })
  fs.mkdirSync(dir, { recursive: true })
  const i = opts.index ?? 0
  const ed = opts.seed === undefined ? new Uint8Array(randomBytes(32)) : derive(crypto, "ed25519", opts.seed, i)
  const bls = opts.seed === undefined ? new Uint8Array(randomBytes(32)) : derive(crypto, "bls", opts.seed, i)
  const keys = makeKeys({ crypto, quality: provisionalQuality }, ed, bls)
  const pub: PublicInfo = { pubKey: keys.pubHex, blsPubKey: toHex(crypto.bls.publicKey(bls)), peerId: (await identityOf(crypto.sha256, ed)).peerId }
  writeJson(path.join(dir, HOME_FILES.keys), { ed25519Seed: toHex(ed), blsSeed: toHex(bls) }, 0o600)
  writeJson(path.join(dir, HOME_FILES.pub), pub)
  writeJson(path.join(dir, HOME_FILES.config), { ...DEFAULT_CONFIG, ...opts.config })
  return pub
}

/** NODE-HOME.1: rewrite a home's settings (the devnet sets each node's peers once all homes exist). */
export const writeConfig = (dir: string, config: HomeConfig) => writeJson(path.join(dir, HOME_FILES.config), config)

/** The public identity of a home (or of a directory holding only a copy of its public.json). */
export const readPublic = (dir: string): PublicInfo => {
  const file = path.join(dir, HOME_FILES.pub)
  const j = readJson(file, "public identity") as Record<string, unknown>
  hex32(j.pubKey, file, "pubKey")
  hex32(j.blsPubKey, file, "blsPubKey", 48)
  if (typeof j.peerId !== "string" || !/^[1-9A-HJ-NP-Za-km-z]{20,80}$/.test(j.peerId)) throw new HomeError({ code: "HOME_CORRUPT", detail: `${file}: peerId is not a base58 peer id` })
  return { pubKey: j.pubKey as string, blsPubKey: j.blsPubKey as string, peerId: j.peerId }
}

// --- genesis ----------------------------------------------------------------------------------------

/** NODE-HOME.3: the default stake of a validator: SIM_STAKE of the simulator (SIM-NET.1), without loading the simulator. */
export const DEVNET_STAKE = 1_000_000

export interface GenesisOptions {
  readonly chainId: string
  /** Seed of the devnet's test accounts and of its sim-TEE (NODE-HOME.3). */
  readonly seed: number
  readonly users: number
  readonly attested: boolean
  readonly scoring: boolean
  readonly stake: number
  readonly params?: Partial<Genesis["params"]>
}

/** NODE-HOME.3: the genesis of the validators `pubs`, in that order, and their peer ids. */
export const buildGenesis = (crypto: CryptoService, pubs: ReadonlyArray<PublicInfo>, o: GenesisOptions): GenesisFile => {
  const attestation = o.attested ? attestationSettings(makeSimWorkers(crypto, o.seed, pubs.length).config) : null
  const genesis: Genesis = {
    chainId: o.chainId,
    params: { ...defaultParams, ...o.params },
    attestation,
    scoring: o.scoring ? defaultQualityParams : null,
    validators: pubs.map((p) => ({ pubKey: fromHex(p.pubKey), blsPubKey: fromHex(p.blsPubKey), stake: o.stake })),
    accounts: [...pubs.map((p) => ({ pubKey: fromHex(p.pubKey), balance: VALIDATOR_BALANCE })), ...devUsers(crypto, o.seed, o.users).map((u) => ({ pubKey: u.pubKey, balance: USER_BALANCE }))],
  }
  const errs = validateGenesis(genesis)
  if (errs.length > 0) throw new HomeError({ code: "GENESIS_INVALID", detail: errs[0] as string })
  if (new Set(pubs.map((p) => p.peerId)).size !== pubs.length) throw new HomeError({ code: "GENESIS_INVALID", detail: "two validators share a peer id" })
  return { genesis, peerIds: pubs.map((p) => p.peerId), simSeed: o.attested ? o.seed : null, hash: toHex(genesisHash(crypto.sha256, genesis)) }
}

export const writeGenesis = (dir: string, g: GenesisFile) => writeJson(path.join(dir, HOME_FILES.genesis), toJson({ format: "poai-genesis/1", ...g }))

/** NODE-HOME.2: read and check a genesis file: valid genesis, one peer id per validator, hash matches. */
export const readGenesis = (crypto: CryptoService, file: string): GenesisFile => {
  const j = fromJson(readJson(file, "genesis")) as Record<string, unknown>
  const bad = (detail: string) => new HomeError({ code: "GENESIS_INVALID", detail: `${file}: ${detail}` })
  if (j.format !== "poai-genesis/1") throw bad("format is not poai-genesis/1")
  const g = j.genesis as Genesis
  let errs: ReadonlyArray<string>
  try {
    errs = validateGenesis(g)
  } catch {
    errs = ["the genesis is missing fields"]
  }
  if (errs.length > 0) throw bad(errs[0] as string)
  const peerIds = j.peerIds
  if (!Array.isArray(peerIds) || peerIds.length !== g.validators.length || peerIds.some((p) => typeof p !== "string")) throw bad("peerIds must list one peer id per validator")
  const simSeed = j.simSeed
  if (simSeed !== null && !(typeof simSeed === "number" && Number.isSafeInteger(simSeed) && simSeed >= 0)) throw bad("simSeed must be null or a non-negative integer")
  const hash = toHex(genesisHash(crypto.sha256, g))
  if (j.hash !== hash) throw bad(`hash ${String(j.hash).slice(0, 16)} is not the genesis hash ${hash.slice(0, 16)}`)
  return { genesis: g, peerIds: peerIds as string[], simSeed: simSeed as number | null, hash }
}

/** NODE-HOME.4: load a home: keys, settings, genesis, and this validator's index in it. */
export const loadHome = (crypto: CryptoService, dir: string): Home => {
  const kf = path.join(dir, HOME_FILES.keys)
  const k = readJson(kf, "keys") as Record<string, unknown>
  const ed = hex32(k.ed25519Seed, kf, "ed25519Seed")
  const bls = hex32(k.blsSeed, kf, "blsSeed")
  const keys = makeKeys({ crypto, quality: provisionalQuality }, ed, bls)
  const cf = path.join(dir, HOME_FILES.config)
  const c = readJson(cf, "config") as Record<string, unknown>
  const strings = (v: unknown, f: string) => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new HomeError({ code: "HOME_CORRUPT", detail: `${cf}: ${f} must be a list of multiaddrs` })
    return v as string[]
  }
  const int = (v: unknown, f: string, max: number) => {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > max) throw new HomeError({ code: "HOME_CORRUPT", detail: `${cf}: ${f} must be an integer in 0..${max}` })
    return v
  }
  if (typeof c.apiHost !== "string") throw new HomeError({ code: "HOME_CORRUPT", detail: `${cf}: apiHost must be a host name or address` })
  const config: HomeConfig = { listen: strings(c.listen, "listen"), peers: strings(c.peers, "peers"), apiHost: c.apiHost, apiPort: int(c.apiPort, "apiPort", 65535), workIntervalMs: int(c.workIntervalMs, "workIntervalMs", 86_400_000) }
  const genesisFile = readGenesis(crypto, path.join(dir, HOME_FILES.genesis))
  const index = genesisFile.genesis.validators.findIndex((v) => toHex(v.pubKey) === keys.pubHex)
  if (index < 0) throw new HomeError({ code: "NOT_A_VALIDATOR", detail: `${dir}: this home's key ${keys.pubHex.slice(0, 16)} is not a validator of the genesis` })
  return { dir, keys, ed25519Seed: ed, config, genesisFile, index }
}

/**
 * NODE-HOME.5: the consensus context of a genesis: the attestation settings it names (sim-TEE adapter),
 * its scoring parameters, the reference executor's audits and truthful scoring (SIM-EVAL.1).
 */
export const chainContext = (crypto: CryptoService, g: Genesis): CoreContext => ({
  crypto,
  quality: provisionalQuality,
  ...(g.attestation !== null ? { attestation: { roots: g.attestation.roots, approvedMeasurements: new Set(g.attestation.approvedMeasurements), adapters: { sim: simAdapter } } } : {}),
  ...(g.scoring !== null ? { scoring: g.scoring, evaluator: simEvaluator(crypto, false, new Set()) } : {}),
  verifier: (req) => simAudit(crypto.sha256, req),
})
