// spec: CLI-FORENSICS.1 (spec/08-simulation.md §CLI), CONS-FORENSICS.1..4 (spec/03-consensus.md)
// `poai forensics FILE...`: read the transcripts of two or more honest nodes (`poai run --transcripts
// DIR`), convict the validators that provably broke the protocol at each height, print a JSON report.
// Exit status: 0 no fork, or every fork has more than 1/3 of the power convicted; 1 a fork without
// that, or a transcript that cannot be read (one line on stderr: code, file:line, reason); 2 usage.
import { Either } from "effect"
import * as fs from "node:fs"
import { forensics } from "../core/Forensics.ts"
import { nodeCryptoService } from "../crypto/NodeCrypto.ts"
import { MAX_TRANSCRIPT_BYTES, TranscriptError, emptyTranscripts, forensicsInput, parseTranscript } from "../drivers/Transcript.ts"
import { UsageError } from "./Flags.ts"
import type { Io } from "./Io.ts"

export const FORENSICS_USAGE = `usage: poai forensics FILE...

Reads transcripts (NDJSON written by 'poai run --transcripts DIR', one file per honest node) and prints,
as one JSON object, for every height: the blocks the nodes decided (a fork when more than one), the
validators convicted of equivocation (two different signed messages for one slot) or amnesia (a
precommit for v at round r, then a prevote for v' != v at r' > r with no polka for v' in r..r'-1), with
the two signed messages that convict each, and whether more than 1/3 of the power is convicted.
Soundness needs the transcripts of every honest validator that is accused (spec/03 CONS-FORENSICS.3).

exit status: 0 no fork, or every fork accountable; 1 a fork not accountable, or unreadable input; 2 usage`

export const forensicsCommand = (args: ReadonlyArray<string>, io: Io): number => {
  try {
    if (args.length === 0 || args[0] === "help" || args[0] === "--help" || args[0] === "-h") {
      io.out(`${FORENSICS_USAGE}\n`)
      return args.length === 0 ? 2 : 0
    }
    const flag = args.find((a) => a.startsWith("-"))
    if (flag !== undefined) throw new UsageError(`unknown option '${flag}'`)
    const acc = emptyTranscripts()
    for (const file of args) {
      let text: string
      try {
        const st = fs.statSync(file)
        if (!st.isFile()) throw new UsageError(`'${file}' is not a file`)
        if (st.size > MAX_TRANSCRIPT_BYTES) {
          io.err(`poai forensics: ${new TranscriptError({ code: "TRANSCRIPT_TOO_LARGE", file, line: 0, detail: `${st.size} bytes` }).message}\n`)
          return 1
        }
        text = fs.readFileSync(file, "utf8")
      } catch (e) {
        if (e instanceof UsageError) throw e
        throw new UsageError(`cannot read '${file}': ${e instanceof Error ? e.message : String(e)}`)
      }
      const r = parseTranscript(file, text, acc)
      if (Either.isLeft(r)) {
        io.err(`poai forensics: ${r.left.message}\n`)
        return 1
      }
    }
    const report = forensics(nodeCryptoService, forensicsInput(acc))
    const forks = report.heights.filter((h) => h.fork)
    const out = {
      files: args.length,
      chainId: acc.chainId ?? null,
      messages: acc.messages,
      ignored: report.ignored,
      forks: forks.map((h) => h.height),
      accountable: forks.every((h) => h.accountable),
      heights: report.heights.filter((h) => h.fork || h.convicted.length > 0),
    }
    io.out(`${JSON.stringify(out)}\n`)
    return out.accountable ? 0 : 1
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`poai forensics: ${e.message}\nrun 'poai forensics help' for usage\n`)
      return 2
    }
    throw e
  }
}
