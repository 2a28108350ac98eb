/** A settings value in words for tables and previews: NTP servers as address:port, rows joined, bandwidth as its text. */
export function settingValueInWords(value: unknown): string {
  if (value === undefined) return 'sensor default';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(itemInWords).join(', ');
  if (value && typeof value === 'object') return 'text' in value ? String((value as { text: unknown }).text) : JSON.stringify(value);
  return String(value);
}

function itemInWords(item: unknown): string {
  if (typeof item !== 'object' || item === null) return String(item);
  const row = item as Record<string, unknown>;
  if ('address' in row) return `${String(row.address)}:${String(row.port ?? 123)}`;
  if ('port' in row && 'protocol' in row) return `${String(row.port)}/${String(row.protocol)} ${String(row.alias ?? '')}`.trim();
  return Object.values(row).map(String).join(' → ');
}
