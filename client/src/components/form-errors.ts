/** Reads the server's field problems for a form: beside each field, and the rest in one sentence. */
import { ApiError } from '../api/http';

export interface FieldErrors {
  at(path: string): string | undefined;
  /** Problems whose field the form does not show (so they are not lost). */
  unshown(shownPrefixes: string[]): string[];
  any: boolean;
}

export function fieldErrorsOf(error: unknown, prefix = ''): FieldErrors {
  const problems = error instanceof ApiError ? error.problems : [];
  const full = (path: string) => (prefix ? `${prefix}.${path}` : path);
  return {
    at: (path) => problems.find((problem) => problem.path === full(path))?.message,
    unshown: (shown) => problems.filter((problem) => !shown.some((path) => problem.path === full(path))).map((problem) => `${problem.path}: ${problem.message}`),
    any: problems.length > 0,
  };
}
