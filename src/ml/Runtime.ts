// spec: ML-RT.1..9 (spec/14-ml-runtime.md); paper §7.3
// The ML runtime port: one Effect service per tfjs backend. tfjs has ONE process-global engine whose
// "current backend" is mutable state; every service switches the engine to its own backend
// synchronously at the start of each `run`, so that a run on one backend can never execute kernels
// of another, even when services for several backends live in the same process (ML-RT.2).
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm" // registers the "wasm" backend factory (side effect)
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm"
import { Context, Data, Effect, Layer } from "effect"

/** Backends the runtime knows by name (ML-RT.1). `tensorflow` is tfjs-node / tfjs-node-gpu. */
export type BackendName = "wasm" | "cpu" | "tensorflow" | "webgpu"
export const BACKEND_NAMES: ReadonlyArray<BackendName> = ["wasm", "cpu", "tensorflow", "webgpu"]

export const ML_RUNTIME_ERROR_CODES = {
  ML_BACKEND_UNAVAILABLE: "the backend's package is not installed or registers no such backend",
  ML_BACKEND_INIT_FAILED: "the backend is registered but its initialisation failed",
} as const
export type MlRuntimeErrorCode = keyof typeof ML_RUNTIME_ERROR_CODES

export class MlRuntimeError extends Data.TaggedError("MlRuntimeError")<{
  readonly code: MlRuntimeErrorCode
  readonly detail: string
}> {
  override get message(): string {
    return `${this.code}: ${ML_RUNTIME_ERROR_CODES[this.code]}${this.detail ? ` (${this.detail})` : ""}`
  }
}

export interface MlRuntimeService {
  /** The backend every `run` of this service executes on. */
  readonly backend: BackendName
  /** Its variant identifier, named in inference claims (ML-RT.6). */
  readonly variant: BackendVariant
  /**
   * Switch the global engine to `backend` (synchronously), run `f` in a tensor scope that disposes
   * every tensor `f` created, and return its result. `f` must return plain JS data, not tensors
   * (they would be disposed). Nothing is restored afterwards (ML-RT.2).
   */
  readonly run: <A>(f: () => A) => Effect.Effect<A>
  /** Backends initialised in this process (at the time of reading). */
  readonly available: ReadonlyArray<BackendName>
  /** Human-readable description of the backend (variant, threads) and of how it was selected. */
  readonly describe: string
}

export class MlRuntime extends Context.Tag("poai/MlRuntime")<MlRuntime, MlRuntimeService>() {}

// ------------------------------------------------------------------------------------------------
// Engine handling

// Production mode: no per-op NaN checks, and no console banners/warnings from tfjs (its `warn` is
// silent when PROD is set; this is what suppresses the "running TensorFlow.js in Node.js" banner).
tf.enableProdMode()

/** Packages tried, in order, for the native `tensorflow` backend (ML-RT.4). */
export const NATIVE_PACKAGES: ReadonlyArray<string> = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]
/** Package that registers the `webgpu` backend when installed. */
export const WEBGPU_PACKAGE = "@tensorflow/tfjs-backend-webgpu"

const engine = (): { registryFactory: Record<string, unknown>; registry: Record<string, unknown>; findBackend(n: string): unknown } =>
  tf.engine() as unknown as { registryFactory: Record<string, unknown>; registry: Record<string, unknown>; findBackend(n: string): unknown }

const isRegistered = (name: string): boolean => engine().registryFactory[name] !== undefined
// Read the registry, never findBackend: findBackend *starts* initialising a registered backend, and for
// an asynchronous one (wasm) that leaves the engine with a pending initialisation that blocks every
// synchronous tensor operation until the event loop runs (found when `poai run --executor ml` queried
// which backends were ready in the middle of a synchronous simulation).
const isInitialised = (name: string): boolean => isRegistered(name) && engine().registry[name] != null

/** Import a package by a runtime string, so neither tsc nor bundlers need it (ML-RT.4). */
const importOptional = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier)

// Initialisations are serialised: tfjs abandons a pending asynchronous initialisation when another
// one starts, so two concurrent `setBackend` calls could make one of them fail spuriously.
let initChain: Promise<unknown> = Promise.resolve()
const initOnce = new Map<BackendName, Promise<MlRuntimeError | undefined>>()

/** Initialise a backend once. Resolves to undefined on success or to the typed error (ML-RT.4). */
const initialise = (name: BackendName): Promise<MlRuntimeError | undefined> => {
  const cached = initOnce.get(name)
  if (cached !== undefined) return cached
  const p: Promise<MlRuntimeError | undefined> = initChain.then(async () => {
    if (isInitialised(name)) return undefined
    if (!isRegistered(name)) {
      const packages = name === "tensorflow" ? NATIVE_PACKAGES : name === "webgpu" ? [WEBGPU_PACKAGE] : []
      const failures: string[] = []
      for (const pkg of packages) {
        if (isRegistered(name)) break
        try {
          await importOptional(pkg)
        } catch (e) {
          failures.push(`${pkg}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`)
        }
      }
      if (!isRegistered(name))
        return new MlRuntimeError({
          code: "ML_BACKEND_UNAVAILABLE",
          detail: `backend '${name}' not registered${failures.length ? `; ${failures.join("; ")}` : ""}`,
        })
    }
    let ok: boolean
    try {
      ok = await tf.setBackend(name)
    } catch (e) {
      return new MlRuntimeError({ code: "ML_BACKEND_INIT_FAILED", detail: `${name}: ${e instanceof Error ? e.message : String(e)}` })
    }
    return ok && isInitialised(name) ? undefined : new MlRuntimeError({ code: "ML_BACKEND_INIT_FAILED", detail: `${name}: setBackend returned false` })
  })
  initChain = p.catch(() => undefined)
  initOnce.set(name, p)
  // A failed attempt may be retried later (e.g. after a package was installed).
  void p.then((r) => {
    if (r !== undefined) initOnce.delete(name)
  })
  return p
}

