import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiTarget, callApi } from '../../cli/api';
import type { ManualClock } from '../../local/clock';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { temporaryDirectories } from '../temp-dirs';

// The console in a real browser: Debian's headless Chromium (apt-get install -y chromium; .ci/run installs it),
// driven by playwright-core, which downloads nothing. Screenshots of each view go to test-results/console/
// (gitignored; ORGFLOW_SCREENSHOTS names another folder).

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const screenshots = process.env.ORGFLOW_SCREENSHOTS ?? join(repoRoot, 'test-results', 'console');
const browserPaths = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
const executablePath = browserPaths.find((path): path is string => !!path && existsSync(path));

interface Status {
  requestId: string;
  state: string;
  accountId?: string | null;
}

describe('the local console in headless Chromium', { timeout: 120_000 }, () => {
  const temporary = temporaryDirectories();
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let api: ApiTarget;
  let vended: Status;

  beforeAll(async () => {
    // never skipped: a machine without the browser fails here and says how to get it
    if (!executablePath)
      throw new Error(
        `no Chromium at ${browserPaths.filter(Boolean).join(' or ')}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
      );
    stack = await startLocalStack({
      functionEnvironments: 'shared',
      dataDir: temporary('orgflow-console-'),
      timeScale: 'manual',
      throttling: false,
      onInternalError: (e) => console.error('INTERNAL', e),
    });
    api = { baseUrl: stack.endpoints.api, accessKeyId: DEMO_MANAGEMENT_ACCOUNT };
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('pageerror', (error) => console.error('PAGE', error));
    mkdirSync(screenshots, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function submit(body: object, key: string): Promise<string> {
    const accepted = await callApi(api, 'POST', '/account-requests', body, { 'idempotency-key': key });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    return (accepted.body as { requestId: string }).requestId;
  }

  /** Advances the manual clock a second at a time, in a bounded loop, until the request has finished. */
  async function settle(requestId: string): Promise<Status> {
    const clock = stack.clock as ManualClock;
    for (let round = 0; round < 600; round++) {
      const response = await callApi(api, 'GET', `/account-requests/${requestId}`);
      const status = response.body as Status;
      if (response.status === 200 && (status.state === 'SUCCEEDED' || status.state === 'FAILED'))
        return status;
      clock.advance(1000);
      await stack.settled();
    }
    throw new Error(`request ${requestId} did not finish within 600 virtual seconds`);
  }

  const executionArn = (requestId: string) =>
    `${stack.stateMachineArns.AccountVending!.replace(':stateMachine:', ':execution:')}:${requestId}`;
  const node = (state: string) => page.locator(`#graph .node[data-state="${state}"]`);
  const shot = (name: string) => page.screenshot({ path: join(screenshots, name), fullPage: true });

  it('draws a vending execution from its ASL file and follows it live to Succeeded', async () => {
    const requestId = await submit(
      {
        accountName: 'Console Dev',
        email: 'console-dev@example.com',
        organizationalUnit: 'Workloads/Dev',
        tags: [{ key: 'team', value: 'console' }],
        policies: ['DenyLeaveOrganization'],
      },
      'console-1',
    );
    await page.goto(`${stack.endpoints.console}#/execution/${encodeURIComponent(executionArn(requestId))}`);
    // running: the graph is drawn with every state of the definition, the first ones lit
    await expect.poll(() => node('Validate Request').getAttribute('data-status')).toBe('succeeded');
    await page.waitForSelector('#execution-status .s-RUNNING');
    expect(await page.locator('#graph .node').count()).toBeGreaterThan(20);
    expect(await node('Vending Failed').getAttribute('data-status')).toBe('idle');
    await shot('execution-running.png');

    vended = await settle(requestId);
    expect(vended.state).toBe('SUCCEEDED');
    await page.waitForSelector('#execution-status .s-SUCCEEDED', { timeout: 15_000 });
    for (const state of [
      'Validate Request',
      'Create Account',
      'Wait For Account',
      'Move Account',
      'Tag Account',
      'Attach Policies',
    ])
      expect(await node(state).getAttribute('data-status'), state).toBe('succeeded');
    expect(await node('Account Vended').getAttribute('data-current')).toBe('true');
    for (const state of ['Record Failure', 'Vending Failed', 'Adopt Existing Account'])
      expect(await node(state).getAttribute('data-status'), state).toBe('idle');

    // a state by keyboard: its input and output
    await node('Move Account').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#state-title:text("Move Account")');
    expect(await page.locator('[data-field="output"]').textContent()).toContain('"moved"');
    await shot('execution.png');
  });

  it('shows a failed request with the state that failed and its error', async () => {
    const requestId = await submit(
      { accountName: 'Console Again', email: 'console-dev@example.com', organizationalUnit: 'Workloads/Dev' },
      'console-2',
    );
    const refused = await settle(requestId);
    expect(refused.state).toBe('FAILED');
    await page.goto(`${stack.endpoints.console}#/execution/${encodeURIComponent(executionArn(requestId))}`);
    await expect.poll(() => node('Wait For Account').getAttribute('data-status')).toBe('failed');
    expect(await page.locator('#execution-error').textContent()).toContain('EmailAlreadyExistsError');
    expect(await node('Request Refused').getAttribute('data-current')).toBe('true');
    expect(await node('Move Account').getAttribute('data-status')).toBe('idle');
    await node('Wait For Account').click();
    await page.waitForSelector('#state-error');
    expect(await page.locator('#state-error').textContent()).toContain('EmailAlreadyExistsError');
    await shot('execution-failed.png');
  });

  it('lists both requests with their state, requester and the quota picture', async () => {
    await page.goto(`${stack.endpoints.console}#/runs`);
    await page.waitForSelector('#runs tr[data-run]');
    const rows = page.locator('#runs tr[data-run]');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
    const text = await page.locator('#runs').textContent();
    expect(text).toContain('Console Dev → Workloads/Dev');
    expect(text).toContain(`arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:root`);
    expect(text).toContain('failed');
    expect(await page.locator('#quota-create').textContent()).toBe('0 of 5 slots in use, 0 waiting in line');
    await page.selectOption('#filter-kind', 'reaction');
    await page.waitForSelector('#runs:not(:has(tr[data-run^="ar-"]))');
    await page.selectOption('#filter-kind', 'account-request');
    await shot('runs.png');
  });

  it('shows the new account in its OU, with its tags and policies on selection', async () => {
    await page.goto(`${stack.endpoints.console}#/organization`);
    const account = page.locator(`[data-path="Workloads/Dev"] [data-account-id="${vended.accountId}"]`);
    await account.waitFor();
    expect(await account.textContent()).toContain('Console Dev');
    expect(await page.locator('[data-path="Workloads/Prod"] > .row').textContent()).toContain('protected');
    expect(await page.locator('[data-path="Workloads"] > .row').textContent()).toContain(
      'guardrail DenyLeaveOrganization',
    );
    // by keyboard: focus the tree, walk down to the account, select it
    await page.locator('[role="treeitem"][tabindex="0"]').focus();
    for (
      let i = 0;
      i < 40 &&
      (await page.evaluate<string | null>("document.activeElement?.getAttribute('data-account-id')")) !==
        vended.accountId;
      i++
    )
      await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#tags');
    expect(await page.locator('#tags').textContent()).toContain('console');
    expect(await page.locator('#policies').textContent()).toContain('DenyLeaveOrganization');
    await shot('organization.png');
  });
});
