/**
 * Splitting a typed line into words (with '…' and "…" quoting and \ escapes,
 * as a shell would) and the words after a command's name into named arguments.
 * Problems come back as sentences; the registry adds the usage line.
 */
import type { CliOption } from './cli-command.js';

export class CommandLineError extends Error {}

export function splitWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let index = 0; index < line.length; index += 1) {
    const char = line.charAt(index);
    if (quote) {
      if (char === quote) quote = null;
      else if (char === '\\' && quote === '"' && index + 1 < line.length) current += line.charAt(++index);
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && index + 1 < line.length) {
      current += line.charAt(++index);
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new CommandLineError(`A ${quote} quote is not closed.`);
  if (inWord) words.push(current);
  return words;
}

/**
 * `['10.0.0.1']` with positionals ['address'] → `{ address: '10.0.0.1' }`;
 * `['--zone', 'Z', '--single-use']` → `{ zone: 'Z', 'single-use': true }`.
 * Unknown options and extra words are refused here; values are checked by zod.
 */
export function namedArguments(words: string[], positionals: string[], options: Record<string, CliOption>): Record<string, string | true> {
  const named: Record<string, string | true> = {};
  const aliases = new Map(Object.entries(options).flatMap(([name, option]) => (option.alias ? [[option.alias, name] as const] : [])));
  const free: string[] = [];
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index] ?? '';
    let name: string | undefined;
    let inlineValue: string | undefined;
    if (word.startsWith('--') && word.length > 2) {
      const [key = '', ...rest] = word.slice(2).split('=');
      name = key;
      if (rest.length > 0) inlineValue = rest.join('=');
      if (!(name in options)) throw new CommandLineError(`Unknown option --${name}.`);
    } else if (/^-[A-Za-z]$/.test(word)) {
      name = aliases.get(word.slice(1));
      if (!name) throw new CommandLineError(`Unknown option ${word}.`);
    } else {
      free.push(word);
      continue;
    }
    const option = options[name];
    if (!option) throw new CommandLineError(`Unknown option --${name}.`);
    if (name in named) throw new CommandLineError(`The option --${name} is given twice.`);
    if (option.kind === 'flag') {
      if (inlineValue !== undefined) throw new CommandLineError(`The option --${name} takes no value.`);
      named[name] = true;
      continue;
    }
    const value = inlineValue ?? words[index + 1];
    if (value === undefined) throw new CommandLineError(`The option --${name} needs a value.`);
    if (inlineValue === undefined) index += 1;
    named[name] = value;
  }
  if (free.length > positionals.length) {
    const extra = free.slice(positionals.length).join(' ');
    throw new CommandLineError(`Unexpected argument${free.length - positionals.length === 1 ? '' : 's'}: ${extra}.`);
  }
  free.forEach((value, index) => {
    const name = positionals[index];
    if (name) named[name] = value;
  });
  return named;
}
