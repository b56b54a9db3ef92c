/**
 * Large Hubble inputs for benchmarks, from the real capture lines of ../shared/data/hubble:
 * every repetition shifts timestamps (by 10 minutes unless told otherwise) and remaps client
 * (ephemeral) ports, so the copies look like new connections of the same edges (both directions
 * and every observation point of one connection stay consistent). A shorter shift packs more
 * connections of each edge into each minute, as a busier cluster would.
 */
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dataDir = join(fileURLToPath(new URL('.', import.meta.url)), '../../shared/data/hubble');

export function captureLines(): string[] {
  const lines: string[] = [];
  for (const name of readdirSync(dataDir).sort()) {
    for (const line of readFileSync(join(dataDir, name), 'utf8').split('\n')) {
      const t = line.trim();
      if (t.startsWith('{') && t.includes('"flow":{')) lines.push(t);
    }
  }
  return lines;
}

const TIME = /"time":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)([^"]*)"/g;
const PORT = /"(source_port|destination_port)":(\d+)/g;

/** A capture line cut around its timestamps and ports, so copies are cheap to assemble. */
interface Template {
  readonly parts: string[];
  readonly slots: ({ kind: 'time'; sec: string; frac: string } | { kind: 'port'; name: string; port: number })[];
}

function template(line: string): Template {
  const marks: { at: number; len: number; slot: Template['slots'][number] }[] = [];
  for (const m of line.matchAll(TIME)) marks.push({ at: m.index!, len: m[0].length, slot: { kind: 'time', sec: m[1], frac: m[2] } });
  for (const m of line.matchAll(PORT)) marks.push({ at: m.index!, len: m[0].length, slot: { kind: 'port', name: m[1], port: Number(m[2]) } });
  marks.sort((x, y) => x.at - y.at);
  const parts: string[] = [];
  let pos = 0;
  for (const m of marks) {
    parts.push(line.slice(pos, m.at));
    pos = m.at + m.len;
  }
  parts.push(line.slice(pos));
  return { parts, slots: marks.map((m) => m.slot) };
}

/** Copy `rep` of a line: time + rep * shiftMs, ephemeral ports remapped the same way everywhere. */
function variant(t: Template, rep: number, secondsCache: Map<string, string>, shiftMs: number): string {
  let out = t.parts[0];
  for (let i = 0; i < t.slots.length; i++) {
    const slot = t.slots[i];
    if (slot.kind === 'time') {
      const key = `${rep}|${slot.sec}`;
      let shifted = secondsCache.get(key);
      if (shifted === undefined) {
        shifted = new Date(Date.parse(`${slot.sec}Z`) + rep * shiftMs).toISOString().slice(0, 19);
        secondsCache.set(key, shifted);
      }
      out += `"time":"${shifted}${slot.frac}"`;
    } else {
      const p = slot.port >= 32768 ? 32768 + ((slot.port - 32768 + rep * 7919) % 28000) : slot.port;
      out += `"${slot.name}":${p}`;
    }
    out += t.parts[i + 1];
  }
  return out;
}

/** Repetitions of the capture lines to `total` lines, each `shiftMs` (default 10 minutes) after the one before. */
export async function generate(file: string, lines: string[], total: number, shiftMs = 600_000): Promise<void> {
  const templates = lines.map(template);
  const out = createWriteStream(file, { highWaterMark: 1 << 22 });
  const cache = new Map<string, string>();
  let buf: string[] = [];
  let written = 0;
  for (let rep = 0; written < total; rep++) {
    if (cache.size > 100_000) cache.clear();
    for (const t of templates) {
      if (written++ >= total) break;
      buf.push(variant(t, rep, cache, shiftMs));
      if (buf.length === 4096) {
        if (!out.write(buf.join('\n') + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
        buf = [];
      }
    }
  }
  if (buf.length) out.write(buf.join('\n') + '\n');
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
