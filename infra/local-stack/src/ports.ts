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

/** A port the kernel considers free right now, for throwaway stacks. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
