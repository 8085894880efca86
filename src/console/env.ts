import type { Context } from "hono";
import type { AdminBindings } from "../admin/env";
import type { Services } from "../context";
import type { Session } from "./session";

/** Where the console is mounted (src/app.ts); its cookie path and every link use it. */
export const consoleBase = "/console";

/** The Hono environment of the console: the admin bindings, and the session once signed in. */
export interface ConsoleEnv {
  Bindings: AdminBindings;
  Variables: {
    requestId: string;
    /** Built once per request (src/context.ts). */
    services: Services;
    /** Set by the session middleware on every page behind the login. */
    session: Session;
  };
}

export type ConsoleContext = Context<ConsoleEnv>;

/** A console URL: `href("/events", { status: "dead" })` → `/console/events?status=dead`. */
export function href(path: string, query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== "") params.set(name, String(value));
  const search = params.toString();
  return `${consoleBase}${path}${search ? `?${search}` : ""}`;
}
