/**
 * Account routes: register, login (rate limited per IP and email), who am I,
 * and personal API tokens.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { preHandlerHookHandler } from 'fastify';
import { CreatedApiToken, CreateTokenBody, Credentials, IssuedToken, RegisterBody, Registered, UserView } from '@kubidu/core/contract/auth';
import { ErrorResponses } from '@kubidu/core/contract/errors';
import { currentUser, type AuthenticateHook } from '../../plugins/authenticate.js';
import type { AuthService } from './auth-service.js';

/** What the auth routes need: the service, the auth hook, and the login rate limiter. */
export interface AuthRoutesOptions {
  auth: AuthService;
  authenticate: AuthenticateHook;
  loginRateLimit: preHandlerHookHandler;
}

/** Register, login, me, tokens. */
export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, { auth, authenticate, loginRateLimit }) => {
  app.post(
    '/api/auth/register',
    {
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
      preHandler: loginRateLimit,
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
    async (req, reply) => reply.code(201).send(await auth.createApiToken(currentUser(req), req.body.name, req.body.expiresInDays)),
  );
};
