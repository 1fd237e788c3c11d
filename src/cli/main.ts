// spec: CLI-RUN.1..4, CLI-BUILD.2 (spec/08-simulation.md §CLI)
// The `poai` command. `main` returns the exit code; it never calls process.exit itself.
// CLI-BUILD.2: this file imports nothing heavy; each command's module (and with it the core, and tfjs)
// is loaded when that command runs, so that `poai help` and `poai --version` answer at once.
import { STRATEGY_CHOICES } from "../drivers/Strategies.ts"
import type { Io } from "./Io.ts"
import { UsageError } from "./Flags.ts"

export const VERSION = "0.1.0"

const USAGE = `poai ${VERSION} — Proof of AI reference implementation

usage:
  poai run [options]        run an in-process PoAI network and print a summary
  poai attest inspect|verify  parse or verify TEE vendor evidence (poai attest help)
  poai forensics FILE...    convict the culprits of a fork from honest nodes' transcripts (poai forensics help)
  poai conformance run      run the conformance vectors against an implementation (poai conformance help)
  poai reproduce [options]  run the paper's §8 evaluation and write a report beside Table 1 and §8.4 (poai reproduce help)
  poai init --home DIR      create a validator home: keys, public identity, settings (poai node help)
  poai genesis --homes A,B  build a genesis from homes' public keys and write it into each
  poai node --home DIR      run one validator process: libp2p, HTTP API, metrics (poai node help)
  poai devnet [options]     run N node processes on 127.0.0.1, with crashes, and check agreement (poai devnet help)
  poai help                 this text
  poai --version            print the version

poai run options:
  --nodes N                 number of validators (1..256, default 4)
  --blocks B                blocks every honest node must finalize (1..100000, default 20)
  --byzantine F             Byzantine validators, the last F (0..N-1, default 0); F >= N/3 voids the safety guarantee
  --strategy S              Byzantine behaviour: ${STRATEGY_CHOICES.join("|")} (default equivocate)
  --seed S                  PRNG seed, integer 0..4294967295 (default 1)
  --drop P                  message drop probability in [0, 0.5] (default 0)
  --duplicate P             message duplication probability in [0, 1] (default 0)
  --latency MIN:MAX         one-way delay range in virtual ms (default 10:60)
  --tx-rate R               client transfers per virtual second (default 40)
  --cheaters F              fraction of workers that fake their work, in [0, 1] (default 0): alternately
                            lazy (certified TEE, fabricated output: audits catch it with probability p)
                            and forger (uncertified attestation: the attestation check catches it)
  --no-attestation          do not require TEE attestations on work claims (audits still run)
  --colluding-evaluators F  fraction of nodes, in [0, 1], that score their own group's work 10^6 (default 0)
  --aggregator A            evaluator score aggregator: trimmed-mean|yuma (default trimmed-mean)
  --no-scoring              no evaluator committees: Q(W) = v(t) at reveal (the pre-issue-5 seam)
  --executor sim|ml         how work is computed and audited: sim (reference hash executor, default) or
                            ml (inference claims run the reference MLP on tfjs cpu; audits re-run it)
  --crypto noble|node       crypto layer (default node: node:crypto Ed25519/SHA-256, blst BLS)
  --max-virtual-seconds T   give up after T virtual seconds (default 600)
  --trace FILE              write the honest nodes' consensus events as NDJSON (trace validation, models/README.md)
  --mutant-ignore-lock I    node mutant for trace validation: honest node I skips the lock test of
                            CONS-RULE.2/3 and is still traced as honest (default -1: none)
  --transcripts DIR         write each honest node's signed consensus messages and decisions to DIR/node-<i>.ndjson (poai forensics)
  --json                    print the summary as one JSON object on the last line of stdout
  --quiet                   no progress on stderr

exit status: 0 finalized with agreement; 1 agreement violated or target not reached; 2 usage error`

export type { Io } from "./Io.ts"

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
}

export const main = async (argv: ReadonlyArray<string>, io: Io = defaultIo): Promise<number> => {
  const [cmd, ...rest] = argv
  try {
    switch (cmd) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(`${USAGE}\n`)
        return cmd === undefined ? 2 : 0
      case "--version":
      case "version":
        io.out(`${VERSION}\n`)
        return 0
      case "run":
        return await (await import("./Run.ts")).runCommand(rest, io)
      case "attest":
        return (await import("./Attest.ts")).attestCommand(rest, io)
      case "forensics":
        return (await import("./Forensics.ts")).forensicsCommand(rest, io)
      case "conformance":
        return await (await import("./Conformance.ts")).conformanceCommand(rest, io)
      case "reproduce":
        return await (await import("./Reproduce.ts")).reproduceCommand(rest, io, io === defaultIo && process.stderr.isTTY === true)
      case "init":
        return await (await import("./Node.ts")).initCommand(rest, io)
      case "genesis":
        return await (await import("./Node.ts")).genesisCommand(rest, io)
      case "node":
        return await (await import("./Node.ts")).nodeCommand(rest, io)
      case "devnet":
        return await (await import("./Devnet.ts")).devnetCommand(rest, io)
      default:
        throw new UsageError(`unknown command '${cmd}'`)
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`poai: ${e.message}\n${e.pointToUsage ? "run 'poai help' for usage\n" : ""}`)
      return 2
    }
    throw e
  }
}
