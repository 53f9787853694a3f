import { ROLES, type Role } from '../queries/users.queries';
import { field, hasErrors, type FieldErrors, type Parsed } from './validation';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;
const USERNAME = /^[a-z0-9_.-]{3,32}$/;

export function checkUsername(raw: string, errors: FieldErrors): string {
  const username = raw.trim().toLowerCase();
  if (username === '') errors.username = { key: 'validation.required' };
  else if (!USERNAME.test(username)) errors.username = { key: 'users.errors.usernameFormat' };
  return username;
}

/** A new password typed twice, as on the setup and reset forms. */
export function checkNewPassword(password: string, confirm: string, errors: FieldErrors): void {
  if (password === '') errors.password = { key: 'validation.required' };
  else if (password.length < PASSWORD_MIN) errors.password = { key: 'users.errors.passwordShort', params: { min: PASSWORD_MIN } };
  else if (password.length > PASSWORD_MAX) errors.password = { key: 'users.errors.passwordLong', params: { max: PASSWORD_MAX } };
  else if (password !== confirm) errors.passwordConfirm = { key: 'users.errors.passwordMismatch' };
}

export function parseSetupForm(body: unknown): Parsed<{ username: string; password: string }> {
  const errors: FieldErrors = {};
  const username = checkUsername(field(body, 'username'), errors);
  const password = field(body, 'password');
  checkNewPassword(password, field(body, 'passwordConfirm'), errors);
  return hasErrors(errors) ? { ok: false, errors } : { ok: true, value: { username, password } };
}

/**
 * Far above any real username (32) or password (PASSWORD_MAX), yet small: the login form is open to anyone, and a
 * failed login stores the username, so a longer one is refused before anything is stored or hashed.
 */
export const LOGIN_USERNAME_MAX = 64;
export const LOGIN_PASSWORD_MAX = 1024;

export function parseLoginForm(body: unknown): Parsed<{ username: string; password: string }> {
  const errors: FieldErrors = {};
  const username = field(body, 'username').trim();
  const password = field(body, 'password');
  if (username === '') errors.username = { key: 'validation.required' };
  else if (username.length > LOGIN_USERNAME_MAX) errors.username = { key: 'login.usernameTooLong', params: { max: LOGIN_USERNAME_MAX } };
  if (password === '') errors.password = { key: 'validation.required' };
  else if (password.length > LOGIN_PASSWORD_MAX) errors.password = { key: 'login.passwordTooLong', params: { max: LOGIN_PASSWORD_MAX } };
  return hasErrors(errors) ? { ok: false, errors } : { ok: true, value: { username, password } };
}

export function parseRole(raw: string, errors: FieldErrors): Role {
  if (!(ROLES as readonly string[]).includes(raw)) errors.role = { key: 'users.errors.role' };
  return raw as Role;
}

export function parseNewUserForm(body: unknown): Parsed<{ username: string; password: string; role: Role }> {
  const errors: FieldErrors = {};
  const username = checkUsername(field(body, 'username'), errors);
  const role = parseRole(field(body, 'role'), errors);
  const password = field(body, 'password');
  checkNewPassword(password, field(body, 'passwordConfirm'), errors);
  return hasErrors(errors) ? { ok: false, errors } : { ok: true, value: { username, password, role } };
}

export function parseResetPasswordForm(body: unknown): Parsed<{ password: string }> {
  const errors: FieldErrors = {};
  const password = field(body, 'password');
  checkNewPassword(password, field(body, 'passwordConfirm'), errors);
  return hasErrors(errors) ? { ok: false, errors } : { ok: true, value: { password } };
}

/** The own-password form: the current password (only checked against the hash later) and the new one twice. */
export function parseChangePasswordForm(body: unknown): Parsed<{ currentPassword: string; password: string }> {
  const errors: FieldErrors = {};
  const currentPassword = field(body, 'currentPassword');
  if (currentPassword === '') errors.currentPassword = { key: 'validation.required' };
  else if (currentPassword.length > LOGIN_PASSWORD_MAX) errors.currentPassword = { key: 'account.errors.currentWrong' };
  const password = field(body, 'password');
  checkNewPassword(password, field(body, 'passwordConfirm'), errors);
  return hasErrors(errors) ? { ok: false, errors } : { ok: true, value: { currentPassword, password } };
}

export function parseRoleForm(body: unknown): Parsed<{ role: Role }> {
  const errors: FieldErrors = {};
  const role = parseRole(field(body, 'role'), errors);
  return hasErrors(errors) ? { ok: false, errors } : { ok: true, value: { role } };
}

/** Route ids are positive integers; anything else is simply "not found". */
export function parseId(raw: unknown): number | null {
  return typeof raw === 'string' && /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : null;
}
