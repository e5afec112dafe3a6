/**
 * The contract between the parts of the admission webhook (issue 11): the HTTPS endpoint parses an
 * AdmissionReview and asks an `AdmissionDecider`; the decider lists the pod's images
 * (extract-images.ts), skips exempt ones, and judges each image for the pod's namespace from
 * stored facts (never pulling or scanning inside the request).
 */

/** Where an image appears in a pod spec. */
export type ImageSlot = 'container' | 'initContainer' | 'ephemeralContainer' | 'imageVolume';

/** One image reference of a pod (or of a controller's pod template), as written in the object. */
export interface PodImage {
  slot: ImageSlot;
  /** Container (or volume) name, for messages: "container app: image … was rejected". */
  name: string;
  /** The reference as written (`nginx`, `reg:5000/team/app:1`, `…@sha256:…`). */
  image: string;
  /** JSON pointer of the image field in the review's object, for the mutating webhook's patch. */
  pointer: string;
}

/** The parts of an AdmissionReview `request` (admission.k8s.io/v1) pushgate reads. */
export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
  userInfo?: { username?: string };
}

/** What a decision for one image came to, before `admission.*` settings turn it into allow/deny. */
export type ImageOutcome =
  | 'pass'
  | 'warn'
  /** A failing enforce policy (reject, or a tag action): denied. */
  | 'reject'
  /** Stored, but could not be judged (an `error` verdict). */
  | 'error'
  /** Never inspected. */
  | 'unknown'
  /** The image's registry is not one pushgate is configured for. */
  | 'unconfigured'
  /** Redis or the registry could not answer within the deadline. */
  | 'unavailable';

export interface ImageDecision {
  image: PodImage;
  outcome: ImageOutcome;
  /** The digest judged, when known (for pinning and for the admitted-images record). */
  digest?: string;
  /** One line per failing policy rule (`policy/rule: message`), already escaped for a terminal. */
  reasons: string[];
}

/** The answer the endpoint writes into `AdmissionReview.response`. */
export interface AdmissionAnswer {
  allowed: boolean;
  /** Shown by kubectl on a denial (status.message). */
  message?: string;
  /** AdmissionReview `warnings` (kubectl prints each as "Warning: …"). */
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
  /** JSONPatch operations (mutating webhook only). */
  patch?: Array<{ op: 'replace'; path: string; value: string }>;
}

export interface AdmissionDecider {
  validate(request: AdmissionRequest, signal: AbortSignal): Promise<AdmissionAnswer>;
  mutate(request: AdmissionRequest, signal: AbortSignal): Promise<AdmissionAnswer>;
  /** Releases what the decider holds (its Redis subscription, registry connections). */
  close?(): Promise<void>;
}
