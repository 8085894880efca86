import type { DestinationConfig } from "../config/schema";

/**
 * Calls per second when a destination sets no `rate`, from each API's published
 * limits, rounded down to leave room for other integrations on the same account:
 * HubSpot private apps allow 190 requests per rolling 10 s (Professional/Enterprise);
 * Pipedrive allows 20 requests per 2 s per token on its smallest plan (and counts each
 * call: a delivery is 3–4 calls, src/delivery/call-costs.ts);
 * Salesforce has no per-second limit (daily allocation, 25 concurrent long
 * requests); Slack incoming webhooks allow about one message per second.
 */
export const defaultRates: Record<DestinationConfig["type"], { perSecond: number; burst: number }> = {
  // burst + 10 s × rate = 190: a full bucket plus ten seconds of refill stays within
  // HubSpot's 190 per rolling 10 s (19/s with a burst of 19 would allow 209).
  hubspot: { perSecond: 17, burst: 20 },
  salesforce: { perSecond: 20, burst: 25 },
  // Calls, not deliveries: burst + 2 s × rate = 18 stays under the smallest plan's 20
  // per 2 s (Essential/Lite), with room for the account's other integrations; that is
  // about 1.3 new leads per second (4 calls each). Larger plans can raise `rate`.
  pipedrive: { perSecond: 5, burst: 8 },
  slack: { perSecond: 1, burst: 5 },
  http: { perSecond: 50, burst: 100 },
};

export function rateOf(destination: DestinationConfig): { perSecond: number; burst: number } {
  return destination.rate ?? defaultRates[destination.type];
}
