// A real OpenID Connect provider (node's oidc-provider, OpenID Certified) on loopback for
// Sigap's single sign-on tests. Started by tests/sso_provider.py as a subprocess:
//
//   SIGAP_TEST_OIDC_ACCOUNTS='{"rina": {"password": "...", "claims": {...}}}' node server.mjs
//
// It listens on 127.0.0.1 on a free port and prints one JSON line, {"issuer": "http://..."},
// once it serves. Clients register themselves (dynamic client registration, /reg), so each
// test names its own redirect URI. ID tokens are signed (RS256) with a key made at start.
// The sign-in form checks the password of the account table; consent is given at once (a
// first-party application). Accounts with "userinfo_only": true keep their claims out of
// the ID token (the relying party must ask the userinfo endpoint for them).

import { generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";

import Provider from "oidc-provider";

const accounts = JSON.parse(process.env.SIGAP_TEST_OIDC_ACCOUNTS || "{}");

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "sigap-test", use: "sig", alg: "RS256" };

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, error) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test provider: sign in</title></head>
<body><h1>Test provider</h1>
${error ? `<p id="error">${escape(error)}</p>` : ""}
<form method="post" action="/interaction/${escape(uid)}/login">
  <label>Login <input name="login" id="login" autocomplete="username"></label>
  <label>Password <input name="password" id="password" type="password"></label>
  <button type="submit" id="submit">Sign in</button>
</form></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

async function consent(provider, req, res, details) {
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const result = { consent: { grantId: await grant.save() } };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

async function interaction(provider, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === "consent") return consent(provider, req, res, details);
  if (req.method === "POST" && action === "login") {
    const form = await readForm(req);
    const login = form.get("login") || "";
    const account = Object.hasOwn(accounts, login) ? accounts[login] : undefined;
    if (!account || account.password !== form.get("password")) {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      return res.end(loginPage(uid, "Wrong login or password."));
    }
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: login } },
      { mergeWithLastSubmission: false },
    );
  }
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  return res.end(loginPage(uid, ""));
}

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified", "xms_edov"],
      profile: ["name", "given_name", "family_name"],
    },
    // Scope claims go into the ID token too, as Google, Entra ID and Keycloak do.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
    },
    interactions: { url: (ctx, it) => `/interaction/${it.uid}` },
    async findAccount(ctx, id) {
      const account = Object.hasOwn(accounts, id) ? accounts[id] : undefined;
      if (!account) return undefined;
      return {
        accountId: id,
        async claims(use) {
          if (use === "id_token" && account.userinfo_only) return { sub: id };
          return { sub: id, ...account.claims };
        },
      };
    },
  });
  const app = provider.callback();
  server.on("request", (req, res) => {
    const match = /^\/interaction\/([\w-]+)(?:\/(login))?$/.exec(req.url.split("?")[0]);
    if (!match) return app(req, res);
    return interaction(provider, req, res, match[1], match[2]).catch((err) => {
      res.writeHead(400, { "Content-Type": "text/plain" });
      res.end(`interaction failed: ${err.message}`);
    });
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on("SIGTERM", () => server.close(() => process.exit(0)));
