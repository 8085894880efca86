import type { DestinationConfig } from "../config/schema";
import { forwardDelivery } from "../connectors/forward";
import type { ConnectorOptions } from "../connectors/http";
import { HUBSPOT_BATCH_LIMIT, upsertLeads as hubspotUpsert } from "../connectors/hubspot";
import { upsertLead as pipedriveUpsert } from "../connectors/pipedrive";
import { upsertLead as salesforceUpsert } from "../connectors/salesforce";
import { notify as slackNotify } from "../connectors/slack";
import type { DeliveryOutcome, LeadDelivery } from "../connectors/types";

/** How many deliveries one call to this destination carries (one rate-limit token each call). */
export function deliveriesPerCall(destination: DestinationConfig): number {
  return destination.type === "hubspot" ? HUBSPOT_BATCH_LIMIT : 1;
}

/** Whether the destination's connector reads and reports record ids (the record map). */
export function usesRecordMap(destination: DestinationConfig): boolean {
  return destination.type === "pipedrive";
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
      return Promise.all(deliveries.map((d) => salesforceUpsert(destination, d, options)));
    case "pipedrive":
      return Promise.all(deliveries.map((d) => pipedriveUpsert(destination, d, options)));
    case "slack":
      return Promise.all(deliveries.map((d) => slackNotify(destination, d, options)));
    case "http":
      return Promise.all(deliveries.map((d) => forwardDelivery(destination, d, options)));
  }
}
