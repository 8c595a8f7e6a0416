/** A TypeScript code block of a Markdown file. */
export interface Snippet {
  /** The Markdown file, as given to `extractSnippets`. */
  file: string;
  /** 1-based line of the block's opening fence; its code starts on the next line. */
  line: number;
  code: string;
  /** Why the block is not compiled (`ts no-compile` or a preceding `<!-- snippet: skip … -->`), else undefined. */
  skipped?: string;
}

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^`]*)$/;
const LANGUAGES = new Set(['ts', 'typescript']);
const SKIP_COMMENT = /^<!--\s*snippet:\s*skip\b\s*(.*?)\s*-->$/;

/**
 * Finds the ```ts and ```typescript blocks of a Markdown text. A block is skipped when its info string says
 * `no-compile` (```ts no-compile) or when the last non-blank line before it is `<!-- snippet: skip <reason> -->`.
 */
export function extractSnippets(markdown: string, file: string): Snippet[] {
  const lines = markdown.split(/\r?\n/);
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const closing = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !closing.test(lines[end])) end++;
    const words = info.trim().split(/\s+/);
    if (LANGUAGES.has(words[0].toLowerCase())) {
      const code = lines
        .slice(i + 1, end)
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()))
        .join('\n');
      const skipped = words.includes('no-compile') ? 'no-compile' : skipComment(lines, i);
      snippets.push({ file, line: i + 1, code: `${code}\n`, ...(skipped !== undefined && { skipped }) });
    }
    i = end;
  }
  return snippets;
}

function skipComment(lines: string[], fenceIndex: number): string | undefined {
  for (let j = fenceIndex - 1; j >= 0; j--) {
    const line = lines[j].trim();
    if (line === '') continue;
    const marker = SKIP_COMMENT.exec(line);
    return marker ? marker[1] || 'snippet: skip' : undefined;
  }
  return undefined;
}
