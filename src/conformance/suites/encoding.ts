// Handlers of the "encoding" suite (conformance/vectors/encoding/<handler>/).
import type { HandlerDef } from "../Types.ts"

export const handlers: ReadonlyArray<HandlerDef> = []
