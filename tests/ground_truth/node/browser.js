'use strict';
// The browser half of the ground-truth suite (tests/ground_truth/browser.rs): runs each exchange's
// `fetch()` in real Chromium (DevTools protocol) and Firefox (WebDriver BiDi), each time in a fresh
// browser context, and reports what the page saw, what the browser said, and what the server got.
//
// Usage: node browser.js SCRATCH_DIR CHROMIUM FIREFOX   (an empty path leaves that engine out)
// stdin: one job a line, JSON {id, origin, host, path, method, headers, body, credentials, cookie,
//   upstream, transport}: the page at `origin` fetches `https://host:<API port>/path`. stdout: `READY {engine: {version, prefs}}`, then per job and engine one
//   `RESULT {id, engine, ...}` line, in completion order. The process ends when stdin closes.
//
// Only loopback. Every page origin (`https://app.example.com`, `http://localhost:5173`, `null`, ...)
// is served by the front (one TLS port for 443, one plain port for the http origins' ports); each
// engine has a few API ports ("slots"), TLS reverse proxies to the job's real server (nginx or
// uvicorn) that record every request they pass on. Both browsers resolve every host name to
// 127.0.0.1 and send the page origins' ports to the front (Chromium: --host-resolver-rules;
// Firefox: network.dns.forceResolve and network.socket.forcePort), so `Origin` is exactly the
// origin the fixture is probed with.

const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');
const crypto = require('crypto');
const readline = require('readline');
const { execFileSync } = require('child_process');
const puppeteer = require('puppeteer-core');

const [scratch, chromiumPath, firefoxPath] = process.argv.slice(2);
const COOKIE = { name: 'session', value: 'ground-truth' };
// The ports page origins use, sent to the front's TLS or plain port.
const PAGE_PORTS = { tls: [443], plain: [80, 3000, 3001, 4000, 4001, 4200, 4321, 4322, 5173, 5174, 8080] };
// Exchanges each engine runs at once (each needs its own API port, which records one exchange).
const SLOTS = 2;
const TIMEOUT_MS = 15000;

