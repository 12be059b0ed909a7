import { describe, expect, it } from 'vitest';
import { describeValidationError } from './error-handler.js';
import { redactUrl } from './authenticate.js';

describe('describeValidationError', () => {
  it('names the location and field', () => {
    expect(describeValidationError('params', [{ keyword: 'format', instancePath: '/id', params: { format: 'uuid' } }])).toBe(
      'params/id must be a uuid',
    );
    expect(describeValidationError('body', [{ keyword: 'required', instancePath: '', params: { missingProperty: 'image' } }])).toBe(
      'body/image is required',
    );
    expect(
      describeValidationError('body', [{ keyword: 'additionalProperties', instancePath: '/env', params: { additionalProperty: 'x' } }]),
    ).toBe('body/env/x is not allowed');
    expect(describeValidationError('body', [{ keyword: 'type', instancePath: '/replicas', params: { type: 'integer' } }])).toBe(
      'body/replicas must be an integer',
    );
    expect(describeValidationError('body', [{ keyword: 'format', instancePath: '/a~1b', params: { format: 'text' } }])).toMatch(
      /^body\/a\/b must be text without NUL/,
    );
  });

  it('reports a bad map key with the key, clipped', () => {
    const msg = describeValidationError('body', [
      { keyword: 'format', instancePath: '/env', params: { format: 'env-key' }, propertyName: 'K'.repeat(500) },
      { keyword: 'propertyNames', instancePath: '/env', params: { propertyName: 'K'.repeat(500) } },
    ]);
    expect(msg).toMatch(/^body\/env has a key "K+…" that is not valid: must be an environment variable name/);
    expect(msg.length).toBeLessThan(200);
  });
});

describe('redactUrl', () => {
  it('removes access_token values from logged URLs', () => {
    expect(redactUrl('/api/services/x/events?access_token=kbd_abc&x=1')).toBe('/api/services/x/events?access_token=[redacted]&x=1');
    expect(redactUrl('/a?x=1&ACCESS_TOKEN=eyJ.a.b')).toBe('/a?x=1&ACCESS_TOKEN=[redacted]');
    expect(redactUrl('/a?b=1')).toBe('/a?b=1');
  });

  it('matches the decoded name, so no spelling of it slips through (issue 16.8)', () => {
    for (const name of ['access%5Ftoken', 'access%5ftoken', '%61ccess_token', 'Access%5FToken', 'access_token%3Dx', 'x_secret', 'api-key']) {
      expect(redactUrl(`/e?limit=5&${name}=eyJ.a.b`), name).toBe(`/e?limit=5&${name}=[redacted]`);
    }
    expect(redactUrl('/e?%E0%A4%A=eyJ.a.b')).toBe('/e?%E0%A4%A=[redacted]');
    expect(redactUrl('/e?cursor=abc&only=image')).toBe('/e?cursor=abc&only=image');
  });
});
