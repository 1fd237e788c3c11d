// spec: CLI-ATTEST.1..6 (spec/13-tee-sev-snp-psa.md)
import * as fs from "node:fs"
import * as os from "node:os"
import path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { nodeCryptoService as crypto } from "../../src/crypto/NodeCrypto.ts"
import { attestCommand } from "../../src/cli/Attest.ts"
import { main, type Io } from "../../src/cli/main.ts"
import { bindingReportData } from "../../src/verification/Attestation.ts"
import { SimTee } from "../../src/verification/SimTee.ts"
import { toPem } from "../fixtures/tee/Certs.ts"
import { PSA_OTHER_IAK_SK, PSA_TEST_IAK_SK, buildPsaToken, iakSpki, psaTokenMeasurement } from "../fixtures/tee/PsaBuilder.ts"
import { buildSgxQuote, makeSgxPki } from "../fixtures/tee/SgxBuilder.ts"
import { buildSnpEvidence, buildSnpReport, snpChain, snpReportMeasurement } from "../fixtures/tee/SnpBuilder.ts"
import { SNP_CERT_GUID, buildSnpCertTable } from "../../src/verification/tee/SevSnp.ts"
import { REAL, readHexFixture } from "../fixtures/tee/Real.ts"
import { concatBytes } from "../../src/codec/Bytes.ts"
import { execFileSync } from "node:child_process"

const fill = (b: number, n = 32) => new Uint8Array(n).fill(b)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poai-attest-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
const file = (name: string, content: Uint8Array | string) => {
  const p = path.join(dir, name)
  fs.writeFileSync(p, content)
  return p
}

const run = (argv: string[]) => {
  const out: string[] = []
  const err: string[] = []
  const io: Io = { out: (s) => void out.push(s), err: (s) => void err.push(s) }
  const code = attestCommand(argv, io)
  return { code, stdout: out.join(""), stderr: err.join("") }
}

const pemPublicKey = (spki: Uint8Array) =>
  `-----BEGIN PUBLIC KEY-----\n${Buffer.from(spki).toString("base64").match(/.{1,64}/g)?.join("\n")}\n-----END PUBLIC KEY-----\n`

// ---- evidence and roots for every platform
const reportData = fill(0x5d, 64)
const sgxPki = makeSgxPki()
const sgxQuote = buildSgxQuote({ mrEnclave: fill(0xe1), reportData })
const snp = snpChain()
const simRootSk = fill(1)
const simClaim = {
  measurement: fill(0x10), codeHash: fill(0x11), inputHash: fill(0x12), outputHash: fill(0x13), taskId: fill(0x14), worker: fill(0x15), nonce: fill(0x16),
}
const simAtt = SimTee.attest(crypto, SimTee.makeDevice(crypto, simRootSk, fill(3)), simClaim)

const ev = {
  "sgx-dcap": file("sgx.quote", sgxQuote),
  "sev-snp": file("snp.cbor", buildSnpEvidence()),
  psa: file("psa.cose", buildPsaToken()),
  sim: file("sim.cbor", simAtt.evidence),
} as const
const rootFiles = {
  "sgx-dcap": file("sgx-root.pem", toPem(sgxPki.roots[0]!)),
  "sev-snp": file("ark.der", snp.ark),
  psa: file("iak.pem", pemPublicKey(iakSpki(PSA_TEST_IAK_SK))),
  sim: file("sim-root.hex", `${toHex(crypto.ed25519.publicKey(simRootSk))}\n`),
} as const
const expectedMeasurement = {
  "sgx-dcap": toHex(fill(0xe1)),
  "sev-snp": toHex(snpReportMeasurement()),
  psa: toHex(psaTokenMeasurement()),
  sim: toHex(fill(0x10)),
} as const
const expectedReportData = {
  "sgx-dcap": toHex(reportData),
  "sev-snp": toHex(reportData),
  psa: toHex(fill(0x77, 64)),
  sim: toHex(bindingReportData(crypto.sha256, simClaim)),
} as const
const PLATFORMS = ["sgx-dcap", "sev-snp", "psa", "sim"] as const

