// spec: CLI-OUT.1..2 (spec/08-simulation.md §CLI)
// The files a command writes as it runs (`poai run --trace FILE`, `--transcripts DIR`). Each is opened
// and test-written before the run starts (CLI-OUT.1: an output that cannot be written is a usage error,
// exit 2, one line); a write that fails during the run is remembered, the output is dropped, the run goes
// on and the command reports it after the summary (CLI-OUT.2: exit 1, one line).
import * as fs from "node:fs"
import { UsageError } from "./Flags.ts"

/** The file operations an output needs; tests inject failing ones (the default is node:fs). */
export interface OutputFs {
  readonly open: (path: string) => number
  /** Writes all of `data` (a short write is retried by the caller), or throws. */
  readonly write: (fd: number, data: Uint8Array) => number
  readonly close: (fd: number) => void
  /** CLI-OUT.1: throws when nothing can be written to the file just opened (e.g. /dev/full, a full disk). */
  readonly probe: (fd: number) => void
  readonly mkdir: (dir: string) => void
}

const errno = (e: unknown): string => (e instanceof Error ? e.message : String(e))

export const nodeOutputFs: OutputFs = {
  open: (p) => fs.openSync(p, "w"),
  write: (fd, data) => fs.writeSync(fd, data),
  close: (fd) => fs.closeSync(fd),
  probe: (fd) => {
    // a zero-length write fails on a device that refuses every write (/dev/full: ENOSPC)
    fs.writeSync(fd, new Uint8Array(0))
    // a regular file: one byte at offset 0 (pwrite leaves the file offset alone), then empty it again
    if (fs.fstatSync(fd).isFile()) {
      fs.writeSync(fd, new Uint8Array([0x0a]), 0, 1, 0)
      fs.ftruncateSync(fd, 0)
    }
  },
  mkdir: (dir) => {
    fs.mkdirSync(dir, { recursive: true })
  },
}

/** A buffered output file: lines are collected and written in chunks; the first failure is kept. */
export class OutputFile {
  private pending: string[] = []
  private fd: number | undefined
  /** CLI-OUT.2: the first write error, as one line; the output writes nothing after it. */
  failure: string | undefined

  private constructor(
    readonly what: string,
    readonly path: string,
    private readonly ofs: OutputFs,
    fd: number,
  ) {
    this.fd = fd
  }

  /** CLI-OUT.1: open `path` for writing and test-write it; any failure is a UsageError (exit 2). */
  static open(what: string, path: string, ofs: OutputFs = nodeOutputFs): OutputFile {
    let fd: number
    try {
      fd = ofs.open(path)
    } catch (e) {
      throw new UsageError(`cannot open ${what} '${path}': ${errno(e)}`, false)
    }
    try {
      ofs.probe(fd)
    } catch (e) {
      try {
        ofs.close(fd)
      } catch {
        // the probe's error is the one to report
      }
      throw new UsageError(`cannot write ${what} '${path}': ${errno(e)}`, false)
    }
    return new OutputFile(what, path, ofs, fd)
  }

  line(s: string): void {
    if (this.fd === undefined) return
    this.pending.push(s)
    if (this.pending.length >= 4096) this.flush()
  }

  flush(): void {
    const fd = this.fd
    if (fd === undefined || this.pending.length === 0) return
    const data = Buffer.from(this.pending.join(""), "utf8")
    this.pending = []
    try {
      let off = 0
      while (off < data.length) off += this.ofs.write(fd, data.subarray(off))
    } catch (e) {
      this.fail(`cannot write ${this.what} '${this.path}': ${errno(e)}`)
    }
  }

  /** Flush and close; returns the failure line, if any. */
  close(): string | undefined {
    this.flush()
    const fd = this.fd
    this.fd = undefined
    if (fd !== undefined)
      try {
        this.ofs.close(fd)
      } catch (e) {
        this.failure ??= `cannot close ${this.what} '${this.path}': ${errno(e)}`
      }
    return this.failure
  }

  private fail(msg: string): void {
    this.failure ??= msg
    const fd = this.fd
    this.fd = undefined
    this.pending = []
    if (fd !== undefined)
      try {
        this.ofs.close(fd)
      } catch {
        // the write error is the one to report
      }
  }
}

/** CLI-OUT.1: create `dir` (and parents); a failure is a UsageError. */
export const makeOutputDir = (what: string, dir: string, ofs: OutputFs = nodeOutputFs): void => {
  try {
    ofs.mkdir(dir)
  } catch (e) {
    throw new UsageError(`cannot create ${what} '${dir}': ${errno(e)}`, false)
  }
}
