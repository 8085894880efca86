import type { Provider } from "../config/schema";
import { apiKeyVerifier } from "./providers/api-key";
import { basicAuthVerifier } from "./providers/basic-auth";
import { calendlyVerifier } from "./providers/calendly";
import { githubVerifier } from "./providers/github";
import { hmacVerifier } from "./providers/hmac";
import { hubspotVerifier } from "./providers/hubspot";
import { intercomVerifier } from "./providers/intercom";
import { linearVerifier } from "./providers/linear";
import { mandrillVerifier } from "./providers/mandrill";
import { noneVerifier } from "./providers/none";
import { paddleVerifier } from "./providers/paddle";
import { sendgridVerifier } from "./providers/sendgrid";
import { shopifyVerifier } from "./providers/shopify";
import { slackVerifier } from "./providers/slack";
import { standardWebhooksVerifier } from "./providers/standard-webhooks";
import { stripeVerifier } from "./providers/stripe";
import { svixVerifier } from "./providers/svix";
import { twilioVerifier } from "./providers/twilio";
import { typeformVerifier } from "./providers/typeform";
import { zoomVerifier } from "./providers/zoom";
import type { Verifier } from "./types";

/** Every provider a source may name, each with its verifier. */
export const verifiers: Readonly<Record<Provider, Verifier>> = {
  "standard-webhooks": standardWebhooksVerifier,
  svix: svixVerifier,
  stripe: stripeVerifier,
  github: githubVerifier,
  shopify: shopifyVerifier,
  slack: slackVerifier,
  twilio: twilioVerifier,
  hubspot: hubspotVerifier,
  typeform: typeformVerifier,
  zoom: zoomVerifier,
  calendly: calendlyVerifier,
  paddle: paddleVerifier,
  intercom: intercomVerifier,
  linear: linearVerifier,
  mandrill: mandrillVerifier,
  sendgrid: sendgridVerifier,
  hmac: hmacVerifier,
  "basic-auth": basicAuthVerifier,
  "api-key": apiKeyVerifier,
  none: noneVerifier,
};
