import { describe, expect, it } from 'vitest';
import { commandKey, realRunCommand } from './exec.js';

describe('running OS tools', () => {
  it('returns the output and exit code of a program', async () => {
    const r = await realRunCommand(process.execPath, ['-e', 'process.stdout.write("ok"); process.exit(3)']);
    expect(r).toMatchObject({ code: 3, stdout: 'ok' });
  });

  it('never throws for a program that does not exist', async () => {
    const r = await realRunCommand('/nonexistent/lagebild-tool', []);
    expect(r.code).toBeNull();
    expect(r.stderr).toMatch(/ENOENT/);
  });

  it('stops a program that takes longer than its timeout', async () => {
    const r = await realRunCommand(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], {
      timeoutMs: 200,
    });
    expect(r.code).toBeNull();
  });

  it('keys recorded outputs by program and arguments', () => {
    expect(commandKey('ip', ['route', 'get', '10.1.2.3'])).toBe('ip route get 10.1.2.3');
  });
});
