import type { FastifyInstance, FastifyReply } from 'fastify';
import Type from 'typebox';
import {
  bodyErrors,
  described,
  type ErrorBody,
  errorResponse,
  errorResponses,
  NewUserBody,
  Tag,
  User,
  UserList,
  UserNameParams,
  UserPasswordBody,
  UserRoleBody,
} from '../api-schemas.js';
import type { Role } from '../auth/roles.js';
import { changePassword, createUser, UserError } from '../auth/users.js';
import { sendError } from '../http-errors.js';

type NameParams = { name: string };

/** A change that the current users do not allow (name taken, the last admin, oneself): 409. */
function conflict(reply: FastifyReply, message: string): FastifyReply {
  return reply
    .code(409)
    .send({ statusCode: 409, code: 'LB_ERR_REQUEST_INVALID', message } satisfies ErrorBody);
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Dashboard users under /api/v1/users (admins only, see permissions.ts): list, add, change role,
 * reset password, remove. An admin cannot remove or demote themselves, and the last admin stays.
 */
export default async function usersApi(app: FastifyInstance): Promise<void> {
  const { now } = app.lagebild;
  // "is this the last admin?" and the change that depends on it run one at a time, so two admins
  // demoting each other at once cannot leave none (within this node)
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };
  const isLastAdmin = async (name: string): Promise<boolean> => {
    const admins = (await app.store.listUsers()).filter((u) => u.role === 'admin');
    return admins.length === 1 && sameName(admins[0]!.name, name);
  };

  app.get(
    '/users',
    {
      schema: {
        tags: [Tag.admin],
        operationId: 'listUsers',
        summary: 'List dashboard users',
        description: 'Every user with role and creation time, ordered by name; never a password.',
        response: { 200: described(UserList, 'All users.'), ...errorResponses() },
      },
    },
    async () => ({ users: await app.store.listUsers() }),
  );

  app.post<{ Body: { name: string; role: Role; password: string } }>(
    '/users',
    {
      schema: {
        tags: [Tag.admin],
        operationId: 'createUser',
        summary: 'Add a dashboard user',
        description: 'With a role and an initial password (at least 12 characters), hashed with scrypt.',
        body: NewUserBody,
        response: {
          201: described(User, 'Created.'),
          ...bodyErrors(),
          409: errorResponse(
            'A user with this name (in any case) exists already (`LB_ERR_REQUEST_INVALID`).',
          ),
        },
      },
    },
    async (request, reply) => {
      const { name, role, password } = request.body;
      if (await app.store.userByName(name)) return conflict(reply, `a user named "${name}" exists already`);
      try {
        const user = await createUser(app.store, { name, role, password, now: now() });
        request.log.info({ user: user.name, role, by: request.user?.name }, 'user created');
        return reply.code(201).send(user);
      } catch (e) {
        if (e instanceof UserError) return sendError(reply, 'LB_ERR_REQUEST_INVALID', e.message);
        throw e;
      }
    },
  );

  app.patch<{ Params: NameParams; Body: { role: Role } }>(
    '/users/:name',
    {
      schema: {
        tags: [Tag.admin],
        operationId: 'changeUserRole',
        summary: "Change a user's role",
        description:
          'Takes effect on the next request of their open sessions. Your own role and that of the last ' +
          'admin cannot be changed.',
        params: UserNameParams,
        body: UserRoleBody,
        response: {
          200: described(User, 'The user with the new role.'),
          ...bodyErrors(),
          404: errorResponse('No user with this name (`LB_ERR_NOT_FOUND`).'),
          409: errorResponse('Your own account, or the last admin (`LB_ERR_REQUEST_INVALID`).'),
        },
      },
    },
    (request, reply) =>
      serially(async () => {
        const { name } = request.params;
        const { role } = request.body;
        if (request.user && sameName(request.user.name, name))
          return conflict(reply, 'you cannot change your own role');
        if (role !== 'admin' && (await isLastAdmin(name)))
          return conflict(reply, `${name} is the last admin; make another user admin first`);
        const user = await app.store.setUserRole(name, role);
        if (!user) return sendError(reply, 'LB_ERR_NOT_FOUND', `user ${name}`);
        request.log.info({ user: user.name, role, by: request.user?.name }, 'user role changed');
        return user;
      }),
  );

  app.put<{ Params: NameParams; Body: { password: string } }>(
    '/users/:name/password',
    {
      schema: {
        tags: [Tag.admin],
        operationId: 'resetUserPassword',
        summary: "Reset a user's password",
        description: 'Sets a new password (at least 12 characters) and ends all of their sessions.',
        params: UserNameParams,
        body: UserPasswordBody,
        response: {
          204: Type.Null({ description: 'Changed; their sessions have ended.' }),
          ...bodyErrors(),
          404: errorResponse('No user with this name (`LB_ERR_NOT_FOUND`).'),
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      // the body schema already refused short passwords; an unknown name is the only UserError left
      if (!(await app.store.userByName(name))) return sendError(reply, 'LB_ERR_NOT_FOUND', `user ${name}`);
      try {
        await changePassword(app.store, name, request.body.password);
      } catch (e) {
        if (e instanceof UserError) return sendError(reply, 'LB_ERR_NOT_FOUND', `user ${name}`);
        throw e;
      }
      request.log.info({ user: name, by: request.user?.name }, 'user password reset');
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: NameParams }>(
    '/users/:name',
    {
      schema: {
        tags: [Tag.admin],
        operationId: 'removeUser',
        summary: 'Remove a user',
        description: 'Their sessions end at once. You cannot remove yourself, nor the last admin.',
        params: UserNameParams,
        response: {
          204: Type.Null({ description: 'Removed.' }),
          ...errorResponses(400),
          404: errorResponse('No user with this name (`LB_ERR_NOT_FOUND`).'),
          409: errorResponse('Your own account, or the last admin (`LB_ERR_REQUEST_INVALID`).'),
        },
      },
    },
    (request, reply) =>
      serially(async () => {
        const { name } = request.params;
        if (request.user && sameName(request.user.name, name))
          return conflict(reply, 'you cannot remove your own account');
        if (await isLastAdmin(name)) return conflict(reply, `${name} is the last admin`);
        if (!(await app.store.removeUser(name))) return sendError(reply, 'LB_ERR_NOT_FOUND', `user ${name}`);
        request.log.info({ user: name, by: request.user?.name }, 'user removed');
        return reply.code(204).send();
      }),
  );
}