/** Initialise `name` (once per process) or fail with a typed error. */
export const ensureBackend = (name: BackendName): Effect.Effect<void, MlRuntimeError> =>
  Effect.flatMap(
    Effect.promise(() => initialise(name)),
    (r) => (r === undefined ? Effect.void : Effect.fail(r)),
  )

/**
 * Make `name` the engine's current backend, synchronously. Only valid for an initialised backend:
 * then tfjs's `setBackend` completes its state change before returning its promise (ML-RT.2).
 */
const switchTo = (name: BackendName): void => {
  if (tf.getBackend() === name && tf.backend() === engine().findBackend(name)) return
  void tf.setBackend(name)
  if (tf.getBackend() !== name || tf.backend() !== engine().findBackend(name))
    throw new Error(`ML runtime: switching the tfjs engine to '${name}' did not take effect synchronously`)
}

/** Run `f` in a tensor scope: every tensor it allocates is disposed afterwards, also on throw. */
const scoped = <A>(f: () => A): A => {
  const e = tf.engine()
  e.startScope()
  try {
    return f()
  } finally {
    e.endScope()
  }
}

/** Run `f` on an initialised backend `name` (switch + scope), synchronously. */
export const runOn = <A>(name: BackendName, f: () => A): A => {
  switchTo(name)
  return scoped(f)
}

/** The backends initialised in this process. */
export const initialisedBackends = (): ReadonlyArray<BackendName> => BACKEND_NAMES.filter(isInitialised)

/**
 * The backend variant identifier a claim names (ML-RT.6): `cpu`, `wasm-simd`, `wasm` (scalar build),
 * `tensorflow`, `webgpu`. The SIMD and scalar wasm builds are different numeric programs: on the
 * reference models they disagree in the last bits of about 12% of logits, so they are distinct variants.
 */
export type BackendVariant = "cpu" | "wasm-simd" | "wasm" | "tensorflow" | "webgpu"
export const backendVariant = (name: BackendName): BackendVariant =>
  name === "wasm" ? (tf.env().getBool("WASM_HAS_SIMD_SUPPORT") ? "wasm-simd" : "wasm") : name

/** Description of a backend's variant (ML-RT.6): wasm SIMD / thread count. */
export const describeBackend = (name: BackendName): string => {
  if (name !== "wasm") return name
  const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT")
  const threads = tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT")
  let n = 1
  try {
    n = getThreadsCount()
  } catch {
    n = 1
  }
  return `wasm (simd=${simd}, multithread=${threads}, threads=${n})`
}

const makeService = (name: BackendName, how: string): MlRuntimeService => ({
  backend: name,
  variant: backendVariant(name),
  run: <A>(f: () => A) => Effect.sync(() => runOn(name, f)),
  get available() {
    return initialisedBackends()
  },
  describe: `${describeBackend(name)}${how ? `; ${how}` : ""}`,
})

const layerFor = (name: BackendName, how = ""): Layer.Layer<MlRuntime, MlRuntimeError> =>
  Layer.effect(
    MlRuntime,
    Effect.map(ensureBackend(name), () => makeService(name, how)),
  )

/** WebAssembly backend (XNNPACK kernels; SIMD when the host supports it) (ML-RT.3). */
export const MlRuntimeWasm: Layer.Layer<MlRuntime, MlRuntimeError> = layerFor("wasm")
/** Plain-JavaScript backend: always available (ML-RT.3). */
export const MlRuntimeCpu: Layer.Layer<MlRuntime> = layerFor("cpu").pipe(Layer.orDie)
/** Native TensorFlow (tfjs-node-gpu, then tfjs-node), loaded on demand (ML-RT.4). */
export const MlRuntimeNative: Layer.Layer<MlRuntime, MlRuntimeError> = layerFor("tensorflow")

/**
 * Selection (ML-RT.5): the first backend of `order` that initialises; `cpu` is always tried last.
 * The reasons earlier backends were skipped are in `describe` and logged at debug level.
 */
export const MlRuntimeSelect = (order: ReadonlyArray<BackendName>): Layer.Layer<MlRuntime> =>
  Layer.effect(
    MlRuntime,
    Effect.gen(function* () {
      const skipped: string[] = []
      for (const name of order.includes("cpu") ? order : [...order, "cpu" as const]) {
        const r = yield* Effect.either(ensureBackend(name))
        if (r._tag === "Right") {
          const svc = makeService(name, skipped.length ? `skipped ${skipped.join("; ")}` : "first choice")
          yield* Effect.logDebug(`ML runtime: ${svc.describe}`)
          return svc
        }
        skipped.push(`${name}: ${r.left.message}`)
      }
      return yield* Effect.dieMessage(`ML runtime: no backend initialised (${skipped.join("; ")})`)
    }),
  )

/** Default selection (ML-RT.5): native if installed, else wasm, else cpu. */
export const MlRuntimeDefault: Layer.Layer<MlRuntime> = MlRuntimeSelect(["tensorflow", "wasm", "cpu"])

/** Plain-Promise helper for tests and benches: initialise `name`, switch to it, run `f` in a scope. */
export const withBackend = async <A>(name: BackendName, f: () => A): Promise<A> => {
  const r = await initialise(name)
  if (r !== undefined) throw r
  return runOn(name, f)
}
