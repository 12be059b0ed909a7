import { describe, expect, it } from 'vitest';
import { isPrivateAddress, webhookUrlProblem } from './webhook-url.js';

describe('isPrivateAddress', () => {
  it('knows loopback, private, link-local, shared, multicast and unspecified addresses, v4, v6 and v4-mapped', () => {
    for (const ip of ['127.0.0.1', '10.0.0.8', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '[::1]']) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
    for (const ip of ['8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8', 'hooks.example.com']) {
      expect(isPrivateAddress(ip), ip).toBe(false);
    }
  });
});

describe('webhookUrlProblem', () => {
  const closed = { allowPrivate: false };
  it('accepts public http(s) URLs', () => {
    expect(webhookUrlProblem('https://hooks.slack.com/services/T/B/x', closed)).toBeNull();
    expect(webhookUrlProblem('http://ci.example.com:8080/hook?x=1', closed)).toBeNull();
  });

  it('refuses other schemes, credentials, fragments and private hosts, never echoing a password', () => {
    expect(webhookUrlProblem('ftp://x.example', closed)).toMatch(/http:\/\/ or https:\/\//);
    expect(webhookUrlProblem('file:///etc/passwd', closed)).toMatch(/http:\/\/ or https:\/\//);
    expect(webhookUrlProblem('not a url', closed)).toMatch(/absolute/);
    const creds = webhookUrlProblem('https://me:s3cr3t@x.example/', closed);
    expect(creds).toMatch(/user name or password/);
    expect(creds).not.toContain('s3cr3t');
    expect(webhookUrlProblem('https://x.example/#frag', closed)).toMatch(/fragment/);
    for (const u of ['http://localhost:3000/', 'http://api.localhost/', 'http://127.1/', 'http://0x7f000001/', 'http://[::1]/', 'http://169.254.169.254/']) {
      expect(webhookUrlProblem(u, closed), u).toMatch(/private or loopback/);
    }
  });

  it('KUBIDU_WEBHOOK_ALLOW_PRIVATE lets private hosts in, nothing else', () => {
    expect(webhookUrlProblem('http://127.0.0.1:9000/x', { allowPrivate: true })).toBeNull();
    expect(webhookUrlProblem('ftp://127.0.0.1/', { allowPrivate: true })).toMatch(/http/);
  });
});
