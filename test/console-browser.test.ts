/**
 * The web console in a real browser (Debian's Chromium through playwright-core): a first load
 * with no console errors, a wrong key refused, then the whole walk an emulator user takes — sign
 * in, create an official account, import two users and subscribe them, watch one of them in the
 * Live view, send a message and see it arrive, recall it and see it struck through, find the
 * AfterSendMsg and AfterMsgWithDraw deliveries (to a local receiver) on the Webhooks page, sign
 * out — at 1280 px, and the main screens again at 390 px. Every step leaves a screenshot in
 * test-screenshots/ (git-ignored) for a person to look at.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertOk } from './helpers/assertions.ts';
import { browserSkip, launchBrowser } from './helpers/browser.ts';
import { ensureBundles, ROOT } from './helpers/cli.ts';
import { ADMIN, SECRET_KEY, startTestHerald, stores, type TestHerald } from './helpers/harness.ts';
import { webhookApp } from './helpers/webhook-checks.ts';
import { WebhookReceiver } from './helpers/webhook-receiver.ts';

const SHOTS = join(ROOT, 'test-screenshots');

for (const store of stores()) {
  describe(`web console in a browser [${store}]`, { skip: browserSkip() }, () => {
    let receiver: WebhookReceiver;
    let herald: TestHerald;
    let browser: Browser;
    let context: BrowserContext;
    const errors: string[] = [];

    const shot = (page: Page, name: string) =>
      page.screenshot({ path: join(SHOTS, `${store}-${name}.png`), fullPage: true });

    /** A page of its own that records every console error and uncaught exception. */
    const openPage = async (width = 1280, height = 900) => {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      return page;
    };

    const signIn = async (page: Page, secret: string) => {
      await page.goto(`${herald.url}/console`);
      await page.getByLabel('Secret key or admin UserSig').fill(secret);
      await page.getByRole('button', { name: 'Sign in' }).click();
    };

    before(async () => {
      ensureBundles();
      mkdirSync(SHOTS, { recursive: true });
      receiver = await WebhookReceiver.start();
      herald = await startTestHerald({ apps: [webhookApp({ url: receiver.url('/hooks') })] });
      browser = await launchBrowser();
      context = await browser.newContext();
    });
    after(async () => {
      await browser?.close();
      await herald?.close();
      await receiver?.close();
    });

    it('a first load shows the sign-in form with no browser console errors', async () => {
      errors.length = 0;
      const page = await openPage();
      await page.goto(`${herald.url}/console`);
      const field = page.getByLabel('Secret key or admin UserSig');
      await field.waitFor();
      assert.equal(await field.getAttribute('type'), 'password');
      // The first thing Tab reaches is the secret field, and focus is visible on it.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('type')), 'password');
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
      assert.notEqual(outline, 'none', 'focus is visible');
      await shot(page, '01-sign-in');
      assert.deepEqual(errors, []);
      await page.close();
    });

    it('refuses a wrong key, says so, and sets no cookie', async () => {
      const page = await openPage();
      await signIn(page, 'f'.repeat(64));
      await page.getByRole('alert').filter({ hasText: 'neither the secret key' }).waitFor();
      await shot(page, '02-wrong-key');
      assert.deepEqual(await context.cookies(), []);
      await page.close();
    });

    it('walks sign-in → create → import and subscribe → Live → send → recall → webhooks → sign out', async () => {
      errors.length = 0;
      const page = await openPage();
      await signIn(page, SECRET_KEY);
      await page.getByRole('heading', { name: 'Official accounts', exact: true }).waitFor();
      const cookie = (await context.cookies()).find((c) => c.name === 'herald_console');
      assert.equal(cookie?.httpOnly, true);
      assert.equal(cookie?.sameSite, 'Strict');
      assert.equal(await page.evaluate(() => document.cookie), '', 'page script cannot read the session');
      await shot(page, '03-signed-in');

      // Create an official account with a custom ID.
      await page.getByRole('button', { name: 'New official account' }).click();
      await page.getByLabel('Name', { exact: false }).first().fill('Browser News');
      await page.getByLabel('Owner_Account').fill(ADMIN);
      await page.getByLabel('OfficialAccountUserID').fill('@TOA#_browser');
      await page.getByLabel('Introduction').fill('Made in a real browser');
      await shot(page, '04-create-form');
      await page.getByRole('button', { name: 'Create official account' }).click();
      await page.getByRole('heading', { name: 'Browser News' }).waitFor();
      await shot(page, '05-created');

      // Import two users on the Accounts screen.
      await page.getByRole('link', { name: 'Accounts', exact: true }).click();
      await page.getByLabel('UserID 1').fill('ava');
      await page.getByLabel('Nick 1').fill('Ava');
      await page.getByRole('button', { name: 'Add another user' }).click();
      await page.getByLabel('UserID 2').fill('ben');
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Imported 2 accounts' }).waitFor();
      await page
        .getByRole('cell', { name: 'ben', exact: true })
        .or(page.getByText('ben', { exact: true }))
        .first()
        .waitFor();
      await shot(page, '06-imported');

      // Subscribe them on the official account's page.
      await page.goto(`${herald.url}/console#/official-accounts/${encodeURIComponent('@TOA#_browser')}`);
      await page.getByLabel('Add subscribers').fill('ava, ben');
      await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
      const subscribers = page.getByTestId('subscribers-table');
      await subscribers.getByText('ava', { exact: true }).waitFor();
      await subscribers.getByText('ben', { exact: true }).waitFor();
      await shot(page, '07-subscribed');

      // Ava's device: the Live view in a second tab.
      const live = await openPage();
      await live.goto(`${herald.url}/console#/live`);
      await live.getByLabel('UserID').fill('ava');
      await live.getByRole('button', { name: 'Connect', exact: true }).click();
      await live.getByTestId('live-state').filter({ hasText: 'Connected as ava' }).waitFor();
      await live.getByText('Browser News').first().waitFor();

      // Send a text message.
      await page.getByRole('link', { name: 'Messages', exact: true }).click();
      await page.getByLabel('Message text').fill('Hello from the console');
      await page.getByRole('button', { name: 'Send to all subscribers' }).click();
      const msgKey = (await page.getByTestId('sent-msgkey').textContent()) ?? '';
      assert.match(msgKey, /^\d+_\d+_\d+$/);
      await page.getByTestId('history').locator(`[data-msgkey="${msgKey}"]`).waitFor();
      await shot(page, '08-sent');

      // It arrives live on Ava's device.
      const received = live.locator(`[data-testid="live-message"][data-msgkey="${msgKey}"]`);
      await received.getByText('Hello from the console').waitFor();
      assert.equal(await received.locator('del').count(), 0);
      await shot(live, '09-live-received');

      // Recall it (after confirming), and watch it struck through in both places.
      await page.getByRole('button', { name: `Recall message ${msgKey}` }).click();
      const dialog = page.getByRole('dialog', { name: 'Recall this message?' });
      await dialog.waitFor();
      await shot(page, '10-recall-confirm');
      await dialog.getByRole('button', { name: 'Recall' }).click();
      await page.getByTestId('history').locator(`[data-msgkey="${msgKey}"] del`).waitFor();
      await received.locator('del').getByText('Hello from the console').waitFor();
      await live.getByTestId('live-events').getByText(`Message ${msgKey} of @TOA#_browser was recalled`).waitFor();
      await shot(page, '11-recalled-history');
      await shot(live, '12-live-recalled');

      // The webhook deliveries: both events delivered to the local receiver.
      await receiver.waitFor('OfficialAccount.CallbackAfterSendMsg');
      await receiver.waitFor('OfficialAccount.CallbackAfterMsgWithDraw');
      await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
      for (const command of ['OfficialAccount.CallbackAfterSendMsg', 'OfficialAccount.CallbackAfterMsgWithDraw']) {
        const delivery = page.locator(`[data-testid="delivery"][data-command="${command}"]`);
        await delivery.first().waitFor();
        assert.equal(await delivery.first().getAttribute('data-status'), 'delivered', command);
      }
      await shot(page, '13-webhooks');

      // The Overview counts what the walk made; Ava is online.
      await page.getByRole('link', { name: 'Overview', exact: true }).click();
      await page.getByTestId('overview-official-accounts').filter({ hasText: '1' }).waitFor();
      assert.equal(await page.getByTestId('overview-messages').textContent(), '1');
      assert.equal(await page.getByTestId('overview-subscriptions').textContent(), '2');
      assert.equal(await page.getByTestId('overview-online').textContent(), '1');
      assert.match((await page.getByTestId('overview-apps').textContent()) ?? '', /one app: 1400000000 \(signed in\)/);
      await shot(page, '14-overview');

      // Everything the console did went through REST's rules: the history says so over REST too.
      const history = assertOk(
        await herald.admin.official('official_account_msg_get_simple', {
          Official_Account: '@TOA#_browser',
          ReqMsgNumber: 10,
          WithRecalledMsg: 1,
        }),
      );
      const [only] = history.RspMsgList as { MsgKey: string; IsPlaceMsg: number }[];
      assert.equal(only?.MsgKey, msgKey);
      assert.equal(only?.IsPlaceMsg, 2);

      // Sign out: back to the sign-in form; the cookie is gone.
      await live.getByRole('button', { name: 'Disconnect' }).click();
      await live.close();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Secret key or admin UserSig').waitFor();
      await page.getByText('Signed out.').waitFor();
      assert.equal((await context.cookies()).length, 0);
      await shot(page, '15-signed-out');
      assert.deepEqual(errors, []);
      await page.close();
    });

    it('is usable at 390 px: the menu folds, screens fit the width', async () => {
      errors.length = 0;
      await context.close();
      context = await browser.newContext();
      const page = await openPage(390, 844);
      await signIn(page, SECRET_KEY);
      await page.getByRole('heading', { name: 'Official accounts', exact: true }).waitFor();
      const nav = page.getByRole('navigation', { name: 'Main' });
      assert.equal(await nav.isVisible(), false, 'the navigation is folded');
      const menu = page.getByRole('button', { name: 'Menu' });
      await menu.click();
      assert.equal(await menu.getAttribute('aria-expanded'), 'true');
      await shot(page, '16-narrow-menu');
      await nav.getByRole('link', { name: 'Live' }).click();
      await page.getByRole('heading', { name: 'Live', exact: true }).waitFor();
      for (const route of ['official-accounts', 'accounts', 'webhooks', 'overview', 'live']) {
        await page.goto(`${herald.url}/console#/${route}`);
        await page.waitForLoadState('networkidle');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `#/${route} is ${overflow}px wider than the screen`);
      }
      await shot(page, '17-narrow-live');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Secret key or admin UserSig').waitFor();
      assert.deepEqual(errors, []);
      await page.close();
    });
  });
}
