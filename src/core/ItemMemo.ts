// spec: NODE-STEP.10 (spec/03-consensus.md)
// Memo tables for pure checks and hashes of immutable item objects (transfers, work commitments and
// reveals, audit reports), keyed by the identity of a scope (the crypto service or hash function
// the value depends on) and of the item object, in weak maps: entries go when either does.

/** One memo table: `(scope, item, compute)` returns the first `compute()` for that scope and item. */
export const itemMemo = <V>(): ((scope: object, item: object, compute: () => V) => V) => {
  const byScope = new WeakMap<object, WeakMap<object, V>>()
  return (scope, item, compute) => {
    let m = byScope.get(scope)
    if (m === undefined) {
      m = new WeakMap()
      byScope.set(scope, m)
    }
    if (m.has(item)) return m.get(item) as V
    const v = compute()
    m.set(item, v)
    return v
  }
}
