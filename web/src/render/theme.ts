/**
 * The map's own colours (stage, labels, halos), light or dark as the system asks
 * (`prefers-color-scheme`), chosen once when the page loads: the rest of the page follows the
 * same setting through CSS variables (styles.css).
 */
export interface MapTheme {
  readonly dark: boolean;
  readonly stage: string;
  readonly label: string;
  readonly labelDimmed: string;
  readonly halo: string;
  readonly hullLabel: string;
  readonly backdrop: string;
}

export function mapTheme(dark: boolean): MapTheme {
  return dark
    ? { dark, stage: '#151b22', label: '#e3e8ee', labelDimmed: 'rgba(227,232,238,0.35)', halo: 'rgba(21,27,34,0.9)', hullLabel: 'rgba(200,210,220,0.75)', backdrop: '#1c242d' }
    : { dark, stage: '#f7f8fa', label: '#1d2733', labelDimmed: 'rgba(29,39,51,0.35)', halo: 'rgba(247,248,250,0.9)', hullLabel: 'rgba(40,50,60,0.75)', backdrop: '#ffffff' };
}

export const THEME: MapTheme = mapTheme(typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches);
