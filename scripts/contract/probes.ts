import type { HubspotDestination } from "../../src/connectors/hubspot";
import type { PipedriveDestination } from "../../src/connectors/pipedrive";
import type { SalesforceDestination } from "../../src/connectors/salesforce-destination";
import { hubspotProbe } from "./hubspot";
import { pipedriveProbe } from "./pipedrive";
import type { Probe } from "./probe";
import { salesforceProbe } from "./salesforce";

/** The CRMs the contract check knows how to read back and clean up, by destination type. */
export const probes: { hubspot: Probe<HubspotDestination>; salesforce: Probe<SalesforceDestination>; pipedrive: Probe<PipedriveDestination> } = {
  hubspot: hubspotProbe,
  salesforce: salesforceProbe,
  pipedrive: pipedriveProbe,
};

export type ProbedType = keyof typeof probes;

export function isProbedType(type: string): type is ProbedType {
  return Object.hasOwn(probes, type);
}
