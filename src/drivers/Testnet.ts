// Deterministic test networks: keys, genesis and users derived from a seed (drivers and tests only).
import { concatBytes, u64be, utf8 } from "../codec/Bytes.ts"
import type { CoreContext } from "../core/Context.ts"
import { type Genesis, attestationSettings, validateGenesis } from "../core/Genesis.ts"
import { makeKeys } from "../core/Node.ts"
import type { NodeKeys } from "../core/NodeState.ts"
import { defaultParams, type Params } from "../core/Params.ts"

export interface TestnetSpec {
  readonly nodes: number
  readonly seed: number
  /** Stake per validator; defaults to 1000 each. */
  readonly stakes?: ReadonlyArray<number>
  readonly users?: number
  readonly params?: Partial<Params>
  readonly chainId?: string
}

export interface Testnet {
  readonly genesis: Genesis
  readonly keys: ReadonlyArray<NodeKeys>
  readonly users: ReadonlyArray<{ readonly secretKey: Uint8Array; readonly pubKey: Uint8Array }>
}

export const USER_BALANCE = 1_000_000_000
export const VALIDATOR_BALANCE = 1_000_000

const derive = (ctx: CoreContext, label: string, seed: number, i: number) =>
  ctx.crypto.sha256(concatBytes(utf8(`poai-testnet/${label}`), u64be(seed >>> 0), u64be(i)))

export const makeTestnet = (ctx: CoreContext, spec: TestnetSpec): Testnet => {
  const keys = Array.from({ length: spec.nodes }, (_, i) =>
    makeKeys(ctx, derive(ctx, "ed25519", spec.seed, i), derive(ctx, "bls", spec.seed, i)),
  )
  const users = Array.from({ length: spec.users ?? 32 }, (_, i) => {
    const secretKey = derive(ctx, "user", spec.seed, i)
    return { secretKey, pubKey: ctx.crypto.ed25519.publicKey(secretKey) }
  })
  const genesis: Genesis = {
    chainId: spec.chainId ?? "poai-sim",
    params: { ...defaultParams, ...spec.params },
    // LEDGER-GENESIS.3: the chain's settings are the context's, so the test network's nodes can run it
    attestation: ctx.attestation === undefined ? null : attestationSettings(ctx.attestation),
    scoring: ctx.scoring ?? null,
    validators: keys.map((k, i) => ({
      pubKey: k.pubKey,
      blsPubKey: ctx.crypto.bls.publicKey(k.blsSecret),
      stake: spec.stakes?.[i] ?? 1000,
    })),
    accounts: [
      ...keys.map((k) => ({ pubKey: k.pubKey, balance: VALIDATOR_BALANCE })),
      ...users.map((u) => ({ pubKey: u.pubKey, balance: USER_BALANCE })),
    ],
  }
  const errs = validateGenesis(genesis)
  if (errs.length > 0) throw new Error(`invalid test-network genesis: ${errs.join("; ")}`)
  return { genesis, keys, users }
}
