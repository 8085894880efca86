/**
 * A token bucket: `burst` tokens at most, refilled at `perSecond`. It lives in the
 * memory of the source's Durable Object, which is single-threaded, so no locking is
 * needed; if the object is evicted the bucket starts full again, which errs on the
 * side of accepting.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  /** Nothing is handed out before this time (the destination asked us to wait). */
  private pausedUntil = 0;

  constructor(
    private perSecond: number,
    private burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.updatedAt = nowMs;
  }

  /** Applies a changed rate without resetting what has been spent. */
  configure(perSecond: number, burst: number): void {
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  /**
   * Takes `count` tokens at once (one per call a unit of work will make); returns 0
   * when taken, else the seconds until they are available. A count above the burst
   * takes the whole burst, so it is never refused for good.
   */
  take(nowMs: number, count = 1): number {
    if (nowMs < this.pausedUntil) return (this.pausedUntil - nowMs) / 1000;
    const need = Math.min(count, this.burst);
    const elapsed = Math.max(0, nowMs - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.perSecond);
    this.updatedAt = nowMs;
    if (this.tokens >= need) {
      this.tokens -= need;
      return 0;
    }
    return (need - this.tokens) / this.perSecond;
  }

  /**
   * Like `take`, but a caller who must wait keeps its place in line: the tokens are
   * taken now (the balance may go below zero, a debt later callers queue behind) and
   * the answer is the seconds until they are covered. Nothing is taken when that
   * would be longer than `maxWaitSeconds`.
   */
  reserve(nowMs: number, count = 1, maxWaitSeconds = Number.POSITIVE_INFINITY): number {
    const need = Math.min(count, this.burst);
    const from = Math.max(nowMs, this.pausedUntil);
    const elapsed = Math.max(0, from - this.updatedAt) / 1000;
    const tokens = Math.min(this.burst, this.tokens + elapsed * this.perSecond);
    const wait = (from - nowMs) / 1000 + Math.max(0, need - tokens) / this.perSecond;
    if (wait > maxWaitSeconds) return wait;
    this.tokens = tokens - need;
    this.updatedAt = Math.max(this.updatedAt, from);
    return wait;
  }

  /** Hands out nothing until `untilMs`, then starts from an empty bucket (keeping any debt). */
  pause(nowMs: number, untilMs: number): void {
    if (untilMs <= Math.max(nowMs, this.pausedUntil)) return;
    this.pausedUntil = untilMs;
    this.tokens = Math.min(this.tokens, 0);
    this.updatedAt = untilMs;
  }
}
