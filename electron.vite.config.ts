import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'electron-vite'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'
import { contentSecurityPolicy, loopbackSockets } from './src-shared/csp'

const root = fileURLToPath(new URL('.', import.meta.url))

/** Puts the lab's one Content-Security-Policy (src-shared/csp.ts) into index.html as a meta tag. */
const cspMeta: Plugin = {
  name: 'fa-lab-csp',
  transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({ connect: loopbackSockets, meta: true }) }, injectTo: 'head-prepend' }],
}

// Main, preload and renderer of the desktop lab. The renderer build is also what browser mode
// (`fa-lab serve`) serves. Node-only dependencies stay external to the main bundle.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      rollupOptions: { input: { index: resolve(root, 'src-main/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require only electron: bundle its dependencies (zod) into it.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(root, 'src-main/preload.ts') },
        // A sandboxed preload must be one CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    plugins: [vue(), cspMeta],
    base: './',
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      chunkSizeWarningLimit: 2000,
      rollupOptions: { input: resolve(root, 'src-renderer/index.html') },
    },
  },
})
