// spec: CLI-ATTEST.1..6 (spec/13-tee-sev-snp-psa.md)
// `poai attest inspect|verify`: parse TEE vendor evidence and show its fields, or check it against
// vendor roots with the platform adapter. Exit status: 0 parsed / valid; 1 invalid evidence (chain,
// signature, binding, measurement); 2 usage error, unreadable file, or evidence that does not parse.
import * as fs from "node:fs"
import { Either } from "effect"
import { bytesEqual, toHex } from "../codec/Bytes.ts"
import { nodeCryptoService } from "../crypto/NodeCrypto.ts"
import { AttestationError, PLATFORMS, type AttestationPlatform } from "../verification/Attestation.ts"
import { TEE_ADAPTERS, inspectEvidence } from "../verification/tee/index.ts"
import { parseIak } from "../verification/tee/Psa.ts"
import { parseCertDer } from "../verification/tee/X509.ts"
import { parseFlags, type FlagSpec, UsageError } from "./Flags.ts"
import type { Io } from "./main.ts"

export const ATTEST_USAGE = `usage:
  poai attest inspect --platform P FILE
      print the fields of the vendor evidence in FILE as JSON (structure only: no chain or signature check)
  poai attest verify --platform P --root FILE [--root FILE]... [--report-data HEX] [--measurement HEX] [--json] FILE
      check the vendor evidence in FILE against the vendor roots and print a verdict

  P is one of ${PLATFORMS.join("|")}. Evidence files are binary:
    sgx-dcap  an SGX DCAP ECDSA quote (v3)                      roots: CERTIFICATE (PEM or DER), the Intel SGX root CA
    sev-snp   poai's CBOR {report, vcek, ask}, or for inspect     roots: CERTIFICATE (PEM or DER), the AMD ARK
              also a raw 1184-byte ATTESTATION_REPORT
    psa       a PSA attestation token (COSE_Sign1)              roots: PUBLIC KEY (PEM or DER SPKI), the P-256 IAKs
    sim       poai's CBOR SimEvidence                           roots: 32-byte Ed25519 sim root key (raw or hex text)
  A PEM root file may hold several blocks; each is one root.
  --report-data HEX   the 64-byte report data the evidence must carry (128 hex digits)
  --measurement HEX   the 32-byte poai measurement the evidence must map to (64 hex digits)
  --json              print one JSON object {valid, platform, code?, detail?, measurement, report_data}

exit status: 0 parsed (inspect) or valid (verify); 1 invalid evidence; 2 usage error, unreadable
file, or evidence that does not parse`

const INSPECT_FLAGS = {
  platform: { kind: "enum", values: PLATFORMS, default: "" },
} as const satisfies Record<string, FlagSpec>

const VERIFY_FLAGS = {
  platform: { kind: "enum", values: PLATFORMS, default: "" },
  "report-data": { kind: "string", default: undefined },
  measurement: { kind: "string", default: undefined },
  json: { kind: "bool" },
} as const satisfies Record<string, FlagSpec>

interface SplitArgs {
  readonly flags: ReadonlyArray<string>
  readonly roots: ReadonlyArray<string>
  readonly positional: ReadonlyArray<string>
}

/** Separate the positional FILE and the repeatable `--root` from the flags parseFlags reads (CLI-ATTEST.1). */
const splitArgs = (args: ReadonlyArray<string>, specs: Record<string, FlagSpec>, allowRoot: boolean): SplitArgs => {
  const flags: string[] = []
  const roots: string[] = []
  const positional: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    if (!a.startsWith("--")) {
      positional.push(a)
      continue
    }
    const eq = a.indexOf("=")
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2)
    if (name === "root" && allowRoot) {
      const v = eq >= 0 ? a.slice(eq + 1) : args[++i]
      if (v === undefined || v.length === 0 || (eq < 0 && v.startsWith("--"))) throw new UsageError("--root needs a file")
      roots.push(v)
      continue
    }
    flags.push(a)
    const spec = specs[name]
    if (eq < 0 && spec !== undefined && spec.kind !== "bool") {
      const v = args[i + 1]
      if (v !== undefined && !v.startsWith("--")) {
        flags.push(v)
        i++
      }
    }
  }
  return { flags, roots, positional }
}

const oneFile = (positional: ReadonlyArray<string>): string => {
  if (positional.length === 0) throw new UsageError("missing evidence FILE")
  if (positional.length > 1) throw new UsageError(`expected one evidence FILE, got ${positional.length}: ${positional.join(" ")}`)
  return positional[0] as string
}

const platformOf = (p: string): AttestationPlatform => {
  if (p === "") throw new UsageError(`--platform is required (${PLATFORMS.join("|")})`)
  return p as AttestationPlatform
}

class InputError extends Error {
  override readonly name = "InputError"
}

const readFile = (file: string, what: string): Uint8Array => {
  try {
    return new Uint8Array(fs.readFileSync(file))
  } catch (e) {
    throw new InputError(`cannot read ${what} '${file}': ${e instanceof Error ? e.message : String(e)}`)
  }
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\s]*)-----END \1-----/g

