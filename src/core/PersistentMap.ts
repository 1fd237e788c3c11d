// spec: NODE-MEMPOOL.4 (spec/03-consensus.md). An immutable map with cheap updates, for the mempool
// and the vote books. A node state is immutable (NODE-STEP.1): adding one item used to copy the whole
// map (`new Map(m).set`), O(size) per gossiped message (15 % of the simulator's CPU at N = 64, issue 12).
//
// Representation (NODE-MEMPOOL.4, "shallow binding", Baker 1978 / Conchon and Filliâtre 2007): all
// versions derived from one another share one native Map, the store, which holds the entries of one
// version, the head. Every other version is the version it points to with one key restored to an
// older value (or absent). `set` on the head mutates the store in O(1) and leaves the old head as a
// one-entry diff; reading an older version first "reroots" the store onto it, undoing and re-pointing
// the diffs on the path (O(path length), then O(1) for further reads of that version). Every version
// therefore reads exactly as its own immutable value, whichever version was touched last.
//
// Order: a native Map iterates in insertion order (a replaced value keeps its key's place; a deleted
// key set again goes last). A diff only ever adds a key at the end or replaces a value, and undoing it
// deletes that key (which was the last one added on top of the older version) or restores the value
// in place, so every version iterates exactly as a native Map after the same set/delete sequence.
// `delete` copies (a key restored in the middle would go last): the mempool deletes only when it is
// pruned after a decision (NODE-MEMPOOL.2), where it copied anyway. Iteration takes a snapshot of the
// entries, so reading other versions while iterating is safe.

const ABSENT: unique symbol = Symbol("absent")
type Old<V> = V | typeof ABSENT

interface Store<K, V> {
  readonly map: Map<K, V>
  head: PersistentMap<K, V>
}

export class PersistentMap<K, V> implements ReadonlyMap<K, V> {
  /** When this version is not the head: it equals `to` with `key` restored to `old`. */
  private to: PersistentMap<K, V> | undefined = undefined
  private key: K | undefined = undefined
  private old: Old<V> = ABSENT
  /** A value derived from this version's entries by one DerivedCache (NODE-TALLY.1..2); not part of the map's value. */
  private derived: unknown = undefined
  private derivedBy: object | undefined = undefined

  private constructor(
    private readonly store: Store<K, V>,
    readonly size: number,
  ) {}

  private static owning<K, V>(map: Map<K, V>): PersistentMap<K, V> {
    const store: Store<K, V> = { map, head: undefined as unknown as PersistentMap<K, V> }
    const p = new PersistentMap<K, V>(store, map.size)
    store.head = p
    return p
  }

  static empty<K, V>(): PersistentMap<K, V> {
    return PersistentMap.owning(new Map())
  }

  /** A persistent copy of `m` (O(size) once; `m` itself is never written). A PersistentMap is returned as is. */
  static of<K, V>(m: ReadonlyMap<K, V>): PersistentMap<K, V> {
    return m instanceof PersistentMap ? m : PersistentMap.owning(new Map(m))
  }

  /** Make this version the head: the store then holds exactly its entries. */
  private reroot(): Map<K, V> {
    const store = this.store
    if (store.head === this) return store.map
    const path: PersistentMap<K, V>[] = []
    for (let v: PersistentMap<K, V> = this; v !== store.head; v = v.to as PersistentMap<K, V>) path.push(v)
    const map = store.map
    // undo from the version next to the head back to this one; each undone diff is re-pointed the other way
    for (let i = path.length - 1; i >= 0; i--) {
      const v = path[i] as PersistentMap<K, V>
      const newer = v.to as PersistentMap<K, V>
      const k = v.key as K
      const cur: Old<V> = map.has(k) ? (map.get(k) as V) : ABSENT
      if (v.old === ABSENT) map.delete(k)
      else map.set(k, v.old)
      newer.to = v
      newer.key = k
      newer.old = cur
      v.to = undefined
      v.key = undefined
      v.old = ABSENT
    }
    store.head = this
    return map
  }

  /** The value `cache` derived from this version, if it stored one (DerivedCache). */
  derivedOf(cache: object): unknown {
    return this.derivedBy === cache ? this.derived : undefined
  }

  /** Store what `cache` derived from this version (one cache per version: a second one replaces it). */
  setDerived(cache: object, value: unknown): void {
    this.derivedBy = cache
    this.derived = value
  }

  get(k: K): V | undefined {
    return this.reroot().get(k)
  }

  has(k: K): boolean {
    return this.reroot().has(k)
  }

  /** This map with k set to v (a native Map's `set` on a copy). */
  set(k: K, v: V): PersistentMap<K, V> {
    const map = this.reroot()
    const had = map.has(k)
    const next = new PersistentMap<K, V>(this.store, had ? this.size : this.size + 1)
    this.to = next
    this.key = k
    this.old = had ? (map.get(k) as V) : ABSENT
    map.set(k, v)
    this.store.head = next
    return next
  }

  /** This map without k (a native Map's `delete` on a copy; O(size)). */
  delete(k: K): PersistentMap<K, V> {
    if (!this.has(k)) return this
    const m = new Map(this.reroot())
    m.delete(k)
    return PersistentMap.owning(m)
  }

  /** A native Map with this version's entries, in its order (no snapshot of entry pairs). */
  toMap(): Map<K, V> {
    const out = new Map<K, V>()
    this.reroot().forEach((v, k) => out.set(k, v))
    return out
  }

  entries(): MapIterator<[K, V]> {
    return [...this.reroot().entries()][Symbol.iterator]() as unknown as MapIterator<[K, V]>
  }

  keys(): MapIterator<K> {
    return [...this.reroot().keys()][Symbol.iterator]() as unknown as MapIterator<K>
  }

  values(): MapIterator<V> {
    return [...this.reroot().values()][Symbol.iterator]() as unknown as MapIterator<V>
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries()
  }

  forEach(f: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) f.call(thisArg, v, k, this)
  }
}

/**
 * NODE-TALLY.1..2: a memo of a value derived from an immutable map, keyed by the map's identity. On a
 * PersistentMap it lives in the version itself (two fields), not in a WeakMap: a WeakMap entry is an
 * ephemeron, which costs at every garbage collection, and the vote tallies create one per vote (issue
 * 12). Other maps fall back to a WeakMap. A version never changes, so neither does what is derived from it.
 */
export class DerivedCache<M extends ReadonlyMap<unknown, unknown>, T> {
  private readonly weak = new WeakMap<M, T>()

  get(m: M): T | undefined {
    return m instanceof PersistentMap ? (m.derivedOf(this) as T | undefined) : this.weak.get(m)
  }

  set(m: M, value: T): void {
    if (m instanceof PersistentMap) m.setDerived(this, value)
    else this.weak.set(m, value)
  }
}
