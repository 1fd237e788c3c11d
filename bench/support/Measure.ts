// Shared timing loop of the throughput benches (crypto, attestation): warm up, then run in growing
// batches until both a minimum time and a minimum number of iterations are reached. Every result
// feeds `sink`, so no call can be optimised away; `sinkValue()` keeps it observable.
import { Either } from "effect"

let sink = 0
export const consume = (x: unknown): void => {
  if (x instanceof Uint8Array) sink ^= x[0] ?? 0
  else if (x === true) sink ^= 1
  else if (typeof x === "object" && x !== null && Either.isEither(x) && Either.isRight(x)) sink ^= 1
}
export const sinkValue = (): number => sink

export interface Timing {
  readonly iterations: number
  readonly seconds: number
  /** iterations per second */
  readonly rate: number
}

export const measure = (fn: () => unknown, minMs: number, minIterations: number, warmupMs: number): Timing => {
  const w0 = performance.now()
  do consume(fn())
  while (performance.now() - w0 < warmupMs)
  let iterations = 0
  let batch = 1
  const start = performance.now()
  let now = start
  for (;;) {
    for (let i = 0; i < batch; i++) consume(fn())
    iterations += batch
    now = performance.now()
    if (now - start >= minMs && iterations >= minIterations) break
    if (now - start < minMs / 20) batch *= 2
  }
  const seconds = (now - start) / 1000
  return { iterations, seconds, rate: iterations / seconds }
}

/** Yield to the event loop between cases, so progress lines are flushed. */
export const tick = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve))

/** Round a rate for printing: integers from 100 up, one decimal below. */
export const roundRate = (x: number): number => (x >= 100 ? Math.round(x) : Math.round(x * 10) / 10)
