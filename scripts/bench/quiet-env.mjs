// Imported first by scripts/bench.mjs: Miniflare and wrangler's API run inside this
// process, so they must see the same no-telemetry, no-network settings as the
// wrangler commands scripts/wrangler-env.mjs spawns.
import { wranglerEnv } from "../wrangler-env.mjs";

Object.assign(process.env, wranglerEnv);
