import type { Lead } from "../routing/lead";

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
    };
