// Handlers of the "state_transition" suite for committee selection, audit selection, trimmed mean,
// Yuma aggregation, Q(W) and the Theorem 4.1 economics (inputs -> outputs).
import type { HandlerDef } from "../Types.ts"

export const handlers: ReadonlyArray<HandlerDef> = []
