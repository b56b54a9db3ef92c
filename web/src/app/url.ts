/** The URL controller: every view-state change goes through here and is mirrored in the query string (a view can be shared). */
import { encodeViewState, type ViewState } from '../state/url-state.ts';
import type { AppState } from './state.ts';

export class UrlController {
  constructor(private readonly state: AppState) {}

  /** Apply `patch` to the view state and write the URL (the groups the map folded by itself are left out). */
  update(patch: Partial<ViewState>): void {
    const s = this.state;
    s.view = { ...s.view, ...patch };
    const q = encodeViewState(s.view, s.ui.autoCollapsed);
    history.replaceState(null, '', q ? `?${q}` : location.pathname);
  }
}
