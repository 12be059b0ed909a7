import yargs from 'yargs';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { deployCommand } from './commands/deploy/command-object.js';
import { rollbackCommand } from './commands/rollback/command-object.js';
import { deployBody, type DeployArgs } from './commands/deploy/deploy.js';

/** Parses argv with one command's builder only (no handler runs). */
function parse(cmd: { builder?: unknown }, argv: string[]): Record<string, unknown> {
  const y = yargs(argv).strict().exitProcess(false).fail((msg, err) => {
    throw err ?? new Error(msg);
  });
  return (cmd.builder as (y: unknown) => { parseSync(): Record<string, unknown> })(y).parseSync();
}

describe('argument parsing', () => {
  it('deploy: repeated --env/--secret keep "=" inside values and stay strings', () => {
    const args = parse(deployCommand, [
      '--image', 'acme/api:1.5',
      '--env', 'URL=https://x.example.com/?a=1&b=2',
      '-e', 'N=007',
      '--secret', 'TOKEN=abc==',
      '--replicas', '3',
    ]);
    expect(args.env).toEqual(['URL=https://x.example.com/?a=1&b=2', 'N=007']);
    expect(deployBody(args as unknown as DeployArgs)).toEqual({
      image: 'acme/api:1.5',
      env: { URL: 'https://x.example.com/?a=1&b=2', N: '007' },
      secrets: { TOKEN: 'abc==' },
      replicas: 3,
    });
  });

  it('deploy: --image is required', () => {
    expect(() => parse(deployCommand, ['--env', 'A=1'])).toThrow(/image/);
  });

  it('rollback: -y, --reason and --wait', () => {
    const args = parse(rollbackCommand, ['-y', '--reason', 'bad release', '--wait']);
    expect(args).toMatchObject({ yes: true, reason: 'bad release', wait: true, timeout: 600 });
    expect(parse(rollbackCommand, [])).toMatchObject({ yes: false, wait: false });
  });
});

describe('usage errors from the parser', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  async function usage(argv: string[]): Promise<{ code: unknown; text: string }> {
    let text = '';
    process.exitCode = undefined;
    // An unreachable API: if a handler ran anyway it would fail with exit 1, not 2.
    await runCli(argv, { KUBIDU_API_URL: 'http://127.0.0.1:9', KUBIDU_TOKEN: 't' }, { write: (s: string) => (text += s) });
    return { code: process.exitCode, text };
  }

  it('exit 2 with one line and a hint, and no handler runs', async () => {
    for (const [argv, message] of [
      [['deploy'], 'Missing required argument: image'],
      [['projects', 'bogus'], 'Unknown argument: bogus'],
      [['lss'], 'Unknown command. Did you mean ls?'],
      [[], 'Name a command'],
      [['rollback', 'a', 'b'], 'Unknown argument: b'],
    ] as const) {
      const r = await usage([...argv]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.text).toBe(`Error [USAGE]: ${message}\nRun "kubidu --help" or "kubidu <command> --help" for usage.\n`);
    }
  });
});
