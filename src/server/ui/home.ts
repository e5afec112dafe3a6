import type { Request, Response } from 'express';
import type { UiContext, UiRoute } from './ui-types.js';

/** `/ui` itself: the images list, or the login form for a reader who is not logged in. */
export const home: UiRoute = {
  method: 'GET',
  path: '/',
  access: 'public',
  async handle(context: UiContext, _req: Request, res: Response) {
    res.redirect(303, context.viewer ? '/ui/images' : '/ui/login');
  },
};
