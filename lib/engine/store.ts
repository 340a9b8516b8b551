// The store as the engine uses it: storage wired to the runtime's user
// namespace for the file work that needs subordinate ids.
import { rootFileOps } from '../runtime/userns.js';
import { Store } from '../storage/store.js';

export function openStore(): Store {
  return new Store(rootFileOps);
}