/// A self-signed certificate for every test host; its SPKI hash lets Chromium trust only it.
function certificate() {
  const key = path.join(scratch, 'key.pem');
  const cert = path.join(scratch, 'cert.pem');
  const names = ['*.example.com', 'example.com', '*.example.co', 'evil.com', '*.evil.com', 'localhost'];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-days', '2', '-subj', '/CN=corslint ground truth', '-keyout', key, '-out', cert,
    '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')},IP:127.0.0.1`], { stdio: 'ignore' });
  const pem = fs.readFileSync(cert);
  const spki = new crypto.X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return { key: fs.readFileSync(key), cert: pem, spki: crypto.createHash('sha256').update(spki).digest('base64') };
}

/// Listens on 127.0.0.1 and, when the machine has IPv6, on ::1 with the same port (Firefox may
/// resolve `localhost` to either). The port is an ephemeral one (32768 and up on Linux), past
/// every port the browsers refuse to connect to (the highest on their lists is 10080).
async function listenBoth(makeServer) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const v4 = makeServer();
    await new Promise((resolve, reject) => v4.once('error', reject).listen(0, '127.0.0.1', resolve));
    const port = v4.address().port;
    const ok = await new Promise((resolve) => {
      const v6 = makeServer();
      v6.once('error', (e) => resolve(e.code === 'EADDRNOTAVAIL' || e.code === 'EAFNOSUPPORT'));
      v6.listen(port, '::1', () => resolve(true));
    });
    if (ok) return port;
    v4.close();
  }
  throw new Error('no port free on both 127.0.0.1 and ::1');
}

/// The page every exchange starts from. `?sandbox` gives it an opaque origin (`Origin: null`), as
/// a sandboxed iframe's would be.
function page(req, res) {
  const headers = { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' };
  if (req.url.includes('sandbox')) headers['Content-Security-Policy'] = 'sandbox allow-scripts';
  res.writeHead(200, headers);
  res.end('<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>corslint</title>');
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

function pairs(raw) {
  const out = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

/// A recording reverse proxy: forwards to `slot.target` (the job's server) with the job's `Host`
/// and transport headers (what a TLS-terminating front adds), and remembers each request and the
/// response it passed back.
function apiServer(tls, slot) {
  return () => https.createServer(tls, (req, res) => {
    const body = [];
    req.on('data', (c) => body.push(c));
    req.on('end', () => {
      const target = slot.target;
      if (!target) {
        res.writeHead(503).end();
        return;
      }
      const seen = { method: req.method, path: req.url, headers: pairs(req.rawHeaders) };
      target.requests.push(seen);
      const headers = seen.headers.filter(([n]) => !HOP_BY_HOP.has(n.toLowerCase()) && n.toLowerCase() !== 'host');
      headers.unshift(['Host', target.host]);
      for (const [name, value] of target.transport) {
        if (name.toLowerCase() === 'host') {
          headers[0] = [name, value];
          continue;
        }
        const i = headers.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
        if (i >= 0) headers.splice(i, 1);
        headers.push([name, value]);
      }
      const upstream = http.request({ host: '127.0.0.1', port: target.upstream, method: req.method, path: req.url,
        headers: headers.flat(), setHost: false }, (up) => {
        const out = pairs(up.rawHeaders).filter(([n]) => !HOP_BY_HOP.has(n.toLowerCase()));
        seen.response = { status: up.statusCode, headers: out };
        res.writeHead(up.statusCode, out.flat());
        up.pipe(res);
      });
      upstream.on('error', (e) => {
        seen.error = String(e);
        res.writeHead(502).end();
      });
      upstream.end(Buffer.concat(body));
    });
  });
}

/// Firefox's console reason ("(Reason: ...)"), named as its message keys and MDN's pages are.
const FIREFOX_REASONS = [
  [/CORS header .Access-Control-Allow-Origin. missing/, 'CORSMissingAllowOrigin'],
  [/CORS header .Access-Control-Allow-Origin. does not match/, 'CORSAllowOriginNotMatchingOrigin'],
  [/Credential is not supported if the CORS header .Access-Control-Allow-Origin. is/, 'CORSNotSupportingCredentials'],
  [/expected .true. in CORS header .Access-Control-Allow-Credentials./, 'CORSMissingAllowCredentials'],
  [/Multiple CORS header .Access-Control-Allow-Origin. not allowed/, 'CORSMultipleAllowOriginNotAllowed'],
  [/CORS preflight response did not succeed/, 'CORSPreflightDidNotSucceed'],
  [/Did not find method in CORS header .Access-Control-Allow-Methods./, 'CORSMethodNotFound'],
  [/is not allowed according to header .Access-Control-Allow-Headers./, 'CORSMissingAllowHeaderFromPreflight'],
  [/invalid token .* in CORS header .Access-Control-Allow-Headers./, 'CORSInvalidAllowHeader'],
  [/invalid token .* in CORS header .Access-Control-Allow-Methods./, 'CORSInvalidAllowMethod'],
  [/CORS request did not succeed/, 'CORSDidNotSucceed'],
  [/CORS request not http/, 'CORSRequestNotHttp'],
  [/CORS request external redirect not allowed/, 'CORSExternalRedirectNotAllowed'],
  [/CORS disabled/, 'CORSDisabled'],
];

function firefoxReason(text) {
  const found = FIREFOX_REASONS.find(([re]) => re.test(text));
  const reason = /\(Reason: (.*?)\)(?:\. Status code: .*)?\.?$/.exec(text);
  return { issue: found ? found[1] : null, reason: reason ? reason[1] : text };
}

/// [page origin port, front port] pairs.
function forwarded(ports) {
  return [...PAGE_PORTS.tls.map((p) => [p, ports.frontTls]), ...PAGE_PORTS.plain.map((p) => [p, ports.frontPlain])];
}

// The Firefox prefs that decide what these exchanges do, printed so that a changed default reads as news.
const FIREFOX_PREFS_SHOWN = [
  'network.cors_preflight.authorization_covered_by_wildcard', 'network.cookie.cookieBehavior',
  'network.cookie.sameSite.laxByDefault', 'network.cookie.sameSite.noneRequiresSecure',
  'security.mixed_content.block_active_content', 'network.lna.enabled', 'network.lna.blocking',
  'dom.security.https_first', 'network.dns.forceResolve', 'network.socket.forcePort',
];

async function launchChromium(tls, ports) {
  const map = forwarded(ports).map(([from, to]) => `MAP *:${from} 127.0.0.1:${to}`);
  const args = [
    // Root in a container has no user namespaces for the sandbox.
    '--no-sandbox',
    // A closed network: without these Chromium keeps calling home and floods refused connections.
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    '--disable-quic', '--disable-domain-reliability',
    // `http://` page origins must stay http (no HTTPS-Upgrades of the navigation).
    '--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable',
    `--host-resolver-rules=${[...map, 'MAP * 127.0.0.1'].join(',')}`,
    `--ignore-certificate-errors-spki-list=${tls.spki}`,
  ];
  // A regular Chrome profile allows third-party cookies by default; the browser contexts of the
  // DevTools protocol are off-the-record and would block them unless the profile says otherwise.
  const userDataDir = path.join(scratch, 'chromium-profile');
  const prefs = { profile: { cookie_controls_mode: 0 } };
  fs.mkdirSync(path.join(userDataDir, 'Default'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'Default', 'Preferences'), JSON.stringify(prefs));
  const browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args, pipe: true,
    userDataDir, protocolTimeout: TIMEOUT_MS });
  return { browser, prefs: { 'profile.cookie_controls_mode': 0, args: args.join(' ') } };
}

