// The store as one object: blobs, layers, images and containers under the
// tspod data directory, and the lock that serialises changes to it.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { tspodPaths } from '../config/paths.js';
import { BlobStore } from './blobs.js';
import { LayerStore, type RootFileOps } from './layers.js';
import { ImageStore } from './images.js';
import { ContainerStore } from './containers.js';
import { PodStore } from './pods.js';
import { VolumeStore } from './volumes.js';
import { lockName, withLockAsync } from './lock.js';

export class Store {
  readonly blobs: BlobStore;
  readonly layers: LayerStore;
  readonly images: ImageStore;
  readonly containers: ContainerStore;
  readonly pods: PodStore;
  readonly volumes: VolumeStore;

  constructor(readonly ops: RootFileOps, readonly root: string = tspodPaths().data) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    this.blobs = new BlobStore(root);
    this.layers = new LayerStore(root, this.blobs, ops);
    this.images = new ImageStore(root);
    this.containers = new ContainerStore(root);
    this.pods = new PodStore(root);
    this.volumes = new VolumeStore(root);
  }

  /** Serialise changes to image records and to the set of containers (names) across processes. */
  locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLockAsync({ root: this.root, name: 'store', legacyDir: join(this.root, 'store.lock') }, fn);
  }

  /** Serialise changes to one container's state (start, stop, kill, rm, cleanup and restarts).
   * The lock is no file, so removing the container's directory under it is safe.
   * Order when both are taken: the container's lock, then the store's. */
  lockedContainer<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return withLockAsync({ root: this.root, name: lockName('ctr', id), legacyDir: join(this.root, 'containers', `.${id}.lock`) }, fn, 120_000);
  }
}
