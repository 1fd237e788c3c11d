// The CLI's output channels (stdout, stderr), injected so that commands are testable without a process.
import type { OutputFs } from "./Outputs.ts"

export interface Io {
  readonly out: (s: string) => void
  readonly err: (s: string) => void
  /** The file operations of output files (CLI-OUT.1..2); node:fs when absent. Tests inject failures. */
  readonly outputFs?: OutputFs
}
