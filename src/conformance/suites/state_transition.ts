// Handlers of the "state_transition" suite (conformance/vectors/state_transition/<handler>/):
// ledger transitions (this file) and the quality/economics functions (state_transition_quality.ts).
import type { HandlerDef } from "../Types.ts"
import { handlers as quality } from "./state_transition_quality.ts"

const ledger: ReadonlyArray<HandlerDef> = []

export const handlers: ReadonlyArray<HandlerDef> = [...ledger, ...quality]
