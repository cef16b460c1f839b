/**
 * Seeded pseudo-random numbers for the anchoring test suite and the anchoring benchmark, so a
 * run can be replayed exactly: `seeded(n)` returns a function giving floats in [0, 1).
 * (A 32-bit mixing generator; quality enough for picking passages and edits.)
 */
export function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
