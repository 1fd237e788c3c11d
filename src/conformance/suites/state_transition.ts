// Handlers of the "state_transition" suite (conformance/vectors/state_transition/<handler>/).
import type { HandlerDef } from "../Types.ts"

export const handlers: ReadonlyArray<HandlerDef> = []
