// spec: NODE-MEMPOOL.4 (spec/03-consensus.md). An immutable map with cheap updates, for the mempool.
// A node state is immutable (NODE-STEP.1): adding one item used to copy the whole map (`new Map(m).set`),
// O(size) per gossiped message (15 % of the simulator's CPU at N = 64, issue 12). A PersistentMap is
// a shared, never-mutated base Map plus a small overlay of changes; an update copies only the overlay,
// and the overlay is folded into a new base once it exceeds about sqrt(size) entries, so an update
// costs O(sqrt(size)) amortized. It iterates in exactly the order a native Map would after the same
// sequence of set/delete calls (insertion order; a replaced value keeps its key's place), so nothing
// that iterates a mempool (gossip order, NODE-RETRANSMIT.1) can tell the two apart.

const GONE: unique symbol = Symbol("gone")
type Slot<V> = V | typeof GONE

export class PersistentMap<K, V> implements ReadonlyMap<K, V> {
  private constructor(
    /** Never mutated once this map exists. */
    private readonly base: ReadonlyMap<K, V>,
    /** Changes on top of base: a base key's new value or GONE (deleted); a new key's value. Never mutated. */
    private readonly over: ReadonlyMap<K, Slot<V>>,
    readonly size: number,
  ) {}

  static empty<K, V>(): PersistentMap<K, V> {
    return new PersistentMap<K, V>(new Map(), new Map(), 0)
  }

  /** A persistent view of `m`, which the caller must never mutate afterwards (no copy is made). */
  static of<K, V>(m: ReadonlyMap<K, V>): PersistentMap<K, V> {
    return m instanceof PersistentMap ? m : new PersistentMap<K, V>(m, new Map(), m.size)
  }

  get(k: K): V | undefined {
    if (this.over.has(k)) {
      const o = this.over.get(k) as Slot<V>
      return o === GONE ? undefined : o
    }
    return this.base.get(k)
  }

  has(k: K): boolean {
    return this.over.has(k) ? this.over.get(k) !== GONE : this.base.has(k)
  }

  /** This map with k set to v (a native Map's `set` on a copy). */
  set(k: K, v: V): PersistentMap<K, V> {
    const inBase = this.base.has(k)
    // a deleted base key set again moves to the end in a native Map: fold first, then append
    if (inBase && this.over.get(k) === GONE) return this.flat().set(k, v)
    const had = this.has(k)
    const over = new Map(this.over).set(k, v)
    return this.next(over, had ? this.size : this.size + 1)
  }

  /** This map without k (a native Map's `delete` on a copy). */
  delete(k: K): PersistentMap<K, V> {
    if (!this.has(k)) return this
    const over = new Map(this.over)
    if (this.base.has(k)) over.set(k, GONE)
    else over.delete(k)
    return this.next(over, this.size - 1)
  }

  private next(over: Map<K, Slot<V>>, size: number): PersistentMap<K, V> {
    const m = new PersistentMap<K, V>(this.base, over, size)
    return over.size * over.size > Math.max(256, m.size) ? m.flat() : m
  }

  /** The same map with an empty overlay. */
  private flat(): PersistentMap<K, V> {
    return new PersistentMap<K, V>(new Map(this.entries()), new Map(), this.size)
  }

  *entries(): MapIterator<[K, V]> {
    const over = this.over
    for (const [k, v] of this.base) {
      if (!over.has(k)) yield [k, v]
      else {
        const o = over.get(k) as Slot<V>
        if (o !== GONE) yield [k, o]
      }
    }
    for (const [k, o] of over) if (o !== GONE && !this.base.has(k)) yield [k, o]
  }

  *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries()
  }

  forEach(f: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) f.call(thisArg, v, k, this)
  }
}
