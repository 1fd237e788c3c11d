// The CLI's output channels (stdout, stderr), injected so that commands are testable without a process.
export interface Io {
  readonly out: (s: string) => void
  readonly err: (s: string) => void
}
