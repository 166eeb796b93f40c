/**
 * The README's instructions, run as a newcomer would run them: the walk-through's shell block
 * against a served Herald (only the address and UserSig pasted in), the "Use in CI" test file in
 * a project of its own that installs Herald, and the HTTPS recipe, whose certificate the banner's
 * curl then trusts.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { cliEnv, ensureLibrary, ROOT, serveCli } from './helpers/cli.ts';
import { currentStore, SDKAPPID, SECRET_KEY } from './helpers/harness.ts';
import { userSig } from './helpers/devices.ts';

const run = promisify(execFile);
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The first code block of `language` under `heading` (a line of its own). */
function codeBlock(heading: string, language: string): string {
  const start = README.indexOf(`\n${heading}\n`);
  assert.notEqual(start, -1, `README has "${heading}"`);
  const open = README.indexOf(`\n\`\`\`${language}\n`, start);
  const close = README.indexOf('\n```\n', open + 1);
  return README.slice(open + language.length + 5, close + 1);
}

describe(`the README, followed to the letter [${currentStore()}]`, {
  skip: currentStore() === 'postgres' ? 'the README runs on the embedded store: the SQLite pass covers it' : false,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-readme-'));
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('the walk-through: import, create, subscribe, send, read, recall, destroy, each answered OK', async () => {
    const env = cliEnv({
      HERALD_DATA: join(dir, 'walk'),
      HERALD_PORT: '0',
      HERALD_SDKAPPID: String(SDKAPPID),
      HERALD_SECRET_KEY: SECRET_KEY,
      HERALD_LOG_LEVEL: 'warn',
    });
    const { banner, child } = await serveCli(['serve'], env);
    children.push(child);
    const url = /Herald is serving on (\S+)/.exec(banner)![1]!;
    // The two lines a reader edits: the address and the query with their SDKAppID and UserSig.
    const script = codeBlock('## Walk-through', 'sh')
      .replace(/^H=.*$/m, `H='${url}'`)
      .replace('SDKAPPID', String(SDKAPPID))
      .replace('USERSIG', encodeURIComponent(userSig('administrator')));
    const { stdout } = await run('bash', ['-e', '-c', script], { timeout: 30_000 });
    const answers = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { ActionStatus: string; ErrorCode: number; ErrorInfo: string });
    assert.equal(answers.length, 7, stdout);
    for (const answer of answers) assert.equal(answer.ErrorCode, 0, JSON.stringify(answer));
    const history = answers[4] as unknown as { RspMsgList: { MsgBody: unknown }[] };
    assert.equal(history.RspMsgList.length, 1);
    const recall = answers[5] as unknown as { RecallRetList: { RetCode: number }[] };
    assert.deepEqual(
      recall.RecallRetList.map((r) => r.RetCode),
      [0],
    );
  });

  it('"Use in CI": the test file passes as it is, in a project that installs Herald', async () => {
    ensureLibrary();
    const project = join(dir, 'project');
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    // As `npm install --save-dev herald` would leave it (the package is this checkout).
    symlinkSync(ROOT, join(project, 'node_modules', 'herald'), 'dir');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
    writeFileSync(join(project, 'herald.test.mjs'), codeBlock('## Use in CI', 'js'));
    // Without this runner's NODE_TEST_CONTEXT, the child reports in plain TAP as in a user's shell.
    const { NODE_TEST_CONTEXT: _context, ...env } = cliEnv();
    const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', 'herald.test.mjs'], {
      cwd: project,
      env,
      timeout: 60_000,
    });
    assert.match(stdout, /^# pass 2$/m);
    assert.match(stdout, /^# fail 0$/m);
  });

  it("HTTPS: the certificate recipe works, and the banner's curl trusts it with --cacert", async () => {
    const work = join(dir, 'https');
    mkdirSync(work);
    const recipe = codeBlock('### HTTPS', 'sh').split('\n');
    // The openssl command (its continuation lines included); then serve with the two files.
    const openssl = recipe
      .slice(
        0,
        recipe.findIndex((line) => line.startsWith('HERALD_TLS_CERT')),
      )
      .join('\n');
    await run('bash', ['-e', '-c', openssl], { cwd: work });
    const start = recipe.find((line) => line.startsWith('HERALD_TLS_CERT'))!;
    const settings = Object.fromEntries([...start.matchAll(/(HERALD_\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
    const { banner, child } = await serveCli(
      ['serve'],
      cliEnv({ ...settings, HERALD_DATA: join(work, 'data'), HERALD_PORT: '0', HERALD_LOG_LEVEL: 'warn' }),
      work,
    );
    children.push(child);
    const curl = banner
      .split('\n')
      .find((line) => line.trim().startsWith('curl '))!
      .trim();
    assert.match(curl, /--cacert 'herald-cert\.pem'/);
    const { stdout } = await run('bash', ['-e', '-c', curl], { cwd: work, timeout: 15_000 });
    const answer = JSON.parse(stdout) as { ErrorCode: number; OfficialAccountUserID: string };
    assert.equal(answer.ErrorCode, 0, stdout);
    assert.match(answer.OfficialAccountUserID, /^@TOA#_/);
  });
});
