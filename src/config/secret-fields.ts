import { connectors, destinationTypes, isDestinationType } from "../connectors/registry";
import type { DestinationConfig, EnrichmentConfig, GatewayConfig, GatewayConfigInput } from "./schema";
import { isRecord, keepStoredAt, mapStringsAt, type SecretPath, splitPath, stringsAt, valueAt, withValueAt } from "./secret-paths";
import { type ConfigWrite, maskPrefix } from "./write-schema";

/**
 * Where secrets sit in the configuration document: each source's `secrets`, the
 * secret paths each connector declares for its destinations (a Slack
 * incoming-webhook URL is itself a credential), and an `http` enrichment's optional
 * `token`. Everything that masks, keeps or encrypts secrets goes through these lists.
 */
const destinationSecretPaths = new Map<string, readonly SecretPath[]>(destinationTypes.map((type) => [type, connectors[type].secrets.map(splitPath)]));

/** The secret paths of a destination of this type (none for a type no connector has). */
export function destinationSecretsOf(type: string): readonly SecretPath[] {
  return destinationSecretPaths.get(type) ?? [];
}

/**
 * The secret paths a write of this destination keeps from the stored entry when it
 * leaves them out or sends them masked: its type's, less those a field the write
 * has stands in for (the connector's `secretsReplacedBy`).
 */
export function keptSecretsOf(destination: unknown): readonly SecretPath[] {
  if (!isRecord(destination) || typeof destination.type !== "string") return [];
  const paths = destinationSecretsOf(destination.type);
  const replaced = isDestinationType(destination.type) ? connectors[destination.type].secretsReplacedBy : undefined;
  if (replaced === undefined) return paths;
  return paths.filter((path) => {
    const by = replaced[path.join(".")];
    return by === undefined || valueAt(destination, splitPath(by)) === undefined;
  });
}

/** The secret field of each enrichment type that has one (a `hubspot-company` lookup uses its destination's token). */
export const enrichmentSecretField: Partial<Record<EnrichmentConfig["type"], string>> = { http: "token" };

/** The secret field of an enrichment of this type, if it has one. */
export function enrichmentSecretOf(type: string): string | undefined {
  return Object.hasOwn(enrichmentSecretField, type) ? enrichmentSecretField[type as EnrichmentConfig["type"]] : undefined;
}

/** A problem with a JSON pointer into the document, as the admin API reports it. */
export interface PointerProblem {
  pointer: string;
  message: string;
}

/**
 * `••••` and the last four characters. Secrets shorter than 12 characters show
 * nothing: four characters of an eight-character secret give too much away.
 */
export function maskSecret(value: string): string {
  return value.length >= 12 ? `${maskPrefix}${value.slice(-4)}` : maskPrefix;
}

export function isMasked(value: string): boolean {
  return value.startsWith(maskPrefix);
}

/** A copy of the document with every secret masked: what the API returns. */
export function maskDocument(document: GatewayConfig): GatewayConfig {
  return {
    ...document,
    sources: document.sources.map((source) => ({ ...source, secrets: source.secrets.map(maskSecret) })),
    destinations: document.destinations.map((destination) => maskDestination(destination)),
    enrichments: document.enrichments.map((enrichment) => maskEnrichment(enrichment)),
  };
}

export function maskDestination(destination: DestinationConfig): DestinationConfig {
  return mapStringsAt(destination, destinationSecretsOf(destination.type), maskSecret);
}

export function maskEnrichment(enrichment: EnrichmentConfig): EnrichmentConfig {
  const field = enrichmentSecretOf(enrichment.type);
  const value = field === undefined ? undefined : (enrichment as Record<string, unknown>)[field];
  return field !== undefined && typeof value === "string" ? ({ ...enrichment, [field]: maskSecret(value) } as EnrichmentConfig) : enrichment;
}

/**
 * Fills in the secrets a write left out or sent masked from the stored document
 * (sources, destinations and enrichments matched by id). What cannot be filled is a
 * problem: a new destination without its secret, or a masked value that masks
 * nothing stored. An enrichment's token is optional: left out with nothing stored
 * to keep, the enrichment simply has none.
 */
