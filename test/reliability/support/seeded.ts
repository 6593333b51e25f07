/**
 * A small seeded random generator (mulberry32), so a failing random schedule can be replayed:
 * every test that draws from it prints its seed, and SESSIONKIT_FAULT_SEED=<seed> reruns it.
 */
export function faultSeed(): number {
  const fromEnv = Number(process.env.SESSIONKIT_FAULT_SEED)
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : (Date.now() % 2_147_483_647) + 1
}

/** Uniform numbers in [0, 1) from `seed`. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
