// What the Node load generators use (bench/sso/sso.mjs): one HTTP request on a keep-alive agent,
// and a minimal cookie jar (name, value, path; expiry by Max-Age/Expires). The login benchmarks'
// C++ generator, bench/loadgen/login_load, has the same jar in bench/loadgen/http.cc.
import * as http from 'node:http';

// Resolves with { status, headers, body } (body as UTF-8 text).
export function request(agent, method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export class Jar {
  #c = new Map();
  store(setCookie = []) {
    for (const line of setCookie) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const i = pair.indexOf('=');
      const name = pair.slice(0, i); const value = pair.slice(i + 1);
      let path = '/'; let expired = false;
      for (const a of attrs) {
        const [k, v] = a.split('=');
        if (k.toLowerCase() === 'path') path = v;
        if (k.toLowerCase() === 'expires' && Date.parse(v) <= Date.now()) expired = true;
        if (k.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      }
      const key = `${name}\u0000${path}`;
      if (expired || value === '') this.#c.delete(key); else this.#c.set(key, { name, value, path });
    }
  }
  header(pathname) {
    const out = [];
    for (const { name, value, path } of this.#c.values()) {
      if (path === '/' || pathname === path || pathname.startsWith(path.endsWith('/') ? path : `${path}/`)) out.push(`${name}=${value}`);
    }
    return out.join('; ');
  }
  names() { return [...this.#c.values()].map((c) => c.name); }
}