export function resolveSecrets(input: ConfigWrite, stored: GatewayConfig | undefined): { document: GatewayConfigInput; problems: PointerProblem[] } {
  const problems: PointerProblem[] = [];
  const storedSources = new Map(stored?.sources.map((s) => [s.id, s]));
  const storedDestinations = new Map(stored?.destinations.map((d) => [d.id, d]));
  const storedEnrichments = new Map(stored?.enrichments.map((e) => [e.id, e]));

  const sources = input.sources.map((source, i) => {
    const previous = storedSources.get(source.id)?.secrets ?? [];
    if (source.secrets === undefined) return { ...source, secrets: previous };
    const used = new Set<number>();
    const secrets = source.secrets.map((value, j) => {
      if (!isMasked(value)) return value;
      const at = matchMasked(value, previous, j, used);
      if (at === undefined) {
        problems.push({ pointer: `/sources/${i}/secrets/${j}`, message: "masked value matches no stored secret of this source" });
        return value;
      }
      used.add(at);
      return previous[at] ?? value;
    });
    return { ...source, secrets };
  });

  const destinations = input.destinations.map((destination, i) => {
    const previous = storedDestinations.get(destination.id);
    const kept = keepStoredAt(destination, previous?.type === destination.type ? previous : undefined, {
      schema: connectors[destination.type].schema,
      paths: keptSecretsOf(destination),
      maskSecret,
      isMasked,
    });
    for (const { path, missing } of kept.problems) {
      problems.push({
        pointer: `/destinations/${i}/${path.join("/")}`,
        message: missing ? "required (no stored value to keep)" : "masked value matches no stored secret of this destination",
      });
    }
    return kept.value;
  });

  const enrichments = input.enrichments.map((enrichment, i) => {
    const field = enrichmentSecretOf(enrichment.type);
    if (field === undefined) return enrichment;
    const value = (enrichment as Record<string, unknown>)[field];
    if (typeof value === "string" && !isMasked(value)) return enrichment;
    const previous = storedEnrichments.get(enrichment.id);
    const kept = previous?.type === enrichment.type ? (previous as Record<string, unknown>)[field] : undefined;
    if (typeof kept === "string" && (value === undefined || maskSecret(kept) === value)) return { ...enrichment, [field]: kept };
    if (value === undefined) return enrichment;
    problems.push({ pointer: `/enrichments/${i}/${field}`, message: "masked value matches no stored secret of this enrichment" });
    return enrichment;
  });

  return { document: { ...input, sources, destinations, enrichments } as GatewayConfigInput, problems };
}

/** The stored secret a masked entry stands for: the same position if it fits, else the first unused that fits. */
function matchMasked(masked: string, stored: string[], position: number, used: ReadonlySet<number>): number | undefined {
  const fits = (k: number) => !used.has(k) && stored[k] !== undefined && maskSecret(stored[k]) === masked;
  if (fits(position)) return position;
  for (let k = 0; k < stored.length; k++) if (fits(k)) return k;
  return undefined;
}

/**
 * Applies `transform` to every secret of a document as stored (plain JSON, not yet
 * validated: encrypted Slack URLs are no URLs), with the secret's JSON pointer.
 * Returns a new object.
 */
