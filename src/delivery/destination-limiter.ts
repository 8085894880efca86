import { DurableObject } from "cloudflare:workers";
import { TokenBucket } from "../inbox/token-bucket";

/**
 * One per destination: a token bucket shared by every Worker and queue consumer
 * that calls that destination, so the CRM's published rate limit holds across the
 * whole deployment rather than per isolate.
 */
export class DestinationLimiter extends DurableObject<Env> {
  private bucket: TokenBucket | undefined;

  /** Takes one token; returns 0 when taken, else the seconds until one is free. */
  take(perSecond: number, burst: number): number {
    const now = Date.now();
    if (!this.bucket) this.bucket = new TokenBucket(perSecond, burst, now);
    else this.bucket.configure(perSecond, burst);
    return this.bucket.take(now);
  }
}
