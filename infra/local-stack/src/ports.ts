import { createServer } from 'node:net';

/** Thrown when a port the stack wants is held by another process. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly component: string,
    readonly setting: string,
  ) {
    super(`port ${port} for ${component} is already in use by another process; stop that process or choose another port with ${setting}`);
    this.name = 'PortInUseError';
  }
}

/** Resolves when nothing listens on 127.0.0.1:port. */
export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Ports handed to throwaway stacks and test services: below Linux's ephemeral range (32768 and
 * up), so no outgoing connection is given one of them between choosing it and listening on it,
 * and picked at random, so test files running side by side seldom pick the same one.
 */
const TEST_PORTS = { from: 20_000, to: 32_000 } as const;

/**
 * A port free right now on 127.0.0.1, for throwaway stacks and test services; never one of
 * `taken`, which a caller choosing several ports before listening on any passes (a port it has
 * chosen is still free until then).
 */
export async function freePort(taken: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = TEST_PORTS.from + Math.floor(Math.random() * (TEST_PORTS.to - TEST_PORTS.from));
    if (!taken.has(port) && (await isPortFree(port))) return port;
  }
  throw new Error(`no free port between ${TEST_PORTS.from} and ${TEST_PORTS.to}`);
}
