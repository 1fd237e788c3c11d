// Shared fast-check settings for every property file: a fixed seed and a CI-sized number of runs by
// default; `npm run properties -- --runs N [--seed S]` (or POAI_PROPERTY_RUNS / POAI_PROPERTY_SEED)
// overrides them. fast-check prints the seed and the shrunk counterexample of a failure.
export const propertyRuns = (ciDefault: number): number => {
  const v = process.env.POAI_PROPERTY_RUNS
  return v !== undefined && /^[1-9][0-9]*$/.test(v) ? Number(v) : ciDefault
}
export const propertySeed = (fixed: number): number => {
  const v = process.env.POAI_PROPERTY_SEED
  return v !== undefined && /^-?[0-9]+$/.test(v) ? Number(v) : fixed
}
