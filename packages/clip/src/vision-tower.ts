import { Worker } from 'node:worker_threads';
import { Tensor, type PreTrainedModel } from '@huggingface/transformers';
import { MODEL_FAMILIES } from './model-family.js';
import { unitRows } from './model-source.js';

/** What loads one image tower; plain data only, so that it can be handed to a thread. */
export interface VisionTowerSpec {
  /** A key of MODEL_FAMILIES. */
  family: string;
  /** The model's directory or hub id. */
  path: string;
  /** transformers.js' `from_pretrained` options (dtype, session options, cache, …). */
  options: Record<string, unknown>;
}

/** The image tower: preprocessed images in (`n × 3 × height × width` floats), one unit-length embedding per image out. */
export interface VisionTower {
  /** Takes `pixels` over: a threaded tower transfers its buffer, which leaves the caller's array empty. */
  embed(pixels: Float32Array, dims: readonly [number, number, number, number]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/**
 * Loads the image tower in this thread, or with `thread`, in a worker thread of its own.
 * onnxruntime-node runs a call synchronously on the thread that makes it, so in this thread a
 * batch stops the event loop for as long as it runs (seconds for a batch of 32 on a slow core):
 * no I/O, no timers, no health checks meanwhile. In its own thread it runs while the event loop
 * goes on fetching and decoding the next images.
 */
export async function loadVisionTower(spec: VisionTowerSpec, options: { thread: boolean }): Promise<VisionTower> {
  return options.thread ? ThreadedVisionTower.start(spec) : InProcessVisionTower.load(spec);
}

export class InProcessVisionTower implements VisionTower {
  readonly #model: PreTrainedModel;
  readonly #output: string;

  private constructor(model: PreTrainedModel, output: string) {
    this.#model = model;
    this.#output = output;
  }

  static async load(spec: VisionTowerSpec): Promise<InProcessVisionTower> {
    const family = MODEL_FAMILIES[spec.family];
    if (!family) throw new Error(`unknown model family ${spec.family}`);
    return new InProcessVisionTower(await family.visionTower.from_pretrained(spec.path, spec.options), family.imageOutput);
  }

  async embed(pixels: Float32Array, dims: readonly [number, number, number, number]): Promise<Float32Array[]> {
    const outputs = (await this.#model({ pixel_values: new Tensor('float32', pixels, [...dims]) })) as Record<string, Tensor>;
    return unitRows(outputs[this.#output]!, dims[0]);
  }

  async dispose(): Promise<void> {
    await this.#model.dispose();
  }
}

/** Messages between a ThreadedVisionTower and its thread (vision-thread.ts). */
export type ToThread = { id: number; pixels: Float32Array; dims: readonly [number, number, number, number] } | { dispose: true };
export type FromThread = { ready: true } | { failed: string } | { id: number; embeddings: Float32Array[] } | { id: number; error: string };

/**
 * The built thread entry, also when this module runs from source (tests): a worker thread is
 * plain Node, which does not load TypeScript.
 */
const THREAD_ENTRY = new URL('../dist/vision-thread.js', import.meta.url);

class ThreadedVisionTower implements VisionTower {
  readonly #thread: Worker;
  readonly #pending = new Map<number, { resolve: (embeddings: Float32Array[]) => void; reject: (error: Error) => void }>();
  #next = 0;
  /** Why the thread is gone, once it is: every call from then on fails with it. */
  #gone: Error | undefined;
  #disposed: Promise<void> | undefined;

  private constructor(thread: Worker) {
    this.#thread = thread;
    thread.on('message', (message: FromThread) => {
      if (!('id' in message)) return;
      const call = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if ('error' in message) call?.reject(new Error(message.error));
      else call?.resolve(message.embeddings);
    });
    thread.on('error', (error) => this.#stop(new Error(`the image tower's thread failed: ${error.message}`, { cause: error })));
    thread.on('exit', (code) => this.#stop(new Error(this.#disposed ? 'the image tower was disposed' : `the image tower's thread stopped (exit code ${code})`)));
  }

  /** Starts the thread and waits until its tower has loaded. @throws what loading threw, by its message. */
  static async start(spec: VisionTowerSpec): Promise<ThreadedVisionTower> {
    const thread = new Worker(THREAD_ENTRY, { workerData: spec, execArgv: [] });
    const loaded = new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        thread.off('message', onMessage).off('error', settle).off('exit', onExit);
        if (error) reject(error);
        else resolve();
      };
      const onMessage = (message: FromThread) => settle('ready' in message ? undefined : new Error('failed' in message ? message.failed : 'the image tower thread did not say it was ready'));
      const onExit = (code: number) => settle(new Error(`the image tower's thread stopped while loading (exit code ${code})`));
      thread.on('message', onMessage).on('error', settle).on('exit', onExit);
    });
    try {
      await loaded;
    } catch (error) {
      await thread.terminate();
      throw error;
    }
    return new ThreadedVisionTower(thread);
  }

  embed(pixels: Float32Array, dims: readonly [number, number, number, number]): Promise<Float32Array[]> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        // Handed over, not copied: the batch belongs to the thread from here on.
        this.#thread.postMessage({ id, pixels, dims } satisfies ToThread, [pixels.buffer as ArrayBuffer]);
      } catch (error) {
        this.#pending.delete(id);
        reject(error as Error);
      }
    });
  }

  /** Lets the calls in hand finish, releases the session and ends the thread; calls after it fail. */
  dispose(): Promise<void> {
    this.#disposed ??= this.#gone
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          this.#thread.once('exit', () => resolve());
          this.#thread.postMessage({ dispose: true } satisfies ToThread);
        });
    return this.#disposed;
  }

  #stop(reason: Error): void {
    this.#gone ??= reason;
    for (const call of this.#pending.values()) call.reject(this.#gone);
    this.#pending.clear();
  }
}
