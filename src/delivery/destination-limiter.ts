import { DurableObject } from "cloudflare:workers";
import { TokenBucket } from "../inbox/token-bucket";

/**
 * One per destination: a token bucket shared by every Worker and queue consumer
 * that calls that destination, so the CRM's published rate limit holds across the
 * whole deployment rather than per isolate. A hold (the CRM said 429 and until
 * when) stops every caller until it ends.
 */
export class DestinationLimiter extends DurableObject<Env> {
  private bucket: TokenBucket | undefined;
  /** Stored, so that a daily hold (and its one alert) outlives an eviction. */
  private heldUntil = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.heldUntil = (await ctx.storage.get<number>("heldUntil")) ?? 0;
    });
  }

  /** Takes one token; returns 0 when taken, else the seconds until one is free. */
  take(perSecond: number, burst: number): number {
    const now = Date.now();
    if (now < this.heldUntil) return (this.heldUntil - now) / 1000;
    if (!this.bucket) this.bucket = new TokenBucket(perSecond, burst, now);
    else this.bucket.configure(perSecond, burst);
    return this.bucket.take(now);
  }

  /**
   * Holds the destination until `untilMs`. Returns true when this starts a new
   * hold (none was running until then): the caller alerts once per hold.
   */
  async hold(untilMs: number): Promise<boolean> {
    const fresh = this.heldUntil < Date.now();
    if (untilMs > this.heldUntil) {
      this.heldUntil = untilMs;
      await this.ctx.storage.put("heldUntil", untilMs);
    }
    return fresh;
  }
}
