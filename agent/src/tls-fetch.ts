import { request as httpsRequest } from 'node:https';
import { type ServerTrust, trustedConnector } from './tls-trust.js';

/**
 * A `fetch` for talking to the Lagebild server: https:// goes through `trustedConnector` (CA file or
 * pinned fingerprint, checked before the request is written); anything else uses the global fetch.
 * Covers what enrollment needs: method, headers, a string body and an abort signal.
 */
export function trustedFetch(trust: ServerTrust): typeof fetch {
  const connect = trustedConnector(trust);
  const doFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.protocol !== 'https:') return fetch(input, init);
    return new Promise<Response>((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method: init.method ?? 'GET',
          headers: init.headers as Record<string, string> | undefined,
          signal: init.signal ?? undefined,
          createConnection: connect as never,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
            resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 502, headers }));
          });
        },
      );
      req.on('error', reject);
      req.end(typeof init.body === 'string' ? init.body : undefined);
    });
  };
  return doFetch as typeof fetch;
}
