import type { MiddlewareHandler } from "hono";
import { isEmptySummary, summarizeChanges } from "../config/diff";
import { depthProblem } from "../config/limits";
import type { GatewayConfig } from "../config/schema";
import type { PointerProblem } from "../config/secret-fields";
import { type StoredConfig, commitConfig, readCurrentConfig } from "../config/store";
import { checkWrite } from "../config/validate";
import { allowHttpFrom } from "../connectors/http";
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
  build: (current: GatewayConfig | undefined) => unknown,
  options: WriteOptions,
): Promise<WriteResult> {
  const current = await readCurrentConfig(env);
  // The URL policy follows ALLOW_HTTP_DESTINATIONS, as sending does.
  const checked = checkWrite(build(current?.document), current?.document, { allowHttp: allowHttpFrom(env) });
  if (!checked.ok) {
    const problems = options.mapProblems ? options.mapProblems(checked.problems) : checked.problems;
    if (checked.over === undefined) throw validationFailed(problems);
    throw overLimit(checked.over, problems);
  }
  if (current && isEmptySummary(summarizeChanges(current.document, checked.document))) {
    return result(current, true);
  }
  const stored = await commitConfig(env, checked.document, {
    updatedBy: options.actor,
    expectedVersion: options.expectedVersion,
  });
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
