import { DurableObject } from "cloudflare:workers";
import { TokenBucket } from "../inbox/token-bucket";

/** Queues cap a retry delay at 12 hours; a longer wait is not reserved. */
const maxWaitSeconds = 43_200;
/** A reservation nobody came back for is dropped after its time plus this. */
const forgetAfterMs = 3_600_000;

/**
/**
 * One per destination (and one more per destination for a separately limited kind
 * of call, such as Pipedrive's searches): a token bucket shared by every Worker and
 * queue consumer that calls that destination, so the CRM's published rate limit
 * holds across the whole deployment rather than per isolate. A hold (the CRM said
 * 429 and until when) stops every caller until it ends.
 *
 * A caller that has to wait gets a reservation under its key (a delivery id): the
 * tokens are its when it comes back. Without one, every waiting message would be
 * told "about a second" and come back together, again and again, spending the
 * queue's retry budget (max_retries) during a long backlog; with one, each waits
 * once, for its own turn.
 */
export class DestinationLimiter extends DurableObject<Env> {
  private bucket: TokenBucket | undefined;
  private readonly reservations = new Map<string, number>();
  /** Stored, so that a daily hold (and its one alert) outlives an eviction. */
  private heldUntil = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.heldUntil = (await ctx.storage.get<number>("heldUntil")) ?? 0;
    });
  }

  /**
   * Takes `count` tokens (one per call); returns 0 when taken, else the seconds to
   * wait. With a `key`, the wait is a reservation: the same key coming back when it
   * is due gets 0 without taking again.
   */
  take(perSecond: number, burst: number, count = 1, key?: string): number {
    const now = Date.now();
    if (now < this.heldUntil) return (this.heldUntil - now) / 1000;
    const bucket = this.bucketFor(perSecond, burst, now);
    bucket.configure(perSecond, burst);
    if (key === undefined) return bucket.take(now, count);
    const reserved = this.reservations.get(key);
    if (reserved !== undefined) {
      if (reserved <= now) {
        this.reservations.delete(key);
        return 0;
      }
      return (reserved - now) / 1000;
    }
    this.forgetStale(now);
    const wait = bucket.reserve(now, count, maxWaitSeconds);
    if (wait > 0 && wait <= maxWaitSeconds) this.reservations.set(key, now + Math.ceil(wait) * 1000);
    return wait;
  }

  /** The destination said it holds every caller: no calls for `seconds`; reservations move back as much. */
  pause(perSecond: number, burst: number, seconds: number): void {
    const now = Date.now();
    const untilMs = now + seconds * 1000;
    this.bucketFor(perSecond, burst, now).pause(now, untilMs);
    for (const [key, at] of this.reservations) this.reservations.set(key, untilMs + Math.max(0, at - now));
  }

  private bucketFor(perSecond: number, burst: number, now: number): TokenBucket {
    this.bucket ??= new TokenBucket(perSecond, burst, now);
    return this.bucket;
  }

  private forgetStale(now: number): void {
    for (const [key, at] of this.reservations) if (at < now - forgetAfterMs) this.reservations.delete(key);
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
