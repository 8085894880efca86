import type { Lead } from "../lead/schema";

/** One lead to deliver to one destination, as an action of one routed event. */
export interface LeadDelivery {
  /** Stable across retries: `<eventId>:<action index>`; receivers may dedup on it. */
  deliveryId: string;
  eventId: string;
  sourceId: string;
  routeId: string;
  lead: Lead;
  /** The owner the lead was assigned to (or kept, for a known lead). */
  ownerId?: string;
  /**
   * The assigning pool's `fallbackOwnerId`, for a CRM that refuses `ownerId` (an
   * owner it does not know). Absent when the owner came from an earlier lead.
   */
  fallbackOwnerId?: string;
  /** Extra CRM properties from the route's `upsert` action. */
  properties: Record<string, string | number | boolean>;
  /** A notification's first line instead of "New lead: …" (an SLA miss). */
  headline?: string;
  /**
   * The lead's record ids in this destination by kind, from the record map
   * (src/db/crm-records.ts): set by the consumer at each attempt, never stored in the
   * payload. A connector updates these by id instead of searching.
   */
  records?: Record<string, string>;
}

/** The CRM refused the lead's owner; the lead was written with another owner or none. */
export interface OwnerFallback {
  /** The owner id the CRM refused. */
  refusedOwnerId: string;
  /** The owner written instead (the pool's fallback owner); absent: written without one. */
  ownerId?: string;
  /** The CRM's own words. */
  message: string;
}

/**
 * The destination's rate limit was reached: not the delivery's fault, so not an
 * attempt. Every call to the destination waits until `untilMs`.
 */
export interface Hold {
  untilMs: number;
  /** The limit as the destination names it (HubSpot's `policyName`). */
  policy: string;
  /** A limit that lasts until a daily reset: worth one alert. */
  daily: boolean;
}

/** What one delivery attempt came to; `retryable` decides between backoff and dead letter. */
export type DeliveryOutcome =
  | {
      ok: true;
      status: number;
      /** The record's id in the destination, when it says. */
      externalId?: string;
      /** Record ids for the record map (kind → id), remembered for this lead and destination. */
      records?: Record<string, string>;
      /** As for a failure: the destination said its window is spent; everyone waits this long. */
      holdSeconds?: number;
      /** The first few hundred characters of the response, for the attempt log. */
      excerpt: string;
      latencyMs: number;
      ownerFallback?: OwnerFallback;
    }
  | {
      ok: false;
      /** Network errors, timeouts, 408, 429 and 5xx are retryable; other 4xx are not. */
      retryable: boolean;
      /** From the destination's Retry-After, when it sent one. */
      retryAfterSeconds?: number;
      /**
       * The destination holds every caller this long (its rate-limit window, a penalty,
       * a spent daily budget): the consumer pauses the destination's limiter, so other
       * deliveries wait instead of being refused one by one.
       */
      holdSeconds?: number;
      status?: number;
      error: string;
      excerpt?: string;
      latencyMs: number;
      /** Set for a rate limit: the consumer holds the destination instead of counting an attempt. */
      hold?: Hold;
    };
