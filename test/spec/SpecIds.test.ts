// Requirement-ID coverage (spec/README.md §How to read): every requirement ID that the code cites is
// defined in spec/, and every spec chapter the code names exists.
//
// A citation is (1) every ID in the list that follows `spec:` in a comment, e.g.
//   // spec: CONS-RULE.1..9, CONS-TIMEOUT.1..3 (spec/03-consensus.md)
// (ranges `X.1..9` and `X.1..X.9`, siblings `X.4/5`, wildcards `X.*` and `X-*`, bare IDs such as
// `ERR-DECODE` or `PARAMS`), and (2) every dotted ID `AREA-TOPIC.N` anywhere else in a source file.
// An ID is defined when a spec/*.md file writes it in bold (`**ID**`) or in a heading, outside code
// spans and code blocks; a wildcard is satisfied when some defined ID starts with its prefix.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const SPEC_DIR = path.join(ROOT, "spec")

// ------------------------------------------------------------------------------------------------
// Parsing

const NAME = "[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*"
/** One citation at the start of a string: NAME, optionally [.-] then `*` or N, optionally `..N`, `..NAME.N` or `/N`. */
const CITATION = new RegExp(`^(${NAME})(?:([.-])(\\*|\\d+)(?:\\.\\.(?:(${NAME})[.-])?(\\d+)|\\/(\\d+))?)?(?![A-Za-z0-9_])`)
/** A dotted ID anywhere: AREA-TOPIC.N, with an optional `..N` range or `/N` sibling. */
const DOTTED = new RegExp(`(?<![A-Za-z0-9_-])([A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)+)\\.(\\d+)(?:\\.\\.(\\d+)|\\/(\\d+))?(?![A-Za-z0-9_])`, "g")
/** `spec:` inside a line or block comment. */
const SPEC_LINE = /(?:\/\/|\/\*+|^\s*\*)\s*spec:\s*(.*)$/

export type Citation =
  | { readonly kind: "id"; readonly id: string }
  | { readonly kind: "wildcard"; readonly prefix: string }
  | { readonly kind: "bad"; readonly text: string }

const expand = (base: string, sep: string, lo: number, hi: number): Citation[] =>
  hi < lo ? [{ kind: "bad", text: `${base}${sep}${lo}..${hi}` }] : Array.from({ length: hi - lo + 1 }, (_, i) => ({ kind: "id", id: `${base}${sep}${lo + i}` }) as const)

/** The citations in the text that follows `spec:` (stops at the first thing that is not a citation). */
export const parseSpecList = (text: string): Citation[] => {
  const out: Citation[] = []
  let rest = text
  for (;;) {
    rest = rest.replace(/^[\s,;]+/, "")
    if (rest.startsWith("(")) {
      let depth = 0
      let i = 0
      for (; i < rest.length; i++) {
        if (rest[i] === "(") depth++
        else if (rest[i] === ")" && --depth === 0) break
      }
      rest = rest.slice(i + 1)
      continue
    }
    const m = CITATION.exec(rest)
    if (m === null) break
    const [all, base, sep, first, rangePrefix, hi, sibling] = m as unknown as [string, string, string?, string?, string?, string?, string?]
    if (sep === undefined || first === undefined) out.push({ kind: "id", id: base })
    else if (first === "*") out.push({ kind: "wildcard", prefix: `${base}${sep}` })
    else if (hi !== undefined) {
      if (rangePrefix !== undefined && rangePrefix !== base) out.push({ kind: "bad", text: all })
      else out.push(...expand(base, sep, Number(first), Number(hi)))
    } else if (sibling !== undefined) out.push({ kind: "id", id: `${base}${sep}${first}` }, { kind: "id", id: `${base}${sep}${sibling}` })
    else out.push({ kind: "id", id: `${base}${sep}${first}` })
    rest = rest.slice(all.length)
  }
  return out
}

/** Dotted IDs anywhere in a line. */
export const parseDotted = (line: string): Citation[] => {
  const out: Citation[] = []
  for (const m of line.matchAll(DOTTED)) {
    const [, base, first, hi, sibling] = m as unknown as [string, string, string, string?, string?]
    if (hi !== undefined) out.push(...expand(base, ".", Number(first), Number(hi)))
    else {
      out.push({ kind: "id", id: `${base}.${first}` })
      if (sibling !== undefined) out.push({ kind: "id", id: `${base}.${sibling}` })
    }
  }
  return out
}

