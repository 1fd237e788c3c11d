// Handlers of the "hashing" suite (conformance/vectors/hashing/<handler>/).
import type { HandlerDef } from "../Types.ts"

export const handlers: ReadonlyArray<HandlerDef> = []
