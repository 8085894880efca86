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

  /** Hands out nothing until `untilMs`, then starts from an empty bucket. */
  pause(nowMs: number, untilMs: number): void {
    if (untilMs <= Math.max(nowMs, this.pausedUntil)) return;
    this.pausedUntil = untilMs;
    this.tokens = 0;
    this.updatedAt = untilMs;
  }
}
