// spec: VER-ATT.1..10 (spec/11), VER-X509.*, VER-SGX.* (spec/12), VER-SNP.*, VER-PSA.*, CLI-ATTEST.2..9 (spec/13)
// Handlers of the "attestation" suite (conformance/vectors/attestation/<handler>/, conformance/docs/attestation.md).
//   sgx_dcap, sev_snp, psa, sim: vendor evidence as an operator holds it (`poai attest verify` and
//     `inspect`): evidence bytes, vendor roots (PEM), optional expected report data and approved
//     measurements -> the facts, the zero padding dropped and what `poai attest inspect` prints, or
//     the ATT_* code of the first failing check.
//   unified: a unified attestation (VER-ATT.1) and the verifier's configuration and expectations ->
//     platform, measurement and device key, or the ATT_* code of VER-ATT.6's first failing step.
// Every run recomputes from the input with the code under src/verification.
import { Either } from "effect"
import { toHex } from "../../codec/Bytes.ts"
import { nodeCryptoService } from "../../crypto/NodeCrypto.ts"
import {
  PLATFORMS,
  verifyAttestation,
  type AttestationConfig,
  type AttestationPlatform,
  type PlatformAdapter,
} from "../../verification/Attestation.ts"
import { TEE_ADAPTERS } from "../../verification/tee/index.ts"
import { inspectOperatorEvidence, verifyOperatorEvidence } from "../../verification/tee/OperatorEvidence.ts"
import {
  ConformanceInputError,
  field,
  genericCases,
  hexField,
  str,
  type CaseResult,
  type HandlerDef,
  type Json,
  type JsonObject,
} from "../Types.ts"

const SUITE = "attestation"
export const ATTESTATION_FORMAT_VERSION = "1"

/** Handler name (snake case) of each platform. */
export const PLATFORM_HANDLERS: Readonly<Record<AttestationPlatform, string>> = {
  "sgx-dcap": "sgx_dcap",
  "sev-snp": "sev_snp",
  psa: "psa",
  sim: "sim",
}

const ED25519_SPKI_PREFIX = "302a300506032b6570032100"
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\s]*)-----END \1-----/g

/** The DER bytes of the PEM blocks in `text` (with their labels). */
export const pemBlocks = (text: string): Array<{ readonly label: string; readonly der: Uint8Array }> =>
  [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] as string, der: new Uint8Array(Buffer.from((m[2] ?? "").replace(/\s+/g, ""), "base64")) }))

/** PEM text of DER bytes under `label`, 64 base64 characters a line. */
export const toPemText = (label: string, der: Uint8Array): string =>
  `-----BEGIN ${label}-----\n${(Buffer.from(der).toString("base64").match(/.{1,64}/g) ?? []).join("\n")}\n-----END ${label}-----\n`

/**
 * One root as its platform's adapter takes it (VER-ATT.5): a CERTIFICATE's DER (sgx-dcap, sev-snp), a
 * PUBLIC KEY's DER SPKI (psa), the 32-byte key of an Ed25519 PUBLIC KEY (sim).
 */
const rootOf = (platform: AttestationPlatform, pem: Json): Uint8Array => {
  if (typeof pem !== "string") throw new ConformanceInputError("a root is not a PEM string")
  const blocks = pemBlocks(pem)
  if (blocks.length !== 1) throw new ConformanceInputError(`a root holds ${blocks.length} PEM blocks, expected one`)
  const { label, der } = blocks[0] as { label: string; der: Uint8Array }
  const want = platform === "sgx-dcap" || platform === "sev-snp" ? "CERTIFICATE" : "PUBLIC KEY"
  if (label !== want) throw new ConformanceInputError(`a ${platform} root is a ${want}, not a ${label}`)
  if (platform !== "sim") return der
  if (der.length !== 44 || toHex(der.subarray(0, 12)) !== ED25519_SPKI_PREFIX) throw new ConformanceInputError("a sim root is not an Ed25519 SPKI")
  return der.slice(12)
}

const rootsOf = (platform: AttestationPlatform, v: Json): Uint8Array[] => {
  if (!Array.isArray(v)) throw new ConformanceInputError("roots is not an array")
  return (v as ReadonlyArray<Json>).map((r) => rootOf(platform, r))
}

