import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { freePort } from './ports.js';
import { tempDir } from './temp-dir.js';
import {
  startTokenIssuer,
  type ScopeRequest,
  type TokenIssuer,
  type TokenIssuerOptions,
} from './token-issuer.js';
import { waitFor } from './wait-for.js';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

/**
 * The htpasswd user. distribution only reads bcrypt hashes and neither `htpasswd` (apache2-utils)
 * nor a bcrypt npm package is installed, so the hash is precomputed (cost 4 keeps every request
 * fast): python3 -c "import crypt; print(crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))"
 */
export const HTPASSWD_USER = 'pushgate';
export const HTPASSWD_PASSWORD = 'pushgate-test-password';
const HTPASSWD_HASH = '$2b$04$/81vnP0rhGGm9reN9Si6x.piUEJR7NqluIqOkm5KH98oDdbSvDFn2';

export interface RegistryNotificationEndpoint {
  name: string;
  url: string;
  headers?: Record<string, string[]>;
}

export interface StartRegistryOptions {
  auth?: 'none' | 'htpasswd' | 'token';
  notifications?: RegistryNotificationEndpoint[];
  /** For `auth: 'token'`: users and grant policy of the token issuer. */
  tokenIssuer?: TokenIssuerOptions;
  /** Serve HTTPS with this certificate and key (PEM files); `url` is then `https://…`. */
  tls?: { certFile: string; keyFile: string };
}

export interface TestRegistry {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  auth: 'none' | 'htpasswd' | 'token';
  username?: string;
  password?: string;
  tokenIssuer?: TokenIssuer;
  /** An Authorization header value with pull, push and delete on `repository` (test set-up). */
  adminAuthorization(repository: string): string | undefined;
  /** What the registry printed on stderr so far (capped). */
  logs(): string;
  stop(): Promise<void>;
}

const MAX_LOG = 256 * 1024;

/**
 * Starts CNCF distribution 2.8 (`docker-registry serve`) on a free port with filesystem storage in
 * a temp dir and deletes enabled; `auth` picks no auth, htpasswd Basic auth, or token auth backed
 * by a test token issuer. Resolves once `/v2/` answers.
 */
/** True once a TLS handshake on 127.0.0.1:`port` completes (the test CA is not trusted here). */
function answersTls(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  try {
    await access(REGISTRY_BINARY, constants.X_OK);
  } catch {
    throw new Error(
      `${REGISTRY_BINARY} is missing: install the Debian package docker-registry (CNCF distribution 2.8)`,
    );
  }
  const auth = options.auth ?? 'none';
  const dir = await tempDir('pushgate-registry-');
  let tokenIssuer: TokenIssuer | undefined;
  let child: ChildProcess | undefined;
  let log = '';
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };

  const cleanup = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child?.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await tokenIssuer?.stop();
    await dir.remove();
  };

  try {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const storage = join(dir.path, 'storage');
    await mkdir(storage);
    const config: Record<string, unknown> = {
      version: '0.1',
      log: { level: 'info', formatter: 'text', accesslog: { disabled: true } },
      storage: {
        filesystem: { rootdirectory: storage },
        delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: {
        addr: host,
        secret: randomBytes(16).toString('hex'),
        ...(options.tls ? { tls: { certificate: options.tls.certFile, key: options.tls.keyFile } } : {}),
      },
    };
    if (auth === 'htpasswd') {
      const htpasswd = join(dir.path, 'htpasswd');
      await writeFile(htpasswd, `${HTPASSWD_USER}:${HTPASSWD_HASH}\n`);
      config.auth = { htpasswd: { realm: 'pushgate-test', path: htpasswd } };
    } else if (auth === 'token') {
      tokenIssuer = await startTokenIssuer(dir.path, options.tokenIssuer);
      config.auth = {
        token: {
          realm: tokenIssuer.realm,
          service: tokenIssuer.service,
          issuer: tokenIssuer.issuer,
          rootcertbundle: tokenIssuer.certPath,
        },
      };
    }
    if (options.notifications !== undefined && options.notifications.length > 0) {
      config.notifications = {
        endpoints: options.notifications.map((e) => ({
          name: e.name,
          url: e.url,
          headers: e.headers ?? {},
          timeout: '2s',
          threshold: 3,
          backoff: '1s',
        })),
      };
    }
    const configPath = join(dir.path, 'config.yml');
    // YAML is a superset of JSON: distribution reads this as its YAML config.
    await writeFile(configPath, JSON.stringify(config, null, 2));

    // REGISTRY_* variables override the config file; keep the caller's environment out of it.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
    const started = spawn(REGISTRY_BINARY, ['serve', configPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    process.once('exit', killOnExit);
    const append = (chunk: Buffer): void => {
      log += chunk.toString('utf8');
      if (log.length > MAX_LOG) log = log.slice(-MAX_LOG);
    };
    started.stdout?.on('data', append);
    started.stderr?.on('data', append);
    let exitInfo: string | undefined;
    started.once('exit', (code, signal) => {
      exitInfo = `exited with ${code ?? signal}`;
    });
    started.once('error', (err) => {
      exitInfo = `failed to start: ${err.message}`;
    });

    try {
      await waitFor(
        `docker-registry on ${host}`,
        async () => {
          if (exitInfo !== undefined) throw new Error(`docker-registry ${exitInfo}`);
          if (options.tls) return answersTls(port);
          try {
            const res = await fetch(`http://${host}/v2/`);
            await res.arrayBuffer();
            return res.status === 200 || res.status === 401;
          } catch {
            return false;
          }
        },
        20_000,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- docker-registry output ---\n${log.slice(-8192)}`);
    }

    const username = auth === 'htpasswd' ? HTPASSWD_USER : tokenIssuer?.username;
    const password = auth === 'htpasswd' ? HTPASSWD_PASSWORD : tokenIssuer?.password;
    return {
      url: `${options.tls ? 'https' : 'http'}://${host}`,
      host,
      auth,
      username,
      password,
      tokenIssuer,
      adminAuthorization(repository: string): string | undefined {
        if (auth === 'htpasswd') {
          return `Basic ${Buffer.from(`${HTPASSWD_USER}:${HTPASSWD_PASSWORD}`).toString('base64')}`;
        }
        if (tokenIssuer !== undefined) {
          const access: ScopeRequest[] = [
            { type: 'repository', name: repository, actions: ['pull', 'push', 'delete', '*'] },
          ];
          return `Bearer ${tokenIssuer.issue(tokenIssuer.username, access)}`;
        }
        return undefined;
      },
      logs: () => log,
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
