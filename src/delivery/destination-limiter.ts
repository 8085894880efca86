import { DurableObject } from "cloudflare:workers";
import { TokenBucket } from "../inbox/token-bucket";

/**
 * One per destination (and one more per destination for a separately limited kind
 * of call, such as Pipedrive's searches): a token bucket shared by every Worker and
 * queue consumer that calls that destination, so the CRM's published rate limit
 * holds across the whole deployment rather than per isolate.
 */
export class DestinationLimiter extends DurableObject<Env> {
  private bucket: TokenBucket | undefined;

  /** Takes `count` tokens (one per call); returns 0 when taken, else the seconds until they are free. */
  take(perSecond: number, burst: number, count = 1): number {
    const now = Date.now();
    if (!this.bucket) this.bucket = new TokenBucket(perSecond, burst, now);
    else this.bucket.configure(perSecond, burst);
    return this.bucket.take(now, count);
  }

  /** The destination answered 429: no calls for `seconds`, from any consumer. */
  pause(perSecond: number, burst: number, seconds: number): void {
    const now = Date.now();
    if (!this.bucket) this.bucket = new TokenBucket(perSecond, burst, now);
    this.bucket.pause(now, now + seconds * 1000);
  }
}
