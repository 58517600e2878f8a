// Opens a portal URL (http://…/guacamole/?heps_token=…) in Debian's Chromium, as a user's browser
// would, waits until Guacamole's client shows the remote display with something painted on it,
// and saves a screenshot of the page. Prints one JSON line; exit 0 when the display was painted.
// Its times, in ms from the script's start: browserMs (Chromium is up), loadedMs (Guacamole's
// page is loaded), paintedMs; and fromUrlMs, from opening the URL to the painted display, which
// is what a user whose browser is already open waits.
//
//   node portal-screenshot.mjs --url URL --out FILE.png --user-data-dir DIR [--timeout-ms 60000]
//                              [--width 1280] [--height 720] [--chromium /usr/bin/chromium]
import { launchBrowser, exitAfter, painted, parseOptions } from './page-common.mjs';

const options = parseOptions({ width: '1280', height: '720' }, ['url', 'out', 'user-data-dir']);
const timeout = Number(options['timeout-ms']);
exitAfter(timeout);

const started = Date.now();
let context;
let result = { ok: false };
try {
  context = await launchBrowser(options);
  const page = context.pages()[0] || await context.newPage();
  const browserMs = Date.now() - started;
  await page.goto(options.url, { timeout, waitUntil: 'domcontentloaded' });
  const loadedMs = Date.now() - started;
  try {
    await page.waitForFunction(painted, null, { timeout: Math.max(1000, timeout - (Date.now() - started)), polling: 100 });
    const paintedMs = Date.now() - started;
    result = { ok: true, browserMs, loadedMs, paintedMs, fromUrlMs: paintedMs - browserMs };
  } catch (e) {
    const notification = await page.locator('.notification').allInnerTexts().catch(() => []);
    result = { ok: false, reason: `no painted display within ${timeout} ms`, notification: notification.join(' | ') };
  }
  result.location = page.url().replace(/heps_token=[^&#]*/, 'heps_token=…');
  await page.screenshot({ path: options.out });
  result.screenshot = options.out;
} catch (e) {
  result = { ok: false, reason: String(e && e.message || e).split('\n')[0] };
} finally {
  if (context) await context.close().catch(() => {});
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
