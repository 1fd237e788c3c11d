// spec: the layer order of spec/README.md "Layers of the code" (issue 11 item 4)
// Walks every static import of src/ (type-only imports included) and fails on (a) any import from a
// lower layer to a higher one and (b) any import cycle between files. Both lists of known violations
// were emptied by issue 11 item 4 (the state changes of verification/ and quality/ moved into core/:
// core/Audits.ts, core/QualityRounds.ts); there is no exception mechanism left.
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

const src = path.resolve(__dirname, "..", "..", "src")

/** Lower number = lower layer; a module may import its own layer or lower ones. */
export const LAYERS: Readonly<Record<string, number>> = {
  domain: 0,
  codec: 1,
  crypto: 2,
  ml: 3,
  verification: 4,
  quality: 4,
  core: 5,
  drivers: 6,
  models: 7,
  conformance: 8,
  cli: 9,
}

const listTs = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? listTs(p) : e.name.endsWith(".ts") ? [p] : []
  })

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+"(\.[^"]+)"/g

/** file (relative to src/) -> the src files it imports */
export const importGraph = (): Map<string, string[]> => {
  const g = new Map<string, string[]>()
  for (const f of listTs(src)) {
    const text = fs.readFileSync(f, "utf8")
    const deps: string[] = []
    for (const m of text.matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(f), m[1]!)
      if (target.startsWith(src) && target.endsWith(".ts")) deps.push(path.relative(src, target))
    }
    g.set(path.relative(src, f), [...new Set(deps)].sort())
  }
  return g
}

const layerOf = (rel: string): number | undefined => LAYERS[rel.split(path.sep)[0] ?? ""]

/** Every import from a lower layer to a higher one, as "importer -> imported" (paths under src/, sorted). */
export const upwardImports = (g: Map<string, string[]>): string[] => {
  const up: string[] = []
  for (const [f, deps] of g) for (const d of deps) if ((layerOf(d) ?? 0) > (layerOf(f) ?? 0)) up.push(`${f} -> ${d}`.split(path.sep).join("/"))
  return up.sort()
}

/** Strongly connected components with more than one file (Tarjan). */
export const cycles = (g: Map<string, string[]>): string[][] => {
  let index = 0
  const idx = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const on = new Set<string>()
  const out: string[][] = []
  const visit = (v: string) => {
    idx.set(v, index)
    low.set(v, index)
    index++
    stack.push(v)
    on.add(v)
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!))
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = []
      let w: string
      do {
        w = stack.pop()!
        on.delete(w)
        comp.push(w)
      } while (w !== v)
      if (comp.length > 1) out.push(comp.sort())
    }
  }
  for (const v of [...g.keys()].sort()) if (!idx.has(v)) visit(v)
  return out.sort((a, b) => (a[0]! < b[0]! ? -1 : 1))
}

describe("layers (spec/README.md: domain < codec < crypto < ml < verification, quality < core < drivers < models < conformance < cli)", () => {
  const g = importGraph()
  it("every directory of src/ has a layer", () => {
    const dirs = fs.readdirSync(src, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)
    expect(dirs.filter((d) => LAYERS[d] === undefined)).toEqual([])
  })
  it("no import from a lower layer to a higher one", () => {
    expect(upwardImports(g)).toEqual([])
  })
  it("no import cycle between files", () => {
    expect(cycles(g)).toEqual([])
  })
  it("the checks can fail: a synthetic upward import and a synthetic cycle are found", () => {
    const h = new Map(g)
    // cli/Run.ts reaches domain/Beacon.ts through the core (cli/main.ts imports its commands lazily, CLI-BUILD.2)
    h.set("domain/Beacon.ts", [...(h.get("domain/Beacon.ts") ?? []), "cli/Run.ts"])
    expect(upwardImports(h)).toContain("domain/Beacon.ts -> cli/Run.ts")
    expect(cycles(h).length).toBeGreaterThan(0)
  })
})
