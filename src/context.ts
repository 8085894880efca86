import { createMiddleware } from "hono/factory";
import { createDb, type Database } from "./db/client";

/**
 * What a request, a queue batch, an alarm or a cron run works with, built once at
 * its entry and passed down (not rebuilt by each function that needs it).
 */
export interface Services {
  db: Database;
}

export function createServices(env: Pick<Env, "DB">): Services {
  return { db: createDb(env.DB) };
}

/** The Hono environment shared by every route: bindings plus per-request values. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    services: Services;
  };
}

/** Puts the request's services on the context (`c.get("services")`), once per request. */
export const provideServices = createMiddleware<{ Bindings: Pick<Env, "DB">; Variables: { services: Services } }>(async (c, next) => {
  c.set("services", createServices(c.env));
  await next();
});
