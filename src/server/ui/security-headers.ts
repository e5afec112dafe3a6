import type { RequestHandler } from 'express';
import { pageCsp } from './csp.js';

/**
 * Headers every answer under `/ui` carries. The CSP set here (nothing allowed at all) is replaced
 * by each page's own (`sendPage`), so a response that is not a page — a redirect, an error
 * before rendering — still loads nothing.
 */
export function securityHeaders(): RequestHandler {
  const strictest = pageCsp();
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', strictest);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    // For browsers without CSP `frame-ancestors`.
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    // Verdicts and audit lines are for the logged-in reader only: never kept by a shared cache or
    // the browser's back-forward history after logout.
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
}
