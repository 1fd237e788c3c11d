// spec: CLI-ATTEST.1..9 (spec/13-tee-sev-snp-psa.md)
// `poai attest inspect|verify`: parse TEE vendor evidence and show its fields, or check it against
// vendor roots with the platform adapter. Input files are read bounded (regular files only, at most
// the platform's size limit + 1 byte), so /dev/zero, a FIFO or a huge file cannot exhaust memory or
// hang. Exit status: 0 parsed / valid; 1 rejected evidence (any ATT_* code, ATT_DECODE included);
// 2 usage error, unreadable or non-regular file, unusable root or certificate file.
import * as fs from "node:fs"
import { Either } from "effect"
import { toHex } from "../codec/Bytes.ts"
import { nodeCryptoService } from "../crypto/NodeCrypto.ts"
import { AttestationError, PLATFORMS, type AttestationPlatform } from "../verification/Attestation.ts"
import {
  MAX_OPERATOR_EVIDENCE_BYTES,
  inspectOperatorEvidence,
  isRawSnpReport,
  verifyOperatorEvidence,
} from "../verification/tee/OperatorEvidence.ts"
import { parseIak } from "../verification/tee/Psa.ts"
import { SNP_MAX_CERT_TABLE_BYTES } from "../verification/tee/SevSnp.ts"
import { parseCertDer } from "../verification/tee/X509.ts"
import { parseFlags, type FlagSpec, UsageError } from "./Flags.ts"
import type { Io } from "./Io.ts"

export const ATTEST_USAGE = `usage:
  poai attest inspect --platform P FILE
      print the fields of the vendor evidence in FILE as JSON (structure only: no chain or signature check)
  poai attest verify --platform P --root FILE [--root FILE]... [--report-data HEX] [--measurement HEX]
                     [--vcek FILE --ask FILE | --certs FILE] [--ark FILE] [--json] FILE
      check the vendor evidence in FILE against the vendor roots and print a verdict

  P is one of ${PLATFORMS.join("|")}. Evidence files are binary, at most ${MAX_OPERATOR_EVIDENCE_BYTES} bytes:
    sgx-dcap  an SGX DCAP ECDSA quote (v3 or v4)                roots: CERTIFICATE (PEM or DER), the Intel SGX root CA
    sev-snp   a raw 1184-byte ATTESTATION_REPORT, or poai's     roots: CERTIFICATE (PEM or DER), the AMD ARK
              CBOR {report, vcek, ask}
    psa       a PSA attestation token (COSE_Sign1)              roots: PUBLIC KEY (PEM or DER SPKI), the P-256 IAKs
    sim       poai's CBOR SimEvidence                           roots: Ed25519 sim root key (32 bytes raw, hex text, or PEM SPKI)
  Quotes, reports and tokens may be followed by zero bytes (a fixed-size buffer): the padding is
  dropped and reported; any other byte after the evidence rejects it. Intel TDX quotes (tee_type
  0x81) are not supported: ATT_UNSUPPORTED_TEE.
  A PEM root file may hold several blocks; each is one root.
  --vcek FILE, --ask FILE   (sev-snp, raw report) the VCEK and ASK certificates, PEM or DER
  --certs FILE        (sev-snp, raw report) the certificate table of SNP_GET_EXT_REPORT (VCEK, ASK, ARK by GUID);
                      its ARK is not trusted: the root comes from --root or --ark
  --ark FILE          (sev-snp) the AMD ARK certificate, PEM or DER: a root, like --root
  --report-data HEX   the 64-byte report data the evidence must carry (128 hex digits)
  --measurement HEX   the 32-byte poai measurement the evidence must map to (64 hex digits)
  --json              print one JSON object {valid, platform, code?, detail?, measurement, report_data, padding}

exit status: 0 parsed (inspect) or valid (verify); 1 rejected evidence (every ATT_* code, including
evidence that does not parse); 2 usage error, unreadable or non-regular file, unusable root or certificate`

const INSPECT_FLAGS = {
  platform: { kind: "enum", values: PLATFORMS, default: "" },
} as const satisfies Record<string, FlagSpec>

const VERIFY_FLAGS = {
  platform: { kind: "enum", values: PLATFORMS, default: "" },
  "report-data": { kind: "string", default: undefined },
  measurement: { kind: "string", default: undefined },
  vcek: { kind: "string", default: undefined },
  ask: { kind: "string", default: undefined },
  certs: { kind: "string", default: undefined },
  json: { kind: "bool" },
} as const satisfies Record<string, FlagSpec>

/** Largest root, certificate or certificate-table file read. */
const MAX_AUX_FILE_BYTES = SNP_MAX_CERT_TABLE_BYTES

interface SplitArgs {
  readonly flags: ReadonlyArray<string>
  readonly roots: ReadonlyArray<string>
  readonly positional: ReadonlyArray<string>
}

