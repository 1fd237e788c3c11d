// NODE-MEMPOOL.4: a PersistentMap behaves as a copied native Map after every sequence of set/delete:
// same entries in the same order, same size, get/has; and no update changes an earlier version.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { DerivedCache, PersistentMap } from "../../src/core/PersistentMap.ts"

type Op = { readonly del: boolean; readonly k: number; readonly v: number }
const ops = fc.array(fc.record({ del: fc.boolean(), k: fc.integer({ min: 0, max: 40 }), v: fc.integer() }), { maxLength: 400 })

const snapshot = <K, V>(m: ReadonlyMap<K, V>) => ({ entries: [...m.entries()], keys: [...m.keys()], values: [...m.values()], size: m.size })

describe("PersistentMap (NODE-MEMPOOL.4)", () => {
  it("matches a native Map after any sequence of set and delete, and earlier versions never change", () => {
    fc.assert(
      fc.property(ops, fc.integer({ min: 0, max: 20 }), (xs: ReadonlyArray<Op>, pre) => {
        const start = new Map(Array.from({ length: pre }, (_, i) => [100 + i, i] as const))
        let p = PersistentMap.of(new Map(start) as ReadonlyMap<number, number>)
        const native = new Map(start)
        const versions: Array<readonly [PersistentMap<number, number>, ReturnType<typeof snapshot<number, number>>]> = []
        for (const o of xs) {
          if (o.del) {
            native.delete(o.k)
            p = p.delete(o.k)
          } else {
            native.set(o.k, o.v)
            p = p.set(o.k, o.v)
          }
          expect(snapshot(p)).toEqual(snapshot(native))
          expect(p.get(o.k)).toBe(native.get(o.k))
          expect(p.has(o.k)).toBe(native.has(o.k))
          versions.push([p, snapshot(native)])
        }
        for (const [v, want] of versions) expect(snapshot(v)).toEqual(want)
        const each: Array<[number, number]> = []
        p.forEach((v, k) => each.push([k, v]))
        expect(each).toEqual([...native.entries()])
        expect([...p]).toEqual([...native])
        // toMap: a native copy of any version, in its order, which later updates do not reach
        for (const [v, want] of versions.slice(-5)) {
          const m = v.toMap()
          expect([...m.entries()]).toEqual(want.entries)
          m.set(-1, -1)
          expect(v.has(-1)).toBe(false)
        }
      }),
      { numRuns: 200, seed: 20261204 },
    )
  })

  it("versions branch: updating any earlier version, in any order, gives that version's native copy and changes no other version", () => {
    type Step = { readonly from: number; readonly del: boolean; readonly k: number; readonly v: number; readonly read: number }
    const steps = fc.array(
      fc.record({ from: fc.nat(), del: fc.boolean(), k: fc.integer({ min: 0, max: 12 }), v: fc.integer(), read: fc.nat() }),
      { maxLength: 200 },
    )
    fc.assert(
      fc.property(steps, (xs: ReadonlyArray<Step>) => {
        const versions: Array<readonly [PersistentMap<number, number>, Map<number, number>]> = [[PersistentMap.empty<number, number>(), new Map()]]
        for (const s of xs) {
          const [p, native] = versions[s.from % versions.length] as (typeof versions)[number]
          const n = new Map(native)
          if (s.del) n.delete(s.k)
          else n.set(s.k, s.v)
          const q = s.del ? p.delete(s.k) : p.set(s.k, s.v)
          versions.push([q, n])
          // read some version (rerooting the shared store there), then the new one
          const [r, rn] = versions[s.read % versions.length] as (typeof versions)[number]
          expect(r.get(s.k)).toBe(rn.get(s.k))
          expect(snapshot(q)).toEqual(snapshot(n))
        }
        for (const [v, want] of versions) expect(snapshot(v)).toEqual(snapshot(want))
      }),
      { numRuns: 200, seed: 20261205 },
    )
  })

  it("iterating one version while reading and updating others sees that version only", () => {
    const a = PersistentMap.of(new Map([[1, 1], [2, 2]]))
    const b = a.set(3, 3)
    const seen: number[] = []
    for (const [k] of a) {
      seen.push(k)
      b.get(3)
      a.set(k + 10, 0)
    }
    expect(seen).toEqual([1, 2])
    expect([...b.keys()]).toEqual([1, 2, 3])
  })

  it("a deleted key set again moves to the end, as in a native Map", () => {
    const base = PersistentMap.of(new Map([["a", 1], ["b", 2], ["c", 3]]))
    const m = base.delete("a").set("a", 9)
    expect([...m.keys()]).toEqual(["b", "c", "a"])
    expect([...base.keys()]).toEqual(["a", "b", "c"])
    expect([...base.set("b", 5).entries()]).toEqual([["a", 1], ["b", 5], ["c", 3]])
  })

  it("DerivedCache (NODE-TALLY.1..2): a value per version and per cache, never another version's or another cache's", () => {
    const sums = new DerivedCache<ReadonlyMap<string, number>, number>()
    const tops = new DerivedCache<ReadonlyMap<string, number>, number>()
    const a = PersistentMap.of(new Map([["x", 1]]))
    const b = a.set("y", 2)
    expect(sums.get(a)).toBeUndefined()
    sums.set(a, 1)
    sums.set(b, 3)
    expect([sums.get(a), sums.get(b)]).toEqual([1, 3])
    expect(sums.get(b.set("z", 0))).toBeUndefined() // a new version starts empty
    // a second cache on the same version replaces the first: neither reads the other's value
    tops.set(a, 7)
    expect(tops.get(a)).toBe(7)
    expect(sums.get(a)).toBeUndefined()
    expect(tops.get(b)).toBeUndefined()
    // other maps: by identity, in a WeakMap
    const native = new Map([["x", 1]])
    sums.set(native, 5)
    expect(sums.get(native)).toBe(5)
    expect(sums.get(new Map(native))).toBeUndefined()
  })
})
