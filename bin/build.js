#!/usr/bin/env node
// CLI-BUILD.1: compile src/ to dist/ (tsconfig.build.json), run by `npm ci` / `npm install` as the
// `prepare` script and by `npm run build`. dist/ is build output: gitignored, never committed. Without
// TypeScript (an install without devDependencies) it builds nothing and bin/poai.js runs the sources
// through tsx instead.
import { spawnSync } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import fs from "node:fs"
import path from "node:path"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const dist = path.join(root, "dist")
let tsc
try {
  tsc = createRequire(path.join(root, "package.json")).resolve("typescript/bin/tsc")
} catch {
  process.stderr.write("poai build: typescript is not installed; skipping the build (bin/poai.js runs the sources through tsx)\n")
  process.exit(0)
}
fs.rmSync(dist, { recursive: true, force: true })
const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { stdio: "inherit", cwd: root })
if (r.status !== 0) {
  fs.rmSync(dist, { recursive: true, force: true })
  process.stderr.write("poai build: tsc failed; dist/ removed (bin/poai.js runs the sources through tsx)\n")
  process.exit(r.status ?? 1)
}
