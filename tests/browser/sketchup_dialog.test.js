// The SketchUp dialog page (examples/sketchup/renderiq_sketchup/dialog.html) in a real Chromium,
// opened from disk as SketchUp's UI::HtmlDialog opens it. Before any of the page's scripts run, a
// stand-in for SketchUp's `sketchup` bridge is installed: it records every `sketchup.<callback>`
// call and answers as dialog_bridge.rb does, by calling `renderiq.update(state)` with the whole
// state (controller.to_h merged with signedIn, email, message and outputUrl). The render's steps
// are released one at a time by the test, so each state is asserted and photographed.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const ARTIFACTS = process.env.BROWSER_ARTIFACTS;
if (!ARTIFACTS) throw new Error('BROWSER_ARTIFACTS is not set: run scripts/test-browser.sh');
const DIALOG = path.resolve(__dirname, '..', '..', 'examples', 'sketchup', 'renderiq_sketchup', 'dialog.html');
const SAMPLE_PNG = path.join(__dirname, '..', '..', 'examples', 'assets', 'sample-viewport.png');
const RESULT_URL = `data:image/png;base64,${fs.readFileSync(SAMPLE_PNG).toString('base64')}`;
const RESULT_PATH = '/home/designer/Renderiq/rnd_browser_test.png';

// Runs in the page before its own scripts. Mirrors DialogBridge#attach/#state/#push and the
// RenderController's states (capturing → uploading → processing → done).
function installFakeSketchup({ resultUrl, resultPath }) {
  const calls = [];
  const waiting = [];
  let gate = null; // resolves the next render step when the test calls __fakeSketchup.next()
  const session = { signedIn: false, email: null, message: null };
  let controller = { state: 'idle', percent: 0, renderId: null, outputPath: null, error: null, outputUrl: null };

  // DialogBridge#push: execute_script("window.renderiq && renderiq.update(<json>)"), later.
  const push = () => {
    const state = JSON.parse(JSON.stringify({ ...controller, ...session }));
    setTimeout(() => window.renderiq && window.renderiq.update(state), 0);
  };
  const step = () => new Promise((resolve) => {
    if (waiting.length) { waiting.shift(); resolve(); } else { gate = resolve; } // the test may ask first
  });

  window.__fakeSketchup = {
    calls,
    next() { // releases one step of the running render
      if (gate) { const g = gate; gate = null; g(); } else { waiting.push(true); }
    },
  };
  window.sketchup = {
    ready(...args) {
      calls.push(['ready', args]);
      session.message = null;
      push();
    },
    sign_in(...args) {
      calls.push(['sign_in', args]);
      const [email, password] = args;
      session.message = null;
      if (String(email || '').trim() === '' || String(password || '') === '') {
        session.message = 'Enter your email and password.';
      } else {
        session.signedIn = true;
        session.email = String(email).trim();
      }
      push();
    },
    sign_out(...args) {
      calls.push(['sign_out', args]);
      controller = { ...controller, state: 'idle', percent: 0 };
      Object.assign(session, { signedIn: false, email: null, message: null });
      push();
    },
    cancel(...args) {
      calls.push(['cancel', args]);
      controller = { ...controller, state: 'idle', percent: 0 };
      push();
    },
    async render(...args) {
      calls.push(['render', args]);
      session.message = null;
      if (!session.signedIn) { session.message = 'Sign in first.'; push(); return; }
      const update = (fields) => { controller = { ...controller, ...fields }; push(); };
      update({ state: 'capturing', percent: 0, renderId: null, outputPath: null, outputUrl: null, error: null });
      for (const [state, percent] of [['uploading', 10], ['processing', 50], ['processing', 100]]) {
        await step();
        update({ state, percent, renderId: 'rnd_browser_test' });
      }
      await step();
      update({ state: 'done', percent: 100, outputPath: resultPath, outputUrl: resultUrl });
    },
  };
}

