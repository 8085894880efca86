import type { MiddlewareHandler } from "hono";
import { isEmptySummary, summarizeChanges } from "../config/diff";
import { depthProblem } from "../config/limits";
import type { GatewayConfig } from "../config/schema";
import { type PointerProblem, secretsLeftToKeep } from "../config/secret-fields";
import { commitConfig, isKeyMismatch, readCurrentConfig, readCurrentSealed, type StoredConfig } from "../config/store";
import { checkWrite } from "../config/validate";
import { allowHttpFrom } from "../connectors/http";
import type { Database } from "../db/client";
import { wakeHeldLeads } from "../hold/wake";
import type { AdminBindings } from "./env";
import { overLimit, type ValidationProblem, validationFailed } from "./problems";

export interface WriteResult {
  version: number;
  updatedAt: string;
  updatedBy: string;
  summary?: StoredConfig["summary"];
  rollbackOf?: number;
  unchanged: boolean;
}

export interface WriteOptions {
  actor: string;
  expectedVersion?: number;
  /** Per-entry writes re-aim pointers at their body; the whole-document write keeps them. */
  mapProblems?: (problems: PointerProblem[]) => ValidationProblem[];
  /**
   * The write replaces the whole document (`build` ignores the current one), so it
   * can go through when no key opens the stored secrets, if it enters every secret
   * again: the way out of a lost or wrong `CONFIG_KEY`.
   */
  replacesAll?: boolean;
}

function result(stored: StoredConfig, unchanged: boolean): WriteResult {
  const { document: _document, ...info } = stored;
  return { ...info, unchanged };
}

/**
 * Every configuration write of the admin API ends here: the whole document that
 * would result is checked (schema, secrets, references, JSONata) and only a clean
 * one is stored, as a new version. A document equal to the active one stores
 * nothing. Nothing is written before every check has passed.
 */
export async function applyDocument(
  env: AdminBindings,
  db: Database,
  build: (current: GatewayConfig | undefined) => unknown,
  options: WriteOptions,
): Promise<WriteResult> {
  let unreadable = false;
  const current = await readCurrentConfig(env).catch((error: unknown) => {
    if (!options.replacesAll || !isKeyMismatch(error)) throw error;
    unreadable = true;
    return undefined;
  });
  const input = build(current?.document);
  // The URL policy follows ALLOW_HTTP_DESTINATIONS, as sending does.
  const checked = checkWrite(input, current?.document, { allowHttp: allowHttpFrom(env) });
  const unkept = unreadable ? secretsLeftToKeep(input, (await readCurrentSealed(env))?.sealed) : [];
  if (!checked.ok || unkept.length > 0) {
    // Where a secret cannot be kept, say why rather than "matches no stored secret".
    const pointers = new Set(unkept.map((p) => p.pointer));
    const all = [...unkept, ...(checked.ok ? [] : checked.problems.filter((p) => !pointers.has(p.pointer)))];
    const problems = options.mapProblems ? options.mapProblems(all) : all;
    if (checked.ok || checked.over === undefined) throw validationFailed(problems);
    throw overLimit(checked.over, problems);
  }
  if (current && isEmptySummary(summarizeChanges(current.document, checked.document))) {
    return result(current, true);
  }
  const stored = await commitConfig(env, checked.document, {
    updatedBy: options.actor,
    expectedVersion: options.expectedVersion,
  });
  // A pool's members, pauses or whenNobodyAvailable may have changed: its held leads
  // are tried again once every isolate reads the new version (the config cache).
  const pools = new Set([...(current?.document.pools ?? []), ...checked.document.pools].map((pool) => pool.id));
  if (pools.size > 0) await wakeHeldLeads(env, db, [...pools], Date.now() + (Number(env.CONFIG_CACHE_SECONDS || "5") + 1) * 1000);
  return result(stored, false);
}

/**
 * Refuses a configuration write whose JSON body nests deeper than a document may,
 * before the route's schema (recursive, for conditions) would overflow the stack
 * on it. A body that is not JSON is left to the route's own validation.
 */
export const configBodyDepth: MiddlewareHandler = async (c, next) => {
  if (/^application\/([\w.+-]+\+)?json/i.test(c.req.header("content-type") ?? "")) {
    const body: unknown = await c.req.json().catch(() => undefined);
    const deep = depthProblem(body);
    if (deep) throw overLimit("limit", [deep]);
  }
  await next();
};
