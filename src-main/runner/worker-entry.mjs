// Worker bootstrap for running from the TypeScript sources: registers tsx in this thread, then
// loads the worker. (The electron-vite build bundles worker.ts directly.)
import { register } from 'tsx/esm/api'

register()
await import('./worker.ts')
