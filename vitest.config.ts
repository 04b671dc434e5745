import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

/**
 * Test folders whose files compute in-process on one core at most (no worker pools, BLAS threads,
 * browsers or trainings in child processes): they run two files at a time, before the rest.
 */
const oneCoreFolders = ['shared', 'lib', 'lint', 'main', 'renderer', 'server', 'services', 'data']
const oneCore = oneCoreFolders.map((folder) => `test/${folder}/**/*.test.ts`)

export default defineConfig({
  // Compiles .vue files, so renderer components render in tests (server-side, no DOM needed).
  plugins: [vue()],
  test: {
    environment: 'node',
    pool: 'forks',
    // No test opens the machine's browser; the opener's tests put a stand-in on the PATH and unset this.
    env: { FA_LAB_NO_BROWSER: '1' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll waits for something to happen (a row to go, a rename to show); its default of 1 s
    // made a wall-clock assertion of every wait, which a busy machine failed. A wait that never
    // ends still fails, after a minute.
    expect: { poll: { timeout: 60_000 } },
    reporters: ['default', ['json', { outputFile: 'test-output/vitest-report.json' }]],
    projects: [
      { extends: true, test: { name: 'one-core', include: oneCore, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      // One file at a time: these tests use both cores themselves (worker pools, BLAS threads, browsers).
      { extends: true, test: { name: 'whole-machine', include: ['test/**/*.test.ts'], exclude: ['node_modules/**', ...oneCore], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
})
