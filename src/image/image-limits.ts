/**
 * The default of limits.maxImageBytes (64 GiB), in a module of its own: the CLI's option parsing
 * needs it without loading the Docker engine client.
 */
export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 ** 3;
