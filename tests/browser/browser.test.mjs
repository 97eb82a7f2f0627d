// Browser test: the search pages of dateline-serve as a person uses them, in Debian's chromium
// (/usr/bin/chromium) driven by playwright-core. Never a downloaded browser.
//
// Builds an index of data/sample with $DL_INDEX (and a small gazetteer written here), serves it
// with $DL_SERVE on a free loopback port, then: the home page (title, focused and labelled search
// box), a query typed with the keyboard and submitted with Enter, highlighted results, the first
// hit's readout page, the same search with JavaScript disabled (server-rendered results), name
// suggestions under the box ("lam" offers Tô Lâm; choosing it filters by person), a narrow
// (phone) viewport, and over everything: no console errors, no failed requests, no request to any
// host but 127.0.0.1.
// Screenshots go to $DL_BUILD_ROOT/browser-*.png. Prints one "ok"/"FAIL" line per check and ends
// with "N passed, N failed"; exits 1 on any failure.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const QUERY = 'to lam';
const HEALTH_TIMEOUT_MS = 30000; // an ASan build opens the index slowly
const STEP_TIMEOUT_MS = 15000;   // one navigation or action

const env = (name) => {
    const v = process.env[name];
    if (!v) {
        console.error(`browser test: ${name} is not set (run it through meson test)`);
        process.exit(2);
    }
    return v;
};
const SOURCE_ROOT = env('DL_SOURCE_ROOT');
const BUILD_ROOT = env('DL_BUILD_ROOT');
const DL_INDEX = env('DL_INDEX');
const DL_SERVE = env('DL_SERVE');
const SAMPLE = path.join(SOURCE_ROOT, 'data', 'sample');
// The entities tagged at index time (format: include/dateline/alias.h).
const GAZETTEER = [
    '@person\tTô Lâm\tTo Lam\tSu Lin\t苏林',
    '@person\tXi Jinping\t习近平',
    '@person\tLê Hoài Trung\tLe Hoai Trung',
    '@country\tVietnam\tViệt Nam\tViet Nam\t越南',
    '@country\tChina\t中国',
    '@org\tXinhua\t新华社',
].join('\n') + '\n';

// --- reporting ------------------------------------------------------------------------------
let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
    if (ok) {
        passed++;
        console.log(`ok   ${name}`);
    } else {
        failed++;
        console.log(`FAIL ${name}${detail ? ': ' + detail : ''}`);
    }
    return ok;
}
const info = (msg) => console.log(`     ${msg}`);

// --- the server -------------------------------------------------------------------------------
let server = null;     // the dateline-serve child process, or null
let serverLog = '';    // its stdout+stderr, printed when something fails
let serverExit = null; // {code, signal} once it has exited
let tmp = null;        // the temporary folder holding the index

function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Start dateline-serve and wait for /healthz; a few tries in case another process took the
// port between freePort() and the bind.
async function startServer(dbDir) {
    for (let attempt = 0; attempt < 3; attempt++) {
        const port = await freePort();
        serverExit = null;
        const child = spawn(DL_SERVE, ['-d', dbDir, '-l', `127.0.0.1:${port}`],
            { stdio: ['ignore', 'pipe', 'pipe'] });
        server = child;
        child.stdout.on('data', (d) => { serverLog += d; });
        child.stderr.on('data', (d) => { serverLog += d; });
        child.on('exit', (code, signal) => {
            if (server === child) serverExit = { code, signal };
        });
        child.on('error', (e) => {
            serverLog += `spawn failed: ${e.message}\n`;
            if (server === child) serverExit = { code: -1, signal: null };
        });
        const deadline = Date.now() + HEALTH_TIMEOUT_MS;
        while (Date.now() < deadline && !serverExit) {
            try {
                const r = await fetch(`http://127.0.0.1:${port}/healthz`,
                    { signal: AbortSignal.timeout(2000) });
                if (r.status === 200) return port;
            } catch {
                // not listening yet
            }
            await sleep(100);
        }
        if (!serverExit) return null; // running but never healthy: retrying would not help
        server = null;
    }
    return null;
}

