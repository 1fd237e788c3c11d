// Handlers of the "signing" suite (conformance/vectors/signing/<handler>/).
import type { HandlerDef } from "../Types.ts"

export const handlers: ReadonlyArray<HandlerDef> = []
