#!/usr/bin/env node
// The `poai` command (CLI-BUILD.1). Runs the compiled CLI in dist/ (built by `npm ci` through the
// `prepare` script, or `npm run build`) when it is there and not older than any source file; otherwise
// loads the TypeScript sources through tsx (a runtime dependency), so a fresh checkout works before a build.
import { fileURLToPath, pathToFileURL } from "node:url"
import fs from "node:fs"
import path from "node:path"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const built = path.join(root, "dist", "src", "cli", "main.js")

/** The newest mtime (ms) of the .ts files under `dir`. */
const newest = (dir) => {
  let t = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) t = Math.max(t, newest(p))
    else if (e.name.endsWith(".ts") || e.name.endsWith(".json")) t = Math.max(t, fs.statSync(p).mtimeMs)
  }
  return t
}

const fresh = () => {
  try {
    return fs.statSync(built).mtimeMs >= Math.max(newest(path.join(root, "src")), fs.statSync(path.join(root, "conformance", "json.ts")).mtimeMs)
  } catch {
    return false
  }
}

let entry
if (fresh()) entry = built
else {
  const { register } = await import("tsx/esm/api")
  register()
  entry = path.join(root, "src", "cli", "main.ts")
}
const { main } = await import(pathToFileURL(entry).href)
process.exitCode = await main(process.argv.slice(2))