describe("poai attest inspect (CLI-ATTEST.2)", () => {
  it.each(PLATFORMS)("%s: prints the parsed fields as JSON, exit 0", (p) => {
    const r = run(["inspect", "--platform", p, ev[p]])
    expect(r.code, r.stderr).toBe(0)
    const j = JSON.parse(r.stdout) as Record<string, unknown>
    expect(Object.keys(j).length).toBeGreaterThan(0)
    expect(r.stdout).toMatch(/\n {2}"/) // pretty-printed
  })

  it("field names follow the vendor specs", () => {
    const snpJ = JSON.parse(run(["inspect", "--platform", "sev-snp", ev["sev-snp"]]).stdout) as { report: Record<string, unknown> }
    expect(snpJ.report.measurement).toBe("3e".repeat(48))
    expect(snpJ.report.poai_measurement).toBe(expectedMeasurement["sev-snp"])
    const raw = run(["inspect", "--platform=sev-snp", file("snp.raw", buildSnpReport())])
    expect(raw.code).toBe(0)
    expect((JSON.parse(raw.stdout) as Record<string, unknown>).format).toBe("raw-attestation-report")
    const psaJ = JSON.parse(run(["inspect", "--platform", "psa", ev.psa]).stdout) as Record<string, unknown>
    expect(psaJ.nonce).toBe(expectedReportData.psa)
    expect(psaJ.poai_measurement).toBe(expectedMeasurement.psa)
    const simJ = JSON.parse(run(["inspect", "--platform", "sim", ev.sim]).stdout) as { report: Record<string, unknown> }
    expect(simJ.report.measurement).toBe(expectedMeasurement.sim)
  })

  it("exit 2 for an unreadable file; exit 1 with a one-line typed error for evidence that does not parse", () => {
    const missing = run(["inspect", "--platform", "psa", path.join(dir, "nope")])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/^poai attest: cannot read evidence file/)
    const garbage = run(["inspect", "--platform", "psa", file("garbage", fill(0xff, 40))])
    expect(garbage.code).toBe(1)
    expect(garbage.stderr.trimEnd().split("\n")).toHaveLength(1)
    expect(garbage.stderr).toMatch(/^poai attest: ATT_DECODE/)
    expect(garbage.stdout).toBe("")
    expect(run(["inspect", "--platform", "sev-snp", ev.psa]).code).toBe(1)
    expect(run(["inspect", "--platform", "sgx-dcap", ev["sev-snp"]]).code).toBe(1)
  })

  it("usage errors exit 2", () => {
    expect(run(["inspect", ev.psa]).code).toBe(2) // no --platform
    expect(run(["inspect", "--platform", "tdx", ev.psa]).code).toBe(2)
    expect(run(["inspect", "--platform", "psa"]).code).toBe(2) // no FILE
    expect(run(["inspect", "--platform", "psa", ev.psa, ev.sim]).code).toBe(2)
    expect(run(["inspect", "--platform", "psa", "--root", rootFiles.psa, ev.psa]).code).toBe(2)
    expect(run(["inspect", "--platform", "psa", "--platform", "psa", ev.psa]).code).toBe(2)
    expect(run(["frobnicate"]).code).toBe(2)
    expect(run([]).code).toBe(2)
    const h = run(["help"])
    expect(h.code).toBe(0)
    expect(h.stdout).toMatch(/poai attest verify/)
  })
})

