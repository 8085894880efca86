import type { DestinationConfig } from "../config/schema";
import type { ConnectorOptions } from "../connectors/connector";
import { allowHttpFrom } from "../connectors/http";
import { connectorOf } from "../connectors/registry";
import type { DeliveryOutcome, LeadDelivery } from "../connectors/types";

/** How many deliveries one call to this destination carries (one rate-limit token each call). */
export function deliveriesPerCall(destination: DestinationConfig): number {
  return connectorOf(destination).deliveriesPerCall;
}

/** Whether the destination's connector reads and reports record ids (the record map). */
export function usesRecordMap(destination: DestinationConfig): boolean {
  return destination.type === "pipedrive";
}

/** What connectors get from the Worker: the outbound rule, the token store, the configuration's version. */
export function connectorOptionsFrom(env: Env, configVersion: number): ConnectorOptions {
  return { allowHttp: allowHttpFrom(env), crmTokens: env.CRM_TOKENS, configVersion };
}

/**
 * Sends deliveries to a destination with its connector: one outcome per delivery,
 * in order. The action was checked against the destination's type when the
 * configuration was stored, so the type alone decides what happens.
 */
export async function dispatch(destination: DestinationConfig, deliveries: LeadDelivery[], options: ConnectorOptions): Promise<DeliveryOutcome[]> {
  return connectorOf(destination).deliver(destination, deliveries, options);
}
