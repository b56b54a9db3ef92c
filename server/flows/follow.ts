/**
 * Tails a growing flow export file (`--flows-follow FILE`, e.g. Hubble's exporter output)
 * the way `tail -F` does: complete lines only (a partial last line is held until its newline
 * arrives), rotation by rename (the rest of the old file is read, then the new file from its
 * start), truncation (read again from the start), and a resumable position: `checkpoint()`
 * gives the byte offset after the last complete line handed on, and `startOffset` resumes
 * there after a restart (unless the file was replaced meanwhile: then from the start).
 *
 * Polling is explicit: `poll()` reads what is new; `start()` schedules polls through
 * injectable timers, so tests drive every poll by hand and never sleep.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';

/** Where a follower is, for the store to persist and `startOffset` to resume from. */
export interface FollowCheckpoint {
  readonly path: string;
  /** Bytes of complete lines consumed from the current file. */
  readonly offset: number;
  /** Lines consumed from the current file (the next line's number is line + 1). */
  readonly line: number;
  /** Inode of the current file, to notice a replaced file on resume. */
  readonly ino?: number;
}

export type FollowState = 'connected' | 'stale' | 'error' | 'done';

export interface FollowStatus {
  readonly state: FollowState;
  readonly reason?: string;
  /** ms since epoch of the last poll that found new lines. */
  readonly lastEventTime?: number;
  readonly lines: number;
  readonly bytes: number;
  readonly rotations: number;
  readonly truncations: number;
  /** Lines dropped for being too long, read failures. */
  readonly errors: number;
}

export interface FollowPollResult {
  readonly lines: number;
  readonly bytes: number;
  readonly rotated: boolean;
  readonly truncated: boolean;
  /** The file does not exist (yet, or between a rotation's rename and create). */
  readonly missing: boolean;
}

export interface FollowTimers {
  readonly setTimeout: (fn: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
}

export interface FollowOptions {
  readonly path: string;
  /** Resume position from a checkpoint. */
  readonly startOffset?: number;
  readonly startLine?: number;
  readonly startIno?: number;
  /** Each complete line (no newline, CR stripped) with its 1-based number in its file. */
  readonly onLine: (line: string, lineNumber: number) => void;
  /** Longer lines are skipped and counted as errors (default 16 MiB). */
  readonly maxLineBytes?: number;
  /** Read size (default 1 MiB). */
  readonly chunkBytes?: number;
  /** At most this much is read per poll, so one poll never blocks for long (default 64 MiB). */
  readonly maxBytesPerPoll?: number;
  readonly now?: () => number;
  /** A file silent for this long is reported stale (default 10 minutes). */
  readonly staleAfterMs?: number;
  readonly onError?: (message: string) => void;
}

const NEWLINE = 0x0a;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

export class FileFollower {
  readonly path: string;
  private readonly opts: FollowOptions;
  private readonly now: () => number;
  private handle: FileHandle | undefined;
  private ino: number | undefined;
  private offsetBytes = 0;
  private lineNumber = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Inside an over-long line: drop bytes until the next newline. */
  private skipping = false;
  private resume: { offset: number; line: number; ino?: number } | undefined;
  private polling: Promise<FollowPollResult> | undefined;
  private timer: unknown;
  private timers: FollowTimers | undefined;
  private stopped = false;
  private lastEventTime: number | undefined;
  private lastActivity: number;
  private reason: string | undefined;
  private failed = false;
  private counters = { lines: 0, bytes: 0, rotations: 0, truncations: 0, errors: 0 };

  constructor(opts: FollowOptions) {
    this.opts = opts;
    this.path = opts.path;
    this.now = opts.now ?? Date.now;
    this.lastActivity = this.now();
    if (opts.startOffset !== undefined && opts.startOffset > 0) {
      this.resume = { offset: opts.startOffset, line: opts.startLine ?? 0, ...(opts.startIno !== undefined ? { ino: opts.startIno } : {}) };
    }
  }

