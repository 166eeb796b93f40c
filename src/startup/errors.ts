/**
 * What stops a start (or a CLI command) for a reason outside Herald's own configuration
 * syntax: a file that cannot be read, a database that does not answer, a port in use. The
 * message is the whole story in one line: the setting (variable and flag), the value, what
 * went wrong and what to do. The CLI prints it as `herald: <message>` and exits 2; in-process
 * users of startHerald() get the same line as the error's message.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** How a setting is named in messages: its variable and its flag, as a user may have set either. */
export function settingName(variable: string, flag: string): string {
  return `${variable} (${flag})`;
}

/** A connection URL fit to print: the password (in the user info or a `password` parameter) masked. */
export function withoutPassword(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not a URL at all: print nothing of it that could be a secret.
    return '(the URL given)';
  }
  if (url.password !== '') url.password = '***';
  if (url.searchParams.has('password')) url.searchParams.set('password', '***');
  return url.toString();
}

/** The reason an error carries, as one line: its message, else its code (an AggregateError's: its parts'). */
export function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    const parts = [...new Set(error.errors.map((e) => reasonOf(e)))];
    if (parts.length > 0) return parts.join('; ');
  }
  if (error instanceof Error) {
    let text = error.message || String((error as { code?: unknown }).code ?? error.name);
    // A file system error repeats the path the message already names: "ENOENT: …, open '/x'".
    const { syscall, path } = error as { syscall?: unknown; path?: unknown };
    if (typeof syscall === 'string' && typeof path === 'string') text = text.replace(`, ${syscall} '${path}'`, '');
    return text.replace(/\s*\n\s*/g, ' ').trim();
  }
  return String(error);
}

/** The error's code (Node's system errors, PostgreSQL's SQLSTATE, SQLite's result codes). */
export function codeOf(error: unknown): string | undefined {
  if (error instanceof AggregateError) {
    for (const e of error.errors) {
      const code = codeOf(e);
      if (code !== undefined) return code;
    }
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
