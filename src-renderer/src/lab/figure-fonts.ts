/**
 * The figure fonts (resources/fonts, the same files the exports embed), loaded into the page
 * before a figure is drawn, so the screen measures and draws text as the exports do.
 */
import sansUrl from '../../../resources/fonts/DejaVuSans.ttf?url'
import serifUrl from '../../../resources/fonts/DejaVuSerif.ttf?url'

let loading: Promise<void> | null = null

export function figureFontsReady(): Promise<void> {
  loading ??= Promise.all(
    [
      ['DejaVu Sans', sansUrl],
      ['DejaVu Serif', serifUrl],
    ].map(async ([family, url]) => {
      const face = new FontFace(family, `url(${url})`)
      document.fonts.add(await face.load())
    }),
  ).then(
    () => undefined,
    // a missing font falls back to the system's; the figure still draws
    () => undefined,
  )
  return loading
}
