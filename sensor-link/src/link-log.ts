/** sensor-link logs in sentences, for the operator reading a journal on the sensor. */
export interface LinkLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function stderrLog(): LinkLog {
  const write = (level: string) => (message: string) => process.stderr.write(`${new Date().toISOString()} ${level} ${message}\n`);
  return { info: write('info '), warn: write('warn '), error: write('error') };
}

export const SILENT_LOG: LinkLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
