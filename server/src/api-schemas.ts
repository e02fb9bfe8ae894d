import { CheckName, ERROR_CODES, type ErrorCode, Timestamp } from '@lagebild/shared';
import Type, { type Static, type TSchema } from 'typebox';
import type { Role } from './auth/roles.js';
import type { EnrollSecretInfo, StoredCommand, UserInfo } from './store/store.js';

/**
 * REST shapes that only the server knows (admin answers, errors, health) and the tags of the OpenAPI
 * document. Shapes the dashboard shares live in `@lagebild/shared` (`api.ts`).
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Tag names of the OpenAPI document; every documented route carries exactly one. */
export const Tag = {
  fleet: 'Fleet',
  devices: 'Devices',
  apps: 'Applications',
  config: 'Configuration',
  admin: 'Administration',
  agent: 'Agent',
  operations: 'Operations',
  auth: 'Authentication',
} as const;

/** Tag descriptions in the order the documentation shows them. */
export const TAGS: { name: string; description: string }[] = [
  {
    name: Tag.fleet,
    description: 'Fleet overview: how many notebooks are online, VPN states, security keys.',
  },
  { name: Tag.devices, description: 'Device list, search and detail (Geräte).' },
  {
    name: Tag.apps,
    description:
      'Response times of the Fachverfahren (the city’s business applications) as seen from the notebooks.',
  },
  { name: Tag.config, description: 'The probe targets and collection intervals pushed to every agent.' },
  {
    name: Tag.admin,
    description: 'Enrollment secrets, device revocation and "check now" commands (Verwaltung).',
  },
  { name: Tag.agent, description: 'Called by the agent on a notebook, not by people.' },
  { name: Tag.operations, description: 'For load balancers and monitoring (Betrieb).' },
  {
    name: Tag.auth,
    description:
      'Sign-in to the dashboard: a session cookie (`lagebild_session`) that every other route under /api/v1 and the live WebSocket require.',
  },
];

/** Error codes of the session guard and sign-in (server only: agents never see them). */
export const AUTH_ERROR_CODES = [
  'LB_ERR_UNAUTHENTICATED',
  'LB_ERR_FORBIDDEN',
  'LB_ERR_LOGIN_FAILED',
  'LB_ERR_ORIGIN_MISMATCH',
] as const;
export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

