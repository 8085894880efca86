import { type ChangeSummary, describeSummary, type FieldChange, fieldChanges, isEmptySummary, summarizeChanges } from "./diff";
import type { GatewayConfig } from "./schema";
import { destinationSecretsOf, enrichmentSecretOf, isMasked, keptSecretsOf, maskSecret, type PointerProblem } from "./secret-fields";
import { hasParent, valueAt, withValueAt } from "./secret-paths";
import { checkOffline } from "./validate";
import type { ConfigWrite } from "./write-schema";

export type { ChangeSummary, FieldChange, PointerProblem };
/**
 * What the config CLI (scripts/config-cli.mjs) runs on the operator's machine: it is
 * bundled from these sources by esbuild, so a file is checked by the same schemas
 * and checks the gateway applies, and diffs are computed the same way.
 */
export { checkOffline, describeSummary, isEmptySummary };

/**
 * The local document as the gateway would show it, so it compares with a pulled
 * one: secrets masked, an omitted secret taken as the remote one (it is kept on
 * push). Secrets compare by their masked form only: the CLI never sees stored secrets.
 */
export function comparable(local: ConfigWrite, remote: GatewayConfig): GatewayConfig {
  const remoteSources = new Map(remote.sources.map((s) => [s.id, s]));
  const remoteDestinations = new Map(remote.destinations.map((d) => [d.id, d as Record<string, unknown>]));
  const remoteEnrichments = new Map(remote.enrichments.map((e) => [e.id, e as Record<string, unknown>]));
  const sources = local.sources.map((source) => ({
    ...source,
    secrets: source.secrets === undefined ? (remoteSources.get(source.id)?.secrets ?? []) : source.secrets.map((s) => (isMasked(s) ? s : maskSecret(s))),
  }));
  const destinations = local.destinations.map((destination) => {
    let shown: Record<string, unknown> = destination;
    const kept = keptSecretsOf(destination);
    for (const path of destinationSecretsOf(destination.type)) {
      if (!hasParent(shown, path)) continue;
      const value = valueAt(shown, path);
      const remote = kept.includes(path) ? valueAt(remoteDestinations.get(destination.id), path) : undefined;
      shown = withValueAt(shown, path, typeof value === "string" ? (isMasked(value) ? value : maskSecret(value)) : remote);
    }
    return shown;
  });
  const enrichments = local.enrichments.map((enrichment) => {
    const field = enrichmentSecretOf(enrichment.type);
    if (field === undefined) return enrichment;
    const value = (enrichment as Record<string, unknown>)[field];
    const remoteEntry = remoteEnrichments.get(enrichment.id);
    const shown =
      typeof value === "string" ? (isMasked(value) ? value : maskSecret(value)) : remoteEntry?.type === enrichment.type ? remoteEntry[field] : undefined;
    return shown === undefined ? enrichment : { ...enrichment, [field]: shown };
  });
  return { ...local, sources, destinations, enrichments } as GatewayConfig;
}

/** The summary and field-level changes from `remote` to `local`. */
export function diffDocuments(local: ConfigWrite, remote: GatewayConfig): { summary: ChangeSummary; changes: FieldChange[] } {
  const shown = comparable(local, remote);
  return { summary: summarizeChanges(remote, shown), changes: fieldChanges(remote, shown) };
}