export interface Located {
  readonly citation: Citation
  readonly where: string
}

/** Every citation in a source text. */
export const citationsIn = (source: string, file: string): Located[] => {
  const out: Located[] = []
  source.split("\n").forEach((line, i) => {
    const where = `${file}:${i + 1}`
    const m = SPEC_LINE.exec(line)
    if (m !== null) for (const citation of parseSpecList(m[1] as string)) out.push({ citation, where })
    for (const citation of parseDotted(line)) out.push({ citation, where })
  })
  return out
}

/** Markdown without fenced code blocks and inline code spans (examples there define nothing). */
const stripCode = (markdown: string): string => markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "")

const BOLD_ID = new RegExp(`\\*\\*(${NAME}(?:[.-]\\d+)?)\\*\\*`, "g")

/** IDs a Markdown text defines: in bold, or in a heading. */
export const definedIn = (markdown: string): string[] => {
  const ids: string[] = []
  const text = stripCode(markdown)
  for (const m of text.matchAll(BOLD_ID)) ids.push(m[1] as string)
  for (const line of text.split("\n")) {
    if (!/^#{1,6}\s/.test(line)) continue
    for (const m of line.matchAll(new RegExp(`(?<![A-Za-z0-9_-])(${NAME}(?:[.-]\\d+)?)(?![A-Za-z0-9_])`, "g"))) {
      const id = m[1] as string
      if (/[-.]/.test(id)) ids.push(id) // a heading word such as "CLI" is not an ID
    }
  }
  return ids
}

/** Citations that no definition satisfies. */
export const undefinedCitations = (cites: ReadonlyArray<Located>, defined: ReadonlySet<string>): string[] => {
  const missing: string[] = []
  for (const { citation: c, where } of cites) {
    if (c.kind === "bad") missing.push(`malformed citation '${c.text}' (${where})`)
    else if (c.kind === "id" && !defined.has(c.id)) missing.push(`${c.id} (${where})`)
    else if (c.kind === "wildcard" && ![...defined].some((d) => d.startsWith(c.prefix))) missing.push(`${c.prefix}* (${where})`)
  }
  return [...new Set(missing)]
}

// ------------------------------------------------------------------------------------------------
// Files

const walk = (dir: string, keep: (f: string) => boolean): string[] =>
  readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name)
    return statSync(p).isDirectory() ? walk(p, keep) : keep(p) ? [p] : []
  })

const rel = (p: string) => path.relative(ROOT, p).split(path.sep).join("/")
const srcFiles = walk(path.join(ROOT, "src"), (f) => f.endsWith(".ts"))
const specFiles = existsSync(SPEC_DIR) ? readdirSync(SPEC_DIR).filter((f) => f.endsWith(".md")) : []
const specText = new Map(specFiles.map((f) => [f, readFileSync(path.join(SPEC_DIR, f), "utf8")]))
const defined = new Set([...specText.values()].flatMap(definedIn))
const srcCitations = srcFiles.flatMap((f) => citationsIn(readFileSync(f, "utf8"), rel(f)))

// ------------------------------------------------------------------------------------------------
// Tests

