import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Faults a network in front of the emulator can cause, which the emulator itself cannot fake
 * because they happen after it has processed a request:
 *
 * | kind          | effect                                                                              |
 * |---------------|-------------------------------------------------------------------------------------|
 * | `lose_answer` | forwards the request, waits for the whole answer, then drops the connection        |
 * | `gateway_error` | forwards the request, then answers `status` (default 504) with no request-id, as a gateway would |
 * | `end_early`   | forwards; passes the first `afterLines` lines of the body, then ends it cleanly     |
 * | `hang`        | forwards the request (so it is processed) and never answers                         |
 * | `foreign`     | never forwards; answers `status` (default 501) with an HTML page, like a server that is not the API |
 * | `drop`        | never forwards; drops the connection (the client cannot tell this from a lost answer) |
 * | `stall`       | forwards; passes the first `afterLines` lines of the body, then holds the rest forever |
 */
export type ProxyFaultKind = 'lose_answer' | 'gateway_error' | 'end_early' | 'hang' | 'foreign' | 'drop' | 'stall';

export interface ProxyFault {
  kind: ProxyFaultKind;
  method?: string;
  /** A glob where `*` matches within one path segment; default: every path. */
  path?: string;
  /** How many requests it hits; default: every matching one. */
  times?: number;
  status?: number;
  afterLines?: number;
}

export interface FaultProxy {
  url: string;
  setFaults(faults: ProxyFault[]): void;
  /** How many requests each fault hit so far, in order. */
  hits(): number[];
  close(): Promise<void>;
}

/** Starts an HTTP proxy on loopback in front of `upstream` (the emulator's base URL). */
export async function createFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  let faults: Array<ProxyFault & { hits: number }> = [];
  const sockets = new Set<Socket>();

  const pick = (method: string, path: string) => {
    const fault = faults.find((candidate) =>
      (candidate.method === undefined || candidate.method.toUpperCase() === method) &&
      (candidate.path === undefined || globMatches(candidate.path, path)) &&
      (candidate.times === undefined || candidate.hits < candidate.times));
    if (fault) fault.hits += 1;
    return fault;
  };

  const server = createServer((req, res) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = new URL(req.url ?? '/', 'http://proxy').pathname.replace(/\/+$/, '') || '/';
    const fault = pick(method, path);
    if (fault?.kind === 'drop') {
      req.resume();
      req.once('end', () => res.socket?.destroy());
      return;
    }
    if (fault?.kind === 'foreign') {
      req.resume();
      res.writeHead(fault.status ?? 501, { 'content-type': 'text/html' });
      res.end('<html><body><h1>Not Implemented</h1></body></html>');
      return;
    }
    forward(req, res, fault);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  function forward(req: IncomingMessage, res: ServerResponse, fault: ProxyFault | undefined): void {
    const upstreamRequest = httpRequest(
      { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        switch (fault?.kind) {
          case 'lose_answer':
            answer.resume();
            answer.once('end', () => res.socket?.destroy());
            return;
          case 'hang':
            answer.resume();
            return;
          case 'gateway_error':
            answer.resume();
            answer.once('end', () => {
              res.writeHead(fault.status ?? 504, { 'content-type': 'text/html' });
              res.end('<html><body>504 Gateway Time-out</body></html>');
            });
            return;
          case 'end_early':
            endEarly(answer, res, fault.afterLines ?? 0, 'end');
            return;
          case 'stall':
            endEarly(answer, res, fault.afterLines ?? 0, 'hold');
            return;
          default:
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
        }
      },
    );
    upstreamRequest.on('error', () => res.socket?.destroy());
    req.pipe(upstreamRequest);
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setFaults(next) {
      faults = next.map((fault) => ({ ...fault, hits: 0 }));
    },
    hits: () => faults.map((fault) => fault.hits),
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}

/** Passes whole lines until `lines` have gone through, then ends the body cleanly (no reset, no partial line) or holds it open. */
function endEarly(answer: IncomingMessage, res: ServerResponse, lines: number, then: 'end' | 'hold'): void {
  const headers = { ...answer.headers };
  delete headers['content-length'];
  res.writeHead(answer.statusCode ?? 200, headers);
  let passed = 0;
  let pending = '';
  let done = false;
  answer.setEncoding('utf8');
  answer.on('data', (chunk: string) => {
    if (done) return;
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0 && passed < lines) {
      res.write(pending.slice(0, newline + 1));
      pending = pending.slice(newline + 1);
      passed += 1;
      newline = pending.indexOf('\n');
    }
    if (passed >= lines) {
      done = true;
      if (then === 'end') res.end();
      answer.destroy();
    }
  });
  answer.on('end', () => {
    if (!done) res.end(pending);
  });
  answer.on('close', () => {
    if (!done) res.end(pending);
  });
}

function globMatches(glob: string, path: string): boolean {
  const pattern = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*');
  return new RegExp(`^${pattern}$`).test(path);
}