// SIGTERM, then wait for the exit; SIGKILL if it ignores the signal. Returns the exit.
async function stopServer() {
    const child = server;
    if (!child) return null;
    if (!serverExit) {
        child.kill('SIGTERM');
        const deadline = Date.now() + 10000;
        while (!serverExit && Date.now() < deadline) await sleep(50);
        if (!serverExit) {
            child.kill('SIGKILL');
            while (!serverExit) await sleep(50);
            serverExit.killed = true;
        }
    }
    server = null;
    return serverExit;
}

// meson's timeout sends SIGTERM to this process: take the server down with it.
for (const sig of ['SIGTERM', 'SIGINT']) {
    process.on(sig, () => {
        if (server && !serverExit) server.kill('SIGTERM');
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
        process.exit(1);
    });
}

// --- page helpers ---------------------------------------------------------------------------
const fold = (s) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
// A highlight of the query: "Tô", "Lâm", "Tô Lâm" in any case, with or without diacritics.
const isQueryMark = (t) => /^(to|lam|to lam)$/.test(fold(t.trim().replace(/\s+/g, ' ')));

// Every <mark> with the characters just before and after it in its block.
function marksOf(page) {
    return page.locator('mark').evaluateAll((marks) => marks.map((m) => {
        const block = m.closest('p, li, div, section, article, td, dd, main, body') || m.parentElement;
        const range = document.createRange();
        range.setStart(block, 0);
        range.setEndBefore(m);
        const before = range.toString();
        const text = m.textContent;
        const all = block.textContent;
        return { text, before: before.slice(-1), after: all.slice(before.length + text.length).slice(0, 1) };
    }));
}

// Marks must cover whole words: no letter or digit glued to either side (Han script excepted:
// it has no spaces between words).
function badBoundaries(marks) {
    const word = /[\p{L}\p{N}]/u;
    const han = /\p{Script=Han}/u;
    return marks.filter((m) => !han.test(m.text) &&
        ((word.test(m.before) && !han.test(m.before)) || (word.test(m.after) && !han.test(m.after))));
}

// The text of the parts of a page that the highlighter marks (snippets, a readout's body): the
// rest (titles, the names listed under a hit or a readout) is never marked, and may well write
// "Tô Lâm" where the marked text writes "To Lam".
async function markedText(page, selector) {
    return (await page.locator(selector).allInnerTexts()).join('\n');
}

function checkMarks(where, marks, pageText) {
    check(`${where}: has <mark> highlights`, marks.length > 0, 'no <mark> on the page');
    const hits = marks.filter((m) => isQueryMark(m.text));
    check(`${where}: a <mark> holds the query's words (Tô Lâm / To Lam)`, hits.length > 0,
        `marks: ${JSON.stringify(marks.slice(0, 8).map((m) => m.text))}`);
    // The highlight shows the text as written, diacritics included, not the folded form.
    // NFC first: a readout stored in NFD shows "To\u0302" for "Tô".
    if (/Tô\s+Lâm/iu.test(pageText.normalize('NFC'))) {
        check(`${where}: highlights keep the original diacritics`,
            hits.some((m) => /[ôâ]/iu.test(m.text.normalize('NFC'))),
            `page shows "Tô Lâm" but marks are ${JSON.stringify(hits.slice(0, 8).map((m) => m.text))}`);
    }
    const lone = marks.filter((m) => fold(m.text.trim()) === 'to').length;
    info(`${where}: ${marks.length} marks, ${lone} of them a lone "to"`);
    const bad = badBoundaries(marks);
    check(`${where}: highlights cover whole words`, bad.length === 0,
        bad.slice(0, 5).map((m) => `${m.before}[${m.text}]${m.after}`).join(', '));
    return hits.length;
}

async function shoot(page, name, fullPage = true) {
    const file = path.join(BUILD_ROOT, `browser-${name}.png`);
    try {
        await page.screenshot({ path: file, fullPage });
        info(`screenshot ${file}`);
    } catch (e) {
        check(`screenshot ${name}`, false, e.message.split('\n')[0]);
    }
}

