// The operator dashboard (/admin) in a real Chromium: server-rendered HTML, no JavaScript, a
// signed cookie and a CSRF token per session. Run by scripts/test-browser.sh, which starts the
// reference server and passes RENDERIQ_URL, RENDERIQ_ADMIN_TOKEN, RENDERIQ_EMAIL,
// RENDERIQ_PASSWORD, CHROMIUM and BROWSER_ARTIFACTS (where the screenshots go).
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { chromium } = require('playwright-core');

const BASE = required('RENDERIQ_URL');
const ADMIN_TOKEN = required('RENDERIQ_ADMIN_TOKEN');
const EMAIL = required('RENDERIQ_EMAIL');
const PASSWORD = required('RENDERIQ_PASSWORD');
const ARTIFACTS = required('BROWSER_ARTIFACTS');
const SAMPLE_PNG = path.join(__dirname, '..', '..', 'examples', 'assets', 'sample-viewport.png');

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run scripts/test-browser.sh`);
  return value;
}

async function api(method, route, { token, body, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${BASE}/api/plugins${route}`, init);
  const json = await response.json();
  assert.equal(response.status, 200, `${method} ${route}: ${JSON.stringify(json)}`);
  assert.equal(json.success, true, `${method} ${route}: ${JSON.stringify(json)}`);
  return json.data;
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

function pathOf(page) {
  return new URL(page.url()).pathname;
}

// Whether every image matching `selector` has loaded (a broken or unloaded image has no width).
async function imagesLoaded(page, selector) {
  return page.$$eval(selector, (imgs) => imgs.map((img) => img.complete && img.naturalWidth > 0));
}

// Submits the form `form` (a locator) by clicking `button`, returning the POST's response once
// the page that follows has loaded.
async function submit(page, form, button = 'button[type=submit]') {
  const action = await form.evaluate((f) => f.action);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === action && r.request().method() === 'POST'),
    page.waitForNavigation({ waitUntil: 'load' }),
    form.locator(button).click(),
  ]);
  return response;
}

// Creates a render through the API the way a plugin does and waits until it has completed.
async function completedRender(token, prompt) {
  const form = new FormData();
  form.append('image', new Blob([fs.readFileSync(SAMPLE_PNG)], { type: 'image/png' }), 'viewport.png');
  form.append('prompt', prompt);
  const created = await api('POST', '/renders', { token, body: form });
  const id = created.id || created.renderId;
  assert.ok(id, `the render has an id: ${JSON.stringify(created)}`);
  const deadline = Date.now() + 30_000;
  let render;
  do {
    render = await api('GET', `/renders/${id}?wait=10`, { token });
    if (render.status === 'completed') break;
    assert.ok(['pending', 'processing'].includes(render.status), `render ${id} is ${render.status}`);
  } while (Date.now() < deadline);
  assert.equal(render.status, 'completed', `render ${id} completed within 30 s`);
  return id;
}

