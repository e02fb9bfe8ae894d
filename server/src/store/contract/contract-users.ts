import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION } from '../rollup.js';
import { type OpenStore, sha256, useStore } from './harness.js';
import { HOUR, MIN, T0 } from './observations.js';

const HASH_A = 'scrypt$32768$8$1$c2FsdA$aGFzaC1h';
const HASH_B = 'scrypt$32768$8$1$c2FsdA$aGFzaC1i';

/** Dashboard users (unique names without regard to case) and sessions (idle and absolute expiry). */
export function usersContract(open: OpenStore): void {
  describe('users and sessions', () => {
    const ref = useStore(open);

    it('adds users with case-insensitively unique names and lists them by name without the hash', async () => {
      const { store } = ref;
      const anna = await store.addUser({ name: 'Anna.Admin', role: 'admin', passwordHash: HASH_A, now: T0 });
      expect(anna).toEqual({ id: expect.any(Number), name: 'Anna.Admin', role: 'admin', createdAt: T0 });
      expect(
        await store.addUser({ name: 'anna.admin', role: 'viewer', passwordHash: HASH_B, now: T0 }),
      ).toBeNull();
      await store.addUser({ name: 'bernd', role: 'servicedesk', passwordHash: HASH_B, now: T0 + MIN });
      await store.addUser({ name: 'Carla', role: 'datenschutz', passwordHash: HASH_B, now: T0 + MIN });
      expect((await store.listUsers()).map((u) => [u.name, u.role])).toEqual([
        ['Anna.Admin', 'admin'],
        ['bernd', 'servicedesk'],
        ['Carla', 'datenschutz'],
      ]);
      expect(await store.userByName('ANNA.ADMIN')).toEqual({ ...anna, passwordHash: HASH_A });
      expect(await store.userByName('nobody')).toBeNull();
    });

    it('serves a session until its idle or absolute lifetime ends, extending the idle one on use', async () => {
      const { store } = ref;
      const user = (await store.addUser({ name: 'viewer', role: 'viewer', passwordHash: HASH_A, now: T0 }))!;
      const idle = 8 * HOUR;
      await store.createSession({
        idHash: sha256('s1'),
        userId: user.id,
        now: T0,
        expiresAt: T0 + 24 * HOUR,
        idleExpiresAt: T0 + idle,
      });
      expect(await store.touchSession(sha256('unknown'), T0, T0 + idle)).toBeNull();
      expect(await store.sessionAlive(sha256('unknown'), T0)).toBe(false);
      expect(await store.sessionAlive(sha256('s1'), T0 + idle - 1)).toBe(true);
      // asking does not extend it
      expect(await store.sessionAlive(sha256('s1'), T0 + idle)).toBe(false);
      // used after 7 h: idle lifetime moves on to 15 h
      expect(await store.touchSession(sha256('s1'), T0 + 7 * HOUR, T0 + 15 * HOUR)).toEqual(user);
      expect(await store.touchSession(sha256('s1'), T0 + 14 * HOUR, T0 + 22 * HOUR)).toEqual(user);
      // never beyond the absolute lifetime
      expect(await store.touchSession(sha256('s1'), T0 + 21 * HOUR, T0 + 29 * HOUR)).toEqual(user);
      expect(await store.touchSession(sha256('s1'), T0 + 24 * HOUR, T0 + 32 * HOUR)).toBeNull();

      await store.createSession({
        idHash: sha256('s2'),
        userId: user.id,
        now: T0,
        expiresAt: T0 + 24 * HOUR,
        idleExpiresAt: T0 + idle,
      });
      // unused for 8 h: over
      expect(await store.touchSession(sha256('s2'), T0 + idle, T0 + 2 * idle)).toBeNull();
    });

    it('deletes a session on logout and expired ones on retention', async () => {
      const { store } = ref;
      const user = (await store.addUser({ name: 'admin', role: 'admin', passwordHash: HASH_A, now: T0 }))!;
      const session = (id: string, expiresAt: number, idleExpiresAt: number) =>
        store.createSession({ idHash: sha256(id), userId: user.id, now: T0, expiresAt, idleExpiresAt });
      await session('live', T0 + 24 * HOUR, T0 + 8 * HOUR);
      await session('idle-over', T0 + 24 * HOUR, T0 + HOUR);
      await session('absolute-over', T0 + HOUR, T0 + 8 * HOUR);
      await session('logout', T0 + 24 * HOUR, T0 + 8 * HOUR);
      await store.deleteSession(sha256('logout'));
      await store.deleteSession(sha256('never-existed'));
      expect(await store.touchSession(sha256('logout'), T0, T0 + HOUR)).toBeNull();
      expect(await store.deleteExpiredSessions(T0 + HOUR)).toBe(2);
      expect(await store.deleteExpiredSessions(T0 + HOUR)).toBe(0);
      expect(await store.touchSession(sha256('live'), T0 + HOUR, T0 + 9 * HOUR)).toEqual(user);
      // the retention job removes them too
      await session('old', T0 + 2 * HOUR, T0 + 2 * HOUR);
      await store.applyRetention(T0 + 3 * HOUR, DEFAULT_RETENTION);
      expect(await store.deleteExpiredSessions(T0 + 3 * HOUR)).toBe(0);
      expect(await store.touchSession(sha256('live'), T0 + 3 * HOUR, T0 + 11 * HOUR)).toEqual(user);
    });

    it("changes a user's role, and open sessions see the new role at once", async () => {
      const { store } = ref;
      const c = (await store.addUser({ name: 'Carla', role: 'viewer', passwordHash: HASH_A, now: T0 }))!;
      await store.createSession({
        idHash: sha256('c1'),
        userId: c.id,
        now: T0,
        expiresAt: T0 + 24 * HOUR,
        idleExpiresAt: T0 + 8 * HOUR,
      });
      expect(await store.setUserRole('carla', 'servicedesk')).toEqual({ ...c, role: 'servicedesk' });
      expect(await store.touchSession(sha256('c1'), T0 + MIN, T0 + HOUR)).toEqual({
        ...c,
        role: 'servicedesk',
      });
      expect((await store.userByName('CARLA'))?.passwordHash).toBe(HASH_A);
      expect(await store.setUserRole('nobody', 'admin')).toBeNull();
    });

    it('ends every session of a user whose password changes or who is removed', async () => {
      const { store } = ref;
      const a = (await store.addUser({ name: 'a', role: 'admin', passwordHash: HASH_A, now: T0 }))!;
      const b = (await store.addUser({ name: 'b', role: 'viewer', passwordHash: HASH_A, now: T0 }))!;
      for (const [id, user] of [
        ['a1', a],
        ['a2', a],
        ['b1', b],
      ] as const)
        await store.createSession({
          idHash: sha256(id),
          userId: user.id,
          now: T0,
          expiresAt: T0 + 24 * HOUR,
          idleExpiresAt: T0 + 8 * HOUR,
        });
      expect(await store.setUserPassword('A', HASH_B)).toBe(true);
      expect((await store.userByName('a'))?.passwordHash).toBe(HASH_B);
      expect(await store.touchSession(sha256('a1'), T0 + MIN, T0 + HOUR)).toBeNull();
      expect(await store.setUserPassword('nobody', HASH_B)).toBe(false);

      expect(await store.touchSession(sha256('b1'), T0 + MIN, T0 + HOUR)).toEqual(b);
      expect(await store.removeUser('B')).toBe(true);
      expect(await store.touchSession(sha256('b1'), T0 + 2 * MIN, T0 + HOUR)).toBeNull();
      expect(await store.removeUser('B')).toBe(false);
      expect((await store.listUsers()).map((u) => u.name)).toEqual(['a']);
      // the name is free again
      expect(
        await store.addUser({ name: 'b', role: 'servicedesk', passwordHash: HASH_A, now: T0 }),
      ).toMatchObject({
        name: 'b',
        role: 'servicedesk',
      });
    });
  });
}
