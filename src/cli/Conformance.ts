// spec: CLI-CONF.1..3 (spec/18-conformance.md)
// `poai conformance run [--impl CMD] [--suite S,...] [--json]`: run the conformance vectors against an
// implementation (default: this one, started as `poai conformance adapter`, through the same protocol).
// `poai conformance adapter`: serve the reference implementation over the protocol on stdin/stdout.
// `poai conformance list`: the handlers and their vector counts (from index.json).
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { serveAdapter } from "../conformance/Adapter.ts"
import { SUITES } from "../conformance/Registry.ts"
import { formatReport, processTransport, runConformance } from "../conformance/Runner.ts"
import { loadSchemas } from "../conformance/Schemas.ts"
import type { VectorIndex } from "../conformance/Vectors.ts"
import { parseFlags, UsageError, type FlagSpec } from "./Flags.ts"
import type { Io } from "./Io.ts"

export const CONFORMANCE_USAGE = `usage: poai conformance run [--impl CMD] [--suite S[,S...]] [--timeout SECONDS] [--vectors DIR] [--json] [--quiet]
       poai conformance adapter
       poai conformance list

run      checks an implementation against conformance/vectors: CMD is started with 'sh -c CMD' in the
         repository root and spoken to over stdin/stdout in line-delimited JSON (protocol
         poai/conformance-protocol/v1, conformance/README.md); default: this implementation's adapter.
         Prints a table per suite and handler (passed, failed, unsupported) and the first failures in
         full; --json prints the whole report as one JSON object instead.
adapter  serves this implementation over the protocol on stdin/stdout (what 'run' starts by default).
list     prints every suite and handler with its files and cases (from conformance/vectors/index.json).

suites: ${SUITES.join(", ")}

exit status: 0 every case passed (or is unsupported) and every vector file was read; 1 a case failed,
a vector file is missing, unknown, altered or invalid, or the implementation broke the protocol; 2 usage`

const RUN_FLAGS = {
  impl: { kind: "string", default: undefined },
  suite: { kind: "string", default: undefined },
  timeout: { kind: "int", min: 1, max: 3600, default: 120 },
  vectors: { kind: "string", default: undefined },
  json: { kind: "bool" },
  quiet: { kind: "bool" },
} as const satisfies Record<string, FlagSpec>

/** The repository root: the nearest directory above this file with a package.json (this file is src/cli/Conformance.ts, or dist/src/cli/Conformance.js when built, CLI-BUILD.1). */
export const repoRoot = (): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir)
  return dir
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

export const conformanceCommand = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const [sub, ...rest] = args
  try {
    switch (sub) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(`${CONFORMANCE_USAGE}\n`)
        return sub === undefined ? 2 : 0
      case "adapter":
        if (rest.length > 0) throw new UsageError(`'conformance adapter' takes no arguments`)
        return await serveAdapter(process.stdin, (s) => process.stdout.write(s))
      case "list": {
        if (rest.length > 0) throw new UsageError(`'conformance list' takes no arguments`)
        const root = repoRoot()
        let index: VectorIndex
        try {
          index = JSON.parse(fs.readFileSync(path.join(root, "conformance", "vectors", "index.json"), "utf8")) as VectorIndex
        } catch (e) {
          io.err(`poai conformance: cannot read conformance/vectors/index.json: ${e instanceof Error ? e.message : String(e)}\n`)
          return 1
        }
        for (const [suite, hs] of Object.entries(index.suites))
          for (const [h, n] of Object.entries(hs)) io.out(`${`${suite}/${h}`.padEnd(44)} ${String(n.files).padStart(4)} files ${String(n.cases).padStart(6)} cases\n`)
        io.out(`total: ${index.totals.suites} suites, ${index.totals.handlers} handlers, ${index.totals.files} files, ${index.totals.cases} cases\n`)
        return 0
      }
      case "run": {
        const f = parseFlags(RUN_FLAGS, rest)
        const root = repoRoot()
        const suites = f.suite?.split(",").filter((s) => s.length > 0)
        for (const s of suites ?? []) if (!(SUITES as ReadonlyArray<string>).includes(s)) throw new UsageError(`unknown suite '${s}' (suites: ${SUITES.join(", ")})`)
        const vectorsDir = f.vectors ?? path.join(root, "conformance", "vectors")
        if (!fs.existsSync(vectorsDir) || !fs.statSync(vectorsDir).isDirectory()) throw new UsageError(`no vector directory '${vectorsDir}'`)
        const cmd = f.impl ?? `${shellQuote(process.execPath)} ${shellQuote(path.join(root, "bin", "poai.js"))} conformance adapter`
        const schemas = loadSchemas(root)
        const transport = processTransport(cmd, root, f.timeout * 1000)
        const report = await runConformance({
          vectorsDir,
          schemas,
          ...(suites !== undefined ? { suites } : {}),
          transport,
          ...(f.quiet || f.json ? {} : { onProgress: (d: number, t: number) => io.err(`[conformance] ${d}/${t} cases\n`) }),
        })
        if (!report.ok && transport.stderrTail().trim() !== "" && !f.json) io.err(`implementation stderr (last lines):\n${transport.stderrTail()}\n`)
        io.out(f.json ? `${JSON.stringify(report)}\n` : formatReport(report))
        return report.ok ? 0 : 1
      }
      default:
        throw new UsageError(`unknown conformance command '${sub}'`)
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`poai conformance: ${e.message}\nrun 'poai conformance help' for usage\n`)
      return 2
    }
    throw e
  }
}
