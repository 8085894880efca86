import type { z } from "zod";
import { compileMapping } from "../routing/mapping";
import { applyOperator } from "../routing/conditions";
import { type Action, type Condition, configSchema, type DestinationConfig, type GatewayConfig, operators } from "./schema";
import { type PointerProblem, resolveSecrets } from "./secret-fields";
import { type ConfigWrite, configWriteSchema } from "./write-schema";

/**
 * Checks a configuration as a whole, beyond what its schema can say: ids unique per
 * kind, every reference resolvable (a route's pool, destination and sources, the
 * alert destination), actions that fit their destination's type, mappings whose
 * JSONata compiles, conditions whose values fit their operator. Pure: the admin API
 * runs it before storing, and the config CLI runs the very same code offline.
 */

/** RFC 6901: `~` and `/` in a key are escaped. */
export function pointerOf(path: readonly PropertyKey[]): string {
  return path.map((segment) => `/${String(segment).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

/**
 * Zod issues as problems with JSON pointers. When no branch of a union fits, the
 * branch with the fewest issues is most likely the one meant (a condition with a
 * misspelt operator is a `field` leaf), so its issues are reported instead of a
 * bare "Invalid input".
 */
export function zodProblems(error: z.ZodError): PointerProblem[] {
  return error.issues.flatMap((issue) => issueProblems(issue, []));
}

function issueProblems(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]): PointerProblem[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
    if (closest.length > 0) return closest.flatMap((inner) => issueProblems(inner, path));
  }
  return [{ pointer: pointerOf(path), message: issue.message }];
}

const crmTypes: ReadonlySet<DestinationConfig["type"]> = new Set(["hubspot", "salesforce", "pipedrive"]);
/** Which destination types each action can use (the delivery dispatch goes by type). */
const actionTargets = {
  upsert: crmTypes,
  notify: new Set<DestinationConfig["type"]>(["slack", "http"]),
  forward: new Set<DestinationConfig["type"]>(["http"]),
} as const;

/** Semantic problems of a schema-valid document (secrets may still be masked or absent). */
export function checkConfig(document: ConfigWrite | GatewayConfig): PointerProblem[] {
  const problems: PointerProblem[] = [];
  for (const kind of ["sources", "pools", "destinations", "enrichments", "routes"] as const) {
    const seen = new Map<string, number>();
    document[kind].forEach((entry, i) => {
      const first = seen.get(entry.id);
      if (first === undefined) seen.set(entry.id, i);
      else problems.push({ pointer: `/${kind}/${i}/id`, message: `duplicate id '${entry.id}' (also at /${kind}/${first})` });
    });
  }
  const sourceIds = new Set(document.sources.map((s) => s.id));
  const poolIds = new Set(document.pools.map((p) => p.id));
  const destinations = new Map(document.destinations.map((d) => [d.id, d.type]));

  const outcomeSources = new Set(document.sources.filter((s) => s.kind === "outcomes").map((s) => s.id));
  const enrichmentIds = new Set(document.enrichments.map((e) => e.id));

  document.sources.forEach((source, i) => {
    for (const { field, message } of compileMapping(source.mapping ?? {})) {
      problems.push({ pointer: `/sources/${i}/mapping${pointerOf([field])}`, message });
    }
    if (source.kind === "outcomes" && source.outcomes === undefined) {
      problems.push({ pointer: `/sources/${i}/outcomes`, message: "an outcomes source needs `outcomes` (at least its `format`)" });
    }
    if (source.kind !== "outcomes" && source.outcomes !== undefined) {
      problems.push({ pointer: `/sources/${i}/outcomes`, message: "only a source with kind 'outcomes' reads outcomes" });
    }
  });

  document.enrichments.forEach((enrichment, i) => {
    for (const { field, message } of compileMapping(enrichment.fields)) {
      problems.push({ pointer: `/enrichments/${i}/fields${pointerOf([field])}`, message });
    }
    if (enrichment.type === "hubspot-company") {
      const type = destinations.get(enrichment.destination);
      if (type === undefined) {
        problems.push({ pointer: `/enrichments/${i}/destination`, message: `no destination has the id '${enrichment.destination}'` });
      } else if (type !== "hubspot") {
        problems.push({ pointer: `/enrichments/${i}/destination`, message: `a hubspot-company lookup uses a hubspot destination, not ${type}` });
      }
    }
  });

  document.pools.forEach((pool, i) => {
    const owners = new Set<string>();
    pool.members.forEach((member, j) => {
      if (owners.has(member.ownerId)) {
        problems.push({ pointer: `/pools/${i}/members/${j}/ownerId`, message: `owner '${member.ownerId}' is listed twice` });
      }
      owners.add(member.ownerId);
    });
  });

  document.routes.forEach((route, i) => {
    route.sources?.forEach((id, k) => {
      if (!sourceIds.has(id)) problems.push({ pointer: `/routes/${i}/sources/${k}`, message: `no source has the id '${id}'` });
    });
    problems.push(...checkCondition(route.when, `/routes/${i}/when`));
    route.sources?.forEach((id, k) => {
      if (outcomeSources.has(id)) problems.push({ pointer: `/routes/${i}/sources/${k}`, message: `'${id}' reports outcomes; routes take lead sources` });
    });
    const checkAction = (action: Action, at: string) => {
      if ("assign" in action) {
        if (!poolIds.has(action.assign.pool)) {
          problems.push({ pointer: `${at}/assign/pool`, message: `no pool has the id '${action.assign.pool}'` });
        }
        return;
      }
      if ("enrich" in action) {
        if (!enrichmentIds.has(action.enrich.enrichment)) {
          problems.push({ pointer: `${at}/enrich/enrichment`, message: `no enrichment has the id '${action.enrich.enrichment}'` });
        }
        return;
      }
      const [kind, target] =
        "upsert" in action
          ? (["upsert", action.upsert.destination] as const)
          : "notify" in action
            ? (["notify", action.notify.destination] as const)
            : (["forward", action.forward.destination] as const);
      const type = destinations.get(target);
      if (type === undefined) {
        problems.push({ pointer: `${at}/${kind}/destination`, message: `no destination has the id '${target}'` });
      } else if (!actionTargets[kind].has(type)) {
        problems.push({
          pointer: `${at}/${kind}/destination`,
          message: `'${kind}' cannot go to a ${type} destination (it takes ${[...actionTargets[kind]].join(", ")})`,
        });
      }
    };
    route.actions.forEach((action, j) => checkAction(action, `/routes/${i}/actions/${j}`));
    route.split?.forEach((arm, k) => arm.actions.forEach((action, j) => checkAction(action, `/routes/${i}/split/${k}/actions/${j}`)));
  });

  document.destinations.forEach((destination, i) => {
    if (destination.type !== "salesforce") return;
    if (destination.accessToken !== undefined && destination.auth !== undefined) {
      problems.push({ pointer: `/destinations/${i}/auth`, message: "give either `accessToken` or `auth`, not both" });
    }
    if (destination.accessToken !== undefined && destination.instanceUrl === undefined) {
      problems.push({ pointer: `/destinations/${i}/instanceUrl`, message: "required with `accessToken` (with `auth` the token answer names the instance)" });
    }
  });

  const alert = document.settings.alertDestination;
  if (alert !== undefined) {
    const type = destinations.get(alert);
    if (type === undefined) problems.push({ pointer: "/settings/alertDestination", message: `no destination has the id '${alert}'` });
    else if (type !== "slack" && type !== "http") {
      problems.push({ pointer: "/settings/alertDestination", message: "alerts go to a slack or http destination" });
    }
  }
  return problems;
}

/** Leaf values that cannot work with their operator (bad regex, `in` without a list, …). */
function checkCondition(condition: Condition, at: string, depth = 0): PointerProblem[] {
  if (depth > 32) return [{ pointer: at, message: "conditions nest deeper than 32 levels" }];
  if ("all" in condition) return condition.all.flatMap((c, k) => checkCondition(c, `${at}/all/${k}`, depth + 1));
  if ("any" in condition) return condition.any.flatMap((c, k) => checkCondition(c, `${at}/any/${k}`, depth + 1));
  if ("not" in condition) return checkCondition(condition.not, `${at}/not`, depth + 1);
  if ("always" in condition) return [];
  if (!(operators as readonly string[]).includes(condition.op)) return [];
  // With no lead value every operator checks only its configured value.
  const { error } = applyOperator(condition.op, undefined, condition.value);
  return error ? [{ pointer: `${at}/value`, message: error }] : [];
}

export type CheckResult = { ok: true; document: GatewayConfig } | { ok: false; problems: PointerProblem[] };

/**
 * The whole check of a write: schema (secrets may be omitted or masked), secrets
 * resolved against `stored`, the full schema again, then `checkConfig`.
 */
export function checkWrite(input: unknown, stored: GatewayConfig | undefined): CheckResult {
  const parsed = configWriteSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: zodProblems(parsed.error) };
  const resolved = resolveSecrets(parsed.data, stored);
  const semantic = checkConfig(parsed.data);
  if (resolved.problems.length > 0 || semantic.length > 0) return { ok: false, problems: [...resolved.problems, ...semantic] };
  const complete = configSchema.safeParse(resolved.document);
  if (!complete.success) return { ok: false, problems: zodProblems(complete.error) };
  const unauthenticated = complete.data.destinations.flatMap((d, i) =>
    d.type === "salesforce" && d.accessToken === undefined && d.auth === undefined
      ? [{ pointer: `/destinations/${i}/auth`, message: "required: `auth` (a connected app) or `accessToken`" }]
      : [],
  );
  if (unauthenticated.length > 0) return { ok: false, problems: unauthenticated };
  return { ok: true, document: complete.data };
}

/**
 * The offline check of the config CLI: everything but the stored secrets, which
 * only the gateway has (an omitted or masked secret is taken as "keep").
 */
export function checkOffline(input: unknown): { ok: true; document: ConfigWrite } | { ok: false; problems: PointerProblem[] } {
  const parsed = configWriteSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: zodProblems(parsed.error) };
  const problems = checkConfig(parsed.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, document: parsed.data };
}
