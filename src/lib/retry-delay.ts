/**
 * When to try a queue message again (a delivery, or a routing event that failed).
 * Exponential from 10 s, capped at an hour, with "equal jitter" (half fixed, half
 * random) so that a destination coming back after an outage is not hit by every
 * retry at once. A destination's Retry-After is a floor: we never come back sooner
 * than it asked. Queues cap a delay at 12 hours.
 */
const baseSeconds = 10;
const capSeconds = 3600;
const maxQueueDelaySeconds = 43_200;

export function retryDelaySeconds(attempt: number, retryAfterSeconds?: number, random: () => number = Math.random): number {
  const exponential = Math.min(capSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential / 2 + (random() * exponential) / 2;
  return Math.min(maxQueueDelaySeconds, Math.ceil(Math.max(jittered, retryAfterSeconds ?? 0)));
}
