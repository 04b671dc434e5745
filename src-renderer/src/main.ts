import { createPinia } from 'pinia'
import { createApp } from 'vue'
import { createRouter, createWebHashHistory } from 'vue-router'
import App from './App.vue'
import { labKey } from './composables/useLab'
import { checkAccess, connectLab } from './lab/client'
import { figureFontsReady } from './lab/figure-fonts'
import CompareView from './views/CompareView.vue'
import DatasetsView from './views/DatasetsView.vue'
import ExperimentFormView from './views/ExperimentFormView.vue'
import ExperimentsView from './views/ExperimentsView.vue'
import RunDetailView from './views/RunDetailView.vue'
import RunsView from './views/RunsView.vue'
import SignInView from './views/SignInView.vue'

const router = createRouter({
  // Hash history works from Electron's file:// page and from the browser-mode server alike.
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/experiments' },
    { path: '/experiments', name: 'experiments', component: ExperimentsView },
    { path: '/experiments/new', name: 'new-experiment', component: ExperimentFormView },
    { path: '/runs', name: 'runs', component: RunsView },
    { path: '/runs/:id', name: 'run', component: RunDetailView },
    { path: '/compare', name: 'compare', component: CompareView },
    { path: '/datasets', name: 'datasets', component: DatasetsView },
  ],
})

// A page without a valid token shows only how to open the lab, never an empty lab that looks normal.
void checkAccess().then((access) => {
  // The figure fonts load with the app, not when the first figure mounts: fetched then, they waited
  // behind whatever main was busy with, and the figure stayed blank under its caption meanwhile.
  if (access === 'ok') void figureFontsReady()
  if (access === 'ok') createApp(App).use(createPinia()).use(router).provide(labKey, connectLab()).mount('#app')
  else createApp(SignInView, { reason: access }).mount('#app')
})