describe("poai attest verify (CLI-ATTEST.3..5)", () => {
  it.each(PLATFORMS)("%s: valid evidence against its root, exit 0; --json gives the facts", (p) => {
    const r = run(["verify", "--platform", p, "--root", rootFiles[p], ev[p]])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^valid: /)
    const j = run(["verify", "--platform", p, `--root=${rootFiles[p]}`, "--json", ev[p]])
    expect(j.code).toBe(0)
    expect(JSON.parse(j.stdout)).toEqual({
      valid: true, platform: p, measurement: expectedMeasurement[p], report_data: expectedReportData[p], padding: 0,
    })
    // the expected report data and measurement, given explicitly
    const both = run(["verify", "--platform", p, "--root", rootFiles[p], "--report-data", expectedReportData[p], "--measurement", expectedMeasurement[p], ev[p]])
    expect(both.code).toBe(0)
  })

  it("roots may be DER or PEM, several per file, several files", () => {
    expect(run(["verify", "--platform", "sev-snp", "--root", file("ark.pem", toPem(snp.ark)), ev["sev-snp"]]).code).toBe(0)
    expect(run(["verify", "--platform", "sgx-dcap", "--root", file("sgx-root.der", sgxPki.roots[0]!), ev["sgx-dcap"]]).code).toBe(0)
    expect(run(["verify", "--platform", "psa", "--root", file("iak.der", iakSpki(PSA_TEST_IAK_SK)), ev.psa]).code).toBe(0)
    const two = file("iaks.pem", pemPublicKey(iakSpki(PSA_OTHER_IAK_SK)) + pemPublicKey(iakSpki(PSA_TEST_IAK_SK)))
    expect(run(["verify", "--platform", "psa", "--root", two, ev.psa]).code).toBe(0)
    const other = file("other-iak.pem", pemPublicKey(iakSpki(PSA_OTHER_IAK_SK)))
    expect(run(["verify", "--platform", "psa", "--root", other, "--root", rootFiles.psa, ev.psa]).code).toBe(0)
    expect(run(["verify", "--platform", "sim", "--root", file("sim-root.bin", crypto.ed25519.publicKey(simRootSk)), ev.sim]).code).toBe(0)
  })

  it("invalid evidence exits 1 with the error code: wrong root, tampered evidence, binding, measurement", () => {
    const other = file("other-iak2.pem", pemPublicKey(iakSpki(PSA_OTHER_IAK_SK)))
    const wrongRoot = run(["verify", "--platform", "psa", "--root", other, "--json", ev.psa])
    expect(wrongRoot.code).toBe(1)
    expect(JSON.parse(wrongRoot.stdout)).toMatchObject({ valid: false, platform: "psa", code: "ATT_BAD_CHAIN", measurement: null, report_data: null, padding: null })
    expect(run(["verify", "--platform", "sgx-dcap", "--root", rootFiles["sev-snp"], ev["sgx-dcap"]]).code).toBe(1)
    expect(run(["verify", "--platform", "sim", "--root", file("sim-other.hex", toHex(crypto.ed25519.publicKey(fill(2)))), ev.sim]).code).toBe(1)
    // a byte flipped in the signed part of the quote
    const q = sgxQuote.slice()
    q[48 + 64] = (q[48 + 64] as number) ^ 1 // MRENCLAVE
    const bad = run(["verify", "--platform", "sgx-dcap", "--root", rootFiles["sgx-dcap"], file("sgx-bad.quote", q)])
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(/^invalid: ATT_BAD_SIGNATURE/)
    const rd = run(["verify", "--platform", "sev-snp", "--root", rootFiles["sev-snp"], "--report-data", "00".repeat(64), "--json", ev["sev-snp"]])
    expect(rd.code).toBe(1)
    expect(JSON.parse(rd.stdout)).toMatchObject({ valid: false, code: "ATT_BINDING_MISMATCH", measurement: expectedMeasurement["sev-snp"] })
    const m = run(["verify", "--platform", "psa", "--root", rootFiles.psa, "--measurement", "00".repeat(32), ev.psa])
    expect(m.code).toBe(1)
    expect(m.stdout).toMatch(/ATT_MEASUREMENT_NOT_APPROVED/)
  })

  it("exit 1 for evidence that does not parse (rejected evidence, not a usage error)", () => {
    const d = run(["verify", "--platform", "psa", "--root", rootFiles.psa, "--json", file("psa-garbage.bin", fill(0xa5, 100))])
    expect(d.code).toBe(1)
    expect(JSON.parse(d.stdout)).toMatchObject({ valid: false, code: "ATT_DECODE" })
    expect(d.stderr).toBe("")
    // a raw SEV-SNP report without its certificates is a usage error: the flags are missing
    expect(run(["verify", "--platform", "sev-snp", "--root", rootFiles["sev-snp"], file("snp-raw.bin", buildSnpReport())]).code).toBe(2)
  })

  it("exit 2: unreadable or invalid roots, usage errors", () => {
    expect(run(["verify", "--platform", "psa", "--root", rootFiles.psa, path.join(dir, "nope")]).code).toBe(2)
    expect(run(["verify", "--platform", "psa", "--root", path.join(dir, "nope"), ev.psa]).code).toBe(2)
    expect(run(["verify", "--platform", "psa", "--root", rootFiles["sev-snp"], ev.psa]).code).toBe(2) // a certificate is no IAK
    expect(run(["verify", "--platform", "sev-snp", "--root", rootFiles.psa, ev["sev-snp"]]).code).toBe(2) // a key is no certificate
    expect(run(["verify", "--platform", "sim", "--root", file("short.hex", "abcd"), ev.sim]).code).toBe(2)
    expect(run(["verify", "--platform", "psa", "--root", file("broken.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n"), ev.psa]).code).toBe(2)
    expect(run(["verify", "--platform", "psa", ev.psa]).code).toBe(2) // no --root
    expect(run(["verify", "--platform", "psa", "--root"]).code).toBe(2)
    expect(run(["verify", "--platform", "psa", "--root", rootFiles.psa, "--report-data", "zz", ev.psa]).code).toBe(2)
    expect(run(["verify", "--platform", "psa", "--root", rootFiles.psa, "--measurement", "00".repeat(31), ev.psa]).code).toBe(2)
    expect(run(["verify", "--platform", "psa", "--root", rootFiles.psa, "--frob", ev.psa]).code).toBe(2)
  })

  it("is reachable as `poai attest` from main, which lists it in its usage", async () => {
    const out: string[] = []
    const io: Io = { out: (s) => void out.push(s), err: () => undefined }
    expect(await main(["attest", "verify", "--platform", "psa", "--root", rootFiles.psa, ev.psa], io)).toBe(0)
    expect(out.join("")).toMatch(/^valid: psa/)
    out.length = 0
    expect(await main(["help"], io)).toBe(0)
    expect(out.join("")).toMatch(/poai attest/)
  })
})

