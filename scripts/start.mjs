// `npm start`: the whole gateway locally, no account and no network. It applies the
// D1 migrations, starts the CRM fakes (HubSpot, Salesforce, Pipedrive, Slack, an
// HTTP receiver) on fixed ports, starts the gateway with wrangler dev, loads the
// demo configuration through the admin API when none is stored yet, and prints what
// to do next. Ctrl-C stops everything it started.
import { createHmac } from "node:crypto";
import { demoConfig, demoFakeOptions, demoFakePorts, demoSecrets } from "./demo/config.mjs";
import { devSecretsFile, ensureDevVars } from "./dev-vars.mjs";
import { loadFakes } from "./fakes.mjs";
import { runCronLocally, startWranglerDev, waitForHttp, wrangler } from "./wrangler-env.mjs";

const port = Number(process.env.PORT ?? 8787);
const base = `http://127.0.0.1:${port}`;
const vars = ensureDevVars();

wrangler(["d1", "migrations", "apply", "DB", "--local"], { quiet: true });
const { startFakes } = await loadFakes();
const fakes = await startFakes(demoFakeOptions, demoFakePorts);
const gateway = startWranglerDev({ port, stdio: ["ignore", "inherit", "inherit"], args: ["--test-scheduled", "--env-file", devSecretsFile] });
runCronLocally(base);

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  gateway.stop();
  await fakes.stop();
  process.exit(code);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
gateway.child.on("exit", (code) => stop(code ?? 1));

try {
  await waitForHttp(`${base}/healthz`, 90_000);
  const auth = { authorization: `Bearer ${vars.ADMIN_TOKEN}` };
  const current = await (await fetch(`${base}/admin/v1/config`, { headers: auth })).json();
  if (!current.document?.sources?.length && !current.sources?.length) {
    const response = await fetch(`${base}/admin/v1/config`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(demoConfig(fakes.fakes)),
    });
    if (!response.ok) throw new Error(`loading the demo configuration failed: ${response.status} ${await response.text()}`);
  }
} catch (error) {
  console.error(String(error));
  await stop(1);
}

const body = JSON.stringify({ referral_id: "ref-1001", email: "lin@example.org", company: "Example Org", score: 72 });
const signature = `sha256=${createHmac("sha256", demoSecrets.partner).update(body).digest("hex")}`;
console.log(`
Switchboard is running.

  Gateway        ${base}            (POST /in/{sourceId})
  Admin API      ${base}/admin/v1   (Authorization: Bearer ${vars.ADMIN_TOKEN})
  API reference  ${base}/admin/docs
  Console        ${base}/console      (sign in with the admin token)
  CRM fakes      ${Object.values(fakes.fakes)
    .map((f) => f.origin)
    .join("  ")}
                 (what they received: GET <fake>/__fake/records)

Send a signed lead:

  curl -i ${base}/in/partner-referrals \\
    -H 'content-type: application/json' \\
    -H 'x-signature: ${signature}' \\
    -d '${body}'

Then see it routed:

  curl -s ${base}/admin/v1/events -H 'authorization: Bearer ${vars.ADMIN_TOKEN}'

Or send a realistic mix from several providers: npm run demo
`);
