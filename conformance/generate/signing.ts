// Generator of the "signing" suite: writes <outRoot>/signing/<handler>/*.json (deterministic).
export const generate = async (_outRoot: string): Promise<void> => {}