// Watch everything a context does: console errors, uncaught exceptions, requests that fail or
// answer >= 400, and any request leaving the loopback address (aborted and reported).
function watch(context, label, problems) {
    context.route((url) => url.protocol !== 'data:' && url.protocol !== 'blob:' &&
        url.hostname !== '127.0.0.1', (route) => {
        problems.offsite.push(`${label}: ${route.request().url()}`);
        return route.abort('blockedbyclient');
    });
    context.on('page', (page) => attachPage(page, label, problems));
    context.on('requestfailed', (req) => {
        // The script's own requests (results and names as the user types) are cancelled when
        // newer typing or the next page supersedes them: net::ERR_ABORTED there is no failure.
        const cancelled = req.resourceType() === 'fetch' && req.failure()?.errorText === 'net::ERR_ABORTED';
        if (!cancelled && !problems.offsite.some((u) => u.endsWith(req.url())))
            problems.failed.push(`${label}: ${req.url()} (${req.failure()?.errorText})`);
    });
    context.on('response', (res) => {
        if (res.status() >= 400)
            problems.failed.push(`${label}: ${res.url()} answered ${res.status()}`);
    });
}

function attachPage(page, label, problems) {
    page.on('console', (m) => {
        if (m.type() === 'error') problems.console.push(`${label}: ${m.text()} @ ${page.url()}`);
    });
    page.on('pageerror', (e) => problems.console.push(`${label}: uncaught ${e.message} @ ${page.url()}`));
}

const pathOf = (u) => { const x = new URL(u); return x.pathname + x.search; };

// --- the scenarios -----------------------------------------------------------------------------
async function withJavaScript(browser, base, problems) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    watch(context, 'js', problems);
    const page = await context.newPage();
    attachPage(page, 'js', problems);
    page.setDefaultTimeout(STEP_TIMEOUT_MS);

    // Home page.
    const home = await page.goto(base + '/', { waitUntil: 'load' });
    check('home: GET / answers 200', home && home.status() === 200, `status ${home && home.status()}`);
    const ctype = (home && home.headers()['content-type']) || '';
    check('home: served as UTF-8 HTML', /^text\/html;\s*charset=utf-8/i.test(ctype), `content-type "${ctype}"`);
    const title = await page.title();
    check('home: <title> names dateline', /dateline/i.test(title), `title "${title}"`);
    const input = page.locator('input[name="q"]');
    check('home: one search input named "q"', (await input.count()) === 1,
        `${await input.count()} input[name=q]`);
    const state = await page.evaluate(() => {
        const el = document.querySelector('input[name="q"]');
        if (!el) return null;
        const byId = (ids) => (ids || '').split(/\s+/).map((id) => document.getElementById(id))
            .filter(Boolean).map((e) => e.textContent).join(' ');
        const label = [...(el.labels || [])].map((l) => l.textContent).join(' ') ||
            el.getAttribute('aria-label') || byId(el.getAttribute('aria-labelledby')) ||
            el.getAttribute('title') || '';
        return {
            focused: document.activeElement === el,
            label: label.trim(),
            type: el.type,
            inForm: !!el.form,
            action: el.form ? el.form.getAttribute('action') : null,
            method: el.form ? (el.form.getAttribute('method') || 'get').toLowerCase() : null,
        };
    });
    if (state) {
        check('home: the search input has focus on load', state.focused, 'document.activeElement is elsewhere');
        check('home: the search input is labelled', state.label.length > 0,
            'no <label>, aria-label, aria-labelledby or title');
        if (state.label) info(`search input label: "${state.label}" (type=${state.type})`);
        check('home: the input sits in a GET form to /search',
            state.inForm && state.method === 'get' && /(^|\/)search$/.test(state.action || ''),
            `form action=${state.action} method=${state.method}`);
    }
    await shoot(page, 'home', false);

    // Type the query with the keyboard into whatever has focus, submit with Enter.
    if (!state || !state.focused) await input.first().click(); // go on testing the rest
    await page.keyboard.type(QUERY, { delay: 20 });
    const [results] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.keyboard.press('Enter'),
    ]);
    const rurl = new URL(page.url());
    check('search: Enter submits to /search?q=…', rurl.pathname === '/search' &&
        rurl.searchParams.get('q') === QUERY, `landed on ${pathOf(page.url())}`);
    check('search: /search answers 200', results && results.status() === 200,
        `status ${results && results.status()}`);
    const kept = await input.first().inputValue().catch(() => null);
    check('search: the input keeps the query', kept === QUERY, `input value ${JSON.stringify(kept)}`);
    const rtitle = await page.title();
    check('search: <title> mentions the query', rtitle.includes(QUERY), `title "${rtitle}"`);

    const links = page.locator('a[href*="/doc/"]');
    const nlinks = await links.count();
    check('search: results link to /doc/{id}', nlinks > 0, 'no link to /doc/ on the page');
    const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    info(`${nlinks} links to readouts; first ${hrefs[0]}`);
    check('search: readout links carry ?q= for highlighting', hrefs.length > 0 &&
        hrefs.every((h) => new URL(h, base).searchParams.get('q') === QUERY),
        hrefs.filter((h) => new URL(h, base).searchParams.get('q') !== QUERY).slice(0, 3).join(' '));
    checkMarks('search', await marksOf(page), await markedText(page, '.snippet'));
    await shoot(page, 'results');

    // Follow the first hit's title link.
    if (nlinks > 0) {
        const first = links.first();
        const linkText = (await first.innerText()).trim();
        check('search: the first hit\'s link has a title as its text', linkText.length > 0, 'empty link text');
        const [doc] = await Promise.all([
            page.waitForNavigation({ waitUntil: 'load' }),
            first.click(),
        ]);
        const durl = new URL(page.url());
        check('doc: the title link opens /doc/{id}', durl.pathname.startsWith('/doc/'),
            `landed on ${pathOf(page.url())}`);
        check('doc: /doc/{id} answers 200', doc && doc.status() === 200, `status ${doc && doc.status()}`);
        const dtitle = await page.title();
        const stem = linkText.replace(/…$/, '').slice(0, 40);
        check('doc: <title> is the readout\'s title', stem.length > 0 && dtitle.includes(stem),
            `title "${dtitle}", link "${linkText}"`);
        const dtext = await page.locator('body').innerText();
        check('doc: the readout text is shown', dtext.length > 200, `${dtext.length} characters of text`);
        checkMarks('doc', await marksOf(page), await markedText(page, '.body'));
        await shoot(page, 'doc');
    }
    await context.close();
}

