// spec: CONF-SUITE.3 — every vector file is valid against its handler's JSON Schema (draft 2020-12),
// conformance/schema/<suite>/<handler>.json; the protocol messages and index.json have theirs too.
import { Ajv2020 } from "ajv/dist/2020.js"
import type { ValidateFunction } from "ajv"
import * as fs from "node:fs"
import * as path from "node:path"

export interface SchemaSet {
  /** Validate `value` against the schema at `rel` (path under conformance/schema/, e.g. "consensus/quorum.json"). */
  readonly validate: (rel: string, value: unknown) => string | undefined
  readonly has: (rel: string) => boolean
  readonly files: ReadonlyArray<string>
}

const listJson = (dir: string, base = ""): string[] => {
  if (!fs.existsSync(dir)) return []
  const out: string[] = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const rel = base === "" ? e.name : `${base}/${e.name}`
    if (e.isDirectory()) out.push(...listJson(path.join(dir, e.name), rel))
    else if (e.isFile() && e.name.endsWith(".json")) out.push(rel)
  }
  return out
}

/** Load every schema under `<root>/conformance/schema` into one strict ajv instance (schemas may $ref each other by $id). */
export const loadSchemas = (root: string): SchemaSet => {
  const dir = path.join(root, "conformance", "schema")
  const files = listJson(dir)
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: false, validateFormats: false })
  const ids = new Map<string, string>()
  for (const rel of files) {
    const schema = JSON.parse(fs.readFileSync(path.join(dir, rel), "utf8")) as { $id?: string }
    const id = schema.$id ?? `https://poai.dev/conformance/schema/${rel}`
    ids.set(rel, id)
    ajv.addSchema(schema, id)
  }
  const compiled = new Map<string, ValidateFunction>()
  const get = (rel: string): ValidateFunction | undefined => {
    const c = compiled.get(rel)
    if (c !== undefined) return c
    const id = ids.get(rel)
    if (id === undefined) return undefined
    const v = ajv.getSchema(id)
    if (v === undefined) return undefined
    compiled.set(rel, v)
    return v
  }
  for (const rel of files) get(rel) // compile all now: a broken schema fails at load, not at first use
  return {
    files,
    has: (rel) => ids.has(rel),
    validate: (rel, value) => {
      const v = get(rel)
      if (v === undefined) return `no schema conformance/schema/${rel}`
      if (v(value)) return undefined
      const e = v.errors?.[0]
      return e === undefined ? "invalid" : `${e.instancePath || "/"} ${e.message ?? "invalid"}${e.params !== undefined ? ` ${JSON.stringify(e.params)}` : ""}`
    },
  }
}
