// spec: LEDGER-GENESIS.1..2 (spec/05-ledger.md), PARAMS.2 (spec/00-parameters.md)
import { DOMAIN, canonicalEncode, tagged } from "../codec/Canonical.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import { MAX_WIRE_BYTES } from "../codec/Canonical.ts"
import { MAX_BLOCK_AUDITS, MAX_BLOCK_COMMITMENTS, MAX_BLOCK_EVIDENCE, MAX_BLOCK_REVEALS, MAX_BLOCK_TXS } from "../domain/Block.ts"
import { MAX_VALIDATORS } from "../domain/Consensus.ts"
import { PPM } from "../domain/Primitives.ts"
import { MAX_ATTESTATION_BYTES, MAX_TASK_PARAMS_BYTES } from "../domain/Work.ts"
import type { Params } from "./Params.ts"

export interface GenesisValidator {
  readonly pubKey: Uint8Array
  readonly blsPubKey: Uint8Array
  readonly stake: number
}
export interface GenesisAccount {
  readonly pubKey: Uint8Array
  readonly balance: number
}
export interface Genesis {
  readonly chainId: string
  readonly validators: ReadonlyArray<GenesisValidator>
  readonly accounts: ReadonlyArray<GenesisAccount>
  readonly params: Params
}

/** beacon_0 = H(canonical genesis) (LE-BEACON.2). */
export const genesisHash = (sha256: Sha256, g: Genesis): Uint8Array =>
  sha256(
    tagged(
      DOMAIN.genesis,
      canonicalEncode({
        chainId: g.chainId,
        validators: g.validators.map((v) => [v.pubKey, v.blsPubKey, v.stake]),
        accounts: g.accounts.map((a) => [a.pubKey, a.balance]),
        params: g.params,
      }),
    ),
  )

/**
 * LEDGER-GENESIS.2, PARAMS.2: the checks a genesis must pass before a node runs on it. Returns every
 * violated constraint (empty = valid). `initNode` and the test-network builder refuse an invalid one.
 */
export const validateGenesis = (g: Genesis): ReadonlyArray<string> => {
  const errs: string[] = []
  const isUint = (x: number) => Number.isSafeInteger(x) && x >= 0
  if (!/^[a-z0-9-]{1,32}$/.test(g.chainId)) errs.push(`chainId '${g.chainId}' does not match ^[a-z0-9-]{1,32}$`)
  if (g.validators.length === 0) errs.push("no validators")
  if (g.validators.length > MAX_VALIDATORS) errs.push(`${g.validators.length} validators > MAX_VALIDATORS=${MAX_VALIDATORS}`)
  const keys = new Set<string>()
  let stake = 0
  for (const [i, v] of g.validators.entries()) {
    if (v.pubKey.length !== 32) errs.push(`validator ${i}: pubKey must be 32 bytes`)
    if (v.blsPubKey.length !== 48) errs.push(`validator ${i}: blsPubKey must be 48 bytes`)
    if (!isUint(v.stake)) errs.push(`validator ${i}: stake must be a safe non-negative integer`)
    const k = Buffer.from(v.pubKey).toString("hex")
    if (keys.has(k)) errs.push(`validator ${i}: duplicate pubKey`)
    keys.add(k)
    stake += v.stake
  }
  if (stake <= 0) errs.push("total validator stake must be positive (LE-DRAW.1)")
  let supply = 0
  for (const [i, a] of g.accounts.entries()) {
    if (a.pubKey.length !== 32) errs.push(`account ${i}: pubKey must be 32 bytes`)
    if (!isUint(a.balance)) errs.push(`account ${i}: balance must be a safe non-negative integer`)
    supply += a.balance
  }
  if (!Number.isSafeInteger(supply + stake)) errs.push("total supply exceeds 2^53 - 1")
  const p = g.params
  for (const [k, v] of Object.entries(p)) if (!isUint(v as number)) errs.push(`params.${k} must be a safe non-negative integer`)
  const atMost = (name: keyof Params, max: number) => {
    if (p[name] > max) errs.push(`params.${name}=${p[name]} exceeds ${max}`)
  }
  atMost("maxTxsPerBlock", MAX_BLOCK_TXS)
  atMost("maxCommitmentsPerBlock", MAX_BLOCK_COMMITMENTS)
  atMost("maxRevealsPerBlock", MAX_BLOCK_REVEALS)
  atMost("maxEvidencePerBlock", MAX_BLOCK_EVIDENCE)
  atMost("slashEquivocationPpm", PPM)
  atMost("auditPpm", PPM)
  atMost("maxAuditsPerBlock", MAX_BLOCK_AUDITS)
  const atLeast1 = (name: keyof Params) => {
    if (p[name] < 1) errs.push(`params.${name} must be >= 1`)
  }
  for (const k of ["revealWindow", "auditWindow", "gossipIntervalMs", "timeoutProposeMs", "timeoutPrevoteMs", "timeoutPrecommitMs", "timeoutCommitMs"] as const)
    atLeast1(k)
  // A proposal at the per-block limits must fit in one wire message (ENC-CBOR.4). Per-item upper bounds
  // on the encoded size, in bytes, are deliberately generous.
  const worst =
    4096 +
    p.maxTxsPerBlock * 200 +
    p.maxCommitmentsPerBlock * 200 +
    p.maxRevealsPerBlock * (MAX_ATTESTATION_BYTES + MAX_TASK_PARAMS_BYTES + 600) +
    p.maxEvidencePerBlock * 800 +
    p.maxAuditsPerBlock * 250 +
    Math.min(g.validators.length, MAX_VALIDATORS) * 120
  if (worst > MAX_WIRE_BYTES) errs.push(`a full block may take ${worst} bytes > MAX_WIRE_BYTES=${MAX_WIRE_BYTES}`)
  return errs
}
