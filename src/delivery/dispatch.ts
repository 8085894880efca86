import type { DestinationConfig } from "../config/schema";
import { forwardDelivery } from "../connectors/forward";
import { type ConnectorOptions, allowHttpFrom } from "../connectors/http";
import { HUBSPOT_BATCH_LIMIT, upsertLeads as hubspotUpsert } from "../connectors/hubspot";
import { upsertLead as pipedriveUpsert } from "../connectors/pipedrive";
import { SALESFORCE_BATCH_LIMIT, upsertLeads as salesforceUpsert } from "../connectors/salesforce";
import { notify as slackNotify } from "../connectors/slack";
import type { DeliveryOutcome, LeadDelivery } from "../connectors/types";

/** How many deliveries one call to this destination carries (one rate-limit token each call). */
export function deliveriesPerCall(destination: DestinationConfig): number {
  if (destination.type === "hubspot") return HUBSPOT_BATCH_LIMIT;
  if (destination.type === "salesforce") return SALESFORCE_BATCH_LIMIT;
  return 1;
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
export async function dispatch(
  destination: DestinationConfig,
  deliveries: LeadDelivery[],
  options: ConnectorOptions,
): Promise<DeliveryOutcome[]> {
  switch (destination.type) {
    case "hubspot":
      return hubspotUpsert(destination, deliveries, options);
    case "salesforce":
      return salesforceUpsert(destination, deliveries, options);
    case "pipedrive":
      return Promise.all(deliveries.map((d) => pipedriveUpsert(destination, d, options)));
    case "slack":
      return Promise.all(deliveries.map((d) => slackNotify(destination, d, options)));
    case "http":
      return Promise.all(deliveries.map((d) => forwardDelivery(destination, d, options)));
  }
}
