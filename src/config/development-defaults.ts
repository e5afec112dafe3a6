/** Where the built-in development configuration points: the registry `npm start` users run locally. */
export const DEVELOPMENT_REGISTRY_URL = 'http://127.0.0.1:5000';

export interface DevelopmentDefaults {
  /** The configuration document, before schema defaults are filled in. */
  document: Record<string, unknown>;
  warnings: string[];
}

/**
 * The configuration used when there is no file at all: one local registry, one CNCF Distribution
 * endpoint for it, policies from ./policies. The endpoint's bearer token comes from
 * PUSHGATE_WEBHOOK_TOKEN; without it the endpoint takes unauthenticated events, and says so.
 */
export function developmentDefaults(
  env: NodeJS.ProcessEnv,
  options: {
    /** The admin token `pushgate start` keeps in .pushgate/api-token (PUSHGATE_API_TOKENS wins over it). */
    apiToken?: string;
  } = {},
): DevelopmentDefaults {
  const token = env.PUSHGATE_WEBHOOK_TOKEN;
  const hasToken = token !== undefined && token !== '';
  const warnings = [
    'no configuration file (no --config, PUSHGATE_CONFIG unset, no ./pushgate.yaml): using the built-in development ' +
      `defaults: registry "local" at ${DEVELOPMENT_REGISTRY_URL} (alias localhost:5000), webhook POST /hooks/distribution, ` +
      "policies from ./policies, accepted images tagged '<tag>-verified', listening on 127.0.0.1 only (PUSHGATE_HOST=0.0.0.0 to take requests from other " +
      'hosts). See pushgate.example.yaml for a real configuration.',
  ];
  if (!hasToken) {
    warnings.push(
      'WEBHOOK AUTHENTICATION IS OFF: PUSHGATE_WEBHOOK_TOKEN is unset, so POST /hooks/distribution accepts events from ' +
        'anyone who can reach this port. Set PUSHGATE_WEBHOOK_TOKEN, and send "Authorization: Bearer <token>" from the ' +
        "registry's notification endpoint headers.",
    );
  }
  return {
    document: {
      // Loopback: with webhook authentication off by default, the quick start must not take events
      // (or API calls) from the network. PUSHGATE_HOST overrides it.
      server: {
        host: '127.0.0.1',
        ...(options.apiToken !== undefined
          ? { apiTokens: [{ token: options.apiToken, role: 'admin' }] }
          : {}),
      },
      registries: [{ name: 'local', url: DEVELOPMENT_REGISTRY_URL, aliases: ['localhost:5000'] }],
      webhooks: [
        {
          name: 'distribution',
          adapter: 'distribution',
          registry: 'local',
          auth: hasToken ? { type: 'bearer', token } : { type: 'none' },
        },
      ],
      policies: { paths: ['policies'] },
      // Shows every action on a first run: a rejected image is deleted, an accepted one tagged.
      enforcement: { passTag: '{{tag}}-verified' },
    },
    warnings,
  };
}
