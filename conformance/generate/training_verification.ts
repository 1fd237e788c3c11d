// Generator of the "training_verification" suite: writes <outRoot>/training_verification/<handler>/*.json (deterministic).
export const generate = async (_outRoot: string): Promise<void> => {}
