// Starts what an end-to-end run or a soak drives: fresh local state, the CRM fakes
// (in this process), the gateway under wrangler dev with throwaway secrets, and the
// e2e configuration loaded through the admin API.
import { randomBytes } from "node:crypto";
import { loadFakes } from "../../fakes.mjs";
import { adminApi } from "../admin-api.mjs";
import { freePort } from "../free-port.mjs";
import { e2eConfig, e2eSecrets, pipedriveUsers } from "./e2e-config.mjs";
import { freshState, gatewayProcess } from "./gateway.mjs";

/**
 * `onFakes` and `onGateway` hand each part to the caller as soon as it exists, so
 * the caller's signal handler and `finally` can stop it even if a later step fails.
 */
export async function startStack({ persistTo, logFile, port, onFakes, onGateway }) {
  freshState(persistTo);
  const { startFakes } = await loadFakes();
  const fakes = await startFakes({ pipedrive: { users: pipedriveUsers } });
  onFakes(fakes);
  const origins = Object.fromEntries(Object.entries(fakes.fakes).map(([name, fake]) => [name, fake.origin]));
  const token = randomBytes(24).toString("base64url");
  const gateway = gatewayProcess({
    port: port || (await freePort()),
    persistTo,
    logFile,
    vars: { ADMIN_TOKEN: token, CONFIG_KEY: randomBytes(32).toString("base64url"), ALLOW_HTTP_DESTINATIONS: "true", SWEEP_AFTER_SECONDS: "60" },
  });
  onGateway(gateway);
  await gateway.start();
  const admin = adminApi(gateway.base, token);
  const secrets = e2eSecrets();
  const config = e2eConfig(fakes.fakes, secrets);
  await admin.putConfig(config);
  return { origins, admin, secrets, config };
}
