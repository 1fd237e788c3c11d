// Handlers of the "consensus" suite (conformance/vectors/consensus/<handler>/).
import type { HandlerDef } from "../Types.ts"

export const handlers: ReadonlyArray<HandlerDef> = []