async function withoutJavaScript(browser, base, problems) {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
    watch(context, 'nojs', problems);
    const page = await context.newPage();
    attachPage(page, 'nojs', problems);
    page.setDefaultTimeout(STEP_TIMEOUT_MS);

    await page.goto(base + '/', { waitUntil: 'load' });
    await page.locator('input[name="q"]').first().click();
    await page.keyboard.type(QUERY);
    const [res] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.keyboard.press('Enter'),
    ]);
    const u = new URL(page.url());
    check('no-js: the form submits to /search?q=…', u.pathname === '/search' && u.searchParams.get('q') === QUERY,
        `landed on ${pathOf(page.url())}`);
    check('no-js: /search answers 200', res && res.status() === 200, `status ${res && res.status()}`);
    const n = await page.locator('a[href*="/doc/"]').count();
    check('no-js: server-rendered results link to /doc/{id}', n > 0, 'no link to /doc/');
    checkMarks('no-js search', await marksOf(page), await markedText(page, '.snippet'));
    await shoot(page, 'nojs-results');

    // The readout page too, straight from the first link.
    if (n > 0) {
        const href = await page.locator('a[href*="/doc/"]').first().getAttribute('href');
        const doc = await page.goto(new URL(href, page.url()).href, { waitUntil: 'load' });
        check('no-js: /doc/{id} answers 200', doc && doc.status() === 200, `status ${doc && doc.status()}`);
        check('no-js: the readout has highlights', (await page.locator('mark').count()) > 0, 'no <mark>');
    }
    await context.close();
}

