// spec: NODE-P2P.1 (spec/20-node.md). libp2p 2.10 and gossipsub 14 call Promise.withResolvers
// (ES2024), which Node 20 lacks (Node 22 has it). This module defines it, with the standard's
// semantics, when it is missing; every module that loads libp2p imports it first.
type Resolvers<T> = { promise: Promise<T>; resolve: (v: T | PromiseLike<T>) => void; reject: (e: unknown) => void }
const P = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> }
if (typeof P.withResolvers !== "function") {
  Object.defineProperty(Promise, "withResolvers", {
    value: function withResolvers<T>(): Resolvers<T> {
      let resolve!: Resolvers<T>["resolve"]
      let reject!: Resolvers<T>["reject"]
      const promise = new Promise<T>((res, rej) => {
        resolve = res
        reject = rej
      })
      return { promise, resolve, reject }
    },
    writable: true,
    configurable: true,
  })
}
export {}
