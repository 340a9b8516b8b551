// The global flags that move or refuse things (--root, --runroot, --runtime, ...): their own
// command bundle, loaded by main.ts only when one is given, so the entry stays small.
export { applyGlobalOptions } from '../engine/system.js';