/** The roots in one --root file (CLI-ATTEST.4): every PEM block, else the file as one DER (or raw) value. */
const rootsFromFile = (platform: AttestationPlatform, file: string): Uint8Array[] => {
  const bytes = readFile(file, "root file")
  const text = Buffer.from(bytes).toString("latin1")
  let values: Uint8Array[]
  if (text.includes("-----BEGIN ")) {
    values = []
    for (const m of text.matchAll(PEM)) values.push(new Uint8Array(Buffer.from((m[2] ?? "").replace(/\s+/g, ""), "base64")))
    if (values.length === 0) throw new InputError(`root file '${file}' has no complete PEM block`)
  } else if (platform === "sim" && /^\s*[0-9a-fA-F]{64}\s*$/.test(text)) values = [new Uint8Array(Buffer.from(text.trim(), "hex"))]
  else values = [bytes]
  for (const [i, v] of values.entries()) {
    const where = values.length > 1 ? `root ${i} in '${file}'` : `root file '${file}'`
    switch (platform) {
      case "sgx-dcap":
      case "sev-snp": {
        const c = parseCertDer(v)
        if (Either.isLeft(c)) throw new InputError(`${where} is not a DER certificate: ${c.left.detail}`)
        break
      }
      case "psa":
        if (parseIak(v) === null) throw new InputError(`${where} is not a P-256 SubjectPublicKeyInfo`)
        break
      case "sim":
        if (v.length !== 32) throw new InputError(`${where} is not a 32-byte Ed25519 public key`)
        break
    }
  }
  return values
}

const hexArg = (name: string, v: string | undefined, bytes: number): Uint8Array | undefined => {
  if (v === undefined) return undefined
  if (!new RegExp(`^[0-9a-fA-F]{${2 * bytes}}$`).test(v)) throw new UsageError(`--${name} expects ${2 * bytes} hex digits (${bytes} bytes)`)
  return new Uint8Array(Buffer.from(v, "hex"))
}

const jsonSafe = (_k: string, v: unknown): unknown =>
  typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? toHex(v) : v

/** CLI-ATTEST.2 */
const inspectCommand = (args: ReadonlyArray<string>, io: Io): number => {
  const s = splitArgs(args, INSPECT_FLAGS, false)
  const f = parseFlags(INSPECT_FLAGS, s.flags)
  const platform = platformOf(f.platform)
  const file = oneFile(s.positional)
  const r = inspectEvidence(platform, readFile(file, "evidence file"))
  if (Either.isLeft(r)) {
    io.err(`poai attest: ${r.left.message}\n`)
    return 2
  }
  io.out(`${JSON.stringify(r.right, jsonSafe, 2)}\n`)
  return 0
}

/** CLI-ATTEST.3..5 */
const verifyCommand = (args: ReadonlyArray<string>, io: Io): number => {
  const s = splitArgs(args, VERIFY_FLAGS, true)
  const f = parseFlags(VERIFY_FLAGS, s.flags)
  const platform = platformOf(f.platform)
  const file = oneFile(s.positional)
  const wantReportData = hexArg("report-data", f["report-data"], 64)
  const wantMeasurement = hexArg("measurement", f.measurement, 32)
  if (s.roots.length === 0) throw new UsageError("verify needs at least one --root FILE")
  const roots = s.roots.flatMap((r) => rootsFromFile(platform, r))
  const evidence = readFile(file, "evidence file")
  const facts = TEE_ADAPTERS[platform].verifyEvidence(nodeCryptoService, evidence, roots)
  let err: AttestationError | undefined
  let measurement: string | null = null
  let reportData: string | null = null
  if (Either.isLeft(facts)) err = facts.left
  else {
    measurement = toHex(facts.right.measurement)
    reportData = toHex(facts.right.reportData)
    if (wantReportData !== undefined && !bytesEqual(wantReportData, facts.right.reportData))
      err = new AttestationError({ code: "ATT_BINDING_MISMATCH", detail: "report data differs from --report-data" })
    else if (wantMeasurement !== undefined && !bytesEqual(wantMeasurement, facts.right.measurement))
      err = new AttestationError({ code: "ATT_MEASUREMENT_NOT_APPROVED", detail: "measurement differs from --measurement" })
  }
  const code = err === undefined ? 0 : err.code === "ATT_DECODE" ? 2 : 1
  if (f.json) {
    const o = err === undefined
      ? { valid: true, platform, measurement, report_data: reportData }
      : { valid: false, platform, code: err.code, detail: err.detail, measurement, report_data: reportData }
    io.out(`${JSON.stringify(o)}\n`)
  } else if (err === undefined) io.out(`valid: ${platform} evidence verifies; measurement ${measurement}, report data ${reportData}\n`)
  else io.out(`invalid: ${err.code}${err.detail ? `: ${err.detail}` : ""}\n`)
  if (code === 2 && err !== undefined) io.err(`poai attest: ${err.code}: ${err.detail}\n`)
  return code
}

/** `poai attest SUBCOMMAND ...` (CLI-ATTEST.1). Returns the exit status; never calls process.exit. */
export const attestCommand = (args: ReadonlyArray<string>, io: Io): number => {
  const [sub, ...rest] = args
  try {
    switch (sub) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(`${ATTEST_USAGE}\n`)
        return sub === undefined ? 2 : 0
      case "inspect":
        return inspectCommand(rest, io)
      case "verify":
        return verifyCommand(rest, io)
      default:
        throw new UsageError(`unknown attest subcommand '${sub}' (inspect|verify)`)
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`poai attest: ${e.message}\nrun 'poai attest help' for usage\n`)
      return 2
    }
    if (e instanceof InputError) {
      io.err(`poai attest: ${e.message}\n`)
      return 2
    }
    throw e
  }
}
