// `npm run dev`: apply the D1 migrations to local state, then start the gateway on
// 127.0.0.1:8787 (PORT overrides) with wrangler dev. Local only: no account needed.
import { devSecretsFile, ensureDevVars } from "./dev-vars.mjs";
import { runCronLocally, startWranglerDev, wrangler } from "./wrangler-env.mjs";

const port = Number(process.env.PORT ?? 8787);
ensureDevVars();
wrangler(["d1", "migrations", "apply", "DB", "--local"], { quiet: true });
const { child, stop } = startWranglerDev({ port, args: ["--test-scheduled", "--env-file", devSecretsFile] });
runCronLocally(`http://127.0.0.1:${port}`);
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => {
    stop();
    process.exit(0);
  });
child.on("exit", (code) => process.exit(code ?? 0));
