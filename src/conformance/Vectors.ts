// spec: CONF-SUITE.1..4 (spec/18-conformance.md)
// The vector tree: conformance/vectors/<suite>/<handler>/<file>.json (vector files), deeper files
// (auxiliary data a generator keeps, e.g. TLC counterexamples) and index.json, which lists every
// vector file with suite, handler, format version, sha256 and case count, and every auxiliary file
// with its sha256. Loading checks the tree against the index both ways, each file's hash, its schema
// and its handler, so that a file nobody reads or a file the index does not know is an error.
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { HANDLERS, findHandler } from "./Registry.ts"
import type { SchemaSet } from "./Schemas.ts"
import type { ConformanceCase, HandlerDef, Json } from "./Types.ts"

export const INDEX_FORMAT = "poai/conformance-index/v1"
/** Vector files larger than this are refused (bounded reads). */
export const MAX_VECTOR_FILE_BYTES = 64 * 1024 * 1024

export interface IndexFileEntry {
  readonly path: string
  readonly suite: string
  readonly handler: string
  readonly formatVersion: string
  readonly sha256: string
  readonly bytes: number
  readonly cases: number
}
export interface IndexAuxEntry {
  readonly path: string
  readonly sha256: string
  readonly bytes: number
}
export interface VectorIndex {
  readonly format: typeof INDEX_FORMAT
  readonly description: string
  readonly totals: { readonly suites: number; readonly handlers: number; readonly files: number; readonly cases: number }
  readonly suites: Readonly<Record<string, Readonly<Record<string, { readonly files: number; readonly cases: number }>>>>
  readonly files: ReadonlyArray<IndexFileEntry>
  readonly auxiliary: ReadonlyArray<IndexAuxEntry>
}

export interface LoadedFile {
  readonly path: string
  readonly suite: string
  readonly handler: HandlerDef
  readonly cases: ReadonlyArray<ConformanceCase>
}

/** A problem with the vector tree (CONF-SUITE.4): any one makes the run fail. */
export interface TreeProblem {
  readonly path: string
  readonly problem: string
}

export const sha256Hex = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex")

/** All files under `dir` (relative paths with "/"), sorted by code unit. */
export const listFiles = (dir: string, base = ""): string[] => {
  if (!fs.existsSync(dir)) return []
  const out: string[] = []
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const e of entries) {
    const rel = base === "" ? e.name : `${base}/${e.name}`
    if (e.isDirectory()) out.push(...listFiles(path.join(dir, e.name), rel))
    else out.push(rel)
  }
  return out
}

/** A vector file's place in the tree: `<suite>/<handler>/<name>.json`; anything deeper is auxiliary. */
export const classify = (rel: string): { kind: "vector"; suite: string; handler: string } | { kind: "aux" } | { kind: "index" } | { kind: "stray" } => {
  if (rel === "index.json") return { kind: "index" }
  const parts = rel.split("/")
  if (parts.length === 3 && (parts[2] ?? "").endsWith(".json")) return { kind: "vector", suite: parts[0] ?? "", handler: parts[1] ?? "" }
  if (parts.length > 3) return { kind: "aux" }
  return { kind: "stray" }
}

const readBounded = (file: string): Uint8Array => {
  const st = fs.statSync(file)
  if (!st.isFile()) throw new Error("not a regular file")
  if (st.size > MAX_VECTOR_FILE_BYTES) throw new Error(`${st.size} bytes, above the ${MAX_VECTOR_FILE_BYTES}-byte limit`)
  return fs.readFileSync(file)
}

/** Load one vector file: parse, check the schema, turn it into cases. */
export const loadVectorFile = (
  vectorsDir: string,
  rel: string,
  schemas: SchemaSet,
): { ok: true; file: LoadedFile; bytes: Uint8Array } | { ok: false; problem: TreeProblem } => {
  const c = classify(rel)
  if (c.kind !== "vector") return { ok: false, problem: { path: rel, problem: "not a vector file path (<suite>/<handler>/<name>.json)" } }
  const def = findHandler(c.suite, c.handler)
  if (def === undefined) return { ok: false, problem: { path: rel, problem: `no handler ${c.suite}/${c.handler} in this runner` } }
  let bytes: Uint8Array
  let json: Json
  try {
    bytes = readBounded(path.join(vectorsDir, rel))
    json = JSON.parse(Buffer.from(bytes).toString("utf8")) as Json
  } catch (e) {
    return { ok: false, problem: { path: rel, problem: `unreadable: ${e instanceof Error ? e.message : String(e)}` } }
  }
  const err = schemas.validate(`${c.suite}/${c.handler}.json`, json)
  if (err !== undefined) return { ok: false, problem: { path: rel, problem: `schema: ${err}` } }
  let cases: ReadonlyArray<ConformanceCase>
  try {
    cases = def.cases(json, path.basename(rel, ".json"))
  } catch (e) {
    return { ok: false, problem: { path: rel, problem: `cases: ${e instanceof Error ? e.message : String(e)}` } }
  }
  if (cases.length === 0) return { ok: false, problem: { path: rel, problem: "holds no case" } }
  const names = new Set<string>()
  for (const k of cases) {
    if (names.has(k.name)) return { ok: false, problem: { path: rel, problem: `case name '${k.name}' twice` } }
    names.add(k.name)
  }
  return { ok: true, file: { path: rel, suite: c.suite, handler: def, cases }, bytes }
}

