import { DurableObject } from "cloudflare:workers";
import { TokenBucket } from "../inbox/token-bucket";
import { admitCall, afterCall, afterCoolDown, type Breaker, type BreakerSettings, closedBreaker, type Verdict } from "./breaker";
import type { DestinationStatus } from "./destination-state";
import { type ParkedDelivery, ParkedList } from "./parked";
import { resendDeliveries } from "./resend";

/** Queues cap a retry delay at 12 hours; a longer wait is not reserved. */
const maxWaitSeconds = 43_200;
/** A reservation nobody came back for is dropped after its time plus this. */
const forgetAfterMs = 3_600_000;
/** Parked deliveries released per message batch (one sendBatch) when draining. */
const drainPage = 100;
/** A probe released at the end of a cool-down that no consumer took: another one after this. */
const probeRetryMs = 60_000;

/** What a consumer asks before a call: the rate, and what the breaker needs. */
export interface AdmitRequest {
  perSecond: number;
  burst: number;
  /** Tokens this call takes (src/delivery/call-costs.ts). */
  calls: number;
  /** The reservation's key (the chunk's first delivery id). */
  key?: string;
  /** Deliveries one call carries: with the rate, how fast a drain releases held deliveries. */
  perCall: number;
  /** The destination's breaker; undefined when switched off. */
  breaker: BreakerSettings | undefined;
  /** How long a probe may take before another consumer may probe. */
  leaseMs: number;
}

/**
 * `go`: call now (`probe`: only the chunk's first delivery, as the breaker's one
 * probe; `watching`: failures are being counted, so report the call's verdict even
 * when it succeeds). `wait`: over the rate, come back in `seconds`. `held`: paused
 * or breaker open; park the deliveries.
 */
export type Admission = { kind: "go"; probe: boolean; watching: boolean } | { kind: "wait"; seconds: number } | { kind: "held" };

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
 *
 * It also owns the destination's runtime state: paused by an operator, and its
 * circuit breaker (src/delivery/breaker.ts). While either holds, deliveries are
 * parked here (src/delivery/parked.ts) and their messages acked; resuming, or the
 * breaker closing, drains them oldest first at the destination's pace (the alarm
 * releases a page at a time). The alarm also ends a breaker's cool-down and sends
 * the first held delivery as its probe.
 */
