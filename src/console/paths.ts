/** Where the web console lives on Herald's port. */
export const CONSOLE_PATH = '/console';
export const CONSOLE_ASSETS_PATH = '/console/assets';
export const CONSOLE_API_PATH = '/console/api';
/** The session cookie; scoped to the console's paths, so REST calls never carry it. */
export const SESSION_COOKIE = 'herald_console';
/** The header every state-changing console request carries (the session's CSRF token). */
export const CSRF_HEADER = 'x-herald-csrf';
