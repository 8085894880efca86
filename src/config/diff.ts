/**
 * What changed between two configuration documents: ids added, removed and changed
 * per kind (the summary kept with every version), and the changed fields for the
 * config CLI to print. Entries are matched by id, so a reorder of routes (which
 * matters: first match wins) shows as a change of `order`.
 */
export const configKinds = ["sources", "pools", "destinations", "enrichments", "routes"] as const;
export type ConfigKind = (typeof configKinds)[number];

export interface KindChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface ChangeSummary {
  sources: KindChanges;
  pools: KindChanges;
  destinations: KindChanges;
  /** Absent from summaries stored before enrichments existed. */
  enrichments?: KindChanges;
  routes: KindChanges;
  /** True when the route order changed (first match wins). */
  routeOrder: boolean;
  settings: boolean;
}

/** One changed field: `routes[hot].when.all.0.value`, with the values before and after. */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

type Entry = { id: string };
type Doc = Partial<Record<ConfigKind, readonly Entry[]>> & { settings?: unknown };

export function summarizeChanges(before: Doc | undefined, after: Doc): ChangeSummary {
  const kinds = Object.fromEntries(
    configKinds.map((kind) => {
      const old = new Map((before?.[kind] ?? []).map((e) => [e.id, e]));
      const now = new Map((after[kind] ?? []).map((e) => [e.id, e]));
      return [
        kind,
        {
          added: [...now.keys()].filter((id) => !old.has(id)),
          removed: [...old.keys()].filter((id) => !now.has(id)),
          changed: [...now].filter(([id, e]) => old.has(id) && stableJson(old.get(id)) !== stableJson(e)).map(([id]) => id),
        },
      ];
    }),
  ) as Record<ConfigKind, KindChanges>;
  const order = (doc: Doc | undefined) => (doc?.routes ?? []).map((r) => r.id).join("\n");
  return {
    ...kinds,
    routeOrder: order(before) !== order(after),
    settings: stableJson(before?.settings ?? {}) !== stableJson(after.settings ?? {}),
  };
}

const noChanges: KindChanges = { added: [], removed: [], changed: [] };

/** True when nothing changed. */
export function isEmptySummary(summary: ChangeSummary): boolean {
  return (
    !summary.routeOrder &&
    !summary.settings &&
    configKinds.every((k) => {
      const changes = summary[k] ?? noChanges;
      return changes.added.length + changes.removed.length + changes.changed.length === 0;
    })
  );
}

/** One line per kind that changed, e.g. `routes: +vip ~hot -cold`. */
export function describeSummary(summary: ChangeSummary): string {
  const lines: string[] = [];
  for (const kind of configKinds) {
    const { added, removed, changed } = summary[kind] ?? noChanges;
    const parts = [...added.map((id) => `+${id}`), ...changed.map((id) => `~${id}`), ...removed.map((id) => `-${id}`)];
    if (parts.length > 0) lines.push(`${kind}: ${parts.join(" ")}`);
  }
  if (summary.routeOrder) lines.push("routes: order changed");
  if (summary.settings) lines.push("settings changed");
  return lines.length > 0 ? lines.join("\n") : "no changes";
}

/** Field-level changes, entries matched by id. */
export function fieldChanges(before: Doc | undefined, after: Doc): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const kind of configKinds) {
    const old = new Map((before?.[kind] ?? []).map((e) => [e.id, e]));
    const now = new Map((after[kind] ?? []).map((e) => [e.id, e]));
    for (const [id, entry] of now) compare(`${kind}[${id}]`, old.get(id), entry, changes);
    for (const [id, entry] of old) if (!now.has(id)) changes.push({ path: `${kind}[${id}]`, before: entry });
  }
  compare("settings", before?.settings ?? {}, after.settings ?? {}, changes);
  return changes;
}

function compare(path: string, a: unknown, b: unknown, out: FieldChange[]): void {
  if (stableJson(a) === stableJson(b)) return;
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) compare(`${path}.${key}`, a[key], b[key], out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((item, i) => compare(`${path}.${i}`, item, b[i], out));
    return;
  }
  out.push({ path, ...(a === undefined ? {} : { before: a }), ...(b === undefined ? {} : { after: b }) });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON with object keys sorted, so key order never counts as a change. */
export function stableJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      isObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, v[k]]),
          )
        : v,
    ) ?? "undefined"
  );
}
