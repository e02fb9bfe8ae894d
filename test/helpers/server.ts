import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppOptions, buildApp, createUser } from '@lagebild/server';
import { sessionCookieOf, TEST_PASSWORD } from './session.js';

export interface TestServer {
  url: string;
  secret: string;
  dataDir: string;
  /** Cookie header of a signed-in admin (user `admin`, password TEST_PASSWORD) for the guarded API */
  cookie: string;
  app: Awaited<ReturnType<typeof buildApp>>;
  close(): Promise<void>;
}

/** A real Lagebild server with a fresh SQLite file, listening on an ephemeral loopback port. */
export async function startTestServer(options: Partial<AppOptions> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lagebild-test-'));
  const secret = 'test-enroll-secret';
  const app = await buildApp({
    dbPath: join(dataDir, 'lagebild.db'),
    enrollSecrets: [secret],
    logger: false,
    ...options,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  await createUser(app.store, { name: 'admin', role: 'admin', password: TEST_PASSWORD, now: Date.now() });
  // through inject: works the same for a server on TLS
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { name: 'admin', password: TEST_PASSWORD },
  });
  const cookie = sessionCookieOf(login.headers['set-cookie'] as string | string[] | undefined);
  return {
    cookie,
    url: `http://127.0.0.1:${port}`,
    secret,
    dataDir,
    app,
    close: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
