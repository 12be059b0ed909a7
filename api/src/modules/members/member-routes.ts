/** Project member routes (issue 17); the permission check is MemberService's, through access/permissions.ts. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams } from '@kubidu/core/contract/common';
import { ErrorResponses } from '@kubidu/core/contract/errors';
import { AddMemberBody, ChangeRoleBody, MemberList, MemberParams, MemberView } from '@kubidu/core/contract/members';
import { currentUser, type AuthenticateHook } from '../../plugins/authenticate.js';
import type { MemberService } from './member-service.js';

const security = [{ bearerAuth: [] }];
const tags = ['members'];

/** `GET|POST /api/projects/:id/members`, `PATCH|DELETE /api/projects/:id/members/:userId`. */
export const memberRoutes: FastifyPluginAsyncTypebox<{ members: MemberService; authenticate: AuthenticateHook }> = async (app, { members, authenticate }) => {
  app.addHook('onRequest', authenticate);

  app.get(
    '/api/projects/:id/members',
    { schema: { tags, summary: 'The project members and their roles (any member)', security, params: IdParams, response: { 200: MemberList, ...ErrorResponses } } },
    async (req) => ({ items: await members.list(currentUser(req), req.params.id) }),
  );

  app.post(
    '/api/projects/:id/members',
    {
      schema: {
        tags,
        summary: 'Add a person (who already has an account) with a role (owners only)',
        security,
        params: IdParams,
        body: AddMemberBody,
        response: { 201: MemberView, ...ErrorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(await members.add(currentUser(req), req.params.id, req.body)),
  );

  app.patch(
    '/api/projects/:id/members/:userId',
    {
      schema: {
        tags,
        summary: "Change a member's role (owners only; a project keeps at least one owner)",
        security,
        params: MemberParams,
        body: ChangeRoleBody,
        response: { 200: MemberView, ...ErrorResponses },
      },
    },
    async (req) => members.setRole(currentUser(req), req.params.id, req.params.userId, req.body.role),
  );

  app.delete(
    '/api/projects/:id/members/:userId',
    {
      schema: {
        tags,
        summary: 'Remove a member (owners), or leave (any member, their own user id); it takes effect on their next request. A project keeps at least one owner',
        security,
        params: MemberParams,
        response: { 204: Type.Null(), ...ErrorResponses },
      },
    },
    async (req, reply) => {
      await members.remove(currentUser(req), req.params.id, req.params.userId);
      return reply.code(204).send(null);
    },
  );
};
