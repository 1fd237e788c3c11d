// spec: CLI-BUILD.1 (spec/08-simulation.md §CLI): bin/poai.js runs the build in dist/ when it is there
// and not older than any source, and the sources through tsx otherwise. Checked on a fixture tree with
// stub entry points that say which one ran.
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")

const fixture = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poai-bin-"))
  const put = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
    fs.writeFileSync(path.join(dir, rel), text)
  }
  put("package.json", `{ "type": "module" }\n`)
  fs.mkdirSync(path.join(dir, "bin"))
  fs.copyFileSync(path.join(ROOT, "bin", "poai.js"), path.join(dir, "bin", "poai.js"))
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir")
  put("conformance/json.ts", "export {}\n")
  put("src/cli/main.ts", `export const main = async (argv: ReadonlyArray<string>): Promise<number> => { process.stdout.write("sources " + argv.join(" ") + "\\n"); return 3 }\n`)
  const build = () => put("dist/src/cli/main.js", `export const main = async (argv) => { process.stdout.write("dist " + argv.join(" ") + "\\n"); return 4 }\n`)
  const age = (rel: string, secondsAgo: number) => {
    const t = new Date(Date.now() - secondsAgo * 1000)
    fs.utimesSync(path.join(dir, rel), t, t)
  }
  const poai = (...args: string[]) => spawnSync(process.execPath, [path.join(dir, "bin", "poai.js"), ...args], { encoding: "utf8", timeout: 60_000 })
  return { build, age, poai }
}

describe("bin/poai.js: the build when fresh, the sources otherwise (CLI-BUILD.1)", () => {
  it("no dist/: the sources through tsx; the exit status is main's", () => {
    const f = fixture()
    const r = f.poai("help")
    expect(r.stdout).toBe("sources help\n")
    expect(r.status).toBe(3)
  })

  it("a dist/ newer than every source: the build", () => {
    const f = fixture()
    f.age("src/cli/main.ts", 60)
    f.age("conformance/json.ts", 60)
    f.build()
    const r = f.poai("help")
    expect(r.stdout).toBe("dist help\n")
    expect(r.status).toBe(4)
  })

  it("a source edited after the build (under src/, or conformance/json.ts): the sources", () => {
    for (const edited of ["src/cli/main.ts", "conformance/json.ts"]) {
      const f = fixture()
      f.age("src/cli/main.ts", 60)
      f.age("conformance/json.ts", 60)
      f.build()
      f.age("dist/src/cli/main.js", 30)
      f.age(edited, 10)
      expect(f.poai("x").stdout, edited).toBe("sources x\n")
    }
  })
})
