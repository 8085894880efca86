import { pointerOf } from "./pointer";
import type { PointerProblem } from "./secret-fields";

/**
 * How big a configuration may be. Each limit is far above what real use needs (a
 * gateway with hundreds of routes is unusual) and keeps what one lead costs, and
 * what one stored version weighs, bounded: routing evaluates every route's
 * conditions for every lead and records them in its trace, and a version is one KV
 * value (25 MiB at most, https://developers.cloudflare.com/kv/platform/limits)
 * that every isolate loads. Checked on the document as
 * written, before its schema: a document nested 100,000 levels deep must not reach
 * the recursive schema, nor a 26 MiB one the store.
 */
export const configLimits = {
  /** The document as JSON, in UTF-8 bytes. */
  documentBytes: 2 * 1024 * 1024,
  /** JSON nesting anywhere in the document (a condition 32 levels deep needs about 70). */
  depth: 100,
  sources: 200,
  /** People leads are assigned to, with their hours (a sales team, not a company directory). */
  owners: 2_000,
  destinations: 200,
  pools: 200,
  enrichments: 100,
  routes: 500,
  /** Condition nodes (leaves and all/any/not) in one route's `when`. */
  conditionsPerRoute: 100,
  /** Condition nodes in all routes together: what one lead may be tested against. */
  conditions: 5_000,
  /** Levels of all/any/not in one condition. */
  conditionDepth: 32,
  /** Expressions in one source's `mapping` or one enrichment's `fields`. */
  mappingEntries: 100,
  /** Characters of one mapping expression. */
  expressionLength: 4_000,
} as const;

export type ConfigLimit = keyof typeof configLimits;

/** A limit a document goes over, where, and which. */
export interface LimitProblem extends PointerProblem {
  limit: ConfigLimit;
}

export type LimitCheck = { ok: true } | { ok: false; tooLarge: boolean; problems: LimitProblem[] };

const encoder = new TextEncoder();

/**
 * The limits `input` (the document as written, not yet parsed by its schema) goes
 * over. `tooLarge` when the document's size is the problem (413), otherwise the
 * problems name each limit and where (422). Never throws, whatever the input.
 */
export function checkLimits(input: unknown): LimitCheck {
  const deep = depthProblem(input);
  if (deep) return { ok: false, tooLarge: false, problems: [deep] };
  const problems = countProblems(input);
  if (problems.length > 0) return { ok: false, tooLarge: false, problems };
  const bytes = encoder.encode(JSON.stringify(input) ?? "").byteLength;
  if (bytes > configLimits.documentBytes) {
    const message = `the document is ${bytes} bytes as JSON, over the limit of ${configLimits.documentBytes}`;
    return { ok: false, tooLarge: true, problems: [{ pointer: "", limit: "documentBytes", message }] };
  }
  return { ok: true };
}

/**
 * The problem of a value nested deeper than the document may be, if it is. The
 * admin API checks request bodies with it before their (recursive) schema runs.
 */
export function depthProblem(input: unknown): LimitProblem | undefined {
  const deep = tooDeep(input, configLimits.depth);
  return deep === undefined ? undefined : { pointer: deep, limit: "depth", message: `nested deeper than ${configLimits.depth} levels` };
}

/** The pointer of the first value nested deeper than `limit`, walked without recursion. */
function tooDeep(root: unknown, limit: number): string | undefined {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: root, path: "", depth: 0 }];
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop() as { value: unknown; path: string; depth: number };
    if (typeof value !== "object" || value === null) continue;
    if (depth >= limit) return path;
    for (const [key, child] of Object.entries(value)) {
      pending.push({ value: child, path: `${path}${pointerOf([key])}`, depth: depth + 1 });
    }
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function listAt(document: Record<string, unknown>, kind: string): unknown[] {
  const list = document[kind];
  return Array.isArray(list) ? list : [];
}

const countedKinds = ["sources", "owners", "destinations", "pools", "enrichments", "routes"] as const;

function countProblems(document: unknown): LimitProblem[] {
  if (!isRecord(document)) return [];
  const problems: LimitProblem[] = [];
  for (const kind of countedKinds) {
    const count = listAt(document, kind).length;
    if (count > configLimits[kind]) problems.push({ pointer: `/${kind}`, limit: kind, message: `${count} ${kind}, over the limit of ${configLimits[kind]}` });
  }
  listAt(document, "sources").forEach((source, i) => {
    if (isRecord(source)) problems.push(...mappingProblems(source.mapping, `/sources/${i}/mapping`));
  });
  listAt(document, "enrichments").forEach((enrichment, i) => {
    if (isRecord(enrichment)) problems.push(...mappingProblems(enrichment.fields, `/enrichments/${i}/fields`));
  });
  let total = 0;
  listAt(document, "routes").forEach((route, i) => {
    if (!isRecord(route)) return;
    const at = `/routes/${i}/when`;
    const { nodes, depth } = measureCondition(route.when);
    total += nodes;
    if (depth > configLimits.conditionDepth) {
      problems.push({
        pointer: at,
        limit: "conditionDepth",
        message: `conditions nest ${depth} levels deep, over the limit of ${configLimits.conditionDepth}`,
      });
    }
    if (nodes > configLimits.conditionsPerRoute) {
      problems.push({
        pointer: at,
        limit: "conditionsPerRoute",
        message: `${nodes} conditions, over the limit of ${configLimits.conditionsPerRoute} per route`,
      });
    }
  });
  if (total > configLimits.conditions) {
    problems.push({ pointer: "/routes", limit: "conditions", message: `${total} conditions in all routes, over the limit of ${configLimits.conditions}` });
  }
  return problems;
}

function mappingProblems(mapping: unknown, at: string): LimitProblem[] {
  if (!isRecord(mapping)) return [];
  const problems: LimitProblem[] = [];
  const entries = Object.entries(mapping);
  if (entries.length > configLimits.mappingEntries) {
    problems.push({ pointer: at, limit: "mappingEntries", message: `${entries.length} expressions, over the limit of ${configLimits.mappingEntries}` });
  }
  for (const [key, expression] of entries) {
    if (typeof expression === "string" && expression.length > configLimits.expressionLength) {
      problems.push({
        pointer: `${at}${pointerOf([key])}`,
        limit: "expressionLength",
        message: `${expression.length} characters, over the limit of ${configLimits.expressionLength} for one expression`,
      });
    }
  }
  return problems;
}

/** Condition nodes and all/any/not levels; the document's depth limit already bounds the walk. */
function measureCondition(node: unknown, level = 0): { nodes: number; depth: number } {
  if (!isRecord(node)) return { nodes: 1, depth: level };
  const children = Array.isArray(node.all) ? node.all : Array.isArray(node.any) ? node.any : "not" in node ? [node.not] : [];
  let nodes = 1;
  let depth = level;
  for (const child of children) {
    const measured = measureCondition(child, level + 1);
    nodes += measured.nodes;
    depth = Math.max(depth, measured.depth);
  }
  return { nodes, depth };
}
