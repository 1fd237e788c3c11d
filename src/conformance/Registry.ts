// spec: CONF-SUITE.2 — every handler of the conformance suite, in report order.
import type { HandlerDef } from "./Types.ts"
import { handlers as encoding } from "./suites/encoding.ts"
import { handlers as signing } from "./suites/signing.ts"
import { handlers as hashing } from "./suites/hashing.ts"
import { handlers as extraction } from "./suites/extraction.ts"
import { handlers as attestation } from "./suites/attestation.ts"
import { handlers as trainingVerification } from "./suites/training_verification.ts"
import { handlers as inferenceVerification } from "./suites/inference_verification.ts"
import { handlers as consensus } from "./suites/consensus.ts"
import { handlers as stateTransition } from "./suites/state_transition.ts"

export const SUITES = [
  "encoding",
  "signing",
  "hashing",
  "extraction",
  "attestation",
  "training_verification",
  "inference_verification",
  "consensus",
  "state_transition",
] as const

export const HANDLERS: ReadonlyArray<HandlerDef> = [
  ...encoding,
  ...signing,
  ...hashing,
  ...extraction,
  ...attestation,
  ...trainingVerification,
  ...inferenceVerification,
  ...consensus,
  ...stateTransition,
]

export const handlerKey = (h: { readonly suite: string; readonly handler: string }): string => `${h.suite}/${h.handler}`

export const findHandler = (suite: string, handler: string): HandlerDef | undefined =>
  HANDLERS.find((h) => h.suite === suite && h.handler === handler)
