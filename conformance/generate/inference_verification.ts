// Generator of the "inference_verification" suite: writes <outRoot>/inference_verification/<handler>/*.json (deterministic).
export const generate = async (_outRoot: string): Promise<void> => {}
