import type { Action, Condition } from "../config/schema";
import { connectors, isDestinationType } from "../connectors/registry";
import type { EventStatus } from "../db/schema";
import { outcomeLabel } from "../kpis/verdict";

/** Pure text helpers shared by the console's pages. */

/** `2026-05-01 12:34:56 UTC`. */
export function dateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** `12:34` (UTC), for chart axes. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** `87 ms`, `1.4 s`, `2.1 min`; `–` when unknown. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

export function percent(part: number, whole: number): string {
  if (whole === 0) return "–";
  return `${((part / whole) * 100).toFixed(part === whole || part === 0 ? 0 : 1)} %`;
}

/** Event statuses in chart and legend order: settled good first, problems last. */
export const statusOrder: readonly EventStatus[] = ["routed", "delivering", "held", "queued", "partially_failed", "unmatched", "invalid", "dead"];

export function statusLabel(status: string): string {
  return status.replaceAll("_", " ");
}

const opWords: Record<string, string> = {
  eq: "=",
  neq: "≠",
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
  in: "is one of",
  contains: "contains",
  matches: "matches",
};

function valueText(value: unknown): string {
  if (Array.isArray(value)) return value.map(valueText).join(", ");
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "(nothing)";
  return JSON.stringify(value) ?? String(value);
}

/** A route's condition as a sentence: `score > 80 and (country is one of "US", "CA")`. */
export function conditionText(condition: Condition, nested = false): string {
  if ("always" in condition) return "always";
  if ("not" in condition) return `not (${conditionText(condition.not)})`;
  if ("all" in condition || "any" in condition) {
    const children = "all" in condition ? condition.all : condition.any;
    if (children.length === 0) return "all" in condition ? "always (empty all)" : "never (empty any)";
    const text = children.map((child) => conditionText(child, true)).join("all" in condition ? " and " : " or ");
    return nested && children.length > 1 ? `(${text})` : text;
  }
  if (condition.op === "exists") return `${condition.field} ${condition.value === false ? "is missing" : "is present"}`;
  return `${condition.field} ${opWords[condition.op] ?? condition.op} ${valueText(condition.value)}`;
}

/** The connector's label for a destination type; the type itself when no connector has it. */
export function destinationTypeName(type: string): string {
  return isDestinationType(type) ? connectors[type].label : type;
}

/** One action of a route as words: `Upsert the lead into hubspot (HubSpot), setting lifecyclestage`. */
export function actionText(action: Action, types: ReadonlyMap<string, string>): string {
  const of = (id: string) => {
    const type = types.get(id);
    return type ? `${id} (${destinationTypeName(type)})` : `${id} (not configured)`;
  };
  if ("assign" in action) {
    const assign = action.assign;
    return "pool" in assign
      ? `Assign an owner from pool ${assign.pool}`
      : `Assign the account owner from ${assign.accountOwner.destination}, else from pool ${assign.accountOwner.fallbackPool}`;
  }
  if ("upsert" in action) {
    const properties = Object.keys(action.upsert.properties ?? {});
    return `Upsert the lead into ${of(action.upsert.destination)}${properties.length ? `, setting ${properties.join(", ")}` : ""}`;
  }
  if ("notify" in action) return `Notify ${of(action.notify.destination)}`;
  if ("enrich" in action) return `Enrich the lead with ${action.enrich.enrichment}`;
  if ("sla" in action) {
    const { within, until, then, notify } = action.sla;
    const next = then === "reassign" ? "reassign it to the pool's next owner" : "escalate";
    return `Expect ${outcomeLabel(until)} within ${within}${action.sla.workingHoursOnly ? " of working hours" : ""}, else ${next}${notify ? ` and notify ${of(notify)}` : ""}`;
  }
  return `Forward the lead to ${of(action.forward.destination)}`;
}

/** Pretty JSON when `text` is JSON, else the text as it is. */
export function prettyBody(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A value from a JSON column, as short text for a table cell. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}
