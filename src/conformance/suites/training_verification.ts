// Handlers of the "training_verification" suite (conformance/vectors/training_verification/<handler>/).
import type { HandlerDef } from "../Types.ts"

export const handlers: ReadonlyArray<HandlerDef> = []
