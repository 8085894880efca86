import { z } from "zod";
import { outboundUrl } from "../lib/config-fields";
import { type ConnectorOptions, defineConnector, destinationCommon, eachDelivery } from "./connector";
import { classify, sendHttp } from "./http";
import type { DeliveryOutcome, LeadDelivery } from "./types";

export const slackDestinationSchema = z.object({
  ...destinationCommon,
  type: z.literal("slack"),
  /** Incoming webhook URL. Write-only: it is a credential. */
  url: outboundUrl(),
});
export type SlackDestination = z.infer<typeof slackDestinationSchema>;

export const slackConnector = defineConnector({
  schema: slackDestinationSchema,
  // The incoming-webhook URL is itself the credential.
  secrets: ["url"],
  // Slack incoming webhooks allow about one message per second.
  defaultRate: { perSecond: 1, burst: 5 },
  deliveriesPerCall: 1,
  actions: ["notify"],
  crm: false,
  label: "Slack",
  target: (destination) => destination.url,
  deliver: eachDelivery(notify),
  errorCode: slackErrorCode,
});

/**
 * Posts a message about a routed lead to a Slack incoming webhook.
 *
 * API: "Sending messages using incoming webhooks": `POST <webhook URL>` with a JSON
 * body `{ text, blocks }`; `text` is the notification fallback when `blocks` is set.
 * Slack answers 200 with the text `ok`. Errors come back as a plain-text code:
 * 400 `invalid_payload` / `no_text` / `invalid_blocks`, 403 `action_prohibited`,
 * 404 `no_service` / `channel_not_found`, 410 `channel_is_archived`,
 * 500 `rollup_error`; 429 with Retry-After when over the posting rate.
 * https://api.slack.com/messaging/webhooks
 * https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks
 *
 * The URL is a credential: it never appears in an error. A 2xx is success whatever
 * the body says, because the message is already posted and a retry would post it twice.
 */
export async function notify(destination: SlackDestination, delivery: LeadDelivery, options: ConnectorOptions): Promise<DeliveryOutcome> {
  const result = await sendHttp(
    {
      url: destination.url,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(slackMessage(delivery)),
    },
    { timeoutMs: options.timeoutMs ?? destination.timeoutMs, allowHttp: options.allowHttp },
  );
  return classify(result, result.kind === "response" ? slackErrorCode(result.text) : undefined);
}

/** Slack's error body is a bare code such as `channel_is_archived`. */
function slackErrorCode(text: string): string | undefined {
  const code = text.trim();
  return /^[a-z_]{1,60}$/.test(code) ? code : undefined;
}

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

type TextObject = { type: "plain_text" | "mrkdwn"; text: string };
type SlackBlock =
  | { type: "header"; text: TextObject }
  | { type: "section"; text?: TextObject; fields?: TextObject[] }
  | { type: "context"; elements: TextObject[] };

/** The message for one routed lead: who, how hot, which route, whose. */
export function slackMessage(delivery: LeadDelivery): SlackMessage {
  const { lead } = delivery;
  const name = [lead.firstName, lead.lastName].filter((part) => part?.trim()).join(" ");
  const who = name || lead.email || lead.phone || "unknown lead";
  const owner = delivery.ownerId ?? "unassigned";

  const fields: [string, string | undefined][] = [
    ["Email", lead.email],
    ["Company", lead.company ?? lead.domain],
    ["Score", lead.score === undefined ? undefined : String(lead.score)],
    ["Owner", owner],
    ["Route", delivery.routeId],
    ["Source", delivery.sourceId],
  ];
  // Values are clipped so the owner and route at the end always fit in the text.
  const title = delivery.headline ?? "New lead";
  const summary = [
    `${truncate(title, 300)}: ${truncate(who, 200)}`,
    lead.email && name ? ` (${truncate(lead.email, 254)})` : "",
    lead.company ? ` at ${truncate(lead.company, 200)}` : "",
    lead.score === undefined ? "" : `, score ${lead.score}`,
    ` → ${owner} via route ${delivery.routeId}`,
  ].join("");

  return {
    text: truncate(escapeMrkdwn(summary), 3000),
    blocks: [
      { type: "header", text: { type: "plain_text", text: truncate(delivery.headline ? `${delivery.headline}: ${who}` : `New lead: ${who}`, 150) } },
      {
        type: "section",
        fields: fields
          .filter((field): field is [string, string] => field[1] !== undefined && field[1] !== "")
          .map(([label, value]) => ({ type: "mrkdwn", text: truncate(`*${label}*\n${escapeMrkdwn(value)}`, 2000) })),
      },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: escapeMrkdwn(`event ${delivery.eventId} · delivery ${delivery.deliveryId}`) }],
      },
    ],
  };
}

/** Slack's mrkdwn treats &, < and > as control characters (links, mentions). */
function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Slack rejects blocks whose text exceeds the block's limit (header 150, field 2000). */
function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
