import { destinationSecretsOf, isMasked } from "../../src/config/secret-fields";
import { hasParent, isRecord, type SecretPath, valueAt, withValueAt } from "../../src/config/secret-paths";
import { connectors, isDestinationType } from "../../src/connectors/registry";
import { isProbedType, type ProbedType } from "./probes";

/**
 * The destination to check, from a configuration document (the file `npm run config
 * -- push` takes, or one `pull` wrote): the entry with the given id, its secrets
 * from environment variables where set (a pulled document has them masked), then
 * read by the connector's own schema, as the gateway reads it.
 */

/** `token` → `CONTRACT_TOKEN`, `auth.clientSecret` → `CONTRACT_AUTH_CLIENT_SECRET`. */
export function secretEnvName(path: SecretPath): string {
  return `CONTRACT_${path.map((key) => key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()).join("_")}`;
}

export type Resolved = { ok: true; type: ProbedType; destination: unknown } | { ok: false; error: string };

export function resolveDestination(document: unknown, id: string, env: Record<string, string | undefined>): Resolved {
  const entries = isRecord(document) && Array.isArray(document.destinations) ? document.destinations : undefined;
  if (!entries) return { ok: false, error: "the document has no `destinations` list" };
  let entry: unknown = entries.find((candidate) => isRecord(candidate) && candidate.id === id);
  if (!isRecord(entry)) return { ok: false, error: `no destination "${id}" in the document` };
  const type = String(entry.type);
  if (!isDestinationType(type) || !isProbedType(type))
    return { ok: false, error: `destination "${id}" is of type ${type}: the contract check covers CRM destinations only` };

  for (const path of destinationSecretsOf(type)) {
    const fromEnv = env[secretEnvName(path)];
    if (fromEnv && hasParent(entry, path)) entry = withValueAt(entry, path, fromEnv);
    const value = valueAt(entry, path);
    if (typeof value === "string" && isMasked(value)) {
      return { ok: false, error: `${path.join(".")} is masked in the document: set ${secretEnvName(path)}` };
    }
  }
  const parsed = connectors[type].schema.safeParse(entry);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "/"}: ${issue.message}`).join("; ");
    return { ok: false, error: `destination "${id}" is not valid: ${issues}` };
  }
  return { ok: true, type, destination: parsed.data };
}
