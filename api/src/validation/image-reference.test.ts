import { describe, expect, it } from 'vitest';
import { isImageReference, parseImageReference } from './image-reference.js';

const SHA = 'a'.repeat(64);

describe('parseImageReference', () => {
  it.each([
    ['nginx:1.25', { domain: null, path: 'nginx', tag: '1.25', digest: null }],
    ['library/nginx:latest', { domain: null, path: 'library/nginx', tag: 'latest', digest: null }],
    ['ghcr.io/acme/app:v1.2.3', { domain: 'ghcr.io', path: 'acme/app', tag: 'v1.2.3', digest: null }],
    ['localhost:5000/app:dev', { domain: 'localhost:5000', path: 'app', tag: 'dev', digest: null }],
    ['localhost/app:dev', { domain: 'localhost', path: 'app', tag: 'dev', digest: null }],
    [`registry.example.com:443/a/b/c@sha256:${SHA}`, { domain: 'registry.example.com:443', path: 'a/b/c', tag: null, digest: `sha256:${SHA}` }],
    [`app:1@sha256:${SHA}`, { domain: null, path: 'app', tag: '1', digest: `sha256:${SHA}` }],
    ['[::1]:5000/app:x', { domain: '[::1]:5000', path: 'app', tag: 'x', digest: null }],
    ['my_org/my-app__x.y:TAG_1.0-rc', { domain: null, path: 'my_org/my-app__x.y', tag: 'TAG_1.0-rc', digest: null }],
  ])('accepts %s', (ref, parts) => {
    expect(parseImageReference(ref)).toEqual(parts);
  });

  it.each([
    ['', 'empty'],
    ['nginx', 'no tag or digest'],
    ['ghcr.io/acme/app', 'no tag or digest'],
    ['Nginx:1', 'upper-case repository'],
    ['nginx:', 'empty tag'],
    ['nginx:-bad', 'tag starts with a dash'],
    [`nginx:${'a'.repeat(129)}`, 'tag too long'],
    ['nginx@sha256:abc', 'short digest'],
    [`nginx@sha256:${'g'.repeat(64)}`, 'non-hex digest'],
    [`nginx@sha256:${'a'.repeat(63)}`, 'sha256 of the wrong length'],
    ['../etc/passwd:1', 'path traversal'],
    ['a//b:1', 'empty path component'],
    ['app/:1', 'trailing slash'],
    ['-app:1', 'leading separator'],
    ['app-:1', 'trailing separator'],
    ['ghcr.io/app:1 ', 'trailing space'],
    ['ghcr.io/ app:1', 'inner space'],
    ['app:1\n', 'newline'],
    ['app:1\u0000', 'NUL'],
    ['-bad.io/app:1', 'bad domain'],
    ['ghcr.io:port/app:1', 'bad port'],
    [`${'a'.repeat(256)}:1`, 'name too long'],
    ['ünicode:1', 'non-ascii'],
  ])('refuses %j (%s)', (ref) => {
    expect(parseImageReference(ref)).toBeNull();
    expect(isImageReference(ref)).toBe(false);
  });
});
