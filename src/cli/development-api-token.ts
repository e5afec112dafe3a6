import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PushgateError } from '../errors.js';

/** Where the development configuration keeps its API token, relative to the working directory. */
export const DEVELOPMENT_API_TOKEN_FILE = '.pushgate/api-token';

export interface DevelopmentApiToken {
  token: string;
  /** Absolute path of the file. */
  path: string;
  /** True when this call created the file. */
  created: boolean;
  /** Set when the file can be read by other users (it was made by hand, or its mode changed). */
  warning?: string;
}

const TOKEN = /^[A-Za-z0-9._~+/=-]{16,512}$/;

/**
 * The quick start's admin API token: read from `<cwd>/.pushgate/api-token`, or created there
 * (32 random bytes, base64url) with O_EXCL and mode 0600, so two starts racing cannot overwrite
 * each other's token and the file is never replaced once a user has copied it into scripts. The
 * token itself is never logged: the caller says where the file is and how to use it.
 */
export async function developmentApiToken(cwd: string): Promise<DevelopmentApiToken> {
  const dir = join(cwd, '.pushgate');
  const path = join(cwd, DEVELOPMENT_API_TOKEN_FILE);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(`${token}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { token, path, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new PushgateError(
        'CONFIG_INVALID',
        `cannot create the development API token file ${path}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  const text = (await readFile(path, 'utf8')).trim();
  if (!TOKEN.test(text)) {
    // Never overwritten: the user may have put their own token there. The content is not quoted.
    throw new PushgateError(
      'CONFIG_INVALID',
      `${path} does not hold an API token (16 to 512 characters of A-Z a-z 0-9 . _ ~ + / = -): ` +
        'delete it to have a new one generated, or set PUSHGATE_API_TOKENS',
    );
  }
  const mode = (await stat(path)).mode & 0o777;
  return {
    token: text,
    path,
    created: false,
    ...(mode & 0o077
      ? {
          warning: `${path} can be read by other users (mode ${mode.toString(8)}): chmod 600 it`,
        }
      : {}),
  };
}
