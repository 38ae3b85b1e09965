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

port.on('message', (message: ToThread) => {
  if ('dispose' in message) {
    void tower.dispose().finally(() => port.close());
    return;
  }
  tower.embed(message.pixels, message.dims).then(
    (embeddings) => post({ id: message.id, embeddings }, embeddings.map((row) => row.buffer as ArrayBuffer)),
    (error: unknown) => post({ id: message.id, error: (error as Error).message }),
  );
});