/** Build index.json for the tree at `vectorsDir` (the master generator writes it). */
export const buildIndex = (vectorsDir: string, schemas: SchemaSet): { index: VectorIndex; problems: TreeProblem[] } => {
  const files: IndexFileEntry[] = []
  const auxiliary: IndexAuxEntry[] = []
  const problems: TreeProblem[] = []
  const suites: Record<string, Record<string, { files: number; cases: number }>> = {}
  for (const rel of listFiles(vectorsDir)) {
    const c = classify(rel)
    if (c.kind === "index") continue
    if (c.kind === "stray") {
      problems.push({ path: rel, problem: "file outside <suite>/<handler>/" })
      continue
    }
    if (c.kind === "aux") {
      const b = readBounded(path.join(vectorsDir, rel))
      auxiliary.push({ path: rel, sha256: sha256Hex(b), bytes: b.length })
      continue
    }
    const r = loadVectorFile(vectorsDir, rel, schemas)
    if (!r.ok) {
      problems.push(r.problem)
      continue
    }
    files.push({
      path: rel,
      suite: c.suite,
      handler: c.handler,
      formatVersion: r.file.handler.formatVersion,
      sha256: sha256Hex(r.bytes),
      bytes: r.bytes.length,
      cases: r.file.cases.length,
    })
    const s = (suites[c.suite] ??= {})
    const h = (s[c.handler] ??= { files: 0, cases: 0 })
    h.files++
    h.cases += r.file.cases.length
  }
  const handlers = Object.values(suites).reduce((n, s) => n + Object.keys(s).length, 0)
  const index: VectorIndex = {
    format: INDEX_FORMAT,
    description:
      "Every vector file of the poai conformance suite (generated by `npm run conformance:generate`, never edited by hand): " +
      "suite, handler, format version, sha256 of the file's bytes and its number of cases; auxiliary files are generator inputs kept for reproduction.",
    totals: { suites: Object.keys(suites).length, handlers, files: files.length, cases: files.reduce((n, f) => n + f.cases, 0) },
    suites,
    files,
    auxiliary,
  }
  return { index, problems }
}

export interface LoadResult {
  readonly files: ReadonlyArray<LoadedFile>
  /** Problems with the tree: unknown files, missing files, hash mismatches, schema failures, unreadable files. */
  readonly problems: ReadonlyArray<TreeProblem>
  /** Vector files on disk / files read and turned into cases (CONF-SUITE.4: equal on success). */
  readonly onDisk: number
  readonly read: number
}

/**
 * Load the tree through index.json (CONF-SUITE.4): every index entry must exist with its sha256 and
 * case count, every vector or auxiliary file on disk must be in the index, every file must pass its
 * schema. `suite` restricts which vector files are loaded (the index is still checked in full).
 */
export const loadVectors = (vectorsDir: string, schemas: SchemaSet, suite?: ReadonlyArray<string>): LoadResult => {
  const problems: TreeProblem[] = []
  let index: VectorIndex | undefined
  try {
    const raw = JSON.parse(Buffer.from(readBounded(path.join(vectorsDir, "index.json"))).toString("utf8")) as unknown
    const err = schemas.validate("index.json", raw)
    if (err !== undefined) problems.push({ path: "index.json", problem: `schema: ${err}` })
    else index = raw as VectorIndex
  } catch (e) {
    problems.push({ path: "index.json", problem: `unreadable: ${e instanceof Error ? e.message : String(e)}` })
  }
  const listed = new Map<string, IndexFileEntry>()
  const aux = new Map<string, IndexAuxEntry>()
  for (const f of index?.files ?? []) listed.set(f.path, f)
  for (const a of index?.auxiliary ?? []) aux.set(a.path, a)
  const onDiskAll = listFiles(vectorsDir)
  const seen = new Set<string>()
  const files: LoadedFile[] = []
  let onDisk = 0
  for (const rel of onDiskAll) {
    const c = classify(rel)
    if (c.kind === "index") continue
    seen.add(rel)
    if (c.kind === "stray") {
      problems.push({ path: rel, problem: "file outside <suite>/<handler>/" })
      continue
    }
    if (c.kind === "aux") {
      const a = aux.get(rel)
      if (a === undefined) problems.push({ path: rel, problem: "auxiliary file not in index.json" })
      else if (sha256Hex(readBounded(path.join(vectorsDir, rel))) !== a.sha256) problems.push({ path: rel, problem: "sha256 differs from index.json" })
      continue
    }
    if (suite !== undefined && !suite.includes(c.suite)) continue
    onDisk++
    const entry = listed.get(rel)
    if (entry === undefined) {
      problems.push({ path: rel, problem: "vector file not in index.json" })
      continue
    }
    const r = loadVectorFile(vectorsDir, rel, schemas)
    if (!r.ok) {
      problems.push(r.problem)
      continue
    }
    if (sha256Hex(r.bytes) !== entry.sha256) problems.push({ path: rel, problem: "sha256 differs from index.json" })
    if (r.file.cases.length !== entry.cases) problems.push({ path: rel, problem: `${r.file.cases.length} cases, index.json says ${entry.cases}` })
    if (entry.suite !== c.suite || entry.handler !== c.handler) problems.push({ path: rel, problem: "suite/handler differ from index.json" })
    if (entry.formatVersion !== r.file.handler.formatVersion)
      problems.push({ path: rel, problem: `format version ${r.file.handler.formatVersion}, index.json says ${entry.formatVersion}` })
    files.push(r.file)
  }
  for (const p of [...listed.keys(), ...aux.keys()]) if (!seen.has(p)) problems.push({ path: p, problem: "listed in index.json but missing" })
  // every handler the runner knows must have at least one file (a handler without vectors tests nothing)
  for (const h of HANDLERS) {
    if (suite !== undefined && !suite.includes(h.suite)) continue
    if (!files.some((f) => f.handler === h) && !problems.some((p) => p.path.startsWith(`${h.suite}/${h.handler}/`)))
      problems.push({ path: `${h.suite}/${h.handler}/`, problem: "handler has no vector file" })
  }
  return { files, problems, onDisk, read: files.length }
}
