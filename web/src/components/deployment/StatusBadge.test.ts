// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { DEPLOYMENT_STATUSES } from '@kubidu/core/contract/deployments';
import StatusBadge from './StatusBadge.vue';

describe('StatusBadge', () => {
  it.each(DEPLOYMENT_STATUSES)('tells %s in words and with a shape, not colour alone', (status) => {
    const w = mount(StatusBadge, { props: { status } });
    expect(w.text().toUpperCase()).toBe(status);
    const svg = w.find('svg');
    expect(svg.attributes('aria-hidden')).toBe('true');
    expect(svg.element.children.length).toBeGreaterThan(0);
  });

  it('draws a different shape for every status', () => {
    const shapes = DEPLOYMENT_STATUSES.map((status) => mount(StatusBadge, { props: { status } }).find('svg').html());
    expect(new Set(shapes).size).toBe(DEPLOYMENT_STATUSES.length);
  });
});