describe("evidence as operators hold it (CLI-ATTEST.7..9)", () => {
  const verifyJson = (argv: string[]) => {
    const r = run(["verify", "--json", ...argv])
    return { code: r.code, j: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr }
  }
  const snpRaw = file("snp-report.bin", buildSnpReport())
  const vcekPem = file("vcek.pem", toPem(snp.vcek))
  const askDer = file("ask.der", snp.ask)

  it("sev-snp: a raw 1184-byte report with --vcek/--ask (PEM or DER) and --root or --ark", () => {
    const a = verifyJson(["--platform", "sev-snp", "--root", rootFiles["sev-snp"], "--vcek", vcekPem, "--ask", askDer, snpRaw])
    expect(a.code, JSON.stringify(a.j)).toBe(0)
    expect(a.j).toEqual({ valid: true, platform: "sev-snp", measurement: expectedMeasurement["sev-snp"], report_data: expectedReportData["sev-snp"], padding: 0 })
    const b = verifyJson(["--platform", "sev-snp", "--ark", file("ark2.pem", toPem(snp.ark)), "--vcek", file("vcek.der", snp.vcek), "--ask", file("ask.pem", toPem(snp.ask)), snpRaw])
    expect(b.code).toBe(0)
    // the wrong ASK is a chain failure (exit 1), a non-certificate is a bad file (exit 2)
    expect(verifyJson(["--platform", "sev-snp", "--root", rootFiles["sev-snp"], "--vcek", vcekPem, "--ask", vcekPem, snpRaw]).j.code).toBe("ATT_BAD_CHAIN")
    expect(run(["verify", "--platform", "sev-snp", "--root", rootFiles["sev-snp"], "--vcek", vcekPem, "--ask", file("junk.der", fill(1, 50)), snpRaw]).code).toBe(2)
    // flags that do not go together
    expect(run(["verify", "--platform", "sev-snp", "--root", rootFiles["sev-snp"], "--vcek", vcekPem, snpRaw]).code).toBe(2)
    expect(run(["verify", "--platform", "psa", "--root", rootFiles.psa, "--vcek", vcekPem, ev.psa]).code).toBe(2)
  })

  it("sev-snp: the certificate table of an extended report (--certs); its ARK is not trusted as a root", () => {
    const table = file("certs.bin", concatBytes(
      buildSnpCertTable([[SNP_CERT_GUID.vcek, snp.vcek], [SNP_CERT_GUID.ask, snp.ask], [SNP_CERT_GUID.ark, snp.ark]]), new Uint8Array(1000)))
    expect(verifyJson(["--platform", "sev-snp", "--root", rootFiles["sev-snp"], "--certs", table, snpRaw]).code).toBe(0)
    const other = snpChain("snp-other")
    expect(verifyJson(["--platform", "sev-snp", "--root", file("other-ark.der", other.ark), "--certs", table, snpRaw]).j.code).toBe("ATT_BAD_CHAIN")
    const noVcek = file("certs-novcek.bin", buildSnpCertTable([[SNP_CERT_GUID.ask, snp.ask]]))
    expect(verifyJson(["--platform", "sev-snp", "--root", rootFiles["sev-snp"], "--certs", noVcek, snpRaw]).j.code).toBe("ATT_DECODE")
    expect(run(["verify", "--platform", "sev-snp", "--root", rootFiles["sev-snp"], "--certs", table, "--vcek", vcekPem, "--ask", askDer, snpRaw]).code).toBe(2)
  })

  it("zero padding after a quote, report or token is dropped and reported; any other trailing byte rejects", () => {
    const cases = [
      ["sgx-dcap", sgxQuote, []],
      ["sev-snp", buildSnpReport(), ["--vcek", vcekPem, "--ask", askDer]],
      ["psa", buildPsaToken(), []],
    ] as const
    for (const [p, bytes, extra] of cases) {
      const padded = file(`${p}-padded.bin`, concatBytes(bytes, new Uint8Array(777)))
      const ok = verifyJson(["--platform", p, "--root", rootFiles[p], ...extra, padded])
      expect(ok.code, `${p} ${JSON.stringify(ok.j)}`).toBe(0)
      expect(ok.j.padding).toBe(777)
      expect(run(["verify", "--platform", p, "--root", rootFiles[p], ...extra, padded]).stdout).toMatch(/777 bytes of zero padding dropped/)
      const ins = run(["inspect", "--platform", p, padded])
      expect(ins.code).toBe(0)
      expect((JSON.parse(ins.stdout) as Record<string, unknown>).padding).toBe(777)
      const trailing = concatBytes(bytes, new Uint8Array(777))
      trailing[trailing.length - 5] = 1
      const bad = verifyJson(["--platform", p, "--root", rootFiles[p], ...extra, file(`${p}-trailing.bin`, trailing)])
      expect(bad.code).toBe(1)
      expect(bad.j).toMatchObject({ valid: false, code: "ATT_DECODE" })
      expect(String(bad.j.detail)).toMatch(/not zero padding/)
      expect(run(["inspect", "--platform", p, file(`${p}-trailing2.bin`, trailing)]).code).toBe(1)
    }
    // poai's own formats take no padding
    expect(verifyJson(["--platform", "sim", "--root", rootFiles.sim, file("sim-padded.bin", concatBytes(simAtt.evidence, new Uint8Array(8)))]).j.code).toBe("ATT_DECODE")
  })

  it("bounded reads: non-regular files are refused (exit 2), an oversized file is rejected evidence (exit 1), nothing hangs", () => {
    const zero = run(["inspect", "--platform", "sgx-dcap", "/dev/zero"])
    expect(zero.code).toBe(2)
    expect(zero.stderr).toMatch(/not a regular file/)
    expect(run(["verify", "--platform", "sgx-dcap", "--root", "/dev/zero", ev["sgx-dcap"]]).code).toBe(2)
    expect(run(["inspect", "--platform", "psa", dir]).code).toBe(2) // a directory
    const fifo = path.join(dir, "fifo")
    execFileSync("mkfifo", [fifo])
    const t0 = Date.now()
    const f = run(["verify", "--platform", "psa", "--root", rootFiles.psa, fifo])
    expect(f.code).toBe(2)
    expect(f.stderr).toMatch(/not a regular file/)
    expect(run(["verify", "--platform", "psa", "--root", fifo, ev.psa]).code).toBe(2)
    expect(Date.now() - t0).toBeLessThan(5000)
    const big = path.join(dir, "big.bin")
    fs.writeFileSync(big, new Uint8Array(1))
    fs.truncateSync(big, 100 * 1024 * 1024) // sparse 100 MB: only 16 KiB + 1 byte are read
    const r = verifyJson(["--platform", "sgx-dcap", "--root", rootFiles["sgx-dcap"], big])
    expect(r.code).toBe(1)
    expect(r.j).toMatchObject({ code: "ATT_DECODE" })
    expect(String(r.j.detail)).toMatch(/larger than 16384 bytes/)
    expect(run(["inspect", "--platform", "sgx-dcap", big]).code).toBe(1)
  })

  it("a debug enclave has its own reason, ATT_DEBUG; a TDX quote is ATT_UNSUPPORTED_TEE; --platform tdx says so", () => {
    const debugAttrs = concatBytes(Uint8Array.of(0x07), fill(0, 7), Uint8Array.of(0x03), fill(0, 7))
    const dbg = verifyJson(["--platform", "sgx-dcap", "--root", rootFiles["sgx-dcap"], file("dbg.quote", buildSgxQuote({ mrEnclave: fill(0xe1), reportData, report: { attributes: debugAttrs } }))])
    expect(dbg.code).toBe(1)
    expect(dbg.j.code).toBe("ATT_DEBUG")
    const tdx = verifyJson(["--platform", "sgx-dcap", "--root", rootFiles["sgx-dcap"], file("tdx.quote", readHexFixture(REAL.tdxQuoteV4))])
    expect(tdx.code).toBe(1)
    expect(tdx.j.code).toBe("ATT_UNSUPPORTED_TEE")
    const t = run(["verify", "--platform", "tdx", "--root", rootFiles["sgx-dcap"], ev["sgx-dcap"]])
    expect(t.code).toBe(2)
    expect(t.stderr).toMatch(/TDX is not supported/)
  })

  it("sim roots may be PEM Ed25519 SubjectPublicKeyInfo", () => {
    const spki = concatBytes(Buffer.from("302a300506032b6570032100", "hex"), crypto.ed25519.publicKey(simRootSk))
    const pem = `-----BEGIN PUBLIC KEY-----\n${Buffer.from(spki).toString("base64")}\n-----END PUBLIC KEY-----\n`
    expect(run(["verify", "--platform", "sim", "--root", file("sim-root.pem", pem), ev.sim]).code).toBe(0)
  })
})
