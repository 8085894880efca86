/**
 * A token bucket: `burst` tokens at most, refilled at `perSecond`. It lives in the
 * memory of the source's Durable Object, which is single-threaded, so no locking is
 * needed; if the object is evicted the bucket starts full again, which errs on the
 * side of accepting.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

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

  /** Takes one token; returns 0 when taken, else the seconds until one is available. */
  take(nowMs: number): number {
    const elapsed = Math.max(0, nowMs - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.perSecond);
    this.updatedAt = nowMs;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return (1 - this.tokens) / this.perSecond;
  }
}
