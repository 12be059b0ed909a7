import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appNameFor, appTemplateProblem, DEFAULT_APP_TEMPLATE, namespaceFor, projectSlugProblem, serviceNameProblem } from './cluster-names.js';

/** Exactly the names the API accepts for a project slug or a service name (a DNS label). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const labelOf = (chars: string, maxLength: number) =>
  fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength }).map((cs) => cs.join('')).filter((s) => DNS_LABEL.test(s));
/** Short labels over a tiny alphabet (where splits at '-' collide often) or longer ones. */
const label = fc.oneof(labelOf('a-', 5), labelOf('ab-0', 12));

describe('Argo CD Application names', () => {
  it('the issue\'s pair no longer collides: alice a/b-c and bob a-b/c', () => {
    const alice = appNameFor(undefined, { project: 'a', service: 'b-c' });
    const bob = appNameFor(undefined, { project: 'a-b', service: 'c' });
    expect(alice).toBe('a.b-c');
    expect(bob).toBe('a-b.c');
    expect(alice).not.toBe(bob);
    // The old default did collide, which is why it is refused now.
    expect(appTemplateProblem('{project}-{service}')).toMatch(/collide/);
  });

  it('is injective over DNS labels for the default and every template the loader accepts', () => {
    const templates = [DEFAULT_APP_TEMPLATE, 'prod.{project}.{service}', '{service}.{project}', 'x-{project}.-{service}-y'];
    for (const t of templates) expect(appTemplateProblem(t), t).toBeNull();
    fc.assert(
      fc.property(fc.constantFrom(...templates), label, label, label, label, (t, p1, s1, p2, s2) => {
        fc.pre(p1 !== p2 || s1 !== s2);
        return appNameFor(t, { project: p1, service: s1 }) !== appNameFor(t, { project: p2, service: s2 });
      }),
      { numRuns: 20_000 },
    );
  });

  it('the property can fail: the refused template collides under the same check', () => {
    const collides = fc.check(
      fc.property(label, label, label, label, (p1, s1, p2, s2) => {
        fc.pre(p1 !== p2 || s1 !== s2);
        return appNameFor('{project}-{service}', { project: p1, service: s1 }) !== appNameFor('{project}-{service}', { project: p2, service: s2 });
      }),
      { numRuns: 20_000 },
    );
    expect(collides.failed).toBe(true);
  });

  it('refuses a service whose Application name would pass 63 characters', () => {
    expect(serviceNameProblem(DEFAULT_APP_TEMPLATE, 'p'.repeat(30), 's'.repeat(32))).toBeNull();
    expect(serviceNameProblem(DEFAULT_APP_TEMPLATE, 'p'.repeat(30), 's'.repeat(33))).toMatch(/would exceed 63 characters/);
  });
});

describe('namespaces', () => {
  it('are the prefix + the project slug', () => {
    expect(namespaceFor('kubidu-', 'shop')).toBe('kubidu-shop');
  });

  it.each(['kube-system', 'kube-public', 'kube-node-lease', 'default', 'argocd', 'kubidu', 'system'])('refuses the slug %s', (slug) => {
    expect(projectSlugProblem(slug, 'kubidu-')).toMatch(/reserved/);
  });

  it('accepts ordinary slugs and refuses one whose namespace passes 63 characters', () => {
    expect(projectSlugProblem('shop', 'kubidu-')).toBeNull();
    expect(projectSlugProblem('a'.repeat(56), 'kubidu-')).toBeNull();
    expect(projectSlugProblem('a'.repeat(57), 'kubidu-')).toMatch(/would exceed 63 characters \(at most 56 for the slug\)/);
  });
});
