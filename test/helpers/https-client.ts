/**
 * A small HTTPS JSON client for tests that trusts only the given CA (the console
 * CA), so every test also proves the console's certificate chain is right.
 * `body` is the parsed JSON of an `application/json` (or `+json`) answer and the
 * text of any other (NDJSON exports, HTML, plain text); `text` is always the text.
 */
import https from 'node:https';

export interface HttpResponse<Body = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Body;
  text: string;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Raw body text, sent as is (for malformed-JSON tests). */
  rawBody?: string;
  headers?: Record<string, string>;
  ca: string;
  servername?: string;
}

/** `application/json` or a `+json` type; not NDJSON (`application/x-ndjson`), which is many documents. */
function isJson(contentType: string | undefined): boolean {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

export function request<Body = unknown>(url: string, options: RequestOptions): Promise<HttpResponse<Body>> {
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        servername: options.servername ?? 'localhost',
        headers: {
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if (isJson(res.headers['content-type']) && text.length > 0) {
            try {
              body = JSON.parse(text);
            } catch (error) {
              reject(new Error(`${options.method ?? 'GET'} ${url} answered ${res.statusCode} with malformed JSON (${String(error)}): ${text.slice(0, 200)}`));
              return;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body as Body, text });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`request to ${url} timed out`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
