// Generator of the "hashing" suite: writes <outRoot>/hashing/<handler>/*.json (deterministic).
export const generate = async (_outRoot: string): Promise<void> => {}