async function launchFirefox(ports) {
  const set = {
    'network.dns.forceResolve': '127.0.0.1',
    'network.socket.forcePort': forwarded(ports).map(([from, to]) => `${from}=${to}`).join(';'),
    'dom.security.https_first': false,
    'dom.security.https_first_schemeless': false,
  };
  // System access only to read the prefs from about:config below.
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: firefoxPath, headless: true,
    acceptInsecureCerts: true, extraPrefsFirefox: set, args: ['--remote-allow-system-access'],
    protocolTimeout: TIMEOUT_MS });
  const context = await browser.createBrowserContext();
  const tab = await context.newPage();
  tab.goto('about:config').catch(() => {});
  let prefs = null;
  for (let i = 0; i < 100 && !prefs; i++) {
    await new Promise((r) => setTimeout(r, 50));
    prefs = await tab.evaluate((names) => {
      if (typeof Services === 'undefined') return null;
      const p = Services.prefs;
      const read = (n) => ({ [p.PREF_BOOL]: () => p.getBoolPref(n), [p.PREF_INT]: () => p.getIntPref(n),
        [p.PREF_STRING]: () => p.getStringPref(n) }[p.getPrefType(n)] || (() => '(unset)'))();
      return Object.fromEntries(names.map((n) => [n, read(n)]));
    }, FIREFOX_PREFS_SHOWN).catch(() => null);
  }
  await context.close();
  return { browser, prefs: prefs || { error: 'about:config not readable' } };
}

/// Runs `job`, again when the browser failed before the request went out (Firefox now and then
/// discards a browsing context that is being created while another context closes).
async function exchange(engine, slot, job) {
  let result;
  for (let attempt = 0; attempt < 3; attempt++) {
    result = await exchangeOnce(engine, slot, job);
    if (!result.harnessError || result.requests.length) break;
  }
  return result;
}

