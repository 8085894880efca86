/**
 * The items of a payload that may hold one report or many: an array, `{ <listKey>: [...] }`,
 * or a single object. `undefined` when it is none of these.
 */
export function itemsOf(payload: unknown, listKey?: string): unknown[] | undefined {
  if (Array.isArray(payload)) return payload;
  if (typeof payload !== "object" || payload === null) return undefined;
  if (listKey && listKey in payload) {
    const list = (payload as Record<string, unknown>)[listKey];
    return Array.isArray(list) ? list : undefined;
  }
  return [payload];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A zod error in one line, for the trace. */
export function issuesText(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}
