// Opens a portal URL (http://…/guacamole/?heps_token=…) in Debian's Chromium, as a user's browser
// would, waits until Guacamole's client shows the remote display with something painted on it,
// and saves a screenshot of the page. Prints one JSON line; exit 0 when the display was painted.
//
//   node portal-screenshot.mjs --url URL --out FILE.png --user-data-dir DIR [--timeout-ms 60000]
//                              [--width 1280] [--height 720] [--chromium /usr/bin/chromium]
import { chromium } from 'playwright-core';

const options = { 'timeout-ms': '60000', width: '1280', height: '720', chromium: '/usr/bin/chromium' };
for (let i = 2; i < process.argv.length; i += 2) {
  options[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
for (const required of ['url', 'out', 'user-data-dir']) {
  if (!options[required]) {
    console.log(JSON.stringify({ ok: false, reason: `--${required} is required` }));
    process.exit(2);
  }
}
const timeout = Number(options['timeout-ms']);
// Never hang: whatever happens, the process ends a little after the timeout.
setTimeout(() => {
  console.log(JSON.stringify({ ok: false, reason: `gave up after ${timeout + 15000} ms` }));
  process.exit(3);
}, timeout + 15000).unref();

// The flags the project runs Chromium with (e2e/README.md); headless comes from the option below.
const flags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// The display is painted once the largest canvas under Guacamole's display element has an
// opaque pixel: layers start transparent, and a desktop paints its whole screen.
function painted() {
  const canvases = [...document.querySelectorAll('.display canvas')];
  const largest = canvases.sort((a, b) => b.width * b.height - a.width * a.height)[0];
  if (!largest || largest.width < 64 || largest.height < 64) return false;
  const pixel = largest.getContext('2d').getImageData(8, 8, 1, 1).data;
  return pixel[3] === 255;
}

const started = Date.now();
let context;
let result = { ok: false };
try {
  context = await chromium.launchPersistentContext(options['user-data-dir'], {
    executablePath: options.chromium,
    headless: true,
    args: flags,
    viewport: { width: Number(options.width), height: Number(options.height) },
  });
  const page = context.pages()[0] || await context.newPage();
  await page.goto(options.url, { timeout, waitUntil: 'domcontentloaded' });
  try {
    await page.waitForFunction(painted, null, { timeout: Math.max(1000, timeout - (Date.now() - started)), polling: 100 });
    result = { ok: true, paintedMs: Date.now() - started };
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
