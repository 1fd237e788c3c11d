// Handlers of the "inference_verification" suite (conformance/vectors/inference_verification/<handler>/).
import type { HandlerDef } from "../Types.ts"

export const handlers: ReadonlyArray<HandlerDef> = []
