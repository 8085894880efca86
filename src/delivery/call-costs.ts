import type { DestinationConfig } from "../config/schema";
import { PERSON } from "../connectors/pipedrive";
import type { LeadDelivery } from "../connectors/types";

/**
 * What one call to `dispatch` costs against the destination's limits, counted in
 * calls: a destination's `rate` (src/delivery/default-rates.ts) is calls per second,
 * not deliveries. HubSpot carries up to 100 deliveries in one call, Salesforce up
 * to 200 (sObject Collections upsert); a Pipedrive delivery makes up to four
 * (search, create or update the person, list the person's open leads, create a
 * lead), three when the record map knows the person (no search). Searches are counted once more against `searchRates`, Pipedrive's
 * separate Search API limit.
 */
export interface CallCost {
  calls: number;
  searches: number;
}

export function costOf(destination: DestinationConfig, deliveries: readonly LeadDelivery[]): CallCost {
  switch (destination.type) {
    case "hubspot":
    case "salesforce":
      return { calls: 1, searches: 0 };
    case "pipedrive": {
      const searches = deliveries.filter((d) => d.records?.[PERSON] === undefined).length;
      return { calls: deliveries.length * 3 + searches, searches };
    }
    default:
      return { calls: deliveries.length, searches: 0 };
  }
}

/**
 * Limits on searches, apart from the destination's rate. Pipedrive's Search API
 * allows 10 requests per 2 seconds per token on every plan
 * (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting); a bucket allows
 * at most burst + 2 s × rate in any 2 seconds: 4 + 2 × 2 = 8, two below the limit
 * for anyone else searching with the same token.
 */
export const searchRates: Partial<Record<DestinationConfig["type"], { perSecond: number; burst: number }>> = {
  pipedrive: { perSecond: 2, burst: 4 },
};

/** A destination's search limit: its own `searchRate`, else the default for its type. */
export function searchRateOf(destination: DestinationConfig): { perSecond: number; burst: number } | undefined {
  return (destination.type === "pipedrive" ? destination.searchRate : undefined) ?? searchRates[destination.type];
}
