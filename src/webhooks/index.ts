import { acrAdapter } from './acr.js';
import { distributionAdapter } from './distribution.js';
import { dockerhubAdapter } from './dockerhub.js';
import { genericAdapter } from './generic.js';
import { ghcrAdapter } from './ghcr.js';
import { harborAdapter } from './harbor.js';
import { jfrogAdapter } from './jfrog.js';
import { quayAdapter } from './quay.js';
import type { WebhookAdapter } from './types.js';

/** Every webhook adapter, one per sender. Adding a sender = one file + one line here. */
export const ADAPTERS: readonly WebhookAdapter[] = [
  distributionAdapter,
  harborAdapter,
  dockerhubAdapter,
  quayAdapter,
  ghcrAdapter,
  acrAdapter,
  jfrogAdapter,
  genericAdapter,
];

const BY_ID = new Map<string, WebhookAdapter>(ADAPTERS.map((adapter) => [adapter.id, adapter]));

export function adapterById(id: string): WebhookAdapter | undefined {
  return BY_ID.get(id);
}
