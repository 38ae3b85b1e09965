// The thread a ThreadedVisionTower runs its image tower in (see vision-tower.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { InProcessVisionTower, type FromThread, type ToThread, type VisionTower, type VisionTowerSpec } from './vision-tower.js';

const port = parentPort!;
const post = (message: FromThread, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

let tower: VisionTower;
try {
  tower = await InProcessVisionTower.load(workerData as VisionTowerSpec);
  post({ ready: true });
} catch (error) {
  post({ failed: (error as Error).message });
  process.exit(1);
}

// Calls still running when a dispose arrives finish first; the session is released after them.
const running = new Set<Promise<void>>();
let disposing = false;

port.on('message', (message: ToThread) => {
  if ('dispose' in message) {
    if (disposing) return;
    disposing = true;
    void Promise.allSettled(running)
      .then(() => tower.dispose())
      .finally(() => port.close());
    return;
  }
  const call = tower
    .embed(message.pixels, message.dims)
    .then((embeddings) => post({ id: message.id, embeddings }, embeddings.map((row) => row.buffer as ArrayBuffer)))
    // Whatever failed, the model or the reply, the call fails and the thread goes on.
    .catch((error: unknown) => post({ id: message.id, error: error instanceof Error ? error.message : String(error) }))
    .finally(() => running.delete(call));
  running.add(call);
});
