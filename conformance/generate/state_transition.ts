// Generator of the "state_transition" suite: writes <outRoot>/state_transition/<handler>/*.json (deterministic).
import { generate as generateQuality } from "./state_transition_quality.ts"

export const generate = async (outRoot: string): Promise<void> => {
  await generateQuality(outRoot)
}
