/**
 * Which URLs an outgoing webhook may point at. Checked twice: when a hook is
 * saved (the API answers 400 WEBHOOK_URL_INVALID with the reason) and when the
 * delivery worker connects (the address the name resolved to at that moment, so a
 * DNS answer that changes after the check cannot reach inside the network).
 * Private, loopback, link-local (cloud metadata) and similar addresses are refused
 * unless KUBIDU_WEBHOOK_ALLOW_PRIVATE is set — an SSRF guard, on by default.
 */
import { BlockList, isIP } from 'node:net';

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/** True for an IP literal that is loopback, private, link-local, shared, multicast or unspecified (IPv4-mapped IPv6 included). */
export function isPrivateAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return PRIVATE.check(bare, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
    if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
    return PRIVATE.check(bare, 'ipv6');
  }
  return false;
}

/** The reason `raw` may not be a webhook URL, or null when it may. Never echoes credentials. */
export function webhookUrlProblem(raw: string, opts: { allowPrivate: boolean }): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'url must be an absolute http:// or https:// URL such as https://hooks.example.com/kubidu';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `url must start with http:// or https://, got '${u.protocol}'`;
  if (u.username || u.password) return 'url must not carry a user name or password; sign deliveries with the secret instead';
  if (u.hash) return 'url must not have a #fragment';
  if (opts.allowPrivate) return null;
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host)) {
    return `url points at a private or loopback address (${host}); set KUBIDU_WEBHOOK_ALLOW_PRIVATE=true to allow that`;
  }
  return null;
}
