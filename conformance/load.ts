// Loads vector files for the conformance runners. A missing, unreadable or empty file is an error:
// the runners count the files and fail rather than silently test less.
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Codecs } from "../src/codec/index.ts"

export const VECTOR_ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "vectors")

export type VectorKind = "encoding" | "signing" | "hashing"

/** The files each folder must hold, by name without ".json" (independent of the generator). */
export const EXPECTED_FILES: Readonly<Record<VectorKind, ReadonlyArray<string>>> = {
  encoding: Object.keys(Codecs).sort(),
  signing: ["AuditReport", "BeaconEntry", "ProposalHeader", "ScoreCommitment", "ScoreReveal", "Transfer", "Vote", "WorkCommitment", "WorkReveal"],
  hashing: ["workCommitment", "workId"],
}

/** The handler folders (conformance/vectors/<suite>/<handler>/) that hold the files of each kind. */
export const HANDLER_DIRS: Readonly<Record<VectorKind, ReadonlyArray<string>>> = {
  encoding: ["encoding/canonical"],
  signing: ["signing/ed25519", "signing/bls12_381"],
  hashing: ["hashing/work_commitment", "hashing/work_id"],
}

const jsonFiles = (dir: string): ReadonlyArray<string> =>
  fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -".json".length)) : []

/** Names (without ".json") of the vector files present in a kind's handler folders. */
export const listVectorFiles = (kind: VectorKind): ReadonlyArray<string> =>
  HANDLER_DIRS[kind].flatMap((d) => jsonFiles(path.join(VECTOR_ROOT, d))).sort()

/** The path of one vector file: the handler folder of its kind that holds it (the first one if none does). */
export const vectorPath = (kind: VectorKind, name: string): string => {
  const dirs = HANDLER_DIRS[kind].map((d) => path.join(VECTOR_ROOT, d))
  const dir = dirs.find((d) => fs.existsSync(path.join(d, `${name}.json`))) ?? (dirs[0] as string)
  return path.join(dir, `${name}.json`)
}

export interface VectorFile<V, I> {
  readonly valid: ReadonlyArray<V & { readonly name: string }>
  readonly invalid: ReadonlyArray<I & { readonly name: string }>
  readonly [k: string]: unknown
}

/** Reads and shape-checks one vector file: both case lists non-empty, case names unique. */
export const loadVectorFile = <V, I>(kind: VectorKind, name: string): VectorFile<V, I> => {
  const file = vectorPath(kind, name)
  if (!fs.existsSync(file)) throw new Error(`missing vector file ${path.relative(process.cwd(), file)}`)
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as VectorFile<V, I>
  for (const list of ["valid", "invalid"] as const) {
    const cases = json[list]
    if (!Array.isArray(cases) || cases.length === 0) throw new Error(`${kind}/${name}.json: "${list}" is missing or empty`)
    const names = cases.map((c) => c.name)
    if (new Set(names).size !== names.length) throw new Error(`${kind}/${name}.json: duplicate case names in "${list}"`)
  }
  return json
}
