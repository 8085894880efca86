import type { z } from "zod";
import type { DestinationAction } from "../connectors/connector";
import { typesTaking } from "../connectors/registry";
import { compileMapping } from "../lead/mapping";
import { type OutboundPolicy, outboundUrlProblem } from "../lib/outbound-url";
import { checkLimits, configLimits, type LimitProblem } from "./limits";
import { operatorValueProblem } from "./operator-values";
import { pointerOf } from "./pointer";
import { type Action, type Condition, configSchema, type GatewayConfig, operators } from "./schema";
import { type PointerProblem, resolveSecrets } from "./secret-fields";
import { type ConfigWrite, configWriteSchema } from "./write-schema";

/**
 * Checks a configuration as a whole, beyond what its schema can say: ids unique per
 * kind, every reference resolvable (a route's pool, destination and sources, the
 * alert destination), actions that fit their destination's type, mappings whose
 * JSONata compiles, conditions whose values fit their operator. Pure: the admin API
 * runs it before storing, and the config CLI runs the very same code offline.
 */

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

/** Which destination types each action can use, as each connector declares (the delivery dispatch goes by type). */
const actionTargets: Record<DestinationAction, ReadonlySet<string>> = {
  upsert: new Set(typesTaking("upsert")),
  notify: new Set(typesTaking("notify")),
  forward: new Set(typesTaking("forward")),
};

/** The CRMs whose companies or accounts an `accountOwner` assignment searches (src/enrich/account-owner.ts). */
const accountOwnerTypes: ReadonlySet<string> = new Set(["hubspot", "salesforce"]);

