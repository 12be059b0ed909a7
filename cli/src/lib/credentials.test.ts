import { mkdtemp, mkdir, readFile, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialsPath, loadCredential, normalizeApiUrl, readCredentials, removeCredential, saveCredential } from './credentials.js';
import { findLink, writeLink } from './link-file.js';
import { colorEnabled } from './output.js';

describe('credentials file', () => {
  it('lives under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(credentialsPath({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/ana')).toBe('/x/cfg/kubidu/credentials.json');
    expect(credentialsPath({}, '/home/ana')).toBe('/home/ana/.config/kubidu/credentials.json');
    expect(credentialsPath({ XDG_CONFIG_HOME: 'relative' }, '/home/ana')).toBe('/home/ana/.config/kubidu/credentials.json');
  });

  it('is written with mode 0600 (also when it existed with looser mode), keyed by normalized API URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubidu-cred-'));
    const path = credentialsPath({ XDG_CONFIG_HOME: dir }, '/nowhere');
    await mkdir(join(dir, 'kubidu'), { recursive: true });
    await writeFile(path, '{"version":1,"servers":{}}');
    await chmod(path, 0o644);

    await saveCredential(path, 'http://127.0.0.1:8080/', { token: 'tok-a', email: 'a@x', savedAt: 'now' });
    await saveCredential(path, 'https://kubidu.example.com', { token: 'tok-b', savedAt: 'now' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'kubidu'))).isDirectory()).toBe(true);
    expect((await loadCredential(path, 'http://127.0.0.1:8080'))?.token).toBe('tok-a');
    expect((await loadCredential(path, 'HTTPS://KUBIDU.example.com/'))?.token).toBe('tok-b');
    expect(Object.keys((await readCredentials(path)).servers).sort()).toEqual(['http://127.0.0.1:8080', 'https://kubidu.example.com']);

    expect(await removeCredential(path, 'http://127.0.0.1:8080')).toBe(true);
    expect(await removeCredential(path, 'http://127.0.0.1:8080')).toBe(false);
    expect(await loadCredential(path, 'http://127.0.0.1:8080')).toBeUndefined();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8')).servers['https://kubidu.example.com'].token).toBe('tok-b');
  });

  it('a missing file is empty; a fresh directory is 0700', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubidu-cred-'));
    const path = credentialsPath({ XDG_CONFIG_HOME: dir }, '/nowhere');
    expect(await readCredentials(path)).toEqual({ version: 1, servers: {} });
    await saveCredential(path, 'http://h:1', { token: 't', savedAt: 'now' });
    expect((await stat(join(dir, 'kubidu'))).mode & 0o777).toBe(0o700);
  });

  it('normalizes API URLs and rejects non-URLs', () => {
    expect(normalizeApiUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(normalizeApiUrl('https://k.example.com/base//')).toBe('https://k.example.com/base');
    expect(() => normalizeApiUrl('not a url')).toThrow(/not a URL/);
  });
});

describe('.kubidu.json', () => {
  it('is found from subdirectories, walking up like git', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kubidu-link-'));
    const deep = join(root, 'a', 'b', 'c');
    await mkdir(deep, { recursive: true });
    expect(await findLink(deep)).toBeUndefined();
    await writeLink(join(root, 'a'), { projectId: 'p', serviceId: 's', serviceName: 'api' });
    const found = await findLink(deep);
    expect(found?.path).toBe(join(root, 'a', '.kubidu.json'));
    expect(found?.data).toMatchObject({ projectId: 'p', serviceId: 's' });
    expect(await findLink(root)).toBeUndefined();
  });

  it('a broken link file is an error, not silently ignored', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kubidu-link-'));
    await writeFile(join(root, '.kubidu.json'), '{"projectId":1}');
    await expect(findLink(root)).rejects.toMatchObject({ code: 'LINK_INVALID' });
  });
});

describe('colours', () => {
  it('are on only for a terminal without NO_COLOR', () => {
    expect(colorEnabled({ write() {}, isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ write() {}, isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ write() {}, isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ write() {}, isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({ write() {}, isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
  });
});
