import type { ConfigEnv } from "../config/store";
import type { Services } from "../context";

/** Worker secrets the admin API reads; absent from the generated `Env`, since they are secrets. */
export interface AdminSecrets {
  /** Full access. */
  ADMIN_TOKEN?: string;
  /** Optional: reads only (a write answers 403). */
  ADMIN_READ_TOKEN?: string;
  /** Encrypts configuration secrets at rest (see src/lib/secrets.ts). */
  CONFIG_KEY?: string;
  /** While rotating: the key `CONFIG_KEY` replaced; stored secrets open with either. */
  CONFIG_KEY_PREVIOUS?: string;
}

export type AdminBindings = Env & AdminSecrets & ConfigEnv;

/** What the auth middleware decided for a request. */
export type AdminRole = "admin" | "read";

/** The Hono environment of the admin app. */
export interface AdminEnv {
  Bindings: AdminBindings;
  Variables: {
    requestId: string;
    /** Built once per request (src/context.ts). */
    services: Services;
    role: AdminRole;
    /** Who to record on a configuration version: the role, plus `X-Switchboard-Actor` when sent. */
    actor: string;
  };
}
