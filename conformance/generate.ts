// Regenerates the wire suites (encoding, signing, hashing) under conformance/vectors/<suite>/<handler>/.
// The generators live in conformance/generate/<suite>.ts; this wrapper is kept for the command in
// README.md: node bin/run-ts.js conformance/generate.ts
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { generate as encoding } from "./generate/encoding.ts"
import { generate as hashing } from "./generate/hashing.ts"
import { generate as signing } from "./generate/signing.ts"

export const VECTORS = path.join(path.dirname(fileURLToPath(import.meta.url)), "vectors")

const main = async () => {
  for (const g of [encoding, signing, hashing]) await g(VECTORS)
  process.stdout.write(`wrote encoding/, signing/ and hashing/ under ${path.relative(process.cwd(), VECTORS)}\n`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main()
