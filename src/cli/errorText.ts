/**
 * One line for an unexpected failure, in words: file-system errors carry a code (`ENOSPC`,
 * `ENOENT`...) and a message that reads like a syscall trace; they are named for what they mean and
 * what to do, with the code kept at the end for searching. Anything else keeps its own message.
 */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, path: file } = error as Error & { code?: unknown; path?: unknown };
  const where = typeof file === 'string' ? ` (${file})` : '';
  switch (code) {
    case 'ENOSPC':
      return `the disk is full${where}: free some space and run the command again; what was saved before is kept [ENOSPC]`;
    case 'EDQUOT':
      return `the disk quota is used up${where}: free some space and run the command again [EDQUOT]`;
    case 'ENOENT':
      return `a file or folder is missing${where}: it may have been moved or deleted while the command ran [ENOENT]`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied${where}: check the file's owner and permissions [${code}]`;
    case 'EROFS':
      return `the file system is read-only${where}: run the command in a writable workspace [EROFS]`;
    case 'EMFILE':
    case 'ENFILE':
      return `too many files are open at once: close some programs or raise the limit (ulimit -n), then run the command again [${code}]`;
    case 'EISDIR':
      return `a folder is where a file was expected${where} [EISDIR]`;
    case 'ENOTDIR':
      return `a file is where a folder was expected${where} [ENOTDIR]`;
    default:
      return error.message;
  }
}
