// Generator of the "encoding" suite: writes <outRoot>/encoding/<handler>/*.json (deterministic).
export const generate = async (_outRoot: string): Promise<void> => {}
