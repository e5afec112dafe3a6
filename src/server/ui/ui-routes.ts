import { admissionsPage } from './admissions-page.js';
import { home } from './home.js';
import { imagePage } from './image-page.js';
import { imagesPage } from './images-page.js';
import { login, loginForm } from './login-page.js';
import { logout } from './logout.js';
import type { UiRoute } from './ui-types.js';

/** Every route of the web view, in one list (paths relative to `/ui`). Adding a page is one file and one line. */
export const UI_ROUTES: readonly UiRoute[] = [
  home,
  loginForm,
  login,
  logout,
  imagesPage,
  imagePage,
  admissionsPage,
];
