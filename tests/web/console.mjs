// What the browser tests of the newer views share: the server's JSON, the browser, and a page
// that keeps its requests and errors and says whether any English word is on screen.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { ALLOWED, latinWords, screenText } from './words.mjs';

const BASE = process.env.BASE_URL;
// The tokens' names scripts/web-test gives: data on the screen, not English.
const TOKEN_NAMES = ['web-test-inspector', 'web-test-auditor', 'web-test-personnel'];

// GET `route` as `token` (a read of a file names `purpose`): the JSON, or the text, of a 200.
export async function api(route, token, purpose = 'supervision') {
  const url = token && !/[?&]purpose=/.test(route) ? `${route}${route.includes('?') ? '&' : '?'}purpose=${purpose}` : route;
  const res = await fetch(BASE + url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  assert.equal(res.status, 200, `GET ${route}: HTTP ${res.status}`);
  return (res.headers.get('content-type') || '').includes('json') ? res.json() : res.text();
}

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--lang=zh-CN'] });
}

// A page `width` pixels wide, signed in with `token` and reading for `purpose`, in Chinese.
// `mobile`: a phone's touch screen. `data`: words on screen that are data (key names), not English.
export async function openPage(browser, { token = '', width = 1366, purpose = 'supervision', mobile = false, data = [] } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN', isMobile: mobile, hasTouch: mobile });
  context.setDefaultTimeout(10000);
  await context.addInitScript(([tok, why]) => {
    if (tok && sessionStorage.getItem('creditlog.token') === null) sessionStorage.setItem('creditlog.token', tok);
    if (sessionStorage.getItem('creditlog.purpose') === null) sessionStorage.setItem('creditlog.purpose', why);
    if (localStorage.getItem('creditlog.lang') === null) localStorage.setItem('creditlog.lang', 'zh');
  }, [token, purpose]);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.requests = [];
  page.on('request', (req) => page.requests.push(decodeURIComponent(req.url())));
  page.assertNoErrors = () => assert.deepEqual(errors, [], 'no uncaught errors in the page');
  page.assertChinese = async (what) => {
    let text = await page.evaluate(screenText);
    for (const name of TOKEN_NAMES) text = text.replaceAll(name, '');
    const words = [...new Set(latinWords(text).filter((w) => !ALLOWED.has(w) && !data.includes(w)))];
    assert.deepEqual(words, [], `${what}: English on the Chinese console`);
  };
  return { context, page };
}