const optional = (input: Json, name: string): Json | undefined => (input as JsonObject)[name]

const hexList = (v: Json, name: string, bytes: number): string[] => {
  if (!Array.isArray(v)) throw new ConformanceInputError(`${name} is not an array`)
  return (v as ReadonlyArray<Json>).map((x) => {
    if (typeof x !== "string" || !new RegExp(`^[0-9a-f]{${2 * bytes}}$`).test(x)) throw new ConformanceInputError(`${name}: not ${bytes}-byte lowercase hex`)
    return x
  })
}

const certPem = (input: Json, name: string): Uint8Array | undefined => {
  const v = optional(input, name)
  if (v === undefined) return undefined
  return rootOf("sev-snp", v)
}

/** The verification time: informational (VER-X509.5: dates are not checked); must be an RFC 3339 UTC time. */
const checkTime = (input: Json): void => {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(str(input, "verification_time")))
    throw new ConformanceInputError("verification_time is not YYYY-MM-DDTHH:MM:SSZ")
}

/** The reference implementation of a platform handler (CLI-ATTEST.3, CLI-ATTEST.7..8, VER-TEE.2). */
export const runPlatform = (platform: AttestationPlatform, input: Json): CaseResult => {
  checkTime(input)
  const evidence = hexField(input, "evidence")
  const roots = rootsOf(platform, field(input, "roots"))
  const rd = optional(input, "report_data")
  const approved = optional(input, "approved_measurements")
  const table = optional(input, "cert_table")
  if (platform !== "sev-snp" && (optional(input, "vcek") ?? optional(input, "ask") ?? table) !== undefined)
    throw new ConformanceInputError("vcek, ask and cert_table are sev_snp inputs")
  const r = verifyOperatorEvidence(nodeCryptoService, {
    platform,
    evidence,
    roots,
    snp: { vcek: certPem(input, "vcek"), ask: certPem(input, "ask"), certTable: table === undefined ? undefined : hexField(input, "cert_table") },
    reportData: rd === undefined ? undefined : hexField(input, "report_data"),
    approved: approved === undefined ? undefined : new Set(hexList(approved, "approved_measurements", 32)),
  })
  if (Either.isLeft(r)) return { reject: r.left.error.code }
  const inspect = inspectOperatorEvidence(platform, evidence)
  if (Either.isLeft(inspect)) throw new Error(`verified evidence does not inspect: ${inspect.left.message}`)
  return {
    output: {
      measurement: toHex(r.right.measurement),
      report_data: toHex(r.right.reportData),
      padding: r.right.padding,
      inspect: inspect.right as JsonObject,
    },
  }
}

/** The reference implementation of the unified handler (VER-ATT.6). */
export const runUnified = (input: Json): CaseResult => {
  checkTime(input)
  const attestation = hexField(input, "attestation")
  const platformsV = field(input, "platforms")
  if (!Array.isArray(platformsV)) throw new ConformanceInputError("platforms is not an array")
  const adapters: Partial<Record<AttestationPlatform, PlatformAdapter>> = {}
  for (const p of platformsV as ReadonlyArray<Json>) {
    if (typeof p !== "string" || !(PLATFORMS as ReadonlyArray<string>).includes(p)) throw new ConformanceInputError(`unknown platform ${JSON.stringify(p)}`)
    adapters[p as AttestationPlatform] = TEE_ADAPTERS[p as AttestationPlatform]
  }
  const rootsV = field(input, "roots")
  if (rootsV === null || typeof rootsV !== "object" || Array.isArray(rootsV)) throw new ConformanceInputError("roots is not an object")
  const roots: Partial<Record<AttestationPlatform, ReadonlyArray<Uint8Array>>> = {}
  for (const [k, v] of Object.entries(rootsV as JsonObject)) {
    if (!(PLATFORMS as ReadonlyArray<string>).includes(k)) throw new ConformanceInputError(`roots: unknown platform ${k}`)
    roots[k as AttestationPlatform] = rootsOf(k as AttestationPlatform, v)
  }
  const config: AttestationConfig = {
    roots,
    approvedMeasurements: new Set(hexList(field(input, "approved_measurements"), "approved_measurements", 32)),
    adapters,
  }
  const e = field(input, "expected")
  const expected = {
    taskId: hexField(e, "task_id"),
    inputHash: hexField(e, "input_hash"),
    outputHash: hexField(e, "output_hash"),
    worker: hexField(e, "worker"),
    nonce: hexField(e, "nonce"),
  }
  const r = verifyAttestation(nodeCryptoService, config, attestation, expected)
  if (Either.isLeft(r)) return { reject: r.left.code }
  return {
    output: {
      platform: r.right.attestation.platform,
      measurement: toHex(r.right.attestation.measurement),
      device_pub_key: r.right.devicePubKey === undefined ? null : toHex(r.right.devicePubKey),
    },
  }
}

