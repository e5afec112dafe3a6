import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd });
}

export interface TestCa {
  dir: string;
  /** PEM of the CA certificate, for clients to trust. */
  cert: Buffer;
  certFile: string;
  keyFile: string;
}

export interface IssuedPair {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

/** A throwaway CA made with the real `openssl` CLI (P-256: fast to generate). */
export async function createTestCa(dir: string, name = 'pushgate test CA'): Promise<TestCa> {
  await mkdir(dir, { recursive: true });
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return {
    dir,
    cert: await readFile(join(dir, 'ca.crt')),
    certFile: join(dir, 'ca.crt'),
    keyFile: join(dir, 'ca.key'),
  };
}

/**
 * A server certificate for 127.0.0.1 and localhost signed by `ca`, written as `<name>.crt` and
 * `<name>.key` in `dir`. `days` sets the validity from now; `window` sets explicit dates
 * (`YYYYMMDDHHMMSSZ`, through `openssl ca`, the one CLI that backdates) for expired certificates.
 */
export async function issueServerPair(
  ca: TestCa,
  dir: string,
  name: string,
  options: { commonName?: string; days?: number; window?: { notBefore: string; notAfter: string } } = {},
): Promise<IssuedPair> {
  await mkdir(dir, { recursive: true });
  const ext = join(dir, `${name}.ext`);
  await writeFile(
    ext,
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  await openssl(
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${options.commonName ?? name}`,
    ],
    dir,
  );
  if (options.window) {
    await writeFile(
      join(dir, 'ca.cnf'),
      [
        '[ca]',
        'default_ca = test',
        '[test]',
        `database = ${join(dir, 'index.txt')}`,
        `new_certs_dir = ${dir}`,
        `serial = ${join(dir, 'ca.serial')}`,
        'default_md = sha256',
        'policy = any',
        'unique_subject = no',
        '[any]',
        'commonName = supplied',
        '',
      ].join('\n'),
    );
    await writeFile(join(dir, 'index.txt'), '', { flag: 'a' });
    await writeFile(join(dir, 'ca.serial'), '1000\n', { flag: 'wx' }).catch(() => undefined);
    await openssl(
      [
        'ca',
        '-batch',
        '-notext',
        '-config',
        join(dir, 'ca.cnf'),
        '-cert',
        ca.certFile,
        '-keyfile',
        ca.keyFile,
        '-in',
        `${name}.csr`,
        '-out',
        `${name}.crt`,
        '-startdate',
        options.window.notBefore,
        '-enddate',
        options.window.notAfter,
        '-extfile',
        ext,
      ],
      dir,
    );
  } else {
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        ca.certFile,
        '-CAkey',
        ca.keyFile,
        '-CAcreateserial',
        '-CAserial',
        join(dir, 'ca.srl'),
        '-days',
        String(options.days ?? 1),
        '-extfile',
        ext,
        '-out',
        `${name}.crt`,
      ],
      dir,
    );
  }
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, cert: await readFile(certFile), key: await readFile(keyFile) };
}

/**
 * A Secret volume as the kubelet lays it out: `tls.crt` and `tls.key` are symlinks through
 * `..data`, itself a symlink to a timestamped directory. `swap` writes a new directory and renames
 * a fresh `..data` over the old one (atomic), then removes the old directory — the update that
 * fs.watch on `tls.crt` does not report.
 */
export class SecretVolume {
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
  #generation = 0;
  #current: string | undefined;

  constructor(dir: string) {
    this.dir = dir;
    this.certFile = join(dir, 'tls.crt');
    this.keyFile = join(dir, 'tls.key');
  }

  async init(cert: Buffer, key: Buffer): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.swap(cert, key);
    await symlink('..data/tls.crt', this.certFile);
    await symlink('..data/tls.key', this.keyFile);
  }

  async swap(cert: Buffer, key: Buffer): Promise<void> {
    this.#generation += 1;
    const next = `..2026_01_01_00_00_00.${process.pid}${this.#generation}`;
    await mkdir(join(this.dir, next));
    await writeFile(join(this.dir, next, 'tls.crt'), cert);
    await writeFile(join(this.dir, next, 'tls.key'), key);
    await symlink(next, join(this.dir, '..data_tmp'));
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    if (this.#current) await rm(join(this.dir, this.#current), { recursive: true, force: true });
    this.#current = next;
  }
}
