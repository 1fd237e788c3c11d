// Generator of the quality/economics handlers of the "state_transition" suite (deterministic).
export const generate = async (_outRoot: string): Promise<void> => {}
