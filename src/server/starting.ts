// While a server starts — replaying the event log's tail, or on a first `npm start` simulating and
// training for minutes — its port already answers: /healthz says the process is alive, /readyz and
// every other route say it is starting (503). A liveness probe therefore does not kill a server that
// is only loading, and a port taken by another program is reported before the work, not after it.
// It answers when the start lets the event loop run: the log replay pauses for it every 50 ms.
import { createServer, type Server } from 'node:http';

export interface PortHolder {
  /** Where it listens (the port the system chose, when asked for port 0). */
  readonly port: number;
  readonly host: string;
  /** What the start is doing now, for /readyz. */
  setStep(step: string): void;
  /** Stop answering and free the port for the real server. */
  release(): Promise<void>;
}

export function holdPort(port: number, host: string): Promise<PortHolder> {
  let step = 'loading the online features';
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const [status, body] =
      path === '/healthz'
        ? [200, { status: 'starting', step }]
        : path === '/readyz'
          ? [503, { status: 'starting', step }]
          : [503, { error: 'starting', message: `riskgate is starting (${step}); try again shortly` }];
    // connection: close — a kept-alive connection would hold on to this server after the real one listens.
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', connection: 'close', ...(status === 503 ? { 'retry-after': '5' } : {}) });
    response.end(JSON.stringify(body));
    // A request body is not read: drop the rest of the connection's input.
    request.resume();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address !== null ? address.port : port,
        host,
        setStep: (next) => {
          step = next;
        },
        // Connections that queued while the start held the thread are let in first (closing the socket
        // would reset them), then the port is freed; requests already accepted are still answered.
        release: async () => {
          if (!server.listening) return;
          await new Promise((settle) => setTimeout(settle, 20));
          if (!server.listening) return;
          server.close();
          server.closeIdleConnections();
        },
      });
    });
  });
}