  /** Byte offset after the last complete line handed to onLine. */
  get offset(): number {
    return this.offsetBytes;
  }

  checkpoint(): FollowCheckpoint {
    return { path: this.path, offset: this.offsetBytes, line: this.lineNumber, ...(this.ino !== undefined ? { ino: this.ino } : {}) };
  }

  status(): FollowStatus {
    let state: FollowState = this.stopped ? 'done' : this.failed ? 'error' : this.handle ? 'connected' : 'stale';
    let reason = this.stopped ? 'stopped' : this.reason;
    const staleAfter = this.opts.staleAfterMs ?? 600_000;
    if (state === 'connected' && this.now() - this.lastActivity > staleAfter) {
      state = 'stale';
      reason = `no new lines in ${this.path} for ${Math.round((this.now() - this.lastActivity) / 1000)} s`;
    }
    return { state, ...(reason ? { reason } : {}), ...(this.lastEventTime !== undefined ? { lastEventTime: this.lastEventTime } : {}), ...this.counters };
  }

  /** Reads what is new. Concurrent calls share one poll. Never rejects: failures go to status. */
  poll(): Promise<FollowPollResult> {
    if (!this.polling) {
      this.polling = this.pollOnce().finally(() => {
        this.polling = undefined;
      });
    }
    return this.polling;
  }

