// Puts the bench's state in place before a target takes load: the D1 schema and the
// configuration in KV. Two ways, one per way of running the gateway.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { unstable_splitSqlQuery } from "wrangler";
import { wrangler } from "../wrangler-env.mjs";
import { storedConfig } from "./webhook.mjs";

const configKey = "config/current";

/**
 * Through Miniflare's bindings: the migrations' statements in order, then `afterSeed`
 * (SQL statements, e.g. dropping triggers for a control), then the config (`config`,
 * a storedConfig() value; the ingest bench's by default).
 */
export async function seedMiniflare(mf, migrationsDir, config = storedConfig(), afterSeed = []) {
  const db = await mf.getD1Database("DB");
  const dir = migrationsDir;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    // wrangler's own splitter, so statements are cut exactly as `migrations apply` cuts them.
    const statements = unstable_splitSqlQuery(readFileSync(path.join(dir, file), "utf8"));
    await db.batch(statements.map((sql) => db.prepare(sql)));
  }
  for (const sql of afterSeed) await db.prepare(sql).run();
  const kv = await mf.getKVNamespace("CONFIG");
  await kv.put(configKey, JSON.stringify(config));
}

/** Through wrangler's local commands, into the directory `wrangler dev --persist-to` will use. */
export function seedWrangler(persistTo, config, stored = storedConfig(), afterSeed = []) {
  const common = ["--local", "--config", config, "--persist-to", persistTo];
  wrangler(["d1", "migrations", "apply", "DB", ...common], { quiet: true });
  if (afterSeed.length > 0) wrangler(["d1", "execute", "DB", ...common, "--command", afterSeed.join("; ")], { quiet: true });
  wrangler(["kv", "key", "put", "--binding", "CONFIG", ...common, configKey, JSON.stringify(stored)], { quiet: true });
}
