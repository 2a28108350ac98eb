/**
 * zod at every boundary: one way to turn a failed parse into the one error shape,
 * with each problem naming the field (`ntp.servers.1`) and what is wrong with it.
 */
import type { z } from 'zod';
import { AppError, type FieldProblem } from './errors.js';

export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

/** A one-line summary for logs, CLIs and link refusals: "name: Required; port: Too big". */
export function summarizeProblems(problems: FieldProblem[]): string {
  return problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
}

/**
 * Parses `value` or throws a `validation_failed` AppError whose message says what
 * was being read (`what`, e.g. "request body") and whose details list every problem.
 */
export function parseOrThrow<Schema extends z.ZodType>(schema: Schema, value: unknown, what: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = fieldProblems(result.error);
  throw new AppError('validation_failed', `The ${what} is not valid: ${summarizeProblems(problems)}`, { problems });
}
