import { randomBytes } from 'node:crypto';

/** The notification CNCF distribution sends for a manifest push (one event, its own id). */
export function distributionPushEvent(repository: string, digest: string, tag: string, host: string): string {
  return JSON.stringify({
    events: [
      {
        id: randomBytes(8).toString('hex'),
        timestamp: new Date().toISOString(),
        action: 'push',
        target: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          size: 1234,
          digest,
          length: 1234,
          repository,
          url: `http://${host}/v2/${repository}/manifests/${digest}`,
          tag,
        },
        request: { id: 'r', addr: '127.0.0.1:1', host, method: 'PUT', useragent: 'docker/20.10' },
        actor: {},
        source: { addr: host, instanceID: 'i' },
      },
    ],
  });
}

export const DISTRIBUTION_CONTENT_TYPE = 'application/vnd.docker.distribution.events.v1+json';
