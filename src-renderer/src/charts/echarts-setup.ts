/**
 * The ECharts pieces the renderer draws with, registered once. Every series type and component
 * the figure builder and the chart builders can emit must be here, or ECharts silently draws
 * nothing (or throws, as a custom series without CustomChart did); test/renderer checks the
 * builders' output against these lists.
 */
import { BarChart, CustomChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts'
import { GraphicComponent, GridComponent, LegendComponent, ParallelComponent, TitleComponent, TooltipComponent } from 'echarts/components'
import { use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import LRU from 'zrender/lib/core/LRU.js'
import { nullPrototypeCaches } from '../../../src-shared/figure-text'

/** Series types registered. */
export const registeredSeries = ['line', 'bar', 'scatter', 'custom', 'parallel'] as const
/** Top-level option keys registered as components (plus the axes of the grid). */
export const registeredComponents = ['grid', 'xAxis', 'yAxis', 'legend', 'title', 'tooltip', 'graphic', 'parallel', 'parallelAxis'] as const

use([LineChart, BarChart, ScatterChart, CustomChart, ParallelChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, GraphicComponent, ParallelComponent, CanvasRenderer])
// figure text is user text: `__proto__` must not reach Object.prototype through ECharts' text caches
nullPrototypeCaches(LRU)
