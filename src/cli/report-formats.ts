/**
 * The `--format` choices of `scan` and `diff`, apart from the commands themselves: the CLI's
 * option definitions need them, and must not load the scan path to get them.
 */
export const SCAN_FORMATS = ['table', 'json', 'sarif', 'html'] as const;

export const DIFF_FORMATS = ['table', 'json', 'html'] as const;
