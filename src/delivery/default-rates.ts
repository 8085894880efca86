import type { DestinationConfig } from "../config/schema";
import { connectorOf } from "../connectors/registry";

/**
 * Calls per second to a destination: its own `rate`, else its connector's default,
 * which each connector takes from its API's published limits, rounded down to leave
 * room for other integrations on the same account.
 */
export function rateOf(destination: DestinationConfig): { perSecond: number; burst: number } {
  if (destination.rate) return destination.rate;
  const connector = connectorOf(destination);
  return connector.defaultRateFor?.(destination) ?? connector.defaultRate;
}
