import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ZodError } from "zod";
import type { PointerProblem } from "../config/secret-fields";
import { zodProblems } from "../config/validate";
import { type ErrorCode, errorCodes, GatewayError } from "../errors";
import type { AdminEnv } from "./env";

/** One problem of a `validation_failed` answer. `in` says what the pointer points into. */
export interface ValidationProblem extends PointerProblem {
  /** `body` when absent; `query` or `path` for parameters; `config` for the stored document a per-entry write would break. */
  in?: "query" | "path" | "config";
}

/** A 422 whose `problems` extension member lists every problem found, each with a JSON pointer. */
export function validationFailed(problems: ValidationProblem[], detail?: string): GatewayError {
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  return new GatewayError("validation_failed", detail ?? `The request has ${count}; see \`problems\`.`, undefined, { problems });
}

/**
 * A configuration over one of its limits (src/config/limits.ts): 413 when the
 * document as a whole is too large, else 422; `problems` name each limit and where.
 */
export function overLimit(over: "document" | "limit", problems: ValidationProblem[]): GatewayError {
  const detail =
    over === "document"
      ? (problems[0]?.message ?? "The configuration is too large.")
      : `The configuration goes over ${problems.length === 1 ? "a limit" : `${problems.length} limits`}; see \`problems\`.`;
  return new GatewayError(over === "document" ? "config_too_large" : "config_limit_exceeded", detail, undefined, { problems });
}

/**
 * The hook of every route's zod validation: a failure becomes a 422 problem with
 * pointers (into the body, or naming the query/path parameter), never zod's default
 * 400 shape. Nothing has happened yet when it runs, so a rejected request changes nothing.
 */
export function validationHook(result: { success: true } | { success: false; error: ZodError; target: string }, _c: Context<AdminEnv>): void {
  if (result.success) return;
  const where = result.target === "query" ? "query" : result.target === "param" ? "path" : undefined;
  throw validationFailed(zodProblems(result.error).map((p) => (where ? { ...p, in: where } : p)));
}

// ─── OpenAPI descriptions of error answers ──────────────────────────────────

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
    instance: z.string().optional(),
    problems: z
      .array(
        z.object({
          pointer: z.string().meta({ description: "RFC 6901 JSON pointer", example: "/routes/0/actions/0/assign/pool" }),
          message: z.string(),
          in: z.enum(["query", "path", "config"]).optional(),
          limit: z.string().optional().meta({ description: "config_too_large and config_limit_exceeded: the limit gone over" }),
        }),
      )
      .optional()
      .meta({ description: "validation_failed, config_too_large and config_limit_exceeded: every problem found" }),
  })
  .openapi("Problem");

const problemContent = { "application/problem+json": { schema: problemSchema } };

const descriptions: Record<number, string> = {
  400: "Body not parseable",
  401: "Missing or wrong token",
  403: "The read-only token cannot write",
  404: "Not found",
  409: "Conflict",
  412: "The configuration changed since the version in If-Match",
  413: "The configuration (or the request body) is too large",
  415: "Body is not JSON",
  422: "Validation failed: every problem, each with a JSON pointer",
  429: "Too many requests",
  503: "CONFIG_KEY is not set (config_key_missing), or no key opens the stored secrets (config_key_mismatch)",
};

/** Problem responses for the given statuses (401 always), for a route's `responses`. */
export function problemResponses<const S extends number>(...statuses: S[]) {
  const all = [401, ...statuses] as (S | 401)[];
  return Object.fromEntries(all.map((status) => [status, { description: descriptions[status] ?? "Problem", content: problemContent }])) as Record<
    S | 401,
    { description: string; content: typeof problemContent }
  >;
}
