import type { CredentialFileParser, CredentialHit } from './credential-parser.js';
import { unquote } from './unquote.js';

const FIELD =
  /^\s*(?:-\s+)?(token|client-key-data|password|id-token|refresh-token|client-secret)\s*:\s*(.+?)\s*$/;

/**
 * kubeconfig files (`.kube/config`, `kubeconfig`, `*.kubeconfig`, `etc/kubernetes/*.conf`):
 * user tokens, client keys, passwords and auth-provider secrets. Read line by line, so YAML and
 * the (rare) JSON form with one field per line both work.
 */
export const kubeconfigParser: CredentialFileParser = {
  id: 'kubeconfig',
  rule: {
    id: 'kubeconfig-credential',
    title: 'Kubernetes credential in a kubeconfig',
    severity: 'critical',
    description:
      '`token`, `client-key-data`, `password`, `id-token`, `refresh-token`, `client-secret` of a user in .kube/config, kubeconfig, *.kubeconfig, /etc/kubernetes/*.conf.',
  },
  matches: (path, base) =>
    base === 'kubeconfig' ||
    base.endsWith('.kubeconfig') ||
    (base === 'config' && path.endsWith('.kube/config')) ||
    (path.startsWith('etc/kubernetes/') && base.endsWith('.conf')),
  parse(text) {
    const hits: CredentialHit[] = [];
    text.split('\n').forEach((raw, i) => {
      const m = FIELD.exec(raw.replace(/^(\s*)"([a-z-]+)"/, '$1$2'));
      if (!m) return;
      const value = unquote(m[2].replace(/,$/, ''));
      hits.push({ rule: 'kubeconfig-credential', key: m[1], value, line: i + 1 });
    });
    return hits;
  },
};