const platformHandler = (platform: AttestationPlatform, description: string, spec: ReadonlyArray<string>): HandlerDef => ({
  suite: SUITE,
  handler: PLATFORM_HANDLERS[platform],
  description,
  spec,
  formatVersion: ATTESTATION_FORMAT_VERSION,
  cases: genericCases,
  run: (input) => runPlatform(platform, input),
})

const COMMON = ["VER-ATT.4", "VER-ATT.9", "VER-X509.1", "VER-X509.2", "VER-X509.3", "VER-X509.4", "CLI-ATTEST.3", "CLI-ATTEST.7", "VER-TEE.2"]

export const handlers: ReadonlyArray<HandlerDef> = [
  platformHandler(
    "sgx-dcap",
    "Intel SGX DCAP ECDSA quotes (v3, v4) as `poai attest verify --platform sgx-dcap` checks them: PCK chain, QE report, attestation-key binding, quote signature, debug, report data, measurement; TDX quotes are ATT_UNSUPPORTED_TEE",
    [...COMMON, "VER-SGX.1", "VER-SGX.2", "VER-SGX.3", "VER-SGX.4", "VER-SGX.5", "VER-SGX.6", "VER-SGX.7", "VER-SGX.8"],
  ),
  platformHandler(
    "sev-snp",
    "AMD SEV-SNP attestation reports as `poai attest verify --platform sev-snp` checks them: poai's container, or a raw report with its VCEK and ASK or the extended report's certificate table; chain to the ARK, signature, debug policy, report data, measurement",
    [...COMMON, "VER-SNP.1", "VER-SNP.2", "VER-SNP.3", "VER-SNP.4", "VER-SNP.6", "VER-SNP.7", "VER-SNP.10", "VER-SNP.11", "CLI-ATTEST.8"],
  ),
  platformHandler(
    "psa",
    "Arm PSA attestation tokens (COSE_Sign1, RFC 9783) as `poai attest verify --platform psa` checks them: IAK by instance id, ES256 signature, debug lifecycle, 64-byte nonce, report data, measurement",
    ["VER-ATT.4", "VER-ATT.9", "CLI-ATTEST.3", "CLI-ATTEST.7", "VER-TEE.2", "VER-PSA.1", "VER-PSA.2", "VER-PSA.3", "VER-PSA.4", "VER-PSA.5", "VER-PSA.6", "VER-PSA.7", "VER-PSA.8", "VER-PSA.10"],
  ),
  platformHandler(
    "sim",
    "The software TEE's evidence (VER-ATT.10) as `poai attest verify --platform sim` checks it: device certificate under a sim root, report signature, report data, measurement",
    ["VER-ATT.4", "VER-ATT.9", "VER-ATT.10", "CLI-ATTEST.3", "VER-TEE.2"],
  ),
  {
    suite: SUITE,
    handler: "unified",
    description:
      "The unified attestation (VER-ATT.1) verified in the order of VER-ATT.6 against the verifier's configuration (adapters, vendor roots, approved measurements) and the claim's expectations (task, input, output, worker, nonce)",
    spec: ["VER-ATT.1", "VER-ATT.2", "VER-ATT.3", "VER-ATT.4", "VER-ATT.5", "VER-ATT.6", "VER-ATT.7", "VER-ATT.8", "VER-ATT.9", "VER-ATT.10"],
    formatVersion: ATTESTATION_FORMAT_VERSION,
    cases: genericCases,
    run: runUnified,
  },
]
