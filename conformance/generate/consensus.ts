// Generator of the "consensus" suite: writes <outRoot>/consensus/<handler>/*.json (deterministic).
export const generate = async (_outRoot: string): Promise<void> => {}