/** The JSON body of every error answer (`http-errors.ts`): a stable code for programs, a message for people. */
export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status, repeated.' }),
    code: Type.Unsafe<ErrorCode | AuthErrorCode>({
      type: 'string',
      enum: [...ERROR_CODES, ...AUTH_ERROR_CODES],
      description: 'Stable error code from the catalogue; programs branch on this, never on the message.',
    }),
    message: Type.String({ description: 'For people; the wording may change between versions.' }),
    error: Type.Optional(
      Type.Union([Type.Literal('unauthenticated'), Type.Literal('forbidden')], {
        description:
          'Only on refusals of the session guard: `unauthenticated` (401, no valid session) or `forbidden` (403, the role does not allow it, or a changing request from another origin).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBody>;

const ERROR_DESCRIPTIONS = {
  400: 'The request is not valid (`LB_ERR_REQUEST_INVALID`); the message names the offending field.',
  401: 'Credentials are missing or not valid.',
  403: 'Forbidden.',
  404: 'Not found (`LB_ERR_NOT_FOUND`).',
  413: 'The body is larger than the server accepts (`LB_ERR_REQUEST_INVALID`).',
  415: 'The body is not `application/json` (`LB_ERR_REQUEST_INVALID`).',
  500: 'Unexpected failure (`LB_ERR_INTERNAL`); the details are in the server log, never in the answer.',
} as const;
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** An error answer with a description of when it happens. */
export function errorResponse(description: string) {
  return Type.With(ErrorBody, { description });
}

/**
 * Error answers for a route's `response` schema; 500 is always included. Spread it and override an
 * entry for a description specific to the route.
 */
export function errorResponses(...statuses: ErrorStatus[]): Record<number, ReturnType<typeof errorResponse>> {
  const out: Record<number, ReturnType<typeof errorResponse>> = {};
  for (const status of [...statuses, 500 as const]) out[status] = errorResponse(ERROR_DESCRIPTIONS[status]);
  return out;
}

/** Answers of routes that take a JSON body: unreadable, oversized or not JSON. */
export const bodyErrors = () => errorResponses(400, 413, 415);

/** A success schema with the description the document shows for that answer. */
export function described<T extends TSchema>(schema: T, description: string) {
  return Type.With(schema, { description });
}

export const EnrollSecret = Type.Object({
  id: Type.String({ description: 'Refers to the secret in the API; not the secret itself.' }),
  label: Type.String(),
  createdAt: Timestamp,
  revokedAt: Nullable(Timestamp),
  lastUsedAt: Nullable(Timestamp),
  uses: Type.Integer({ minimum: 0, description: 'Successful enrollments with this secret.' }),
});

export const EnrollSecretList = Type.Object({ secrets: Type.Array(EnrollSecret) });

export const CreatedEnrollSecret = Type.Object({
  ...EnrollSecret.properties,
  secret: Type.String({
    description:
      'The secret to give to the agent installation. Shown only in this answer; only its hash is kept.',
  }),
});

export const DeviceRevoked = Type.Object({
  deviceId: Type.String(),
  revoked: Type.Boolean({ description: 'Always true.' }),
  disconnected: Type.Boolean({ description: 'Whether an open agent connection was closed.' }),
});

export const CommandSent = Type.Object({
  commandId: Type.String({ description: 'Poll `GET /api/v1/commands/{id}` with it.' }),
  delivered: Type.Boolean({
    description: 'true: sent to the connected agent; false: queued until it connects.',
  }),
  expiresAt: Timestamp,
});

export const CommandStatus = Type.Union([
  Type.Literal('queued'),
  Type.Literal('sent'),
  Type.Literal('running'),
  Type.Literal('done'),
  Type.Literal('failed'),
  Type.Literal('expired'),
]);

export const Command = Type.Object({
  id: Type.String(),
  deviceId: Type.String(),
  check: CheckName,
  createdAt: Timestamp,
  expiresAt: Timestamp,
  deliveredAt: Nullable(Timestamp),
  status: CommandStatus,
  message: Nullable(Type.String({ description: 'What the agent reported, for people.' })),
  updatedAt: Timestamp,
});

const OkOrError = Type.Union([Type.Literal('ok'), Type.Literal('error')]);

/** GET /healthz, for both 200 and 503. */
export const Health = Type.Object({
  status: OkOrError,
  version: Type.String({ description: 'Version of the server build.' }),
  uptimeSec: Type.Integer({ minimum: 0 }),
  db: OkOrError,
});

/** POST /api/v1/auth/login */
export const LoginBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, description: 'User name (any case).' }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

/** Who is signed in: answer of login and of GET /api/v1/auth/me. */
export const SignedIn = Type.Object({
  name: Type.String(),
  role: Type.Union([
    Type.Literal('admin'),
    Type.Literal('servicedesk'),
    Type.Literal('viewer'),
    Type.Literal('datenschutz'),
  ]),
});

// Compile-time guards: the documented shapes must stay the store's shapes, or the serializer would
// silently drop or mangle fields.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type EnrollSecretMatchesStore = Assert<Same<Static<typeof EnrollSecret>, EnrollSecretInfo>>;
export type CommandMatchesStore = Assert<Same<Static<typeof Command>, StoredCommand>>;
export type SignedInRoleMatches = Assert<Same<Static<typeof SignedIn>['role'], Role>>;

// ---- settings page: users, effective settings, probe preview ----

const RoleSchema = Type.Union(
  [Type.Literal('admin'), Type.Literal('servicedesk'), Type.Literal('viewer'), Type.Literal('datenschutz')],
  {
    description:
      'admin: everything; servicedesk: devices and checks; viewer: fleet views; datenschutz: none.',
  },
);
const UserName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$',
  description: 'Letters, digits and . _ @ -, starting with a letter or digit; unique without regard to case.',
});
const NewPassword = Type.String({
  minLength: 12,
  maxLength: 1024,
  description: 'At least 12 characters.',
});

/** A dashboard user as the API shows it (never the password hash). */
export const User = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  role: RoleSchema,
  createdAt: Timestamp,
});
export const UserList = Type.Object({ users: Type.Array(User) });
export const UserNameParams = Type.Object({ name: UserName });

/** POST /api/v1/users */
export const NewUserBody = Type.Object(
  { name: UserName, role: RoleSchema, password: NewPassword },
  { additionalProperties: false },
);
/** PATCH /api/v1/users/:name */
export const UserRoleBody = Type.Object({ role: RoleSchema }, { additionalProperties: false });
/** PUT /api/v1/users/:name/password */
export const UserPasswordBody = Type.Object({ password: NewPassword }, { additionalProperties: false });

const Duration = (description: string) => Type.Integer({ minimum: 0, description: `${description} (ms)` });

/** GET /api/v1/settings: what the server options set; read-only. */
export const Settings = Type.Object({
  retention: Type.Object({
    rawMs: Duration('Raw samples are kept this long'),
    minuteMs: Duration('Minute rollups are kept this long'),
    hourMs: Duration('Hour rollups are kept this long'),
    eventsMs: Duration('Device events are kept this long'),
  }),
  sessions: Type.Object({
    idleMs: Duration('A dashboard session ends after this long without use'),
    absoluteMs: Duration('A dashboard session ends this long after sign-in, however active'),
  }),
  retentionIntervalMs: Duration('How often expired data is deleted; 0 = never'),
});

export type UserMatchesStore = Assert<Same<Static<typeof User>, UserInfo>>;
