import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway CA with a server certificate for 127.0.0.1 and localhost, and an unrelated second CA. */
export interface TestPki {
  dir: string;
  caFile: string;
  otherCaFile: string;
  cert: string;
  key: string;
  /** SHA-256 of the server certificate as openssl prints it (AB:CD:…) */
  fingerprint: string;
  /** SHA-256 of the other CA's certificate: a real fingerprint that is not the server's */
  otherFingerprint: string;
  remove(): void;
}

// the arguments hold no spaces, so one readable command line per step
function openssl(dir: string, command: string): string {
  return execFileSync('openssl', command.split(' '), {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    `req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ${name}.key -out ${name}.pem ` +
      `-days 2 -subj /CN=${name} -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign`,
  );
}

function fingerprintOf(dir: string, file: string): string {
  const line = openssl(dir, `x509 -noout -fingerprint -sha256 -in ${file}`);
  return line.trim().split('=')[1]!;
}

/** Creates the PKI with the openssl CLI, as an admin would. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'lagebild-pki-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  openssl(
    dir,
    'req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj /CN=lagebild-test',
  );
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n',
  );
  openssl(
    dir,
    'x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext',
  );
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    fingerprint: fingerprintOf(dir, 'server.pem'),
    otherFingerprint: fingerprintOf(dir, 'other-ca.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
