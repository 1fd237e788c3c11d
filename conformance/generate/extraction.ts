// Generator of the "extraction" suite: writes <outRoot>/extraction/<handler>/*.json (deterministic).
export const generate = async (_outRoot: string): Promise<void> => {}
