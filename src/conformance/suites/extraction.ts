// Handlers of the "extraction" suite (conformance/vectors/extraction/<handler>/).
import type { HandlerDef } from "../Types.ts"

export const handlers: ReadonlyArray<HandlerDef> = []
