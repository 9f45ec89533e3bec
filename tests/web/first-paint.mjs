// First paint of the subject page on a large ledger: opens /#/subject/ID for subjects in random
// order in headless Chromium and measures, per page load, the first contentful paint and the
// time until the grade is drawn. Run by scripts/console-first-paint.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const BASE = process.env.BASE_URL;
const SUBJECTS = JSON.parse(process.env.SUBJECTS_JSON || '[]');
assert.ok(BASE && SUBJECTS.length, 'BASE_URL and SUBJECTS_JSON are set by scripts/console-first-paint');

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const fcp = [], grade = [];
for (const id of SUBJECTS) {
  const context = await browser.newContext();  // a cold page each time: no cached modules
  const page = await context.newPage();
  const started = Date.now();
  await page.goto(`${BASE}/#/subject/${id}`);
  await page.locator('#grade').waitFor();
  grade.push(Date.now() - started);
  fcp.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN));
  await context.close();
}
await browser.close();
const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
console.log(`RESULT console_first_contentful_paint_p50_ms ${q(fcp, 0.5).toFixed(1)} ms`);
console.log(`RESULT console_first_contentful_paint_p95_ms ${q(fcp, 0.95).toFixed(1)} ms`);
console.log(`RESULT console_subject_grade_drawn_p50_ms ${q(grade, 0.5).toFixed(1)} ms`);
console.log(`RESULT console_subject_grade_drawn_p95_ms ${q(grade, 0.95).toFixed(1)} ms`);
console.log(`RESULT console_pages ${grade.length} pages`);