// Name suggestions (web/app.js, /api/entities): "lam" typed in the box offers Tô Lâm in an ARIA
// listbox; the arrow keys and Enter choose it, which searches with person=Tô Lâm; typing more
// then keeps that filter in the results the script renders.
async function nameSuggestions(browser, base, problems) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    watch(context, 'names', problems);
    const page = await context.newPage();
    attachPage(page, 'names', problems);
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await page.goto(base + '/', { waitUntil: 'load' });
    const input = page.locator('input[name="q"]');
    await input.click();
    await page.keyboard.type('lam', { delay: 40 });
    const options = page.locator('[role="listbox"] [role="option"]');
    const shown = await options.first().waitFor({ state: 'visible' }).then(() => true, () => false);
    const texts = shown ? await options.allInnerTexts() : [];
    check('names: "lam" offers Tô Lâm under the box', texts.some((t) => t.includes('Tô Lâm')),
        `options ${JSON.stringify(texts)}`);
    const box = await input.evaluate((el) => ({
        role: el.getAttribute('role'), expanded: el.getAttribute('aria-expanded'),
        controls: el.getAttribute('aria-controls'),
        list: (document.getElementById(el.getAttribute('aria-controls') || '') || {}).getAttribute?.('role'),
    }));
    check('names: the box is a combobox that controls the listbox',
        box.role === 'combobox' && box.expanded === 'true' && box.list === 'listbox',
        JSON.stringify(box));
    await shoot(page, 'names', false);
    if (!shown) {
        await context.close();
        return;
    }

    await page.keyboard.press('Escape');
    check('names: Escape closes the list and keeps the text',
        !(await options.first().isVisible()) && (await input.getAttribute('aria-expanded')) === 'false' &&
        (await input.inputValue()) === 'lam', `value ${JSON.stringify(await input.inputValue())}`);
    await page.keyboard.press('Backspace');
    await page.keyboard.type('m', { delay: 40 });
    await options.first().waitFor({ state: 'visible' });
    const want = (await options.allInnerTexts()).findIndex((t) => t.includes('Tô Lâm'));
    for (let i = 0; i <= want; i++) await page.keyboard.press('ArrowDown');
    const active = await input.getAttribute('aria-activedescendant');
    const activeText = active ? await page.locator(`[id="${active}"]`).innerText() : '';
    check('names: the arrow keys move the active option', activeText.includes('Tô Lâm') &&
        (await page.locator(`[id="${active}"]`).getAttribute('aria-selected')) === 'true',
        `aria-activedescendant ${active} "${activeText}"`);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    const u = new URL(page.url());
    check('names: Enter on it searches with person=Tô Lâm, the word it completed removed',
        u.pathname === '/search' && u.searchParams.getAll('person').join('|') === 'Tô Lâm' &&
        u.searchParams.get('q') === '', `landed on ${pathOf(page.url())}`);
    const current = page.locator('#facets strong[aria-current="true"]', { hasText: 'Tô Lâm' });
    check('names: the page shows Tô Lâm as the current filter', (await current.count()) === 1,
        `${await current.count()} current "Tô Lâm" in the facets`);
    const tags = await page.locator('.hit .tags').count();
    check('names: each hit lists its names', tags > 0 && tags === (await page.locator('.hit').count()),
        `${tags} lines of names for ${await page.locator('.hit').count()} hits`);

    // A second person from the facet, then search as you type (the script renders /api/search):
    // both filters stay, in the results and in the address.
    const xi = page.locator('#facets a', { hasText: 'Xi Jinping' });
    if (!check('names: Xi Jinping is a facet link beside Tô Lâm', (await xi.count()) === 1,
        `${await xi.count()} links`)) {
        await context.close();
        return;
    }
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), xi.click()]);
    const both = ['Tô Lâm', 'Xi Jinping'];
    check('names: the facet link adds a second person',
        new URL(page.url()).searchParams.getAll('person').join('|') === both.join('|'), pathOf(page.url()));
    const before = await page.locator('.summary').innerText();
    await input.click();
    await page.keyboard.type('congratulations', { delay: 20 });
    await page.waitForFunction((b) => {
        const s = document.querySelector('.summary');
        return s && s.textContent !== b && s.textContent.includes('congratulations');
    }, before).catch(() => {});
    const summary = await page.locator('.summary').innerText();
    const kept = [];
    for (const name of both) {
        kept.push(await page.locator('#facets strong[aria-current="true"]', { hasText: name }).count());
    }
    const api = await (await fetch(`${base}/api/search?q=congratulations&` +
        both.map((n) => `person=${encodeURIComponent(n)}`).join('&'))).json();
    check('names: typing keeps both person filters (the count, the current filters)',
        summary.startsWith(`${api.total} result`) && kept.join() === '1,1',
        `summary "${summary}", API total ${api.total}, current ${kept}`);
    check('names: the address keeps both filters too',
        new URL(page.url()).searchParams.getAll('person').join('|') === both.join('|'), pathOf(page.url()));
    await shoot(page, 'names-filtered');
    await context.close();
}

