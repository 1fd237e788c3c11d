// Handlers of the "attestation" suite (conformance/vectors/attestation/<handler>/).
import type { HandlerDef } from "../Types.ts"

export const handlers: ReadonlyArray<HandlerDef> = []
