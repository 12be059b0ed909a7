#!/usr/bin/env node
// The image's HEALTHCHECK: healthy when the API answers /healthz on PORT, or — for
// a container running the controller alone, which has no API — when its metrics
// listener answers on KUBIDU_METRICS_PORT. Exit 0 healthy, 1 not.
const env = process.env;
const urls = [`http://127.0.0.1:${env.PORT || 8080}/healthz`];
if (env.KUBIDU_METRICS_PORT) urls.push(`http://127.0.0.1:${env.KUBIDU_METRICS_PORT}/metrics`);
for (const url of urls) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2500) });
    if (res.ok) process.exit(0);
  } catch {
    // not this one; try the next
  }
}
process.exit(1);
