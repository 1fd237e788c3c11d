// Generator of the "attestation" suite: writes <outRoot>/attestation/<handler>/*.json (deterministic).
export const generate = async (_outRoot: string): Promise<void> => {}