/** Semantic problems of a schema-valid document (secrets may still be masked or absent). */
export function checkConfig(document: ConfigWrite | GatewayConfig): PointerProblem[] {
  const problems: PointerProblem[] = [];
  for (const kind of ["sources", "owners", "pools", "destinations", "enrichments", "routes"] as const) {
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
        const assign = action.assign;
        if ("pool" in assign) {
          if (!poolIds.has(assign.pool)) problems.push({ pointer: `${at}/assign/pool`, message: `no pool has the id '${assign.pool}'` });
          return;
        }
        const { destination, fallbackPool } = assign.accountOwner;
        const type = destinations.get(destination);
        if (type === undefined) {
          problems.push({ pointer: `${at}/assign/accountOwner/destination`, message: `no destination has the id '${destination}'` });
        } else if (!accountOwnerTypes.has(type)) {
          problems.push({
            pointer: `${at}/assign/accountOwner/destination`,
            message: `account owners are looked up in a ${[...accountOwnerTypes].join(" or ")} destination, not ${type}`,
          });
        }
        if (!poolIds.has(fallbackPool)) {
          problems.push({ pointer: `${at}/assign/accountOwner/fallbackPool`, message: `no pool has the id '${fallbackPool}'` });
        }
        return;
      }
      if ("enrich" in action) {
        if (!enrichmentIds.has(action.enrich.enrichment)) {
          problems.push({ pointer: `${at}/enrich/enrichment`, message: `no enrichment has the id '${action.enrich.enrichment}'` });
        }
        return;
      }
      if ("sla" in action) {
        const notify = action.sla.notify;
        if (notify !== undefined) {
          const type = destinations.get(notify);
          if (type === undefined) problems.push({ pointer: `${at}/sla/notify`, message: `no destination has the id '${notify}'` });
          else if (!actionTargets.notify.has(type)) {
            problems.push({ pointer: `${at}/sla/notify`, message: `an SLA notifies a ${[...actionTargets.notify].join(" or ")} destination, not ${type}` });
          }
        }
        const assigns = [...route.actions, ...(route.split ?? []).flatMap((arm) => arm.actions)].some((a) => "assign" in a);
        if (action.sla.then === "reassign" && !assigns) {
          problems.push({ pointer: `${at}/sla/then`, message: "reassign picks the next owner of the route's pool: the route needs an `assign` action" });
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
  if (depth > configLimits.conditionDepth) return [{ pointer: at, message: `conditions nest deeper than ${configLimits.conditionDepth} levels` }];
  if ("all" in condition) return condition.all.flatMap((c, k) => checkCondition(c, `${at}/all/${k}`, depth + 1));
  if ("any" in condition) return condition.any.flatMap((c, k) => checkCondition(c, `${at}/any/${k}`, depth + 1));
  if ("not" in condition) return checkCondition(condition.not, `${at}/not`, depth + 1);
  if ("always" in condition) return [];
  if (!(operators as readonly string[]).includes(condition.op)) return [];
  const error = operatorValueProblem(condition.op, condition.value);
  return error ? [{ pointer: `${at}/value`, message: error }] : [];
}

/**
 * Every outbound URL of the destinations and enrichments under the gateway's policy
 * (src/lib/outbound-url.ts). A field holds one when it is named `url` or ends in
 * `Url`, at the entry's top level or in an object inside it (a Salesforce
 * `auth.tokenUrl`), so a URL field added later is checked without being listed
 * here. Runs on the document with secrets resolved, since a Slack URL is itself a secret.
 */
export function checkOutboundUrls(document: GatewayConfig, policy: OutboundPolicy): PointerProblem[] {
  return (["destinations", "enrichments"] as const).flatMap((kind) => document[kind].flatMap((entry, i) => urlProblems(entry, `/${kind}/${i}`, policy)));
}

function urlProblems(entry: object, at: string, policy: OutboundPolicy): PointerProblem[] {
  return Object.entries(entry).flatMap(([field, value]): PointerProblem[] => {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return urlProblems(value, `${at}/${field}`, policy);
    if ((field !== "url" && !field.endsWith("Url")) || typeof value !== "string") return [];
    const problem = outboundUrlProblem(value, policy);
    return problem ? [{ pointer: `${at}/${field}`, message: `the URL ${problem}` }] : [];
  });
}

/**
 * A refused document: `problems` with pointers, and when a size limit (limits.ts)
 * is the reason, which kind: the document as a whole (`tooLarge`) or a count.
 */
export type Refused = { ok: false; over?: undefined; problems: PointerProblem[] } | { ok: false; over: "document" | "limit"; problems: LimitProblem[] };

export type CheckResult = { ok: true; document: GatewayConfig } | Refused;

function overLimits(input: unknown): Refused | undefined {
  const limits = checkLimits(input);
  if (limits.ok) return undefined;
  return { ok: false, over: limits.tooLarge ? "document" : "limit", problems: limits.problems };
}

/**
 * The whole check of a write: size limits, schema (secrets may be omitted or
 * masked), secrets resolved against `stored`, the full schema again, then
 * `checkConfig`, then the outbound URLs under the gateway's `policy`.
 */
export function checkWrite(input: unknown, stored: GatewayConfig | undefined, policy: OutboundPolicy): CheckResult {
  const over = overLimits(input);
  if (over) return over;
  const parsed = configWriteSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: zodProblems(parsed.error) };
  const resolved = resolveSecrets(parsed.data, stored);
  const semantic = checkConfig(parsed.data);
  if (resolved.problems.length > 0 || semantic.length > 0) return { ok: false, problems: [...resolved.problems, ...semantic] };
  const complete = configSchema.safeParse(resolved.document);
  if (!complete.success) return { ok: false, problems: zodProblems(complete.error) };
  // Only with secrets resolved: a write may leave a stored `accessToken` out to keep it.
  const unauthenticated = complete.data.destinations.flatMap((d, i) =>
    d.type === "salesforce" && d.accessToken === undefined && d.auth === undefined
      ? [{ pointer: `/destinations/${i}/auth`, message: "required: `auth` (a connected app) or `accessToken`" }]
      : [],
  );
  if (unauthenticated.length > 0) return { ok: false, problems: unauthenticated };
  const urls = checkOutboundUrls(complete.data, policy);
  if (urls.length > 0) return { ok: false, problems: urls };
  return { ok: true, document: complete.data };
}

/**
 * The offline check of the config CLI: everything but the stored secrets, which
 * only the gateway has (an omitted or masked secret is taken as "keep").
 */
export function checkOffline(input: unknown): { ok: true; document: ConfigWrite } | Refused {
  const over = overLimits(input);
  if (over) return over;
  const parsed = configWriteSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: zodProblems(parsed.error) };
  const problems = checkConfig(parsed.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, document: parsed.data };
}
