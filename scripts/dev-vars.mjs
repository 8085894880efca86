// Local secrets for `wrangler dev` live in .dev.vars (git-ignored). The first
// `npm start` writes one with fresh random values, so no two clones share a token.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { root } from "./wrangler-env.mjs";

const file = path.join(root, ".dev.vars");

/** Reads .dev.vars (KEY=value lines), creating it first when absent. */
export function ensureDevVars() {
  if (!existsSync(file)) {
    writeFileSync(
      file,
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

export function readDevVars() {
  const vars = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) vars[match[1]] = match[2];
  }
  return vars;
}
