// Worker bootstrap for the bench: registers tsx in this thread, then loads the stepping worker.
import { register } from 'tsx/esm/api'

register()
await import('./lab-steps.ts')
