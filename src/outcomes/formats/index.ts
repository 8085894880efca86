import type { OutcomeFeedbackConfig } from "../../config/schema";
import type { ParsedOutcomes } from "../types";
import { parseGeneric } from "./generic";
import { parseHubspot } from "./hubspot";
import { parsePipedrive } from "./pipedrive";
import { parseSalesforce } from "./salesforce";

type Parser = (payload: unknown, config: OutcomeFeedbackConfig) => ParsedOutcomes;

const parsers: Record<OutcomeFeedbackConfig["format"], Parser> = {
  generic: parseGeneric,
  hubspot: parseHubspot,
  salesforce: parseSalesforce,
  pipedrive: parsePipedrive,
};

/** Reads the outcomes a payload reports, in the source's format. Pure: no lookups. */
export function parseOutcomes(payload: unknown, config: OutcomeFeedbackConfig): ParsedOutcomes {
  return parsers[config.format](payload, config);
}
