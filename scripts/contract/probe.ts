import type { ConnectorOptions } from "../../src/connectors/connector";
import type { DeliveryOutcome, LeadDelivery } from "../../src/connectors/types";

/**
 * What the contract check needs to know about one CRM besides its connector: the
 * calls that read back and delete what the connector wrote, and an input the CRM
 * refuses. These calls are the check's own, never the connector's: the connector
 * only writes. Each probe cites the CRM's documentation for them.
 */

export type Written = Extract<DeliveryOutcome, { ok: true }>;

/** A record the check reads back: field name (the CRM's) → value, absent when the CRM has none. */
export type Fields = Record<string, string | undefined>;

export type ReadBack = { ok: true; fields: Fields } | { ok: false; error: string };

export interface Probe<Destination> {
  /** The fields the CRM should hold after `delivery` was written, as `readBack` names them. */
  expected(destination: Destination, delivery: LeadDelivery): Fields;
  /** The same lead as `delivery`, with an input this CRM refuses for good (and says why). */
  refused(delivery: LeadDelivery): LeadDelivery;
  /** What the CRM holds for the record the connector reported writing. */
  readBack(destination: Destination, written: Written, options: ConnectorOptions): Promise<ReadBack>;
  /** Deletes what the connector reported writing; one line per record, `ok` when it is gone. */
  cleanUp(destination: Destination, written: Written, options: ConnectorOptions): Promise<{ ok: boolean; detail: string }[]>;
}