  /** Polls every `intervalMs` (default 1000) until stop(), with injectable timers. */
  start(intervalMs = 1000, timers: FollowTimers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) }): void {
    this.timers = timers;
    const tick = (): void => {
      if (this.stopped) return;
      void this.poll().then(() => {
        if (!this.stopped) this.timer = timers.setTimeout(tick, intervalMs);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers?.clearTimeout(this.timer);
    await this.polling;
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
  }

  private fail(message: string): void {
    this.counters.errors++;
    this.opts.onError?.(`follow: ${this.path}: ${message}`);
  }

  private async openCurrent(): Promise<boolean> {
    let handle: FileHandle;
    try {
      handle = await open(this.path, 'r');
    } catch (error) {
      if (isMissing(error)) {
        this.reason = `waiting for ${this.path} to appear`;
        this.failed = false;
        return false;
      }
      this.failed = true;
      this.reason = `cannot open ${this.path}: ${(error as Error).message}`;
      return false;
    }
    const info = await handle.stat();
    this.handle = handle;
    this.ino = info.ino;
    this.offsetBytes = 0;
    this.lineNumber = 0;
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
    this.failed = false;
    this.reason = undefined;
    const resume = this.resume;
    this.resume = undefined;
    if (resume) {
      if ((resume.ino !== undefined && resume.ino !== info.ino) || info.size < resume.offset) {
        this.reason = `${this.path} was replaced since the saved position; reading it from the start`;
      } else {
        this.offsetBytes = resume.offset;
        this.lineNumber = resume.line;
      }
    }
    return true;
  }

  private async pollOnce(): Promise<FollowPollResult> {
    let lines = 0;
    let bytes = 0;
    let rotated = false;
    let truncated = false;
    if (this.stopped) return { lines, bytes, rotated, truncated, missing: false };
    try {
      if (!this.handle && !(await this.openCurrent())) return { lines, bytes, rotated, truncated, missing: true };
      const handle = this.handle as FileHandle;
      const size = (await handle.stat()).size;
      if (size < this.offsetBytes + this.pendingBytes) {
        truncated = true;
        this.counters.truncations++;
        this.offsetBytes = 0;
        this.lineNumber = 0;
        this.pending = [];
        this.pendingBytes = 0;
        this.skipping = false;
      }
      let r = await this.readAvailable(handle);
      lines += r.lines;
      bytes += r.bytes;
      // Rotation: the path now names another file (or none). Finish the old one first.
      let current: { ino: number } | undefined;
      try {
        current = await stat(this.path);
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
      if (!current || current.ino !== this.ino) {
        r = await this.readAvailable(handle);
        lines += r.lines;
        bytes += r.bytes;
        // The writer moved on: a last line without a newline is complete.
        if (this.pendingBytes > 0 && !this.skipping) {
          this.deliver(Buffer.concat(this.pending));
          lines++;
        }
        this.pending = [];
        this.pendingBytes = 0;
        await handle.close().catch(() => {});
        this.handle = undefined;
        rotated = true;
        this.counters.rotations++;
        if (current && (await this.openCurrent())) {
          r = await this.readAvailable(this.handle as unknown as FileHandle);
          lines += r.lines;
          bytes += r.bytes;
        } else {
          this.reason = `waiting for ${this.path} to reappear after rotation`;
        }
      }
    } catch (error) {
      this.fail((error as Error).message);
      this.failed = true;
      this.reason = `read failed: ${(error as Error).message}`;
    }
    if (lines > 0) {
      this.lastEventTime = this.now();
      this.lastActivity = this.lastEventTime;
    }
    return { lines, bytes, rotated, truncated, missing: false };
  }

  /** Reads from the current position to EOF (bounded by maxBytesPerPoll). */
  private async readAvailable(handle: FileHandle): Promise<{ lines: number; bytes: number }> {
    const chunkBytes = this.opts.chunkBytes ?? 1024 * 1024;
    const budget = this.opts.maxBytesPerPoll ?? 64 * 1024 * 1024;
    const buf = Buffer.allocUnsafe(chunkBytes);
    let lines = 0;
    let bytes = 0;
    while (bytes < budget && !this.stopped) {
      const position = this.offsetBytes + this.pendingBytes;
      const { bytesRead } = await handle.read(buf, 0, chunkBytes, position);
      if (bytesRead === 0) break;
      bytes += bytesRead;
      this.counters.bytes += bytesRead;
      lines += this.consume(buf.subarray(0, bytesRead));
      if (bytesRead < chunkBytes) break;
    }
    return { lines, bytes };
  }

  /** Splits a chunk into complete lines; returns how many were delivered. */
  private consume(chunk: Buffer): number {
    const maxLine = this.opts.maxLineBytes ?? 16 * 1024 * 1024;
    let delivered = 0;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) break;
      const piece = chunk.subarray(start, nl);
      const lineBytes = this.pendingBytes + piece.length + 1;
      if (this.skipping) {
        this.skipping = false;
        this.pending = [];
        this.pendingBytes = 0;
        this.offsetBytes += lineBytes;
        this.lineNumber++;
      } else {
        const line = this.pendingBytes > 0 ? Buffer.concat([...this.pending, piece]) : piece;
        this.pending = [];
        this.pendingBytes = 0;
        this.offsetBytes += lineBytes;
        this.deliver(line, false);
        delivered++;
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      // Copy: the read buffer is reused for the next chunk.
      const rest = Buffer.from(chunk.subarray(start));
      this.pending.push(rest);
      this.pendingBytes += rest.length;
      if (!this.skipping && this.pendingBytes > maxLine) {
        this.skipping = true;
        this.fail(`line ${this.lineNumber + 1} is longer than ${maxLine} bytes; skipped`);
      }
      if (this.skipping) {
        // Keep counting its bytes toward the offset without holding them.
        this.pending = [];
        this.offsetBytes += this.pendingBytes;
        this.pendingBytes = 0;
      }
    }
    return delivered;
  }

  private deliver(line: Buffer, advance = true): void {
    if (advance) this.offsetBytes += line.length;
    this.lineNumber++;
    this.counters.lines++;
    let text = line.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    try {
      this.opts.onLine(text, this.lineNumber);
    } catch (error) {
      this.fail(`line ${this.lineNumber}: consumer failed: ${(error as Error).message}`);
    }
  }
}
