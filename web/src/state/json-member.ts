/**
 * Where a named top-level member of a JSON object ends, found while the object's text is still
 * arriving in pieces. The graph fetch worker uses it to parse the answer's `nodes` (2.5 MB of the
 * 10k map's 20 MB; the server writes them before the edges) as soon as they are in, instead of
 * after the whole body: `text.slice(0, end) + '}'` is then the object up to and including that
 * member, and `'{' + text.slice(end + 1)` the members after it.
 *
 * Only the text's structure is followed (strings, escapes, nesting), nothing is validated: the
 * caller parses both parts and falls back to the whole text when either does not parse.
 */
export class TopLevelMemberEnd {
  private offset = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** At depth 1: the next string is a key (after `{` or `,`), not a value. */
  private expectKey = false;
  private readingKey = false;
  private key = '';
  private currentKey: string | undefined;
  private found = -1;
  private done = false;

  constructor(private readonly member: string) {}

  /**
   * Scans the next piece of the text. Returns the offset (in the whole text) of the `,` that ends
   * the member once it has been seen, -1 while it has not (or when the member is the last one,
   * missing, or the text is not an object).
   */
  push(piece: string): number {
    if (this.done) { this.offset += piece.length; return this.found; }
    for (let i = 0; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c /* \ */) this.escaped = true;
        else if (c === 0x22 /* " */) { this.inString = false; if (this.readingKey) { this.readingKey = false; this.currentKey = this.key; } continue; }
        if (this.readingKey) this.key += piece[i];
        continue;
      }
      switch (c) {
        case 0x22: // "
          this.inString = true;
          if (this.depth === 1 && this.expectKey) { this.readingKey = true; this.key = ''; this.expectKey = false; }
          break;
        case 0x7b: // {
        case 0x5b: // [
          if (this.depth === 0 && c === 0x5b) { this.done = true; this.offset += piece.length; return -1; }
          this.depth++;
          if (this.depth === 1) this.expectKey = true;
          break;
        case 0x7d: // }
        case 0x5d: // ]
          this.depth--;
          if (this.depth <= 0) { this.done = true; this.offset += piece.length; return -1; }
          break;
        case 0x2c: // ,
          if (this.depth === 1) {
            if (this.currentKey === this.member) { this.found = this.offset + i; this.done = true; this.offset += piece.length; return this.found; }
            this.expectKey = true;
            this.currentKey = undefined;
          }
          break;
        default:
          break;
      }
    }
    this.offset += piece.length;
    return -1;
  }
}
