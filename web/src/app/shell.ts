/** The status line and the error banner, and how a failure is put into words. */
import { ApiRequestError } from '../api.ts';
import { append, byId, clear, h } from '../ui/dom.ts';

export class ShellController {
  private text = '';
  private liveText: string | undefined;

  /** An error the user can act on, with Retry; undefined hides it. */
  banner(text: string | undefined, retry?: () => void): void {
    const banner = byId('banner');
    banner.hidden = text === undefined;
    clear(banner);
    if (text === undefined) return;
    append(banner, h('strong', {}, 'Error'), h('span', {}, text));
    if (retry) append(banner, h('button', { type: 'button', onclick: () => { banner.hidden = true; retry(); } }, 'Retry'));
  }

  /** The status line: what the map shows or what just happened, after Live's activity while Live is on. */
  status(text: string): void {
    this.text = text;
    this.write();
  }

  /** Live's part of the status line (the flow rate, new edges); undefined when Live is off. */
  live(text: string | undefined): void {
    this.liveText = text;
    this.write();
  }

  private write(): void {
    const line = this.liveText === undefined ? this.text : `${this.liveText} · ${this.text}`;
    // unchanged text is not written: every DOM change before the map's first frame costs a
    // repaint, which software rendering does on the GPU thread sigma is waiting for
    const el = byId('status');
    if (el.textContent !== line) el.textContent = line;
  }
}

/** What went wrong, in words a user can act on (a bare "Failed to fetch" says neither what nor why). */
export function describeFailure(err: unknown): string {
  if (err instanceof ApiRequestError) return err.message;
  if (err instanceof TypeError || (err instanceof Error && /failed to fetch|networkerror|load failed/i.test(err.message))) {
    return `the server at ${location.origin} did not answer (is \`netatlas serve\` running, and reachable from this browser?).`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The side column's width: dragged or moved with the arrow keys, kept in localStorage; CSS caps it so the map keeps half the window. */
export function bindSideResizer(): void {
  const side = byId('side');
  const handle = byId('side-resizer');
  const set = (px: number): void => {
    const width = Math.max(280, Math.min(px, window.innerWidth / 2 - 230));
    side.style.setProperty('--side-w', `${Math.round(width)}px`);
    try { localStorage.setItem('netatlas:side-width', String(Math.round(width))); } catch { /* kept for this visit only */ }
  };
  const saved = Number(localStorage.getItem('netatlas:side-width'));
  if (saved > 0) side.style.setProperty('--side-w', `${saved}px`);
  handle.addEventListener('pointerdown', (e) => {
    handle.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent): void => set(window.innerWidth - ev.clientX);
    const up = (): void => { handle.removeEventListener('pointermove', move); handle.removeEventListener('pointerup', up); };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  });
  handle.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    set(side.getBoundingClientRect().width + (e.key === 'ArrowLeft' ? 24 : -24));
  });
}
