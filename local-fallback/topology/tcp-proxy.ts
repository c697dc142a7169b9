import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * How the proxy treats connections: forward them, reset them at once (a dead engine), hold
 * them without a response (a hung engine), or forward each chunk after a delay (a slow one).
 */
export type ProxyMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'delay'; readonly ms: number };

/** A TCP proxy on 127.0.0.1 between a node and an engine, for rehearsing dependency outages. */
export interface TcpProxy {
  readonly port: number;
  /** Switches mode and closes the open connections, so clients reconnect under the new mode. */
  setMode(mode: ProxyMode): void;
  /** Resets the next `count` new connections, then goes on in the current mode. */
  resetNext(count: number): void;
  /** Points the proxy at another engine port, for an engine restarted on a new port. */
  retarget(port: number): void;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections reset so far, by `resetNext` or the `reset` mode. */
  readonly resets: number;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port that forwards to `127.0.0.1:targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let mode: ProxyMode = { kind: 'pass' };
  let target = targetPort;
  let resets = 0;
  let connections = 0;
  let resetCount = 0;

  const server = createServer((client) => {
    connections += 1;
    track(sockets, client);
    if (resets > 0 || mode.kind === 'reset') {
      resets = Math.max(0, resets - 1);
      resetCount += 1;
      client.resetAndDestroy();
      return;
    }
    handle(client, mode, target, sockets);
  });
  await listen(server);

  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('The proxy has no port.');
  return {
    port: address.port,
    setMode(next) {
      mode = next;
      for (const socket of sockets) socket.destroy();
    },
    resetNext(count) {
      resets = count;
      for (const socket of sockets) socket.destroy();
    },
    retarget(port) {
      target = port;
    },
    get connections() {
      return connections;
    },
    get resets() {
      return resetCount;
    },
    close: () => closeServer(server, sockets),
  };
}

function handle(client: Socket, mode: ProxyMode, target: number, sockets: Set<Socket>): void {
  if (mode.kind === 'hang') {
    client.resume();
    return;
  }
  const upstream = connect({ host: '127.0.0.1', port: target });
  track(sockets, upstream);
  const delayMs = mode.kind === 'delay' ? mode.ms : 0;
  forward(client, upstream, delayMs);
  forward(upstream, client, 0);
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
}

function forward(from: Socket, to: Socket, delayMs: number): void {
  from.on('data', (chunk) => {
    if (delayMs === 0) to.write(chunk);
    else setTimeout(() => to.writable && to.write(chunk), delayMs);
  });
}

function track(sockets: Set<Socket>, socket: Socket): void {
  sockets.add(socket);
  socket.on('error', () => socket.destroy());
  socket.on('close', () => sockets.delete(socket));
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}