// Waits until `condition()` is truthy (checked every 100 ms), failing with `what` after `ms`.
async function until(what, condition, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Reloads `page` until `condition()` is truthy (the dashboard has no JavaScript to refresh itself).
async function reloadUntil(page, what, condition, ms = 30_000) {
  return until(what, async () => (await condition()) || (await page.reload(), false), ms);
}

// A webhook receiver on a free loopback port: records every POST's headers and body and
// answers 200 with `RECEIVER_ANSWER`.
const RECEIVER_ANSWER = 'ok from the browser test receiver';
async function startReceiver() {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST') {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      }
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(RECEIVER_ANSWER);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/renderiq-webhook`,
    received,
    close: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
  };
}

// Signs `page` in with the admin token unless its session is already live (the tests share one
// page; this keeps a test that needs a session runnable on its own).
async function ensureSignedIn(page) {
  await page.goto(`${BASE}/admin/health`);
  if (pathOf(page) !== '/admin/login') return;
  await page.fill('input[name=token]', ADMIN_TOKEN);
  const signedIn = await submit(page, page.locator('form#token-login'));
  assert.equal(signedIn.status(), 303, 'the sign-in redirects');
}

async function balanceCell(page) {
  return Number((await page.locator(`tr[data-user="${EMAIL}"] td.balance`).textContent()).trim());
}

describe('operator dashboard in Chromium', () => {
  let browser;
  let context;
  let page;
  let accessToken;
  let renderId;

  before(async () => {
    // A completed render, made the way a plugin makes one.
    const session = await api('POST', '/auth/signin', { body: { email: EMAIL, password: PASSWORD } });
    accessToken = session.accessToken;
    assert.ok(accessToken, 'sign-in returned an access token');
    renderId = await completedRender(accessToken, 'browser test: golden hour');

    browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
  });

  it('sends a visitor without a session to the sign-in page, and refuses a wrong token', async () => {
    const response = await page.goto(`${BASE}/admin/users`);
    assert.equal(pathOf(page), '/admin/login');
    assert.equal(response.status(), 200);
    assert.equal(await page.locator('h1').textContent(), 'Sign in');
    assert.equal(await page.locator('nav').count(), 0, 'no navigation before signing in');
    await screenshot(page, 'dashboard-login');

    await page.fill('input[name=token]', 'not-the-admin-token-at-all');
    const refused = await submit(page, page.locator('form#token-login'));
    assert.equal(refused.status(), 401);
    assert.equal(pathOf(page), '/admin/login');
    const error = page.locator('p.error[role=alert]');
    assert.match(await error.textContent(), /Not signed in: use the server's admin token/);
    assert.equal((await context.cookies()).length, 0, 'no cookie for a wrong token');
    await screenshot(page, 'dashboard-login-error');
  });

  it('signs in with the admin token and shows the completed render with both images loaded', async () => {
    await page.fill('input[name=token]', ADMIN_TOKEN);
    const signedIn = await submit(page, page.locator('form#token-login'));
    assert.equal(signedIn.status(), 303, 'the sign-in redirects');
    assert.equal(pathOf(page), '/admin/renders');
    const cookies = await context.cookies();
    assert.equal(cookies.length, 1, 'one session cookie');
    assert.equal(cookies[0].httpOnly, true, 'the session cookie is HttpOnly');
    assert.equal(cookies[0].sameSite, 'Strict');

    const card = page.locator(`article[data-render="${renderId}"]`);
    await card.waitFor();
    assert.equal((await card.locator('.status').textContent()).trim(), 'completed');
    assert.match(await card.textContent(), new RegExp(EMAIL.replace('.', '\\.')));
    const images = `article[data-render="${renderId}"] img`;
    assert.equal(await page.locator(images).count(), 2, 'input and output side by side');
    await page.waitForFunction(
      (sel) => [...document.querySelectorAll(sel)].every((img) => img.complete && img.naturalWidth > 0),
      images,
      { timeout: 15_000 },
    );
    assert.deepEqual(await imagesLoaded(page, images), [true, true]);
    await screenshot(page, 'dashboard-renders');
  });

  it("opens one render: both images and a timeline from created to completed", async () => {
    await page.locator(`article[data-render="${renderId}"] a[href="/admin/renders/${renderId}"]`).click();
    await page.waitForURL(`${BASE}/admin/renders/${renderId}`);
    assert.match(await page.locator('h1').textContent(), new RegExp(`Render ${renderId}\\s+completed`));
    const labels = await page.locator('ol.timeline li > b').allTextContents();
    assert.equal(labels[0], 'created');
    assert.equal(labels[labels.length - 1], 'completed');
    assert.ok(labels.indexOf('created') < labels.indexOf('completed'));
    await page.waitForFunction(() => [...document.querySelectorAll('.pair img')].every((i) => i.complete && i.naturalWidth > 0));
    assert.deepEqual(await imagesLoaded(page, '.pair img'), [true, true]);
    await screenshot(page, 'dashboard-render');
  });

  it('grants credits from the users page; the API sees the new balance', async () => {
    await page.locator('nav a[href="/admin/users"]').click();
    await page.waitForURL(`${BASE}/admin/users`);
    const before = await balanceCell(page);
    assert.equal(before, (await api('GET', '/credits', { token: accessToken })).balance);
    await screenshot(page, 'dashboard-users');

    const grant = page.locator(`tr[data-user="${EMAIL}"] form[action$="/grant"]`);
    await grant.locator('input[name=amount]').fill('25');
    const response = await submit(page, grant);
    assert.equal(response.status(), 303);
    assert.equal(pathOf(page), '/admin/users');
    assert.match(await page.locator('p.notice[role=status]').textContent(), /Granted 25 credits/);
    assert.equal(await balanceCell(page), before + 25);
    assert.equal((await api('GET', '/credits', { token: accessToken })).balance, before + 25);
    await screenshot(page, 'dashboard-users-granted');
  });

  it("refuses a grant whose CSRF token is not the session's (403, balance unchanged)", async () => {
    await page.goto(`${BASE}/admin/users`);
    const before = await balanceCell(page);
    const grant = page.locator(`tr[data-user="${EMAIL}"] form[action$="/grant"]`);
    await grant.locator('input[name=csrf]').evaluate((input) => { input.value = 'x'; });
    await grant.locator('input[name=amount]').fill('1000');
    const response = await submit(page, grant);
    assert.equal(response.status(), 403);
    assert.match(await page.locator('body').textContent(), /CSRF token/);
    await screenshot(page, 'dashboard-csrf-refused');

    await page.goto(`${BASE}/admin/users`);
    assert.equal(await balanceCell(page), before);
    assert.equal((await api('GET', '/credits', { token: accessToken })).balance, before);
  });

  it("does not open a page for a plugin's access token", async () => {
    const plugin = await browser.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${accessToken}` } });
    try {
      const other = await plugin.newPage();
      await other.goto(`${BASE}/admin/users`);
      assert.equal(pathOf(other), '/admin/login');
      assert.equal(await other.locator(`tr[data-user="${EMAIL}"]`).count(), 0);
      await screenshot(other, 'dashboard-plugin-token');
    } finally {
      await plugin.close();
    }
  });

  it('shows the health page', async () => {
    await page.locator('nav a[href="/admin/health"]').click();
    await page.waitForURL(`${BASE}/admin/health`);
    const stat = async (name) => Number((await page.locator(`[data-stat="${name}"] b`).textContent()).trim());
    assert.ok((await stat('workers')) >= 1, 'at least one render worker');
    assert.ok((await stat('ended')) >= 1, 'the completed render counts as ended');
    assert.ok((await stat('users')) >= 1, 'the user counts');
    for (const name of ['pending', 'processing', 'outbox', 'waiters']) {
      assert.ok(Number.isInteger(await stat(name)), `${name} is a number`);
    }
    const terms = await page.locator('dl dt').allTextContents();
    assert.deepEqual(terms, ['storage', 'database', 'version']);
    assert.match(await page.locator('dl').textContent(), /renderiq-server \d+\.\d+/);
    await screenshot(page, 'dashboard-health');
  });

  it('replay a webhook delivery and see the new attempt', async () => {
    const receiver = await startReceiver();
    let webhookId;
    try {
      // A webhook to the receiver (loopback: the server runs with --allow-private-webhooks),
      // then a render whose render.completed it gets.
      const created = await api('POST', '/webhooks/register', {
        token: accessToken,
        body: { url: receiver.url, events: ['render.completed'] },
      });
      webhookId = created.webhook?.id ?? created.id;
      assert.ok(webhookId, `the webhook has an id: ${JSON.stringify(created)}`);
      await completedRender(accessToken, 'browser test: webhook replay');
      await until('the receiver got a delivery', () => receiver.received.length >= 1);
      assert.equal(receiver.received.length, 1, 'one delivery');
      const [first] = receiver.received;
      const messageId = first.headers['webhook-id'];
      const signature = first.headers['webhook-signature'];
      assert.ok(messageId, 'the delivery has a webhook-id header');
      assert.ok(signature, 'the delivery has a webhook-signature header');

      await ensureSignedIn(page);
      await page.goto(`${BASE}/admin/webhooks`);
      assert.equal(pathOf(page), '/admin/webhooks');
      assert.equal(await page.locator(`tr[data-webhook="${webhookId}"]`).count(), 1, 'the webhook is listed');
      const rows = page.locator(`tr[data-message="${messageId}"]`);
      await reloadUntil(page, `the attempt with webhook-id ${messageId} is listed`, async () => (await rows.count()) >= 1);
      assert.equal(await rows.count(), 1, 'one attempt for this webhook-id');
      const row = rows.first();
      const attemptId = await row.getAttribute('data-attempt');
      assert.ok(attemptId, 'the attempt row has an id');
      assert.equal((await row.locator('.answer').textContent()).trim(), '200');
      assert.match(await row.locator('.latency').textContent(), /\d+ ms/);
      assert.equal((await row.locator('code.excerpt').textContent()).trim(), RECEIVER_ANSWER);
      const headers = await row.locator('.headers').textContent();
      assert.ok(headers.includes(messageId), `the headers cell shows the webhook-id: ${headers}`);
      assert.ok(headers.includes(signature), `the headers cell shows the signature ${signature}: ${headers}`);
      await screenshot(page, 'dashboard-webhooks');

      const replay = row.locator(`form[action="/admin/webhooks/attempts/${attemptId}/replay"]`);
      const response = await submit(page, replay);
      assert.equal(response.status(), 303, 'the replay redirects');
      assert.equal(pathOf(page), '/admin/webhooks');
      const notice = await page.locator('p.notice[role=status]').textContent();
      assert.match(notice, /Replay queued/);
      assert.ok(notice.includes(messageId), `the notice names webhook-id ${messageId}: ${notice}`);

      await until('the receiver got the replay', () => receiver.received.length >= 2);
      assert.equal(receiver.received.length, 2, 'one more delivery');
      const second = receiver.received[1];
      assert.equal(second.headers['webhook-id'], messageId, 'the replay keeps the webhook-id');
      assert.equal(second.body, first.body, 'the replay sends the same body');

      await reloadUntil(page, 'two attempts with the same webhook-id are listed', async () => (await rows.count()) >= 2);
      assert.equal(await rows.count(), 2, 'two attempts for this webhook-id');
      const newest = rows.first();
      assert.notEqual(await newest.getAttribute('data-attempt'), attemptId, 'the replay is listed first');
      assert.equal((await newest.locator('.answer').textContent()).trim(), '200');
      assert.ok((await newest.locator('.headers').textContent()).includes(second.headers['webhook-signature']));
      await screenshot(page, 'dashboard-webhooks-replayed');
    } finally {
      // Leave no webhook behind pointing at a closed port.
      // A failure here must not hide the test's own.
      if (webhookId) {
        await api('DELETE', `/webhooks/${webhookId}`, { token: accessToken })
          .catch((e) => console.error(`deleting webhook ${webhookId}: ${e.message}`));
      }
      await receiver.close();
    }
  });
});
