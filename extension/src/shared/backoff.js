// How long to wait before trying again after the n-th failure in a row (0: the first):
// doubling from `base`, spread by ±20% so that many clients cut off together (a server restart)
// do not all come back in the same instant, and never more than `max`. `random` is Math.random
// unless a test pins it.

export function backoffDelay(attempt, { base = 1000, max = 60_000, random = Math.random } = {}) {
  const n = Math.max(0, Math.floor(attempt));
  const plain = Math.min(base * 2 ** Math.min(n, 30), max);
  return Math.min(max, Math.round(plain * (0.8 + random() * 0.4)));
}
