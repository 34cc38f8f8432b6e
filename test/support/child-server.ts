// A riskgate server in a child process on a data directory (test/fixtures/serve-world.ts), to be killed
// with -9 or written to while another process reads its files.
import { spawn } from 'node:child_process';

export interface ChildServer {
  url: string;
  token: string;
  kill(): Promise<void>;
}

export function startChildServer(dir: string): Promise<ChildServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/serve-world.ts', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let token = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      token ||= /token (\S+)/.exec(out)?.[1] ?? '';
      const ready = /ready (\d+)/.exec(out);
      if (ready && token) {
        resolve({
          url: `http://127.0.0.1:${ready[1]}`,
          token,
          kill: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGKILL');
            }),
        });
      }
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
}
