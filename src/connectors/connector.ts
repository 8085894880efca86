import { z } from "zod";
import { breakerSchema, entryIdSchema, type Rate, rateSchema } from "../lib/config-fields";
import type { ConnectorOptions } from "./http";
import type { DeliveryOutcome, LeadDelivery } from "./types";

/**
 * What a connector declares about itself. Each connector module exports one of
 * these and `registry.ts` lists them; the configuration schema, secret handling,
 * validation, dispatch, default rates, the console and outcome linking read it
 * from there instead of naming destination types themselves.
 */

/** The route actions that send a lead to a destination. */
export const destinationActions = ["upsert", "notify", "forward"] as const;
export type DestinationAction = (typeof destinationActions)[number];

/** Fields every destination has, whatever its type. */
export const destinationCommon = {
  id: entryIdSchema,
  /** Requests per second to this destination (a token bucket shared by all Workers). */
  rate: rateSchema.optional(),
  timeoutMs: z.number().int().positive().max(60_000).default(10_000),
  /** Attempts before the delivery is dead-lettered. */
  maxAttempts: z.number().int().positive().max(50).default(8),
  /** The circuit breaker (src/delivery/breaker.ts): on by default (`breakerOf`), `false` switches it off. */
  breaker: breakerSchema.optional(),
};

/** A destination schema: an object whose `type` is the connector's literal name. */
export type DestinationSchema<Type extends string = string> = z.ZodObject<{ type: z.ZodLiteral<Type> } & z.ZodRawShape>;

export interface Connector<Schema extends DestinationSchema = DestinationSchema> {
  /** The destination's configuration; its `type` literal is the connector's key in the registry. */
  schema: Schema;
  /**
   * Where the destination's secrets sit, as dot paths into its configuration
   * (`token`, or `auth.clientSecret` inside a nested object or union). The admin
   * API masks them, keeps them when a write leaves them out or masked, and they
   * are encrypted at rest.
   */
  secrets: readonly string[];
  /**
   * Secrets another field stands in for, as dot paths (secret → field): a write that
   * has the field does not keep the stored secret (Salesforce: a write with `auth`
   * drops a stored `accessToken`, since only one of them may be given).
   */
  secretsReplacedBy?: Readonly<Record<string, string>>;
  /** Calls per second when the destination sets no `rate`, from the API's published limits. */
  defaultRate: Rate;
  /** The default rate where it depends on the account (HubSpot's plan); `defaultRate` otherwise. */
  defaultRateFor?(destination: z.infer<Schema>): Rate;
  /** How many deliveries one call carries (one rate-limit token per call). */
  deliveriesPerCall: number;
  /** The route actions that may name this destination. */
  actions: readonly DestinationAction[];
  /** A CRM: its record ids link outcome reports back to deliveries. */
  crm: boolean;
  /** The type's name in the console. */
  label: string;
  /** Where deliveries go, for the console; with secrets already masked, so no secret may be shown. */
  target(destination: z.infer<Schema>): string;
  /** Sends deliveries: one outcome per delivery, in order. */
  deliver(destination: z.infer<Schema>, deliveries: readonly LeadDelivery[], options: ConnectorOptions): Promise<DeliveryOutcome[]>;
  /** The API's own error code in an error response body, when the connector can read one. */
  errorCode?(body: string): string | undefined;
}

/** Declares a connector, keeping its literal types (secret paths, `crm` flag, actions) for the registry. */
export function defineConnector<
  Schema extends DestinationSchema,
  const Secrets extends readonly string[],
  const Crm extends boolean,
  const Actions extends readonly DestinationAction[],
>(connector: Connector<Schema> & { secrets: Secrets; crm: Crm; actions: Actions }): Connector<Schema> & { secrets: Secrets; crm: Crm; actions: Actions } {
  return connector;
}

/** `deliver` for an API that takes one lead per call: the deliveries go out side by side. */
export function eachDelivery<Destination>(
  send: (destination: Destination, delivery: LeadDelivery, options: ConnectorOptions) => Promise<DeliveryOutcome>,
): (destination: Destination, deliveries: readonly LeadDelivery[], options: ConnectorOptions) => Promise<DeliveryOutcome[]> {
  return (destination, deliveries, options) => Promise.all(deliveries.map((delivery) => send(destination, delivery, options)));
}