describe("the ID parser", () => {
  it("expands ranges, siblings and wildcards after spec:, and stops at prose", () => {
    const c = citationsIn(
      "// spec: FOO-BAR.1..3, ENC-X.1..ENC-X.2, CRYPTO-1..2, ERR-* (spec/07-errors.md), W-CR.*; BARE-ID. Prose SHA-256 X-Y.9\n" +
        "/** see ZED-Q.4/5 */ const f = (spec: Spec) => 0 // QQ-R.7..8",
      "f.ts",
    ).map((l) => l.citation)
    expect(c).toEqual([
      { kind: "id", id: "FOO-BAR.1" },
      { kind: "id", id: "FOO-BAR.2" },
      { kind: "id", id: "FOO-BAR.3" },
      { kind: "id", id: "ENC-X.1" },
      { kind: "id", id: "ENC-X.2" },
      { kind: "id", id: "CRYPTO-1" },
      { kind: "id", id: "CRYPTO-2" },
      { kind: "wildcard", prefix: "ERR-" },
      { kind: "wildcard", prefix: "W-CR." },
      { kind: "id", id: "BARE-ID" },
      // dotted IDs anywhere on the lines
      { kind: "id", id: "FOO-BAR.1" },
      { kind: "id", id: "FOO-BAR.2" },
      { kind: "id", id: "FOO-BAR.3" },
      { kind: "id", id: "ENC-X.1" },
      { kind: "id", id: "ENC-X.2" },
      { kind: "id", id: "X-Y.9" },
      { kind: "id", id: "ZED-Q.4" },
      { kind: "id", id: "ZED-Q.5" },
      { kind: "id", id: "QQ-R.7" },
      { kind: "id", id: "QQ-R.8" },
    ])
  })

  it("reads definitions from bold text and headings only", () => {
    const d = definedIn("# 03 — NODE-X.1 title\n**CONS-RULE.5** — text cites CONS-RULE.6\n**CRYPTO-2** and **PARAMS**, **Agreement**")
    expect(new Set(d)).toEqual(new Set(["NODE-X.1", "CONS-RULE.5", "CRYPTO-2", "PARAMS"]))
  })

  it("reports a cited ID that the spec does not define (the check fails on it)", () => {
    const cites = citationsIn("// spec: CONS-RULE.1, NOPE-NOPE.1..2, NOPE-*\nconst x = 1 // see CONS-NOPE.9", "x.ts")
    expect(undefinedCitations(cites, defined)).toEqual([
      "NOPE-NOPE.1 (x.ts:1)",
      "NOPE-NOPE.2 (x.ts:1)",
      "NOPE-* (x.ts:1)",
      "CONS-NOPE.9 (x.ts:2)",
    ])
  })
})

describe("requirement IDs cited in src/ are defined in spec/", () => {
  it("spec/ has chapters and src/ cites IDs", () => {
    expect(specFiles.length).toBeGreaterThanOrEqual(11)
    expect(new Set(srcCitations.map((c) => JSON.stringify(c.citation))).size).toBeGreaterThan(50)
  })

  it("every cited ID, range member and wildcard resolves to a definition", () => {
    expect(undefinedCitations(srcCitations, defined)).toEqual([])
  })

  it("every ID is defined (in bold) exactly once across spec/", () => {
    const count = new Map<string, string[]>()
    for (const [f, text] of specText)
      for (const m of stripCode(text).matchAll(BOLD_ID))
        if (/[-.]/.test(m[1] as string) || m[1] === "PARAMS") count.set(m[1] as string, [...(count.get(m[1] as string) ?? []), f])
    const twice = [...count].filter(([, fs]) => fs.length > 1).map(([id, fs]) => `${id}: ${fs.join(", ")}`)
    expect(twice).toEqual([])
  })
})

describe("spec chapters named in src/ exist", () => {
  const refs = new Map<string, string[]>()
  for (const f of srcFiles) {
    readFileSync(f, "utf8")
      .split("\n")
      .forEach((line, i) => {
        for (const m of line.matchAll(/spec\/((?:\d\d-[a-z0-9-]+|README)\.md)/g))
          refs.set(m[1] as string, [...(refs.get(m[1] as string) ?? []), `${rel(f)}:${i + 1}`])
      })
  }

  it("src/ names spec chapters", () => expect(refs.size).toBeGreaterThan(0))

  it("each named chapter exists, or a chapter with the same number does (reported as a mismatch)", () => {
    const missing: string[] = []
    const mismatched: string[] = []
    for (const [name, where] of refs) {
      if (specText.has(name)) continue
      const num = /^(\d\d)-/.exec(name)?.[1]
      const same = num === undefined ? undefined : specFiles.find((f) => f.startsWith(`${num}-`))
      if (same !== undefined) mismatched.push(`spec/${name} -> spec/${same} (${where.join(", ")})`)
      else missing.push(`spec/${name} (${where.join(", ")})`)
    }
    if (mismatched.length > 0) console.warn(`chapter names in src/ that differ from spec/:\n  ${mismatched.join("\n  ")}`)
    expect(missing).toEqual([])
  })

  it("every chapter linked from spec/README.md exists", () => {
    const readme = specText.get("README.md") ?? ""
    const linked = [...readme.matchAll(/\]\(((?:\d\d-[a-z0-9-]+)\.md)\)/g)].map((m) => m[1] as string)
    expect(linked.length).toBeGreaterThanOrEqual(10)
    expect(linked.filter((f) => !specText.has(f))).toEqual([])
  })
})
