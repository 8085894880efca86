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
}

/** What one delivery attempt came to; `retryable` decides between backoff and dead letter. */
export type DeliveryOutcome =
  | {
      ok: true;
      status: number;
      /** The record's id in the destination, when it says. */
      externalId?: string;
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
      status?: number;
      error: string;
      excerpt?: string;
      latencyMs: number;
    };
