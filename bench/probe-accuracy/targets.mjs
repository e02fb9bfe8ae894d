// The loopback targets of the probe accuracy bench, in a process of their own so that serving does not
// share an event loop with the agent's probe. Prints one JSON line with the ports, then serves until
// stdin closes. Usage: node targets.mjs KEY_FILE CERT_FILE
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';

const [keyFile, certFile] = process.argv.slice(2);
const tls = { key: readFileSync(keyFile), cert: readFileSync(certFile) };
const BODY = Buffer.alloc(2048, 'x');

// "/fb/<ms>": the answer (status line included) leaves <ms> after the request arrived
const handler = (req, res) => {
  const delay = Number(/^\/fb\/(\d+)$/.exec(req.url ?? '')?.[1] ?? 0);
  const send = () => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
    res.end(BODY);
  };
  if (delay > 0) setTimeout(send, delay);
  else send();
};

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

// accepts, then leaves the ClientHello unread for <ms> before the TLS server sees the connection
const lateTls = (tlsServer, ms) =>
  createNetServer({ pauseOnConnect: true }, (socket) =>
    setTimeout(() => tlsServer.emit('connection', socket), ms),
  );

const http = createHttpServer(handler);
const https = createHttpsServer(tls, handler);
const ports = {
  http: await listen(http),
  https: await listen(https),
  // separate ports whose SYNs run.mjs holds back (connect delay); same handlers
  httpSyn20: await listen(createHttpServer(handler)),
  httpSyn200: await listen(createHttpServer(handler)),
  httpsSyn20: await listen(createHttpsServer(tls, handler)),
  httpsSyn200: await listen(createHttpsServer(tls, handler)),
  httpsTls20: await listen(lateTls(https, 20)),
  httpsTls200: await listen(lateTls(https, 200)),
};
process.stdout.write(`${JSON.stringify(ports)}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
