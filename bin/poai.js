#!/usr/bin/env node
// The `poai` command. Loads the TypeScript CLI through tsx (a runtime dependency).
import { register } from "tsx/esm/api"
import { fileURLToPath, pathToFileURL } from "node:url"
import path from "node:path"

register()
const here = path.dirname(fileURLToPath(import.meta.url))
const { main } = await import(pathToFileURL(path.join(here, "..", "src", "cli", "main.ts")).href)
process.exitCode = await main(process.argv.slice(2))