export async function transformSecrets(document: unknown, transform: (value: string, pointer: string) => Promise<string>): Promise<unknown> {
  if (!isRecord(document)) return document;
  const sources = Array.isArray(document.sources)
    ? await Promise.all(
        document.sources.map(async (source: unknown, i) =>
          isRecord(source) && Array.isArray(source.secrets)
            ? {
                ...source,
                secrets: await Promise.all(source.secrets.map((s: unknown, j) => (typeof s === "string" ? transform(s, `/sources/${i}/secrets/${j}`) : s))),
              }
            : source,
        ),
      )
    : document.sources;
  const destinations = Array.isArray(document.destinations)
    ? await Promise.all(
        document.destinations.map(async (destination: unknown, i) => {
          if (!isRecord(destination) || typeof destination.type !== "string") return destination;
          const found = stringsAt(destination, destinationSecretsOf(destination.type));
          const replaced = await Promise.all(found.map(({ path, text }) => transform(text, `/destinations/${i}/${path.join("/")}`)));
          return found.reduce<Record<string, unknown>>((out, { path }, k) => withValueAt(out, path, replaced[k]), destination);
        }),
      )
    : document.destinations;
  const enrichments = Array.isArray(document.enrichments)
    ? await Promise.all(
        document.enrichments.map(async (enrichment: unknown, i) => {
          if (!isRecord(enrichment) || typeof enrichment.type !== "string") return enrichment;
          const field = enrichmentSecretOf(enrichment.type);
          const value = field ? enrichment[field] : undefined;
          return field && typeof value === "string" ? { ...enrichment, [field]: await transform(value, `/enrichments/${i}/${field}`) } : enrichment;
        }),
      )
    : document.enrichments;
  return { ...document, sources, destinations, ...(enrichments === undefined ? {} : { enrichments }) };
}

/**
 * The secrets a write leaves out or sends masked although the stored one is there
 * but cannot be read (no key opens it): they cannot be kept, so they must be entered
 * again. `sealed` is the stored document as in KV; entries are matched by id.
 */
export function secretsLeftToKeep(input: unknown, sealed: unknown): PointerProblem[] {
  if (!isRecord(input)) return [];
  const stored = isRecord(sealed) ? sealed : {};
  const byId = (list: unknown) =>
    new Map((Array.isArray(list) ? list : []).flatMap((e: unknown) => (isRecord(e) && typeof e.id === "string" ? [[e.id, e]] : [])));
  const storedSources = byId(stored.sources);
  const storedEnrichments = byId(stored.enrichments);
  const message = "the stored secret cannot be opened with CONFIG_KEY or CONFIG_KEY_PREVIOUS, so it cannot be kept: enter it again";
  const problems: PointerProblem[] = [];
  const entries = (list: unknown) => (Array.isArray(list) ? list : []).flatMap((e: unknown, i) => (isRecord(e) ? [{ e, i }] : []));
  for (const { e, i } of entries(input.sources)) {
    const had = storedSources.get(String(e.id))?.secrets;
    if (e.secrets === undefined && Array.isArray(had) && had.length > 0) problems.push({ pointer: `/sources/${i}/secrets`, message });
    if (Array.isArray(e.secrets)) {
      e.secrets.forEach((value: unknown, j) => {
        if (typeof value === "string" && isMasked(value)) problems.push({ pointer: `/sources/${i}/secrets/${j}`, message });
      });
    }
  }
  for (const { e, i } of entries(input.destinations)) {
    if (typeof e.type !== "string") continue;
    for (const path of keptSecretsOf(e)) {
      const value = valueAt(e, path);
      // A nested secret under a part the write left out (an `auth` it does not send) is not asked for.
      const parentSent = path.length === 1 || valueAt(e, path.slice(0, -1)) !== undefined;
      if (parentSent && (value === undefined || (typeof value === "string" && isMasked(value))))
        problems.push({ pointer: `/destinations/${i}/${path.join("/")}`, message });
    }
  }
  for (const { e, i } of entries(input.enrichments)) {
    const field = typeof e.type === "string" ? enrichmentSecretOf(e.type) : undefined;
    if (!field) continue;
    const value = e[field];
    const had = storedEnrichments.get(String(e.id))?.[field];
    if ((value === undefined && typeof had === "string") || (typeof value === "string" && isMasked(value))) {
      problems.push({ pointer: `/enrichments/${i}/${field}`, message });
    }
  }
  return problems;
}

/** True when the document holds at least one secret (a write then needs `CONFIG_KEY`). */
export function hasSecrets(document: GatewayConfig): boolean {
  return (
    document.sources.some((s) => s.secrets.length > 0) ||
    document.destinations.length > 0 ||
    document.enrichments.some((e) => {
      const field = enrichmentSecretOf(e.type);
      return field !== undefined && typeof (e as Record<string, unknown>)[field] === "string";
    })
  );
}
