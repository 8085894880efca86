import type { DestinationConfig } from "../config/schema";
import { hubspotRate } from "../connectors/hubspot-limits";

/**
 * Calls per second when a destination sets no `rate`, from each API's published
 * limits, rounded down to leave room for other integrations on the same account:
 * HubSpot's depends on the portal's plan (`hubspotRate`; the entry here is the
 * Professional/Enterprise one);
 * Pipedrive's API-token budget is roughly 80 requests per 2 s on the lower plans;
 * Salesforce has no per-second limit (daily allocation, 25 concurrent long
 * requests); Slack incoming webhooks allow about one message per second.
 */
export const defaultRates: Record<DestinationConfig["type"], { perSecond: number; burst: number }> = {
  // burst + 10 s × rate = 190: a full bucket plus ten seconds of refill stays within
  // HubSpot's 190 per rolling 10 s (19/s with a burst of 19 would allow 209).
  hubspot: { perSecond: 17, burst: 20 },
  salesforce: { perSecond: 20, burst: 25 },
  pipedrive: { perSecond: 10, burst: 20 },
  slack: { perSecond: 1, burst: 5 },
  http: { perSecond: 50, burst: 100 },
};

export function rateOf(destination: DestinationConfig): { perSecond: number; burst: number } {
  if (destination.type === "hubspot") return hubspotRate(destination);
  return destination.rate ?? defaultRates[destination.type];
}