/** Separate the positional FILE and the repeatable `--root`/`--ark` from the flags parseFlags reads (CLI-ATTEST.1). */
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
    if ((name === "root" || name === "ark") && allowRoot) {
      const v = eq >= 0 ? a.slice(eq + 1) : args[++i]
      if (v === undefined || v.length === 0 || (eq < 0 && v.startsWith("--"))) throw new UsageError(`--${name} needs a file`)
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

/** `--platform tdx` is answered plainly (CLI-ATTEST.1): Intel TDX is not a supported platform. */
const refuseTdx = (args: ReadonlyArray<string>): void => {
  for (let i = 0; i < args.length; i++)
    if (args[i] === "--platform=tdx" || (args[i] === "--platform" && args[i + 1] === "tdx"))
      throw new UsageError("Intel TDX is not supported (a TDX quote given as sgx-dcap is rejected with ATT_UNSUPPORTED_TEE; spec/12 VER-SGX.1)")
}

const platformOf = (p: string): AttestationPlatform => {
  if (p === "") throw new UsageError(`--platform is required (${PLATFORMS.join("|")})`)
  return p as AttestationPlatform
}

class InputError extends Error {
  override readonly name = "InputError"
}

/**
 * Read at most `limit + 1` bytes of a regular file (CLI-ATTEST.9): anything else (a directory, a
 * device such as /dev/zero, a FIFO, a socket) is refused before it is read, and a FIFO is opened
 * non-blocking so that a missing writer cannot hang the command. `oversize` says the file has more
 * than `limit` bytes (only `limit + 1` were read).
 */
export const readBounded = (file: string, what: string, limit: number): { readonly bytes: Uint8Array; readonly oversize: boolean } => {
  const fail = (why: string): never => {
    throw new InputError(`cannot read ${what} '${file}': ${why}`)
  }
  let fd: number | undefined
  try {
    const st = fs.statSync(file)
    if (!st.isFile()) fail("not a regular file")
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)
    if (!fs.fstatSync(fd).isFile()) fail("not a regular file")
    const buf = new Uint8Array(limit + 1)
    let n = 0
    while (n < buf.length) {
      const k = fs.readSync(fd, buf, n, buf.length - n, null)
      if (k === 0) break
      n += k
    }
    return { bytes: buf.slice(0, Math.min(n, limit)), oversize: n > limit }
  } catch (e) {
    if (e instanceof InputError) throw e
    return fail(e instanceof Error ? e.message : String(e))
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/** An auxiliary file (root, certificate, table): bounded, and over the limit is an input error. */
const readAux = (file: string, what: string): Uint8Array => {
  const r = readBounded(file, what, MAX_AUX_FILE_BYTES)
  if (r.oversize) throw new InputError(`${what} '${file}' is larger than ${MAX_AUX_FILE_BYTES} bytes`)
  return r.bytes
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\s]*)-----END \1-----/g
/** DER SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410). */
const ED25519_SPKI_PREFIX = "302a300506032b6570032100"

/** The DER values of a file: every PEM block, else the whole file. */
const pemOrDer = (bytes: Uint8Array, file: string): Uint8Array[] => {
  const text = Buffer.from(bytes).toString("latin1")
  if (!text.includes("-----BEGIN ")) return [bytes]
  const values: Uint8Array[] = []
  for (const m of text.matchAll(PEM)) values.push(new Uint8Array(Buffer.from((m[2] ?? "").replace(/\s+/g, ""), "base64")))
  if (values.length === 0) throw new InputError(`'${file}' has no complete PEM block`)
  return values
}

/** The roots in one --root/--ark file (CLI-ATTEST.4): every PEM block, else the file as one DER (or raw) value. */
const rootsFromFile = (platform: AttestationPlatform, file: string): Uint8Array[] => {
  const bytes = readAux(file, "root file")
  const text = Buffer.from(bytes).toString("latin1")
  let values: Uint8Array[]
  if (platform === "sim" && !text.includes("-----BEGIN ") && /^\s*[0-9a-fA-F]{64}\s*$/.test(text))
    values = [new Uint8Array(Buffer.from(text.trim(), "hex"))]
  else values = pemOrDer(bytes, file)
  for (const [i, v0] of values.entries()) {
    let v = v0
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
        if (v.length === 44 && toHex(v.subarray(0, 12)) === ED25519_SPKI_PREFIX) v = v.slice(12)
        if (v.length !== 32) throw new InputError(`${where} is not a 32-byte Ed25519 public key`)
        values[i] = v
        break
    }
  }
  return values
}

/** One DER certificate from a PEM or DER file (--vcek, --ask). */
const certFromFile = (file: string, what: string): Uint8Array => {
  const values = pemOrDer(readAux(file, `${what} file`), file)
  if (values.length !== 1) throw new InputError(`${what} file '${file}' holds ${values.length} PEM blocks, expected one certificate`)
  const v = values[0] as Uint8Array
  const c = parseCertDer(v)
  if (Either.isLeft(c)) throw new InputError(`${what} file '${file}' is not a certificate: ${c.left.detail}`)
  return v
}

