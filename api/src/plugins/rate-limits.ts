/**
 * Every request budget the API enforces, built once on @fastify/rate-limit (one
 * in-memory counter per limiter, per API process). Accounts are limited per client
 * (the request's IP: the proxy's address unless KUBIDU_TRUST_PROXY names it),
 * writes that grow the manifests repo or the database per signed-in user. Beyond a
 * budget the answer is 429 `RATE_LIMITED` with `Retry-After` (seconds) and a
 * message naming the budget.
 */
import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { KubiduError } from '@kubidu/core/errors';

/** One budget: at most `max` requests per `timeWindowMs`. */
export interface Budget {
  max: number;
  timeWindowMs: number;
}

/** The budgets (README "Limits" lists the defaults). */
export interface RateLimits {
  /** Login attempts per client and email. */
  login: Budget;
  /** Login attempts per client across all emails (guessing many accounts). */
  loginPerClient: Budget;
  /** Accounts created per client. */
  register: Budget;
  /** Deploys and env changes per user (never rollbacks: going back must always work). */
  deploys: Budget;
  /** Projects created per user. */
  projects: Budget;
  /** Services created per user. */
  services: Budget;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The defaults: generous for people and CI, small against a script. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  login: { max: 10, timeWindowMs: MINUTE },
  loginPerClient: { max: 30, timeWindowMs: MINUTE },
  register: { max: 10, timeWindowMs: HOUR },
  deploys: { max: 60, timeWindowMs: MINUTE },
  projects: { max: 30, timeWindowMs: HOUR },
  services: { max: 100, timeWindowMs: HOUR },
};

/** The preHandlers routes declare (per-user ones run after the onRequest authenticate hook). */
export interface RateLimiters {
  /** Login: per client across emails, then per client and email. */
  login: preHandlerHookHandler[];
  register: preHandlerHookHandler;
  deploys: preHandlerHookHandler;
  projects: preHandlerHookHandler;
  services: preHandlerHookHandler;
}

function window(ms: number): string {
  if (ms % HOUR === 0) return ms === HOUR ? 'hour' : `${ms / HOUR} hours`;
  if (ms % MINUTE === 0) return ms === MINUTE ? 'minute' : `${ms / MINUTE} minutes`;
  return `${Math.ceil(ms / 1000)} seconds`;
}

const userKey = (req: FastifyRequest) => (req.user ? `user:${req.user.id}` : `ip:${req.ip}`);
const emailOf = (req: FastifyRequest) => {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.trim().toLowerCase() : '';
};

/** Builds the limiters on `app` (call inside `app.after`, once @fastify/rate-limit is registered). */
export function makeRateLimiters(app: FastifyInstance, limits: RateLimits): RateLimiters {
  // createRateLimit, not rateLimit: the latter marks the request as counted, so a second limiter on one route would never run.
  const limiter = (budget: Budget, what: string, per: string, keyGenerator: (req: FastifyRequest) => string): preHandlerHookHandler => {
    const check = app.createRateLimit({ max: budget.max, timeWindow: budget.timeWindowMs, keyGenerator });
    return async (req, reply) => {
      const r = await check(req);
      if (r.isAllowed || !r.isExceeded) return;
      const retryAfterSeconds = Math.max(1, r.ttlInSeconds);
      void reply.header('retry-after', String(retryAfterSeconds));
      throw new KubiduError(
        'RATE_LIMITED',
        429,
        `Too many ${what}: at most ${budget.max} per ${window(budget.timeWindowMs)} ${per}; try again in ${retryAfterSeconds} s`,
        { limit: budget.max, windowSeconds: Math.ceil(budget.timeWindowMs / 1000), retryAfterSeconds },
      );
    };
  };
  return {
    login: [
      limiter(limits.loginPerClient, 'login attempts', 'from one client', (req) => `ip:${req.ip}`),
      limiter(limits.login, 'login attempts', 'for one email from one client', (req) => `ip:${req.ip}|${emailOf(req)}`),
    ],
    register: limiter(limits.register, 'registrations', 'from one client', (req) => `ip:${req.ip}`),
    deploys: limiter(limits.deploys, 'deploys', 'per user', userKey),
    projects: limiter(limits.projects, 'projects created', 'per user', userKey),
    services: limiter(limits.services, 'services created', 'per user', userKey),
  };
}
