import type { DestinationConfig, EnrichmentConfig, GatewayConfig, GatewayConfigInput } from "./schema";
import { type ConfigWrite, maskPrefix } from "./write-schema";

/**
 * Where secrets sit in the configuration document: each source's `secrets`, the
 * secret paths of each destination type (a Slack incoming-webhook URL is itself a
 * credential; Salesforce's OAuth secrets sit inside `auth`), and an `http`
 * enrichment's optional `token`. Everything that masks, keeps or encrypts secrets
 * goes through these lists.
 */
export interface SecretPath {
  /** Property names from the entry down to the secret, e.g. `["auth", "clientSecret"]`. */
  path: readonly string[];
  /** Left out of a write with nothing stored to keep: a problem (otherwise the schema decides). */
  required?: boolean;
  /**
   * Left out of a write that has this field, the stored value is not kept: the
   * write chose another way to authenticate (Salesforce `auth` instead of `accessToken`).
   */
  droppedWith?: string;
}

export const destinationSecretPaths: Record<DestinationConfig["type"], readonly SecretPath[]> = {
  hubspot: [{ path: ["token"], required: true }],
  salesforce: [{ path: ["accessToken"], droppedWith: "auth" }, { path: ["auth", "clientSecret"] }, { path: ["auth", "refreshToken"] }],
  pipedrive: [{ path: ["apiToken"], required: true }],
  slack: [{ path: ["url"], required: true }],
  http: [{ path: ["secret"], required: true }],
};

/** The secret paths of a destination type; none for a type this code does not know. */
function secretPathsOf(type: unknown): readonly SecretPath[] {
  return typeof type === "string" && Object.hasOwn(destinationSecretPaths, type) ? destinationSecretPaths[type as DestinationConfig["type"]] : [];
}

/** The value at `path`, or undefined when any step is missing. */
function valueAt(entry: unknown, path: readonly string[]): unknown {
  let at: unknown = entry;
  for (const key of path) at = isRecord(at) && Object.hasOwn(at, key) ? at[key] : undefined;
  return at;
}

/** A copy of `entry` with `value` at `path`; the objects on the way must exist. */
function withValueAt<T>(entry: T, path: readonly string[], value: unknown): T {
  const [key, ...rest] = path;
  if (key === undefined || !isRecord(entry)) return entry;
  return { ...entry, [key]: rest.length === 0 ? value : withValueAt(entry[key], rest, value) } as T;
}

/** True when the object holding the secret at `path` is there (an absent `auth` has no secrets). */
function holderExists(entry: unknown, path: readonly string[]): boolean {
  return isRecord(path.length <= 1 ? entry : valueAt(entry, path.slice(0, -1)));
}

/** Applies `map` to every secret string of a destination (plain JSON or parsed). */
async function mapDestinationSecrets<T>(destination: T, map: (value: string) => Promise<string>): Promise<T> {
  let out = destination;
  for (const { path } of secretPathsOf(valueAt(destination, ["type"]))) {
    const value = valueAt(out, path);
    if (typeof value === "string") out = withValueAt(out, path, await map(value));
  }
  return out;
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

/**
 * A destination as the gateway would show it: secrets masked, and a secret the
 * write left out shown as `remote`'s (it is kept on write). For the config CLI's diff.
 */
export function comparableDestination<T>(local: T, remote: unknown): T {
  let out = local;
  for (const { path, droppedWith } of secretPathsOf(valueAt(local, ["type"]))) {
    const value = valueAt(out, path);
    const kept = droppedWith !== undefined && valueAt(local, [droppedWith]) !== undefined ? undefined : valueAt(remote, path);
    const shown = typeof value === "string" ? (isMasked(value) ? value : maskSecret(value)) : kept;
    if (holderExists(out, path) && shown !== undefined) out = withValueAt(out, path, shown);
  }
  return out;
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
  let out = destination;
  for (const { path } of destinationSecretPaths[destination.type]) {
    const value = valueAt(out, path);
    if (typeof value === "string") out = withValueAt(out, path, maskSecret(value));
  }
  return out;
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
export function resolveSecrets(
  input: ConfigWrite,
  stored: GatewayConfig | undefined,
): { document: GatewayConfigInput; problems: PointerProblem[] } {
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
    const stored = previous?.type === destination.type ? previous : undefined;
    let out = destination;
    for (const { path, required, droppedWith } of destinationSecretPaths[destination.type]) {
      if (!holderExists(out, path)) continue;
      const value = valueAt(out, path);
      if (typeof value === "string" && !isMasked(value)) continue;
      const kept = valueAt(stored, path);
      const keepAbsent = droppedWith === undefined || valueAt(out, [droppedWith]) === undefined;
      if (typeof kept === "string" && (value === undefined ? keepAbsent : maskSecret(kept) === value)) {
        out = withValueAt(out, path, kept);
        continue;
      }
      if (value === undefined && !required) continue;
      problems.push({
        pointer: `/destinations/${i}/${path.join("/")}`,
        message: value === undefined ? "required (no stored value to keep)" : "masked value matches no stored secret of this destination",
      });
    }
    return out;
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
 * validated: encrypted Slack URLs are no URLs). Returns a new object.
 */
export async function transformSecrets(
  document: unknown,
  transform: (value: string) => Promise<string>,
): Promise<unknown> {
  if (!isRecord(document)) return document;
  const sources = Array.isArray(document.sources)
    ? await Promise.all(
        document.sources.map(async (source: unknown) =>
          isRecord(source) && Array.isArray(source.secrets)
            ? { ...source, secrets: await Promise.all(source.secrets.map((s: unknown) => (typeof s === "string" ? transform(s) : s))) }
            : source,
        ),
      )
    : document.sources;
  const destinations = Array.isArray(document.destinations)
    ? await Promise.all(document.destinations.map((destination: unknown) => mapDestinationSecrets(destination, transform)))
    : document.destinations;
  const enrichments = Array.isArray(document.enrichments)
    ? await Promise.all(
        document.enrichments.map(async (enrichment: unknown) => {
          if (!isRecord(enrichment) || typeof enrichment.type !== "string") return enrichment;
          const field = enrichmentSecretOf(enrichment.type);
          const value = field ? enrichment[field] : undefined;
          return field && typeof value === "string" ? { ...enrichment, [field]: await transform(value) } : enrichment;
        }),
      )
    : document.enrichments;
  return { ...document, sources, destinations, ...(enrichments === undefined ? {} : { enrichments }) };
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