export class DestinationLimiter extends DurableObject<Env> {
  private bucket: TokenBucket | undefined;
  private readonly reservations = new Map<string, number>();
  /** Stored, so that a daily hold (and its one alert) outlives an eviction. */
  private heldUntil = 0;
  private paused = false;
  private breaker: Breaker = closedBreaker;
  /** Deliveries per second the drain may release: the destination's rate times deliveries per call. */
  private drainPerSecond = 10;
  private readonly parked: ParkedList;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.parked = new ParkedList(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.get(["heldUntil", "paused", "breaker", "drainPerSecond"]);
      this.heldUntil = (stored.get("heldUntil") as number | undefined) ?? 0;
      this.paused = (stored.get("paused") as boolean | undefined) ?? false;
      this.breaker = (stored.get("breaker") as Breaker | undefined) ?? closedBreaker;
      this.drainPerSecond = (stored.get("drainPerSecond") as number | undefined) ?? 10;
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

  /**
   * Before a call: held (paused, or the breaker holds), else the rate decides. Half
   * open, the first caller gets the probe; the probe is only taken when the rate
   * lets it go now.
   */
  async admit(request: AdmitRequest): Promise<Admission> {
    const now = Date.now();
    await this.notePace(request.perSecond * request.perCall);
    if (this.paused) return { kind: "held" };
    if (!request.breaker && this.breaker.state !== "closed") {
      // Switched off while holding: what it held goes out.
      await this.setBreaker(closedBreaker);
      await this.ctx.storage.setAlarm(now);
    }
    const { next, admit } = admitCall(this.breaker, now, request.leaseMs);
    if (admit === "held") return { kind: "held" };
    const wait = this.take(request.perSecond, request.burst, request.calls, request.key);
    if (wait > 0) return { kind: "wait", seconds: wait };
    if (admit === "probe") {
      await this.setBreaker(next);
      // A probe whose consumer died: another one once its lease is over.
      await this.ctx.storage.setAlarm(now + request.leaseMs);
    }
    return { kind: "go", probe: admit === "probe", watching: this.breaker.state === "closed" && this.breaker.failures > 0 };
  }

  /**
   * Parks deliveries whose destination is held. False when it does not hold any
   * more (resumed meanwhile): the caller sends them instead. Checked and parked in
   * one call, so a drain cannot run between the two and miss them.
   */
  park(entries: readonly ParkedDelivery[]): boolean {
    if (!this.holds()) return false;
    this.parked.add(entries);
    return true;
  }

  /** After a call: the breaker's new state; `opened` when this call opened it (alert once). */
  async report(settings: BreakerSettings | undefined, verdict: Verdict, probe: boolean): Promise<{ opened: boolean; status: DestinationStatus }> {
    const before = this.breaker.state;
    const { next, opened } = afterCall(this.breaker, verdict, settings, probe, Date.now());
    await this.setBreaker(next);
    if (next.state === "open" && before !== "open") await this.ctx.storage.setAlarm(next.until);
    else if (next.state === "closed" && before !== "closed") await this.drain();
    return { opened, status: this.status() };
  }

  /** An operator paused the destination: nothing goes out until `operatorResume`. */
  async operatorPause(): Promise<DestinationStatus> {
    this.paused = true;
    await this.ctx.storage.put("paused", true);
    return this.status();
  }

  /** Lifts a pause; what was held drains (or, breaker half open, its probe goes out). */
  async operatorResume(): Promise<DestinationStatus> {
    if (this.paused) {
      this.paused = false;
      await this.ctx.storage.put("paused", false);
      if (this.breaker.state === "closed") await this.drain();
      else if (this.breaker.state === "half_open") await this.ctx.storage.setAlarm(Date.now());
    }
    return this.status();
  }

  status(): DestinationStatus {
    const state = this.paused ? "paused" : this.breaker.state === "closed" ? "active" : this.breaker.state;
    return { state, held: this.parked.count() };
  }

  override async alarm(): Promise<void> {
    // Alarms are set for the cool-down's end, a probe's lease and the next drain
    // page; the state says which one rang.
    if (this.breaker.state === "open") await this.setBreaker(afterCoolDown(this.breaker));
    if (this.paused) return;
    if (this.breaker.state === "half_open") {
      const { probeUntil } = this.breaker;
      if (probeUntil !== undefined && probeUntil > Date.now()) {
        await this.ctx.storage.setAlarm(probeUntil);
        return;
      }
      // No probe out: the oldest held delivery is sent as the probe. With none held,
      // the next delivery to arrive is the probe.
      if ((await this.release(1)) > 0) await this.ctx.storage.setAlarm(Date.now() + probeRetryMs);
      return;
    }
    await this.drain();
  }

  private holds(): boolean {
    return this.paused || admitCall(this.breaker, Date.now(), 0).admit === "held";
  }

  /** Releases a page of held deliveries now and sets the alarm for the next page at the destination's pace. */
  private async drain(): Promise<void> {
    const released = await this.release(drainPage);
    if (released === drainPage) await this.ctx.storage.setAlarm(Date.now() + Math.ceil((released / this.drainPerSecond) * 1000));
  }

  /**
   * Sends the oldest `limit` held deliveries again (src/delivery/resend.ts, the one
   * place that does): those still pending and free are marked due and get a queue
   * message each, so a message lost then is re-sent by the sweeper; one settled
   * meanwhile is left alone. They leave the list once that is done; a failure
   * leaves them for the alarm's retry. Returns how many left the list.
   */
  private async release(limit: number): Promise<number> {
    const entries = this.parked.oldest(limit);
    if (entries.length === 0) return 0;
    const now = Date.now();
    await resendDeliveries(
      this.env,
      entries.map((e) => ({ id: e.deliveryId, eventId: e.eventId })),
      { statuses: ["pending"], asOfMs: now + 1 },
      now,
    );
    this.parked.remove(entries.map((e) => e.deliveryId));
    return entries.length;
  }

  private async setBreaker(next: Breaker): Promise<void> {
    if (next === this.breaker) return;
    this.breaker = next;
    await this.ctx.storage.put("breaker", next);
  }

  private async notePace(perSecond: number): Promise<void> {
    if (perSecond === this.drainPerSecond || !(perSecond > 0)) return;
    this.drainPerSecond = perSecond;
    await this.ctx.storage.put("drainPerSecond", perSecond);
  }
}