async function narrowScreen(browser, base, problems) {
    const context = await browser.newContext({
        viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    });
    watch(context, 'narrow', problems);
    const page = await context.newPage();
    attachPage(page, 'narrow', problems);
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await page.goto(`${base}/search?q=${encodeURIComponent(QUERY)}`, { waitUntil: 'load' });
    const m = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        width: document.documentElement.clientWidth, // the layout viewport (innerWidth zooms out)
        viewportMeta: !!document.querySelector('meta[name="viewport"]'),
    }));
    check('narrow: the page declares a viewport', m.viewportMeta, 'no <meta name="viewport">');
    check('narrow: results fit a 390px screen (no sideways scroll)', m.scroll <= m.width + 1,
        `content is ${m.scroll}px wide in a ${m.width}px viewport`);
    await shoot(page, 'narrow-results');
    await context.close();
}

// --- main ----------------------------------------------------------------------------------------
async function main() {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dateline-browser-'));
    const dbDir = path.join(tmp, 'db');
    let browser = null;
    const problems = { console: [], offsite: [], failed: [] };
    try {
        const sample = fs.existsSync(SAMPLE) ? fs.readdirSync(SAMPLE) : [];
        if (!check('data/sample holds readouts', sample.length > 0, `${SAMPLE} is empty or missing`)) return;

        const gazetteer = path.join(tmp, 'gazetteer.tsv');
        fs.writeFileSync(gazetteer, GAZETTEER);
        const ix = spawnSync(DL_INDEX, ['-q', '-d', dbDir, '--gazetteer', gazetteer, SAMPLE],
            { encoding: 'utf8', timeout: 120000 });
        if (!check('dateline-index builds the sample index', ix.status === 0,
            `exit ${ix.status}${ix.signal ? ' signal ' + ix.signal : ''}\n${ix.stderr || ''}${ix.error || ''}`)) return;

        const port = await startServer(dbDir);
        if (!check('dateline-serve answers /healthz', port !== null,
            serverExit ? `exited ${JSON.stringify(serverExit)}` : `no 200 within ${HEALTH_TIMEOUT_MS} ms`)) return;
        const base = `http://127.0.0.1:${port}`;
        info(`serving ${base}`);

        browser = await chromium.launch({
            executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60000,
        });
        info(`chromium ${browser.version()}`);

        for (const [name, fn] of [['js', withJavaScript], ['no-js', withoutJavaScript],
            ['names', nameSuggestions], ['narrow', narrowScreen]]) {
            try {
                await fn(browser, base, problems);
            } catch (e) {
                check(`${name}: scenario ran to the end`, false, e.message.split('\n').slice(0, 3).join(' | '));
            }
        }
        check('no console errors or uncaught exceptions', problems.console.length === 0,
            problems.console.slice(0, 5).join('; '));
        check('no request to any host but 127.0.0.1', problems.offsite.length === 0,
            problems.offsite.slice(0, 5).join('; '));
        check('no failed requests (network errors, 4xx, 5xx)', problems.failed.length === 0,
            problems.failed.slice(0, 5).join('; '));
    } finally {
        if (browser) await browser.close().catch(() => {});
        const wasRunning = server !== null && !serverExit;
        const exit = await stopServer();
        if (exit && wasRunning) {
            check('dateline-serve exits cleanly on SIGTERM', exit.code === 0 && !exit.killed,
                exit.killed ? 'ignored SIGTERM for 10 s (killed)' : `exit ${JSON.stringify(exit)}`);
        }
        fs.rmSync(tmp, { recursive: true, force: true });
        if (failed && serverLog) {
            const lines = serverLog.trimEnd().split('\n');
            console.log(`--- dateline-serve output (last ${Math.min(lines.length, 40)} lines)`);
            console.log(lines.slice(-40).join('\n'));
        }
    }
}

try {
    await main();
} catch (e) {
    check('the test ran to the end', false, e.stack || String(e));
    if (server && !serverExit) server.kill('SIGTERM');
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