/** The evidence file: bounded to the platform's limit; over it is rejected evidence (ATT_DECODE), not a usage error. */
const readEvidence = (file: string): { readonly bytes: Uint8Array; readonly oversize: boolean } =>
  readBounded(file, "evidence file", MAX_OPERATOR_EVIDENCE_BYTES)

const oversizeError = (): AttestationError =>
  new AttestationError({ code: "ATT_DECODE", detail: `evidence file is larger than ${MAX_OPERATOR_EVIDENCE_BYTES} bytes` })

const hexArg = (name: string, v: string | undefined, bytes: number): Uint8Array | undefined => {
  if (v === undefined) return undefined
  if (!new RegExp(`^[0-9a-fA-F]{${2 * bytes}}$`).test(v)) throw new UsageError(`--${name} expects ${2 * bytes} hex digits (${bytes} bytes)`)
  return new Uint8Array(Buffer.from(v, "hex"))
}

const rejectLine = (e: AttestationError): string => `poai attest: ${e.code}${e.detail ? `: ${e.detail}` : ""}\n`

/** CLI-ATTEST.2 */
const inspectCommand = (args: ReadonlyArray<string>, io: Io): number => {
  refuseTdx(args)
  const s = splitArgs(args, INSPECT_FLAGS, false)
  const f = parseFlags(INSPECT_FLAGS, s.flags)
  const platform = platformOf(f.platform)
  const file = oneFile(s.positional)
  const ev = readEvidence(file)
  const r = ev.oversize ? Either.left(oversizeError()) : inspectOperatorEvidence(platform, ev.bytes)
  if (Either.isLeft(r)) {
    io.err(rejectLine(r.left))
    return 1
  }
  io.out(`${JSON.stringify(r.right, null, 2)}\n`)
  return 0
}

/** CLI-ATTEST.3..9 */
const verifyCommand = (args: ReadonlyArray<string>, io: Io): number => {
  refuseTdx(args)
  const s = splitArgs(args, VERIFY_FLAGS, true)
  const f = parseFlags(VERIFY_FLAGS, s.flags)
  const platform = platformOf(f.platform)
  const file = oneFile(s.positional)
  const wantReportData = hexArg("report-data", f["report-data"], 64)
  const wantMeasurement = hexArg("measurement", f.measurement, 32)
  if (s.roots.length === 0) throw new UsageError("verify needs at least one --root FILE")
  const snpFlags = [f.vcek, f.ask, f.certs].some((x) => x !== undefined) || args.some((a) => a === "--ark" || a.startsWith("--ark="))
  if (platform !== "sev-snp" && snpFlags) throw new UsageError("--vcek, --ask, --certs and --ark apply to --platform sev-snp only")
  if (f.certs !== undefined && (f.vcek !== undefined || f.ask !== undefined)) throw new UsageError("give either --certs or --vcek and --ask")
  if ((f.vcek === undefined) !== (f.ask === undefined)) throw new UsageError("--vcek and --ask go together")
  const roots = s.roots.flatMap((r) => rootsFromFile(platform, r))
  const snp = {
    vcek: f.vcek === undefined ? undefined : certFromFile(f.vcek, "VCEK"),
    ask: f.ask === undefined ? undefined : certFromFile(f.ask, "ASK"),
    certTable: f.certs === undefined ? undefined : readAux(f.certs, "certificate table file"),
  }
  const ev = readEvidence(file)
  if (platform === "sev-snp" && !ev.oversize && isRawSnpReport(ev.bytes) && snp.vcek === undefined && snp.certTable === undefined)
    throw new UsageError("a raw SEV-SNP report needs its certificates: --vcek FILE --ask FILE, or --certs FILE")
  const r = ev.oversize
    ? Either.left({ error: oversizeError(), facts: undefined })
    : verifyOperatorEvidence(nodeCryptoService, {
        platform,
        evidence: ev.bytes,
        roots,
        snp,
        reportData: wantReportData,
        approved: wantMeasurement === undefined ? undefined : new Set([toHex(wantMeasurement)]),
      })
  if (f.json) {
    const o = Either.isRight(r)
      ? { valid: true, platform, measurement: toHex(r.right.measurement), report_data: toHex(r.right.reportData), padding: r.right.padding }
      : {
          valid: false,
          platform,
          code: r.left.error.code,
          detail: r.left.error.detail,
          measurement: r.left.facts === undefined ? null : toHex(r.left.facts.measurement),
          report_data: r.left.facts === undefined ? null : toHex(r.left.facts.reportData),
          padding: r.left.facts === undefined ? null : r.left.facts.padding,
        }
    io.out(`${JSON.stringify(o)}\n`)
  } else if (Either.isRight(r)) {
    const pad = r.right.padding > 0 ? `; ${r.right.padding} bytes of zero padding dropped` : ""
    io.out(`valid: ${platform} evidence verifies; measurement ${toHex(r.right.measurement)}, report data ${toHex(r.right.reportData)}${pad}\n`)
  } else io.out(`invalid: ${r.left.error.code}${r.left.error.detail ? `: ${r.left.error.detail}` : ""}\n`)
  return Either.isRight(r) ? 0 : 1
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
