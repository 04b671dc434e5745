import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Compiles .vue files, so renderer components render in tests (server-side, no DOM needed).
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['node_modules/**'],
    environment: 'node',
    pool: 'forks',
    // One file at a time: several tests use both cores themselves (worker pools, BLAS threads).
    fileParallelism: false,
    // No test opens the machine's browser; the opener's tests put a stand-in on the PATH and unset this.
    env: { FA_LAB_NO_BROWSER: '1' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll waits for something to happen (a row to go, a rename to show); its default of 1 s
    // made a wall-clock assertion of every wait, which a busy machine failed. A wait that never
    // ends still fails, after a minute.
    expect: { poll: { timeout: 60_000 } },
    reporters: ['default', ['json', { outputFile: 'test-output/vitest-report.json' }]],
  },
})
