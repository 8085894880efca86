/**
 * The routing part of the decision trace: why a lead went where it went. It is
 * plain JSON, stored with the event in D1 and returned by the admin API (event
 * detail, simulate), so every shape here is serializable as is.
 *
 * Conditions are evaluated completely, not short-circuited: evaluation is pure and
 * cheap, and an operator asking "why didn't this match?" wants every failing leaf
 * at once, not only the first. So every node carries its own `result`. Only routes
 * can be skipped (another source's route, or routes after the first match).
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A `field op value` leaf: what was expected and what the lead actually held. */
export interface FieldTrace {
  kind: "field";
  field: string;
  op: string;
  /** The configured value (clipped); absent when none was given. */
  expected?: JsonValue;
  /** The value read from the lead (clipped); absent when the field is missing. */
  actual?: JsonValue;
  /** Set when the field is absent, null or an empty string. */
  missing?: true;
  result: boolean;
  /** Why the leaf could not be evaluated (bad regex, wrong value type): it is then false. */
  error?: string;
}

export type ConditionTrace =
  | { kind: "all"; result: boolean; children: ConditionTrace[] }
  | { kind: "any"; result: boolean; children: ConditionTrace[] }
  | { kind: "not"; result: boolean; child: ConditionTrace }
  | { kind: "always"; result: true }
  | FieldTrace
  /** A node that is not a condition at all (or nested too deep): false, never a crash. */
  | { kind: "invalid"; result: false; error: string };

export type RouteTrace =
  | { route: string; status: "matched"; continue: boolean; condition: ConditionTrace }
  | { route: string; status: "not_matched"; condition: ConditionTrace }
  /** The route lists `sources` and this lead's source is not among them. */
  | { route: string; status: "skipped"; reason: "other_source"; sources: string[] }
  /** An earlier route matched without `continue`, so this one was not tried. */
  | { route: string; status: "skipped"; reason: "earlier_match"; matchedRoute: string };

// ─── clipping values for storage ──────────────────────────────────────────────

const MAX_STRING = 200;
const MAX_ITEMS = 20;
const MAX_DEPTH = 3;

/**
 * A JSON copy small enough to store in every trace row: long strings, lists and
 * objects are cut, odd values (functions, NaN) become text.
 */
export function clipValue(value: unknown, depth = 0): JsonValue | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "string") return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (Array.isArray(value)) {
    if (depth >= MAX_DEPTH) return "[list]";
    return value.slice(0, MAX_ITEMS).map((item) => clipValue(item, depth + 1) ?? null);
  }
  if (typeof value === "object") {
    if (depth >= MAX_DEPTH) return "[object]";
    const entries = Object.entries(value).slice(0, MAX_ITEMS);
    return Object.fromEntries(entries.map(([k, v]) => [k, clipValue(v, depth + 1) ?? null]));
  }
  return String(value);
}

// ─── explain: a few human lines ───────────────────────────────────────────────

/**
 * One line per route, e.g. `route hot: matched — score 91 > 80`, naming the leaves
 * that decided the outcome; a last line when nothing matched.
 */
export function explain(trace: readonly RouteTrace[]): string[] {
  const lines = trace.map(explainRoute);
  if (!trace.some((route) => route.status === "matched")) lines.push("no route matched");
  return lines;
}

export function explainRoute(route: RouteTrace): string {
  switch (route.status) {
    case "matched":
      return `route ${route.route}: matched — ${reasonText(route.condition)}${route.continue ? " (continue)" : ""}`;
    case "not_matched":
      return `route ${route.route}: no match — ${reasonText(route.condition)}`;
    case "skipped":
      return route.reason === "other_source"
        ? `route ${route.route}: skipped — only for source${route.sources.length === 1 ? "" : "s"} ${route.sources.join(", ") || "(none)"}`
        : `route ${route.route}: skipped — route ${route.matchedRoute} matched first`;
  }
}

const MAX_REASONS = 4;

function reasonText(condition: ConditionTrace): string {
  const reasons = decidingLeaves(condition);
  const shown = reasons.slice(0, MAX_REASONS).join(", ");
  const more = reasons.length - MAX_REASONS;
  return more > 0 ? `${shown}, and ${more} more` : shown;
}

/**
 * The leaves that made a node come out as it did: for `all`, every child when it
 * held, else the failing ones; for `any`, the holding children when it held, else
 * every child; `not` passes its child's reasons on (each leaf says its own result).
 */
export function decidingLeaves(node: ConditionTrace): string[] {
  switch (node.kind) {
    case "all":
    case "any": {
      const decisive = node.children.filter((child) => child.result === node.result);
      const chosen = (node.kind === "all") === node.result ? node.children : decisive;
      if (chosen.length > 0) return chosen.flatMap(decidingLeaves);
      return [node.kind === "all" ? "empty all (always true)" : "empty any (never true)"];
    }
    case "not":
      return decidingLeaves(node.child);
    case "always":
      return ["always"];
    case "invalid":
      return [`invalid condition: ${node.error}`];
    case "field":
      return [describeLeaf(node)];
  }
}

const symbols: Record<string, [holds: string, fails: string]> = {
  eq: ["=", "≠"],
  neq: ["≠", "="],
  gt: [">", "not >"],
  gte: ["≥", "not ≥"],
  lt: ["<", "not <"],
  lte: ["≤", "not ≤"],
  in: ["in", "not in"],
  contains: ["contains", "does not contain"],
  matches: ["matches", "does not match"],
};

function describeLeaf(leaf: FieldTrace): string {
  if (leaf.error) return `${leaf.field} ${leaf.op}: ${leaf.error}`;
  if (leaf.missing) return `${leaf.field} is missing`;
  if (leaf.op === "exists") return `${leaf.field} is ${show(leaf.actual)}`;
  const [holds, fails] = symbols[leaf.op] ?? [leaf.op, `not ${leaf.op}`];
  return `${leaf.field} ${show(leaf.actual)} ${leaf.result ? holds : fails} ${show(leaf.expected)}`;
}

function show(value: JsonValue | undefined): string {
  if (value === undefined) return "(none)";
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
