/**
 * Account routes: register (limited per client), login (limited per client, and per client and email), sign-out, who
 * am I, and personal API tokens (create, list, revoke).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiTokenList, CreatedApiToken, CreateTokenBody, Credentials, IssuedToken, RegisterBody, Registered, UserView } from '@kubidu/core/contract/auth';
import { IdParams } from '@kubidu/core/contract/common';
import { ErrorResponses } from '@kubidu/core/contract/errors';
import { currentUser, type AuthenticateHook } from '../../plugins/authenticate.js';
import type { AuthService } from './auth-service.js';
import type { RateLimiters } from '../../plugins/rate-limits.js';
import { requireUnscoped } from '../access/permissions.js';

/** What the auth routes need: the service, the auth hook, and the login and registration limiters. */
export interface AuthRoutesOptions {
  auth: AuthService;
  authenticate: AuthenticateHook;
  limiters: Pick<RateLimiters, 'login' | 'register'>;
}

/** Register, login, me, tokens. */
export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, { auth, authenticate, limiters }) => {
  app.post(
    '/api/auth/register',
    {
      preHandler: limiters.register,
      schema: {
        tags: ['auth'],
        summary: 'Create an account; answers with a login token',
        body: RegisterBody,
        response: { 201: Registered, ...ErrorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(await auth.register(req.body.email, req.body.password)),
  );

  app.post(
    '/api/auth/login',
    {
      preHandler: limiters.login,
      schema: { tags: ['auth'], summary: 'Exchange email and password for a login token', body: Credentials, response: { 200: IssuedToken, ...ErrorResponses } },
    },
    async (req) => auth.login(req.body.email, req.body.password),
  );

  app.get(
    '/api/me',
    {
      onRequest: authenticate,
      schema: { tags: ['auth'], security: [{ bearerAuth: [] }], response: { 200: UserView, ...ErrorResponses } },
    },
    async (req) => currentUser(req),
  );

  app.post(
    '/api/tokens',
    {
      onRequest: authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Create a personal API token (shown once)',
        security: [{ bearerAuth: [] }],
        body: CreateTokenBody,
        response: { 201: CreatedApiToken, ...ErrorResponses },
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      requireUnscoped(user, 'create API tokens');
      return reply.code(201).send(await auth.createApiToken(user, req.body.name, req.body.expiresInDays, req.credentialExpiresAt, req.body.scope ?? null));
    },
  );

  app.get(
    '/api/tokens',
    {
      onRequest: authenticate,
      schema: { tags: ['auth'], summary: 'List your personal API tokens', security: [{ bearerAuth: [] }], response: { 200: ApiTokenList, ...ErrorResponses } },
    },
    async (req) => ({ items: await auth.listApiTokens(currentUser(req)) }),
  );

  app.delete(
    '/api/tokens/:id',
    {
      onRequest: authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Revoke one of your personal API tokens',
        security: [{ bearerAuth: [] }],
        params: IdParams,
        response: { 204: Type.Null(), ...ErrorResponses },
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      requireUnscoped(user, 'revoke API tokens');
      await auth.revokeApiToken(user, req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/auth/logout',
    {
      onRequest: authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Sign out: every login token issued until now stops working (API tokens stay until revoked)',
        security: [{ bearerAuth: [] }],
        response: { 204: Type.Null(), ...ErrorResponses },
      },
    },
    async (req, reply) => {
      const user = currentUser(req);
      requireUnscoped(user, 'sign out');
      await auth.logout(user);
      return reply.code(204).send(null);
    },
  );
};
