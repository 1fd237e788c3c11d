// ENC-HASH.2: the domain-tag table of spec/02-encoding.md is the DOMAIN registry, row for row: same
// keys, tags, lengths and tagged prefixes, and no tag used twice.
import { readFileSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { DOMAIN, tagged } from "../../src/codec/Canonical.ts"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const rows = readFileSync(path.join(ROOT, "spec", "02-encoding.md"), "utf8")
  .split("\n")
  .map((l) => /^\| `(\w+)` \| `([^`]+)` \| (\d+) \| `([0-9a-f]+)` \|/.exec(l))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => ({ key: m[1] as string, tag: m[2] as string, len: Number(m[3]), hex: m[4] as string }))

describe("ENC-HASH.2 domain-tag table", () => {
  it("lists exactly the DOMAIN registry", () => {
    expect(rows.map((r) => r.key).sort()).toEqual(Object.keys(DOMAIN).sort())
  })
  it("each row's tag, length and tagged prefix are the registry's", () => {
    for (const r of rows) {
      const tag = DOMAIN[r.key as keyof typeof DOMAIN]
      expect({ key: r.key, tag: r.tag, len: r.len, hex: r.hex }).toEqual({ key: r.key, tag, len: tag.length, hex: toHex(tagged(tag, new Uint8Array(0))) })
    }
  })
  it("no tag is registered twice", () => {
    const tags = Object.values(DOMAIN)
    expect(new Set(tags).size).toBe(tags.length)
  })
})
