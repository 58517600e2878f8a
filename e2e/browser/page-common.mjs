// What every browser script of the end-to-end tests shares: its command line, a watchdog so the
// process never hangs, the flags the project runs Chromium with (e2e/README.md) and its launch,
// and the test for a painted remote display.
import { chromium } from 'playwright-core';

// --name value pairs over the defaults; a missing required one prints a JSON line and exits 2.
export function parseOptions(defaults, required) {
  const options = { 'timeout-ms': '60000', chromium: '/usr/bin/chromium', ...defaults };
  for (let i = 2; i < process.argv.length; i += 2) {
    options[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
  }
  for (const name of required) {
    if (!options[name]) {
      console.log(JSON.stringify({ ok: false, reason: `--${name} is required` }));
      process.exit(2);
    }
  }
  return options;
}

// Whatever happens, the process ends a little after the timeout, saying so.
export function exitAfter(timeout) {
  setTimeout(() => {
    console.log(JSON.stringify({ ok: false, reason: `gave up after ${timeout + 15000} ms` }));
    process.exit(3);
  }, timeout + 15000).unref();
}

// Headless comes from the launch option, not from here.
export const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Runs in the page: the display is painted once the largest canvas under Guacamole's display
// element has an opaque pixel (layers start transparent, and a desktop paints its whole screen).
export function painted() {
  const canvases = [...document.querySelectorAll('.display canvas')];
  const largest = canvases.sort((a, b) => b.width * b.height - a.width * a.height)[0];
  if (!largest || largest.width < 64 || largest.height < 64) return false;
  const pixel = largest.getContext('2d').getImageData(8, 8, 1, 1).data;
  return pixel[3] === 255;
}

// Debian's Chromium (--chromium), headless, with the flags above and the profile in --user-data-dir.
export function launchBrowser(options, width = options.width, height = options.height) {
  return chromium.launchPersistentContext(options['user-data-dir'], {
    executablePath: options.chromium,
    headless: true,
    args: chromiumFlags,
    viewport: { width: Number(width), height: Number(height) },
  });
}
