/**
 * Zoom to open, wired to the state: a group the user zooms onto opens in place one level (as a
 * double-click does, without framing: the user is zooming), and folds back when zoomed out of.
 * The gestures and rules: ui/zoom-open.ts, state/zoom-open.ts.
 */
import type { MapView } from '../render/map.ts';
import { expandGroup } from '../state/aggregate.ts';
import { foldGroups } from '../state/zoom-open.ts';
import { byId } from '../ui/dom.ts';
import { ZoomOpener } from '../ui/zoom-open.ts';
import type { Actions, AppState } from './state.ts';

export function bindZoomOpen(state: AppState, app: Actions, map: MapView): ZoomOpener {
  return new ZoomOpener(map, byId('map'), {
    scope: () => state.view.level,
    collapsed: () => state.view.collapsed,
    open: (group) => { app.setView({ collapsed: expandGroup(state.view.collapsed, group, state.data.raw.nodes) }, false); app.render(); },
    fold: (groups) => { app.setView({ collapsed: foldGroups(state.view.collapsed, groups) }, false); app.render(); },
  }, [byId('zoom-in'), byId('zoom-out')]);
}
