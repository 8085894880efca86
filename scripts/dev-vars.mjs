// Local secrets for `wrangler dev` live in .dev.secrets (git-ignored). The first
// `npm start` writes one with fresh random values, so no two clones share a token.
//
// Not .dev.vars: `wrangler types` (and the freshness check `wrangler dev` runs at
// start) types every key it finds in .dev.vars or .env, so a local secrets file there
// makes the committed worker-configuration.d.ts look out of date ("Your types might be
// out of date") and `wrangler types --check` fail on any machine that has one. The
// scripts hand this file to wrangler dev with --env-file, which type generation never
// reads; the secrets stay typed as optional in src/admin/env.ts.

import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { root } from "./wrangler-env.mjs";

export const devSecretsFile = path.join(root, ".dev.secrets");
const legacyFile = path.join(root, ".dev.vars");

/** Reads .dev.secrets (KEY=value lines), creating it first when absent. */
export function ensureDevVars() {
  // A clone that ran `npm start` before keeps its tokens.
  if (!existsSync(devSecretsFile) && existsSync(legacyFile)) renameSync(legacyFile, devSecretsFile);
  if (!existsSync(devSecretsFile)) {
    writeFileSync(
      devSecretsFile,
      [
        "# Local secrets for wrangler dev (git-ignored). Delete this file to get new ones.",
        // 43 characters: the gateway refuses admin tokens under 32 (src/admin/token-policy.ts).
        `ADMIN_TOKEN=${randomBytes(32).toString("base64url")}`,
        `CONFIG_KEY=${randomBytes(32).toString("base64url")}`,
        // The demo's CRM fakes listen on http://127.0.0.1.
        "ALLOW_HTTP_DESTINATIONS=true",
        "",
      ].join("\n"),
    );
  }
  return readDevVars();
}

/** Reads .dev.secrets (KEY=value lines). */
export function readDevVars() {
  /** @type {Record<string, string>} */
  const vars = {};
  for (const line of readFileSync(devSecretsFile, "utf8").split("\n")) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) vars[match[1]] = match[2];
  }
  return vars;
}
