// Regenerates the extraction suite under conformance/vectors/extraction/<handler>/ (the generator is
// conformance/generate/extraction.ts). Run: node bin/run-ts.js conformance/generate-extraction.ts
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { generate } from "./generate/extraction.ts"

const VECTORS = path.join(path.dirname(fileURLToPath(import.meta.url)), "vectors")

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await generate(VECTORS)
  process.stdout.write(`wrote extraction/ under ${path.relative(process.cwd(), VECTORS)}\n`)
}
