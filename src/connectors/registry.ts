import type { z } from "zod";
import type { Connector, DestinationAction, DestinationSchema } from "./connector";
import { forwardConnector } from "./forward";
import { hubspotConnector } from "./hubspot";
import { pipedriveConnector } from "./pipedrive";
import { salesforceConnector } from "./salesforce";
import { slackConnector } from "./slack";

/**
 * Every destination type a configuration may name, each with its connector, the
 * way `verify/registry.ts` lists providers. A new connector is one module and one
 * line here (docs/connectors.md, "Adding a connector"); the configuration schema,
 * secret handling, validation, dispatch, default rates, the console and outcome
 * linking all read this record. Order is the order of the configuration schema's union.
 */
export const connectors = keyedByType({
  hubspot: hubspotConnector,
  salesforce: salesforceConnector,
  pipedrive: pipedriveConnector,
  slack: slackConnector,
  http: forwardConnector,
});

/** Only compiles when each key is its connector's `type` literal. */
function keyedByType<R>(record: R & { [Key in keyof R]: Connector<DestinationSchema<Key & string>> }): R {
  return record;
}

type Connectors = typeof connectors;
export type DestinationType = keyof Connectors;
type Schemas = Connectors[DestinationType]["schema"];
/** A destination of any type, as its connector's schema reads it. */
export type Destination = z.infer<Schemas>;

/** The destination types whose connector is a CRM (its record ids link outcome reports back). */
export type CrmType = { [Type in DestinationType]: Connectors[Type]["crm"] extends true ? Type : never }[DestinationType];

export const destinationTypes = Object.keys(connectors) as DestinationType[];

/** The connectors' schemas, in registry order, for the configuration's discriminated union. */
export const destinationSchemas = Object.values(connectors).map((connector) => connector.schema) as unknown as [Schemas, ...Schemas[]];

export function isCrmType(type: string): type is CrmType {
  return isDestinationType(type) && connectors[type].crm;
}

/** The CRM destination types, in registry order. */
export const crmTypes: readonly CrmType[] = destinationTypes.filter(isCrmType);

/** The destination types each route action may name. */
export function typesTaking(action: DestinationAction): DestinationType[] {
  return destinationTypes.filter((type) => (connectors[type].actions as readonly DestinationAction[]).includes(action));
}

export function isDestinationType(type: string): type is DestinationType {
  return Object.hasOwn(connectors, type);
}

/**
 * The connector of a destination, typed for any destination. The record is keyed by
 * each schema's `type` literal (checked by `keyedByType`), so the connector found
 * by a destination's type always takes that destination; TypeScript cannot follow
 * that correlation through a union, hence the one cast here.
 */
export function connectorOf(destination: Destination): AnyConnector {
  return connectors[destination.type] as unknown as AnyConnector;
}

/** A connector as `connectorOf` hands it out: taking a destination of any type. */
type AnyConnector = Connector<z.ZodType<Destination> & DestinationSchema>;
