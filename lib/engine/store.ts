// The store as the engine uses it: storage wired to the runtime's user
// namespace for the file work that needs subordinate ids; unreadable records warned about.
import type { RootFileOps } from '../storage/layers.js';
import { Store } from '../storage/store.js';
import { sweepRuntimeSockets } from './container-state.js';

/** The namespace work the store asks for (extracting a layer, removing files of subordinate
 * ids), with the runtime module loaded only when asked: ps, inspect and exec never need it. */
const rootFileOps: RootFileOps = {
  extractLayer: async (blob, dest, diffId) => (await import('../runtime/userns.js')).rootFileOps.extractLayer(blob, dest, diffId),
  remove: async (paths) => (await import('../runtime/userns.js')).rootFileOps.remove(paths),
};

/** Unreadable container records are warned about once per command (they spoil only their container). */
const warned = new Set<string>();

export function openStore(): Store {
  const store = new Store(rootFileOps);
  store.containers.onBroken = (id, err) => {
    if (warned.has(id)) return;
    warned.add(id);
    process.stderr.write(`WARN[0000] container ${id.slice(0, 12)}: ${err.message}\n`);
  };
  // What a tspod killed with -9 during `run -d` left in the runtime directory goes at the next command.
  if (!swept) {
    swept = true;
    void sweepRuntimeSockets().catch(() => undefined);
  }
  return store;
}

let swept = false;
