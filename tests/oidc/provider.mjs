// A real OpenID provider for the tests (the certified `oidc-provider` package), on 127.0.0.1.
//
//   node tests/oidc/provider.mjs CONFIG.json
//
// CONFIG.json: {"port": 0, "client_id", "client_secret", "redirect_uris": [...],
//               "post_logout_redirect_uris": [...], "accounts_file": "accounts.json"}
// The accounts file maps a login name to its claims (email, given_name, groups, ...); it is
// read again at every sign-in, so a test can change someone's groups between two logins.
// Sign-in page: /interaction/<uid> asks for the login name and whether a second factor was
// given (then the ID token says amr ["pwd", "mfa"]). Consent is implied (first-party
// client). Prints "listening <issuer>" once it answers.
import { readFileSync } from "node:fs";
import http from "node:http";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const accounts = () => JSON.parse(readFileSync(config.accounts_file, "utf8"));
const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const server = http.createServer();
await new Promise((resolve) => server.listen(config.port || 0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: config.redirect_uris,
      post_logout_redirect_uris: config.post_logout_redirect_uris,
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  pkce: { required: () => true },
  claims: {
    // The ID token says how the user signed in (amr: ["pwd"] or ["pwd", "mfa"]), as Entra ID
    // and Okta do.
    openid: ["sub", "amr"],
    email: ["email", "email_verified"],
    profile: ["given_name", "family_name", "preferred_username", "groups"],
  },
  cookies: { keys: ["aims-portal-test-provider"] },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      // No confirmation page: the test user always means to log out.
      logoutSource: async (ctx, form) => {
        ctx.body = `<!doctype html><html lang="en"><head><title>Signing out</title></head>
          <body>${form}<script>document.forms[0].submit()</script>
          <noscript><button form="op.logoutForm" name="logout" value="yes">Sign out</button></noscript>
          </body></html>`.replace("</form>", '<input type="hidden" name="logout" value="yes"></form>');
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const claims = accounts()[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  async loadExistingGrant(ctx) {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const found = await ctx.oidc.provider.Grant.find(grantId);
      if (found) return found;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
});

async function body(req) {
  let text = "";
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

function loginPage(uid, error) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><main><h1>Test identity provider</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ""}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Username</label> <input id="login" name="login" autocomplete="username">
<label><input type="checkbox" name="mfa" value="yes"> I used my second factor</label>
<button type="submit">Sign in</button></form></main></body></html>`;
}

const callback = provider.callback();
server.on("request", async (req, res) => {
  const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === "POST" && match[2]) {
      const form = await body(req);
      const login = form.get("login") || "";
      if (!accounts()[login]) {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        return res.end(loginPage(details.uid, `No account ${login}.`));
      }
      const mfa = form.get("mfa") === "yes";
      return provider.interactionFinished(
        req,
        res,
        { login: { accountId: login, amr: mfa ? ["pwd", "mfa"] : ["pwd"] } },
        { mergeWithLastSubmission: false },
      );
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end(loginPage(details.uid));
  } catch (error) {
    res.writeHead(400, { "content-type": "text/plain" });
    return res.end(String(error));
  }
});
console.log(`listening ${issuer}`);
