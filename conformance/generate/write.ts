// Shared by the vector generators: one deterministic JSON form for every vector file (two-space
// indent, keys in insertion order, final newline), written under <outRoot>/<suite>/<handler>/.
import * as fs from "node:fs"
import * as path from "node:path"

export const vectorJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`

/** Write one vector file; returns its path. `fileName` has no directory part and ends in .json. */
export const writeVector = (outRoot: string, suite: string, handler: string, fileName: string, value: unknown): string => {
  if (fileName.includes("/") || !fileName.endsWith(".json")) throw new Error(`bad vector file name ${fileName}`)
  const dir = path.join(outRoot, suite, handler)
  fs.mkdirSync(dir, { recursive: true })
  const p = path.join(dir, fileName)
  fs.writeFileSync(p, vectorJson(value))
  return p
}
