import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { AGENT_WS_PATH, LIVE_WS_PATH } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import Type, { type TSchema } from 'typebox';
import { TAGS, Tag } from '../api-schemas.js';
import { SERVER_VERSION } from '../version.js';

/** `GET /api/v1/devices/{id}` for both Fastify's `:id` and OpenAPI's `{id}` path forms. */
function operationKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`;
}

/** Where the document and the UI are served. */
export const DOCS_PREFIX = '/docs';

const DESCRIPTION = `REST API of the Lagebild server: fleet overview, device detail, Fachverfahren response
times, probe configuration and administration.

Every error answer has the same JSON body: \`{statusCode, code, message}\`. Programs branch on \`code\`
(a stable \`LB_ERR_*\` value); \`message\` is for people. Timestamps are milliseconds since the Unix
epoch (UTC).

Not listed here because they are not REST:

- \`${AGENT_WS_PATH}\` (WebSocket): the agents' connection (hello, batches, acknowledgements, commands),
  specified in docs/PROTOCOL.md of the Lagebild source.
- \`${LIVE_WS_PATH}\` (WebSocket): the dashboard's live push (a snapshot, then coalesced changes).
- \`/\`: the dashboard itself, a single-page app.

Every route under /api/v1 except \`POST /api/v1/auth/login\` needs the session cookie that login sets
(\`lagebild_session\`); without one it answers 401, with a role that may not call it 403 (the body
carries \`error: "unauthenticated"\` or \`"forbidden"\`). Changing requests whose \`Origin\` is not this
server are refused with 403.`;

/**
 * The OpenAPI 3.1 document at /docs/json (and /docs/yaml) and Swagger UI at /docs, from the routes'
 * TypeBox schemas. Register it before the routes: it collects them as they are added. Routes without
 * a tag (WebSockets, the dashboard's files, the UI's own) stay out of the document.
 */
export default fp(
  async (app: FastifyInstance) => {
    const optionalBodies = new Set<string>();
    await app.register(swagger, {
      openapi: {
        // TypeBox writes nullable fields as `anyOf [T, null]`, which is JSON Schema 2020-12 and needs 3.1
        openapi: '3.1.0',
        info: { title: 'Lagebild API', version: SERVER_VERSION, description: DESCRIPTION },
        tags: TAGS,
      },
      hideUntagged: true,
      transform: ({ schema, url, route }) => {
        if (schema?.body && Type.IsOptional(schema.body as TSchema)) {
          for (const method of [route.method].flat()) optionalBodies.add(operationKey(method, url));
        }
        // the Prometheus endpoint is text for scrapers and carries no tag of its own: described here
        if (url === '/metrics' && !schema?.tags) {
          return {
            url,
            schema: {
              ...schema,
              tags: [Tag.operations],
              operationId: 'getMetrics',
              summary: 'Prometheus metrics',
              description:
                'Server metrics and fleet aggregates in the Prometheus text format; no per-device labels.',
              produces: ['text/plain'],
              response: schema?.response ?? {
                200: { description: 'Prometheus text exposition format.', type: 'string' },
              },
            },
          };
        }
        return { url, schema };
      },
      // @fastify/swagger marks every request body required; an optional TypeBox body is not
      transformObject: (document) => {
        if (!('openapiObject' in document)) return document.swaggerObject;
        const { openapiObject } = document;
        for (const [path, item] of Object.entries(openapiObject.paths ?? {})) {
          for (const [method, operation] of Object.entries(item ?? {})) {
            const body = (operation as { requestBody?: { required?: boolean } } | undefined)?.requestBody;
            if (body && optionalBodies.has(operationKey(method, path))) body.required = false;
          }
        }
        return openapiObject;
      },
    });
    await app.register(swaggerUi, {
      routePrefix: DOCS_PREFIX,
      theme: { title: 'Lagebild API' },
      uiConfig: { docExpansion: 'list', deepLinking: true },
    });
  },
  { name: 'lagebild-openapi' },
);