describe('SketchUp dialog page in Chromium', () => {
  let browser;
  let page;
  const errors = [];

  const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `sketchup-dialog-${name}.png`), fullPage: true });
  const visible = (selector) => page.locator(selector).isVisible();
  const calls = () => page.evaluate(() => window.__fakeSketchup.calls);
  const bar = () => page.evaluate(() => document.getElementById('bar').value);
  const waitForBar = (value) => page.waitForFunction((v) => document.getElementById('bar').value === v, value);

  before(async () => {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
    // The size main.rb gives its UI::HtmlDialog.
    page = await browser.newPage({ viewport: { width: 420, height: 640 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.addInitScript(installFakeSketchup, { resultUrl: RESULT_URL, resultPath: RESULT_PATH });
    await page.goto(`file://${DIALOG}`);
  });

  after(async () => {
    await browser?.close();
  });

  it('calls sketchup.ready() on load and shows the sign-in form', async () => {
    await page.waitForFunction(() => window.__fakeSketchup.calls.length > 0);
    await page.locator('#signin').waitFor({ state: 'visible' });
    assert.deepEqual(await calls(), [['ready', []]]);
    assert.equal(await visible('#compose'), false);
    assert.equal(await visible('#status'), false);
    assert.equal(await visible('#result'), false);
    assert.equal(await page.locator('#who').textContent(), '');
    await shot('signed-out');
  });

  it('asks for both fields: an empty sign-in gets the message Ruby sends', async () => {
    await page.locator('#signin button[type=submit]').click();
    await page.waitForFunction(() => document.getElementById('message').textContent !== '');
    assert.equal(await page.locator('#message').textContent(), 'Enter your email and password.');
    assert.deepEqual((await calls()).at(-1), ['sign_in', ['', '']]);
    assert.equal(await visible('#signin'), true);
  });

  it('signs in through sketchup.sign_in(email, password) and shows the signed-in view', async () => {
    await page.fill('#email', 'designer@example.com');
    await page.fill('#password', 'correct horse battery');
    await page.locator('#signin button[type=submit]').click();
    await page.locator('#compose').waitFor({ state: 'visible' });
    assert.deepEqual((await calls()).at(-1), ['sign_in', ['designer@example.com', 'correct horse battery']]);
    assert.equal(await page.inputValue('#password'), '', 'the page clears the password after sending it');
    assert.equal(await visible('#signin'), false);
    assert.equal(await page.locator('#who').textContent(), 'designer@example.com');
    assert.equal(await page.locator('#message').textContent(), '');
    assert.equal(await page.locator('#renderButton').isEnabled(), true);
    assert.equal(await visible('#cancelButton'), false);
    await shot('signed-in');
  });

  it('sends the prompt, style and quality to sketchup.render and shows the progress rising', async () => {
    await page.fill('#prompt', 'golden hour, warm interior light');
    await page.selectOption('#style', 'watercolor');
    await page.selectOption('#quality', 'high');
    await page.locator('#renderButton').click();
    await page.locator('#status').waitFor({ state: 'visible' });
    assert.deepEqual((await calls()).at(-1), ['render', ['golden hour, warm interior light', 'watercolor', 'high']]);
    assert.equal(await page.locator('#stage').textContent(), 'Capturing the view…');
    assert.equal(await page.locator('#renderButton').isDisabled(), true, 'no second render while one runs');
    assert.equal(await visible('#cancelButton'), true);
    await shot('capturing');

    const seen = [await bar()];
    for (const [percent, stage, name] of [
      [10, 'Uploading…', 'progress-10'],
      [50, 'Rendering…', 'progress-50'],
      [100, 'Rendering…', 'progress-100'],
    ]) {
      await page.evaluate(() => window.__fakeSketchup.next());
      await waitForBar(percent);
      seen.push(await bar());
      assert.equal(await page.locator('#stage').textContent(), stage);
      assert.equal(await visible('#result'), false, 'no result before the render is done');
      assert.equal(await page.locator('#renderButton').isDisabled(), true);
      await shot(name);
    }
    assert.deepEqual(seen, [0, 10, 50, 100]);
  });

  it('shows the finished render: the result image loaded and its path', async () => {
    await page.evaluate(() => window.__fakeSketchup.next());
    await page.locator('#result').waitFor({ state: 'visible' });
    await page.waitForFunction(() => {
      const img = document.getElementById('image');
      return img.complete && img.naturalWidth > 0;
    });
    const image = await page.$eval('#image', (img) => ({ src: img.src, width: img.naturalWidth, height: img.naturalHeight }));
    assert.equal(image.src, RESULT_URL);
    assert.deepEqual([image.width, image.height], [1280, 720]);
    assert.equal(await page.locator('#path').textContent(), RESULT_PATH);
    assert.equal(await page.locator('#stage').textContent(), 'Done.');
    assert.equal(await bar(), 100);
    assert.equal(await page.locator('#renderButton').isEnabled(), true, 'a new render can start');
    assert.equal(await visible('#cancelButton'), false);
    await shot('done');
  });

  it('signs out through sketchup.sign_out() and shows the sign-in form again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#signin').waitFor({ state: 'visible' });
    assert.equal(await visible('#compose'), false);
    assert.equal(await visible('#result'), false);
    assert.equal(await page.locator('#who').textContent(), '');
    await shot('signed-out-again');

    assert.deepEqual((await calls()).map(([name]) => name), ['ready', 'sign_in', 'sign_in', 'render', 'sign_out']);
    assert.deepEqual(errors, [], 'no script error in the page');
  });
});
