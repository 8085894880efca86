import type { ActiveConfig } from "../config/store";
import { sign, signingKey } from "../connectors/forward";
import { allowHttpFrom, sendHttp } from "../connectors/http";
import { errorMessage, log } from "../lib/log";

export interface Alert {
  title: string;
  detail: string;
  /** The event concerned, when the alert is about one. */
  eventId?: string;
}

/**
 * Tells the operator's alert destination (settings.alertDestination: a Slack
 * incoming webhook or a signed HTTP endpoint) about something that needs a person.
 * Best effort: the dead letter is already recorded in D1 whatever happens here.
 */
export async function sendAlert(env: Env, config: ActiveConfig, alert: Alert): Promise<boolean> {
  const id = config.document.settings.alertDestination;
  const destination = id ? config.document.destinations.find((d) => d.id === id) : undefined;
  if (!destination || (destination.type !== "slack" && destination.type !== "http")) return false;
  const options = { timeoutMs: destination.timeoutMs, allowHttp: allowHttpFrom(env) };
  try {
    if (destination.type === "slack") {
      const event = alert.eventId ? `\nEvent \`${alert.eventId}\`` : "";
      const text = `:rotating_light: *${alert.title}*\n${alert.detail}${event}`;
      const result = await sendHttp(
        { url: destination.url, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) },
        options,
      );
      return result.kind === "response" && result.status < 300;
    }
    const key = signingKey(destination.secret);
    if (!key) return false;
    const webhookId = `alert_${alert.eventId ?? "rule"}_${Date.now()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: "alert.dead_letter", timestamp: new Date().toISOString(), data: alert });
    const result = await sendHttp(
      {
        url: destination.url,
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": webhookId,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": `v1,${await sign(key, webhookId, timestamp, body)}`,
        },
        body,
      },
      options,
    );
    return result.kind === "response" && result.status < 300;
  } catch (error) {
    log("warn", "alert not sent", { eventId: alert.eventId, error: errorMessage(error) });
    return false;
  }
}
