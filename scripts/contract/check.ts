import type { ConnectorOptions } from "../../src/connectors/connector";
import { connectors } from "../../src/connectors/registry";
import type { DeliveryOutcome, LeadDelivery } from "../../src/connectors/types";
import { resolveDestination } from "./destination";
import type { Fields, Probe, Written } from "./probe";
import { probes } from "./probes";
import { memoryTokens } from "./tokens";

/**
 * The contract check: the gateway's own connector (`deliver` from the connector
 * registry) against a CRM account — a real one, or the local fakes in CI — in the
 * order a lead lives through: create, read back, update, read back, one input the
 * CRM refuses next to one it takes, clean up. Every step reports pass or fail; clean
 * up runs whenever something was written, even after a failed step.
 */

export interface Step {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ContractInput {
  /** A configuration document (parsed JSON or YAML). */
  document: unknown;
  destinationId: string;
  env: Record<string, string | undefined>;
  /** Unique per run: the leads' emails carry it, so runs never meet each other's records. */
  runId: string;
  onStep?: (step: Step) => void;
}

export async function runContract(input: ContractInput): Promise<Step[]> {
  const steps: Step[] = [];
  const report = (name: string, ok: boolean, detail: string): boolean => {
    const step = { name, ok, detail };
    steps.push(step);
    input.onStep?.(step);
    return ok;
  };

  const resolved = resolveDestination(input.document, input.destinationId, input.env);
  if (!resolved.ok) {
    report("destination", false, resolved.error);
    return steps;
  }
  // The connector and probe of one type, typed for any destination (as `connectorOf` does).
  const connector = connectors[resolved.type] as unknown as {
    deliver(d: unknown, l: readonly LeadDelivery[], o: ConnectorOptions): Promise<DeliveryOutcome[]>;
  };
  const probe = probes[resolved.type] as Probe<unknown>;
  const destination = resolved.destination;
  const allowHttp = input.env.ALLOW_HTTP_DESTINATIONS === "true";
  const options: ConnectorOptions = { allowHttp, crmTokens: memoryTokens(allowHttp) };
  report("destination", true, `${resolved.type} "${input.destinationId}"`);

  const deliver = async (deliveries: LeadDelivery[]) => connector.deliver(destination, deliveries, options);
  const lead = contractLead(input.runId, "a");
  const written: Written[] = [];
  try {
    const [created] = await deliver([lead]);
    if (!report("create", created?.ok === true, describe(created))) return steps;
    const first = created as Written;
    written.push(first);
    if (!(await readBack("read back created", probe, destination, first, probe.expected(destination, lead), options, report))) return steps;

    const changed: LeadDelivery = { ...lead, deliveryId: `${lead.deliveryId}-update`, lead: { ...lead.lead, lastName: "Updated" }, records: first.records };
    const [updated] = await deliver([changed]);
    const sameRecord = updated?.ok === true && updated.externalId === first.externalId;
    const updateDetail = updated?.ok && !sameRecord ? `wrote record ${updated.externalId}, not ${first.externalId}` : describe(updated);
    // The same record: its latest ids replace the created ones; another record: both are cleaned up.
    if (updated?.ok) written.splice(sameRecord ? 0 : written.length, sameRecord ? 1 : 0, updated);
    if (!report("update", sameRecord, updateDetail)) return steps;
    if (!(await readBack("read back updated", probe, destination, updated as Written, probe.expected(destination, changed), options, report))) return steps;

    // One input the CRM refuses, sent with one it takes: only the bad one may fail.
    const refused = probe.refused(contractLead(input.runId, "b"));
    const [kept, bad] = await deliver([{ ...changed, deliveryId: `${lead.deliveryId}-again` }, refused]);
    if (bad?.ok) written.push(bad);
    report("refused input", kept?.ok === true && bad?.ok === false && !bad.retryable, `good lead: ${describe(kept)}; bad lead: ${describe(bad)}`);
  } finally {
    for (const record of written) {
      for (const line of await probe.cleanUp(destination, record, options)) report("clean up", line.ok, line.detail);
    }
  }
  return steps;
}

/** A lead no real person has: `example.com` is reserved (RFC 2606). */
function contractLead(runId: string, which: string): LeadDelivery {
  const id = `contract-${runId}-${which}`;
  return {
    deliveryId: `${id}:0`,
    eventId: id,
    sourceId: "contract-check",
    routeId: "contract-check",
    lead: { email: `switchboard-${id}@example.com`, firstName: "Contract", lastName: "Check", company: `Switchboard ${id}`, custom: {} },
    properties: {},
  };
}

function describe(outcome: DeliveryOutcome | undefined): string {
  if (!outcome) return "no outcome";
  if (outcome.ok) return `HTTP ${outcome.status}${outcome.externalId ? `, record ${outcome.externalId}` : ""}`;
  return `${outcome.retryable ? "retryable" : "permanent"}: ${outcome.error}${outcome.excerpt ? ` — ${outcome.excerpt.slice(0, 300)}` : ""}`;
}

async function readBack(
  name: string,
  probe: Probe<unknown>,
  destination: unknown,
  written: Written,
  expected: Fields,
  options: ConnectorOptions,
  report: (name: string, ok: boolean, detail: string) => boolean,
): Promise<boolean> {
  const read = await probe.readBack(destination, written, options);
  if (!read.ok) return report(name, false, read.error);
  const wrong = Object.entries(expected).filter(([field, value]) => (read.fields[field] ?? "").toLowerCase() !== (value ?? "").toLowerCase());
  const detail =
    wrong.length === 0
      ? Object.entries(read.fields)
          .map(([field, value]) => `${field}=${value ?? "∅"}`)
          .join(", ")
      : wrong.map(([field, value]) => `${field}: expected ${value ?? "∅"}, found ${read.fields[field] ?? "∅"}`).join("; ");
  return report(name, wrong.length === 0, detail);
}
