import { describe, expect, it } from 'vitest';
import { ApiClient } from './api-client.js';
import { AmbiguousPrefixError, ApiError, RefusedError, UsageError } from './errors.js';
import { handleErrors } from './handle-errors.js';

function sink() {
  let text = '';
  return { write: (s: string) => (text += s), get text() { return text; }, isTTY: false };
}

describe('handleErrors', () => {
  it('0 on success, nothing printed', async () => {
    const err = sink();
    expect(await handleErrors(async () => 'ok', { stderr: err })).toBe(0);
    expect(err.text).toBe('');
  });

  it('API errors exit 1 with code, message and HTTP status on one line', async () => {
    const err = sink();
    const code = await handleErrors(async () => {
      throw new ApiError(403, 'FORBIDDEN', 'You do not have access to this deployment');
    }, { stderr: err });
    expect(code).toBe(1);
    expect(err.text).toBe('Error [FORBIDDEN]: You do not have access to this deployment (HTTP 403)\n');
  });

  it('usage errors and refusals exit 2; ambiguity lists candidates under the reason', async () => {
    const err = sink();
    expect(await handleErrors(async () => { throw new UsageError('bad'); }, { stderr: err })).toBe(2);
    expect(await handleErrors(async () => { throw new RefusedError('CONFIRMATION_REQUIRED', 'no tty'); }, { stderr: err })).toBe(2);
    expect(await handleErrors(async () => { throw new AmbiguousPrefixError('3f2a9c1d', ['3f2a9c1d-1 RUNNING', '3f2a9c1d-2 FAILED']); }, { stderr: err })).toBe(2);
    expect(err.text.split('\n')).toEqual([
      'Error [USAGE]: bad',
      'Error [CONFIRMATION_REQUIRED]: no tty',
      'Error [AMBIGUOUS_ID]: Deployment id prefix "3f2a9c1d" matches 2 deployments; give more characters',
      '  3f2a9c1d-1 RUNNING',
      '  3f2a9c1d-2 FAILED',
      '',
    ]);
  });

  it('unexpected errors exit 1; the stack only with --verbose', async () => {
    const quiet = sink();
    expect(await handleErrors(async () => { throw new TypeError('boom'); }, { stderr: quiet })).toBe(1);
    expect(quiet.text).toContain('Error [INTERNAL]: boom');
    expect(quiet.text).not.toContain('at ');
    const loud = sink();
    await handleErrors(async () => { throw new TypeError('boom'); }, { stderr: loud, verbose: true });
    expect(loud.text).toMatch(/TypeError: boom\n\s+at /);
  });

  it('a network error names the URL it tried', async () => {
    const err = sink();
    // Port 0 is never listening; fetch fails before any HTTP exchange.
    const api = new ApiClient({ baseUrl: 'http://127.0.0.1:0', token: 't' });
    expect(await handleErrors(() => api.me(), { stderr: err })).toBe(1);
    expect(err.text).toMatch(/^Error \[NETWORK_ERROR\]: Could not reach http:\/\/127\.0\.0\.1:0\/api\/me/);
  });

  it('colours the label only on a terminal without NO_COLOR', async () => {
    const tty = { ...sink(), isTTY: true };
    let text = '';
    tty.write = (s: string) => (text += s);
    await handleErrors(async () => { throw new UsageError('x'); }, { stderr: tty, env: {} });
    expect(text).toContain('\u001b[31m');
    text = '';
    await handleErrors(async () => { throw new UsageError('x'); }, { stderr: tty, env: { NO_COLOR: '1' } });
    expect(text).toBe('Error [USAGE]: x\n');
  });
});
