// Opens a portal URL for a recorded desktop in Debian's Chromium and checks what the user is told
// before the session opens: Guacamole's dialog saying the session is recorded must show while no
// tunnel to guacd has been opened and nothing is painted; after "Continue (recorded)" the desktop
// is shown. Prints one JSON line; exit 0 when all of that held.
//
//   node recording-notice.mjs --url URL --out FILE.png --user-data-dir DIR [--timeout-ms 60000]
//                             [--chromium /usr/bin/chromium] [--expect-colour RRGGBB]
import { launchBrowser, exitAfter, painted, parseOptions } from './page-common.mjs';

const options = parseOptions({}, ['url', 'out', 'user-data-dir']);
const timeout = Number(options['timeout-ms']);
exitAfter(timeout);

// With --expect-colour RRGGBB: at least a quarter of a 9×9 grid over the display is within 8 of
// that colour on each channel, i.e. the desktop itself is shown, not the black of a session starting.
function showing(expected) {
  const canvases = [...document.querySelectorAll('.display canvas')];
  const largest = canvases.sort((a, b) => b.width * b.height - a.width * a.height)[0];
  if (!largest || largest.width < 64 || largest.height < 64) return false;
  const want = [0, 2, 4].map(i => parseInt(expected.slice(i, i + 2), 16));
  const context2d = largest.getContext('2d');
  let near = 0;
  for (let gx = 1; gx <= 9; gx++) {
    for (let gy = 1; gy <= 9; gy++) {
      const p = context2d.getImageData(Math.floor(largest.width * gx / 10), Math.floor(largest.height * gy / 10), 1, 1).data;
      if (p[3] === 255 && want.every((c, i) => Math.abs(c - p[i]) <= 8)) near++;
    }
  }
  return near * 4 >= 81;
}

const started = Date.now();
let context;
let result = { ok: false };
try {
  context = await launchBrowser(options, 1280, 720);
  const page = context.pages()[0] || await context.newPage();
  const tunnels = [];
  page.on('websocket', socket => tunnels.push({ at: Date.now() - started, url: socket.url().replace(/token=[^&]*/, 'token=…') }));
  await page.goto(options.url, { timeout, waitUntil: 'domcontentloaded' });

  const notice = page.locator('.notification.heps-recording-notice');
  await notice.waitFor({ state: 'visible', timeout });
  result.noticeMs = Date.now() - started;
  result.noticeTitle = (await notice.locator('.title-bar').innerText().catch(() => '')).trim();
  result.noticeText = (await notice.locator('.body').innerText().catch(() => '')).trim();
  // Two seconds with the question open: still no tunnel, nothing painted.
  await page.waitForTimeout(2000);
  result.tunnelsBeforeContinue = tunnels.length;
  result.paintedBeforeContinue = await page.evaluate(painted);
  await page.screenshot({ path: options.out.replace(/\.png$/, '-notice.png') });

  await notice.getByRole('button', { name: 'Continue (recorded)' }).click();
  const continued = Date.now();
  await page.waitForFunction(painted, null, { timeout: Math.max(1000, timeout - (Date.now() - started)), polling: 100 });
  result.paintedMsAfterContinue = Date.now() - continued;
  if (options['expect-colour']) {
    await page.waitForFunction(showing, options['expect-colour'].replace(/^#/, ''),
        { timeout: Math.max(1000, timeout - (Date.now() - started)), polling: 200 });
    result.desktopMsAfterContinue = Date.now() - continued;
  }
  result.tunnels = tunnels;
  await page.screenshot({ path: options.out });
  result.screenshot = options.out;
  result.ok = result.tunnelsBeforeContinue === 0 && !result.paintedBeforeContinue && tunnels.length > 0
      && /recorded/i.test(result.noticeTitle);
  if (!result.ok) result.reason = 'the session opened before the user chose, or the notice was not the recording notice';
} catch (e) {
  result.reason = String(e && e.message || e).split('\n')[0];
  try {
    const notifications = await context.pages()[0].locator('.notification').allInnerTexts();
    result.notification = notifications.join(' | ');
  } catch (ignored) {
    // No page to look at.
  }
} finally {
  if (context) await context.close().catch(() => {});
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