/// Runs one job in a fresh browser context: the page at the job's origin calls `fetch()`.
async function exchangeOnce(engine, slot, job) {
  const context = await engine.lifecycle(() => engine.browser.createBrowserContext());
  const target = { upstream: job.upstream, host: job.host, transport: job.transport || [], requests: [] };
  const result = { id: job.id, engine: engine.name };
  const apiBase = `https://${job.host}:${slot.port}`;
  try {
    if (job.cookie) {
      await context.setCookie({ ...COOKIE, domain: job.host, path: '/', secure: true, httpOnly: true,
        sameSite: 'None' });
    }
    const tab = await engine.lifecycle(() => context.newPage());
    const failures = [];
    const errors = [];
    if (engine.name === 'chromium') {
      const cdp = await tab.createCDPSession();
      await cdp.send('Network.enable');
      const urls = new Map();
      cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
      cdp.on('Network.loadingFailed', (e) => {
        if ((urls.get(e.requestId) || '').startsWith(apiBase)) failures.push(e);
      });
      cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
        const blocked = (e.associatedCookies || []).flatMap((c) => c.blockedReasons || []);
        if (blocked.length) result.cookieBlocked = blocked;
      });
    } else {
      // Firefox reports CORS failures to the page's console as errors ("Cross-Origin Request Blocked").
      tab.on('pageerror', (e) => errors.push(String(e && e.message)));
    }
    const pageUrl = job.origin === 'null' ? 'https://app.example.com/?sandbox' : `${job.origin}/`;
    await tab.goto(pageUrl, { waitUntil: 'load', timeout: TIMEOUT_MS });
    slot.target = target;
    const outcome = await tab.evaluate(async (req) => {
      const init = { method: req.method, headers: req.headers, credentials: req.credentials };
      if (req.body !== null && req.method !== 'GET' && req.method !== 'HEAD') init.body = req.body;
      try {
        const response = await fetch(req.url, init);
        await response.arrayBuffer();
        return { origin: self.origin, resolved: true, status: response.status };
      } catch (e) {
        return { origin: self.origin, resolved: false, error: `${e.name}: ${e.message}` };
      }
    }, { url: `${apiBase}${job.path}`, method: job.method, headers: job.headers, body: job.body,
      credentials: job.credentials ? 'include' : 'same-origin' });
    Object.assign(result, outcome);
    if (!outcome.resolved) {
      // The DevTools event of the request itself (not its preflight's) and the console message
      // trail the rejected promise by a few milliseconds.
      const reported = () => failures.some((f) => f.type !== 'Preflight') || errors.length;
      for (let i = 0; i < 50 && !reported(); i++) await new Promise((r) => setTimeout(r, 10));
    }
    if (engine.name === 'chromium') {
      const cors = failures.find((f) => f.corsErrorStatus);
      if (cors) result.issue = cors.corsErrorStatus.corsError;
      const other = failures.find((f) => !f.corsErrorStatus);
      if (other) result.netError = other.blockedReason || other.errorText;
    } else {
      // On a failed preflight Firefox logs the reason, then "CORS request did not succeed".
      const line = errors.find((t) => t.includes('Cross-Origin Request Blocked'));
      if (line) Object.assign(result, firefoxReason(line));
    }
  } catch (e) {
    result.harnessError = String((e && e.stack) || e);
  } finally {
    slot.target = null;
    result.requests = target.requests;
    await engine.lifecycle(() => context.close()).catch(() => {});
  }
  return result;
}

async function main() {
  const tls = certificate();
  const ports = {
    frontTls: await listenBoth(() => https.createServer(tls, page)),
    frontPlain: await listenBoth(() => http.createServer(page)),
  };
  const engines = [];
  for (const [name, exe] of [['chromium', chromiumPath], ['firefox', firefoxPath]]) {
    if (!exe) continue;
    const { browser, prefs } = name === 'chromium' ? await launchChromium(tls, ports) : await launchFirefox(ports);
    const slots = [];
    for (let i = 0; i < SLOTS; i++) {
      const slot = { target: null };
      slot.port = await listenBoth(apiServer(tls, slot));
      slots.push(slot);
    }
    // Contexts and pages are created and closed one at a time; the exchanges themselves overlap.
    let last = Promise.resolve();
    const lifecycle = (step) => {
      const run = last.then(step);
      last = run.catch(() => {});
      return run;
    };
    engines.push({ name, browser, prefs, version: await browser.version(), slots, queue: [], waiting: [], lifecycle });
  }
  const info = Object.fromEntries(engines.map((e) => [e.name, { version: e.version, prefs: e.prefs }]));
  process.stdout.write(`READY ${JSON.stringify(info)}\n`);

  // Each slot takes the engine's next job; `null` in the queue means stdin has ended.
  const next = (engine) => new Promise((resolve) => {
    if (engine.queue.length) resolve(engine.queue.shift());
    else engine.waiting.push(resolve);
  });
  const push = (engine, job) => {
    const waiter = engine.waiting.shift();
    if (waiter) waiter(job);
    else engine.queue.push(job);
  };
  const workers = engines.flatMap((engine) => engine.slots.map(async (slot) => {
    for (let job = await next(engine); job; job = await next(engine)) {
      const result = await exchange(engine, slot, job);
      process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    }
    push(engine, null);
  }));
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (line.trim()) for (const engine of engines) push(engine, JSON.parse(line));
  }
  for (const engine of engines) push(engine, null);
  await Promise.all(workers);
  for (const engine of engines) await engine.browser.close().catch(() => {});
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(`browser.js: ${(e && e.stack) || e}\n`);
  process.exit(1);
});
