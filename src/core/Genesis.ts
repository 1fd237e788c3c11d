// spec: LEDGER-GENESIS.1..4 (spec/05-ledger.md), PARAMS.2 (spec/00-parameters.md)
import { toHex } from "../codec/Bytes.ts"
import { DOMAIN, canonicalEncode, tagged } from "../codec/Canonical.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import { MAX_WIRE_BYTES } from "../codec/Canonical.ts"
import { MAX_BLOCK_AUDITS, MAX_BLOCK_COMMITMENTS, MAX_BLOCK_EVIDENCE, MAX_BLOCK_REVEALS, MAX_BLOCK_TXS } from "../domain/Block.ts"
import { MAX_VALIDATORS } from "../domain/Consensus.ts"
import { PPM } from "../domain/Primitives.ts"
import { MAX_ATTESTATION_BYTES, MAX_TASK_PARAMS_BYTES } from "../domain/Work.ts"
import { type QualityParams, validateQualityParams } from "../quality/QualityParams.ts"
import { type AttestationConfig, type AttestationPlatform, PLATFORMS } from "../verification/Attestation.ts"
import type { CoreContext } from "./Context.ts"
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
/**
 * LEDGER-GENESIS.3: the attestation settings of a chain (VER-AUDIT.4): the vendor roots per platform
 * and the approved code measurements (lower-case hex). Consensus data, not code: the platform adapters
 * that use them are the node's own (CoreContext.attestation.adapters).
 */
export interface GenesisAttestation {
  readonly roots: Partial<Record<AttestationPlatform, ReadonlyArray<Uint8Array>>>
  readonly approvedMeasurements: ReadonlyArray<string>
}

export interface Genesis {
  readonly chainId: string
  readonly validators: ReadonlyArray<GenesisValidator>
  readonly accounts: ReadonlyArray<GenesisAccount>
  readonly params: Params
  /** LEDGER-GENESIS.3: claims' attestations are verified with these settings; null: claims are not attested. */
  readonly attestation: GenesisAttestation | null
  /** LEDGER-GENESIS.3: claims are scored by evaluator committees with these parameters (QUAL-WIRE.1); null: Q(W) = v(t). */
  readonly scoring: QualityParams | null
}

/** The canonical form of the attestation settings: platforms in PLATFORMS order, measurements sorted. */
const attestationForm = (a: GenesisAttestation | null) =>
  a === null
    ? null
    : [PLATFORMS.filter((p) => a.roots[p] !== undefined).map((p) => [p, [...(a.roots[p] ?? [])]]), [...a.approvedMeasurements].sort()]

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
        attestation: attestationForm(g.attestation),
        scoring: g.scoring,
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
  // LEDGER-GENESIS.3
  if (g.attestation !== null) {
    const platforms = Object.keys(g.attestation.roots)
    if (platforms.length === 0) errs.push("attestation: no platform has roots")
    for (const p of platforms) {
      if (!(PLATFORMS as ReadonlyArray<string>).includes(p)) errs.push(`attestation: unknown platform '${p}'`)
      const roots = g.attestation.roots[p as AttestationPlatform] ?? []
      if (roots.length === 0 || roots.length > 16) errs.push(`attestation: platform ${p} needs 1..16 roots`)
      if (roots.some((r) => r.length === 0 || r.length > 8192)) errs.push(`attestation: a root of ${p} is empty or over 8192 bytes`)
    }
    const ms = g.attestation.approvedMeasurements
    if (ms.length > 4096) errs.push("attestation: more than 4096 approved measurements")
    if (ms.some((m) => !/^[0-9a-f]{2,128}$/.test(m) || m.length % 2 !== 0)) errs.push("attestation: measurements must be lower-case hex of 1..64 bytes")
    if (new Set(ms).size !== ms.length) errs.push("attestation: duplicate approved measurement")
  }
  if (g.scoring !== null) for (const e of validateQualityParams(g.scoring)) errs.push(`scoring: ${e}`)
  return errs
}

/** LEDGER-GENESIS.3: the attestation settings a context runs with, in genesis form. */
export const attestationSettings = (c: AttestationConfig): GenesisAttestation => ({
  roots: Object.fromEntries(PLATFORMS.filter((p) => c.roots[p] !== undefined).map((p) => [p, [...(c.roots[p] ?? [])]])),
  approvedMeasurements: [...c.approvedMeasurements].sort(),
})

/**
 * LEDGER-GENESIS.4: why this node cannot run this genesis (undefined: it can). Every setting that
 * changes block validity or execution is in the genesis; the node's context must run exactly those:
 * the same attestation roots and approved measurements, an adapter for every platform with roots, the
 * same scoring parameters. A node refuses to start otherwise (NODE-STEP.4), so two nodes with different
 * settings cannot silently diverge.
 */
export const genesisMismatch = (ctx: CoreContext, g: Genesis): string | undefined => {
  const errs = validateGenesis(g)
  if (errs.length > 0) return `invalid genesis: ${errs[0]}${errs.length > 1 ? ` (+${errs.length - 1} more)` : ""}`
  const form = (a: GenesisAttestation | null) => toHex(canonicalEncode(attestationForm(a)))
  const mine = ctx.attestation === undefined ? null : attestationSettings(ctx.attestation)
  if (form(mine) !== form(g.attestation))
    return g.attestation === null ? "this node verifies attestations; the genesis has none" : mine === null ? "the genesis requires attestations; this node has no attestation settings" : "attestation roots or approved measurements differ from the genesis"
  if (g.attestation !== null)
    for (const p of Object.keys(g.attestation.roots)) if (ctx.attestation?.adapters[p as AttestationPlatform] === undefined) return `no adapter for platform ${p}`
  const sc = (q: QualityParams | null | undefined) => (q == null ? "" : toHex(canonicalEncode(q)))
  if (sc(ctx.scoring) !== sc(g.scoring)) return g.scoring === null ? "this node scores claims; the genesis does not" : "scoring parameters differ from the genesis"
  return undefined
}
